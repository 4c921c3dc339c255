//! Nodes and how scripts reach them: `sh` on this machine, or `sh` through
//! the system's OpenSSH client over one multiplexed connection.

mod address;
mod local;
mod ssh;

pub use address::Address;
pub use local::Local;
pub use ssh::Ssh;

use crate::spec::SshOptions;

/// What a script printed and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Why a node could not be reached or a script not run.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The connection could not be made.
    #[error("cannot connect to {node}: {detail}")]
    Connect {
        /// The node.
        node: String,
        /// ssh's explanation.
        detail: String,
    },
    /// Running the script failed at the transport level (the connection
    /// dropped, the shell could not start).
    #[error("lost {node} while running a script: {detail}")]
    Run {
        /// The node.
        node: String,
        /// What happened.
        detail: String,
    },
}

/// A way to run shell scripts on a node. Each `run` is one round trip.
pub trait Transport: Send + Sync {
    /// Runs `script` with `sh` on the node.
    fn run(&self, script: &str) -> Result<Output, TransportError> {
        self.run_streaming(script, &mut |_| {})
    }
    /// Runs `script`, handing each line of its standard output to
    /// `on_line` as it arrives (for progress and `logs -f`).
    fn run_streaming(
        &self,
        script: &str,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<Output, TransportError>;
    /// Round trips made so far, the connection included.
    fn round_trips(&self) -> usize;
}

/// Ends the scripts this process runs (its child processes, `sh` and
/// `ssh`, and what each started), so whatever waits on them returns.
pub fn stop_children() {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // After the parenthesised command: state, ppid, ...
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1).map(str::to_string));
        if parent.as_deref() == Some(me.as_str()) {
            // Each script leads a process group of its own: end all of it.
            let _ = std::process::Command::new("kill")
                .arg("--")
                .arg(format!("-{}", entry.file_name().to_string_lossy()))
                .status();
        }
    }
}

/// Opens a transport to `address`, whose scripts run within `bounds`.
pub fn connect(
    address: &Address,
    ssh: &SshOptions,
    bounds: Bounds,
) -> Result<Box<dyn Transport>, TransportError> {
    match address {
        Address::Local { root } => Ok(Box::new(Local::new(
            root.clone(),
            address.to_string(),
            bounds,
        )?)),
        Address::Ssh { user, host, port } => Ok(Box::new(Ssh::connect(
            user.as_deref(),
            host,
            *port,
            ssh,
            address.to_string(),
            bounds,
        )?)),
    }
}

/// What the host lets one script do before it ends the script and fails
/// the node: what a node sends back is untrusted.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// How long a script may run; `None`: until it ends (`logs -f`).
    pub deadline: Option<std::time::Duration>,
    /// The most bytes of standard output kept; `None`: nothing is kept,
    /// lines only go to `on_line` (`logs -f`).
    pub max_stdout: Option<usize>,
    /// The most bytes of standard error kept: its end.
    pub max_stderr: usize,
}

impl Default for Bounds {
    /// An hour and 64 MiB: a pip install on a slow link, a plan of
    /// thousands of programs.
    fn default() -> Bounds {
        Bounds {
            deadline: Some(std::time::Duration::from_secs(3600)),
            max_stdout: Some(64 << 20),
            max_stderr: 1 << 20,
        }
    }
}

impl Bounds {
    /// For a script that follows a log until it is stopped.
    pub fn following() -> Bounds {
        Bounds {
            deadline: None,
            max_stdout: None,
            ..Bounds::default()
        }
    }
}

