//! Nodes without python3: the daemon is awaited by polling supervisorctl
//! (`supd_wait_up`'s other branch) and programs by reading `supervisorctl
//! status` (`supd_await_ctl`). A real supervisord (supervisor from the test
//! venv) runs under an interpreter copied to a path no script looks for,
//! and the script runs in a mount namespace where `/usr/bin/python3` is
//! not executable, so `supd_init` finds no python3 at all.

use std::path::{Path, PathBuf};
use std::process::Command;

use supervisord_node_script::bindings::{
    AwaitRunning, CtlEndpoint, Daemon, DaemonEnsure, Desired, Plan, ScriptOutput, StartMethod,
    StepStatus,
};
use supervisord_node_script::{report, script};
use test_support::skip::skip;
use test_support::support::kill_supervisord;

use crate::support::*;

/// The test venv's site-packages, which hold supervisor.
fn site_packages() -> Option<PathBuf> {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/py-venv/lib");
    std::fs::read_dir(lib)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.join("supervisor").is_dir())
}

/// `name` in `dir`: a script run by `interpreter` that runs supervisor's
/// `module`.
fn stand_in(dir: &Path, name: &str, interpreter: &Path, site: &Path, module: &str) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "#!{}\nimport sys\nsys.path.insert(0, {:?})\nfrom supervisor.{module} import main\nmain()\n",
            interpreter.display(),
            site.display().to_string()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(&path)
        .status()
        .unwrap();
    path.display().to_string()
}

/// Runs `script` in a mount namespace where python3 cannot be run.
fn run_without_python3(script: &str) -> ScriptOutput {
    let hide = r#"mount --bind /dev/null "$(readlink -f /usr/bin/python3)" && exec "$@""#;
    let mut command = Command::new("unshare");
    command
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            hide,
            "sh",
        ])
        .args(shell().get_program().to_str())
        .args(shell().get_args().filter_map(|a| a.to_str()))
        // A node's PATH: nothing of this machine's own Pythons (pyenv's).
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    run_by(command, script)
}

/// Kills the supervisord of a pid file and its children, also when the
/// test fails.
struct Stop(PathBuf);

impl Drop for Stop {
    fn drop(&mut self) {
        kill_supervisord(&self.0);
    }
}

#[test]
fn without_python3_the_daemon_and_its_programs_are_awaited_through_supervisorctl() {
    let Some(site) = site_packages() else {
        skip(
            "no-python3 fallbacks",
            "target/py-venv has no supervisor (run scripts/setup.sh)",
        );
        return;
    };
    // unshare needs root; the probe itself must see no python3.
    let probe = run_without_python3("command -v python3 || [ -x /usr/bin/python3 ] || echo none\n");
    if probe.stdout.trim() != "none" {
        skip(
            "no-python3 fallbacks",
            &format!("cannot hide python3 here: {probe:?}"),
        );
        return;
    }
    let dir = scratch("no-python3");
    let interpreter = dir.join("interp");
    // The venv's own interpreter, so supervisor's version matches it.
    let venv_python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/py-venv/bin/python");
    let real = std::fs::canonicalize(venv_python).unwrap();
    std::fs::copy(&real, &interpreter).unwrap();
    let supervisord = stand_in(&dir, "supervisord", &interpreter, &site, "supervisord");
    let supervisorctl = stand_in(&dir, "supervisorctl", &interpreter, &site, "supervisorctl");
    let d = dir.display();
    let socket = format!("{d}/supervisor.sock");
    let conf = format!("{d}/supervisord.conf");
    let pid_file = format!("{d}/supervisord.pid");
    std::fs::write(
        &conf,
        format!(
            "[unix_http_server]\nfile={socket}\n\
             [supervisord]\nlogfile={d}/supervisord.log\npidfile={pid_file}\nchildlogdir={d}\n\
             [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
             [supervisorctl]\nserverurl=unix://{socket}\n\
             [program:sleeper]\ncommand=sleep 600\nstartsecs=1\n\
             [program:crasher]\ncommand=false\nstartsecs=1\nstartretries=0\n"
        ),
    )
    .unwrap();
    let ctl = CtlEndpoint {
        binary: supervisorctl,
        config: conf.clone(),
        socket: socket.clone(),
        lock: format!("{d}/lock/lock"),
    };
    let await_groups = |groups: &[&str]| {
        step(Desired::AwaitRunning(AwaitRunning {
            ctl: ctl.clone(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            lone: vec![],
            timeout_secs: 20,
        }))
    };
    let up = plan(vec![
        step(Desired::Daemon(Daemon {
            start: StartMethod::Command(vec![supervisord, "-c".into(), conf.clone()]),
            pid_file: pid_file.clone(),
            socket: socket.clone(),
            ctl: ctl.clone(),
            ensure: DaemonEnsure::Running,
        })),
        await_groups(&["sleeper"]),
    ]);
    let crashed = plan(vec![await_groups(&["crasher"])]);
    let run = |plan: &Plan| {
        let options = options(false, false);
        script::validate(plan, &options).unwrap();
        let output = run_without_python3(&script::compile(plan, &options));
        (report::parse(plan, &options, Some(&output), None), output)
    };
    let _stop = Stop(PathBuf::from(&pid_file));
    let (started, started_output) = run(&up);
    let (failed, failed_output) = run(&crashed);
    assert_eq!(
        started.steps.iter().map(|s| s.status).collect::<Vec<_>>(),
        [StepStatus::Changed, StepStatus::Ok],
        "{started_output:?}"
    );
    // The supervisorctl branch names its targets as `group:*`; the python
    // one names processes.
    assert_eq!(
        started.steps[1].message, "running: sleeper:*",
        "{started_output:?}"
    );
    assert_eq!(
        failed.steps[0].status,
        StepStatus::Failed,
        "{failed_output:?}"
    );
    assert!(
        failed.steps[0].message.starts_with("not running: crasher")
            && failed.steps[0].message.contains("FATAL"),
        "{failed_output:?}"
    );
}
