//! The configure plan: one file per process group of the declaration's
//! scope, the scope's stale files removed, `supervisorctl update` for
//! exactly the groups that changed, a check that their programs run, then
//! the records of what was applied.

use std::collections::{BTreeMap, BTreeSet};

use super::watch::Watches;
use super::{PlanBuilder, sha256_hex};
use crate::MANAGED_MARKER;
use crate::bindings::{
    AbsentFile, AwaitRunning, CtlAction, Declaration, Desired, Directory, Error, File, Guard,
    GuardedCommand, LogTarget, NodeFacts, PathKind, Plan, Program, Role, StartMethod,
    SupervisorState, Supervisorctl,
};
use crate::facts::Facts;
use crate::location::Standing;
use crate::program::{check_all, process_groups};
use crate::render::{ProcessGroup, SECRET_KEYS, group_file, supervisord_conf};
use crate::scope::{self, Writer};
use crate::settings::{Resolved, Target};

/// Longest wait for programs to settle, whatever their start settings.
const MAX_AWAIT_SECS: u32 = 600;

/// Who the plan is for: the declaration, the supervisord it works on, and
/// what it owns there.
struct Context<'a> {
    declaration: &'a Declaration,
    resolved: Resolved,
    facts: Facts<'a>,
    /// Whether it writes the daemon's own files (the location record, the
    /// unit's drop-in): it owns the daemon and nobody else recorded it.
    writes_daemon: bool,
    /// The scope the node's location record names as the daemon's owner.
    owner: Option<String>,
}

impl<'a> Context<'a> {
    fn new(
        settings: &str,
        declaration: &'a Declaration,
        facts: &'a NodeFacts,
    ) -> Result<Context<'a>, Error> {
        let owner = crate::location::read(facts)?.map(|l| l.owner);
        let (resolved, writes_daemon) = match declaration.role {
            Role::Programs => (super::located(facts)?, false),
            Role::Daemon => {
                let resolved = Resolved::resolve(settings, &Target::from_facts(facts))?;
                let standing = crate::location::standing(declaration, &resolved, facts)?;
                (resolved, standing == Standing::Owner)
            }
        };
        Ok(Context {
            declaration,
            resolved,
            facts: Facts::new(facts),
            writes_daemon,
            owner,
        })
    }

    fn scope(&self) -> &str {
        scope::name_of(self.declaration)
    }

    /// Who wrote the file at `path`, when the facts show one.
    fn writer(&self, path: &str) -> Option<Writer> {
        match &self.facts.path(path)?.kind {
            PathKind::File(info) => Some(Writer::of_head(&info.head)),
            _ => None,
        }
    }

    /// Whether this declaration may remove or rewrite a file `writer` wrote.
    fn owns(&self, writer: &Writer) -> bool {
        scope::owns(self.declaration, writer, self.owner.as_deref())
    }

    fn include_file(&self, stem: &str) -> String {
        let paths = &self.resolved.settings.paths;
        format!("{}/{stem}.{}", paths.include_dir, paths.include_ext)
    }

    /// Program files on the node: (path, stem, content hash, who wrote it).
    fn include_files(&self) -> Vec<(String, String, String, Writer)> {
        let paths = &self.resolved.settings.paths;
        let suffix = format!(".{}", paths.include_ext);
        self.facts
            .files_in(&paths.include_dir)
            .filter_map(|fact| {
                let PathKind::File(info) = &fact.kind else {
                    return None;
                };
                let stem = fact.path.rsplit('/').next()?.strip_suffix(&suffix)?;
                Some((
                    fact.path.clone(),
                    stem.to_string(),
                    info.sha256.clone(),
                    Writer::of_head(&info.head),
                ))
            })
            .collect()
    }
}

/// What the program-file steps of a plan did.
#[derive(Default)]
struct ProgramFiles {
    /// Steps that write or remove a program file.
    changed_steps: Vec<u32>,
    /// Groups whose file changes (their update restarts them).
    changed_groups: BTreeSet<String>,
    /// Every file the scope wants, with its content hash.
    wanted: BTreeMap<String, String>,
    /// Files this plan removes.
    removed: BTreeSet<String>,
}

