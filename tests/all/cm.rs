//! What the Ansible and pyinfra tests share: the venv with ansible-core
//! and pyinfra (made by scripts/setup.sh) with this checkout's Python
//! package installed into it, and inventories of test-bed nodes.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::bindings::{components, output};
use crate::support::*;
use crate::testbed::{self, TestNode};

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

/// An Ansible inventory line for a test-bed node, with host-key checking.
pub fn inventory_host(name: &str, node: &TestNode, extra: &str) -> String {
    format!(
        "{name} ansible_host=127.0.0.1 ansible_port={} ansible_user=root ansible_ssh_private_key_file={} ansible_ssh_common_args='-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes' {extra}\n",
        node.port,
        testbed::client_key().display(),
        node.known_hosts().display()
    )
}

/// A shell wrapper on the node that logs one line per remote command to
/// `log` before running it: Ansible runs every command it sends through
/// `ansible_shell_executable`.
pub fn install_command_counter(node: &TestNode, log: &str) -> String {
    let script = format!(
        "cat > /usr/local/bin/supd-countsh <<'EOF'\n#!/bin/sh\necho \"$(id -un)\" >> {log}\nexec /bin/sh \"$@\"\nEOF\nchmod 755 /usr/local/bin/supd-countsh"
    );
    let out = node.ssh(&script);
    assert!(out.status.success(), "{out:?}");
    "/usr/local/bin/supd-countsh".into()
}

/// Lines of a file on the node (0 when missing).
pub fn count_lines(node: &TestNode, path: &str) -> usize {
    let out = node.ssh(&format!("cat {path} 2>/dev/null | wc -l"));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}
