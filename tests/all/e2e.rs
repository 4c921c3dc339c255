//! End to end on real Debian bookworm nodes over real OpenSSH, with
//! supervisord from Debian's package and from PyPI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::*;
use crate::testbed::{self, TestNode};

/// A spec for `nodes` with these provider settings and services (TOML
/// fragments), reaching the nodes with the test bed's key and known_hosts.
pub fn spec(name: &str, nodes: &[TestNode], settings: &str, services: &str) -> PathBuf {
    let dir = scratch(&format!("spec-{name}"));
    let known_hosts = dir.join("known_hosts");
    let hosts: String = nodes
        .iter()
        .map(|n| std::fs::read_to_string(n.known_hosts()).unwrap())
        .collect();
    std::fs::write(&known_hosts, hosts).unwrap();
    let addresses: Vec<String> = nodes.iter().map(|n| format!("{:?}", n.address())).collect();
    let text = format!(
        "[groups.web]\nnodes = [{}]\n\n[groups.web.ssh]\nidentity = {:?}\nknown-hosts = {:?}\noptions = [\"ConnectTimeout=5\"]\n\n[groups.web.settings]\n{settings}\n\n{services}\n",
        addresses.join(", "),
        testbed::client_key().display().to_string(),
        known_hosts.display().to_string(),
    );
    write_spec(&dir, "spec.toml", &text)
}

/// The seed's app-deploy example on `port`.
fn app(port: u16, user: Option<&str>) -> String {
    format!(
        "[groups.web.services.example-app]\nfacility = \"app-deploy\"\n[groups.web.services.example-app.settings]\nrun-command = \"python3 -m http.server {port} --bind 127.0.0.1 --directory /usr/share/doc\"\nport = {port}\n{}",
        user.map(|u| format!("user = {u:?}\n")).unwrap_or_default()
    )
}

/// Generic `sleep` programs, named by their keys.
pub fn sleepers(programs: &[(&str, &str)]) -> String {
    programs
        .iter()
        .map(|(name, command)| {
            format!("[groups.web.services.{name}.settings]\ncommand = {command:?}\nstartsecs = 1\n")
        })
        .collect()
}

pub fn apply(spec: &Path) -> Run {
    supd(&["apply", spec.to_str().unwrap(), "--format", "json"])
}

fn status(spec: &Path) -> Run {
    supd(&["status", spec.to_str().unwrap(), "--format", "json"])
}

fn pids(spec: &Path) -> BTreeMap<String, u32> {
    let run = status(spec);
    only_node(&run)["programs"]
        .as_array()
        .unwrap_or_else(|| panic!("{run:#?}"))
        .iter()
        .filter_map(|p| {
            Some((
                p["name"].as_str()?.to_string(),
                program_pid(&run, p["name"].as_str()?)?,
            ))
        })
        .collect()
}

