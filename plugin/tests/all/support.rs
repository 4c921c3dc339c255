//! Builders for node facts and programs, and a one-line description of each
//! plan step so tables of expected plans stay readable.

use supervisord_plugin::bindings::{
    Condition, CtlAction, Declaration, Desired, Error, FileInfo, InitSystem, Login, NodeFacts,
    OsRelease, PackageFact, PathFact, PathKind, Plan, ProbeSet, ProcessFact, Program, ProgramKind,
    Python, Role, StartMethod, Step, VenvPackageFact,
};
use supervisord_plugin::plan::sha256_hex;

/// Facts of a whole node with nothing installed yet.
pub fn node(id: &str, version: &str, like: &[&str], init: InitSystem) -> NodeFacts {
    NodeFacts {
        gathered: true,
        root: "/".into(),
        os: Some(OsRelease {
            id: id.into(),
            version_id: version.into(),
            id_like: like.iter().map(|s| s.to_string()).collect(),
        }),
        init,
        login: Login {
            user: "root".into(),
            uid: 0,
        },
        python: Some(Python {
            path: "/usr/bin/python3".into(),
            version: "3.11.2".into(),
        }),
        paths: Vec::new(),
        processes: Vec::new(),
        packages: Vec::new(),
        venv_packages: Vec::new(),
        supervisors: Vec::new(),
        watched: Vec::new(),
        records: Vec::new(),
    }
}

/// A Debian 12 node without an init system (a container).
pub fn debian() -> NodeFacts {
    node("debian", "12", &[], InitSystem::None)
}

/// A sandbox directory on the host, as a non-root user.
pub fn sandbox(root: &str) -> NodeFacts {
    let mut facts = node("debian", "12", &[], InitSystem::Systemd);
    facts.root = root.into();
    facts.login = Login {
        user: "dev".into(),
        uid: 1000,
    };
    facts
}

/// Facts that were not gathered (script export).
pub fn unknown(os_id: &str) -> NodeFacts {
    let mut facts = node(os_id, "", &[], InitSystem::None);
    facts.gathered = false;
    facts
}

/// Adds a file fact with this content.
pub fn with_file(
    mut facts: NodeFacts,
    path: &str,
    content: &str,
    mode: u32,
    owner: &str,
) -> NodeFacts {
    facts.paths.push(PathFact {
        path: path.into(),
        kind: PathKind::File(FileInfo {
            sha256: sha256_hex(content),
            size: content.len() as u64,
            head: content
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(256)
                .collect(),
        }),
        mode,
        owner: owner.into(),
        group: owner.into(),
    });
    facts
}

/// Adds directory facts.
pub fn with_dirs(mut facts: NodeFacts, dirs: &[&str], mode: u32, owner: &str) -> NodeFacts {
    for dir in dirs {
        facts.paths.push(PathFact {
            path: dir.to_string(),
            kind: PathKind::Directory,
            mode,
            owner: owner.into(),
            group: owner.into(),
        });
    }
    facts
}

/// Adds an installed OS package (or records it as probed and absent).
pub fn with_package(mut facts: NodeFacts, name: &str, version: Option<&str>) -> NodeFacts {
    facts.packages.push(PackageFact {
        name: name.into(),
        version: version.map(str::to_string),
    });
    facts
}

/// Adds a distribution installed in a virtual environment.
pub fn with_venv_package(mut facts: NodeFacts, venv: &str, name: &str, version: &str) -> NodeFacts {
    facts.venv_packages.push(VenvPackageFact {
        venv: venv.into(),
        name: name.into(),
        version: version.into(),
    });
    facts
}

/// Records a pid file whose process is alive or not.
pub fn with_process(mut facts: NodeFacts, pid_file: &str, alive: bool) -> NodeFacts {
    facts.processes.push(ProcessFact {
        pid_file: pid_file.into(),
        pid: alive.then_some(4242),
        alive,
    });
    facts
}

/// A program with only a name and a command.
pub fn program(name: &str, command: &str) -> Program {
    program_keys::blank(name.into(), command.into(), ProgramKind::Process)
}

/// One line per step: what, where, and when it runs.
pub fn describe(plan: &Plan) -> Vec<String> {
    plan.steps.iter().map(describe_step).collect()
}