/// Builds the configure plan for a node.
pub fn configure_plan(
    settings: &str,
    declaration: &Declaration,
    programs: &[Program],
    facts: &NodeFacts,
) -> Result<Plan, Error> {
    scope::check(declaration, settings, programs)?;
    let context = Context::new(settings, declaration, facts)?;
    check_all(programs, Some(&context.resolved))?;
    let groups = process_groups(programs);
    let mut plan = PlanBuilder::new();

    // Under systemd, the unit stops what supervisord leaves behind and waits
    // long enough for the slowest program to stop.
    let drop_in = if context.writes_daemon {
        systemd_drop_in(&mut plan, &context.facts, &context.resolved, programs)
    } else {
        None
    };
    log_directories(&mut plan, programs, &context);
    let mut files = program_files(&mut plan, &groups, &context)?;
    prune(&mut plan, &mut files, &context)?;

    // A changed supervisord.conf restarts the daemon, which then loads
    // every group afresh: nothing is pending and every group is checked.
    // (Only the daemon's owner changes it.)
    let conf_sha = match declaration.role {
        Role::Daemon => sha256_hex(&supervisord_conf(&context.resolved)),
        Role::Programs => on_node_sha(&context.facts, &context.resolved.settings.paths.config),
    };
    let conf_changed = context
        .facts
        .content_matches(&context.resolved.settings.paths.config, &conf_sha)
        != Some(true);
    let daemon = if conf_changed {
        None
    } else {
        context
            .facts
            .supervisor(&context.resolved.settings.paths.socket)
    };
    let pending = update(&mut plan, &context, &files, daemon.is_some());
    let mut restarted = fatal_restarts(&mut plan, &context, &groups, &files, daemon);
    let watches = Watches::new(
        context.facts.node(),
        &super::watch_state_path(&context.facts.node().root, context.scope()),
    );
    restarted.extend(watch_restarts(
        &mut plan, &context, programs, &files, daemon, &watches,
    ));
    let settled = conf_changed || pending;
    await_running(&mut plan, &context, &groups, &files, &restarted, settled);

    if let Some(written) = drop_in {
        plan.after_change(
            Desired::Command(GuardedCommand {
                argv: vec!["systemctl".into(), "daemon-reload".into()],
                guard: Guard::None,
            }),
            "reload systemd units",
            vec![written],
        );
    }
    records(&mut plan, &context, &files, conf_sha, programs, &watches);
    Ok(plan.finish())
}

/// The content hash of a file as the facts show it; empty when unknown.
fn on_node_sha(facts: &Facts<'_>, path: &str) -> String {
    match facts.path(path).map(|f| &f.kind) {
        Some(PathKind::File(info)) => info.sha256.clone(),
        _ => String::new(),
    }
}

/// A program's log directory that does not exist is created, owned by the
/// program's user (supervisord refuses a log path whose directory is
/// missing, and would then refuse every later change too).
fn log_directories(plan: &mut PlanBuilder, programs: &[Program], context: &Context<'_>) {
    for (path, owner) in missing_log_dirs(programs, &context.facts, &context.resolved) {
        plan.always(
            Desired::Directory(Directory {
                path,
                // A user's group may not share its name (nobody/nogroup).
                group: None,
                owner,
                mode: 0o755,
            }),
            "a program logs there and it is missing",
        );
    }
}

/// One file per process group, marked with the scope. A group whose file
/// another scope wrote is refused; so is a program that shares its name
/// with another scope's program file.
fn program_files(
    plan: &mut PlanBuilder,
    groups: &BTreeMap<String, Vec<&Program>>,
    context: &Context<'_>,
) -> Result<ProgramFiles, Error> {
    let mut files = ProgramFiles::default();
    for (name, members) in groups {
        let path = context.include_file(name);
        foreign_files(name, members, &path, context)?;
        let group = ProcessGroup {
            name,
            explicit: members.iter().any(|p| p.group.is_some()),
            members: members.clone(),
            options: context.resolved.settings.groups.get(name.as_str()),
            scope: context.scope(),
        };
        let secret = members.iter().any(|p| !p.environment.is_empty());
        let file = File {
            path: path.clone(),
            content: group_file(&group),
            owner: context.resolved.config_owner(),
            group: context.resolved.config_group(),
            // Environments often carry credentials: only supervisord's own
            // account may read them.
            mode: context.resolved.config_mode(secret),
            redact_keys: SECRET_KEYS.iter().map(|k| k.to_string()).collect(),
            staged: true,
        };
        files.wanted.insert(path, sha256_hex(&file.content));
        if let Some(step) = plan.file(&context.facts, file, &format!("group {name}")) {
            files.changed_steps.push(step);
            files.changed_groups.insert(name.clone());
        }
    }
    Ok(files)
}