pub fn node_text(node: &TestNode, command: &str) -> String {
    let out = node.ssh(command);
    assert!(
        out.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Node paths that change by themselves (logs, sockets, caches).
pub const VOLATILE: &[&str] = &[
    "var/log",
    "run",
    "tmp",
    "var/cache",
    "root/.cache",
    "var/lib/apt",
    "var/lib/dpkg",
    "opt/supervisord/log",
    "opt/supervisord/run",
];

#[test]
fn e2e_01_packages_strategy_over_ssh_without_systemd() {
    let Some(nodes) = testbed::nodes("e2e_01", 1) else {
        return;
    };
    let port = free_port();
    let spec = spec("e2e_01", &nodes, "", &app(port, Some("nobody")));
    let run = apply(&spec);
    run.expect_code(0);
    let outcome = only_node(&run);
    assert_eq!(outcome["status"], "changed");
    assert_eq!(
        outcome["round_trips"], 2,
        "facts (which opens the connection), apply"
    );
    assert_eq!(
        http_status(port, Duration::from_secs(20)),
        Some(200),
        "the app answers from the host"
    );
    let node = &nodes[0];
    assert!(node_text(node, "dpkg-query -W -f '${Status}' supervisor").ends_with("ok installed"));
    let daemon = node_text(
        node,
        "tr '\\0' ' ' < /proc/$(cat /var/run/supervisord.pid)/cmdline",
    );
    assert!(
        daemon.contains("/usr/bin/supervisord"),
        "supervisord from the Debian package: {daemon}"
    );
    let app_user = node_text(node, "ps -o user= -C python3 | sort -u");
    assert_eq!(app_user, "nobody", "the app runs as its user");
    assert_eq!(
        node_text(node, "cat /proc/1/comm"),
        "sh",
        "the node has no init system"
    );
}

#[test]
fn e2e_02_pip_strategy_with_a_non_root_supervisord() {
    let Some(nodes) = testbed::nodes("e2e_02", 1) else {
        return;
    };
    let port = free_port();
    let spec = spec(
        "e2e_02",
        &nodes,
        "install = { strategy = \"pip\" }\nuser = \"supervisor\"",
        &app(port, None),
    );
    apply(&spec).expect_code(0);
    assert_eq!(http_status(port, Duration::from_secs(20)), Some(200));
    let node = &nodes[0];
    let pid = node_text(node, "cat /opt/supervisord/run/supervisord.pid");
    assert_eq!(
        node_text(node, &format!("ps -o user= -p {pid}")),
        "supervisor",
        "supervisord runs as supervisor"
    );
    assert_eq!(
        node_text(node, "ps -o user= -C python3 | sort -u"),
        "supervisor"
    );
    assert!(
        node_text(node, &format!("tr '\\0' ' ' < /proc/{pid}/cmdline"))
            .contains("/opt/supervisord/venv/bin/supervisord")
    );
    assert_eq!(
        node_text(node, "stat -c '%a %U' /opt/supervisord/run/supervisor.sock"),
        "700 supervisor"
    );
}

#[test]
fn e2e_03_second_apply_changes_and_writes_nothing() {
    let Some(nodes) = testbed::nodes("e2e_03", 1) else {
        return;
    };
    let spec = spec(
        "e2e_03",
        &nodes,
        "",
        &sleepers(&[("a", "sleep 1000"), ("b", "sleep 1001")]),
    );
    apply(&spec).expect_code(0);
    let before = fingerprint(&nodes[0].upper(), VOLATILE);
    let run = apply(&spec);
    run.expect_code(0);
    let outcome = only_node(&run);
    assert_eq!(outcome["changed"], 0, "{run:#?}");
    assert_eq!(outcome["status"], "ok");
    assert_eq!(outcome["round_trips"], 1, "facts only: nothing to apply");
    assert_eq!(
        fingerprint(&nodes[0].upper(), VOLATILE),
        before,
        "no file written, mtimes unchanged"
    );
}

#[test]
fn e2e_04_changing_one_command_restarts_only_that_program() {
    let Some(nodes) = testbed::nodes("e2e_04", 1) else {
        return;
    };
    let programs = [
        ("a", "sleep 1000"),
        ("b", "sleep 1001"),
        ("c", "sleep 1002"),
    ];
    let first = spec("e2e_04", &nodes, "", &sleepers(&programs));
    apply(&first).expect_code(0);
    let before = pids(&first);
    let daemon = node_text(&nodes[0], "cat /var/run/supervisord.pid");
    assert_eq!(before.len(), 3, "{before:?}");

    let changed = spec(
        "e2e_04-changed",
        &nodes,
        "",
        &sleepers(&[
            ("a", "sleep 1000"),
            ("b", "sleep 2001"),
            ("c", "sleep 1002"),
        ]),
    );
    let run = apply(&changed);
    run.expect_code(0);
    assert_eq!(
        only_node(&run)["changed"],
        4,
        "the file of b (staged), the configuration put in place, its update, the record of it: {run:#?}"
    );
    let after = pids(&changed);
    assert_ne!(before["b"], after["b"], "b restarted");
    assert_eq!(before["a"], after["a"], "a kept its pid");
    assert_eq!(before["c"], after["c"], "c kept its pid");
    assert_eq!(
        node_text(&nodes[0], "cat /var/run/supervisord.pid"),
        daemon,
        "supervisord kept its pid"
    );
}

#[test]
fn e2e_05_a_killed_program_is_restarted() {
    let Some(nodes) = testbed::nodes("e2e_05", 1) else {
        return;
    };
    let spec = spec("e2e_05", &nodes, "", &sleepers(&[("a", "sleep 1000")]));
    apply(&spec).expect_code(0);
    let pid = pids(&spec)["a"];
    node_text(&nodes[0], &format!("kill -KILL {pid}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = pids(&spec);
        if now.get("a").is_some_and(|new| *new != pid) {
            status(&spec).expect_code(0);
            break;
        }
        assert!(Instant::now() < deadline, "a was not restarted: {now:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn e2e_06_a_crash_looping_program_ends_fatal_and_is_reported() {
    let Some(nodes) = testbed::nodes("e2e_06", 1) else {
        return;
    };
    let services = "[groups.web.services.crasher.settings]\ncommand = \"sh -c 'exit 3'\"\nstartsecs = 1\nstartretries = 1\n\n".to_string()
        + &sleepers(&[("steady", "sleep 1000")]);
    let spec = spec("e2e_06", &nodes, "", &services);
    let run = apply(&spec);
    run.expect_code(1);
    let error = only_node(&run)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        error.contains("crasher") && error.contains("FATAL"),
        "apply names the program: {error}"
    );
    let status = status(&spec);
    status.expect_code(1);
    let programs = &only_node(&status)["programs"];
    let state = |name: &str| {
        programs
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["state"].clone())
    };
    assert_eq!(state("crasher"), Some("FATAL".into()), "{status:#?}");
    assert_eq!(state("steady"), Some("RUNNING".into()));
    assert!(
        only_node(&status)["error"]
            .as_str()
            .unwrap_or_default()
            .contains("crasher")
    );
}

#[test]
fn e2e_07_bad_input_leaves_every_file_on_the_node_untouched() {
    let Some(nodes) = testbed::nodes("e2e_07", 1) else {
        return;
    };
    let good = spec("e2e_07", &nodes, "", &sleepers(&[("a", "sleep 1000")]));
    apply(&good).expect_code(0);
    let before = fingerprint(&nodes[0].upper(), VOLATILE);
    let cases = [
        (
            "newline in a command",
            sleepers(&[("a", "sleep 1000\n[program:evil]\ncommand=/bin/sh")]),
            "command",
        ),
        (
            "unknown key",
            sleepers(&[("a", "sleep 1000")]) + "restart = true\n",
            "restart",
        ),
        (
            "invalid name",
            sleepers(&[("a", "sleep 1000")]) + "service-name = \"a:b\"\n",
            "name",
        ),
    ];
    for (case, services, field) in cases {
        let bad = spec("e2e_07-bad", &nodes, "", &services);
        let run = supd(&["apply", bad.to_str().unwrap()]);
        run.expect_code(3);
        assert!(
            run.stderr.contains(field) && run.stderr.contains("spec.toml:"),
            "{case}: {run:#?}"
        );
        assert_eq!(
            fingerprint(&nodes[0].upper(), VOLATILE),
            before,
            "{case}: the node is byte-identical"
        );
    }
}

#[test]
fn e2e_08_a_fleet_converges_around_an_unreachable_node() {
    let Some(mut nodes) = testbed::nodes("e2e_08", 4) else {
        return;
    };
    let spec = spec("e2e_08", &nodes, "", &sleepers(&[("a", "sleep 1000")]));
    nodes[2].stop_sshd();
    let down = nodes[2].address();
    let run = supd(&["apply", spec.to_str().unwrap(), "--forks", "4"]);
    run.expect_code(1);
    assert!(run.stdout.contains("RECAP"), "{run:#?}");
    let recap = run.stdout.split("RECAP").nth(1).unwrap();
    let failed_line = recap
        .lines()
        .find(|l| l.contains(&down.replace("ssh://", "")))
        .expect("the recap lists the down node");
    assert!(failed_line.contains("failed=1"), "{failed_line}");
    assert_eq!(
        recap
            .lines()
            .filter(|l| l.contains("changed=") && l.contains("failed=0"))
            .count(),
        3,
        "{recap}"
    );
    for (i, node) in nodes.iter().enumerate() {
        let running = node.ssh("cat /var/run/supervisord.pid").status.success();
        assert_eq!(running, i != 2, "node {i}");
    }

    nodes[2].start_sshd().unwrap();
    let run = supd(&[
        "apply",
        spec.to_str().unwrap(),
        "--forks",
        "4",
        "--format",
        "json",
    ]);
    run.expect_code(0);
    let json = run.json();
    for node in json["nodes"].as_array().unwrap() {
        let expected = if node["node"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":{}", nodes[2].port))
        {
            "changed"
        } else {
            "ok"
        };
        assert_eq!(node["status"], expected, "{node:#}");
    }
}

#[test]
fn e2e_09_a_connection_cut_mid_apply_leaves_no_half_written_file() {
    let Some(mut nodes) = testbed::nodes("e2e_09", 1) else {
        return;
    };
    let programs: Vec<(String, String)> = (0..150)
        .map(|i| (format!("p{i:03}"), format!("sleep {}", 10_000 + i)))
        .collect();
    let refs: Vec<(&str, &str)> = programs
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    let spec = spec("e2e_09", &nodes, "", &sleepers(&refs));
    let conf_d = nodes[0].upper().join("etc/supervisor/conf.d");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_supd"))
        .args(["apply", spec.to_str().unwrap()])
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Cut the connection as soon as program files start to appear (staged,
    // under temporary names).
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::read_dir(&conf_d).map(|d| d.count()).unwrap_or(0) < 3 {
        assert!(Instant::now() < deadline, "no program file appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    nodes[0].stop_sshd();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let snapshot: BTreeMap<String, Vec<u8>> = std::fs::read_dir(&conf_d)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    // The configuration goes in place all at once or not at all.
    let live = snapshot
        .keys()
        .filter(|n| n.ends_with(".conf") && !n.starts_with('.'))
        .count();
    assert!(
        live == 0 || live == 150,
        "a cut leaves every program file or none in place, not {live}"
    );

    nodes[0].start_sshd().unwrap();
    apply(&spec).expect_code(0);
    let mut leftovers = Vec::new();
    for (name, bytes) in &snapshot {
        if name.starts_with(".supd-tmp") {
            continue;
        }
        let final_bytes = std::fs::read(conf_d.join(name)).unwrap();
        assert_eq!(
            bytes, &final_bytes,
            "{name} was half-written when the connection dropped"
        );
    }
    for entry in std::fs::read_dir(&conf_d).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with(".supd-tmp") {
            leftovers.push(entry.file_name());
        }
    }
    assert!(
        leftovers.is_empty(),
        "temporary files left after the re-run: {leftovers:?}"
    );
    assert_eq!(
        pids(&spec).len(),
        150,
        "every program runs after the re-run"
    );
}

#[test]
fn e2e_10_ctl_follows_the_seeds_service_semantics() {
    let Some(nodes) = testbed::nodes("e2e_10", 1) else {
        return;
    };
    let spec = spec("e2e_10", &nodes, "", &sleepers(&[("a", "sleep 1000")]));
    apply(&spec).expect_code(0);
    let ctl = |args: &[&str]| {
        let mut all = vec!["ctl", spec.to_str().unwrap()];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        supd(&all)
    };
    let changed = |run: &Run| only_node(run)["changed"].as_u64().unwrap();
    let pid = pids(&spec)["a"];
    assert_eq!(
        changed(ctl(&["start", "a"]).expect_code(0)),
        0,
        "start when running: no complaint, no change"
    );
    assert_eq!(pids(&spec)["a"], pid);
    assert_eq!(
        changed(ctl(&["restart", "a", "--if-stopped"]).expect_code(0)),
        0,
        "restart if stopped leaves it running"
    );
    assert_eq!(pids(&spec)["a"], pid);
    assert_eq!(changed(ctl(&["stop", "a"]).expect_code(0)), 1);
    assert_eq!(
        changed(ctl(&["stop", "a"]).expect_code(0)),
        0,
        "stop when stopped: no complaint"
    );
    ctl(&["status", "a"]).expect_code(1);
    assert_eq!(
        changed(ctl(&["restart", "a"]).expect_code(0)),
        1,
        "restart starts a stopped service"
    );
    ctl(&["status", "a"]).expect_code(0);
    let restarted = pids(&spec)["a"];
    assert_ne!(restarted, pid);
    assert_eq!(changed(ctl(&["restart", "a"]).expect_code(0)), 1);
    assert_ne!(pids(&spec)["a"], restarted, "restart gives a new pid");
}

#[test]
fn e2e_11_an_exported_script_converges_a_fresh_node_like_apply() {
    let Some(nodes) = testbed::nodes("e2e_11", 2) else {
        return;
    };
    let services = sleepers(&[("a", "sleep 1000"), ("b", "sleep 1001")]);
    let applied = spec("e2e_11-apply", &nodes[..1], "", &services);
    apply(&applied).expect_code(0);
    let by_script = spec("e2e_11-script", &nodes[1..], "", &services);
    let script = supd(&["script", by_script.to_str().unwrap(), "--os", "debian:12"]);
    script.expect_code(0);
    assert!(script.stdout.starts_with("#!/bin/sh"));
    let ran = nodes[1].ssh_with_input("sh -s", &script.stdout);
    assert!(
        ran.status.success(),
        "the script fails: {}",
        String::from_utf8_lossy(&ran.stdout)
    );
    for file in [
        "etc/supervisor/supervisord.conf",
        "etc/supervisor/conf.d/a.conf",
        "etc/supervisor/conf.d/b.conf",
    ] {
        let a = std::fs::read(nodes[0].upper().join(file)).unwrap();
        let b =
            std::fs::read(nodes[1].upper().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(a, b, "{file} is the same either way");
    }
    let states = only_node(status(&by_script).expect_code(0))["programs"].clone();
    assert_eq!(states.as_array().unwrap().len(), 2);
    assert!(
        states
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "RUNNING"),
        "{states:#}"
    );
    let again = apply(&by_script);
    again.expect_code(0);
    assert_eq!(
        only_node(&again)["changed"],
        0,
        "apply finds the scripted node converged"
    );
}

#[test]
fn e2e_12_a_new_artifact_under_the_same_command_restarts_only_its_program_once() {
    let Some(nodes) = testbed::nodes("e2e_12", 1) else {
        return;
    };
    let node = &nodes[0];
    let artifact = |version: &str| {
        let out = node.ssh_with_input(
            "mkdir -p /opt/example-app && cat > /opt/example-app/app.py",
            &format!("import time\n# version {version}\ntime.sleep(100000)\n"),
        );
        assert!(out.status.success(), "{out:?}");
    };
    let services = |command: &str| {
        format!(
            "[groups.web.services.web]\nfacility = \"app-deploy\"\n[groups.web.services.web.settings]\nrun-command = {command:?}\nartifacts = {{ from-lein = [{{ project-path = \"target/app.py\", path = \"example-app/app.py\" }}] }}\n\n{}",
            sleepers(&[("worker", "sleep 1000")])
        )
    };
    let spawned = || {
        node_text(
            node,
            "grep -c \"spawned: 'web'\" /var/log/supervisor/supervisord.log || true",
        )
        .parse::<usize>()
        .unwrap()
    };
    artifact("1");
    let spec_v1 = spec(
        "e2e_12",
        &nodes,
        "",
        &services("python3 /opt/example-app/app.py"),
    );
    apply(&spec_v1).expect_code(0);
    let first = pids(&spec_v1);
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(spawned(), 1);

    // A new artifact under the same command: web alone restarts, once.
    artifact("2");
    let check = supd(&[
        "apply",
        spec_v1.to_str().unwrap(),
        "--check",
        "--format",
        "json",
    ]);
    check.expect_code(2);
    let reasons: Vec<String> = only_node(&check)["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} ({})", s["what"], s["reason"]))
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("restart web:web") && r.contains("/opt/example-app/app.py changed")),
        "check mode says what would restart and why: {reasons:?}"
    );
    let run = apply(&spec_v1);
    run.expect_code(0);
    let second = pids(&spec_v1);
    assert_ne!(second["web"], first["web"], "web restarted");
    assert_eq!(second["worker"], first["worker"], "worker untouched");
    assert_eq!(spawned(), 2, "exactly one restart");

    // Nothing changed since: nothing happens.
    let again = apply(&spec_v1);
    again.expect_code(0);
    assert_eq!(only_node(&again)["changed"], 0, "{again:#?}");
    assert_eq!(pids(&spec_v1), second);

    // The command and the artifact change together: one restart, not two.
    artifact("3");
    let spec_v3 = spec(
        "e2e_12",
        &nodes,
        "",
        &services("python3 -u /opt/example-app/app.py"),
    );
    apply(&spec_v3).expect_code(0);
    let third = pids(&spec_v3);
    assert_ne!(third["web"], second["web"]);
    assert_eq!(third["worker"], first["worker"]);
    assert_eq!(
        spawned(),
        3,
        "the update restarted web, and nothing else did"
    );
}

#[test]
fn e2e_13_a_program_supervisor_refuses_replaces_nothing_and_poisons_nothing() {
    let Some(nodes) = testbed::nodes("e2e_13", 1) else {
        return;
    };
    let node = &nodes[0];
    let good = spec(
        "e2e_13",
        &nodes,
        "",
        &sleepers(&[("a", "sleep 1000"), ("b", "sleep 1001")]),
    );
    apply(&good).expect_code(0);
    let before = files_and_modes(fingerprint(&node.upper(), VOLATILE));
    let first = pids(&good);

    // A user the node does not have: every check before the node passes,
    // supervisor's own parser on the node refuses it.
    let bad = spec(
        "e2e_13-bad",
        &nodes,
        "",
        &(sleepers(&[("a", "sleep 1000"), ("b", "sleep 1002")]) + "user = \"no-such-user\"\n"),
    );
    let run = apply(&bad);
    run.expect_code(1);
    let error = only_node(&run)["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("program b")
            && error.contains("setting user")
            && error.contains("no-such-user"),
        "the failure names the program and the setting: {error}"
    );
    assert_eq!(
        files_and_modes(fingerprint(&node.upper(), VOLATILE)),
        before,
        "no live file changed"
    );
    assert_eq!(pids(&good), first, "nothing restarted");

    // The node is not poisoned: a good change afterwards applies.
    let next = spec(
        "e2e_13",
        &nodes,
        "",
        &sleepers(&[("a", "sleep 1000"), ("b", "sleep 1003")]),
    );
    apply(&next).expect_code(0);
    let after = pids(&next);
    assert_eq!(after["a"], first["a"]);
    assert_ne!(after["b"], first["b"]);

    // A log directory that does not exist is created for the program.
    let logged = spec(
        "e2e_13",
        &nodes,
        "",
        &(sleepers(&[("a", "sleep 1000"), ("b", "sleep 1003")])
            + "user = \"nobody\"\nstdout-logfile = \"/var/log/apps/b/out.log\"\n"),
    );
    apply(&logged).expect_code(0);
    assert_eq!(node_text(node, "stat -c %U /var/log/apps/b"), "nobody");
    assert_eq!(pids(&logged).len(), 2);
}

/// Live (not zombie) processes on the node whose command line is exactly
/// `command`.
fn running(node: &TestNode, command: &str) -> usize {
    node_text(
        node,
        &format!(
            "n=0; for p in /proc/[0-9]*; do [ \"$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)\" = '{command} ' ] || continue; case $(cut -d')' -f2 $p/stat) in ' Z'*) continue ;; esac; n=$((n+1)); done; echo $n"
        ),
    )
    .parse()
    .unwrap()
}

#[test]
fn e2e_14_a_killed_supervisord_leaves_no_duplicate_programs_and_a_stale_pid_file_is_not_trusted() {
    let Some(nodes) = testbed::nodes("e2e_14", 1) else {
        return;
    };
    let node = &nodes[0];
    let spec = spec(
        "e2e_14",
        &nodes,
        "",
        &sleepers(&[("a", "sleep 1000"), ("b", "sleep 1001")]),
    );
    apply(&spec).expect_code(0);
    assert_eq!(running(node, "sleep 1000"), 1);

    // SIGKILL (as the OOM killer does): the programs live on without it.
    node_text(node, "kill -KILL $(cat /var/run/supervisord.pid)");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(running(node, "sleep 1000"), 1, "the orphan still runs");
    let run = apply(&spec);
    run.expect_code(0);
    let daemon_step = only_node(&run)["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("started supervisord"))
        })
        .cloned()
        .unwrap_or_else(|| panic!("supervisord was started again: {run:#?}"));
    assert!(
        daemon_step["message"]
            .as_str()
            .unwrap()
            .contains("left running: a b"),
        "the orphans are named: {daemon_step:#}"
    );
    assert_eq!(running(node, "sleep 1000"), 1, "no duplicate of a");
    assert_eq!(running(node, "sleep 1001"), 1, "no duplicate of b");

    // A pid file that outlived its daemon, its pid now another program's:
    // not trusted, so supervisord is started (and that program is not
    // signalled).
    node_text(
        node,
        "kill -KILL $(cat /var/run/supervisord.pid); sleep 0.3; sleep 3000 </dev/null >/dev/null 2>&1 & echo $! > /var/run/supervisord.pid",
    );
    let impostor = node_text(node, "cat /var/run/supervisord.pid");
    let run = apply(&spec);
    run.expect_code(0);
    assert!(
        node_text(node, &format!("kill -0 {impostor} && echo alive")) == "alive",
        "the process that took the pid was not signalled"
    );
    assert_ne!(node_text(node, "cat /var/run/supervisord.pid"), impostor);
    assert_eq!(running(node, "sleep 1000"), 1);
}

