//! What a step script reported, read back from its output.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Already as wanted (or skipped).
    Ok,
    /// Changed (or, in check mode, would change).
    Changed,
    /// Failed; the script stopped there.
    Failed,
}

/// One step's report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepResult {
    /// Index in the plan.
    pub index: usize,
    /// How it ended.
    pub status: StepStatus,
    /// What it said.
    pub message: String,
}

/// Everything a script reported.
#[derive(Debug, Clone, Default)]
pub struct ScriptReport {
    /// Step reports in the order they ran.
    pub steps: Vec<StepResult>,
    /// Old contents of files replaced (diff mode), by step.
    pub old_contents: BTreeMap<usize, Vec<u8>>,
    /// Captured command output (status steps), by step.
    pub outputs: BTreeMap<usize, String>,
}

impl ScriptReport {
    /// Reads the report lines out of a script's standard output; other
    /// lines are ignored.
    pub fn parse(stdout: &str) -> ScriptReport {
        let mut report = ScriptReport::default();
        for line in stdout.lines() {
            let mut fields = line.splitn(4, '\t');
            let tag = fields.next().unwrap_or_default();
            let Some(index) = fields.next().and_then(|i| i.parse::<usize>().ok()) else {
                continue;
            };
            match tag {
                "@supd" => {
                    let status = match fields.next() {
                        Some("ok") => StepStatus::Ok,
                        Some("changed") => StepStatus::Changed,
                        Some("failed") => StepStatus::Failed,
                        _ => continue,
                    };
                    report.steps.push(StepResult {
                        index,
                        status,
                        message: fields.next().unwrap_or_default().to_string(),
                    });
                }
                "@supd-old" => {
                    if let Some(bytes) = fields.next().and_then(|b| STANDARD.decode(b.trim()).ok())
                    {
                        report.old_contents.insert(index, bytes);
                    }
                }
                "@supd-out" => {
                    if let Some(bytes) = fields.next().and_then(|b| STANDARD.decode(b.trim()).ok())
                    {
                        report
                            .outputs
                            .insert(index, String::from_utf8_lossy(&bytes).into_owned());
                    }
                }
                _ => {}
            }
        }
        report
    }

    /// Steps that changed something.
    pub fn changed(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Changed)
            .count()
    }

    /// The first failed step, if any.
    pub fn failure(&self) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.status == StepStatus::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_are_read_and_noise_ignored() {
        let out = "noise\n@supd\t0\tok\t\n@supd\t1\tchanged\twritten: new\n@supd-old\t1\taGk=\n@supd-out\t2\tYQo=\n@supd\t2\tfailed\tnot running: web FATAL\n@supd\tx\tok\t\n";
        let report = ScriptReport::parse(out);
        assert_eq!(report.steps.len(), 3);
        assert_eq!(report.changed(), 1);
        assert_eq!(report.failure().unwrap().message, "not running: web FATAL");
        assert_eq!(report.old_contents[&1], b"hi");
        assert_eq!(report.outputs[&2], "a\n");
    }
}
