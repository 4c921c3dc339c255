//! A checked plan as one POSIX `sh` script: the step library, then one
//! call per step inside `supd_main`, called by the last line.

use std::fmt::Write;

use sha2::{Digest, Sha256};

use super::quote;
use crate::bindings::{
    Condition, DaemonEnsure, Desired, Guard, PackageManager, Plan, ScriptOptions, StartMethod,
};

/// The step library.
const PRELUDE: &str = include_str!("prelude.sh");

/// The liveness check the facts script shares.
const ALIVE_SH: &str = include_str!("../alive.sh");

/// The library's Python parts, each set as a shell variable ahead of it
/// (no file holds a single quote, so one quoted word carries each).
pub(super) const PYTHON: [(&str, &str); 9] = [
    // The XML-RPC client the snippets that talk to supervisord start with.
    ("SUPD_RPC_PY", include_str!("../rpc_client.py")),
    // The structs of its responses, for those that read process states.
    ("SUPD_STRUCTS_PY", include_str!("xml_structs.py")),
    ("SUPD_STATES_PY", include_str!("states.py")),
    ("SUPD_FLOCK_PY", include_str!("flock.py")),
    ("SUPD_COMMIT_PY", include_str!("commit.py")),
    ("SUPD_DIRECTORY_PY", include_str!("directory.py")),
    ("SUPD_READY_PY", include_str!("ready.py")),
    ("SUPD_ORPHANS_PY", include_str!("orphans.py")),
    ("SUPD_AWAIT_PY", include_str!("await_programs.py")),
];

/// Compiles a validated plan.
pub fn compile(plan: &Plan, options: &ScriptOptions) -> String {
    let python: usize = PYTHON
        .iter()
        .map(|(name, text)| name.len() + text.len() + 4)
        .sum();
    let mut out = String::with_capacity(python + PRELUDE.len() + 256 * plan.steps.len());
    out.push_str("#!/bin/sh\n");
    for line in options.title.lines() {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "SUPD_CHECK={}", u8::from(options.check));
    let _ = writeln!(out, "SUPD_DIFF={}", u8::from(options.diff));
    for (name, text) in PYTHON {
        let _ = writeln!(out, "{name}='{text}'");
    }
    out.push_str(PRELUDE);
    out.push('\n');
    out.push_str(ALIVE_SH);
    out.push('\n');
    out.push_str(&crate::packages::script_functions());
    out.push_str("\nsupd_main() {\n    supd_init\n");
    if let Some(lock) = lock_of(plan) {
        let _ = writeln!(
            out,
            "    supd_lock {} {} {}",
            quote(lock),
            options
                .lock_wait_secs
                .unwrap_or(super::validate::DEFAULT_LOCK_WAIT_SECS),
            quote(options.title.lines().next().unwrap_or("supervisord-crate"))
        );
    }
    for (index, step) in plan.steps.iter().enumerate() {
        let _ = writeln!(out, "    # {index}: {}", step.reason.replace('\n', " "));
        let _ = writeln!(
            out,
            "    supd_progress {index} {}",
            quote(&crate::report::describe(&step.desired))
        );
        let call = step_call(index, &step.desired);
        match &step.when {
            Condition::Always => {
                let _ = writeln!(out, "    {call}");
            }
            Condition::Changed(targets) => {
                let targets: Vec<String> = targets.iter().map(u32::to_string).collect();
                let _ = writeln!(
                    out,
                    "    if supd_any {}; then\n        {call}\n    else\n        supd_skip {index}\n    fi",
                    targets.join(" ")
                );
            }
        }
    }
    out.push_str("}\n\nsupd_main\n");
    out
}

/// The lock of the supervisord a plan changes, if it names one.
pub fn lock_of(plan: &Plan) -> Option<&str> {
    crate::contract::supervisord_of(plan).map(|ctl| ctl.lock.as_str())
}

fn words<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    items
        .into_iter()
        .map(|s| quote(s))
        .collect::<Vec<_>>()
        .join(" ")
}

fn opt(value: &Option<String>) -> String {
    quote(value.as_deref().unwrap_or(""))
}

fn step_call(index: usize, desired: &Desired) -> String {
    match desired {
        Desired::Packages(p) => format!(
            "supd_packages {index} {} {}",
            manager(p.manager),
            words(&p.names)
        ),
        Desired::Pip(p) => format!(
            "supd_pip {index} {} {} {} {} {}",
            quote(&p.python),
            quote(&p.venv),
            quote(&p.name),
            opt(&p.version),
            opt(&p.owner)
        ),
        Desired::User(u) => format!(
            "supd_user {index} {} {} {}",
            quote(&u.name),
            quote(&u.home),
            quote(&u.shell)
        ),
        Desired::Directory(d) => format!(
            "supd_directory {index} {} {:o} {} {}",
            quote(&d.path),
            d.mode,
            opt(&d.owner),
            opt(&d.group)
        ),
        Desired::File(f) => format!(
            "supd_file {index} {} {:o} {} {} {} {} {}",
            quote(&f.path),
            f.mode,
            opt(&f.owner),
            opt(&f.group),
            hex::encode(Sha256::digest(f.content.as_bytes())),
            u8::from(f.staged),
            quote(&f.content)
        ),
        Desired::Absent(a) => format!(
            "supd_absent {index} {} {}",
            quote(&a.path),
            u8::from(a.staged)
        ),
        Desired::CommitConfig(ctl) => format!(
            "supd_commit {index} {} {}",
            quote(&ctl.binary),
            quote(&ctl.config)
        ),
        Desired::Daemon(d) => {
            let ensure = match d.ensure {
                DaemonEnsure::Running => "running",
                DaemonEnsure::Restarted => "restarted",
            };
            let start = match &d.start {
                StartMethod::Systemd(unit) => format!("systemd {}", quote(unit)),
                StartMethod::InitScript(script) => format!("init-script {}", quote(script)),
                StartMethod::Openrc(service) => format!("openrc {}", quote(service)),
                StartMethod::Command(argv) => format!("command {}", words(argv)),
            };
            format!(
                "supd_daemon {index} {ensure} {} {} {} {} {start}",
                quote(&d.pid_file),
                quote(&d.socket),
                quote(&d.ctl.binary),
                quote(&d.ctl.config)
            )
        }
        Desired::Supervisorctl(c) => {
            let action = crate::words::ctl_action(&c.action);
            format!(
                "supd_ctl {index} {} {} {} {} {}",
                quote(&action),
                quote(&c.ctl.binary),
                quote(&c.ctl.config),
                quote(&c.ctl.socket),
                words(&c.targets)
            )
            .trim_end()
            .to_string()
        }
        Desired::AwaitRunning(a) => format!(
            "supd_await {index} {} {} {} {} {} {}",
            quote(&a.ctl.binary),
            quote(&a.ctl.config),
            quote(&a.ctl.socket),
            a.timeout_secs,
            quote(&a.lone.join(",")),
            words(&a.groups)
        ),
        Desired::Command(c) => {
            let run = format!("supd_command {index} {}", words(&c.argv));
            match &c.guard {
                Guard::None => run,
                Guard::Creates(path) => format!(
                    "if [ -e {} ]; then supd_report {index} ok 'skipped: it exists'; else {run}; fi",
                    quote(path)
                ),
                Guard::Unless(argv) => format!(
                    "if env -- {} >/dev/null 2>&1; then supd_report {index} ok 'skipped: its guard succeeded'; else {run}; fi",
                    words(argv)
                ),
            }
        }
    }
}

fn manager(manager: PackageManager) -> &'static str {
    crate::packages::manager(manager).name
}
