//! A facility component's program: the generic facility's JSON, read with
//! the rules of the provider's own input and held to the spec's grant.
//! Tables of `(program JSON, grant) -> program or refusal`.

use supervisord_plugin::bindings::{ErrorKind, Grant};
use supervisord_plugin::facility::facility_program;

fn grant(users: &[&str], paths: &[&str], environment: &[&str]) -> Grant {
    let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    Grant {
        users: owned(users),
        paths: owned(paths),
        environment: owned(environment),
    }
}

const APP: &str = r#"{"service-name": "app", "command": "/srv/app/run", "user": "app"}"#;

#[test]
fn a_facility_program_is_read_like_the_providers_own_input() {
    let program = facility_program("app-deploy", APP, None).unwrap();
    assert_eq!(program.name, "app");
    assert_eq!(program.command, "/srv/app/run");
    assert_eq!(program.user.as_deref(), Some("app"));
    for (json, field, expect) in [
        (r#"{"service-name": "a"}"#, "settings.command", "command"),
        (
            r#"{"service-name": "a", "command": "x", "colour": "red"}"#,
            "settings.colour",
            "colour",
        ),
        (
            r#"{"service-name": "a", "command": "x", "numprocs": "two"}"#,
            "settings.numprocs",
            "numprocs",
        ),
        (
            r#"{"service-name": "a", "command": "x", "stdout-logfile": "rel/log"}"#,
            "programs[a].stdout.logfile",
            "refuses: stdout-logfile: ",
        ),
        (
            r#"{"service-name": "a", "command": "x", "environment": {"A B": "1"}}"#,
            "programs[a].environment[A B]",
            "refuses: environment[A B]: ",
        ),
        (
            r#"{"service-name": "a b", "command": "x"}"#,
            "programs[0].name",
            "service-name: ",
        ),
        (
            r#"{"service-name": "a", "command": "x\ny"}"#,
            "programs[a].command",
            "command: contains a line break",
        ),
        ("[1]", "facility", "facility app-deploy made a program"),
        ("not json", "facility", "facility app-deploy made a program"),
    ] {
        let error = facility_program("app-deploy", json, None).unwrap_err();
        assert_eq!(error.field, field, "{json}");
        assert_eq!(
            error.kind,
            ErrorKind::InvalidValue,
            "the facility's mistake: {json}"
        );
        assert!(
            error
                .message
                .contains("facility app-deploy made a program the provider refuses")
                && error.message.contains(expect),
            "{json}: {}",
            error.message
        );
    }
}

#[test]
fn a_grant_bounds_users_paths_and_loader_variables() {
    let app = |extra: &str| {
        format!(r#"{{"service-name": "app", "command": "/srv/app/run", "user": "app"{extra}}}"#)
    };
    let rootless = r#"{"service-name": "app", "command": "/srv/app/run"}"#.to_string();
    let cases: Vec<(String, Grant, Option<&str>)> = vec![
        (app(""), grant(&[], &[], &[]), None),
        (app(""), grant(&["app"], &[], &[]), None),
        (
            app(""),
            grant(&["web"], &[], &[]),
            Some("its program runs as app (user), which its grant (users: web)"),
        ),
        (
            rootless.clone(),
            grant(&[], &[], &[]),
            Some(
                "names no user, so it runs as supervisord's own (root), which its grant (users: any but root)",
            ),
        ),
        (rootless.clone(), grant(&["root"], &[], &[]), None),
        (
            r#"{"service-name": "app", "command": "x", "user": "root"}"#.to_string(),
            grant(&["app"], &[], &[]),
            Some("runs as root (user)"),
        ),
        (
            app(r#", "directory": "/srv/app""#),
            grant(&[], &["/srv/app"], &[]),
            None,
        ),
        (
            app(r#", "directory": "/srv/application""#),
            grant(&[], &["/srv/app"], &[]),
            Some("puts directory at /srv/application, which its grant (paths: /srv/app)"),
        ),
        (
            app(r#", "stdout-logfile": "/etc/cron.d/x""#),
            grant(&[], &["/srv/app", "/var/log/app"], &[]),
            Some("puts stdout-logfile at /etc/cron.d/x"),
        ),
        (
            app(r#", "stderr-logfile": "/var/log/app/err.log""#),
            grant(&[], &["/var/log/app/"], &[]),
            None,
        ),
        (
            app(r#", "watch": ["/srv/app/a.jar", "/etc/shadow"]"#),
            grant(&[], &["/srv/app"], &[]),
            Some("puts watch at /etc/shadow"),
        ),
        (
            app(r#", "environment": {"PORT": "80"}"#),
            grant(&[], &[], &[]),
            None,
        ),
        (
            app(r#", "environment": {"LD_PRELOAD": "/tmp/x.so"}"#),
            grant(&[], &[], &[]),
            Some(
                "sets LD_PRELOAD (environment), which changes how it loads, which its grant (environment: none of the loader's variables)",
            ),
        ),
        (
            app(r#", "environment": {"LD_PRELOAD": "/srv/app/x.so"}"#),
            grant(&[], &[], &["LD_*"]),
            None,
        ),
        (
            app(r#", "environment": {"PYTHONPATH": "/x"}"#),
            grant(&[], &[], &["LD_PRELOAD"]),
            Some("sets PYTHONPATH"),
        ),
    ];
    for (json, grant, expect) in cases {
        let result = facility_program("app-deploy", &json, Some(&grant));
        match (result, expect) {
            (Ok(_), None) => {}
            (Err(error), Some(expect)) => {
                assert_eq!(error.field, "facility", "{json}");
                assert!(
                    error.message.starts_with("facility app-deploy: ")
                        && error.message.contains(expect),
                    "{json} {grant:?}: {}",
                    error.message
                );
            }
            (result, expect) => panic!("{json} {grant:?}: {result:?}, expected {expect:?}"),
        }
    }
}

#[test]
fn the_bundled_facility_needs_no_grant() {
    let root = r#"{"service-name": "app", "command": "/srv/app/run"}"#;
    assert!(facility_program("app-deploy", root, None).is_ok());
}
