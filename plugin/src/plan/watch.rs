//! Restarts for watched paths: a program whose watched files changed since
//! the last apply restarts once, even though its configuration did not.
//!
//! The hashes applied last are recorded on the node in one file per scope
//! under root's run directory (`/run/supervisord-crate`), a line `program
//! TAB path TAB hash` per watched path. A path with no recorded hash is
//! seen for the first time: it is recorded and restarts nothing. The
//! record is written after the restarts, so a restart that fails is tried
//! again by the next apply. It lives where a reboot clears it (a tmpfs
//! `/run`): after a reboot every program started afresh with what is on
//! disk, so there is nothing to restart, only to record.

use std::collections::BTreeMap;

use crate::bindings::{NodeFacts, Program};
use crate::facts::Facts;

/// What a missing watched path records as its hash.
const MISSING: &str = "missing";

/// The record file of a scope's watched paths on a node rooted at `root`.
pub fn watch_state_path(root: &str, scope: &str) -> String {
    format!("{}/watch.{scope}", crate::location::run_dir(root))
}

/// What the node says about every watched path now, and what was recorded.
pub struct Watches<'a> {
    facts: Facts<'a>,
    recorded: BTreeMap<(String, String), String>,
}

impl<'a> Watches<'a> {
    /// Reads the record file out of `facts`.
    pub fn new(facts: &'a NodeFacts, state_path: &str) -> Watches<'a> {
        let facts = Facts::new(facts);
        let recorded = facts
            .record(state_path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let mut fields = line.splitn(3, '\t');
                let (program, path, hash) = (fields.next()?, fields.next()?, fields.next()?);
                Some(((program.to_string(), path.to_string()), hash.to_string()))
            })
            .collect();
        Watches { facts, recorded }
    }

    /// The hash of `path` now; `None` when the facts do not say.
    fn current(&self, path: &str) -> Option<String> {
        self.facts
            .watched(path)
            .map(|hash| hash.unwrap_or(MISSING).to_string())
    }

    /// Paths of `program` that changed since they were recorded.
    pub fn changed_paths(&self, program: &Program) -> Vec<String> {
        program
            .watch
            .iter()
            .filter(|path| {
                let recorded = self.recorded.get(&(program.name.clone(), (*path).clone()));
                matches!((recorded, self.current(path)), (Some(old), Some(new)) if *old != new)
            })
            .cloned()
            .collect()
    }

    /// The record file's content after this apply: the current hash of
    /// every watched path of `programs`; a path the facts do not cover
    /// keeps what was recorded.
    pub fn record(&self, programs: &[Program]) -> String {
        let mut lines = Vec::new();
        for program in programs {
            for path in &program.watch {
                let key = (program.name.clone(), path.clone());
                if let Some(hash) = self
                    .current(path)
                    .or_else(|| self.recorded.get(&key).cloned())
                {
                    lines.push(format!("{}\t{path}\t{hash}\n", program.name));
                }
            }
        }
        lines.sort();
        lines.concat()
    }
}
