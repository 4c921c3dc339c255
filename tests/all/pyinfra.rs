//! The pyinfra operations with real pyinfra (3.10, from PyPI) against
//! Debian test-bed nodes over SSH: the first run changes and the second
//! reports no change, `--dry` writes nothing, a refused setting names its
//! field and changes nothing, one changed command restarts only that
//! program, the service operation follows the seed; and the example deploy
//! from a fresh venv.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::bindings::output;
use crate::cm::venv_bin;
use crate::e2e::VOLATILE;
use crate::support::*;
use crate::testbed::{self, TestNode};

/// A pyinfra inventory entry for a test-bed node.
fn host(name: &str, node: &TestNode, data: &str) -> String {
    format!(
        "({name:?}, {{\"ssh_hostname\": \"127.0.0.1\", \"ssh_port\": {}, \"ssh_user\": \"root\", \"ssh_key\": {:?}, \"ssh_known_hosts_file\": {:?}, \"ssh_strict_host_key_checking\": \"yes\", \"ssh_allow_agent\": False, \"ssh_look_for_keys\": False{data}}}),",
        node.port,
        testbed::client_key().display().to_string(),
        node.known_hosts().display().to_string()
    )
}

pub struct Run {
    pub code: i32,
    pub json: serde_json::Value,
    pub log: String,
}

impl Run {
    /// Hosts an operation (by name) changed, left alone, failed.
    pub fn hosts(&self, op: &str, outcome: &str) -> Vec<String> {
        self.json["results"]["operations"]
            .as_array()
            .unwrap_or_else(|| panic!("no results: {:#}\n{}", self.json, self.log))
            .iter()
            .find(|o| o["name"] == op)
            .unwrap_or_else(|| panic!("no operation {op}: {:#}", self.json))[outcome]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_string())
            .collect()
    }
}

pub fn pyinfra(name: &str, bin: &Path, inventory: &str, deploy: &str, args: &[&str]) -> Run {
    let dir = scratch(&format!("pyinfra-{name}"));
    std::fs::write(
        dir.join("inventory.py"),
        format!("hosts = [\n{inventory}\n]\n"),
    )
    .unwrap();
    std::fs::write(dir.join("deploy.py"), deploy).unwrap();
    let out = Command::new(bin.join("pyinfra"))
        .current_dir(&dir)
        .args(["inventory.py", "deploy.py", "--json"])
        .args(args)
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        .output()
        .expect("pyinfra runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    let json =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{log}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        json,
        log,
    }
}

fn deploy(settings: &str, web: &str) -> String {
    format!(
        "from supervision.pyinfra import supervisord\n\nsupervisord(\n    name=\"converge\",\n    settings={settings},\n    services={{\n        \"web\": {{\"settings\": {{\"command\": {web:?}, \"startsecs\": 1}}}},\n        \"worker\": {{\"settings\": {{\"command\": \"sleep 2000\", \"startsecs\": 1}}}},\n    }},\n)\n"
    )
}

fn pids(node: &TestNode) -> BTreeMap<String, String> {
    let out = node.ssh("supervisorctl status");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next()?.to_string();
            let pid = l.split("pid ").nth(1)?.split(',').next()?.to_string();
            Some((name, pid))
        })
        .collect()
}

