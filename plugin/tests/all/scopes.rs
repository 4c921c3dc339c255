//! Many requesters on one supervisord: `(declaration, programs, facts) ->
//! plan`. Each scope writes and prunes only its own files, refuses
//! programs another scope owns, and finds the daemon through the node's
//! location record.

use pretty_assertions::assert_eq;
use supervisord_plugin::MANAGED_MARKER;
use supervisord_plugin::bindings::{
    Declaration, ErrorKind, NodeFacts, Plan, Program, Role, ServiceAction, ServiceOptions,
};
use supervisord_plugin::plan;

use crate::support::*;

const ROOT: &str = "/n";
const CONF_D: &str = "/n/opt/supervisord/etc/conf.d";
const CONF: &str = "/n/opt/supervisord/etc/supervisord.conf";
const LOCATION: &str = "/n/var/lib/supervisord-crate/location";

fn configure(declaration: &Declaration, programs: &[Program], facts: &NodeFacts) -> Plan {
    plan::configure_plan("{}", declaration, programs, facts).unwrap_or_else(|e| panic!("{e:?}"))
}

/// What the plan writes and removes, without its records.
fn files(plan: &Plan) -> Vec<String> {
    describe(plan)
        .into_iter()
        .filter(|s| s.starts_with("file") || s.starts_with("absent"))
        .filter(|s| !s.contains(".supervisord-crate.applied") && !s.contains("supervisord-crate/"))
        .collect()
}

/// A sandbox node converged by `owner` (scope `default`, the daemon's
/// owner) with `programs`, and then by each `(scope, programs)`.
fn node_with(owned: &[Program], others: &[(&str, Vec<Program>)]) -> NodeFacts {
    let mut facts = sandbox(ROOT);
    let install = install_plan("{}", &facts).unwrap();
    facts = with_file(facts, CONF, file_content(&install, CONF), 0o644, "dev");
    let first = configure(&owner(), owned, &facts);
    facts = with_record(facts, LOCATION, file_content(&first, LOCATION));
    facts = with_dirs(facts, &[CONF_D], 0o755, "dev");
    facts = with_written(facts, &first);
    for (scope, programs) in others {
        let plan = configure(&scoped(scope, Role::Programs), programs, &facts);
        facts = with_written(facts, &plan);
    }
    facts
}

/// `facts` with the program files `plan` writes in place, and those it
/// removes gone.
fn with_written(mut facts: NodeFacts, plan: &Plan) -> NodeFacts {
    for step in &plan.steps {
        match &step.desired {
            supervisord_plugin::bindings::Desired::File(f) if f.path.starts_with(CONF_D) => {
                facts.paths.retain(|p| p.path != f.path);
                facts = with_file(facts, &f.path, &f.content, f.mode, "dev");
            }
            supervisord_plugin::bindings::Desired::Absent(a) => {
                facts.paths.retain(|p| p.path != a.path);
            }
            _ => {}
        }
    }
    facts
}

fn web() -> Program {
    program("web", "python3 -m http.server 8080")
}

fn worker() -> Program {
    program("worker", "sleep 1000")
}

#[test]
fn a_second_scope_adds_its_programs_and_leaves_the_first_ones_alone() {
    let facts = node_with(&[web()], &[]);
    let plan = configure(&scoped("jobs", Role::Programs), &[worker()], &facts);
    assert_eq!(files(&plan), [format!("file {CONF_D}/worker.conf 644")]);
    assert!(
        file_content(&plan, &format!("{CONF_D}/worker.conf"))
            .starts_with("; Managed by supervisord-crate (scope jobs): "),
        "the file names its scope"
    );
    // Converged, both scopes find nothing to do, and neither prunes the
    // other's program.
    let both = node_with(&[web()], &[("jobs", vec![worker()])]);
    assert_eq!(
        files(&configure(&owner(), &[web()], &both)),
        Vec::<String>::new()
    );
    assert_eq!(
        files(&configure(
            &scoped("jobs", Role::Programs),
            &[worker()],
            &both
        )),
        Vec::<String>::new()
    );
}

