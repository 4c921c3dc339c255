//! What node-script reads out of a provider's plan, written once: the
//! supervisord a plan names, and step conditions pointing at new places.
//! The rules are the WIT's (`plan.wit`, `node-script.wit`); every function
//! that needs one calls these.

use crate::bindings::{Condition, CtlEndpoint, Desired, Plan, Step};

/// The supervisord a plan changes: the `ctl` of its first daemon,
/// supervisorctl, await-running or commit-config step. A plan changes at
/// most one supervisord (its steps name the same one): the apply script
/// takes its lock, and the report asks its socket for program states.
pub fn supervisord_of(plan: &Plan) -> Option<&CtlEndpoint> {
    plan.steps.iter().find_map(|step| match &step.desired {
        Desired::Daemon(d) => Some(&d.ctl),
        Desired::Supervisorctl(c) => Some(&c.ctl),
        Desired::AwaitRunning(a) => Some(&a.ctl),
        Desired::CommitConfig(ctl) => Some(ctl),
        _ => None,
    })
}

/// `step`'s `changed(..)` targets moved to where `new_index` says.
pub fn renumber(step: &mut Step, new_index: impl Fn(u32) -> u32) {
    if let Condition::Changed(targets) = &mut step.when {
        for target in targets.iter_mut() {
            *target = new_index(*target);
        }
    }
}
