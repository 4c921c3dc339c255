//! The report lines a step script prints, read back from its output:
//!
//! - `@supd<TAB>step<TAB>ok|changed|failed<TAB>message`
//! - `@supd-old<TAB>step<TAB>base64`: a file's old content (diff mode)
//! - `@supd-out<TAB>step<TAB>base64`: a command's output (status steps)
//! - `@supd-error<TAB>message`: why the script stopped before its steps
//! - `@supd-procs<TAB>base64`: supervisord's `getAllProcessInfo` answer
//!   when the script ended
//! - `@supd-proc1<TAB>base64`: a `getProcessInfo` answer, one per group the
//!   script touched, instead of the whole list
//! - `@supd-tail<TAB>group:name<TAB>stdout|stderr<TAB>base64`: the answer
//!   to a log tail of a process that is not running
//!
//! Other lines are ignored.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::bindings::StepStatus;

/// Everything a script reported.
#[derive(Debug, Default)]
pub struct Lines {
    /// (step, status, message) in the order they ran.
    pub results: Vec<(usize, StepStatus, String)>,
    /// Old contents of files replaced, by step.
    pub old_contents: BTreeMap<usize, Vec<u8>>,
    /// Captured command output, by step.
    pub outputs: BTreeMap<usize, String>,
    /// The last process list supervisord gave (XML-RPC response text).
    pub processes: Option<String>,
    /// Single processes' info (`getProcessInfo` response texts), for the
    /// groups the script touched.
    pub singles: Vec<String>,
    /// Log tail responses by (`group:name`, stream).
    pub tails: BTreeMap<(String, String), String>,
    /// Why the script stopped before its steps (`@supd-error`).
    pub error: Option<String>,
}

/// Reads `stdout`.
pub fn read(stdout: &str) -> Lines {
    let mut lines = Lines::default();
    let decoded = |b: Option<&str>| b.and_then(|b| STANDARD.decode(b.trim()).ok());
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    for line in stdout.lines() {
        let mut fields = line.splitn(4, '\t');
        let tag = fields.next().unwrap_or_default();
        match tag {
            "@supd-error" => {
                lines.error = Some(line["@supd-error\t".len()..].to_string());
                continue;
            }
            "@supd-procs" => {
                lines.processes = decoded(fields.next()).map(text);
                continue;
            }
            "@supd-proc1" => {
                lines.singles.extend(decoded(fields.next()).map(text));
                continue;
            }
            "@supd-tail" => {
                let (Some(name), Some(stream)) = (fields.next(), fields.next()) else {
                    continue;
                };
                if let Some(bytes) = decoded(fields.next()) {
                    lines
                        .tails
                        .insert((name.to_string(), stream.to_string()), text(bytes));
                }
                continue;
            }
            _ => {}
        }
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
                let message = fields.next().unwrap_or_default().to_string();
                lines.results.push((index, status, message));
            }
            "@supd-old" => {
                if let Some(bytes) = decoded(fields.next()) {
                    lines.old_contents.insert(index, bytes);
                }
            }
            "@supd-out" => {
                if let Some(bytes) = decoded(fields.next()) {
                    lines.outputs.insert(index, text(bytes));
                }
            }
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_are_read_and_noise_ignored() {
        let out = "noise\n@supd\t0\tok\t\n@supd\t1\tchanged\twritten: new\n@supd-old\t1\taGk=\n@supd-out\t2\tYQo=\n@supd\t2\tfailed\tnot running: web FATAL\n@supd\tx\tok\t\n";
        let lines = read(out);
        assert_eq!(lines.results.len(), 3);
        assert_eq!(
            lines.results[1],
            (1, StepStatus::Changed, "written: new".into())
        );
        assert_eq!(
            lines.results[2],
            (2, StepStatus::Failed, "not running: web FATAL".into())
        );
        assert_eq!(lines.old_contents[&1], b"hi");
        assert_eq!(lines.outputs[&2], "a\n");
    }
}