#[test]
fn a_scope_prunes_only_its_own_files_and_exclusive_prunes_every_managed_one() {
    let facts = node_with(&[web()], &[("jobs", vec![worker()])]);
    // The owner drops web: its file goes, jobs' worker stays.
    assert_eq!(
        files(&configure(&owner(), &[], &facts)),
        [format!("absent {CONF_D}/web.conf")]
    );
    // jobs drops worker: only worker goes.
    assert_eq!(
        files(&configure(&scoped("jobs", Role::Programs), &[], &facts)),
        [format!("absent {CONF_D}/worker.conf")]
    );
    // An exclusive declaration owns every managed file.
    let exclusive = Declaration {
        exclusive: true,
        ..owner()
    };
    assert_eq!(
        files(&configure(&exclusive, &[web()], &facts)),
        [format!("absent {CONF_D}/worker.conf")]
    );
}

#[test]
fn a_program_another_scope_owns_is_refused_naming_that_scope() {
    let facts = node_with(&[web()], &[("jobs", vec![worker()])]);
    let error = plan::configure_plan("{}", &scoped("other", Role::Programs), &[worker()], &facts)
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert_eq!(error.field, "programs[worker]");
    assert!(
        error
            .message
            .contains("program worker is managed by scope jobs")
            && error.message.contains("worker.conf"),
        "{error:?}"
    );
    // A program in a group of its own that shares its name with another
    // scope's program: supervisord would merge their sections.
    let mut grouped = worker();
    grouped.group = Some("batch".into());
    let error = plan::configure_plan("{}", &scoped("other", Role::Programs), &[grouped], &facts)
        .unwrap_err();
    assert!(
        error
            .message
            .contains("a program named worker is managed by scope jobs"),
        "{error:?}"
    );
    // Asking for another scope's program to be absent is refused too.
    let absent = Declaration {
        absent: vec!["web".into()],
        ..scoped("jobs", Role::Programs)
    };
    let error = plan::configure_plan("{}", &absent, &[worker()], &facts).unwrap_err();
    assert_eq!(
        (error.field.as_str(), error.kind),
        ("declaration.absent[0]", ErrorKind::Conflict)
    );
    assert!(error.message.contains("scope default"), "{error:?}");
}

#[test]
fn files_from_before_scopes_belong_to_the_daemons_owner() {
    let legacy = format!("{MANAGED_MARKER}\n\n[program:old]\ncommand=sleep 1\n");
    let facts = with_file(
        node_with(&[web()], &[]),
        &format!("{CONF_D}/old.conf"),
        &legacy,
        0o644,
        "dev",
    );
    assert_eq!(
        files(&configure(&owner(), &[web()], &facts)),
        [format!("absent {CONF_D}/old.conf")]
    );
    assert_eq!(
        files(&configure(&scoped("jobs", Role::Programs), &[], &facts)),
        Vec::<String>::new(),
        "another scope leaves them"
    );
    // Someone's own file is never removed, by anyone.
    let foreign = with_file(
        facts,
        &format!("{CONF_D}/mine.conf"),
        "[program:mine]\ncommand=sleep 1\n",
        0o644,
        "dev",
    );
    let exclusive = Declaration {
        exclusive: true,
        ..owner()
    };
    assert!(
        !files(&configure(&exclusive, &[web()], &foreign))
            .iter()
            .any(|s| s.contains("mine.conf"))
    );
}

