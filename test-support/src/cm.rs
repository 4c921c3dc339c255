//! Ansible inventories of test-bed nodes, and counting the commands a
//! CM system sends: what the Ansible and pyinfra tests and the benchmarks
//! share.

use crate::testbed::{self, TestNode};

/// An Ansible inventory line for a test-bed node, with host-key checking;
/// `extra` adds host variables.
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
