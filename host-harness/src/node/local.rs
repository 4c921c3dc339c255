//! This machine, whole or as a sandbox directory.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Bounds, Output, Transport, TransportError, run_with_stdin};

/// Runs scripts with the local `sh`.
pub struct Local {
    label: String,
    trips: AtomicUsize,
    bounds: Bounds,
}

impl Local {
    /// The local machine; a sandbox root is created if missing.
    pub fn new(
        root: Option<PathBuf>,
        label: String,
        bounds: Bounds,
    ) -> Result<Local, TransportError> {
        if let Some(root) = &root {
            std::fs::create_dir_all(root).map_err(|e| TransportError::Connect {
                node: label.clone(),
                detail: format!(
                    "cannot create the sandbox directory {}: {e}",
                    root.display()
                ),
            })?;
        }
        Ok(Local {
            label,
            trips: AtomicUsize::new(0),
            bounds,
        })
    }
}

impl Transport for Local {
    fn run_streaming(
        &self,
        script: &str,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<Output, TransportError> {
        self.trips.fetch_add(1, Ordering::Relaxed);
        let mut command = Command::new("sh");
        command.arg("-s");
        run_with_stdin(command, script, on_line, self.bounds).map_err(|e| TransportError::Run {
            node: self.label.clone(),
            detail: e.to_string(),
        })
    }

    fn round_trips(&self) -> usize {
        self.trips.load(Ordering::Relaxed)
    }
}