/// Ends the process group `pid` leads at once (a script past its bounds,
/// with every process it started that did not leave the group).
fn kill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// Runs `program` with `script` on its standard input, handing each line
/// of its standard output to `on_line` as it arrives, within `bounds`. With
/// `SUPD_KEEP_SCRIPTS=<dir>` every script is also saved there, for
/// debugging (a directory of this user's alone, files 0600: they hold
/// file contents, secrets included).
fn run_with_stdin(
    mut command: std::process::Command,
    script: &str,
    on_line: &mut dyn FnMut(&str),
    bounds: Bounds,
) -> std::io::Result<Output> {
    if let Some(dir) = std::env::var_os("SUPD_KEEP_SCRIPTS") {
        keep_script(std::path::Path::new(&dir), script);
    }
    use std::io::{BufRead, Read, Write};
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    // A group of its own, so that ending it ends what it started too.
    let mut child = command
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let script = script.to_string();
    // Feed stdin and drain stderr from threads so a script that prints a
    // lot before it has read all of its input cannot deadlock us.
    let feeder = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let max_stderr = bounds.max_stderr;
    let errors = std::thread::spawn(move || {
        // Its end is kept: what went wrong last.
        let mut kept = Vec::new();
        let mut chunk = [0u8; 8192];
        while let Ok(n) = stderr.read(&mut chunk) {
            if n == 0 {
                break;
            }
            kept.extend_from_slice(&chunk[..n]);
            if kept.len() > 2 * max_stderr {
                kept.drain(..kept.len() - max_stderr);
            }
        }
        if kept.len() > max_stderr {
            kept.drain(..kept.len() - max_stderr);
        }
        kept
    });
    let (done, deadline_passed) = std::sync::mpsc::channel::<()>();
    let watchdog = bounds.deadline.map(|deadline| {
        std::thread::spawn(move || {
            let passed = matches!(
                deadline_passed.recv_timeout(deadline),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
            );
            if passed {
                kill(pid);
            }
            passed
        })
    });
    let mut out = Vec::new();
    let mut too_much = false;
    let limit = bounds.max_stdout.map_or(u64::MAX, |m| m as u64 + 1);
    let mut reader = std::io::BufReader::new(stdout.take(limit));
    let mut line = Vec::new();
    let mut total: u64 = 0;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if bounds.max_stdout.is_some_and(|max| total > max as u64) {
            too_much = true;
            kill(pid);
            break;
        }
        if bounds.max_stdout.is_some() {
            out.extend_from_slice(&line);
        }
        on_line(String::from_utf8_lossy(&line).trim_end_matches('\n'));
    }
    let status = child.wait()?;
    let _ = done.send(());
    let late = watchdog.is_some_and(|w| w.join().unwrap_or(false));
    // A shell that exits early closes its stdin: not our error to report.
    let _ = feeder.join();
    let errors = errors.join().unwrap_or_default();
    if too_much {
        return Err(std::io::Error::other(format!(
            "the node sent more than {} MiB on standard output",
            bounds.max_stdout.unwrap_or(0) >> 20
        )));
    }
    if late {
        return Err(std::io::Error::other(format!(
            "the script ran past its deadline of {} s",
            bounds.deadline.map_or(0, |d| d.as_secs())
        )));
    }
    Ok(Output {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&errors).into_owned(),
    })
}

/// Saves a script for debugging: in a directory of this user's alone
/// (made 0700, refused when it is a link or anyone else's), as a new file
/// of mode 0600 under a name no one can plant.
fn keep_script(dir: &std::path::Path, script: &str) {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let _ = std::fs::DirBuilder::new().mode(0o700).create(dir);
    let private = std::fs::symlink_metadata(dir).is_ok_and(|m| {
        m.is_dir()
            && m.mode() & 0o077 == 0
            && m.uid() == std::fs::metadata("/proc/self").map_or(u32::MAX, |s| s.uid())
    });
    if !private {
        eprintln!(
            "warning: SUPD_KEEP_SCRIPTS={} is not a directory of this user's alone (mode 0700); scripts are not kept",
            dir.display()
        );
        return;
    }
    let name = format!(
        "{}-{}-{}.sh",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        random_hex()
    );
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(0o400000) // O_NOFOLLOW
        .open(dir.join(name))
    {
        let _ = file.write_all(script.as_bytes());
    }
}

/// 16 hex digits from the kernel's random source: names no one can guess.
pub fn random_hex() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 8];
    let _ = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn sh() -> std::process::Command {
        let mut command = std::process::Command::new("sh");
        command.arg("-s");
        command
    }

    #[test]
    fn a_node_that_talks_too_much_or_too_long_is_cut_off() {
        let tight = Bounds {
            deadline: Some(Duration::from_secs(2)),
            max_stdout: Some(1 << 20),
            max_stderr: 1024,
        };
        let flood = run_with_stdin(sh(), "yes flood-of-lines\n", &mut |_| {}, tight).unwrap_err();
        assert!(flood.to_string().contains("more than 1 MiB"), "{flood}");
        let started = Instant::now();
        let hang = run_with_stdin(sh(), "sleep 60\n", &mut |_| {}, tight).unwrap_err();
        assert!(hang.to_string().contains("deadline of 2 s"), "{hang}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "killed, not waited for"
        );
        // Standard error keeps its end.
        let noisy = run_with_stdin(
            sh(),
            "i=0; while [ $i -lt 2000 ]; do echo noise >&2; i=$((i+1)); done; echo the-end >&2\n",
            &mut |_| {},
            tight,
        )
        .unwrap();
        assert!(noisy.stderr.len() <= 1024, "{}", noisy.stderr.len());
        assert!(noisy.stderr.ends_with("the-end\n"), "{:?}", noisy.stderr);
    }
}
