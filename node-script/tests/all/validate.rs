//! Plans the script refuses, each naming the step and the field.

use supervisord_node_script::bindings::{
    DaemonEnsure, Desired, Directory, ErrorKind, Guard, GuardedCommand, PackageManager, Packages,
    ScriptOptions,
};
use supervisord_node_script::script::validate;

use crate::support::*;

#[test]
fn bad_plans_are_refused_naming_the_step() {
    let limits = |steps: u32, bytes: u64| ScriptOptions {
        max_steps: Some(steps),
        max_bytes: Some(bytes),
        ..options(false, false)
    };
    let cases: Vec<(
        &str,
        supervisord_node_script::bindings::Plan,
        ScriptOptions,
        &str,
        &str,
    )> = vec![
        (
            "a condition on itself",
            plan(vec![when(update(), &[0])]),
            options(false, false),
            "plan.steps[0].when",
            "waits for step 0",
        ),
        (
            "a condition on a later step",
            plan(vec![when(update(), &[1]), step(update())]),
            options(false, false),
            "plan.steps[0].when",
            "does not come before it",
        ),
        (
            "a NUL byte in a file",
            plan(vec![step(file("/x", "a\0b", 0o644, &[]))]),
            options(false, false),
            "plan.steps[0]",
            "NUL",
        ),
        (
            "a NUL byte in a reason",
            plan(vec![supervisord_node_script::bindings::Step {
                reason: "\0".into(),
                ..step(update())
            }]),
            options(false, false),
            "plan.steps[0]",
            "NUL",
        ),
        (
            "a mode that is not a permission",
            plan(vec![step(absent("/a")), step(file("/x", "", 0o17777, &[]))]),
            options(false, false),
            "plan.steps[1].desired.mode",
            "17777",
        ),
        (
            "too many steps",
            plan(vec![step(update()), step(update()), step(update())]),
            limits(2, 1 << 20),
            "plan.steps",
            "3 steps is over the limit of 2",
        ),
        (
            "too many bytes",
            plan(vec![step(file("/x", &"x".repeat(2000), 0o644, &[]))]),
            limits(10, 1000),
            "plan.steps",
            "over the limit of 1000",
        ),
        (
            "an option-shaped package name",
            plan(vec![step(Desired::Packages(Packages {
                manager: PackageManager::Apt,
                names: vec!["-oDPkg::Pre-Invoke::=id".into()],
            }))]),
            options(false, false),
            "plan.steps[0].desired.names",
            "is not a package name",
        ),
        (
            "a command that names a builtin's assignment",
            plan(vec![step(Desired::Command(GuardedCommand {
                argv: vec!["PATH=/tmp".into(), "x".into()],
                guard: Guard::None,
            }))]),
            options(false, false),
            "plan.steps[0].desired.argv",
            "not a program name",
        ),
        (
            "an option-shaped guard",
            plan(vec![step(Desired::Command(GuardedCommand {
                argv: vec!["true".into()],
                guard: Guard::Unless(vec!["--help".into()]),
            }))]),
            options(false, false),
            "plan.steps[0].desired.guard",
            "not a program name",
        ),
        (
            "an owner that is an option",
            plan(vec![step(Desired::Directory(Directory {
                path: "/x".into(),
                owner: Some("--reference=/etc/shadow".into()),
                group: None,
                mode: 0o755,
            }))]),
            options(false, false),
            "plan.steps[0].desired.owner",
            "not an account name",
        ),
    ];
    for (name, plan, options, field, words) in cases {
        let error = validate(&plan, &options).expect_err(name);
        assert_eq!(error.field, field, "{name}");
        assert_eq!(error.kind, ErrorKind::InvalidValue, "{name}");
        assert!(error.message.contains(words), "{name}: {}", error.message);
    }
    validate(
        &plan(vec![
            step(daemon(DaemonEnsure::Running)),
            when(update(), &[0]),
        ]),
        &options(false, false),
    )
    .expect("a good plan passes");
}
