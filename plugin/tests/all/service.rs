//! Service actions, `config-map` of the generic facility, probes and the
//! provider description.

use pretty_assertions::assert_eq;
use supervisord_plugin::Provider;
use supervisord_plugin::bindings::exports::supervisord_crate::supervision::supervision_provider::Guest;
use supervisord_plugin::bindings::{
    Autorestart, EnvVar, LogTarget, ServiceAction, ServiceOptions, Signal,
};
use supervisord_plugin::facility::config_map;
use supervisord_plugin::plan::service_plan;

use crate::support::*;

#[test]
fn service_actions_follow_the_seed() {
    let plain = ServiceOptions {
        if_stopped: false,
        signal: None,
    };
    let if_stopped = ServiceOptions {
        if_stopped: true,
        signal: None,
    };
    let hup = ServiceOptions {
        if_stopped: false,
        signal: Some(Signal::Hup),
    };
    let cases = [
        ("web", ServiceAction::Start, &plain, vec!["ctl start web:*"]),
        ("web", ServiceAction::Stop, &plain, vec!["ctl stop web:*"]),
        (
            "web",
            ServiceAction::Restart,
            &plain,
            vec!["ctl restart web:*"],
        ),
        (
            "web",
            ServiceAction::Restart,
            &if_stopped,
            vec!["ctl start web:*"],
        ),
        (
            "site:web",
            ServiceAction::Status,
            &plain,
            vec!["ctl status site:web"],
        ),
        (
            "site:web",
            ServiceAction::Enable,
            &plain,
            vec!["ctl add site"],
        ),
        (
            "web",
            ServiceAction::Disable,
            &plain,
            vec!["ctl stop web:*", "ctl remove web"],
        ),
        (
            "web",
            ServiceAction::Signal,
            &hup,
            vec!["ctl signal-hup web:*"],
        ),
    ];
    for (service, action, options, want) in cases {
        let plan = service_plan("{}", &debian(), service, action, options).unwrap();
        assert_eq!(describe(&plan), want, "{service} {action:?}");
    }
}

/// A Debian node whose supervisord runs `web` (RUNNING), `jobs:a`
/// (RUNNING) and `jobs:b` (STOPPED).
fn running(processes: &[(&str, &str, &str)]) -> supervisord_plugin::bindings::NodeFacts {
    let mut facts = debian();
    facts
        .supervisors
        .push(supervisord_plugin::bindings::SupervisorState {
            socket: "/var/run/supervisor.sock".into(),
            processes: processes
                .iter()
                .map(
                    |(group, name, state)| supervisord_plugin::bindings::ProcessState {
                        group: group.to_string(),
                        name: name.to_string(),
                        state: state.to_string(),
                        pid: if *state == "RUNNING" { 42 } else { 0 },
                        description: String::new(),
                        spawn_error: String::new(),
                        exit_status: 0,
                    },
                )
                .collect(),
            complete: true,
        });
    facts
}

#[test]
fn service_actions_that_would_change_nothing_are_left_out() {
    let plain = ServiceOptions {
        if_stopped: false,
        signal: None,
    };
    let if_stopped = ServiceOptions {
        if_stopped: true,
        signal: None,
    };
    let some = running(&[
        ("web", "web", "RUNNING"),
        ("jobs", "a", "RUNNING"),
        ("jobs", "b", "STOPPED"),
    ]);
    let none = running(&[]);
    // Read from the process table: only what runs, so nothing is known
    // to be done.
    let mut partial = some.clone();
    partial.supervisors[0].complete = false;
    let cases: Vec<(&str, ServiceAction, &ServiceOptions, &_, Vec<&str>)> = vec![
        ("web", ServiceAction::Start, &plain, &some, vec![]),
        (
            "web",
            ServiceAction::Start,
            &plain,
            &partial,
            vec!["ctl start web:*"],
        ),
        (
            "gone",
            ServiceAction::Disable,
            &plain,
            &partial,
            vec!["ctl stop gone:*", "ctl remove gone"],
        ),
        (
            "web",
            ServiceAction::Stop,
            &plain,
            &some,
            vec!["ctl stop web:*"],
        ),
        (
            "jobs",
            ServiceAction::Start,
            &plain,
            &some,
            vec!["ctl start jobs:*"],
        ),
        ("jobs:a", ServiceAction::Start, &plain, &some, vec![]),
        ("jobs:b", ServiceAction::Stop, &plain, &some, vec![]),
        (
            "jobs:b",
            ServiceAction::Restart,
            &if_stopped,
            &some,
            vec!["ctl start jobs:b"],
        ),
        ("web", ServiceAction::Restart, &if_stopped, &some, vec![]),
        (
            "web",
            ServiceAction::Restart,
            &plain,
            &some,
            vec!["ctl restart web:*"],
        ),
        ("web", ServiceAction::Enable, &plain, &some, vec![]),
        ("gone", ServiceAction::Disable, &plain, &some, vec![]),
        (
            "gone",
            ServiceAction::Start,
            &plain,
            &some,
            vec!["ctl start gone:*"],
        ),
        (
            "*",
            ServiceAction::Start,
            &plain,
            &some,
            vec!["ctl start all"],
        ),
        ("*", ServiceAction::Start, &plain, &none, vec![]),
        ("*", ServiceAction::Stop, &plain, &none, vec![]),
        ("*", ServiceAction::Restart, &plain, &none, vec![]),
        (
            "*",
            ServiceAction::Status,
            &plain,
            &none,
            vec!["ctl status all"],
        ),
    ];
    for (service, action, options, facts, want) in cases {
        let plan = service_plan("{}", facts, service, action, options).unwrap();
        assert_eq!(describe(&plan), want, "{service} {action:?} {options:?}");
    }
}