#[test]
fn pyinfra_01_dry_first_run_second_run_and_one_change() {
    let Some(bin) = venv_bin("pyinfra_01") else {
        return;
    };
    let Some(nodes) = testbed::nodes("pyinfra_01", 1) else {
        return;
    };
    let node = &nodes[0];
    let inventory = host("n0", node, "");
    let clean = fingerprint(&node.upper(), VOLATILE);

    let dry = pyinfra(
        "01-dry",
        &bin,
        &inventory,
        &deploy("{}", "sleep 1000"),
        &["--dry"],
    );
    assert_eq!(dry.code, 0, "{}", dry.log);
    assert_eq!(
        fingerprint(&node.upper(), VOLATILE),
        clean,
        "--dry wrote nothing"
    );

    let first = pyinfra(
        "01-first",
        &bin,
        &inventory,
        &deploy("{}", "sleep 1000"),
        &["-y"],
    );
    assert_eq!(first.code, 0, "{}", first.log);
    assert_eq!(first.hosts("converge", "success"), ["n0"], "{}", first.log);
    let before = pids(node);
    assert_eq!(before.len(), 2, "{before:?}");

    let converged = fingerprint(&node.upper(), VOLATILE);
    let second = pyinfra(
        "01-second",
        &bin,
        &inventory,
        &deploy("{}", "sleep 1000"),
        &["-y"],
    );
    assert_eq!(
        second.hosts("converge", "no_change"),
        ["n0"],
        "{}",
        second.log
    );
    assert_eq!(
        fingerprint(&node.upper(), VOLATILE),
        converged,
        "nothing written"
    );

    let change = pyinfra(
        "01-change",
        &bin,
        &inventory,
        &deploy("{}", "sleep 1001"),
        &["-y"],
    );
    assert_eq!(
        change.hosts("converge", "success"),
        ["n0"],
        "{}",
        change.log
    );
    let after = pids(node);
    assert_ne!(after["web"], before["web"], "web restarted");
    assert_eq!(after["worker"], before["worker"], "worker untouched");
}

#[test]
fn pyinfra_02_a_refused_setting_names_its_field_and_changes_nothing() {
    let Some(bin) = venv_bin("pyinfra_02") else {
        return;
    };
    let Some(nodes) = testbed::nodes("pyinfra_02", 2) else {
        return;
    };
    let inventory = format!(
        "{}\n{}",
        host("good", &nodes[0], ""),
        host("bad", &nodes[1], ", \"web_command\": \"sleep 5 ;evil\"")
    );
    let deploy = "from pyinfra import host\nfrom supervision.pyinfra import supervisord\n\nsupervisord(name=\"converge\", services={\"web\": {\"settings\": {\"command\": host.data.get(\"web_command\", \"sleep 1000\"), \"startsecs\": 1}}})\n";
    let clean = fingerprint(&nodes[1].upper(), VOLATILE);
    let run = pyinfra("02", &bin, &inventory, deploy, &["-y"]);
    assert_eq!(run.code, 1, "a failed host: {}", run.log);
    assert!(
        run.log.contains("services.web.settings.command"),
        "{}",
        run.log
    );
    assert_eq!(
        run.json["results"]["failed_hosts"],
        serde_json::json!(["bad"]),
        "{:#}",
        run.json
    );
    assert_eq!(
        fingerprint(&nodes[1].upper(), VOLATILE),
        clean,
        "nothing changed on the bad host"
    );
    assert_eq!(
        run.hosts("converge", "success"),
        ["good"],
        "the good host went on"
    );
}

#[test]
fn pyinfra_03_the_service_operation_follows_the_seed() {
    let Some(bin) = venv_bin("pyinfra_03") else {
        return;
    };
    let Some(nodes) = testbed::nodes("pyinfra_03", 1) else {
        return;
    };
    let inventory = host("n0", &nodes[0], "");
    let service = |name: &str, service: &str, action: &str| {
        format!("supervisord_service(name={name:?}, service={service:?}, action={action:?})\n")
    };
    let deploy = format!(
        "from supervision.pyinfra import supervisord, supervisord_service\n\nsupervisord(name=\"converge\", services={{\"web\": {{\"settings\": {{\"command\": \"sleep 1000\", \"startsecs\": 1}}}}}})\n{}{}{}{}",
        service("start running", "web", "start"),
        service("stop", "web", "stop"),
        service("stop stopped", "web", "stop"),
        service("restart stopped", "web", "restart"),
    );
    let run = pyinfra("03", &bin, &inventory, &deploy, &["-y"]);
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.hosts("start running", "no_change"), ["n0"]);
    assert_eq!(run.hosts("stop", "success"), ["n0"]);
    assert_eq!(run.hosts("stop stopped", "no_change"), ["n0"]);
    assert_eq!(run.hosts("restart stopped", "success"), ["n0"]);
    assert!(pids(&nodes[0]).contains_key("web"), "web runs again");
}