/// Refuses a group whose file another scope wrote, and a member that
/// shares its name with another scope's program file (supervisord would
/// merge the two sections into one).
fn foreign_files(
    name: &str,
    members: &[&Program],
    path: &str,
    context: &Context<'_>,
) -> Result<(), Error> {
    let first = members.first().map(|p| p.name.as_str()).unwrap_or(name);
    let lone = matches!(members, [p] if p.name == name && p.group.is_none());
    let what = if lone { "program" } else { "group" };
    let candidates = std::iter::once((path.to_string(), format!("{what} {name}"), first)).chain(
        members.iter().filter(|_| !lone).map(|p| {
            (
                context.include_file(&p.name),
                format!("a program named {}", p.name),
                p.name.as_str(),
            )
        }),
    );
    for (file, what, program) in candidates {
        if let Some(writer) = context.writer(&file)
            && writer != Writer::Someone
            && !context.owns(&writer)
        {
            return Err(scope::conflict(
                format!("programs[{program}]"),
                &what,
                &writer,
                &file,
            ));
        }
    }
    Ok(())
}

/// Files of the scope (every managed file, when exclusive) that are no
/// longer wanted are removed; files without our marker are someone else's
/// and stay. A program declared absent that another scope owns is refused.
fn prune(
    plan: &mut PlanBuilder,
    files: &mut ProgramFiles,
    context: &Context<'_>,
) -> Result<(), Error> {
    for (index, name) in context.declaration.absent.iter().enumerate() {
        let path = context.include_file(name);
        if let Some(writer) = context.writer(&path)
            && !context.owns(&writer)
        {
            return Err(scope::conflict(
                format!("declaration.absent[{index}]"),
                &format!("program {name}"),
                &writer,
                &path,
            ));
        }
    }
    for (path, stem, _, writer) in context.include_files() {
        if files.wanted.contains_key(&path) || !context.owns(&writer) {
            continue;
        }
        files.removed.insert(path.clone());
        files.changed_steps.push(plan.always(
            Desired::Absent(AbsentFile { path, staged: true }),
            format!("group {stem}: no longer wanted"),
        ));
        files.changed_groups.insert(stem);
    }
    Ok(())
}

/// `supervisorctl update`: of exactly the groups whose files change, or of
/// everything when the record of what supervisord applied says files on
/// the node were not applied (an earlier apply was cut before its update,
/// or someone edited them by hand). Returns whether that is so. (Asking
/// supervisord, `reloadConfig`, costs it half a second at 1,000 programs;
/// reading the record costs nothing.)
fn update(
    plan: &mut PlanBuilder,
    context: &Context<'_>,
    files: &ProgramFiles,
    daemon_answers: bool,
) -> bool {
    let paths = &context.resolved.settings.paths;
    let on_node = files_hash(
        Some(on_node_sha(&context.facts, &paths.config)),
        context
            .include_files()
            .into_iter()
            .map(|(path, _, sha, _)| (path, sha))
            .collect(),
    );
    let recorded = context
        .facts
        .record(&applied_record_path(&context.resolved))
        .map(str::trim);
    let pending = daemon_answers && context.facts.gathered() && recorded != Some(on_node.as_str());
    let update = Desired::Supervisorctl(Supervisorctl {
        ctl: context.resolved.ctl(),
        action: CtlAction::Update,
        targets: if pending {
            Vec::new()
        } else {
            files.changed_groups.iter().cloned().collect()
        },
    });
    if pending {
        plan.always(
            update,
            "supervisord may not have applied the files on the node",
        );
    } else {
        plan.after_change(
            update,
            "their program files changed",
            files.changed_steps.clone(),
        );
    }
    pending
}

/// Wanted groups that gave up (FATAL) and are not being updated anyway get
/// another start: the wanted state is running.
fn fatal_restarts(
    plan: &mut PlanBuilder,
    context: &Context<'_>,
    groups: &BTreeMap<String, Vec<&Program>>,
    files: &ProgramFiles,
    daemon: Option<&SupervisorState>,
) -> BTreeSet<String> {
    let mut restarted = BTreeSet::new();
    let Some(daemon) = daemon else {
        return restarted;
    };
    for (name, members) in groups {
        let fatal = daemon
            .processes
            .iter()
            .any(|p| p.group == *name && p.state == "FATAL");
        if fatal
            && !files.changed_groups.contains(name)
            && members.iter().all(|p| p.autostart != Some(false))
        {
            plan.always(
                Desired::Supervisorctl(Supervisorctl {
                    ctl: context.resolved.ctl(),
                    action: CtlAction::Start,
                    targets: vec![format!("{name}:*")],
                }),
                "it is FATAL but should run",
            );
            restarted.insert(name.clone());
        }
    }
    restarted
}

