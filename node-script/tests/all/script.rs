//! Apply scripts run by a real `sh` against a scratch directory: check mode
//! changes nothing, an apply writes, a second apply finds nothing to do, a
//! diff shows secrets redacted, a failure stops the script and a script cut
//! short in transit runs nothing.

use supervisord_node_script::bindings::{Desired, Directory, Outcome, StepStatus};
use supervisord_node_script::{report, script};

use crate::support::*;

fn compile(plan: &supervisord_node_script::bindings::Plan, check: bool, diff: bool) -> String {
    let options = options(check, diff);
    script::validate(plan, &options).unwrap();
    script::compile(plan, &options)
}

#[test]
fn check_then_apply_then_nothing_to_do() {
    let dir = scratch("apply");
    let conf = dir.join("etc/app.conf").display().to_string();
    let plan = plan(vec![
        step(Desired::Directory(Directory {
            path: dir.join("etc").display().to_string(),
            owner: None,
            group: None,
            mode: 0o755,
        })),
        step(file(
            &conf,
            "user=web\npassword=s3cret\n",
            0o600,
            &["password"],
        )),
    ]);

    let check = run(&compile(&plan, true, false));
    let report = report::parse(&plan, &options(true, false), Some(&check), None);
    assert_eq!(report.outcome, Outcome::Changed, "{report:#?}");
    assert_eq!(report.changed, 2);
    assert!(
        report.steps[1].message.starts_with("would write"),
        "{report:#?}"
    );
    assert!(!dir.join("etc").exists(), "check mode created nothing");

    let apply = run(&compile(&plan, false, false));
    let report = report::parse(&plan, &options(false, false), Some(&apply), None);
    assert_eq!(report.outcome, Outcome::Changed, "{report:#?}");
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "user=web\npassword=s3cret\n"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&conf).unwrap().permissions().mode() & 0o7777,
        0o600
    );

    let again = run(&compile(&plan, false, false));
    let report = report::parse(&plan, &options(false, false), Some(&again), None);
    assert_eq!(report.outcome, Outcome::Ok, "{report:#?}");
    assert_eq!((report.ok, report.changed), (2, 0));
}

#[test]
fn a_diff_shows_what_changes_and_never_a_secret() {
    let dir = scratch("diff");
    let conf = dir.join("app.conf").display().to_string();
    std::fs::write(&conf, "user=web\npassword=old-secret\n").unwrap();
    let plan = plan(vec![step(file(
        &conf,
        "user=api\npassword=new-secret\n",
        0o644,
        &["password"],
    ))]);
    let output = run(&compile(&plan, true, true));
    let report = report::parse(&plan, &options(true, true), Some(&output), None);
    let diff = report.steps[0].diff.as_deref().expect("a diff");
    assert!(
        diff.contains("-user=web") && diff.contains("+user=api"),
        "{diff}"
    );
    assert!(diff.contains("+password=<redacted, changed>"), "{diff}");
    assert!(!diff.contains("secret"), "{diff}");
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "user=web\npassword=old-secret\n",
        "check mode wrote nothing"
    );
}

#[test]
fn a_failed_step_stops_the_script_and_names_itself() {
    let dir = scratch("fail");
    std::fs::write(dir.join("blocker"), "").unwrap();
    let after = dir.join("after.conf").display().to_string();
    let plan = plan(vec![
        step(file(
            &dir.join("blocker/inside.conf").display().to_string(),
            "x",
            0o644,
            &[],
        )),
        step(file(&after, "y", 0o644, &[])),
    ]);
    let output = run(&compile(&plan, false, false));
    let report = report::parse(&plan, &options(false, false), Some(&output), None);
    assert_eq!(report.outcome, Outcome::Failed);
    assert_eq!(report.steps[0].status, StepStatus::Failed);
    assert_eq!(report.steps[1].status, StepStatus::NotRun);
    let error = report.error.unwrap();
    assert!(error.starts_with("step 0 (file "), "{error}");
    assert!(
        !std::path::Path::new(&after).exists(),
        "nothing after a failure"
    );
}

