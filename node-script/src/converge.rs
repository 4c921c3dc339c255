//! One plan from a provider's install and configure plans.

use crate::bindings::{Condition, Desired, Plan, Step};

/// Everything the install plan puts in place, then the program files, then
/// the daemon steps, then the rest of the configure plan. A daemon started
/// (or reloaded) after the program files are written loads them all at
/// once, so the step script can skip the `supervisorctl update` that would
/// otherwise follow, and a reload does not restart programs twice.
/// Conditions are renumbered.
pub fn merge(install: Plan, configure: Plan) -> Plan {
    let is_daemon = |step: &Step| matches!(step.desired, Desired::Daemon(_));
    let is_file = |step: &Step| matches!(step.desired, Desired::File(_) | Desired::Absent(_));
    // (which plan, index in it), in the merged order.
    let mut order: Vec<(usize, usize)> = Vec::new();
    let mut take = |plan: usize, steps: &[Step], wanted: &dyn Fn(&Step) -> bool| {
        order.extend(
            steps
                .iter()
                .enumerate()
                .filter(|(_, s)| wanted(s))
                .map(|(i, _)| (plan, i)),
        );
    };
    take(0, &install.steps, &|s| !is_daemon(s));
    take(1, &configure.steps, &is_file);
    take(0, &install.steps, &is_daemon);
    take(1, &configure.steps, &|s| !is_file(s));
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
            if let Condition::Changed(targets) = &mut step.when {
                for target in targets.iter_mut() {
                    // A target that does not exist stays out of range, so
                    // `apply-script` refuses it rather than us hiding it.
                    *target = new_index[*plan]
                        .get(*target as usize)
                        .copied()
                        .unwrap_or(u32::MAX);
                }
            }
            step
        })
        .collect();
    Plan { steps }
}
