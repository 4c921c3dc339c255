//! What happened on each node, and how it is shown: for people (progress
//! per node, then a recap) or as JSON for machines.

mod human;

use serde::Serialize;

use crate::runtime::bindings::{DaemonEnsure, Desired, StartMethod};
use crate::script::{ScriptReport, StepStatus};

pub use human::{print_node, print_recap, print_status_table};

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
}

impl StepOutcome {
    /// A step that has not run.
    pub fn planned(index: usize, what: String, reason: String) -> StepOutcome {
        StepOutcome {
            index,
            what,
            reason,
            status: None,
            message: String::new(),
        }
    }
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

/// A redacted diff of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileDiff {
    /// The file.
    pub path: String,
    /// Unified diff, secrets masked.
    pub diff: String,
}

/// Everything about one node's run.
#[derive(Debug, Clone, Serialize)]
pub struct NodeOutcome {
    /// Its group.
    pub group: String,
    /// Its address.
    pub node: String,
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
    /// File diffs (`--diff`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<FileDiff>,
    /// `supervisorctl status` output (`status`).
    #[serde(skip)]
    pub status_output: Vec<String>,
    /// Parsed program states (`status`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<ProgramState>,
}

impl NodeOutcome {
    /// A node that has not run yet.
    pub fn new(group: &str, node: &str) -> NodeOutcome {
        NodeOutcome {
            group: group.to_string(),
            node: node.to_string(),
            status: NodeStatus::Ok,
            changed: 0,
            ok: 0,
            steps: Vec::new(),
            error: None,
            invalid_input: false,
            round_trips: 0,
            elapsed_ms: 0,
            timings: Timings::default(),
            diffs: Vec::new(),
            status_output: Vec::new(),
            programs: Vec::new(),
        }
    }

    /// Marks the node failed.
    pub fn fail(&mut self, error: String) {
        self.status = NodeStatus::Failed;
        self.error = Some(error);
    }

    /// Takes in what the step script reported.
    pub fn record(&mut self, report: &ScriptReport) {
        for result in &report.steps {
            if let Some(step) = self.steps.get_mut(result.index) {
                step.status = Some(result.status);
                step.message = result.message.clone();
            }
        }
        self.changed = report.changed();
        self.ok = report
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Ok)
            .count();
        if let Some(failed) = report.failure() {
            let what = self
                .steps
                .get(failed.index)
                .map(|s| s.what.clone())
                .unwrap_or_default();
            self.fail(format!(
                "step {} ({what}) failed: {}",
                failed.index, failed.message
            ));
        } else if self.changed > 0 {
            self.status = NodeStatus::Changed;
        }
        self.programs = report
            .outputs
            .values()
            .flat_map(|out| ProgramState::parse(out))
            .collect();
    }
}

/// One line of `supervisorctl status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramState {
    /// `name` or `group:name`.
    pub name: String,
    /// RUNNING, STOPPED, FATAL, ...
    pub state: String,
    /// The rest: pid and uptime, or the exit reason.
    pub detail: String,
}

impl ProgramState {
    /// Parses `supervisorctl status` output.
    pub fn parse(output: &str) -> Vec<ProgramState> {
        output
            .lines()
            .filter_map(|line| {
                let mut parts = line.split_whitespace();
                let name = parts.next()?;
                let state = parts.next()?;
                if !state.chars().all(|c| c.is_ascii_uppercase()) {
                    return None;
                }
                Some(ProgramState {
                    name: name.to_string(),
                    state: state.to_string(),
                    detail: parts.collect::<Vec<_>>().join(" "),
                })
            })
            .collect()
    }

    /// The pid, when RUNNING.
    pub fn pid(&self) -> Option<u32> {
        self.detail
            .strip_prefix("pid ")?
            .split(',')
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

/// A resource in a few words.
pub fn describe(desired: &Desired) -> String {
    match desired {
        Desired::Packages(p) => format!("packages {}", p.names.join(" ")),
        Desired::Pip(p) => format!(
            "pip {}{} in {}",
            p.name,
            p.version
                .as_deref()
                .map(|v| format!("=={v}"))
                .unwrap_or_default(),
            p.venv
        ),
        Desired::User(u) => format!("user {}", u.name),
        Desired::Directory(d) => format!("directory {}", d.path),
        Desired::File(f) => format!("file {}", f.path),
        Desired::Absent(path) => format!("absent {path}"),
        Desired::Daemon(d) => {
            let how = match &d.start {
                StartMethod::Systemd(unit) => format!("systemd {unit}"),
                StartMethod::InitScript(script) => script.clone(),
                StartMethod::Openrc(service) => format!("openrc {service}"),
                StartMethod::Command(argv) => argv.first().cloned().unwrap_or_default(),
            };
            let ensure = match d.ensure {
                DaemonEnsure::Running => "running",
                DaemonEnsure::Restarted => "reloaded",
            };
            format!("supervisord {ensure} ({how})")
        }
        Desired::Supervisorctl(c) => {
            let action = crate::words::ctl_action(&c.action);
            format!("supervisorctl {action} {}", c.targets.join(" "))
                .trim_end()
                .to_string()
        }
        Desired::AwaitRunning(a) => format!("running: {}", a.groups.join(" ")),
        Desired::Command(c) => format!("command {}", c.argv.join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::ProgramState;

    #[test]
    fn status_lines_parse() {
        let out = "web                              RUNNING   pid 123, uptime 0:00:05\nsite:worker   FATAL     Exited too quickly (process log may have details)\nunix:///x no such file\n";
        let states = ProgramState::parse(out);
        assert_eq!(states.len(), 2);
        assert_eq!(states[0].pid(), Some(123));
        assert_eq!(states[1].state, "FATAL");
        assert_eq!(states[1].pid(), None);
    }
}