/// The packages strategy on another Debian release: its own supervisor
/// package converges the seed's app and a second apply changes nothing.
fn packages_on(release: &str, supervisor: &str) {
    let test = format!("e2e_15_{release}");
    let Some(nodes) = testbed::nodes_of(&test, 1, release) else {
        return;
    };
    let port = free_port();
    let spec = spec(&test, &nodes, "", &app(port, Some("nobody")));
    let run = apply(&spec);
    run.expect_code(0);
    assert_eq!(
        http_status(port, Duration::from_secs(20)),
        Some(200),
        "the app answers"
    );
    let version = node_text(&nodes[0], "dpkg-query -W -f '${Version}' supervisor");
    assert!(
        version.starts_with(supervisor),
        "{release} has supervisor {version}"
    );
    let again = apply(&spec);
    again.expect_code(0);
    assert_eq!(only_node(&again)["changed"], 0, "{again:#?}");
    assert_eq!(only_node(&again)["round_trips"], 1);
}

#[test]
fn e2e_15_bullseye_packages() {
    packages_on("bullseye", "4.2.2");
}

#[test]
fn e2e_15_trixie_packages() {
    packages_on("trixie", "4.2.5");
}

/// A spec for a booted node with these provider settings and programs.
fn booted_spec(name: &str, node: &testbed::BootedNode, settings: &str, services: &str) -> PathBuf {
    let dir = scratch(&format!("spec-{name}"));
    let known_hosts = dir.join("known_hosts");
    std::fs::copy(node.known_hosts(), &known_hosts).unwrap();
    let text = format!(
        "[groups.web]\nnodes = [{:?}]\n\n[groups.web.ssh]\nidentity = {:?}\nknown-hosts = {:?}\noptions = [\"ConnectTimeout=5\"]\n\n[groups.web.settings]\n{settings}\n\n{services}\n",
        node.address(),
        testbed::client_key().display().to_string(),
        known_hosts.display().to_string(),
    );
    write_spec(&dir, "spec.toml", &text)
}