fn describe_step(step: &Step) -> String {
    let what = match &step.desired {
        Desired::Packages(p) => format!("packages {} {}", name_of(p.manager), p.names.join(" ")),
        Desired::Pip(p) => format!(
            "pip {} {}{} with {}",
            p.venv,
            p.name,
            p.version
                .as_deref()
                .map(|v| format!("=={v}"))
                .unwrap_or_default(),
            p.python
        ),
        Desired::User(u) => format!("user {} home {}", u.name, u.home),
        Desired::Directory(d) => format!(
            "dir {} {:o}{}",
            d.path,
            d.mode,
            d.owner
                .as_deref()
                .map(|o| format!(" {o}"))
                .unwrap_or_default()
        ),
        Desired::File(f) => format!(
            "file {} {:o}{}",
            f.path,
            f.mode,
            f.owner
                .as_deref()
                .map(|o| format!(" {o}"))
                .unwrap_or_default()
        ),
        Desired::Absent(a) => format!("absent {}", a.path),
        Desired::CommitConfig(ctl) => format!("commit {}", ctl.config),
        Desired::Daemon(d) => {
            let start = match &d.start {
                StartMethod::Systemd(unit) => format!("systemd {unit}"),
                StartMethod::InitScript(script) => format!("init-script {script}"),
                StartMethod::Openrc(service) => format!("openrc {service}"),
                StartMethod::Command(argv) => format!("command {}", argv.join(" ")),
            };
            format!("daemon {} via {start}", name_of(d.ensure))
        }
        Desired::Supervisorctl(c) => {
            let action = match &c.action {
                CtlAction::Signal(signal) => format!("signal-{}", name_of(signal)),
                other => name_of(other),
            };
            format!("ctl {action} {}", c.targets.join(" "))
                .trim_end()
                .to_string()
        }
        Desired::AwaitRunning(a) => format!("await {} {}s", a.groups.join(" "), a.timeout_secs),
        Desired::Command(c) => format!("command {}", c.argv.join(" ")),
    };
    match &step.when {
        Condition::Always => what,
        Condition::Changed(after) => format!("{what} after {after:?}"),
    }
}

/// An enum case's name, lower case (`PackageManager::Apt` -> `apt`).
pub fn name_of(value: impl std::fmt::Debug) -> String {
    let debug = format!("{value:?}");
    debug.rsplit("::").next().unwrap_or(&debug).to_lowercase()
}

/// The content of the file step at `path`.
pub fn file_content<'a>(plan: &'a Plan, path: &str) -> &'a str {
    plan.steps
        .iter()
        .find_map(|step| match &step.desired {
            Desired::File(f) if f.path == path => Some(f.content.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no file step for {path} in {:#?}", describe(plan)))
}

/// The declaration hosts make by default: scope `default`, owning the
/// daemon.
pub fn owner() -> Declaration {
    scoped("", Role::Daemon)
}

/// A declaration of `scope` with `role`.
pub fn scoped(scope: &str, role: Role) -> Declaration {
    Declaration {
        scope: scope.into(),
        role,
        exclusive: false,
        absent: Vec::new(),
    }
}

/// The install plan of the default declaration.
pub fn install_plan(settings: &str, facts: &NodeFacts) -> Result<Plan, Error> {
    supervisord_plugin::plan::install_plan(settings, &owner(), facts)
}

/// The configure plan of the default declaration.
pub fn configure_plan(
    settings: &str,
    programs: &[Program],
    facts: &NodeFacts,
) -> Result<Plan, Error> {
    supervisord_plugin::plan::configure_plan(settings, &owner(), programs, facts)
}

/// The probes of the default declaration.
pub fn probes(settings: &str, programs: &[Program], root: &str) -> Result<ProbeSet, Error> {
    supervisord_plugin::probes::probes(settings, &owner(), programs, root)
}

/// Adds a small file the node reads whole (a record): its path fact and
/// its content.
pub fn with_record(facts: NodeFacts, path: &str, content: &str) -> NodeFacts {
    let mut facts = with_file(facts, path, content, 0o644, "root");
    facts
        .records
        .push(supervisord_plugin::bindings::RecordFact {
            path: path.into(),
            content: Some(content.into()),
        });
    facts
}
