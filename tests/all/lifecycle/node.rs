//! What the lifecycle walk checks on its sandbox node after every apply,
//! and applies cut short by a SIGKILL of their whole process group.

use std::collections::BTreeMap;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::model::Model;
use crate::support::*;

/// The scope every walk declares its programs in.
pub const SCOPE: &str = "walk";

/// A sandbox node for a walk, with the paths its checks read.
pub struct WalkNode {
    /// The node; its supervisord and programs end with it.
    pub node: SandboxNode,
}

impl WalkNode {
    /// A fresh node for `name`.
    pub fn new(name: &str) -> WalkNode {
        WalkNode {
            node: SandboxNode::new(name),
        }
    }

    fn socket(&self) -> String {
        self.node.path("run/supervisor.sock").display().to_string()
    }

    /// The spec that declares `model` on this node.
    pub fn spec(&self, model: &Model) -> PathBuf {
        let mut group = toml::Table::new();
        group.insert(
            "nodes".into(),
            toml::Value::Array(vec![toml::Value::String(self.node.address())]),
        );
        group.insert("settings".into(), to_toml(&model.settings()));
        let services = model.services();
        group.insert("services".into(), to_toml(&services));
        let mut groups = toml::Table::new();
        groups.insert("walk".into(), toml::Value::Table(group));
        let mut spec = toml::Table::new();
        spec.insert("scope".into(), toml::Value::String(SCOPE.into()));
        spec.insert("groups".into(), toml::Value::Table(groups));
        write_spec(
            &self.node.root,
            "walk.toml",
            &toml::to_string(&spec).unwrap(),
        )
    }

    /// Every process of this node's supervisord that runs, as (group,
    /// process name), sorted: a process that runs twice is there twice.
    pub fn running(&self) -> Vec<(String, String)> {
        let url = format!("SUPERVISOR_SERVER_URL=unix://{}", self.socket());
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let path = entry.path();
            let Ok(environ) = std::fs::read(path.join("environ")) else {
                continue;
            };
            let zombie = std::fs::read_to_string(path.join("stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit_once(')')
                        .map(|(_, r)| r.trim_start().starts_with('Z'))
                })
                .unwrap_or(true);
            let vars: Vec<String> = environ
                .split(|b| *b == 0)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect();
            if zombie || !vars.contains(&url) {
                continue;
            }
            let var = |name: &str| {
                vars.iter()
                    .find_map(|v| v.strip_prefix(&format!("{name}=")).map(str::to_string))
                    .unwrap_or_default()
            };
            found.push((var("SUPERVISOR_GROUP_NAME"), var("SUPERVISOR_PROCESS_NAME")));
        }
        found.sort();
        found
    }

    /// The program files on the node, by stem, with their first line.
    pub fn program_files(&self) -> BTreeMap<String, String> {
        let dir = self.node.path("etc/conf.d");
        std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let stem = name.strip_suffix(".conf")?.to_string();
                        if stem.starts_with('.') {
                            return None;
                        }
                        let text = std::fs::read_to_string(e.path()).ok()?;
                        Some((stem, text.lines().next().unwrap_or_default().to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What supervisor's own parser (the node's, in its virtual
    /// environment) reads from the configuration: groups and processes.
    pub fn parsed(&self) -> serde_json::Value {
        let python = self.node.path("venv/bin/python");
        let out = Command::new(&python)
            .arg(workspace().join("tests/lifecycle/read_config.py"))
            .arg(self.node.path("etc/supervisord.conf"))
            .output()
            .expect("the node's python runs");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "the parser said no JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// Asserts that the node is exactly `model`: its processes, each once;
    /// its program files, each of the walk's scope; and what supervisor's
    /// parser reads.
    pub fn assert_is(&self, model: &Model, context: &str) {
        let wanted = model.processes();
        let running = self.running();
        assert_eq!(
            running, wanted,
            "{context}: every wanted process runs exactly once, nothing else runs"
        );
        let files = self.program_files();
        assert_eq!(
            files.keys().cloned().collect::<Vec<_>>(),
            model.groups(),
            "{context}: the program files are exactly the wanted groups"
        );
        for (stem, head) in &files {
            assert!(
                head.contains(&format!("(scope {SCOPE})")),
                "{context}: {stem}.conf is the walk's: {head}"
            );
        }
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (group, process) in wanted {
            groups.entry(group).or_default().push(process);
        }
        assert_eq!(
            self.parsed(),
            serde_json::json!({ "groups": groups }),
            "{context}: supervisor's parser reads exactly the wanted programs"
        );
    }
}

fn to_toml(value: &serde_json::Value) -> toml::Value {
    toml::Value::try_from(value).expect("JSON settings are TOML too")
}

/// Applies `spec` and returns the run; panics with everything when it
/// fails.
pub fn apply(spec: &Path, context: &str) -> Run {
    let run = supd(&["apply", spec.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{context}: the apply succeeds: {run:#?}");
    run
}

/// Asserts that the next apply finds nothing to do: no change, and no
/// apply script run (one round trip, the facts).
pub fn assert_converged(spec: &Path, context: &str) {
    let run = apply(spec, context);
    let node = only_node(&run);
    let changed: Vec<&serde_json::Value> = node["steps"]
        .as_array()
        .map(|s| s.iter().filter(|s| s["status"] == "changed").collect())
        .unwrap_or_default();
    assert_eq!(
        (
            node["status"].as_str(),
            node["changed"].as_u64(),
            node["round_trips"].as_u64()
        ),
        (Some("ok"), Some(0), Some(1)),
        "{context}: the next apply changes nothing and runs no script; changed: {changed:#?}"
    );
}

/// The number of steps the plan of `spec` has now.
pub fn plan_steps(spec: &Path) -> usize {
    let run = supd(&["plan", spec.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    only_node(&run)["steps"].as_array().map_or(0, Vec::len)
}

/// A directory with an `sh` that runs every script as the node's shell
/// would, except that an apply script (it defines `supd_main`) kills supd
/// (its parent) and its own process group, the node's shell and all it
/// started, when step `$SUPD_TEST_KILL_AT` starts: exactly where its
/// progress line would go.
fn killing_shell() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = workspace().join("target/test-nodes/killing-shell");
        std::fs::create_dir_all(&dir).unwrap();
        let sh = dir.join("sh");
        std::fs::write(
            &sh,
            "#!/bin/sh\n\
             # The test's node shell: an apply script is killed at a step.\n\
             script=$(mktemp) || exit 70\n\
             cat > \"$script\"\n\
             if grep -q '^supd_main() {' \"$script\"; then\n\
             \x20   sed -i \"s/^    supd_progress $SUPD_TEST_KILL_AT /    kill -KILL \\\"\\$PPID\\\" 0; &/\" \"$script\"\n\
             fi\n\
             exec /bin/sh \"$@\" < \"$script\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sh, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    })
}

/// Applies `spec`, killed (SIGKILL to its whole process group) when step
/// `step` of its plan starts.
pub fn killed_apply(spec: &Path, step: usize, context: &str) {
    let path = format!(
        "{}:{}",
        killing_shell().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new(env!("CARGO_BIN_EXE_supd"))
        .args(["apply", spec.to_str().unwrap(), "--format", "json"])
        .env("PATH", path)
        .env("SUPD_TEST_KILL_AT", step.to_string())
        .env(
            "XDG_CACHE_HOME",
            workspace().join("target").join("test-cache"),
        )
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("supd runs");
    assert_eq!(
        status.signal(),
        Some(9),
        "{context}: the apply was killed at step {step} ({status:?})"
    );
}
