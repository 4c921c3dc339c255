//! `converge-plan`: program files before the daemon, conditions renumbered.

use supervisord_node_script::bindings::{Condition, DaemonEnsure};
use supervisord_node_script::converge::merge;
use supervisord_node_script::report::describe;

use crate::support::*;

#[test]
fn program_files_go_before_the_daemon_and_conditions_follow_their_steps() {
    let install = plan(vec![
        step(absent("/conf")),
        when(daemon(DaemonEnsure::Restarted), &[0]),
        step(daemon(DaemonEnsure::Running)),
    ]);
    let configure = plan(vec![
        step(absent("/a")),
        step(absent("/b")),
        when(update(), &[0, 1]),
    ]);
    let merged = merge(install, configure);
    let kinds: Vec<String> = merged.steps.iter().map(|s| describe(&s.desired)).collect();
    assert_eq!(
        kinds,
        [
            "absent /conf",
            "absent /a",
            "absent /b",
            "supervisord ()",
            "supervisord ()",
            "supervisorctl update"
        ]
    );
    assert_eq!(merged.steps[3].when, Condition::Changed(vec![0]));
    assert_eq!(merged.steps[5].when, Condition::Changed(vec![1, 2]));
    supervisord_node_script::script::validate(&merged, &options(false, false)).unwrap();
}

#[test]
fn a_condition_on_a_step_that_does_not_exist_stays_refusable() {
    let merged = merge(plan(vec![when(update(), &[7])]), plan(vec![]));
    assert_eq!(merged.steps[0].when, Condition::Changed(vec![u32::MAX]));
    let error =
        supervisord_node_script::script::validate(&merged, &options(false, false)).unwrap_err();
    assert_eq!(error.field, "plan.steps[0].when");
    // Also when a commit step is inserted before it: out of range is not
    // a number that moves (it would wrap to step 0).
    let merged = merge(
        plan(vec![when(update(), &[7])]),
        plan(vec![step(staged("/etc/x.conf", "x"))]),
    );
    let update_step = merged
        .steps
        .iter()
        .find(|s| {
            matches!(
                s.desired,
                supervisord_node_script::bindings::Desired::Supervisorctl(_)
            )
        })
        .unwrap();
    assert_eq!(update_step.when, Condition::Changed(vec![u32::MAX]));
}
