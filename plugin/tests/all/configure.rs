//! `(settings, programs, facts) -> configure plan`: only what changed is
//! written, only changed groups are updated and awaited.

use pretty_assertions::assert_eq;
use supervisord_plugin::MANAGED_MARKER;
use supervisord_plugin::bindings::{
    Desired, EnvVar, NodeFacts, ProcessState, Program, SupervisorState,
};

use crate::support::*;

const ROOT: &str = "/n";
const CONF_D: &str = "/n/opt/supervisord/etc/conf.d";
const CONF: &str = "/n/opt/supervisord/etc/supervisord.conf";

const LOCATION: &str = "/n/var/lib/supervisord-crate/location";

/// The plan's steps, but the records of what supervisord applied and
/// where it lives (which `applied_configuration_is_recorded_and_read_back`
/// and the scope tests cover).
fn steps(programs: &[Program], facts: &NodeFacts) -> Vec<String> {
    describe(&configure_plan("{}", programs, facts).unwrap_or_else(|e| panic!("{e:?}")))
        .into_iter()
        .filter(|s| {
            !s.contains("supervisord-crate.applied") && !s.contains("supervisord-crate/location")
        })
        .collect()
}

fn two_programs() -> Vec<Program> {
    vec![
        program("web", "python3 -m http.server 8080"),
        program("worker", "sleep 1000"),
    ]
}

/// A sandbox node whose supervisord.conf is already in place (so program
/// changes alone decide what is awaited), plus the given program files.
fn sandbox_with(files: &[(&str, &str)]) -> NodeFacts {
    let base = sandbox(ROOT);
    let conf = install_plan("{}", &base).unwrap();
    let location = configure_plan("{}", &[], &base).unwrap();
    let base = with_record(base, LOCATION, file_content(&location, LOCATION));
    let mut facts = with_file(base, CONF, file_content(&conf, CONF), 0o644, "dev");
    for (name, content) in files {
        facts = with_file(facts, &format!("{CONF_D}/{name}"), content, 0o644, "dev");
    }
    facts
}

