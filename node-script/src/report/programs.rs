//! Program states for a report: what supervisord said when the script
//! ended (with the end of the logs of a program that is not running), else
//! what a status step printed, else what the facts found.

use crate::bindings::{NodeFacts, ProcessState, ProgramStatus};
use crate::xmlrpc;

use super::lines::Lines;

/// Log lines kept per stream of a program that is not running.
const TAIL_LINES: usize = 10;

/// The programs of a report.
pub fn programs(
    lines: &Lines,
    facts: Option<&NodeFacts>,
    secrets: &[String],
) -> Vec<ProgramStatus> {
    if let Some(processes) = lines
        .processes
        .as_deref()
        .and_then(xmlrpc::response)
        .and_then(|answer| crate::facts::processes(&answer))
    {
        return processes
            .iter()
            .map(|p| {
                let mut status = status_of(p, secrets);
                let key = format!("{}:{}", p.group, p.name);
                status.stdout_tail = tail(lines, &key, "stdout", secrets);
                status.stderr_tail = tail(lines, &key, "stderr", secrets);
                status
            })
            .collect();
    }
    let printed: Vec<ProgramStatus> = lines
        .outputs
        .values()
        .flat_map(|out| super::status::parse(out))
        .collect();
    if !printed.is_empty() {
        return printed;
    }
    facts
        .and_then(|f| f.supervisors.first())
        .map(|s| s.processes.iter().map(|p| status_of(p, secrets)).collect())
        .unwrap_or_default()
}

fn status_of(process: &ProcessState, secrets: &[String]) -> ProgramStatus {
    let name = if process.group == process.name {
        process.name.clone()
    } else {
        format!("{}:{}", process.group, process.name)
    };
    let reason = if !process.spawn_error.is_empty() {
        Some(process.spawn_error.clone())
    } else if matches!(process.state.as_str(), "RUNNING" | "STARTING") {
        None
    } else {
        Some(process.description.clone()).filter(|d| !d.is_empty())
    };
    ProgramStatus {
        name,
        state: process.state.clone(),
        detail: crate::redact::mask(&process.description, secrets),
        pid: (process.pid > 0).then_some(process.pid),
        reason: reason.map(|r| crate::redact::mask(&r, secrets)),
        stdout_tail: Vec::new(),
        stderr_tail: Vec::new(),
    }
}

/// The last lines of a log tail answer (`[text, offset, overflow]`).
fn tail(lines: &Lines, key: &str, stream: &str, secrets: &[String]) -> Vec<String> {
    let Some(text) = lines
        .tails
        .get(&(key.to_string(), stream.to_string()))
        .and_then(|answer| xmlrpc::response(answer))
        .and_then(|v| v.as_array()?.first()?.as_str().map(str::to_string))
    else {
        return Vec::new();
    };
    let all: Vec<&str> = text.lines().collect();
    // The first line of a tail may be cut in the middle; keep it only when
    // the whole log fits.
    let start = all.len().saturating_sub(TAIL_LINES);
    all[start..]
        .iter()
        .map(|line| crate::redact::mask(line, secrets))
        .collect()
}
