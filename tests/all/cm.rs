//! What the Ansible and pyinfra tests share: the venv with ansible-core
//! and pyinfra (made by scripts/setup.sh) with this checkout's Python
//! package installed into it, and (from `test-support`) inventories of
//! test-bed nodes.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

pub use test_support::cm::*;

use crate::bindings::{components, output};
use crate::support::*;
use crate::testbed;

/// target/cm-venv/bin, with the package built from python/ installed, or
/// None (the skip is recorded) when setup has not made the venv.
pub fn venv_bin(test: &str) -> Option<PathBuf> {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let bin = workspace().join("target/cm-venv/bin");
        if !bin.join("ansible-playbook").exists() || !bin.join("pyinfra").exists() {
            return Err("target/cm-venv is missing (run scripts/setup.sh)".into());
        }
        components();
        let dist = workspace().join("target/cm-dist");
        let _ = std::fs::remove_dir_all(&dist);
        output(
            Command::new(bin.join("pip"))
                .args(["wheel", "--no-deps", "--no-index", "-q", "-w"])
                .arg(&dist)
                .arg(workspace().join("python")),
        );
        let wheel = std::fs::read_dir(&dist)
            .unwrap()
            .map(|e| e.unwrap().path())
            .next()
            .expect("a wheel");
        output(
            Command::new(bin.join("pip"))
                .args(["install", "-q", "--no-deps", "--force-reinstall"])
                .arg(&wheel),
        );
        Ok(bin)
    });
    match ready {
        Ok(bin) => Some(bin.clone()),
        Err(reason) => {
            testbed::skip(test, reason);
            None
        }
    }
}