#[test]
fn a_script_cut_short_runs_nothing_and_is_reported() {
    let dir = scratch("cut");
    let conf = dir.join("a.conf").display().to_string();
    let plan = plan(vec![step(file(&conf, "x", 0o644, &[]))]);
    let full = compile(&plan, false, false);
    let cut = &full[..full.len() - 20];
    let output = run(cut);
    assert!(!std::path::Path::new(&conf).exists(), "nothing ran");
    let report = report::parse(&plan, &options(false, false), Some(&output), None);
    assert_eq!(report.outcome, Outcome::Failed);
    let error = report.error.unwrap();
    assert!(error.contains("stopped after 0 of 1 steps"), "{error}");
}

#[test]
fn a_plan_only_shown_has_every_step_not_run() {
    let plan = plan(vec![step(update())]);
    let report = report::parse(&plan, &options(false, false), None, None);
    assert_eq!(report.outcome, Outcome::Ok);
    assert_eq!(report.steps[0].status, StepStatus::NotRun);
    assert_eq!(report.steps[0].what, "supervisorctl update");
}

/// The package manager's commands come from one table (`packages.rs`); the
/// apply script asks the real dpkg of this Debian machine, in check mode so
/// nothing is installed.
#[test]
fn a_packages_step_asks_the_manager_what_is_installed() {
    use supervisord_node_script::bindings::{PackageManager, Packages};
    if !test_support::support::installed("dpkg-query") {
        test_support::skip::skip("a packages step", "no dpkg-query on this machine");
        return;
    }
    let step_for = |names: &[&str]| {
        plan(vec![step(Desired::Packages(Packages {
            manager: PackageManager::Apt,
            names: names.iter().map(|n| n.to_string()).collect(),
        }))])
    };
    let installed = step_for(&["dash"]);
    let output = run(&compile(&installed, true, false));
    let report = report::parse(&installed, &options(true, false), Some(&output), None);
    assert_eq!(report.steps[0].status, StepStatus::Ok, "{output:?}");
    let missing = step_for(&["dash", "no-such-package-here"]);
    let output = run(&compile(&missing, true, false));
    let report = report::parse(&missing, &options(true, false), Some(&output), None);
    assert_eq!(report.steps[0].status, StepStatus::Changed, "{output:?}");
    assert_eq!(
        report.steps[0].message, "would install no-such-package-here",
        "{output:?}"
    );
}

/// What the compiler adds to the checked files (the package managers'
/// table, the steps, the holes of the facts script) passes shellcheck too.
#[test]
fn the_generated_scripts_pass_shellcheck() {
    use supervisord_node_script::bindings::{PackageManager, Packages, ProbeSet};
    if !test_support::support::installed("shellcheck") {
        test_support::skip::skip("generated scripts under shellcheck", "no shellcheck");
        return;
    }
    let dir = scratch("shellcheck");
    let apply = plan(vec![
        step(Desired::Packages(Packages {
            manager: PackageManager::Apt,
            names: vec!["supervisor".into()],
        })),
        step(file(
            &dir.join("a.conf").display().to_string(),
            "x\n",
            0o644,
            &[],
        )),
        step(daemon(
            supervisord_node_script::bindings::DaemonEnsure::Running,
        )),
        when(update(), &[1]),
    ]);
    let probes = ProbeSet {
        paths: vec!["/etc/os-release".into()],
        listings: vec!["/etc".into()],
        pid_files: vec!["/run/supervisord.pid".into()],
        sockets: vec!["/run/supervisor.sock".into()],
        packages: vec!["supervisor".into()],
        venvs: vec!["/opt/supervisord".into()],
        watches: vec!["/srv/app".into()],
        records: vec![],
        locations: vec![],
        running: vec![],
    };
    for (name, text, exclude) in [
        ("apply", compile(&apply, false, false), "SC2016"),
        // The facts script's holes are word lists of any length: one word
        // (SC2041, SC2043) or none (SC2183) are meant.
        (
            "facts",
            supervisord_node_script::facts::script(&probes),
            "SC2016,SC2041,SC2043,SC2183",
        ),
    ] {
        let path = dir.join(format!("{name}.sh"));
        std::fs::write(&path, text).unwrap();
        let out = std::process::Command::new("shellcheck")
            .args(["-s", "sh", "-e", exclude])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