/// Programs whose watched paths changed restart once, unless an update or
/// a new daemon restarts them anyway; programs that are not running are
/// left as they are (a deliberate stop stays a stop). (Facts read from the
/// process table list a process that runs as RUNNING, even one still
/// starting or stopping, and none in BACKOFF.)
fn watch_restarts(
    plan: &mut PlanBuilder,
    context: &Context<'_>,
    programs: &[Program],
    files: &ProgramFiles,
    daemon: Option<&SupervisorState>,
    watches: &Watches<'_>,
) -> BTreeSet<String> {
    let mut restarted = BTreeSet::new();
    let Some(daemon) = daemon else {
        return restarted;
    };
    for program in programs {
        let changed = watches.changed_paths(program);
        let group = program
            .group
            .clone()
            .unwrap_or_else(|| program.name.clone());
        if changed.is_empty() || files.changed_groups.contains(&group) {
            continue;
        }
        let running = daemon.processes.iter().any(|p| {
            p.group == group && matches!(p.state.as_str(), "RUNNING" | "STARTING" | "BACKOFF")
        });
        if !running {
            continue;
        }
        // One process of its own: by name; several (numprocs, a name
        // template): the group's processes.
        let target = if program.numprocs.unwrap_or(1) == 1 && program.process_name.is_none() {
            format!("{group}:{}", program.name)
        } else {
            format!("{group}:*")
        };
        plan.always(
            Desired::Supervisorctl(Supervisorctl {
                ctl: context.resolved.ctl(),
                action: CtlAction::Restart,
                targets: vec![target],
            }),
            format!("{}: {} changed", program.name, changed.join(", ")),
        );
        restarted.insert(group);
    }
    restarted
}

/// A check that the groups just (re)started run: all of the scope's groups
/// when the daemon restarted or everything was pending (`settled`).
fn await_running(
    plan: &mut PlanBuilder,
    context: &Context<'_>,
    groups: &BTreeMap<String, Vec<&Program>>,
    files: &ProgramFiles,
    restarted: &BTreeSet<String>,
    settled: bool,
) {
    let awaited: Vec<(&String, u32)> = groups
        .iter()
        .filter(|(name, _)| {
            settled || files.changed_groups.contains(*name) || restarted.contains(*name)
        })
        .filter_map(|(name, members)| {
            // A group with a member that does not autostart is not expected
            // to be all RUNNING.
            if members.iter().any(|p| p.autostart == Some(false)) {
                return None;
            }
            let timeout = members.iter().map(|p| settle_secs(p)).max()?;
            Some((name, timeout))
        })
        .collect();
    if awaited.is_empty() {
        return;
    }
    let timeout = awaited
        .iter()
        .map(|(_, t)| *t)
        .max()
        .unwrap_or(0)
        .min(MAX_AWAIT_SECS);
    let names: Vec<String> = awaited.iter().map(|(n, _)| (*n).clone()).collect();
    let lone: Vec<String> = names
        .iter()
        .filter(|name| {
            groups.get(*name).is_some_and(|members| {
                matches!(members.as_slice(), [p] if p.name == **name
                    && p.numprocs.unwrap_or(1) == 1
                    && p.process_name.is_none())
            })
        })
        .cloned()
        .collect();
    let reason = "they were (re)started";
    let await_step = Desired::AwaitRunning(AwaitRunning {
        ctl: context.resolved.ctl(),
        groups: names,
        lone,
        timeout_secs: timeout,
    });
    if context.facts.gathered() {
        plan.always(await_step, reason);
    } else {
        plan.after_change(await_step, reason, files.changed_steps.clone());
    }
}

/// Records, last: after the update and the daemon (re)start that applied
/// them and the restarts they caused.
/// - What supervisord now has applied. (Without facts, the files of others
///   in the include directory are not known: a record without them costs
///   the next apply one idle `update`.)
/// - Where the daemon lives, written by its owner.
/// - The scope's watched paths' hashes.
fn records(
    plan: &mut PlanBuilder,
    context: &Context<'_>,
    files: &ProgramFiles,
    conf_sha: String,
    programs: &[Program],
    watches: &Watches<'_>,
) {
    let facts = &context.facts;
    let mut applied: Vec<(String, String)> = files
        .wanted
        .iter()
        .map(|(path, sha)| (path.clone(), sha.clone()))
        .collect();
    applied.extend(
        context
            .include_files()
            .into_iter()
            .filter(|(path, ..)| !files.wanted.contains_key(path) && !files.removed.contains(path))
            .map(|(path, _, sha, _)| (path, sha)),
    );
    let record = format!("{}\n", files_hash(Some(conf_sha), applied));
    plan.file(
        facts,
        record_file(applied_record_path(&context.resolved), record),
        "what supervisord applied",
    );
    if context.writes_daemon {
        let root = &facts.node().root;
        plan.file(
            facts,
            record_file(
                crate::location::path(root),
                crate::location::render(&context.resolved, context.scope()),
            ),
            "where supervisord lives",
        );
    }
    if !facts.gathered() {
        return;
    }
    let state_path = super::watch_state_path(&facts.node().root, context.scope());
    let record = watches.record(programs);
    if !record.is_empty() {
        plan.file(facts, record_file(state_path, record), "watched paths");
    } else if facts.exists(&state_path) == Some(true) {
        plan.always(
            Desired::Absent(AbsentFile {
                path: state_path,
                staged: false,
            }),
            "no program watches a path",
        );
    }
}