#[test]
fn pyinfra_example_from_a_fresh_venv() {
    let Some(bin) = venv_bin("pyinfra_example") else {
        return;
    };
    let Some(nodes) = testbed::nodes("pyinfra_example", 1) else {
        return;
    };
    let dir = tempfile::Builder::new()
        .prefix("supd-pyinfra-")
        .tempdir()
        .unwrap();
    let dir = dir.path();
    let venv = dir.join("venv");
    output(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    let wheel = std::fs::read_dir(workspace().join("target/cm-dist"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .unwrap();
    output(
        Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "-q",
                "--disable-pip-version-check",
                "--no-index",
                "--find-links",
            ])
            .arg(workspace().join("target/wheelhouse"))
            .arg(format!("{}[pyinfra]", wheel.display())),
    );
    let port = free_port();
    let example = workspace().join("examples/pyinfra");
    std::fs::copy(example.join("deploy.py"), dir.join("deploy.py")).unwrap();
    let inventory = format!(
        "web = [\n{}\n]\n",
        host("web1", &nodes[0], &format!(", \"app_port\": {port}"))
    );
    std::fs::write(dir.join("inventory.py"), inventory).unwrap();
    let _ = bin;
    let run = Command::new(venv.join("bin/pyinfra"))
        .current_dir(dir)
        .args(["inventory.py", "deploy.py", "-y"])
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        http_status(port, std::time::Duration::from_secs(20)),
        Some(200),
        "the example app answers"
    );
}

/// Two operations on one host that do not know each other: a daemon-level
/// `supervisord` with its program, and a program-level
/// `supervisord_program`. Both converge and stay idempotent; then a
/// service operation needs no settings.
#[test]
fn pyinfra_04_two_operations_compose_on_one_host() {
    let Some(bin) = venv_bin("pyinfra_04") else {
        return;
    };
    let node = SandboxNode::new("pyinfra-compose");
    let root = node.root.display().to_string();
    let deploy = format!(
        "from supervision.pyinfra import supervisord, supervisord_program\n\n\
         supervisord(name=\"web\", settings={{\"install\": {{\"strategy\": \"pip\", \"version\": \"4.3.0\"}}}},\n\
         \x20   services={{\"web\": {{\"settings\": {{\"command\": \"sleep 1000\", \"startsecs\": 0}}}}}}, scope=\"web\", root={root:?})\n\
         supervisord_program(name=\"jobs\", program=\"jobs\", settings={{\"command\": \"sleep 3000\", \"startsecs\": 0}}, root={root:?})\n"
    );
    let first = pyinfra("04-first", &bin, "\"@local\",", &deploy, &["-y"]);
    assert_eq!(first.code, 0, "{}", first.log);
    assert_eq!(first.hosts("web", "success"), ["@local"], "{}", first.log);
    assert_eq!(first.hosts("jobs", "success"), ["@local"], "{}", first.log);
    let second = pyinfra("04-second", &bin, "\"@local\",", &deploy, &["-y"]);
    assert_eq!(second.code, 0, "{}", second.log);
    for op in ["web", "jobs"] {
        assert_eq!(
            second.hosts(op, "no_change"),
            ["@local"],
            "{op}: {}",
            second.log
        );
    }
    let restart = format!(
        "from supervision.pyinfra import supervisord_service\n\nsupervisord_service(name=\"restart\", service=\"jobs\", action=\"restart\", root={root:?})\n"
    );
    let run = pyinfra("04-restart", &bin, "\"@local\",", &restart, &["-y"]);
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.hosts("restart", "success"), ["@local"], "{}", run.log);
}
