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
    fn run(&self, script: &str) -> Result<Output, TransportError>;
    /// Round trips made so far, the connection included.
    fn round_trips(&self) -> usize;
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

/// Runs `program` with `script` on its standard input. With
/// `SUPD_KEEP_SCRIPTS=<dir>` every script is also saved there, for
/// debugging (they hold file contents: keep the directory private).
fn run_with_stdin(mut command: std::process::Command, script: &str) -> std::io::Result<Output> {
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
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let script = script.to_string();
    // Feed stdin from a thread so a script that prints a lot before it has
    // read all of its input cannot deadlock us.
    let feeder = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let output = child.wait_with_output()?;
    // A shell that exits early closes its stdin: not our error to report.
    let _ = feeder.join();
    Ok(Output {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
