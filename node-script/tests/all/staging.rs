//! Staged configuration with supervisor's own parser (supervisor 4.3.0 from
//! the test venv, as the interpreter of a stand-in supervisorctl): a
//! candidate it accepts is put in place; one it refuses changes no live
//! file, in apply and in check mode, and the failure names the program and
//! the setting.

use std::path::{Path, PathBuf};

use supervisord_node_script::bindings::{
    Condition, CtlEndpoint, Desired, Outcome, Plan, ScriptOptions, Step,
};
use supervisord_node_script::{converge, report, script};

use crate::support::*;

/// The test venv's python, which has supervisor installed.
fn venv_python() -> PathBuf {
    // Not canonicalized: the venv's python is a symlink to an interpreter
    // that has no supervisor.
    let python = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("target/py-venv/bin/python");
    assert!(
        python.exists(),
        "target/py-venv exists (scripts/setup.sh makes it, with supervisor)"
    );
    python
}

/// A stand-in supervisorctl whose interpreter has supervisor installed.
fn ctl(dir: &Path) -> PathBuf {
    ctl_run_by(dir, &venv_python())
}

/// A stand-in supervisorctl run by `python`.
fn ctl_run_by(dir: &Path, python: &Path) -> PathBuf {
    let ctl = dir.join("supervisorctl");
    std::fs::write(
        &ctl,
        format!("#!{}\nraise SystemExit(0)\n", python.display()),
    )
    .unwrap();
    ctl
}

fn config_plan(dir: &Path, program: &str) -> Plan {
    config_plan_with(dir, program, &ctl(dir))
}

fn config_plan_with(dir: &Path, program: &str, ctl: &Path) -> Plan {
    let conf = dir.join("supervisord.conf").display().to_string();
    let conf_d = dir.join("conf.d").display().to_string();
    let main = format!(
        "[supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\n[include]\nfiles = {conf_d}/*.conf\n",
        d = dir.display()
    );
    let install = Plan {
        steps: vec![
            step(Desired::Directory(
                supervisord_node_script::bindings::Directory {
                    path: conf_d.clone(),
                    owner: None,
                    group: None,
                    mode: 0o755,
                },
            )),
            step(staged(&conf, &main)),
            step(Desired::Daemon(supervisord_node_script::bindings::Daemon {
                start: supervisord_node_script::bindings::StartMethod::Command(vec!["true".into()]),
                pid_file: dir.join("none.pid").display().to_string(),
                socket: dir.join("none.sock").display().to_string(),
                ctl: CtlEndpoint {
                    binary: ctl.display().to_string(),
                    config: conf.clone(),
                    socket: dir.join("none.sock").display().to_string(),
                    lock: dir.join("run/lock").display().to_string(),
                },
                ensure: supervisord_node_script::bindings::DaemonEnsure::Running,
            })),
        ],
    };
    let configure = Plan {
        steps: vec![step(staged(&format!("{conf_d}/web.conf"), program))],
    };
    let mut plan = converge::merge(install, configure);
    // Up to the commit: the daemon of this plan is a stand-in.
    let commit = plan
        .steps
        .iter()
        .position(|s| matches!(s.desired, Desired::CommitConfig(_)))
        .expect("converge-plan adds a commit after the staged files");
    plan.steps.truncate(commit + 1);
    plan
}

fn run_plan(plan: &Plan, check: bool) -> supervisord_node_script::bindings::Report {
    let options = ScriptOptions {
        check,
        ..options(false, false)
    };
    script::validate(plan, &options).unwrap();
    let output = run(&script::compile(plan, &options));
    report::parse(plan, &options, Some(&output), None)
}

#[test]
fn accepted_configuration_goes_in_place_refused_changes_nothing() {
    let dir = scratch("staging");
    let good = "[program:web]\ncommand=sleep 1000\n";
    let report = run_plan(&config_plan(&dir, good), false);
    assert_eq!(report.outcome, Outcome::Changed, "{report:#?}");
    let commit = report.steps.last().unwrap();
    assert!(
        commit.message.contains("supervisor's parser accepts them"),
        "{commit:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("conf.d/web.conf")).unwrap(),
        good
    );

    for (bad, setting) in [
        (
            "[program:web]\ncommand=sleep 1000\nuser=no-such-user-here\n",
            "setting user",
        ),
        (
            "[program:web]\ncommand=sleep 1000\nstdout_logfile=/no/such/dir/web.log\n",
            "setting stdout-logfile",
        ),
    ] {
        for check in [true, false] {
            let report = run_plan(&config_plan(&dir, bad), check);
            assert_eq!(report.outcome, Outcome::Failed, "{report:#?}");
            let error = report.error.unwrap();
            assert!(
                error.contains("program web") && error.contains(setting),
                "the error names the program and the setting: {error}"
            );
            assert_eq!(
                std::fs::read_to_string(dir.join("conf.d/web.conf")).unwrap(),
                good,
                "the live file is untouched (check: {check})"
            );
            let leftovers: Vec<_> = std::fs::read_dir(dir.join("conf.d"))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(leftovers, ["web.conf"], "no staged file is left behind");
        }
    }
}

