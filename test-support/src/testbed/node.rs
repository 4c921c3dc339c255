//! One test node: an overlay over the cached Debian root, its own PID and
//! mount namespaces (`unshare`), a reaping init inside a chroot, and sshd
//! on its own 127.0.0.1 port with its own host key. Dropping the node
//! kills the namespace's init, which takes every process of the node with
//! it (supervisord and its programs included) and its mounts vanish with
//! the namespace: nothing outlives the test, whatever way it ends.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{descendants, free_port, scratch};

/// A running test node.
pub struct TestNode {
    /// Test-local directory: overlay layers, keys, known_hosts.
    pub dir: PathBuf,
    /// sshd's port on 127.0.0.1.
    pub port: u16,
    init: Child,
    init_pid: i32,
    sshd: Option<Child>,
    client_key: PathBuf,
}

impl TestNode {
    /// Starts a node named `name` over `rootfs`; `client_key` may log in.
    pub fn start(name: &str, rootfs: &Path, client_key: &Path) -> Result<TestNode, String> {
        let started = Instant::now();
        let dir = scratch(&format!("testbed-{name}"));
        let (upper, work, merged) = (dir.join("upper"), dir.join("work"), dir.join("merged"));
        for d in [&upper, &work, &merged] {
            std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
        }
        seed_upper(&upper, &dir, client_key)?;
        let port = free_port();
        write_known_hosts(&dir, port)?;
        let script = format!(
            r#"set -e
mount -t overlay overlay -o lowerdir={lower},upperdir={upper},workdir={work} {m}
mount -t proc proc {m}/proc
mount --rbind /dev {m}/dev
mount -t tmpfs -o mode=755 tmpfs {m}/run
mkdir -p {m}/run/sshd
exec chroot {m} /bin/sh -c 'while :; do sleep 1 & wait; done'
"#,
            lower = rootfs.display(),
            upper = upper.display(),
            work = work.display(),
            m = merged.display()
        );
        let init = Command::new("unshare")
            .args([
                "--pid",
                "--mount",
                "--fork",
                "--kill-child",
                "--propagation",
                "private",
                "sh",
                "-c",
                &script,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run unshare: {e}"))?;
        let mut node = TestNode {
            dir,
            port,
            init_pid: 0,
            init,
            sshd: None,
            client_key: client_key.to_path_buf(),
        };
        node.init_pid = node.wait_for_init()?;
        node.start_sshd()?;
        eprintln!(
            "testbed: node {name} up on port {port} in {:.2}s",
            started.elapsed().as_secs_f64()
        );
        Ok(node)
    }

    /// The pid (in our namespace) of the node's init, once its root is in
    /// place.
    fn wait_for_init(&mut self) -> Result<i32, String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.init.try_wait().map_err(|e| e.to_string())? {
                let mut err = String::new();
                use std::io::Read;
                if let Some(mut stderr) = self.init.stderr.take() {
                    let _ = stderr.read_to_string(&mut err);
                }
                return Err(format!("the node's init exited ({status}): {err}"));
            }
            // The process whose root is the node's merged tree, once its
            // mounts are in place (a /run/sshd of the host's own proves
            // nothing).
            let merged = self.dir.join("merged");
            if let Some(pid) = descendants(self.init.id() as i32).into_iter().find(|pid| {
                std::fs::read_link(format!("/proc/{pid}/root")).is_ok_and(|r| r == merged)
            }) && Path::new(&format!("/proc/{pid}/root/run/sshd")).exists()
            {
                return Ok(pid);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("the node's root did not come up within 20s".into())
    }

    /// Starts sshd inside the node (again, after `stop_sshd`).
    pub fn start_sshd(&mut self) -> Result<(), String> {
        let port = self.port.to_string();
        let child = Command::new("nsenter")
            .args([
                "--target",
                &self.init_pid.to_string(),
                "--pid",
                "--mount",
                "--root",
                "--wd=/",
            ])
            .args(["/usr/sbin/sshd", "-D", "-e", "-p", &port])
            .args([
                "-o",
                "ListenAddress=127.0.0.1",
                "-o",
                "HostKey=/etc/ssh/supd_host_key",
            ])
            .args([
                "-o",
                "PermitRootLogin=prohibit-password",
                "-o",
                "PasswordAuthentication=no",
            ])
            .args([
                "-o",
                "KbdInteractiveAuthentication=no",
                "-o",
                "UsePAM=no",
                "-o",
                "StrictModes=no",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run nsenter: {e}"))?;
        self.sshd = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("sshd did not listen on port {port}"))
    }

    /// Kills sshd and every SSH session's sshd: open connections drop, and
    /// the node stops answering until `start_sshd`.
    pub fn stop_sshd(&mut self) {
        if let Some(mut sshd) = self.sshd.take() {
            for pid in descendants(sshd.id() as i32) {
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                if comm.trim() == "sshd" {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
            }
            let _ = sshd.kill();
            let _ = sshd.wait();
        }
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
    pub fn ssh(&self, command: &str) -> Output {
        self.ssh_with_input(command, "")
    }

    /// Runs a shell command on the node over SSH with `input` on stdin.
    pub fn ssh_with_input(&self, command: &str, input: &str) -> Output {
        use std::io::Write;
        let mut child = Command::new("ssh")
            .args(["-i"])
            .arg(&self.client_key)
            .args([
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "IdentitiesOnly=yes",
            ])
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.known_hosts().display()
            ))
            .args(["-p", &self.port.to_string(), "root@127.0.0.1", command])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssh runs");
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_string();
        let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child.wait_with_output().expect("ssh finishes");
        let _ = feeder.join();
        output
    }

    /// Everything the node changed relative to the Debian root.
    pub fn upper(&self) -> PathBuf {
        self.dir.join("upper")
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        // SIGKILL to the namespace's init kills every process in it.
        let _ = Command::new("kill")
            .args(["-KILL", &self.init_pid.to_string()])
            .status();
        let _ = self.init.kill();
        let _ = self.init.wait();
        if let Some(mut sshd) = self.sshd.take() {
            let _ = sshd.kill();
            let _ = sshd.wait();
        }
    }
}

/// Files the node has from the start, written into the overlay's upper
/// layer: its host key, root's authorized key, and the host's CA bundle,
/// pip and DNS settings (the host may reach PyPI through a TLS proxy).
/// known_hosts for the node's host key on `port` of 127.0.0.1.
pub fn write_known_hosts(dir: &Path, port: u16) -> Result<(), String> {
    let host_key = std::fs::read_to_string(dir.join("host_key.pub")).map_err(|e| e.to_string())?;
    let mut fields = host_key.split_whitespace();
    let (kind, key) = (
        fields.next().unwrap_or_default(),
        fields.next().unwrap_or_default(),
    );
    std::fs::write(
        dir.join("known_hosts"),
        format!("[127.0.0.1]:{port} {kind} {key}\n"),
    )
    .map_err(|e| e.to_string())
}

pub fn seed_upper(upper: &Path, dir: &Path, client_key: &Path) -> Result<(), String> {
    let mkdir = |p: &str| std::fs::create_dir_all(upper.join(p)).map_err(|e| e.to_string());
    mkdir("etc/ssh")?;
    mkdir("root/.ssh")?;
    let host_key = upper.join("etc/ssh/supd_host_key");
    let keygen = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "supd-test-node",
            "-f",
        ])
        .arg(&host_key)
        .status()
        .map_err(|e| format!("cannot run ssh-keygen: {e}"))?;
    if !keygen.success() {
        return Err("ssh-keygen failed".into());
    }
    let public =
        std::fs::read_to_string(host_key.with_extension("pub")).map_err(|e| e.to_string())?;
    let client_public =
        std::fs::read_to_string(client_key.with_extension("pub")).map_err(|e| e.to_string())?;
    std::fs::write(upper.join("root/.ssh/authorized_keys"), client_public)
        .map_err(|e| e.to_string())?;
    // known_hosts needs the port too; `TestNode::start` writes it.
    std::fs::write(dir.join("host_key.pub"), &public).map_err(|e| e.to_string())?;
    for (from, to) in [
        (
            "/etc/ssl/certs/ca-certificates.crt",
            "etc/ssl/certs/ca-certificates.crt",
        ),
        ("/etc/pip.conf", "etc/pip.conf"),
        ("/etc/resolv.conf", "etc/resolv.conf"),
    ] {
        if let Ok(bytes) = std::fs::read(from) {
            let target = upper.join(to);
            std::fs::create_dir_all(target.parent().unwrap()).map_err(|e| e.to_string())?;
            std::fs::write(&target, bytes).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
