//! Output for people.

use std::io::Write;

use super::{NodeOutcome, NodeStatus, StepStatus};

/// Prints one node's result as soon as it is known: a line per step that
/// changed or failed (every step with `verbose`), what and where once and
/// then why; for a program that is not running, why and the end of its
/// logs. Paths of a sandbox node are shown relative to its directory.
pub fn print_node(
    out: &mut dyn Write,
    outcome: &NodeOutcome,
    plan_only: bool,
    verbose: bool,
) -> std::io::Result<()> {
    let out = &mut super::Visible(out);
    let status = match outcome.status {
        NodeStatus::Ok => "ok",
        NodeStatus::Changed => "changed",
        NodeStatus::Failed => "FAILED",
    };
    let short = |text: &str| relative(text, outcome.root.as_deref());
    writeln!(out, "[{}] {} {}", outcome.group, outcome.node, status)?;
    for step in &outcome.steps {
        let mark = match (step.status, plan_only) {
            (_, true) => "plan",
            (Some(StepStatus::Changed), _) => "changed",
            (Some(StepStatus::Failed), _) => "failed",
            (Some(StepStatus::Ok), _) if !verbose => continue,
            (Some(StepStatus::Ok), _) => "ok",
            (None, _) if !verbose => continue,
            (None, _) => "not run",
        };
        let what = short(&step.what);
        if verbose {
            let message = if step.message.is_empty() {
                String::new()
            } else {
                format!(": {}", short(&step.message))
            };
            writeln!(
                out,
                "  {mark:>7}  {what} ({}){message}",
                short(&step.reason)
            )?;
        } else {
            // What the node said when it said something, else why.
            let why = if step.message.is_empty() || plan_only {
                short(&step.reason)
            } else {
                short(&step.message)
            };
            writeln!(out, "  {mark:>7}  {what}: {why}")?;
        }
        for line in step.diff.iter().flat_map(|diff| diff.lines()) {
            writeln!(out, "    {line}")?;
        }
    }
    if let Some(error) = &outcome.error {
        writeln!(out, "  error: {}", short(error))?;
    }
    for program in outcome
        .programs
        .iter()
        .filter(|p| !matches!(p.state.as_str(), "RUNNING" | "STARTING"))
    {
        if program.reason.is_none()
            && program.stdout_tail.is_empty()
            && program.stderr_tail.is_empty()
        {
            continue;
        }
        writeln!(
            out,
            "  {} {}: {}",
            program.name,
            program.state,
            program.reason.as_deref().unwrap_or("not running")
        )?;
        for (stream, lines) in [
            ("stdout", &program.stdout_tail),
            ("stderr", &program.stderr_tail),
        ] {
            for line in lines.iter() {
                writeln!(out, "    {stream} | {line}")?;
            }
        }
    }
    if verbose {
        let t = outcome.timings;
        writeln!(
            out,
            "  round trips: {}, {} ms (facts {:.1} ms, plan {:.1} ms, apply {:.1} ms)",
            outcome.round_trips,
            outcome.elapsed_ms,
            t.facts_us as f64 / 1e3,
            t.plan_us as f64 / 1e3,
            t.apply_us as f64 / 1e3
        )?;
    }
    Ok(())
}

/// `text` with a sandbox root taken out of its paths.
fn relative(text: &str, root: Option<&str>) -> String {
    match root {
        Some(root) if !root.is_empty() => {
            text.replace(&format!("{}/", root.trim_end_matches('/')), "")
        }
        _ => text.to_string(),
    }
}

/// The recap: one line per node, like Ansible's.
pub fn print_recap(out: &mut dyn Write, outcomes: &[NodeOutcome]) -> std::io::Result<()> {
    let out = &mut super::Visible(out);
    writeln!(out, "\nRECAP")?;
    let width = outcomes
        .iter()
        .map(|o| o.node.len() + o.group.len() + 3)
        .max()
        .unwrap_or(0);
    for o in outcomes {
        let name = format!("[{}] {}", o.group, o.node);
        let failed = usize::from(o.status == NodeStatus::Failed);
        writeln!(
            out,
            "{name:<width$}  ok={:<3} changed={:<3} failed={failed}  round-trips={} time={}ms",
            o.ok, o.changed, o.round_trips, o.elapsed_ms
        )?;
    }
    Ok(())
}

/// `status`: a table of every program on every node.
pub fn print_status_table(out: &mut dyn Write, outcomes: &[NodeOutcome]) -> std::io::Result<()> {
    let out = &mut super::Visible(out);
    let rows: Vec<[String; 4]> = outcomes
        .iter()
        .flat_map(|o| {
            let node = format!("[{}] {}", o.group, o.node);
            let mut rows: Vec<[String; 4]> = o
                .programs
                .iter()
                .map(|p| {
                    [
                        node.clone(),
                        p.name.clone(),
                        p.state.clone(),
                        p.detail.clone(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                let detail = o.error.clone().unwrap_or_else(|| "no programs".into());
                rows.push([node, "-".into(), "-".into(), detail]);
            }
            rows
        })
        .collect();
    let headers = ["NODE", "PROGRAM", "STATE", "DETAIL"];
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    writeln!(
        out,
        "{:<w0$}  {:<w1$}  {:<w2$}  {}",
        headers[0],
        headers[1],
        headers[2],
        headers[3],
        w0 = widths[0],
        w1 = widths[1],
        w2 = widths[2]
    )?;
    for r in rows {
        writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )?;
    }
    Ok(())
}
