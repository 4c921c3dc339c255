//! The Debian roots test nodes start from (bookworm for most; bullseye
//! and trixie for one case each; bookworm with systemd for nodes that
//! boot): made once with debootstrap and kept between runs (and between
//! clones) under /var/tmp/supervisord-crate.

use std::fs::File;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Packages beyond minbase: what an SSH-managed node has. python3-venv
/// and supervisor are not here: the plans install them.
const INCLUDE: &str = "openssh-server,python3,ca-certificates,procps";

/// Bump to rebuild cached roots after changing what they contain.
const VERSION: u32 = 1;

/// The cached bookworm root, made if missing.
pub fn bookworm() -> Result<PathBuf, String> {
    debian("bookworm", "")
}

/// Packages a node that boots systemd as PID 1 needs beyond minbase.
pub const SYSTEMD: &str = "systemd,systemd-sysv,dbus";

/// The cached root of Debian `release` with `extra` packages (comma list)
/// beyond what every node has, made if missing. Concurrent callers
/// (parallel tests, parallel runs) wait for one build.
pub fn debian(release: &str, extra: &str) -> Result<PathBuf, String> {
    let cache = std::env::var_os("SUPD_TESTBED_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/supervisord-crate"));
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let name = if extra.is_empty() {
        format!("{release}-minbase-v{VERSION}")
    } else {
        format!("{release}-{}-v{VERSION}", extra.replace(',', "+"))
    };
    let root = cache.join(&name);
    let lock = File::create(cache.join("rootfs.lock")).map_err(|e| e.to_string())?;
    lock.lock()
        .map_err(|e| format!("locking the root cache: {e}"))?;
    if root.join("usr/sbin/sshd").exists() {
        return Ok(root);
    }
    let partial = cache.join(format!("{name}.partial"));
    let include = if extra.is_empty() {
        INCLUDE.to_string()
    } else {
        format!("{INCLUDE},{extra}")
    };
    let _ = std::fs::remove_dir_all(&partial);
    let started = Instant::now();
    let output = Command::new("debootstrap")
        .args([
            "--variant=minbase",
            &format!("--include={include}"),
            release,
        ])
        .arg(&partial)
        .arg("http://deb.debian.org/debian")
        .output()
        .map_err(|e| format!("cannot run debootstrap: {e}"))?;
    if !output.status.success() {
        let log = String::from_utf8_lossy(&output.stdout);
        let tail: Vec<&str> = log.lines().rev().take(10).collect();
        return Err(format!(
            "debootstrap failed: {}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    // The node's own host keys are generated per node; none is shared.
    for entry in std::fs::read_dir(partial.join("etc/ssh"))
        .map_err(|e| e.to_string())?
        .flatten()
    {
        if entry.file_name().to_string_lossy().starts_with("ssh_host_") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    std::fs::rename(&partial, &root).map_err(|e| e.to_string())?;
    eprintln!(
        "testbed: made the Debian {release} root ({name}) in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(root)
}