#[test]
fn the_generic_facility_maps_the_seeds_keys() {
    let program = config_map(
        "generic",
        r#"{
            "service-name": "example-app",
            "command": "java -jar /opt/example-app/app.jar 8080",
            "user": "supervisord",
            "autostart": "true",
            "autorestart": "true",
            "startsecs": 10,
            "stopsignal": "SIGINT",
            "exitcodes": 3,
            "stdout-logfile": "NONE",
            "stdout-logfile-maxbytes": "1MB",
            "environment": {"PORT": "8080"}
        }"#,
    )
    .unwrap();
    assert_eq!(program.name, "example-app");
    assert_eq!(program.command, "java -jar /opt/example-app/app.jar 8080");
    assert_eq!(program.user.as_deref(), Some("supervisord"));
    assert_eq!(program.autostart, Some(true));
    assert_eq!(program.autorestart, Some(Autorestart::Always));
    assert_eq!(program.startsecs, Some(10));
    assert_eq!(program.stopsignal, Some(Signal::Int));
    assert_eq!(program.exitcodes, vec![3]);
    assert_eq!(program.stdout.logfile, Some(LogTarget::None));
    assert_eq!(program.stdout.logfile_maxbytes, Some(1 << 20));
    assert_eq!(
        program.environment,
        vec![EnvVar {
            name: "PORT".into(),
            value: "8080".into()
        }]
    );
}

#[test]
fn probes_cover_every_layout_under_the_root() {
    let whole = probes("{}", &[], "/").unwrap();
    for path in [
        "/etc/supervisor/supervisord.conf",
        "/etc/supervisord.conf",
        "/opt/supervisord/etc/supervisord.conf",
    ] {
        assert!(
            whole.paths.iter().any(|p| p == path),
            "{path} in {:?}",
            whole.paths
        );
    }
    assert!(
        whole
            .listings
            .contains(&"/etc/supervisor/conf.d".to_string())
    );
    assert!(
        whole
            .pid_files
            .contains(&"/var/run/supervisord.pid".to_string())
    );
    assert!(whole.packages.contains(&"supervisor".to_string()));
    assert_eq!(whole.venvs, vec!["/opt/supervisord/venv".to_string()]);

    let sandbox = probes("{}", &[], "/home/dev/node").unwrap();
    assert!(
        sandbox
            .paths
            .iter()
            .chain(&sandbox.listings)
            .chain(&sandbox.pid_files)
            .chain(&sandbox.venvs)
            .all(|p| p.starts_with("/home/dev/node/")),
        "{sandbox:?}"
    );
    assert!(
        sandbox.packages.is_empty(),
        "a sandbox installs no OS package: {:?}",
        sandbox.packages
    );
}

#[test]
fn probes_expect_running_the_groups_whose_programs_all_autostart() {
    let mut web = program("web", "/srv/web");
    web.numprocs = Some(3);
    web.process_name = Some("web_%(process_num)d".into());
    let mut api = program("api", "/srv/api");
    api.group = Some("backend".into());
    let mut jobs = program("jobs", "/srv/jobs");
    jobs.group = Some("backend".into());
    jobs.numprocs = Some(2);
    jobs.process_name = Some("jobs_%(process_num)d".into());
    let mut cron = program("cron", "/srv/cron");
    cron.group = Some("batch".into());
    let mut manual = program("manual", "/srv/manual");
    manual.group = Some("batch".into());
    manual.autostart = Some(false);
    let mut lazy = program("lazy", "/srv/lazy");
    lazy.autostart = Some(false);
    let programs = [web, api, jobs, cron, manual, lazy];
    let running: Vec<(String, u32)> = probes("{}", &programs, "/")
        .unwrap()
        .running
        .into_iter()
        .map(|g| (g.name, g.processes))
        .collect();
    assert_eq!(
        running,
        vec![("backend".to_string(), 3), ("web".to_string(), 3)],
        "a group with a program that does not autostart may rightly have processes down"
    );
    assert!(probes("{}", &[], "/").unwrap().running.is_empty());
}

#[test]
fn the_provider_describes_itself() {
    let info = Provider::register_provider();
    assert_eq!(info.name, "supervisord");
    assert_eq!(info.api_version, "0.3.0");
    assert_eq!(info.install_strategies, vec!["packages", "pip"]);
    assert_eq!(info.os_families, vec!["debian", "rhel", "alpine", "arch"]);
    assert_eq!(info.actions.len(), 7);
    assert_eq!(info.facilities, vec!["generic"]);
}