fn booted_text(node: &testbed::BootedNode, command: &str) -> String {
    let out = node.ssh(command);
    assert!(out.status.success(), "{command}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Until `status` reports every program of `spec` RUNNING (or 30 s).
fn all_running(spec: &Path, count: usize) -> BTreeMap<String, u32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let run = status(spec);
        let now = if run.code == 0 {
            pids(spec)
        } else {
            BTreeMap::new()
        };
        if now.len() == count {
            return now;
        }
        assert!(Instant::now() < deadline, "not all RUNNING: {run:#?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// supervisord under systemd: after a reboot it and its programs come back
/// with no apply; after a SIGKILL, systemd restarts it and no program runs
/// twice.
fn survives_reboot_and_kill(test: &str, settings: &str, unit: &str) {
    let Some(node) = testbed::booted(test) else {
        return;
    };
    let spec = booted_spec(
        test,
        &node,
        settings,
        &sleepers(&[("a", "sleep 1000"), ("b", "sleep 1001")]),
    );
    apply(&spec).expect_code(0);
    assert_eq!(
        booted_text(&node, &format!("systemctl is-active {unit}")),
        "active"
    );
    assert_eq!(
        booted_text(&node, &format!("systemctl is-enabled {unit}")),
        "enabled"
    );
    all_running(&spec, 2);

    node.reboot().unwrap();
    let after_boot = all_running(&spec, 2);
    assert_eq!(
        booted_text(&node, &format!("systemctl is-active {unit}")),
        "active"
    );

    let main = booted_text(&node, &format!("systemctl show -p MainPID --value {unit}"));
    booted_text(&node, &format!("kill -KILL {main}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = booted_text(&node, &format!("systemctl show -p MainPID --value {unit}"));
        if now != main && now != "0" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "systemd did not restart supervisord"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let restarted = all_running(&spec, 2);
    assert_ne!(
        restarted["a"], after_boot["a"],
        "a runs under the new supervisord"
    );
    for command in ["sleep 1000", "sleep 1001"] {
        let count = booted_text(&node, &format!("pgrep -xf '{command}' | wc -l"));
        assert_eq!(count, "1", "{command} runs once");
    }
    let again = apply(&spec);
    again.expect_code(0);
    assert_eq!(only_node(&again)["changed"], 0, "{again:#?}");
}

#[test]
fn e2e_16_systemd_packages_unit_survives_reboot_and_kill() {
    survives_reboot_and_kill("e2e_16_packages", "", "supervisor.service");
}

#[test]
fn e2e_16_systemd_pip_unit_survives_reboot_and_kill() {
    survives_reboot_and_kill(
        "e2e_16_pip",
        "install = { strategy = \"pip\", version = \"4.3.0\" }",
        "supervisord-crate.service",
    );
}