/// The file each program renders to on the sandbox node.
fn rendered(programs: &[Program]) -> Vec<(String, String)> {
    let plan = configure_plan("{}", programs, &sandbox(ROOT)).unwrap();
    plan.steps
        .iter()
        .filter_map(|s| match &s.desired {
            Desired::File(f) => Some((
                f.path.rsplit('/').next().unwrap().to_string(),
                f.content.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn converged(programs: &[Program]) -> NodeFacts {
    let files = rendered(programs);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    sandbox_with(&refs)
}

#[test]
fn first_converge_writes_every_group_updates_and_awaits_them() {
    assert_eq!(
        steps(&two_programs(), &sandbox_with(&[])),
        vec![
            format!("file {CONF_D}/web.conf 644"),
            format!("file {CONF_D}/worker.conf 644"),
            "ctl update web worker after [0, 1]".to_string(),
            "await web worker 19s".into(),
        ]
    );
}

#[test]
fn a_converged_node_gets_an_empty_plan() {
    let programs = two_programs();
    assert_eq!(
        steps(&programs, &converged(&programs)),
        Vec::<String>::new()
    );
}

#[test]
fn one_changed_command_touches_only_its_group() {
    let facts = converged(&two_programs());
    let mut programs = two_programs();
    programs[1].command = "sleep 2000".into();
    let plan = configure_plan("{}", &programs, &facts).unwrap();
    assert_eq!(
        describe(&plan),
        vec![
            format!("file {CONF_D}/worker.conf 644"),
            "ctl update worker after [0]".to_string(),
            "await worker 19s".into(),
            format!("file {APPLIED} 644"),
        ]
    );
    assert_eq!(plan.steps[0].reason, "group worker: content changed");
}

#[test]
fn stale_managed_files_go_and_foreign_files_stay() {
    let stale = format!("{MANAGED_MARKER}\n\n[program:old]\ncommand=sleep 1\n");
    let foreign = "[program:mine]\ncommand=sleep 1\n";
    let programs = two_programs();
    let mut files = rendered(&programs);
    files.push(("old.conf".into(), stale));
    files.push(("mine.conf".into(), foreign.into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        steps(&programs, &sandbox_with(&refs)),
        vec![
            format!("absent {CONF_D}/old.conf"),
            "ctl update old after [0]".to_string()
        ]
    );
}

#[test]
fn grouped_programs_share_one_file_named_after_the_group() {
    let mut programs = two_programs();
    for p in &mut programs {
        p.group = Some("site".into());
    }
    let plan = configure_plan(
        r#"{"groups": {"site": {"priority": 10}}}"#,
        &programs,
        &sandbox_with(&[]),
    )
    .unwrap();
    assert_eq!(
        describe(&plan),
        vec![
            format!("file {CONF_D}/site.conf 644"),
            "ctl update site after [0]".to_string(),
            "await site 19s".into(),
            format!("file {APPLIED} 644"),
            // The group's priority is a setting: the record of them changes.
            format!("file {LOCATION} 644"),
        ]
    );
    let content = file_content(&plan, &format!("{CONF_D}/site.conf"));
    assert!(
        content.contains("[group:site]\nprograms=web,worker\npriority=10\n"),
        "{content}"
    );
}

#[test]
fn only_a_program_with_one_process_of_its_groups_name_is_awaited_alone() {
    let web = program("web", "python3 -m http.server 8080");
    let mut pool = program("pool", "sleep 1000");
    pool.numprocs = Some(2);
    pool.process_name = Some("pool_%(process_num)d".into());
    let mut named = program("named", "sleep 1000");
    named.process_name = Some("named_one".into());
    // A group named like one of its two programs: asking supervisord for
    // `site` would answer for `site:site` alone.
    let mut site = program("site", "sleep 1000");
    site.group = Some("site".into());
    let mut assets = program("assets", "sleep 1000");
    assets.group = Some("site".into());
    let mut solo = program("solo", "sleep 1000");
    solo.group = Some("solo".into());
    let programs = [web, pool, named, site, assets, solo];
    let plan = configure_plan("{}", &programs, &sandbox_with(&[])).unwrap();
    let awaited = plan
        .steps
        .iter()
        .find_map(|s| match &s.desired {
            Desired::AwaitRunning(a) => Some(a.clone()),
            _ => None,
        })
        .expect("an await step");
    assert_eq!(
        awaited.groups,
        ["named", "pool", "site", "solo", "web"].map(String::from)
    );
    assert_eq!(awaited.lone, ["solo", "web"].map(String::from));
}

#[test]
fn environments_make_files_private() {
    let mut programs = two_programs();
    programs[0].environment = vec![EnvVar {
        name: "TOKEN".into(),
        value: "s3cret".into(),
    }];
    let plan = configure_plan("{}", &programs, &sandbox_with(&[])).unwrap();
    let Desired::File(file) = &plan.steps[0].desired else {
        panic!()
    };
    assert_eq!(file.mode, 0o600);
    assert!(file.redact_keys.contains(&"environment".to_string()));
}

#[test]
fn programs_that_do_not_autostart_are_not_awaited() {
    let mut programs = two_programs();
    programs[1].autostart = Some(false);
    programs[0].startsecs = Some(10);
    assert_eq!(
        steps(&programs, &sandbox_with(&[])).last().unwrap(),
        "await web 55s"
    );
}

#[test]
fn a_changed_main_config_awaits_every_group() {
    let programs = two_programs();
    let mut facts = converged(&programs);
    facts.paths.retain(|p| p.path != CONF);
    assert_eq!(
        steps(&programs, &facts),
        vec!["await web worker 19s".to_string()]
    );
}

#[test]
fn without_facts_everything_is_written_and_the_rest_waits_for_changes() {
    let mut facts = unknown("debian");
    facts.root = "/".into();
    assert_eq!(
        steps(&two_programs(), &facts),
        vec![
            "file /etc/supervisor/conf.d/web.conf 644".to_string(),
            "file /etc/supervisor/conf.d/worker.conf 644".into(),
            "ctl update web worker after [0, 1]".into(),
            "await web worker 19s after [0, 1]".into(),
        ]
    );
}

#[test]
fn a_dedicated_supervisord_user_reads_program_files_and_cannot_change_them() {
    let settings = r#"{"install": {"strategy": "pip"}, "user": "supervisor"}"#;
    let mut programs = two_programs();
    programs[1].environment = vec![EnvVar {
        name: "TOKEN".into(),
        value: "s3cret".into(),
    }];
    let plan = configure_plan(settings, &programs, &debian()).unwrap();
    let file = |index: usize| match &plan.steps[index].desired {
        Desired::File(f) => (f.path.clone(), f.owner.clone(), f.group.clone(), f.mode),
        other => panic!("{other:?}"),
    };
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        file(0),
        (
            "/opt/supervisord/etc/conf.d/web.conf".into(),
            some("root"),
            some("supervisor"),
            0o644
        )
    );
    // Secrets: root's, and readable by supervisord's group alone (it reads
    // its configuration again without root after a reload).
    assert_eq!(
        file(1),
        (
            "/opt/supervisord/etc/conf.d/worker.conf".into(),
            some("root"),
            some("supervisor"),
            0o640
        )
    );
}

const APPLIED: &str = "/n/opt/supervisord/etc/.supervisord-crate.applied";

/// `facts` with the record that supervisord applied `programs` as they are
/// on the node (what the plan itself would record).
fn applied(facts: NodeFacts, programs: &[Program]) -> NodeFacts {
    let plan = configure_plan("{}", programs, &facts).unwrap();
    let content = file_content(&plan, APPLIED).to_string();
    let mut facts = with_file(facts, APPLIED, &content, 0o644, "dev");
    facts
        .records
        .push(supervisord_plugin::bindings::RecordFact {
            path: APPLIED.into(),
            content: Some(content),
        });
    facts
}

/// `facts` (of `programs` in place) with supervisord running (`fatal`
/// programs FATAL) and, unless `pending`, the record that it applied them.
fn with_daemon(
    mut facts: NodeFacts,
    programs: &[Program],
    pending: bool,
    fatal: &[&str],
) -> NodeFacts {
    if !pending {
        facts = applied(facts, programs);
    }
    facts.supervisors.push(SupervisorState {
        socket: "/n/opt/supervisord/run/supervisor.sock".into(),
        processes: ["web", "worker"]
            .iter()
            .map(|g| ProcessState {
                group: g.to_string(),
                name: g.to_string(),
                state: if fatal.contains(g) {
                    "FATAL"
                } else {
                    "RUNNING"
                }
                .into(),
                pid: 7,
                description: String::new(),
                spawn_error: String::new(),
                exit_status: 0,
            })
            .collect(),
        complete: true,
    });
    facts
}

#[test]
fn files_in_place_that_supervisord_has_not_applied_are_updated() {
    let programs = two_programs();
    let facts = with_daemon(converged(&programs), &programs, true, &[]);
    assert_eq!(
        steps(&programs, &facts),
        vec!["ctl update".to_string(), "await web worker 19s".into()]
    );
}

#[test]
fn a_fatal_program_that_should_run_is_started_again() {
    let programs = two_programs();
    let facts = with_daemon(converged(&programs), &programs, false, &["web"]);
    assert_eq!(
        steps(&programs, &facts),
        vec!["ctl start web:*".to_string(), "await web 19s".into()]
    );
    let healthy = with_daemon(converged(&programs), &programs, false, &[]);
    assert_eq!(steps(&programs, &healthy), Vec::<String>::new());
}

const RECORD: &str = "/n/run/supervisord-crate/watch.default";

/// Facts with `/n/app.jar` hashing to `now` (None: missing) and, when
/// given, the record of the last apply.
fn watching(mut facts: NodeFacts, now: Option<&str>, record: Option<&str>) -> NodeFacts {
    facts.watched.push(supervisord_plugin::bindings::WatchFact {
        path: "/n/app.jar".into(),
        hash: now.map(str::to_string),
    });
    if let Some(content) = record {
        facts = with_file(facts, RECORD, content, 0o644, "dev");
        facts
            .records
            .push(supervisord_plugin::bindings::RecordFact {
                path: RECORD.into(),
                content: Some(content.into()),
            });
    }
    facts
}

#[test]
fn watched_paths_restart_their_program_once() {
    let mut web = program("web", "python3 -m http.server 8080");
    web.watch = vec!["/n/app.jar".into()];
    let programs = vec![web.clone(), program("worker", "sleep 1000")];
    let running = || with_daemon(converged(&programs), &programs, false, &[]);
    let recorded = |hash: &str| format!("web\t/n/app.jar\t{hash}\n");
    let record_file = format!("file {RECORD} 644");

    // Seen for the first time: recorded, nothing restarts.
    assert_eq!(
        steps(&programs, &watching(running(), Some("aaa"), None)),
        vec![record_file.clone()]
    );
    // Unchanged: nothing at all.
    assert_eq!(
        steps(
            &programs,
            &watching(running(), Some("aaa"), Some(&recorded("aaa")))
        ),
        Vec::<String>::new()
    );
    // Changed: exactly that program restarts, is awaited, then recorded.
    let facts = watching(running(), Some("bbb"), Some(&recorded("aaa")));
    let plan = configure_plan("{}", &programs, &facts).unwrap();
    assert_eq!(
        describe(&plan),
        vec![
            "ctl restart web:web".to_string(),
            "await web 19s".into(),
            record_file.clone()
        ]
    );
    assert_eq!(plan.steps[0].reason, "web: /n/app.jar changed");
    assert_eq!(file_content(&plan, RECORD), recorded("bbb"));
    // Gone: a change too.
    assert_eq!(
        steps(
            &programs,
            &watching(running(), None, Some(&recorded("aaa")))
        )[0],
        "ctl restart web:web"
    );
    // Changed together with its command: the update restarts it, once.
    let mut moved = web.clone();
    moved.command = "python3 -m http.server 8081".into();
    let changed = vec![moved, program("worker", "sleep 1000")];
    let steps_changed = steps(
        &changed,
        &watching(running(), Some("bbb"), Some(&recorded("aaa"))),
    );
    assert!(
        !steps_changed.iter().any(|s| s.starts_with("ctl restart")),
        "{steps_changed:?}"
    );
    assert!(
        steps_changed.contains(&"ctl update web after [0]".to_string()),
        "{steps_changed:?}"
    );
    assert_eq!(steps_changed.last(), Some(&record_file));
    // A program someone stopped stays stopped; the new hash is recorded.
    let mut stopped = running();
    for process in &mut stopped.supervisors[0].processes {
        if process.group == "web" {
            process.state = "STOPPED".into();
        }
    }
    assert_eq!(
        steps(
            &programs,
            &watching(stopped, Some("bbb"), Some(&recorded("aaa")))
        ),
        vec![record_file.clone()]
    );
    // No program watches anything any more: the record goes.
    let plain = two_programs();
    assert_eq!(
        steps(
            &plain,
            &watching(running(), Some("bbb"), Some(&recorded("aaa")))
        ),
        vec![format!("absent {RECORD}")]
    );
}

#[test]
fn under_systemd_the_unit_kills_leftovers_and_waits_for_the_slowest_program() {
    let facts = node(
        "debian",
        "12",
        &[],
        supervisord_plugin::bindings::InitSystem::Systemd,
    );
    let mut slow = program("slow", "sleep 1000");
    slow.stopwaitsecs = Some(120);
    let plan = configure_plan("{}", &[program("web", "run"), slow], &facts).unwrap();
    let drop_in = "/etc/systemd/system/supervisor.service.d/supervisord-crate.conf";
    let content = file_content(&plan, drop_in);
    assert!(content.contains("KillMode=mixed\n"), "{content}");
    assert!(content.contains("RestartSec=2\n"), "{content}");
    assert!(
        content.contains("TimeoutStopSec=150\n"),
        "longer than 120 s: {content}"
    );
    let steps = describe(&plan);
    assert_eq!(steps[0], format!("file {drop_in} 644"));
    assert!(
        steps.contains(&"command systemctl daemon-reload after [0]".to_string()),
        "{steps:?}"
    );
}

#[test]
fn applied_configuration_is_recorded_and_read_back() {
    let programs = two_programs();
    let record = format!("file {APPLIED} 644");
    // supervisord runs what is on the node, as recorded: nothing to do.
    let recorded = with_daemon(converged(&programs), &programs, false, &[]);
    let plan = describe(&configure_plan("{}", &programs, &recorded).unwrap());
    assert_eq!(plan, Vec::<String>::new());
    // A change: the update, then the new record, last.
    let mut changed = programs.clone();
    changed[1].command = "sleep 2000".into();
    let plan = describe(&configure_plan("{}", &changed, &recorded).unwrap());
    assert_eq!(plan.last(), Some(&record), "{plan:?}");
    assert!(
        plan.contains(&"ctl update worker after [0]".to_string()),
        "{plan:?}"
    );
    // No record (an apply cut short, a hand edit): update everything.
    let unrecorded = with_daemon(converged(&programs), &programs, true, &[]);
    let plan = describe(&configure_plan("{}", &programs, &unrecorded).unwrap());
    assert_eq!(
        plan,
        vec![
            "ctl update".to_string(),
            "await web worker 19s".into(),
            record
        ]
    );
}
