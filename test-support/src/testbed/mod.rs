//! The test bed: real Debian nodes reached over real OpenSSH.
//!
//! Needs root (mounts and namespaces), debootstrap, unshare, nsenter and
//! the OpenSSH client; `scripts/setup.sh` installs the packages. Without
//! them a test prints why it skips and records it in
//! `target/skipped-tests.txt`; with `CI=true` a missing piece fails instead.

mod booted;
mod node;
mod rootfs;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

pub use booted::BootedNode;
pub use node::TestNode;

use crate::support::workspace;

/// What every node needs: the Debian root and the client key.
struct Bed {
    rootfs: PathBuf,
    client_key: PathBuf,
}

fn bed() -> Result<&'static Bed, String> {
    static BED: OnceLock<Result<Bed, String>> = OnceLock::new();
    BED.get_or_init(|| {
        check_tools()?;
        let rootfs = rootfs::bookworm()?;
        let client_key = workspace().join("target/testbed-client-key");
        if !client_key.exists() {
            let status = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "supd-tests", "-f"])
                .arg(&client_key)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err("ssh-keygen failed".into());
            }
        }
        Ok(Bed { rootfs, client_key })
    })
    .as_ref()
    .map_err(Clone::clone)
}

fn check_tools() -> Result<(), String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Err("needs root (overlay mounts and namespaces)".into());
    }
    for tool in [
        "debootstrap",
        "unshare",
        "nsenter",
        "ssh",
        "ssh-keygen",
        "mount",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map_err(|e| e.to_string())?;
        if !found.status.success() {
            return Err(format!("needs {tool} (run scripts/setup.sh)"));
        }
    }
    Ok(())
}

/// Starts `count` nodes of Debian `release` (its root made on first use)
/// for `test`, or records why the test skips (and fails instead when
/// CI=true).
pub fn nodes_of(test: &str, count: usize, release: &str) -> Option<Vec<TestNode>> {
    let bed = match bed() {
        Ok(bed) => bed,
        Err(reason) => {
            skip(test, &reason);
            return None;
        }
    };
    let rootfs = match rootfs::debian(release, "") {
        Ok(rootfs) => rootfs,
        Err(reason) => {
            skip(test, &format!("no Debian {release} root: {reason}"));
            return None;
        }
    };
    let nodes = (0..count)
        .map(|i| TestNode::start(&format!("{test}-{i}"), &rootfs, &bed.client_key))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{test}: starting a node: {e}"));
    Some(nodes)
}

/// Boots a node with systemd as PID 1 for `test`, or records why the test
/// skips (and fails instead when CI=true).
pub fn booted(test: &str) -> Option<BootedNode> {
    let bed = match bed() {
        Ok(bed) => bed,
        Err(reason) => {
            skip(test, &reason);
            return None;
        }
    };
    let found = Command::new("sh")
        .args(["-c", "command -v systemd-nspawn"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        skip(
            test,
            "needs systemd-nspawn (Debian's systemd-container; run scripts/setup.sh)",
        );
        return None;
    }
    let rootfs = match rootfs::debian("bookworm", rootfs::SYSTEMD) {
        Ok(rootfs) => rootfs,
        Err(reason) => {
            skip(test, &format!("no bookworm root with systemd: {reason}"));
            return None;
        }
    };
    Some(
        BootedNode::start(test, &rootfs, &bed.client_key)
            .unwrap_or_else(|e| panic!("{test}: booting a node: {e}")),
    )
}

/// Starts `count` nodes for `test`, or records why the test skips (and
/// fails instead when CI=true).
pub fn nodes(test: &str, count: usize) -> Option<Vec<TestNode>> {
    let bed = match bed() {
        Ok(bed) => bed,
        Err(reason) => {
            skip(test, &reason);
            return None;
        }
    };
    let nodes = (0..count)
        .map(|i| TestNode::start(&format!("{test}-{i}"), &bed.rootfs, &bed.client_key))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{test}: starting a node: {e}"));
    Some(nodes)
}

/// The client key every node accepts.
pub fn client_key() -> PathBuf {
    bed().map(|b| b.client_key.clone()).unwrap_or_default()
}

/// Records that `test` cannot run here and why; fails instead when CI=true.
pub fn skip(test: &str, reason: &str) {
    crate::skip::skip(test, &format!("the test bed is unavailable: {reason}"));
}
