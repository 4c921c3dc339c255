//! Hostile provider components: each misbehaviour ends as a clear error
//! naming the plugin and the call, within its bound, while the bundled
//! provider in the same process keeps working and no node is written.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::*;

/// The hostile component, built once per test run.
pub fn hostile() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let workspace =
            component_build::Workspace::from_member(&workspace().join("host-harness"), None);
        workspace
            .build(&component_build::HOSTILE)
            .expect("the hostile fixture builds")
    })
}

/// A spec with a hostile group behaving as `behave` and a normal group.
fn spec(dir: &std::path::Path, behave: &str) -> PathBuf {
    write_spec(
        dir,
        "hostile.toml",
        &format!(
            r#"
[groups.evil]
supervisor = "hostile"
settings = {{ behave = "{behave}" }}

[groups.good]
settings = {{ install = {{ strategy = "pip" }} }}
[groups.good.services.sleeper]
settings = {{ command = "sleep 1000" }}
"#
        ),
    )
}

struct Case {
    behave: &'static str,
    /// Words the error must contain.
    expect: &'static [&'static str],
}

#[test]
fn hostile_plugins_are_contained() {
    let node = SandboxNode::new("hostile");
    let target = node.address();
    let hostile = hostile().to_str().unwrap().to_string();
    let cases = [
        Case {
            behave: "loop",
            expect: &["hostile", "install-plan", "time limit"],
        },
        Case {
            behave: "alloc",
            expect: &["hostile", "install-plan", "memory", "limit"],
        },
        Case {
            behave: "panic",
            expect: &["hostile", "install-plan", "trapped"],
        },
        Case {
            behave: "unreachable",
            expect: &["hostile", "install-plan", "trapped", "unreachable"],
        },
        Case {
            behave: "huge-plan",
            expect: &["hostile", "install-plan"],
        },
        Case {
            behave: "many-steps",
            expect: &[
                "hostile",
                "install-plan",
                "20000 steps",
                "over the limit of 10000",
            ],
        },
        Case {
            behave: "huge-string",
            expect: &["hostile", "install-plan", "memory"],
        },
    ];
    let before = fingerprint(&node.root, &[]);
    let mut table = Vec::new();
    for case in &cases {
        let spec = spec(&node.root, case.behave);
        let started = Instant::now();
        let run = supd(&[
            "plan",
            spec.to_str().unwrap(),
            "--node",
            &target,
            "--provider",
            &hostile,
            "--accept-unpinned",
            "hostile",
            "--plugin-timeout-ms",
            "1000",
            "--plugin-memory-mib",
            "64",
            "--format",
            "json",
        ]);
        let elapsed = started.elapsed();
        run.expect_code(1);
        let json = run.json();
        let nodes = json["nodes"].as_array().unwrap();
        let evil = nodes
            .iter()
            .find(|n| n["group"] == "evil")
            .expect("the hostile group is reported");
        let good = nodes
            .iter()
            .find(|n| n["group"] == "good")
            .expect("the good group is reported");
        let error = evil["error"].as_str().unwrap_or_default();
        for word in case.expect {
            assert!(
                error.contains(word),
                "{}: error {error:?} lacks {word:?}",
                case.behave
            );
        }
        assert_eq!(
            good["status"], "ok",
            "{}: the bundled provider still plans: {good:#}",
            case.behave
        );
        assert!(
            good["steps"].as_array().is_some_and(|s| !s.is_empty()),
            "{}: {good:#}",
            case.behave
        );
        assert!(
            elapsed < Duration::from_secs(30),
            "{}: took {elapsed:?}",
            case.behave
        );
        table.push(format!(
            "{:<12} {:>6} ms  {error}",
            case.behave,
            elapsed.as_millis()
        ));
    }
    assert_eq!(
        fingerprint(&node.root, &["hostile.toml"]),
        before,
        "no hostile case wrote to the node"
    );
    eprintln!(
        "hostile cases (bounds: 1000 ms, 64 MiB, 10000 steps):\n{}",
        table.join("\n")
    );
}

#[test]
fn wasi_gives_a_plugin_no_files_environment_network_or_clock() {
    let node = SandboxNode::new("hostile-wasi");
    let target = node.address();
    let hostile = hostile().to_str().unwrap().to_string();
    for (behave, expect) in [
        ("read-file", "denied"),
        ("env", "denied: no environment"),
        ("socket", "denied"),
        ("clock", "clock 0"),
    ] {
        let spec = spec(&node.root, behave);
        let run = supd(&[
            "plan",
            spec.to_str().unwrap(),
            "--node",
            &target,
            "--provider",
            &hostile,
            "--accept-unpinned",
            "hostile",
            "--group",
            "evil",
            "--format",
            "json",
        ]);
        run.expect_code(0);
        let reason = only_node(&run)["steps"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            reason.starts_with(expect),
            "{behave}: the plugin saw {reason:?}"
        );
        assert!(!reason.contains("ESCAPED"), "{behave}: {reason}");
    }
}
