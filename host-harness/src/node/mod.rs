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

/// Ends the scripts this process runs (its child processes: `sh`, `ssh`),
/// so whatever waits on them returns.
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
            let _ = std::process::Command::new("kill")
                .arg(entry.file_name())
                .status();
        }
    }
}

/// Opens a transport to `address`.
pub fn connect(address: &Address, ssh: &SshOptions) -> Result<Box<dyn Transport>, TransportError> {
    match address {
        Address::Local { root } => Ok(Box::new(Local::new(root.clone(), address.to_string())?)),
        Address::Ssh { user, host, port } => Ok(Box::new(Ssh::connect(
            user.as_deref(),
            host,
            *port,
            ssh,
            address.to_string(),
        )?)),
    }
}

/// Runs `program` with `script` on its standard input, handing each line
/// of its standard output to `on_line` as it arrives. With
/// `SUPD_KEEP_SCRIPTS=<dir>` every script is also saved there, for
/// debugging (they hold file contents: keep the directory private).
fn run_with_stdin(
    mut command: std::process::Command,
    script: &str,
    on_line: &mut dyn FnMut(&str),
) -> std::io::Result<Output> {
    if let Some(dir) = std::env::var_os("SUPD_KEEP_SCRIPTS") {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "{}-{}.sh",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(std::path::Path::new(&dir).join(name), script);
    }
    use std::io::{BufRead, Read, Write};
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let script = script.to_string();
    // Feed stdin and drain stderr from threads so a script that prints a
    // lot before it has read all of its input cannot deadlock us.
    let feeder = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let errors = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let mut out = Vec::new();
    let mut reader = std::io::BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        out.extend_from_slice(&line);
        on_line(String::from_utf8_lossy(&line).trim_end_matches('\n'));
    }
    let status = child.wait()?;
    // A shell that exits early closes its stdin: not our error to report.
    let _ = feeder.join();
    let errors = errors.join().unwrap_or_default();
    Ok(Output {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&errors).into_owned(),
    })
}
