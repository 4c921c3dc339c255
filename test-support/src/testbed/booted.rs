//! A test node that boots systemd as PID 1: `systemd-nspawn --boot` over an
//! overlay of the cached bookworm-with-systemd root, in a private mount
//! namespace of its own, sharing the host's network so its sshd answers on
//! its own 127.0.0.1 port. A reboot inside it ends nspawn with status 133
//! (as systemd-nspawn@.service expects); the node then boots again over the
//! same overlay, as a machine does. Dropping the node kills its PID
//! namespace: nothing outlives the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::node::seed_upper;
use crate::support::{descendants, free_port, scratch};

/// A node running systemd.
pub struct BootedNode {
    /// Test-local directory: overlay layers, keys, known_hosts.
    pub dir: PathBuf,
    /// sshd's port on 127.0.0.1.
    pub port: u16,
    keeper: Mutex<Option<Child>>,
    client_key: PathBuf,
}

impl BootedNode {
    /// Boots a node named `name` over `rootfs` (which has systemd).
    pub fn start(name: &str, rootfs: &Path, client_key: &Path) -> Result<BootedNode, String> {
        let dir = scratch(&format!("booted-{name}"));
        let (upper, work, merged) = (dir.join("upper"), dir.join("work"), dir.join("merged"));
        for d in [&upper, &work, &merged] {
            std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
        }
        seed_upper(&upper, &dir, client_key)?;
        let port = free_port();
        super::node::write_known_hosts(&dir, port)?;
        // sshd listens on its own port of the shared loopback.
        std::fs::create_dir_all(upper.join("etc/ssh/sshd_config.d")).map_err(|e| e.to_string())?;
        std::fs::write(
            upper.join("etc/ssh/sshd_config.d/supd.conf"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey /etc/ssh/supd_host_key\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nStrictModes no\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(upper.join("etc/hostname"), format!("{name}\n"))
            .map_err(|e| e.to_string())?;
        let machine = format!("supd-{}", name.replace('_', "-"));
        let script = format!(
            r#"set -e
mount -t overlay overlay -o lowerdir={lower},upperdir={upper},workdir={work} {m}
while :; do
    rc=0
    systemd-nspawn --boot --register=no --keep-unit --quiet --console=pipe -D {m} -M {machine} </dev/null >/dev/null 2>&1 || rc=$?
    [ "$rc" = 133 ] || exit "$rc"
    echo reboot >> {dir}/boots
done
"#,
            lower = rootfs.display(),
            upper = upper.display(),
            work = work.display(),
            m = merged.display(),
            dir = dir.display(),
        );
        let child = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run unshare: {e}"))?;
        let node = BootedNode {
            dir,
            port,
            keeper: Mutex::new(Some(child)),
            client_key: client_key.to_path_buf(),
        };
        node.wait_for_ssh(Duration::from_secs(60))?;
        Ok(node)
    }

    /// Waits until sshd answers a login.
    pub fn wait_for_ssh(&self, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(child) = self.keeper.lock().unwrap().as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!("the node stopped ({status})"));
            }
            if self.ssh("true").status.success() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(format!(
            "sshd did not answer on port {} within {limit:?}",
            self.port
        ))
    }

    /// `ssh://root@127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("ssh://root@127.0.0.1:{}", self.port)
    }

    /// The known_hosts file holding this node's key.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// Runs a shell command on the node over SSH.
    pub fn ssh(&self, command: &str) -> std::process::Output {
        Command::new("ssh")
            .arg("-i")
            .arg(&self.client_key)
            .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
            .args(["-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=3"])
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.known_hosts().display()
            ))
            .args(["-p", &self.port.to_string(), "root@127.0.0.1", command])
            .stdin(Stdio::null())
            .output()
            .expect("ssh runs")
    }

    /// Reboots the node and waits until it answers again.
    pub fn reboot(&self) -> Result<(), String> {
        let before = self.reboots();
        let _ = self.ssh("systemctl reboot");
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.reboots() == before {
            if Instant::now() > deadline {
                return Err("the node did not reboot".into());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        self.wait_for_ssh(Duration::from_secs(60))
    }

    fn reboots(&self) -> usize {
        std::fs::read_to_string(self.dir.join("boots"))
            .map(|text| text.lines().count())
            .unwrap_or(0)
    }
}

impl Drop for BootedNode {
    fn drop(&mut self) {
        if let Some(mut child) = self.keeper.lock().unwrap().take() {
            // Every process below the keeper (nspawn, the container's
            // systemd and all it runs), children first.
            let pids = descendants(child.id() as i32);
            for pid in pids.iter().rev() {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