#[test]
fn a_staged_removal_removes_the_file_with_the_configuration() {
    let dir = scratch("staging-removal");
    let good = "[program:web]\ncommand=sleep 1000\n";
    run_plan(&config_plan(&dir, good), false);
    let stale = dir.join("conf.d/old.conf");
    std::fs::write(&stale, "[program:old]\ncommand=sleep 1000\n").unwrap();
    let mut plan = config_plan(&dir, good);
    let commit = plan.steps.len() - 1;
    plan.steps.insert(
        commit,
        step(Desired::Absent(
            supervisord_node_script::bindings::AbsentFile {
                path: stale.display().to_string(),
                staged: true,
            },
        )),
    );
    for check in [true, false] {
        let report = run_plan(&plan, check);
        assert_eq!(report.outcome, Outcome::Changed, "{report:#?}");
        assert_eq!(
            stale.exists(),
            check,
            "removed unless checking: {report:#?}"
        );
    }
    // Removed, the next run finds nothing to do.
    let report = run_plan(&plan, false);
    assert_eq!(report.outcome, Outcome::Ok, "{report:#?}");
}

#[test]
fn without_supervisor_the_candidate_goes_in_place_unchecked() {
    let dir = scratch("staging-unchecked");
    // The venv's python without its site-packages: an interpreter that
    // cannot import supervisor, as before supervisor is installed.
    let python = dir.join("python-without-supervisor");
    std::fs::write(
        &python,
        format!("#!/bin/sh\nexec {} -S \"$@\"\n", venv_python().display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let program = "[program:web]\ncommand=sleep 1000\nuser=no-such-user-here\n";
    let plan = config_plan_with(&dir, program, &ctl_run_by(&dir, &python));
    let report = run_plan(&plan, false);
    assert_eq!(report.outcome, Outcome::Changed, "{report:#?}");
    let commit = report.steps.last().unwrap();
    assert!(
        commit
            .message
            .contains("not checked: supervisor is not installed yet"),
        "{commit:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("conf.d/web.conf")).unwrap(),
        program,
        "unchecked, the candidate is put in place"
    );
}

#[test]
fn a_staged_file_without_a_commit_is_refused() {
    let plan = Plan {
        steps: vec![Step {
            desired: staged("/etc/x.conf", "x"),
            reason: String::new(),
            when: Condition::Always,
        }],
    };
    let error = script::validate(&plan, &options(false, false)).unwrap_err();
    assert_eq!(error.field, "plan.steps[0].desired.staged");
}

#[test]
fn the_new_configuration_is_on_disk_before_it_replaces_the_old() {
    let dir = scratch("staging-fsync");
    let plan = config_plan(&dir, "[program:web]\ncommand=sleep 1000\n");
    let options = options(false, false);
    script::validate(&plan, &options).unwrap();
    // Every sync the script asks for, in order: a `sync` first on its
    // PATH that says so.
    let log = dir.join("syncs");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("sync"),
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec /bin/sync \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("sync"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let text = script::compile(&plan, &options).replace(
        "    supd_init\n",
        &format!("    supd_init\n    PATH={}:$PATH\n", bin.display()),
    );
    let report = report::parse(&plan, &options, Some(&run(&text)), None);
    assert_eq!(report.outcome, Outcome::Changed, "{report:#?}");
    let syncs = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = syncs.lines().collect();
    assert!(
        lines[0].starts_with("-- ") && lines[0].contains("/conf.d/.supd-tmp."),
        "the staged files, under their temporary names, first: {syncs}"
    );
    assert!(
        lines[1..]
            .iter()
            .any(|l| l.contains(&format!("{}/conf.d", dir.display())) && !l.contains(".supd-tmp")),
        "then the directories of the renames: {syncs}"
    );
}