#[test]
fn programs_only_declarations_use_the_recorded_supervisord_and_need_one() {
    let custom = r#"{"install": {"strategy": "pip"}, "paths": {"include-dir": "/n/custom.d"}}"#;
    let base = sandbox(ROOT);
    let first = plan::configure_plan(custom, &owner(), &[web()], &base).unwrap();
    let location = file_content(&first, LOCATION).to_string();
    assert!(location.contains("listing\t/n/custom.d\n"), "{location}");
    let facts = with_record(base.clone(), LOCATION, &location);
    let plan = configure(&scoped("jobs", Role::Programs), &[worker()], &facts);
    assert_eq!(files(&plan), ["file /n/custom.d/worker.conf 644"]);
    // It writes neither the daemon's configuration nor the record.
    assert!(
        !describe(&plan)
            .iter()
            .any(|s| s.contains("supervisord.conf") || s.contains(LOCATION)),
        "{:?}",
        describe(&plan)
    );
    // Its install plan only starts the recorded daemon when it is down.
    let install = plan::install_plan("{}", &scoped("jobs", Role::Programs), &facts).unwrap();
    assert_eq!(
        describe(&install),
        [
            "daemon running via command /n/opt/supervisord/venv/bin/supervisord -c /n/opt/supervisord/etc/supervisord.conf"
        ]
    );
    // Without a record, there is nothing to add programs to.
    let error = plan::configure_plan("{}", &scoped("jobs", Role::Programs), &[worker()], &base)
        .unwrap_err();
    assert_eq!(error.field, "declaration.role");
    assert!(
        error.message.contains("no supervisord is recorded"),
        "{error:?}"
    );
}

#[test]
fn another_scope_may_own_the_same_daemon_but_not_another_one() {
    let facts = node_with(&[web()], &[]);
    // Exactly the same settings: it shares the daemon and leaves the
    // record alone.
    let plan = configure(&scoped("jobs", Role::Daemon), &[worker()], &facts);
    assert!(
        !describe(&plan).iter().any(|s| s.contains(LOCATION)),
        "{:?}",
        describe(&plan)
    );
    assert!(plan::install_plan("{}", &scoped("jobs", Role::Daemon), &facts).is_ok());
    // Other settings: refused, naming the owner and the setting.
    let debug = r#"{"supervisord": {"loglevel": "debug"}}"#;
    for error in [
        plan::install_plan(debug, &scoped("jobs", Role::Daemon), &facts).unwrap_err(),
        plan::configure_plan(debug, &scoped("jobs", Role::Daemon), &[worker()], &facts)
            .unwrap_err(),
    ] {
        assert_eq!(error.kind, ErrorKind::Conflict);
        assert_eq!(error.field, "settings.supervisord.loglevel");
        assert!(
            error.message.contains("owned by scope default"),
            "{error:?}"
        );
    }
    // Its owner may change them, and records them anew.
    let plan = plan::configure_plan(debug, &owner(), &[web()], &facts).unwrap();
    assert!(file_content(&plan, LOCATION).contains("\"loglevel\":\"debug\""));
}

#[test]
fn a_service_action_without_settings_finds_the_recorded_supervisord() {
    let custom = r#"{"install": {"strategy": "pip"}, "paths": {"socket": "/n/s.sock"}}"#;
    let base = sandbox(ROOT);
    let first = plan::configure_plan(custom, &owner(), &[web()], &base).unwrap();
    let facts = with_record(base, LOCATION, file_content(&first, LOCATION));
    let options = ServiceOptions {
        if_stopped: false,
        signal: None,
    };
    for settings in ["", "{}"] {
        let plan =
            plan::service_plan(settings, &facts, "web", ServiceAction::Restart, &options).unwrap();
        let supervisord_plugin::bindings::Desired::Supervisorctl(ctl) = &plan.steps[0].desired
        else {
            panic!("{plan:?}")
        };
        assert_eq!(ctl.ctl.socket, "/n/s.sock", "settings {settings:?}");
    }
}

#[test]
fn the_probes_follow_the_location_record_and_read_the_scopes_watch_record() {
    let probes =
        supervisord_plugin::probes::probes("{}", &scoped("jobs", Role::Programs), &[], ROOT)
            .unwrap();
    assert_eq!(probes.locations, [LOCATION]);
    assert!(
        probes
            .records
            .contains(&"/n/run/supervisord-crate/watch.jobs".to_string()),
        "{:?}",
        probes.records
    );
}
