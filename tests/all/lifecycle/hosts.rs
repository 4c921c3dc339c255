//! A smaller walk through every other host: the Python package's
//! `converge`, the Ansible collection's module (real ansible-core, the
//! local connection) and the pyinfra operation (real pyinfra, `@local`).
//! After each transition the host's own next run changes nothing, the
//! node is exactly the model, and `supd` finds the same empty plan.

use std::process::Command;

use super::model::{Model, Rng};
use super::node::{SCOPE, WalkNode, assert_converged};
use crate::bindings::components;
use crate::cm::venv_bin;
use crate::support::*;

/// Transitions each host walks.
const TRANSITIONS: usize = 4;

/// What one run of a host said: whether it changed something, and the
/// remote commands it ran when the host says.
struct HostRun {
    changed: bool,
    round_trips: Option<u64>,
}

/// Walks `TRANSITIONS` transitions from `seed`, each applied by `run`.
fn host_walk(name: &str, seed: u64, run: &dyn Fn(&WalkNode, &Model, &str) -> HostRun) {
    let node = WalkNode::new(&format!("lifecycle-{name}"));
    let mut rng = Rng::new(seed);
    let mut model = Model::start();
    for index in 0..=TRANSITIONS {
        let context = if index == 0 {
            format!("{name}: first converge")
        } else {
            let transition = model.draw(&mut rng);
            let context = format!("{name}: transition {index} ({transition:?})");
            model = model.apply(&transition, &mut rng);
            context
        };
        let first = run(&node, &model, &format!("{context}, first run"));
        assert!(first.changed, "{context}: the first run changes the node");
        let second = run(&node, &model, &format!("{context}, second run"));
        assert!(
            !second.changed,
            "{context}: the host's next run changes nothing"
        );
        if let Some(trips) = second.round_trips {
            assert_eq!(trips, 1, "{context}: the next run only reads facts");
        }
        node.assert_is(&model, &context);
        assert_converged(&node.spec(&model), &format!("{context}: supd's plan"));
    }
}

#[test]
fn lifecycle_walk_through_python() {
    let python = workspace().join("target/py-venv/bin/python");
    if !python.exists() {
        crate::testbed::skip(
            "lifecycle_walk_through_python",
            "the Python venv is missing (run scripts/setup.sh)",
        );
        return;
    }
    host_walk("python", 11, &|node, model, context| {
        let dir = &node.node.root;
        std::fs::write(dir.join("settings.json"), model.settings().to_string()).unwrap();
        std::fs::write(dir.join("services.json"), model.services().to_string()).unwrap();
        let out = Command::new(&python)
            .arg(workspace().join("tests/lifecycle/converge.py"))
            .arg(dir.join("settings.json"))
            .arg(dir.join("services.json"))
            .arg(dir)
            .arg(SCOPE)
            .env("PYTHONPATH", workspace().join("python/src"))
            .env("SUPERVISION_COMPONENTS_DIR", components())
            .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
            .output()
            .expect("python runs");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{context}: no report ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_ne!(report["outcome"], "failed", "{context}: {report}");
        HostRun {
            changed: report["outcome"] == "changed",
            round_trips: report["round_trips"].as_u64(),
        }
    });
}

#[test]
fn lifecycle_walk_through_ansible() {
    let Some(bin) = venv_bin("lifecycle_walk_through_ansible") else {
        return;
    };
    let inventory = format!(
        "localhost ansible_connection=local ansible_python_interpreter={}\n",
        bin.join("python").display()
    );
    host_walk("ansible", 12, &|node, model, context| {
        let playbook = format!(
            "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: converge\n      supervisord_crate.supervision.supervisord:\n        settings: {}\n        services: {}\n        scope: {SCOPE}\n        root: {}\n",
            model.settings(),
            model.services(),
            node.node.root.display()
        );
        let play = crate::ansible::play_with("lifecycle", &bin, &inventory, &playbook, &[], &[]);
        let result = play.result("converge", "localhost");
        assert_eq!(play.code, 0, "{context}: {result:#}\n{}", play.stderr);
        HostRun {
            changed: result["changed"] == true,
            round_trips: result["round_trips"].as_u64(),
        }
    });
}

#[test]
fn lifecycle_walk_through_pyinfra() {
    let Some(bin) = venv_bin("lifecycle_walk_through_pyinfra") else {
        return;
    };
    host_walk("pyinfra", 13, &|node, model, context| {
        let deploy = format!(
            "import json\nfrom supervision.pyinfra import supervisord\n\nsupervisord(\n    name=\"converge\",\n    settings=json.loads({:?}),\n    services=json.loads({:?}),\n    scope={SCOPE:?},\n    root={:?},\n)\n",
            model.settings().to_string(),
            model.services().to_string(),
            node.node.root.display().to_string()
        );
        let run = crate::pyinfra::pyinfra("lifecycle", &bin, "\"@local\",", &deploy, &["-y"]);
        assert_eq!(run.code, 0, "{context}: {}", run.log);
        let changed = run.hosts("converge", "success");
        let unchanged = run.hosts("converge", "no_change");
        assert_eq!(
            changed.len() + unchanged.len(),
            1,
            "{context}: {:#}",
            run.json
        );
        HostRun {
            changed: !changed.is_empty(),
            round_trips: None,
        }
    });
}
