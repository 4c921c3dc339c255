//! The Python package: its own tests (pytest: `converge`, `service` and
//! `status` on sandbox nodes with real supervisord, bounds, the code
//! cache), and its wheel installed offline into a fresh venv running the
//! README's example.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bindings::{components, output};
use crate::support::*;

fn venv_python(test: &str) -> Option<PathBuf> {
    let python = workspace().join("target/py-venv/bin/python");
    if python.exists() {
        Some(python)
    } else {
        crate::testbed::skip(test, "the Python venv is missing (run scripts/setup.sh)");
        None
    }
}

#[test]
fn python_package_tests_pass() {
    let Some(python) = venv_python("python_package_tests_pass") else {
        return;
    };
    // The hostile fixture (a component that imports WASI) is one of them.
    crate::containment::hostile();
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(workspace().join("python/tests"))
        .env("PYTHONPATH", workspace().join("python/src"))
        .env("SUPERVISION_COMPONENTS_DIR", components())
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        .output()
        .expect("pytest runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "pytest failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout.contains("skipped"),
        "no Python test skips: {stdout}"
    );
}

/// The Python package README's example (the code block that calls
/// `converge`).
fn readme_example() -> String {
    let readme = std::fs::read_to_string(workspace().join("python/README.md")).unwrap();
    readme
        .split("```python\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("converge("))
        .expect("python/README.md has a Python converge example")
        .to_string()
}

#[test]
fn the_wheel_installs_offline_into_a_fresh_venv_and_runs_the_readme_example() {
    let Some(python) = venv_python("the_wheel_installs_offline") else {
        return;
    };
    let wheelhouse = workspace().join("target/wheelhouse");
    assert!(
        wheelhouse.exists(),
        "scripts/setup.sh downloads wasmtime's wheel into target/wheelhouse"
    );
    components();
    let dir = tempfile::Builder::new()
        .prefix("supd-wheel-")
        .tempdir()
        .unwrap();
    let dir = dir.path();
    let dist = dir.join("dist");
    output(
        Command::new(&python)
            .args(["-m", "pip", "wheel", "--no-deps", "--no-index", "-q", "-w"])
            .arg(&dist)
            .arg(workspace().join("python")),
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    let wheel = &wheels[0];
    assert!(
        wheel.to_string_lossy().ends_with("-py3-none-any.whl"),
        "a pure wheel: {}",
        wheel.display()
    );
    let listing = output(Command::new(&python).args([
        "-c",
        "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        wheel.to_str().unwrap(),
    ]));
    for component in ["supervisord", "node-script", "app-deploy"] {
        assert!(
            listing.contains(&format!("supervision/components/{component}.wasm")),
            "the wheel bundles {component}: {listing}"
        );
    }
    assert!(listing.contains("supervision/py.typed"), "{listing}");

    let venv = dir.join("venv");
    output(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    output(
        Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check", "--no-index"])
            .arg("--find-links")
            .arg(&wheelhouse)
            .arg(wheel),
    );

    let port = free_port();
    let example = readme_example().replace("8080", &port.to_string());
    let work = dir.join("w");
    std::fs::create_dir_all(&work).unwrap();
    let node = Killer(work.join(".supd/nodes/py/opt/supervisord/run/supervisord.pid"));
    let run = |code: &str| {
        Command::new(venv.join("bin/python"))
            .current_dir(&work)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env_remove("PYTHONPATH")
            .env_remove("SUPERVISION_COMPONENTS_DIR")
            .args(["-c", code])
            .output()
            .unwrap()
    };
    let first = run(&example);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.starts_with("changed 2\n"), "{stdout}");
    assert!(
        stdout.contains("settings.install.strategy"),
        "the example's bad settings name the field: {stdout}"
    );
    assert_eq!(
        http_status(port, std::time::Duration::from_secs(20)),
        Some(200),
        "the example's app answers"
    );
    let again = run(&example);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.starts_with("ok 1\n"), "idempotent: {stdout}");
    drop(node);
}

/// Kills a supervisord by its pid file when dropped.
struct Killer(PathBuf);

impl Drop for Killer {
    fn drop(&mut self) {
        kill_supervisord(Path::new(&self.0));
    }
}
