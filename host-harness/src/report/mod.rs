//! What happened on each node, and how it is shown: for people (progress
//! per node, then a recap) or as JSON for machines. The node-script
//! component reads the scripts' output into a `report`; this module only
//! holds it per node and prints it.

mod human;
mod live;
mod visible;

use serde::Serialize;

use crate::runtime::bindings::{self, Outcome, Report};

pub use human::{print_node, print_recap, print_status_table};
pub use live::Live;
pub use visible::{Visible, visible};

/// How a node ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeStatus {
    /// Nothing needed changing.
    Ok,
    /// Something changed (or would, in check mode).
    Changed,
    /// A step failed or the node could not be reached.
    Failed,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Already as wanted (or skipped).
    Ok,
    /// Changed (or, in check mode, would change).
    Changed,
    /// Failed; the script stopped there.
    Failed,
}

/// A step: what it is, why, and what came of it.
#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    /// Index in the node's plan.
    pub index: usize,
    /// The resource, in a few words.
    pub what: String,
    /// Why the plan has it.
    pub reason: String,
    /// `None` when it did not run (plan only, or after a failure).
    pub status: Option<StepStatus>,
    /// What the node said.
    pub message: String,
    /// A unified diff of the file it changed, secrets masked (`--diff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// Time spent per phase on one node, in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timings {
    /// Probes and the facts round trip.
    pub facts_us: u64,
    /// Plugin calls that made the plan.
    pub plan_us: u64,
    /// The apply round trip (0 when nothing had to change).
    pub apply_us: u64,
}

/// One process as a status step reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramState {
    /// `name` or `group:name`.
    pub name: String,
    /// RUNNING, STOPPED, FATAL, ...
    pub state: String,
    /// The rest: pid and uptime, or the exit reason.
    pub detail: String,
    /// Its pid, when it runs.
    pub pid: Option<u32>,
    /// Why it is not running, when supervisord knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The end of its stdout log, when it is not running.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stdout_tail: Vec<String>,
    /// The end of its stderr log, when it is not running.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stderr_tail: Vec<String>,
}

/// Everything about one node's run.
#[derive(Debug, Clone, Serialize)]
pub struct NodeOutcome {
    /// Its group.
    pub group: String,
    /// Its address.
    pub node: String,
    /// The directory standing in for its root, for a sandbox node: paths
    /// are shown relative to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// How it ended.
    pub status: NodeStatus,
    /// Steps that changed something.
    pub changed: usize,
    /// Steps that found things as wanted.
    pub ok: usize,
    /// Its steps.
    pub steps: Vec<StepOutcome>,
    /// Why it failed.
    pub error: Option<String>,
    /// It failed because the provider refused the input for this node;
    /// nothing was changed on it.
    pub invalid_input: bool,
    /// Round trips to the node (the connection included for SSH).
    pub round_trips: usize,
    /// Wall time.
    pub elapsed_ms: u64,
    /// Where the time went.
    pub timings: Timings,
    /// Program states (`status`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<ProgramState>,
}

impl NodeOutcome {
    /// A node that has not run yet.
    pub fn new(group: &str, node: &str) -> NodeOutcome {
        NodeOutcome {
            group: group.to_string(),
            node: node.to_string(),
            root: None,
            status: NodeStatus::Ok,
            changed: 0,
            ok: 0,
            steps: Vec::new(),
            error: None,
            invalid_input: false,
            round_trips: 0,
            elapsed_ms: 0,
            timings: Timings::default(),
            programs: Vec::new(),
        }
    }

    /// Marks the node failed.
    pub fn fail(&mut self, error: String) {
        self.status = NodeStatus::Failed;
        self.error = Some(error);
    }

    /// Takes in the node-script component's report.
    pub fn record(&mut self, report: Report) {
        self.steps = report
            .steps
            .into_iter()
            .map(|step| StepOutcome {
                index: step.index as usize,
                what: step.what,
                reason: step.reason,
                status: match step.status {
                    bindings::StepStatus::Ok => Some(StepStatus::Ok),
                    bindings::StepStatus::Changed => Some(StepStatus::Changed),
                    bindings::StepStatus::Failed => Some(StepStatus::Failed),
                    bindings::StepStatus::NotRun => None,
                },
                message: step.message,
                diff: step.diff,
            })
            .collect();
        self.changed = report.changed as usize;
        self.ok = report.ok as usize;
        self.programs = report
            .programs
            .into_iter()
            .map(|p| ProgramState {
                name: p.name,
                state: p.state,
                detail: p.detail,
                pid: p.pid,
                reason: p.reason,
                stdout_tail: p.stdout_tail,
                stderr_tail: p.stderr_tail,
            })
            .collect();
        match report.outcome {
            Outcome::Ok => {}
            Outcome::Changed => self.status = NodeStatus::Changed,
            Outcome::Failed => self.fail(report.error.unwrap_or_else(|| "failed".into())),
        }
    }
}
