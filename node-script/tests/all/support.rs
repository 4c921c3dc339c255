//! Builders for plans and options, and running scripts in a real `sh`.

use std::path::PathBuf;
use std::process::Command;

use supervisord_node_script::bindings::{
    AbsentFile, Condition, CtlAction, CtlEndpoint, Daemon, DaemonEnsure, Desired, File, Plan,
    ScriptOptions, ScriptOutput, StartMethod, Step, Supervisorctl,
};

/// A step that always runs.
pub fn step(desired: Desired) -> Step {
    Step {
        desired,
        reason: String::new(),
        when: Condition::Always,
    }
}

/// A step that runs when one of `targets` changed.
pub fn when(desired: Desired, targets: &[u32]) -> Step {
    Step {
        desired,
        reason: String::new(),
        when: Condition::Changed(targets.to_vec()),
    }
}

/// A file step.
pub fn file(path: &str, content: &str, mode: u32, redact: &[&str]) -> Desired {
    Desired::File(File {
        path: path.into(),
        content: content.into(),
        owner: None,
        group: None,
        mode,
        redact_keys: redact.iter().map(|k| k.to_string()).collect(),
        staged: false,
    })
}

/// A file that must not exist (not staged).
pub fn absent(path: &str) -> Desired {
    Desired::Absent(AbsentFile {
        path: path.into(),
        staged: false,
    })
}

/// A staged file.
pub fn staged(path: &str, content: &str) -> Desired {
    Desired::File(File {
        path: path.into(),
        content: content.into(),
        owner: None,
        group: None,
        mode: 0o644,
        redact_keys: Vec::new(),
        staged: true,
    })
}

/// A supervisorctl endpoint that does not exist.
pub fn ctl() -> CtlEndpoint {
    CtlEndpoint {
        binary: "c".into(),
        config: "f".into(),
        socket: "s".into(),
        lock: concat!(env!("CARGO_TARGET_TMPDIR"), "/node-script-locks/lock").into(),
    }
}

/// A daemon step.
pub fn daemon(ensure: DaemonEnsure) -> Desired {
    Desired::Daemon(Daemon {
        start: StartMethod::Command(vec![]),
        pid_file: "p".into(),
        socket: "s".into(),
        ctl: ctl(),
        ensure,
    })
}

/// `supervisorctl update`.
pub fn update() -> Desired {
    Desired::Supervisorctl(Supervisorctl {
        ctl: ctl(),
        action: CtlAction::Update,
        targets: vec![],
    })
}

/// A plan.
pub fn plan(steps: Vec<Step>) -> Plan {
    Plan { steps }
}

/// Options for a mode, with generous limits.
pub fn options(check: bool, diff: bool) -> ScriptOptions {
    ScriptOptions {
        check,
        diff,
        title: "test".into(),
        max_steps: None,
        max_bytes: None,
        lock_wait_secs: None,
    }
}

/// A fresh scratch directory for `name`.
pub fn scratch(name: &str) -> PathBuf {
    // Each shell's run of the tests (`shells.rs`) has directories of its own.
    let shell = std::env::var("SUPD_TEST_SHELL").unwrap_or_else(|_| "sh".into());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("node-script-{}", shell.replace(' ', "-")))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The shell scripts run under: `sh`, or the one `SUPD_TEST_SHELL` names
/// (`dash`, `bash --posix`, `busybox ash`; see `shells.rs`).
pub fn shell() -> Command {
    let words = std::env::var("SUPD_TEST_SHELL").unwrap_or_else(|_| "sh".into());
    let mut words = words.split_whitespace();
    let mut command = Command::new(words.next().unwrap_or("sh"));
    command.args(words);
    command
}

/// Runs `script` with the test's shell on its standard input, as hosts do.
pub fn run(script: &str) -> ScriptOutput {
    run_by(shell(), script)
}

/// Runs `script` on the standard input of `command` (a shell, or what
/// starts one).
pub fn run_by(mut command: Command, script: &str) -> ScriptOutput {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    ScriptOutput {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        exit_code: out.status.code(),
    }
}
