//! What a node's other users can plant: facts lines forged by a program,
//! and symbolic links on the way to a directory root makes. The parser
//! refuses what the facts script would never print; the directory step
//! refuses links, with python3 (through directory descriptors) and
//! without (the shell's own checks), and leaves their targets alone.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use supervisord_node_script::bindings::{
    Desired, Directory, Outcome, ProbeSet, ScriptOptions, ScriptOutput,
};
use supervisord_node_script::{facts, report, script};

use crate::support::*;

fn probes(paths: Vec<String>) -> ProbeSet {
    ProbeSet {
        paths,
        listings: vec![],
        pid_files: vec![],
        packages: vec![],
        venvs: vec![],
        sockets: vec![],
        watches: vec![],
        records: vec![],
        locations: vec![],
        running: vec![],
    }
}

fn output(stdout: &str) -> ScriptOutput {
    ScriptOutput {
        stdout: stdout.into(),
        stderr: String::new(),
        exit_code: Some(0),
    }
}

#[test]
fn forged_or_unprobed_facts_lines_are_refused() {
    let probes = probes(vec!["/etc/x.conf".into()]);
    let base = "init\tnone\nlogin\troot\t0\n";
    let stat = "stat\t644\troot\troot\t3\tregular file\t/etc/x.conf\n";
    let good = format!("{base}{stat}sha\t{}\t/etc/x.conf\ndone\n", "a".repeat(64));
    facts::parse(&probes, "/", &output(&good)).expect("the script's own lines");
    // The same line twice (probes that overlap) is one fact.
    facts::parse(&probes, "/", &output(&format!("{stat}{good}"))).expect("a repeated line");
    for (case, stdout, words) in [
        (
            "a line no script prints",
            good.to_string().replace("done\n", "evil\tline\ndone\n"),
            "not a line the facts script prints",
        ),
        (
            "a path nobody probed",
            good.replace(
                "done\n",
                "stat\t644\troot\troot\t3\tregular file\t/etc/shadow\ndone\n",
            ),
            "/etc/shadow was not probed",
        ),
        (
            "a second, different word about one file",
            good.replace(
                "done\n",
                &format!("sha\t{}\t/etc/x.conf\ndone\n", "b".repeat(64)),
            ),
            "says something else than an earlier line",
        ),
        (
            "another login",
            good.replace("done\n", "login\tnobody\t65534\ndone\n"),
            "says something else",
        ),
        (
            "lines after done",
            format!("{good}login\troot\t0\n"),
            "something after done",
        ),
    ] {
        let error = facts::parse(&probes, "/", &output(&stdout)).expect_err(case);
        assert_eq!(error.field, "output", "{case}");
        assert!(error.message.contains(words), "{case}: {}", error.message);
    }
}

#[test]
fn a_long_stderr_is_quoted_by_its_end_only() {
    let huge = ScriptOutput {
        stdout: "init\tnone\n".into(),
        stderr: format!("{}the end", "x".repeat(1 << 20)),
        exit_code: Some(2),
    };
    let error = facts::parse(&probes(vec![]), "/", &huge).unwrap_err();
    assert!(error.message.len() < 4096, "{}", error.message.len());
    assert!(error.message.ends_with("the end"), "{}", error.message);
}

fn directory_plan(path: &str) -> supervisord_node_script::bindings::Plan {
    plan(vec![step(Desired::Directory(Directory {
        path: path.into(),
        owner: None,
        group: None,
        mode: 0o700,
    }))])
}

/// Runs the directory step on `path` with the node's python3, or without.
fn set_up(path: &str, with_python: bool) -> supervisord_node_script::bindings::Report {
    let plan = directory_plan(path);
    let options = ScriptOptions {
        ..options(false, false)
    };
    script::validate(&plan, &options).unwrap();
    let mut text = script::compile(&plan, &options);
    if !with_python {
        text = text.replace("    supd_init\n", "    supd_init\n    SUPD_PY=\"\"\n");
    }
    report::parse(&plan, &options, Some(&run(&text)), None)
}

#[test]
fn a_directory_is_never_made_or_changed_through_a_symbolic_link() {
    for with_python in [true, false] {
        let dir = scratch(&format!("hostile-dirs-{with_python}"));
        let target = dir.join("target");
        std::fs::create_dir(&target).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
        // A user who can write `writable` plants links where root will
        // make directories: the last component, and one on the way.
        let writable = dir.join("writable");
        std::fs::create_dir(&writable).unwrap();
        std::os::unix::fs::symlink(&target, writable.join("logs")).unwrap();
        std::os::unix::fs::symlink(&target, writable.join("on-the-way")).unwrap();
        for path in [writable.join("logs"), writable.join("on-the-way/logs")] {
            let report = set_up(path.to_str().unwrap(), with_python);
            assert_eq!(report.outcome, Outcome::Failed, "{path:?}: {report:#?}");
            let error = report.error.unwrap_or_default();
            assert!(
                error.contains("symbolic link"),
                "python {with_python}, {path:?}: {error}"
            );
            let meta = std::fs::metadata(&target).unwrap();
            assert_eq!(
                meta.mode() & 0o7777,
                0o755,
                "the link's target is untouched"
            );
            assert!(
                !target.join("logs").exists(),
                "nothing made through the link"
            );
        }
        // A plain missing directory is made, with its mode.
        let fresh = dir.join("fresh/logs");
        let report = set_up(fresh.to_str().unwrap(), with_python);
        assert_eq!(report.outcome, Outcome::Changed, "{report:#?}");
        assert_eq!(
            std::fs::metadata(&fresh).unwrap().mode() & 0o7777,
            0o700,
            "python {with_python}"
        );
        assert_eq!(
            set_up(fresh.to_str().unwrap(), with_python).outcome,
            Outcome::Ok
        );
    }
}
