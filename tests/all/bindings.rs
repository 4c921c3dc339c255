//! The same component in three hosts nobody here wrote the runtime of:
//! wasmtime (Rust, `supd call`), jco (Node.js) and wasmtime-py (Python)
//! give byte-identical canonical JSON for every shared case.

use std::path::PathBuf;
use std::process::Command;

use crate::support::*;

fn cases() -> PathBuf {
    workspace().join("bindings/cases.json")
}

fn component() -> PathBuf {
    let workspace =
        component_build::Workspace::from_member(&workspace().join("host-harness"), None);
    workspace
        .build(&component_build::PLUGIN)
        .expect("the plugin builds")
}

/// What the Rust host prints for the shared cases.
fn rust_results() -> String {
    let run = supd(&["call", "--cases", cases().to_str().unwrap()]);
    run.expect_code(0);
    let lines = run.stdout.lines().count();
    assert!(lines >= 10, "at least 10 shared cases, got {lines}");
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

fn output(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn javascript_host_through_jco_matches_rust() {
    let js = workspace().join("bindings/js");
    if !js.join("node_modules/@bytecodealliance/jco").exists() {
        return crate::testbed::skip(
            "javascript_host_through_jco_matches_rust",
            "jco is not installed (run scripts/setup.sh)",
        );
    }
    let wasm = component();
    output(
        Command::new("node")
            .current_dir(&js)
            .args(["node_modules/.bin/jco", "transpile"])
            .arg(&wasm)
            .args([
                "--out-dir",
                "generated/supervisord",
                "--name",
                "supervisord",
                "--no-typescript",
                "--quiet",
            ]),
    );
    let theirs = output(
        Command::new("node")
            .current_dir(&js)
            .arg("run-cases.mjs")
            .arg(cases()),
    );
    compare("jco", &theirs, &rust_results());
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
    let wasm = component();
    let dir = workspace().join("bindings/python");
    let theirs = output(
        Command::new(&python)
            .current_dir(&dir)
            .arg("run_cases.py")
            .arg(&wasm)
            .arg(cases()),
    );
    compare("wasmtime-py", &theirs, &rust_results());

    // Typed errors become exceptions in the Python wrapper.
    let check = r#"
import sys
from supervision_host import SupervisionProvider, ProviderError
p = SupervisionProvider(sys.argv[1])
try:
    p.invoke("config-map", ["app-deploy", "{}"])
except ProviderError as e:
    print(e.kind, e.field)
else:
    print("no exception")
print(p.invoke("check-programs", [[]]))
"#;
    let out = output(
        Command::new(&python)
            .current_dir(&dir)
            .args(["-c", check])
            .arg(&wasm),
    );
    assert_eq!(out, "not-implemented facility\nNone\n");
}
