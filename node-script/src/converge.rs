//! One plan from a provider's install and configure plans.

use crate::bindings::{Condition, Desired, Plan, Step};
use crate::contract::{renumber, supervisord_of};

/// Everything the install plan puts in place, then the program files (the
/// configure plan's leading file steps), then the daemon steps, then the
/// rest of the configure plan. A daemon started
/// (or reloaded) after the program files are written loads them all at
/// once, so the step script can skip the `supervisorctl update` that would
/// otherwise follow, and a reload does not restart programs twice.
/// Conditions are renumbered.
pub fn merge(install: Plan, configure: Plan) -> Plan {
    let is_daemon = |step: &Step| matches!(step.desired, Desired::Daemon(_));
    // What must be in place before the daemon (re)starts: files, the
    // directories they need, and the commit of staged configuration.
    let is_file = |step: &Step| {
        matches!(
            step.desired,
            Desired::File(_)
                | Desired::Absent(_)
                | Desired::Directory(_)
                | Desired::CommitConfig(_)
        )
    };
    let indices = |plan: usize, steps: &[Step], wanted: &dyn Fn(&Step) -> bool| {
        steps
            .iter()
            .enumerate()
            .filter(|(_, s)| wanted(s))
            .map(|(i, _)| (plan, i))
            .collect::<Vec<_>>()
    };
    // Only the configure plan's leading files (the program files) move:
    // a file it writes later (such as a record of what was applied) must
    // stay after the steps it records.
    let leading = configure.steps.iter().take_while(|s| is_file(s)).count();
    // (which plan, index in it), in the merged order.
    let mut order: Vec<(usize, usize)> = indices(0, &install.steps, &|s| !is_daemon(s));
    order.extend((0..leading).map(|i| (1, i)));
    order.extend(indices(0, &install.steps, &is_daemon));
    order.extend((leading..configure.steps.len()).map(|i| (1, i)));
    let mut new_index = [
        vec![0u32; install.steps.len()],
        vec![0u32; configure.steps.len()],
    ];
    for (position, (plan, index)) in order.iter().enumerate() {
        new_index[*plan][*index] = position as u32;
    }
    let plans = [install.steps, configure.steps];
    let steps = order
        .iter()
        .map(|(plan, index)| {
            let mut step = plans[*plan][*index].clone();
            // A target that does not exist stays out of range, so
            // `apply-script` refuses it rather than us hiding it.
            renumber(&mut step, |target| {
                new_index[*plan]
                    .get(target as usize)
                    .copied()
                    .unwrap_or(u32::MAX)
            });
            step
        })
        .collect();
    with_commit(Plan { steps })
}

/// `plan` with a `commit-config` step right after its last staged step,
/// for the supervisord its daemon or supervisorctl steps name, unless one
/// is there already. Conditions after it are renumbered.
fn with_commit(mut plan: Plan) -> Plan {
    let staged = |step: &Step| match &step.desired {
        Desired::File(f) => f.staged,
        Desired::Absent(a) => a.staged,
        _ => false,
    };
    let Some(last) = plan.steps.iter().rposition(staged) else {
        return plan;
    };
    if plan.steps[last..]
        .iter()
        .any(|s| matches!(s.desired, Desired::CommitConfig(_)))
    {
        return plan;
    }
    // Without a supervisord to name, the plan stays as it is and
    // `apply-script` refuses it.
    let Some(ctl) = supervisord_of(&plan).cloned() else {
        return plan;
    };
    let at = last + 1;
    for step in &mut plan.steps[at..] {
        // An out-of-range target (u32::MAX) stays out of range.
        renumber(step, |target| {
            if target as usize >= at {
                target.saturating_add(1)
            } else {
                target
            }
        });
    }
    plan.steps.insert(
        at,
        Step {
            desired: Desired::CommitConfig(ctl),
            reason: "supervisor's parser checks the new configuration before it is used".into(),
            when: Condition::Always,
        },
    );
    plan
}
