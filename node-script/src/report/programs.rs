//! Program states for a report: what supervisord said when the script
//! ended (with the end of the logs of a program that is not running), else
//! what a status step printed, else what the facts found.

use crate::bindings::{NodeFacts, ProcessState, ProgramStatus};
use crate::xmlrpc;

use super::lines::Lines;

/// Log lines kept per stream of a program that is not running.
const TAIL_LINES: usize = 10;

/// The programs of a report; `socket` is the supervisord the plan talks
/// to (the first the facts name when the plan names none).
pub fn programs(
    lines: &Lines,
    facts: Option<&NodeFacts>,
    socket: Option<&str>,
    secrets: &[String],
) -> Vec<ProgramStatus> {
    let with_tails = |processes: &[ProcessState]| -> Vec<ProgramStatus> {
        processes
            .iter()
            .map(|p| {
                let mut status = status_of(p, secrets);
                let key = format!("{}:{}", p.group, p.name);
                status.stdout_tail = tail(lines, &key, "stdout", secrets);
                status.stderr_tail = tail(lines, &key, "stderr", secrets);
                status
            })
            .collect()
    };
    if let Some(processes) = lines
        .processes
        .as_deref()
        .and_then(xmlrpc::response)
        .and_then(|answer| crate::facts::processes(&answer))
    {
        return with_tails(&processes);
    }
    let known = facts.and_then(|f| {
        socket
            .and_then(|socket| f.supervisors.iter().find(|s| s.socket == socket))
            .or_else(|| f.supervisors.first())
    });
    if !lines.singles.is_empty() {
        // The groups the script acted on (lone programs, one answer each)
        // in place of what the facts said of them; the others as the facts
        // found them.
        let fresh: Vec<ProcessState> = lines
            .singles
            .iter()
            .filter_map(|answer| xmlrpc::response(answer))
            .filter_map(|answer| {
                crate::facts::processes(&xmlrpc::Value::Array(vec![answer]))?.pop()
            })
            .collect();
        let mut processes: Vec<ProcessState> =
            known.map(|s| s.processes.clone()).unwrap_or_default();
        processes.retain(|p| !fresh.iter().any(|f| f.group == p.group));
        processes.extend(fresh);
        processes.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
        return with_tails(&processes);
    }
    let printed: Vec<ProgramStatus> = lines
        .outputs
        .values()
        .flat_map(|out| super::status::parse(out))
        .collect();
    if !printed.is_empty() {
        return printed;
    }
    known
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
