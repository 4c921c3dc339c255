//! Plans compiled to one POSIX shell script per node: each step a call into
//! the step library (`prelude.sh`) that checks before it changes. The same
//! script is what `apply` runs in one round trip and what `script` prints
//! for air-gapped nodes.

mod report;

use std::fmt::Write;

use sha2::{Digest, Sha256};

use crate::runtime::bindings::{
    Condition, DaemonEnsure, Desired, Guard, PackageManager, Plan, StartMethod,
};

pub use report::{ScriptReport, StepResult, StepStatus};

/// The step library.
const PRELUDE: &str = include_str!("prelude.sh");

/// The XML-RPC client the library's Python snippets start with, as a shell
/// variable (the file holds no single quote, so one quoted word carries it).
const RPC_CLIENT: &str = concat!("SUPD_RPC_PY='", include_str!("../rpc_client.py"), "'\n");

/// How the script runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    /// Check only, change nothing.
    pub check: bool,
    /// Print old contents of files that change.
    pub diff: bool,
}

/// A plan the host refuses to run.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A condition points at itself or a later step.
    #[error("step {step} waits for step {target}, which does not come before it")]
    ForwardCondition {
        /// The step.
        step: usize,
        /// What it points at.
        target: u32,
    },
    /// A value cannot be passed through a shell.
    #[error("step {step} holds a NUL byte, which no file or argument can carry")]
    Nul {
        /// The step.
        step: usize,
    },
    /// A mode that is not a permission.
    #[error("step {step} asks for mode {mode:o}, which is not a file mode")]
    Mode {
        /// The step.
        step: usize,
        /// The mode.
        mode: u32,
    },
}

/// Checks a plan before anything of it runs.
pub fn validate(plan: &Plan) -> Result<(), PlanError> {
    for (index, step) in plan.steps.iter().enumerate() {
        if let Condition::Changed(targets) = &step.when
            && let Some(target) = targets.iter().find(|t| **t as usize >= index)
        {
            return Err(PlanError::ForwardCondition {
                step: index,
                target: *target,
            });
        }
        let text = serde_json::to_string(step).unwrap_or_default();
        if text.contains("\\u0000") {
            return Err(PlanError::Nul { step: index });
        }
        let mode = match &step.desired {
            Desired::File(f) => Some(f.mode),
            Desired::Directory(d) => Some(d.mode),
            _ => None,
        };
        if let Some(mode) = mode
            && mode > 0o7777
        {
            return Err(PlanError::Mode { step: index, mode });
        }
    }
    Ok(())
}

/// Compiles a validated plan. `title` goes into the header comment.
pub fn compile(plan: &Plan, mode: Mode, title: &str) -> String {
    let mut out = String::with_capacity(RPC_CLIENT.len() + PRELUDE.len() + 256 * plan.steps.len());
    out.push_str("#!/bin/sh\n");
    for line in title.lines() {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "SUPD_CHECK={}", u8::from(mode.check));
    let _ = writeln!(out, "SUPD_DIFF={}", u8::from(mode.diff));
    out.push_str(RPC_CLIENT);
    out.push_str(PRELUDE);
    out.push_str("\nsupd_main() {\n    supd_init\n");
    for (index, step) in plan.steps.iter().enumerate() {
        let _ = writeln!(out, "    # {index}: {}", step.reason.replace('\n', " "));
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

/// Quotes a word for sh.
pub fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
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
            "supd_file {index} {} {:o} {} {} {} {}",
            quote(&f.path),
            f.mode,
            opt(&f.owner),
            opt(&f.group),
            hex::encode(Sha256::digest(f.content.as_bytes())),
            quote(&f.content)
        ),
        Desired::Absent(path) => format!("supd_absent {index} {}", quote(path)),
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
                "supd_ctl {index} {} {} {} {}",
                quote(&action),
                quote(&c.ctl.binary),
                quote(&c.ctl.config),
                words(&c.targets)
            )
            .trim_end()
            .to_string()
        }
        Desired::AwaitRunning(a) => format!(
            "supd_await {index} {} {} {} {} {}",
            quote(&a.ctl.binary),
            quote(&a.ctl.config),
            quote(&a.ctl.socket),
            a.timeout_secs,
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
                    "if {} >/dev/null 2>&1; then supd_report {index} ok 'skipped: its guard succeeded'; else {run}; fi",
                    words(argv)
                ),
            }
        }
    }
}

fn manager(manager: PackageManager) -> &'static str {
    match manager {
        PackageManager::Apt => "apt",
        PackageManager::Dnf => "dnf",
        PackageManager::Yum => "yum",
        PackageManager::Apk => "apk",
        PackageManager::Pacman => "pacman",
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_rpc_client_fits_in_one_single_quoted_shell_word() {
        assert!(!include_str!("../rpc_client.py").contains('\''));
    }

    use super::*;

    #[test]
    fn quoting_survives_every_quote() {
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s' {}", quote("a'b\"c$d`e\\f\ng %% ;#")))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "a'b\"c$d`e\\f\ng %% ;#"
        );
    }
}
