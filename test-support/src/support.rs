//! Running `supd`, sandbox nodes that clean up after themselves, file-tree
//! fingerprints, free ports and tiny HTTP checks.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Whether `program` is on `PATH`.
pub fn installed(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| Path::new(&dir).join(program).is_file())
    })
}

/// A directory for one test under `target/test-nodes`, emptied first. Kept
/// after the test for post-mortems; nothing in it runs once the test ends.
pub fn scratch(name: &str) -> PathBuf {
    let dir = workspace().join("target").join("test-nodes").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The result of one `supd` run.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:#?}"))
    }

    /// Asserts the exit code, showing everything when it differs.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "supd exited {}, expected {code}:\n{self:#?}",
            self.code
        );
        self
    }
}

/// Runs the `supd` at `bin` (tests pass the one cargo built for them).
pub fn supd_at(bin: &Path, args: &[&str]) -> Run {
    let output = Command::new(bin)
        .args(args)
        .env(
            "XDG_CACHE_HOME",
            workspace().join("target").join("test-cache"),
        )
        .output()
        .expect("supd runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A free loopback port (for programs under test). Ports are handed out
/// from a per-process range so parallel tests never pick the same one.
pub fn free_port() -> u16 {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    loop {
        let base = 20_000 + (std::process::id() as usize % 200) * 100;
        let port = (base + NEXT.fetch_add(1, Ordering::Relaxed) % 100) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// GET / on a loopback port: the status code, retried until `wait` ends.
pub fn http_status(port: u16, wait: Duration) -> Option<u16> {
    let deadline = Instant::now() + wait;
    loop {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
            let mut response = String::new();
            let _ = stream.read_to_string(&mut response);
            if let Some(code) = response
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse().ok())
            {
                return Some(code);
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One file's fingerprint: content hash, mode, owner, mtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Print {
    /// SHA-256 of the content (empty for directories).
    pub sha256: String,
    /// Mode bits.
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Modification time, nanoseconds.
    pub mtime_ns: i128,
}

/// Fingerprints of every file and directory under `root` (sockets and
/// `__pycache__` excluded), by path relative to `root`.
pub fn fingerprint(root: &Path, skip: &[&str]) -> BTreeMap<String, Print> {
    let mut prints = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            if skip.iter().any(|s| relative.starts_with(s)) || relative.contains("__pycache__") {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let kind = meta.file_type();
            let sha256 = if kind.is_file() {
                hex::encode(Sha256::digest(std::fs::read(&path).unwrap_or_default()))
            } else if kind.is_dir() {
                stack.push(path.clone());
                String::new()
            } else if kind.is_symlink() {
                std::fs::read_link(&path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default()
            } else {
                continue;
            };
            prints.insert(
                relative,
                Print {
                    sha256,
                    mode: meta.mode(),
                    uid: meta.uid(),
                    mtime_ns: meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128,
                },
            );
        }
    }
    prints
}

/// `prints` without the modification times of directories: staging a file
/// beside its target (so that putting it in place is one rename) touches
/// the directory even when the file is then dropped.
pub fn files_and_modes(mut prints: BTreeMap<String, Print>) -> BTreeMap<String, Print> {
    for print in prints.values_mut() {
        if print.sha256.is_empty() {
            print.mtime_ns = 0;
        }
    }
    prints
}

/// Kills a supervisord (by pid file) and every process below it, at once:
/// a graceful stop costs about a second per program.
pub fn kill_supervisord(pid_file: &Path) {
    let Some(pid) = std::fs::read_to_string(pid_file)
        .ok()
        .and_then(|p| p.trim().parse::<i32>().ok())
    else {
        return;
    };
    // Frozen first: a live supervisord would start a program again as soon
    // as it was killed, and that one would outlive it.
    let _ = Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status();
    for victim in descendants(pid).into_iter().rev().chain([pid]) {
        let _ = Command::new("kill")
            .args(["-KILL", &victim.to_string()])
            .status();
    }
    let _ = std::fs::remove_file(pid_file);
}

/// Every process below `pid`, parents before children.
pub fn descendants(pid: i32) -> Vec<i32> {
    let mut parents: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the parenthesised command: state, ppid, ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parents.entry(ppid).or_default().push(child);
        }
    }
    let mut out = Vec::new();
    let mut queue = vec![pid];
    while let Some(p) = queue.pop() {
        for child in parents.get(&p).cloned().unwrap_or_default() {
            out.push(child);
            queue.push(child);
        }
    }
    out
}

/// A sandbox node directory whose supervisord is killed when the test ends,
/// however it ends.
pub struct SandboxNode {
    /// The node root.
    pub root: PathBuf,
}

impl SandboxNode {
    /// A fresh sandbox for test `name`, under /tmp/supd-nodes: supervisord's
    /// socket path (root + 37 bytes) must stay under 100 bytes wherever the
    /// checkout lies.
    pub fn new(name: &str) -> SandboxNode {
        let root = std::env::temp_dir().join("supd-nodes").join(name);
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        SandboxNode { root }
    }

    /// `local:<root>`.
    pub fn address(&self) -> String {
        format!("local:{}", self.root.display())
    }

    /// Where the pip layout keeps things.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join("opt/supervisord").join(relative)
    }

    /// supervisord's pid, if it runs.
    pub fn supervisord_pid(&self) -> Option<i32> {
        let pid: i32 = std::fs::read_to_string(self.path("run/supervisord.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()?;
        Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
    }
}

impl Drop for SandboxNode {
    fn drop(&mut self) {
        kill_supervisord(&self.path("run/supervisord.pid"));
    }
}

/// Writes a spec file into `dir` and returns its path.
pub fn write_spec(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The node outcome of a JSON run (the only node).
pub fn only_node(run: &Run) -> serde_json::Value {
    let json = run.json();
    let nodes = json["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {run:#?}"));
    assert_eq!(nodes.len(), 1, "{run:#?}");
    nodes[0].clone()
}

/// The pid of a program in `status --format json` output.
pub fn program_pid(run: &Run, program: &str) -> Option<u32> {
    only_node(run)["programs"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == program)
        .and_then(|p| p["detail"].as_str())
        .and_then(|d| d.strip_prefix("pid "))
        .and_then(|d| d.split(',').next())
        .and_then(|p| p.parse().ok())
}
