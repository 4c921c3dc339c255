//! What an apply, service or status script reported, as a typed report:
//! every step with its outcome, redacted diffs, program states, and why the
//! node failed.

mod describe;
mod lines;
mod programs;
mod refused;
mod status;

pub use describe::describe;

use crate::bindings::{
    Desired, NodeFacts, Outcome, Plan, ProgramStatus, Report, ScriptOptions, ScriptOutput,
    StepReport, StepStatus,
};

/// The report of `plan`'s script, from what it printed; `None` when the
/// plan was only shown (or empty). Programs come from the output, else
/// from `facts`.
pub fn parse(
    plan: &Plan,
    options: &ScriptOptions,
    output: Option<&ScriptOutput>,
    facts: Option<&NodeFacts>,
) -> Report {
    let secrets = crate::redact::secrets(plan);
    let mut steps: Vec<StepReport> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| StepReport {
            index: index as u32,
            what: describe(&step.desired),
            reason: step.reason.clone(),
            status: StepStatus::NotRun,
            message: String::new(),
            diff: None,
        })
        .collect();
    let mut report = Report {
        outcome: Outcome::Ok,
        steps: Vec::new(),
        changed: 0,
        ok: 0,
        error: None,
        programs: Vec::new(),
    };
    let Some(output) = output else {
        report.programs =
            programs::programs(&lines::Lines::default(), facts, socket(plan), &secrets);
        report.steps = steps;
        return report;
    };
    let lines = lines::read(&output.stdout);
    let mut failed: Option<usize> = None;
    for (index, status, message) in &lines.results {
        let Some(step) = steps.get_mut(*index) else {
            continue;
        };
        step.status = *status;
        step.message = crate::redact::mask(message, &secrets);
        match status {
            StepStatus::Changed => report.changed += 1,
            StepStatus::Ok => report.ok += 1,
            StepStatus::Failed => {
                failed.get_or_insert(*index);
            }
            StepStatus::NotRun => {}
        }
    }
    if options.diff {
        add_diffs(plan, &lines, &mut steps);
    }
    report.programs = programs::programs(&lines, facts, socket(plan), &secrets);
    report.error = why_it_failed(
        plan,
        output,
        &lines,
        &steps,
        failed,
        &report.programs,
        &secrets,
    );
    report.outcome = if report.error.is_some() {
        Outcome::Failed
    } else if report.changed > 0 {
        Outcome::Changed
    } else {
        Outcome::Ok
    };
    report.steps = steps;
    report
}

/// Each changed file step's diff, secrets redacted, from the old content
/// the script printed.
fn add_diffs(plan: &Plan, lines: &lines::Lines, steps: &mut [StepReport]) {
    for step in steps.iter_mut() {
        if step.status != StepStatus::Changed {
            continue;
        }
        if let Some(Desired::File(file)) = plan.steps.get(step.index as usize).map(|s| &s.desired) {
            let old = lines
                .old_contents
                .get(&(step.index as usize))
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            step.diff = Some(crate::redact::diff(
                &file.path,
                &old,
                &file.content,
                &file.redact_keys,
            ));
        }
    }
}

/// Why the node failed, if it did: the script's own error, the first
/// failed step (with why the programs it names are not running), or where
/// the script stopped.
fn why_it_failed(
    plan: &Plan,
    output: &ScriptOutput,
    lines: &lines::Lines,
    steps: &[StepReport],
    failed: Option<usize>,
    programs: &[ProgramStatus],
    secrets: &[String],
) -> Option<String> {
    let reported = lines.results.len();
    if let Some(error) = &lines.error {
        Some(crate::redact::mask(error, secrets))
    } else if let Some(index) = failed {
        let step = &steps[index];
        // Why each program the failure names is not running, when
        // supervisord said.
        let reasons: Vec<String> = programs
            .iter()
            .filter(|p| p.state != "RUNNING" && step.message.contains(p.name.as_str()))
            .filter_map(|p| Some(format!("{}: {}", p.name, p.reason.as_deref()?)))
            .collect();
        let reasons = if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join("; "))
        };
        let message = match plan.steps.get(index).map(|s| &s.desired) {
            Some(Desired::CommitConfig(_)) => refused::locate(plan, &step.message),
            _ => step.message.clone(),
        };
        Some(format!(
            "step {index} ({}) failed: {message}{reasons}",
            step.what
        ))
    } else if output.exit_code != Some(0) || reported < plan.steps.len() {
        let stderr: Vec<&str> = output.stderr.lines().rev().take(5).collect();
        let stderr: Vec<String> = stderr
            .into_iter()
            .rev()
            .map(|line| crate::redact::mask(line, secrets))
            .collect();
        let ended = match output.exit_code {
            Some(code) => format!("exit {code}"),
            None => "killed by a signal or lost".to_string(),
        };
        Some(format!(
            "the step script stopped after {reported} of {} steps ({ended}): {}",
            plan.steps.len(),
            stderr.join("; ")
        ))
    } else {
        None
    }
}

/// The socket of the supervisord a plan talks to.
fn socket(plan: &Plan) -> Option<&str> {
    crate::contract::supervisord_of(plan).map(|ctl| ctl.socket.as_str())
}