/// A record file: root's, world-readable, not part of the configuration.
fn record_file(path: String, content: String) -> File {
    File {
        path,
        content,
        owner: None,
        group: None,
        mode: 0o644,
        redact_keys: Vec::new(),
        staged: false,
    }
}

/// The record of what supervisord has applied: beside its configuration
/// (hidden, so no include pattern takes it), where a reboot keeps it (at
/// boot supervisord loads the files the record describes).
pub fn applied_record_path(resolved: &Resolved) -> String {
    let config = &resolved.settings.paths.config;
    format!(
        "{}/.supervisord-crate.applied",
        super::parent(config).trim_end_matches('/')
    )
}

/// The hash of supervisord's configuration files: the main file's content
/// hash and each included file's path and content hash.
fn files_hash(config: Option<String>, mut files: Vec<(String, String)>) -> String {
    files.sort();
    let mut text = format!("config\t{}\n", config.unwrap_or_default());
    for (path, sha) in files {
        text.push_str(&format!("{path}\t{sha}\n"));
    }
    sha256_hex(&text)
}

/// The drop-in of the systemd unit that runs supervisord: `KillMode=mixed`
/// (SIGTERM to supervisord, then SIGKILL to every process left in the
/// unit, so programs a killed supervisord leaves behind do not outlive it
/// and run twice once it is restarted), a restart after a crash, and a
/// stop timeout longer than the slowest program's `stopwaitsecs`.
fn systemd_drop_in(
    plan: &mut PlanBuilder,
    facts: &Facts<'_>,
    resolved: &Resolved,
    programs: &[Program],
) -> Option<u32> {
    let StartMethod::Systemd(unit) = resolved.start_method() else {
        return None;
    };
    let slowest = programs
        .iter()
        .map(|p| p.stopwaitsecs.unwrap_or(10))
        .max()
        .unwrap_or(10);
    let content = format!(
        "{MANAGED_MARKER}\n[Service]\nKillMode=mixed\nRestart=on-failure\nRestartSec=2\nTimeoutStopSec={}\n",
        slowest.saturating_add(30)
    );
    plan.file(
        facts,
        File {
            path: systemd_drop_in_path(&unit),
            content,
            owner: None,
            group: None,
            mode: 0o644,
            redact_keys: Vec::new(),
            staged: false,
        },
        &format!("systemd drop-in of {unit}"),
    )
}

/// Where the drop-in of `unit` lives.
pub fn systemd_drop_in_path(unit: &str) -> String {
    format!("/etc/systemd/system/{unit}.d/supervisord-crate.conf")
}

/// Parent directories of programs' log files that the facts say are
/// missing, with the owner each should get.
fn missing_log_dirs(
    programs: &[Program],
    facts: &Facts<'_>,
    resolved: &Resolved,
) -> Vec<(String, Option<String>)> {
    let mut dirs: Vec<(String, Option<String>)> = Vec::new();
    for program in programs {
        for stream in [&program.stdout, &program.stderr] {
            let Some(LogTarget::Path(path)) = &stream.logfile else {
                continue;
            };
            let dir = super::parent(path).to_string();
            if facts.exists(&dir) != Some(false) || dirs.iter().any(|(d, _)| *d == dir) {
                continue;
            }
            let owner = program.user.clone().or_else(|| resolved.runtime_owner());
            dirs.push((dir, owner));
        }
    }
    dirs
}

/// How long a program may take to reach RUNNING or FATAL: each start
/// attempt lasts `startsecs` plus a second of supervisord's tick, and the
/// back-off before attempt n is n seconds.
fn settle_secs(program: &Program) -> u32 {
    let startsecs = program.startsecs.unwrap_or(1);
    let retries = program.startretries.unwrap_or(3).min(100);
    (startsecs.saturating_add(1))
        .saturating_mul(retries + 1)
        .saturating_add(retries * (retries + 1) / 2)
        .saturating_add(5)
}
