//! Several requesters on one node, through `supd`: groups that name the
//! same node run as one job (their union), and refuse what they cannot
//! share before any node is touched; specs of different scopes share one
//! supervisord, each removing only its own programs; service actions find
//! the supervisord the node records without its settings.

use crate::support::*;

const SETTINGS: &str =
    "[groups.{g}.settings]\ninstall = { strategy = \"pip\", version = \"4.3.0\" }\n";

/// A group on `node` with the walk's settings (unless `role` says
/// programs) and `sleep` services, as TOML.
fn group(name: &str, node: &str, role: Option<&str>, services: &[(&str, u32)]) -> String {
    let mut text = format!("[groups.{name}]\nnodes = [{node:?}]\n");
    match role {
        Some(role) => text.push_str(&format!("role = {role:?}\n")),
        None => text.push_str(&SETTINGS.replace("{g}", name)),
    }
    for (service, seconds) in services {
        text.push_str(&format!(
            "[groups.{name}.services.{service}.settings]\ncommand = \"sleep {seconds}\"\nstartsecs = 0\n"
        ));
    }
    text
}

/// The (name, state) of every program `status` shows.
fn states(spec: &std::path::Path) -> Vec<(String, String)> {
    let run = supd(&["status", spec.to_str().unwrap(), "--format", "json"]);
    run.expect_code(0);
    let nodes = run.json()["nodes"].clone();
    let mut states: Vec<(String, String)> = nodes[0]["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    states.sort();
    states
}

fn apply(spec: &std::path::Path) -> Run {
    supd(&["apply", spec.to_str().unwrap(), "--format", "json"])
}

/// The node outcome of a run with one job.
fn outcome(run: &Run) -> serde_json::Value {
    only_node(run)
}

#[test]
fn groups_that_name_one_node_run_as_their_union() {
    let node = SandboxNode::new("scopes-union");
    let address = node.address();
    let text = format!(
        "{}{}",
        group("web", &address, None, &[("web", 1001)]),
        group("worker", &address, None, &[("worker", 1002)])
    );
    let spec = write_spec(&node.root, "union.toml", &text);
    let first = apply(&spec);
    first.expect_code(0);
    let job = outcome(&first);
    assert_eq!(
        job["group"], "web+worker",
        "one job for the node: {first:#?}"
    );
    assert_eq!(
        states(&spec),
        [
            ("web".into(), "RUNNING".into()),
            ("worker".into(), "RUNNING".into())
        ]
    );
    // Neither group prunes the other's program: the next apply is empty.
    let second = apply(&spec);
    second.expect_code(0);
    assert_eq!(
        (
            outcome(&second)["changed"].as_u64(),
            outcome(&second)["round_trips"].as_u64()
        ),
        (Some(0), Some(1)),
        "{second:#?}"
    );

    let before = fingerprint(&node.root, &["opt/supervisord/log", "opt/supervisord/run"]);
    for (case, text, needle) in [
        (
            "the same program from two groups",
            format!(
                "{}{}",
                group("web", &address, None, &[("web", 1001)]),
                group("worker", &address, None, &[("web", 1002)])
            ),
            "groups.worker.services.web: program \"web\" is also a service of group \"web\"",
        ),
        (
            "other settings for one supervisord",
            format!(
                "{}{}",
                group("web", &address, None, &[("web", 1001)]),
                group("worker", &address, None, &[("worker", 1002)]).replace(
                    "version = \"4.3.0\" }\n",
                    "version = \"4.3.0\" }\nsupervisord = { loglevel = \"debug\" }\n"
                )
            ),
            "groups.worker.settings: names the same nodes as group \"web\" with other settings",
        ),
        (
            "settings for a group that only adds programs",
            format!(
                "{}[groups.worker]\nnodes = [{address:?}]\nrole = \"programs\"\n[groups.worker.settings]\nuser = \"x\"\n",
                group("web", &address, None, &[("web", 1001)]),
            ),
            "settings: a declaration of role programs",
        ),
    ] {
        let bad = write_spec(&node.root, "bad.toml", &text);
        let run = apply(&bad);
        run.expect_code(3);
        assert!(run.stderr.contains(needle), "{case}: {run:#?}");
        assert!(
            run.stderr.contains("bad.toml:"),
            "{case}: the line is named: {run:#?}"
        );
        assert_eq!(
            fingerprint(
                &node.root,
                &["opt/supervisord/log", "opt/supervisord/run", "bad.toml"]
            ),
            before,
            "{case}: nothing on the node changed"
        );
    }
}

#[test]
fn specs_of_two_scopes_share_one_supervisord() {
    let node = SandboxNode::new("scopes-two");
    let address = node.address();
    let owner = |services: &[(&str, u32)]| {
        write_spec(
            &node.root,
            "team-a.toml",
            &format!(
                "scope = \"team-a\"\n{}",
                group("a", &address, None, services)
            ),
        )
    };
    let programs = |services: &[(&str, u32)]| {
        write_spec(
            &node.root,
            "team-b.toml",
            &format!(
                "scope = \"team-b\"\n{}",
                group("b", &address, Some("programs"), services)
            ),
        )
    };
    // The second declaration needs the first's supervisord: refused,
    // nothing touched.
    let early = apply(&programs(&[("jobs", 2001)]));
    early.expect_code(3);
    assert!(
        outcome(&early)["error"]
            .as_str()
            .unwrap_or_default()
            .contains("no supervisord is recorded"),
        "{early:#?}"
    );

    apply(&owner(&[("web", 1001)])).expect_code(0);
    apply(&programs(&[("jobs", 2001)])).expect_code(0);
    assert_eq!(
        states(&owner(&[("web", 1001)])),
        [
            ("jobs".into(), "RUNNING".into()),
            ("web".into(), "RUNNING".into())
        ]
    );
    // Each is idempotent and leaves the other's program alone.
    for spec in [owner(&[("web", 1001)]), programs(&[("jobs", 2001)])] {
        let run = apply(&spec);
        run.expect_code(0);
        assert_eq!(outcome(&run)["round_trips"], 1, "{run:#?}");
    }
    // A program the other scope owns is refused, naming that scope.
    let taken = apply(&programs(&[("jobs", 2001), ("web", 1001)]));
    taken.expect_code(3);
    assert!(
        outcome(&taken)["error"]
            .as_str()
            .unwrap_or_default()
            .contains("program web is managed by scope team-a"),
        "{taken:#?}"
    );
    // Each removes only its own: team-a drops web, jobs stays.
    let pid = node.supervisord_pid();
    apply(&owner(&[])).expect_code(0);
    assert_eq!(states(&owner(&[])), [("jobs".into(), "RUNNING".into())]);
    assert_eq!(node.supervisord_pid(), pid, "no restart of supervisord");
    // A service action needs no settings: team-b's spec has none.
    let before = states(&programs(&[("jobs", 2001)]));
    let restart = supd(&[
        "ctl",
        programs(&[("jobs", 2001)]).to_str().unwrap(),
        "restart",
        "jobs",
        "--format",
        "json",
    ]);
    restart.expect_code(0);
    assert_eq!(outcome(&restart)["changed"], 1, "{restart:#?}");
    assert_eq!(states(&programs(&[("jobs", 2001)])), before);
}

#[test]
fn a_custom_layout_is_found_through_the_location_record() {
    let node = SandboxNode::new("scopes-located");
    let address = node.address();
    let custom = format!(
        "[groups.a]\nnodes = [{address:?}]\n[groups.a.settings]\ninstall = {{ strategy = \"pip\", version = \"4.3.0\" }}\npaths = {{ include-dir = {:?}, socket = {:?} }}\n[groups.a.services.web.settings]\ncommand = \"sleep 1001\"\nstartsecs = 0\n",
        node.root.join("programs.d").display().to_string(),
        node.root.join("s.sock").display().to_string(),
    );
    apply(&write_spec(&node.root, "a.toml", &custom)).expect_code(0);
    let adds = write_spec(
        &node.root,
        "b.toml",
        &format!(
            "scope = \"b\"\n{}",
            group("b", &address, Some("programs"), &[("jobs", 2001)])
        ),
    );
    let run = apply(&adds);
    run.expect_code(0);
    assert!(
        node.root.join("programs.d/jobs.conf").exists(),
        "the program file went where the daemon's owner keeps them: {run:#?}"
    );
    assert_eq!(
        states(&adds),
        [
            ("jobs".into(), "RUNNING".into()),
            ("web".into(), "RUNNING".into())
        ]
    );
    let again = apply(&adds);
    assert_eq!(outcome(&again)["round_trips"], 1, "{again:#?}");
}
