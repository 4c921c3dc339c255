//! Plans, pyinfra style: compare what the settings want with the facts and
//! emit a step only for what differs (or for everything, when the facts were
//! not gathered: each step is still checked on the node).

mod configure;
mod install;
mod service;
mod watch;

pub use configure::{applied_record_path, configure_plan, systemd_drop_in_path};
pub use install::install_plan;
pub use service::service_plan;
pub use watch::watch_state_path;

use sha2::{Digest, Sha256};

use crate::bindings::{Condition, Desired, Error, File, NodeFacts, Plan, Step};
use crate::facts::{Facts, FileState};
use crate::settings::Resolved;

/// The settings of the supervisord the node's location record names: what
/// a declaration that only adds programs works on.
pub fn located(facts: &NodeFacts) -> Result<Resolved, Error> {
    match crate::location::read(facts)? {
        Some(location) => crate::location::resolve(&location, facts),
        None => Err(crate::error::unsupported(
            "declaration.role",
            format!(
                "no supervisord is recorded on this node ({}); converge one first with a declaration of role daemon",
                crate::location::path(&facts.root)
            ),
        )),
    }
}

/// Collects steps in order.
#[derive(Debug, Default)]
pub struct PlanBuilder {
    steps: Vec<Step>,
}

impl PlanBuilder {
    /// An empty plan.
    pub fn new() -> PlanBuilder {
        PlanBuilder::default()
    }

    /// Adds a step that always runs; returns its index.
    pub fn always(&mut self, desired: Desired, reason: impl Into<String>) -> u32 {
        self.push(desired, reason, Condition::Always)
    }

    /// Adds a step that runs only when one of `after` changed something;
    /// returns its index. With nothing to wait for, adds nothing.
    pub fn after_change(
        &mut self,
        desired: Desired,
        reason: impl Into<String>,
        after: Vec<u32>,
    ) -> Option<u32> {
        if after.is_empty() {
            return None;
        }
        Some(self.push(desired, reason, Condition::Changed(after)))
    }

    fn push(&mut self, desired: Desired, reason: impl Into<String>, when: Condition) -> u32 {
        self.steps.push(Step {
            desired,
            reason: reason.into(),
            when,
        });
        u32::try_from(self.steps.len() - 1).expect("plans are far smaller than 2^32 steps")
    }

    /// Adds a file step unless the facts show it in place; returns the
    /// step's index when one was added.
    pub fn file(&mut self, facts: &Facts<'_>, file: File, what: &str) -> Option<u32> {
        let sha = sha256_hex(&file.content);
        let state = facts.file_state(
            &file.path,
            &sha,
            file.mode,
            file.owner.as_deref(),
            file.group.as_deref(),
        );
        let reason = match state {
            FileState::Same => return None,
            FileState::Unknown => format!("{what}: ensure content"),
            FileState::Missing => format!("{what}: new"),
            FileState::NotAFile => format!("{what}: replace a non-file"),
            FileState::Differs(why) => format!("{what}: {why}"),
        };
        Some(self.always(Desired::File(file), reason))
    }

    /// The plan.
    pub fn finish(self) -> Plan {
        Plan { steps: self.steps }
    }
}

/// Lower-case hex SHA-256, as hosts report file hashes.
pub fn sha256_hex(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// The parent directory of an absolute path.
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(cut) => &path[..cut],
        None => "/",
    }
}
