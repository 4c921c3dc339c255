//! The Ansible collection with real ansible-core (2.19, from PyPI) against
//! Debian test-bed nodes over SSH: converge, idempotence, check mode, one
//! changed command, refused settings, an unreachable host, the service
//! module, 200 programs, become through sudo, remote commands counted;
//! ansible-doc, ansible-test sanity, the collection's unit tests, and the
//! example playbook from a fresh venv.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::bindings::{components, output};
use crate::cm::{count_lines, install_command_counter, inventory_host, venv_bin};
use crate::e2e::VOLATILE;
use crate::support::*;
use crate::testbed;

const COLLECTION: &str = "ansible/ansible_collections/supervisord_crate/supervision";

/// The collection built into a tarball and installed; (tarball, the
/// directory to put on ANSIBLE_COLLECTIONS_PATH).
fn collection(bin: &Path) -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = workspace().join("target/ansible");
        let _ = std::fs::remove_dir_all(&out);
        output(
            Command::new("bash")
                .arg(workspace().join("ansible/build.sh"))
                .arg(&out)
                .env("COMPONENTS_DIR", components())
                .env("ANSIBLE_GALAXY", bin.join("ansible-galaxy")),
        );
        let tarball = out.join("supervisord_crate-supervision-0.1.0.tar.gz");
        let installed = out.join("collections");
        output(
            Command::new(bin.join("ansible-galaxy"))
                .args(["collection", "install", "--force", "-p"])
                .arg(&installed)
                .arg(&tarball),
        );
        (tarball, installed)
    })
}

/// What one ansible-playbook run gave: its exit code and the json
/// callback's document.
pub struct Play {
    pub code: i32,
    pub json: serde_json::Value,
    pub stderr: String,
}

impl Play {
    /// The result of task `task` (by name) on `host`.
    pub fn result(&self, task: &str, host: &str) -> &serde_json::Value {
        let tasks = self.json["plays"][0]["tasks"].as_array().unwrap();
        let found = tasks
            .iter()
            .rfind(|t| t["task"]["name"] == task)
            .unwrap_or_else(|| panic!("no task {task}: {:#}", self.json));
        &found["hosts"][host]
    }

    /// The recap of `host`.
    pub fn stats(&self, host: &str) -> &serde_json::Value {
        &self.json["stats"][host]
    }
}

pub fn play(name: &str, bin: &Path, inventory: &str, playbook: &str, args: &[&str]) -> Play {
    play_with(name, bin, inventory, playbook, &[], args)
}

