//! Reports from output the scripts could print, table-driven.

use supervisord_node_script::bindings::{
    CtlAction, Desired, Outcome, ScriptOutput, StepStatus, Supervisorctl,
};
use supervisord_node_script::report;

use crate::support::*;

fn output(stdout: &str, exit_code: Option<i32>) -> ScriptOutput {
    ScriptOutput {
        stdout: stdout.into(),
        stderr: "last words\n".into(),
        exit_code,
    }
}

#[test]
fn outcomes_from_script_output() {
    let two = plan(vec![step(update()), step(update())]);
    let cases: Vec<(&str, ScriptOutput, Outcome, Option<&str>)> = vec![
        (
            "all ok",
            output("@supd\t0\tok\t\n@supd\t1\tok\tskipped\n", Some(0)),
            Outcome::Ok,
            None,
        ),
        (
            "one changed",
            output("@supd\t0\tchanged\tweb: updated\n@supd\t1\tok\t\n", Some(0)),
            Outcome::Changed,
            None,
        ),
        (
            "a step failed",
            output(
                "@supd\t0\tchanged\t\n@supd\t1\tfailed\tnot running: web FATAL\n",
                Some(1),
            ),
            Outcome::Failed,
            Some("step 1 (supervisorctl update) failed: not running: web FATAL"),
        ),
        (
            "exit 0 but a step never reported",
            output("@supd\t0\tok\t\n", Some(0)),
            Outcome::Failed,
            Some("the step script stopped after 1 of 2 steps (exit 0): last words"),
        ),
        (
            "killed",
            output("@supd\t0\tok\t\n@supd\t1\tok\t\n", None),
            Outcome::Failed,
            Some(
                "the step script stopped after 2 of 2 steps (killed by a signal or lost): last words",
            ),
        ),
        (
            "a report line for a step that does not exist is ignored",
            output(
                "@supd\t0\tok\t\n@supd\t1\tok\t\n@supd\t9\tchanged\t\n",
                Some(0),
            ),
            Outcome::Ok,
            None,
        ),
    ];
    for (name, output, outcome, error) in cases {
        let report = report::parse(&two, &options(false, false), Some(&output), None);
        assert_eq!(report.outcome, outcome, "{name}: {report:#?}");
        assert_eq!(report.error.as_deref(), error, "{name}");
    }
}

#[test]
fn status_steps_give_program_states() {
    let status = plan(vec![step(Desired::Supervisorctl(Supervisorctl {
        ctl: ctl(),
        action: CtlAction::Status,
        targets: vec![],
    }))]);
    use base64::Engine;
    let text =
        "web    RUNNING   pid 42, uptime 0:01:00\nsite:worker   FATAL     Exited too quickly\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let report = report::parse(
        &status,
        &options(false, false),
        Some(&output(
            &format!("@supd-out\t0\t{encoded}\n@supd\t0\tfailed\tsite:worker FATAL\n"),
            Some(1),
        )),
        None,
    );
    assert_eq!(report.steps[0].status, StepStatus::Failed);
    assert_eq!(report.programs.len(), 2);
    assert_eq!(report.programs[0].pid, Some(42));
    assert_eq!(report.programs[1].name, "site:worker");
    assert_eq!(report.programs[1].state, "FATAL");
}
