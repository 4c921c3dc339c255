//! Nodes over SSH through the system's OpenSSH client. The first script
//! opens a master connection (ControlMaster=auto, ControlPersist) that
//! every later script reuses, so only the first pays for a handshake and
//! each script is one round trip.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Bounds, Output, Transport, TransportError, run_with_stdin};
use crate::spec::SshOptions;

/// An OpenSSH connection to one node.
pub struct Ssh {
    label: String,
    destination: String,
    options: Vec<String>,
    control_dir: PathBuf,
    trips: AtomicUsize,
    bounds: Bounds,
}

impl Ssh {
    /// Prepares a connection; the first `run` makes it (and fails if the
    /// node cannot be reached or its host key does not check out).
    pub fn connect(
        user: Option<&str>,
        host: &str,
        port: u16,
        ssh: &SshOptions,
        label: String,
        bounds: Bounds,
    ) -> Result<Ssh, TransportError> {
        let connect_error = |detail: String| TransportError::Connect {
            node: label.clone(),
            detail,
        };
        let control_dir = control_dir()
            .map_err(|e| connect_error(format!("cannot create a control directory: {e}")))?;
        // The user's options first: OpenSSH keeps the first value it sees.
        let mut options: Vec<String> = ssh
            .options
            .iter()
            .flat_map(|option| ["-o".to_string(), option.clone()])
            .collect();
        options.extend(
            [
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=10",
                "-o",
                "ServerAliveInterval=5",
                "-o",
                "ServerAliveCountMax=3",
                "-o",
                "LogLevel=ERROR",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        options.push("-o".into());
        options.push(format!("ControlPath={}/%C", control_dir.display()));
        options.push("-p".into());
        options.push(port.to_string());
        options.push("-o".into());
        options.push(format!(
            "StrictHostKeyChecking={}",
            if ssh.accept_new_host_keys {
                "accept-new"
            } else {
                "yes"
            }
        ));
        if let Some(known_hosts) = &ssh.known_hosts {
            options.push("-o".into());
            options.push(format!("UserKnownHostsFile={}", known_hosts.display()));
        }
        if let Some(identity) = &ssh.identity {
            options.extend([
                "-o".into(),
                "IdentitiesOnly=yes".into(),
                "-i".into(),
                identity.display().to_string(),
            ]);
        }
        let destination = match user {
            Some(user) => format!("{user}@{host}"),
            None => host.to_string(),
        };
        Ok(Ssh {
            label,
            destination,
            options,
            control_dir,
            trips: AtomicUsize::new(0),
            bounds,
        })
    }
}

impl Transport for Ssh {
    fn run_streaming(
        &self,
        script: &str,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<Output, TransportError> {
        let first = self.trips.fetch_add(1, Ordering::Relaxed) == 0;
        let mut command = Command::new("ssh");
        command
            .args(&self.options)
            // The first run becomes the master and stays in the background
            // (its standard streams detached) for the runs after it.
            .args(["-o", "ControlMaster=auto", "-o", "ControlPersist=120"])
            .arg("--")
            .arg(&self.destination)
            .args(["sh", "-s"]);
        let output = run_with_stdin(command, script, on_line, self.bounds).map_err(|e| {
            TransportError::Run {
                node: self.label.clone(),
                detail: e.to_string(),
            }
        })?;
        // ssh itself exits 255 when the connection fails or drops.
        if output.code == Some(255) {
            let detail = output.stderr.trim().to_string();
            return Err(if first {
                TransportError::Connect {
                    node: self.label.clone(),
                    detail,
                }
            } else {
                TransportError::Run {
                    node: self.label.clone(),
                    detail: format!("ssh exited 255: {detail}"),
                }
            });
        }
        Ok(output)
    }

    fn round_trips(&self) -> usize {
        self.trips.load(Ordering::Relaxed)
    }
}

impl Drop for Ssh {
    fn drop(&mut self) {
        if self.trips.load(Ordering::Relaxed) == 0 {
            let _ = std::fs::remove_dir_all(&self.control_dir);
            return;
        }
        let _ = Command::new("ssh")
            .args(&self.options)
            .args(["-O", "exit", "--"])
            .arg(&self.destination)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.control_dir);
    }
}

/// A private directory for control sockets, short enough for unix socket
/// paths, under a name no one can guess (and so plant first).
fn control_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "supd-{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        &super::random_hex()[..8]
    ));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_options_come_first_so_they_win() {
        let options = SshOptions {
            options: vec!["ConnectTimeout=30".into(), "ProxyJump=bastion".into()],
            ..SshOptions::default()
        };
        let ssh = Ssh::connect(
            Some("deploy"),
            "web1",
            2222,
            &options,
            "web1".into(),
            Bounds::default(),
        )
        .unwrap();
        assert_eq!(
            ssh.options[..4],
            ["-o", "ConnectTimeout=30", "-o", "ProxyJump=bastion"]
        );
        let ours = ssh.options.iter().position(|o| o == "ConnectTimeout=10");
        assert!(ours > Some(3), "the default follows: {:?}", ssh.options);
        assert_eq!(ssh.destination, "deploy@web1");
        assert!(ssh.options.windows(2).any(|w| w == ["-p", "2222"]));
    }
}
