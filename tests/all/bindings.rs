//! The same components in three hosts nobody here wrote the runtime of:
//! wasmtime (Rust, `supd call`), jco (Node.js) and wasmtime-py (Python)
//! give byte-identical canonical JSON for every shared case, facts
//! scripts, apply scripts and reports included; and the JavaScript host
//! converges a sandbox node with nothing but a local shell as transport.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::support::*;

fn cases() -> PathBuf {
    workspace().join("bindings/cases.json")
}

/// The components directory, with the provider, node-script and app-deploy
/// components built (once per test run).
pub fn components() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let workspace =
            component_build::Workspace::from_member(&workspace().join("host-harness"), None);
        for guest in [
            component_build::PLUGIN,
            component_build::NODE_SCRIPT,
            component_build::APP_DEPLOY,
        ] {
            workspace.build(&guest).expect("the components build");
        }
        workspace.components_dir()
    })
}

/// What the Rust host prints for the shared cases.
fn rust_results() -> String {
    let run = supd(&["call", "--cases", cases().to_str().unwrap()]);
    run.expect_code(0);
    let lines = run.stdout.lines().count();
    assert!(lines >= 25, "at least 25 shared cases, got {lines}");
    assert!(
        run.stdout.contains("\"name\":\"ns-apply-script\""),
        "node-script cases are shared too"
    );
    run.stdout
}

fn compare(host: &str, theirs: &str, ours: &str) {
    for (line, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
        assert_eq!(a, b, "{host} differs from Rust in case {}", line + 1);
    }
    assert_eq!(
        ours.lines().count(),
        theirs.lines().count(),
        "{host} ran every case"
    );
}

pub fn output(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// bindings/js with every component transpiled, or None when jco is
/// missing (the skip is recorded).
fn transpiled(test: &str) -> Option<PathBuf> {
    let js = workspace().join("bindings/js");
    if !js.join("node_modules/@bytecodealliance/jco").exists() {
        crate::testbed::skip(test, "jco is not installed (run scripts/setup.sh)");
        return None;
    }
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        for name in ["supervisord", "node-script", "app-deploy"] {
            output(
                Command::new("node")
                    .current_dir(&js)
                    .args(["node_modules/.bin/jco", "transpile"])
                    .arg(components().join(format!("{name}.wasm")))
                    .args(["--out-dir", &format!("generated/{name}"), "--name", name])
                    .args(["--no-typescript", "--quiet"]),
            );
        }
    });
    Some(js)
}

#[test]
fn javascript_host_through_jco_matches_rust() {
    let Some(js) = transpiled("javascript_host_through_jco_matches_rust") else {
        return;
    };
    let theirs = output(
        Command::new("node")
            .current_dir(&js)
            .arg("run-cases.mjs")
            .arg(cases()),
    );
    compare("jco", &theirs, &rust_results());
}

#[test]
fn javascript_converges_a_sandbox_node() {
    let Some(js) = transpiled("javascript_converges_a_sandbox_node") else {
        return;
    };
    let node = SandboxNode::new("js-converge");
    let program = format!(
        r#"
import {{ supervision, localRunner }} from './converge.mjs';
const {{ converge }} = await supervision();
const settings = {{ install: {{ strategy: 'pip', version: '4.3.0' }} }};
const services = {{ web: {{ settings: {{ command: 'sleep 1000', startsecs: 1 }} }} }};
for (const mode of ['check', 'apply', 'apply']) {{
  const r = await converge(settings, services, localRunner, {{ mode, root: {root:?} }});
  console.log(r.outcome, r.changed, r['round-trips'], r.error);
}}
"#,
        root = node.root.display().to_string()
    );
    let out =
        output(
            Command::new("node")
                .current_dir(&js)
                .args(["--input-type=module", "-e", &program]),
        );
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("changed "),
        "check mode would change: {out}"
    );
    assert!(
        lines[1].starts_with("changed ") && lines[1].ends_with(" 2 null"),
        "{out}"
    );
    assert_eq!(
        lines[2], "ok 0 1 null",
        "the second apply changes nothing: {out}"
    );
    assert!(node.supervisord_pid().is_some(), "supervisord runs");
}

#[test]
fn python_host_through_wasmtime_py_matches_rust() {
    let python = workspace().join("target/py-venv/bin/python");
    if !python.exists() {
        return crate::testbed::skip(
            "python_host_through_wasmtime_py_matches_rust",
            "the Python venv is missing (run scripts/setup.sh)",
        );
    }
    let theirs = output(
        Command::new(&python)
            .env("PYTHONPATH", workspace().join("python/src"))
            .env("SUPERVISION_COMPONENTS_DIR", components())
            .arg(workspace().join("bindings/python/run_cases.py"))
            .arg(cases()),
    );
    compare("wasmtime-py", &theirs, &rust_results());
}