/// `play` with more files (roles, say) beside the playbook.
pub fn play_with(
    name: &str,
    bin: &Path,
    inventory: &str,
    playbook: &str,
    files: &[(&str, &str)],
    args: &[&str],
) -> Play {
    let (_, installed) = collection(bin);
    let dir = scratch(&format!("ansible-{name}"));
    std::fs::write(dir.join("inventory.ini"), inventory).unwrap();
    std::fs::write(dir.join("play.yml"), playbook).unwrap();
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = Command::new(bin.join("ansible-playbook"))
        .current_dir(&dir)
        .args(["-i", "inventory.ini", "play.yml"])
        .args(args)
        .env("ANSIBLE_COLLECTIONS_PATH", installed)
        .env("ANSIBLE_STDOUT_CALLBACK", "supd_json")
        .env(
            "ANSIBLE_CALLBACK_PLUGINS",
            workspace().join("tests/ansible/callback_plugins"),
        )
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_LOCAL_TEMP", dir.join("tmp"))
        .env("ANSIBLE_HOME", dir.join("home"))
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        .output()
        .expect("ansible-playbook runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Play {
        code: out.status.code().unwrap_or(-1),
        json,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn supervisord_task(name: &str, settings: &str, services: &str) -> String {
    format!(
        "    - name: {name}\n      supervisord_crate.supervision.supervisord:\n        settings: {settings}\n        services: {services}\n"
    )
}

fn playbook(hosts: &str, tasks: &str) -> String {
    format!("- hosts: {hosts}\n  gather_facts: false\n  tasks:\n{tasks}")
}

fn sleepers(web: &str) -> String {
    format!(
        "{{web: {{settings: {{command: '{web}', startsecs: 1, environment: {{TOKEN: s3cret-token-value}}}}}}, worker: {{settings: {{command: 'sleep 2000', startsecs: 1}}}}}}"
    )
}

fn pids(result: &serde_json::Value) -> BTreeMap<String, u64> {
    result["programs"]
        .as_array()
        .unwrap_or_else(|| panic!("no programs: {result:#}"))
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["pid"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn ansible_01_check_converge_rerun_change_and_an_unreachable_host() {
    let Some(bin) = venv_bin("ansible_01") else {
        return;
    };
    let Some(nodes) = testbed::nodes("ansible_01", 1) else {
        return;
    };
    let node = &nodes[0];
    let shell = install_command_counter(node, "/tmp/commands.log");
    let inventory = format!(
        "{}ghost ansible_host=127.0.0.1 ansible_port={} ansible_user=root ansible_ssh_common_args='-o ConnectTimeout=3'\n",
        inventory_host("n0", node, &format!("ansible_shell_executable={shell}")),
        free_port()
    );
    let task = |web: &str| playbook("all", &supervisord_task("converge", "{}", &sleepers(web)));
    let clean = fingerprint(&node.upper(), VOLATILE);

    let check = play(
        "01-check",
        &bin,
        &inventory,
        &task("sleep 1000"),
        &["--check", "--diff"],
    );
    let result = check.result("converge", "n0");
    assert_eq!(result["changed"], true, "{result:#}");
    assert_eq!(result["round_trips"], 2, "facts, then the check script");
    let diff = serde_json::to_string(&result["diff"]).unwrap();
    assert!(
        !serde_json::to_string(result)
            .unwrap()
            .contains("s3cret-token-value"),
        "{result:#}"
    );
    assert!(
        diff.contains("<redacted"),
        "diffs show secrets redacted: {diff}"
    );
    assert_eq!(
        fingerprint(&node.upper(), VOLATILE),
        clean,
        "check mode wrote nothing"
    );

    let first = play("01-first", &bin, &inventory, &task("sleep 1000"), &[]);
    assert_eq!(
        first.code, 4,
        "the unreachable host gives 4: {}",
        first.stderr
    );
    assert_eq!(
        first.stats("ghost")["unreachable"],
        1,
        "{:#}",
        first.json["stats"]
    );
    assert_eq!(first.stats("n0")["changed"], 1, "the other host went on");
    let result = first.result("converge", "n0");
    let before = pids(result);
    assert_eq!(before.len(), 2, "{result:#}");
    assert!(
        before.values().all(|pid| *pid > 0),
        "both RUNNING: {result:#}"
    );
    assert!(
        !serde_json::to_string(result)
            .unwrap()
            .contains("s3cret-token-value")
    );

    let converged = fingerprint(&node.upper(), VOLATILE);
    let again = play("01-again", &bin, &inventory, &task("sleep 1000"), &[]);
    assert_eq!(again.stats("n0")["changed"], 0, "{:#}", again.json["stats"]);
    assert_eq!(again.result("converge", "n0")["round_trips"], 1);
    assert_eq!(
        fingerprint(&node.upper(), VOLATILE),
        converged,
        "a re-run writes nothing"
    );

    let changed = play("01-change", &bin, &inventory, &task("sleep 1001"), &[]);
    let after = pids(changed.result("converge", "n0"));
    assert_ne!(after["web"], before["web"], "web restarted");
    assert_eq!(after["worker"], before["worker"], "worker untouched");

    // check 2 + first 2 + again 1 + change 2: never more than 2 a run.
    assert_eq!(
        count_lines(node, "/tmp/commands.log"),
        7,
        "remote commands, counted on the node"
    );
}

#[test]
fn ansible_02_a_refused_setting_fails_naming_the_field_and_changes_nothing() {
    let Some(bin) = venv_bin("ansible_02") else {
        return;
    };
    let Some(nodes) = testbed::nodes("ansible_02", 2) else {
        return;
    };
    let inventory = format!(
        "{}{}",
        inventory_host("good", &nodes[0], ""),
        inventory_host("bad", &nodes[1], "web_command='sleep 5 ;evil'")
    );
    let tasks = "    - name: converge\n      supervisord_crate.supervision.supervisord:\n        services:\n          web:\n            settings:\n              command: \"{{ web_command | default('sleep 1000') }}\"\n              startsecs: 1\n";
    let clean = fingerprint(&nodes[1].upper(), VOLATILE);
    let run = play("02", &bin, &inventory, &playbook("all", tasks), &[]);
    assert_eq!(run.code, 2, "a failed host gives 2: {}", run.stderr);
    let bad = run.result("converge", "bad");
    assert_eq!(bad["failed"], true, "{bad:#}");
    assert_eq!(bad["field"], "services.web.settings.command", "{bad:#}");
    assert!(
        bad["msg"]
            .as_str()
            .unwrap()
            .starts_with("services.web.settings.command: "),
        "{bad:#}"
    );
    assert_eq!(
        fingerprint(&nodes[1].upper(), VOLATILE),
        clean,
        "nothing changed on the bad host"
    );
    assert_eq!(
        run.result("converge", "good")["changed"],
        true,
        "the good host went on"
    );
}

#[test]
fn ansible_03_the_service_module_follows_the_seed() {
    let Some(bin) = venv_bin("ansible_03") else {
        return;
    };
    let Some(nodes) = testbed::nodes("ansible_03", 1) else {
        return;
    };
    let inventory = inventory_host("n0", &nodes[0], "");
    let service = |name: &str, state: &str, extra: &str| {
        format!(
            "    - name: {name} {state}{}\n      supervisord_crate.supervision.supervisord_service:\n        name: {name}\n        state: {state}\n{extra}",
            if extra == "again" { " again" } else { "" }
        )
        .replace("\nagain", "\n")
    };
    let tasks = [
        supervisord_task("empty", "{}", "{}"),
        service("all", "restarted", ""),
        supervisord_task("converge", "{}", &sleepers("sleep 1000")),
        service("web", "started", ""),
        service("web", "stopped", ""),
        service("web", "stopped", "again"),
        service("worker", "stopped", ""),
        service("web", "restarted", ""),
        service("worker", "restarted", "        if_stopped: true\n"),
        service("web", "signalled", "        signal: HUP\n"),
        service("worker", "disabled", ""),
        service("worker", "enabled", ""),
    ]
    .concat();
    let run = play("03", &bin, &inventory, &playbook("all", &tasks), &[]);
    assert_eq!(run.code, 0, "{:#}", run.json);
    let changed = |task: &str| run.result(task, "n0")["changed"].as_bool().unwrap();
    assert!(!changed("all restarted"), "all with no programs is ok");
    assert!(!changed("web started"), "starting a running program is ok");
    assert!(changed("web stopped"));
    assert!(
        !changed("web stopped again"),
        "stopping a stopped program is ok"
    );
    assert!(changed("web restarted"), "restart starts a stopped program");
    let programs = pids(run.result("web restarted", "n0"));
    assert!(programs["web"] > 0, "{programs:?}");
    assert!(
        changed("worker restarted"),
        "if_stopped starts a stopped one"
    );
    assert!(changed("web signalled"));
    assert!(changed("worker disabled") && changed("worker enabled"));
}

#[test]
fn ansible_04_two_hundred_programs_travel_in_one_command() {
    let Some(bin) = venv_bin("ansible_04") else {
        return;
    };
    let Some(nodes) = testbed::nodes("ansible_04", 1) else {
        return;
    };
    let shell = install_command_counter(&nodes[0], "/tmp/commands.log");
    let inventory = inventory_host(
        "n0",
        &nodes[0],
        &format!("ansible_shell_executable={shell}"),
    );
    let services: String = (0..200)
        .map(|i| {
            format!(
                "p{i}: {{settings: {{command: 'sleep {}', startsecs: 0}}}}, ",
                10_000 + i
            )
        })
        .collect();
    let task = playbook(
        "all",
        &supervisord_task(
            "converge",
            "{install: {strategy: pip, version: 4.3.0}}",
            &format!("{{{services}}}"),
        ),
    );
    let first = play("04", &bin, &inventory, &task, &[]);
    let result = first.result("converge", "n0");
    assert_eq!(result["changed"], true, "{:#}", first.json);
    let programs = result["programs"].as_array().unwrap();
    assert_eq!(programs.len(), 200);
    assert!(
        programs.iter().all(|p| p["state"] == "RUNNING"),
        "{result:#}"
    );
    assert_eq!(
        count_lines(&nodes[0], "/tmp/commands.log"),
        2,
        "facts and apply, however large"
    );
    let again = play("04-again", &bin, &inventory, &task, &[]);
    assert_eq!(again.result("converge", "n0")["changed"], false);
}

#[test]
fn ansible_05_become_through_sudo() {
    let Some(bin) = venv_bin("ansible_05") else {
        return;
    };
    let Some(nodes) = testbed::nodes("ansible_05", 1) else {
        return;
    };
    let node = &nodes[0];
    let key = std::fs::read_to_string(testbed::client_key().with_extension("pub")).unwrap();
    let setup = node.ssh(&format!(
        "export DEBIAN_FRONTEND=noninteractive; (apt-get install -y -q sudo || (apt-get update -q && apt-get install -y -q sudo)) >/dev/null 2>&1 && \
         useradd -m -s /bin/sh deploy && mkdir -p ~deploy/.ssh && echo '{}' > ~deploy/.ssh/authorized_keys && \
         chown -R deploy: ~deploy/.ssh && usermod -p '*' deploy && echo 'deploy ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/deploy",
        key.trim()
    ));
    assert!(setup.status.success(), "{setup:?}");
    let inventory =
        inventory_host("n0", node, "").replace("ansible_user=root", "ansible_user=deploy");
    let tasks = format!(
        "{}      become: true\n{}",
        supervisord_task("with become", "{}", &sleepers("sleep 1000")),
        supervisord_task("without become", "{}", &sleepers("sleep 1001"))
    );
    let run = play("05", &bin, &inventory, &playbook("all", &tasks), &[]);
    let result = run.result("with become", "n0");
    assert_eq!(result["changed"], true, "{result:#}");
    assert!(pids(result).values().all(|pid| *pid > 0), "{result:#}");
    let owner = node.ssh("stat -c %U /etc/supervisor/conf.d/web.conf");
    assert_eq!(String::from_utf8_lossy(&owner.stdout).trim(), "root");
    let result = run.result("without become", "n0");
    assert_eq!(
        result["failed"], true,
        "deploy alone cannot write /etc: {result:#}"
    );
}

#[test]
fn ansible_doc_renders_both_modules() {
    let Some(bin) = venv_bin("ansible_doc") else {
        return;
    };
    let (_, installed) = collection(&bin);
    for module in ["supervisord", "supervisord_service", "supervisord_program"] {
        let text = output(
            Command::new(bin.join("ansible-doc"))
                .arg(format!("supervisord_crate.supervision.{module}"))
                .env("ANSIBLE_COLLECTIONS_PATH", installed)
                .env("ANSIBLE_NOCOLOR", "1")
                .env("ANSIBLE_HOME", workspace().join("target/ansible/home")),
        );
        assert!(text.contains("OPTIONS"), "{text}");
        assert!(text.contains("check_mode"), "{text}");
        assert!(text.contains("EXAMPLES"), "{text}");
        // The shared options come from the doc fragment.
        if module != "supervisord_service" {
            assert!(text.contains("accept_unpinned"), "{module}: {text}");
        }
    }
}

#[test]
fn ansible_collection_unit_tests_pass() {
    let Some(bin) = venv_bin("ansible_unit") else {
        return;
    };
    let out = Command::new(bin.join("python"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(workspace().join(COLLECTION).join("tests/unit"))
        .env("PYTHONPATH", workspace().join("ansible"))
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("skipped"), "{stdout}");
}

/// ansible-test bootstraps pip in each sanity venv from a URL this machine
/// cannot reach; a stand-in in its cache bootstraps from ensurepip instead,
/// and the requirements still come from PyPI.
const GET_PIP: &str = r#"import ensurepip, os, runpy, sys
saved = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
os.environ.clear()
os.environ.update(saved)
sys.argv = ["pip", "install"] + [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
"#;

#[test]
fn ansible_test_sanity_passes() {
    let Some(bin) = venv_bin("ansible_test_sanity") else {
        return;
    };
    let home = workspace().join("target/ansible-test-home");
    let cache = home.join(".ansible/test/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("get_pip_24_2.py"), GET_PIP).unwrap();
    let dir = workspace().join(COLLECTION);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(bin.join("ansible-test"))
        .current_dir(&dir)
        .args(["sanity", "--python", "3.11", "--color", "no"])
        .env("HOME", &home)
        .env("PATH", path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(dir.join("tests/output"));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "ansible-test sanity failed:\n{text}");
    let ran = text.matches("Running sanity test \"").count();
    assert!(ran >= 20, "every sanity test ran ({ran}):\n{text}");
}

#[test]
fn ansible_example_from_a_fresh_venv() {
    let Some(bin) = venv_bin("ansible_example") else {
        return;
    };
    let Some(nodes) = testbed::nodes("ansible_example", 1) else {
        return;
    };
    let (tarball, _) = collection(&bin);
    let dir = tempfile::Builder::new()
        .prefix("supd-ansible-")
        .tempdir()
        .unwrap();
    let dir = dir.path();
    let venv = dir.join("venv");
    output(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    let wheelhouse = workspace().join("target/wheelhouse");
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
            .arg(&wheelhouse)
            .arg("ansible-core==2.19.14")
            .arg(&wheel),
    );
    let collections = dir.join("collections");
    output(
        Command::new(venv.join("bin/ansible-galaxy"))
            .args(["collection", "install", "-p"])
            .arg(&collections)
            .arg(tarball)
            .env("ANSIBLE_HOME", dir.join("home")),
    );
    let port = free_port();
    let example = workspace().join("examples/ansible");
    let inventory = std::fs::read_to_string(example.join("inventory.ini")).unwrap();
    let host = inventory_host("web1", &nodes[0], "");
    let inventory = inventory
        .lines()
        .map(|line| {
            if line.starts_with("web1 ") {
                host.trim_end().to_string()
            } else {
                line.replace("8080", &port.to_string())
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("inventory.ini"), inventory).unwrap();
    let run = Command::new(venv.join("bin/ansible-playbook"))
        .current_dir(dir)
        .arg("-i")
        .arg(dir.join("inventory.ini"))
        .arg(example.join("site.yml"))
        .env("ANSIBLE_COLLECTIONS_PATH", &collections)
        .env("ANSIBLE_HOME", dir.join("home"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("example-app") && stdout.contains("RUNNING"),
        "{stdout}"
    );
    assert_eq!(
        http_status(port, std::time::Duration::from_secs(20)),
        Some(200),
        "the example app answers"
    );
}

/// Two roles on one host, each declaring its own services without knowing
/// the other: `web` owns the daemon with its program, `worker` shares it
/// (the same settings) with its own program and adds one more with the
/// program-level module. Both converge, stay idempotent, and each removes
/// only its own.
#[test]
fn ansible_06_two_roles_compose_on_one_host() {
    let Some(bin) = venv_bin("ansible_06") else {
        return;
    };
    let node = SandboxNode::new("ansible-roles");
    let root = node.root.display().to_string();
    let inventory = format!(
        "localhost ansible_connection=local ansible_python_interpreter={}\n",
        bin.join("python").display()
    );
    let settings = "{install: {strategy: pip, version: 4.3.0}}";
    let role = |services: &str, program: bool| {
        let mut tasks = format!(
            "- name: services\n  supervisord_crate.supervision.supervisord:\n    settings: {settings}\n    services: {services}\n    root: {root}\n"
        );
        if program {
            tasks.push_str(&format!(
                "- name: jobs\n  supervisord_crate.supervision.supervisord_program:\n    name: jobs\n    settings: {{command: sleep 3000, startsecs: 0}}\n    root: {root}\n"
            ));
        }
        tasks
    };
    let web = role(
        "{web: {settings: {command: sleep 1000, startsecs: 0}}}",
        false,
    );
    let playbook = "- hosts: localhost\n  gather_facts: false\n  roles: [web, worker]\n";
    let run = |worker: &str| {
        play_with(
            "06",
            &bin,
            &inventory,
            playbook,
            &[
                ("roles/web/tasks/main.yml", web.as_str()),
                ("roles/worker/tasks/main.yml", worker),
            ],
            &[],
        )
    };
    let worker = role(
        "{worker: {settings: {command: sleep 2000, startsecs: 0}}}",
        true,
    );
    let first = run(&worker);
    assert_eq!(first.code, 0, "{:#}\n{}", first.json, first.stderr);
    assert_eq!(first.stats("localhost")["changed"], 3, "{:#}", first.json);
    let second = run(&worker);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(
        second.stats("localhost")["changed"],
        0,
        "neither role undoes the other: {:#}",
        second.json
    );
    let states = |play: &Play| -> Vec<String> {
        let mut names: Vec<String> = play.result("worker : jobs", "localhost")["programs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p["name"].as_str().unwrap(),
                    p["state"].as_str().unwrap()
                )
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        states(&second),
        ["jobs RUNNING", "web RUNNING", "worker RUNNING"]
    );
    // The worker role drops its service: only its program goes.
    let fewer = role("{}", true);
    let third = run(&fewer);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert_eq!(states(&third), ["jobs RUNNING", "web RUNNING"]);
}
