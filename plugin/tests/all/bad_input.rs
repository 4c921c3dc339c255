//! Every refusal names the offending field. Each row: input, expected
//! field, expected kind.

use supervisord_plugin::bindings::{
    Error, ErrorKind, EventListener, FcgiProgram, LogTarget, Program, ProgramKind, ServiceAction,
    ServiceOptions,
};
use supervisord_plugin::facility::config_map;
use supervisord_plugin::plan::service_plan;

use crate::support::*;

fn expect(case: &str, result: Result<impl std::fmt::Debug, Error>, field: &str, kind: ErrorKind) {
    let error = result.expect_err(case);
    assert_eq!(error.field, field, "{case}: {error:?}");
    assert_eq!(error.kind, kind, "{case}: {error:?}");
    assert!(!error.message.is_empty(), "{case}");
}

#[test]
fn bad_settings() {
    use ErrorKind::*;
    let cases: &[(&str, &str, &str, ErrorKind)] = &[
        ("not json", "{", "settings", Malformed),
        ("not an object", "[1]", "settings", Malformed),
        (
            "unknown top-level key",
            r#"{"colour": "red"}"#,
            "settings.colour",
            UnknownField,
        ),
        (
            "unknown nested key",
            r#"{"install": {"strategy": "pip", "mirror": "x"}}"#,
            "settings.install.mirror",
            UnknownField,
        ),
        (
            "bad strategy",
            r#"{"install": {"strategy": "brew"}}"#,
            "settings.install.strategy",
            InvalidValue,
        ),
        (
            "bad family",
            r#"{"os-family": "windows"}"#,
            "settings.os-family",
            InvalidValue,
        ),
        (
            "wrong type",
            r#"{"install": "pip"}"#,
            "settings.install",
            Malformed,
        ),
        (
            "relative config path",
            r#"{"paths": {"config": "etc/s.conf"}}"#,
            "settings.paths.config",
            InvalidValue,
        ),
        (
            "dotdot path",
            r#"{"paths": {"log-dir": "/var/../etc"}}"#,
            "settings.paths.log-dir",
            InvalidValue,
        ),
        (
            "newline in path",
            "{\"paths\": {\"logfile\": \"/var/log/x\\n[program:evil]\"}}",
            "settings.paths.logfile",
            InvalidValue,
        ),
        (
            "bad include ext",
            r#"{"paths": {"include-ext": "txt"}}"#,
            "settings.paths.include-ext",
            InvalidValue,
        ),
        (
            "long socket path",
            &format!(r#"{{"paths": {{"socket": "/{}"}}}}"#, "s".repeat(120)),
            "settings.paths.socket",
            InvalidValue,
        ),
        (
            "non-root supervisord from packages",
            r#"{"user": "supervisor"}"#,
            "settings.user",
            Unsupported,
        ),
        (
            "bad user name",
            r#"{"install": {"strategy": "pip"}, "user": "Bad User"}"#,
            "settings.user",
            InvalidValue,
        ),
        (
            "bad log level",
            r#"{"supervisord": {"loglevel": "loud"}}"#,
            "settings.supervisord.loglevel",
            InvalidValue,
        ),
        (
            "bad byte size",
            r#"{"supervisord": {"logfile-maxbytes": "lots"}}"#,
            "settings.supervisord.logfile-maxbytes",
            InvalidValue,
        ),
        (
            "decimal umask",
            r#"{"supervisord": {"umask": 22}}"#,
            "settings.supervisord.umask",
            InvalidValue,
        ),
        (
            "bad env name",
            r#"{"supervisord": {"environment": {"1X": "y"}}}"#,
            "settings.supervisord.environment.1X",
            InvalidValue,
        ),
        (
            "comment in env value",
            r#"{"supervisord": {"environment": {"X": "a ;b"}}}"#,
            "settings.supervisord.environment.X",
            InvalidValue,
        ),
        (
            "open http without credentials",
            r#"{"http": {"bind": "0.0.0.0:9001"}}"#,
            "settings.http.username",
            MissingField,
        ),
        (
            "open http without password",
            r#"{"http": {"bind": "10.0.0.1:9001", "username": "u"}}"#,
            "settings.http.password",
            MissingField,
        ),
        (
            "bad http port",
            r#"{"http": {"bind": "127.0.0.1:99999"}}"#,
            "settings.http.bind",
            InvalidValue,
        ),
        (
            "bad group name",
            r#"{"groups": {"a:b": {}}}"#,
            "settings.groups[a:b]",
            InvalidValue,
        ),
        (
            "bad version",
            r#"{"install": {"strategy": "pip", "version": "4.2; rm -rf /"}}"#,
            "settings.install.version",
            InvalidValue,
        ),
        (
            "negative number",
            r#"{"supervisord": {"minfds": -1}}"#,
            "settings.supervisord.minfds",
            InvalidValue,
        ),
        (
            "an option-shaped package name (apt would run it as root)",
            r#"{"install": {"package": "-oDPkg::Pre-Invoke::=touch /pwned"}}"#,
            "settings.install.package",
            InvalidValue,
        ),
        (
            "a package name of two words",
            r#"{"install": {"package": "supervisor evil"}}"#,
            "settings.install.package",
            InvalidValue,
        ),
        (
            "an option-shaped distribution name",
            r#"{"install": {"strategy": "pip", "package": "--index-url=http://evil/"}}"#,
            "settings.install.package",
            InvalidValue,
        ),
        (
            "an option-shaped interpreter",
            r#"{"install": {"strategy": "pip", "python": "-c"}}"#,
            "settings.install.python",
            InvalidValue,
        ),
    ];
    for (case, settings, field, kind) in cases {
        expect(case, install_plan(settings, &debian()), field, *kind);
    }
}

#[test]
fn settings_that_do_not_fit_the_node() {
    expect(
        "packages in a sandbox",
        install_plan(r#"{"install": {"strategy": "packages"}}"#, &sandbox("/n")),
        "settings.install.strategy",
        ErrorKind::Unsupported,
    );
    expect(
        "path outside the sandbox",
        install_plan(
            r#"{"paths": {"config": "/etc/supervisord.conf"}}"#,
            &sandbox("/n"),
        ),
        "settings.paths.config",
        ErrorKind::InvalidValue,
    );
    expect(
        "switching user without root",
        install_plan(r#"{"user": "supervisor"}"#, &sandbox("/n")),
        "settings.user",
        ErrorKind::Unsupported,
    );
    expect(
        "unknown os",
        install_plan(
            "{}",
            &node(
                "freebsd",
                "14",
                &[],
                supervisord_plugin::bindings::InitSystem::None,
            ),
        ),
        "facts.os",
        ErrorKind::Unsupported,
    );
    expect(
        "probes see bad settings too",
        probes(r#"{"bogus": 1}"#, &[], "/"),
        "settings.bogus",
        ErrorKind::UnknownField,
    );
}

fn bad_program(case: &str, program: Program, field: &str) {
    expect(
        case,
        configure_plan("{}", &[program], &debian()),
        field,
        ErrorKind::InvalidValue,
    );
}

#[test]
fn bad_programs() {
    let p = || program("web", "run");
    let with = |f: fn(&mut Program)| {
        let mut p = p();
        f(&mut p);
        p
    };
    bad_program("empty name", program("", "run"), "programs[0].name");
    bad_program("colon in name", program("a:b", "run"), "programs[0].name");
    bad_program("bracket in name", program("a]b", "run"), "programs[0].name");
    bad_program("comma in name", program("a,b", "run"), "programs[0].name");
    bad_program("space in name", program("a b", "run"), "programs[0].name");
    bad_program("empty command", program("web", ""), "programs[web].command");
    bad_program(
        "newline in command",
        program("web", "run\n[program:evil]"),
        "programs[web].command",
    );
    bad_program(
        "NUL in command",
        program("web", "run\0x"),
        "programs[web].command",
    );
    bad_program(
        "comment in command",
        program("web", "run ;rm"),
        "programs[web].command",
    );
    bad_program(
        "trailing space",
        program("web", "run "),
        "programs[web].command",
    );
    bad_program(
        "zero numprocs",
        with(|p| p.numprocs = Some(0)),
        "programs[web].numprocs",
    );
    bad_program(
        "numprocs without template",
        with(|p| {
            p.numprocs = Some(2);
            p.process_name = Some("web".into());
        }),
        "programs[web].process-name",
    );
    bad_program(
        "lone percent in template",
        with(|p| p.process_name = Some("50%".into())),
        "programs[web].process-name",
    );
    bad_program(
        "stopasgroup without killasgroup",
        with(|p| {
            p.stopasgroup = Some(true);
            p.killasgroup = Some(false);
        }),
        "programs[web].killasgroup",
    );
    bad_program(
        "relative directory",
        with(|p| p.directory = Some("srv".into())),
        "programs[web].directory",
    );
    bad_program(
        "relative log",
        with(|p| p.stdout.logfile = Some(LogTarget::Path("out.log".into()))),
        "programs[web].stdout.logfile",
    );
    bad_program(
        "redirect with stderr file",
        with(|p| {
            p.redirect_stderr = Some(true);
            p.stderr.logfile = Some(LogTarget::Path("/e.log".into()));
        }),
        "programs[web].stderr.logfile",
    );
    bad_program(
        "bad env name",
        with(|p| {
            p.environment = vec![supervisord_plugin::bindings::EnvVar {
                name: "A-B".into(),
                value: "x".into(),
            }]
        }),
        "programs[web].environment[A-B]",
    );
    bad_program(
        "newline in env",
        with(|p| {
            p.environment = vec![supervisord_plugin::bindings::EnvVar {
                name: "A".into(),
                value: "x\ny".into(),
            }]
        }),
        "programs[web].environment[A]",
    );
    bad_program(
        "bad umask",
        with(|p| p.umask = Some(0o1777)),
        "programs[web].umask",
    );
    bad_program(
        "bad user",
        with(|p| p.user = Some("Root!".into())),
        "programs[web].user",
    );
    bad_program(
        "unknown event",
        with(|p| {
            p.kind = ProgramKind::EventListener(EventListener {
                events: vec!["SOMETHING".into()],
                buffer_size: None,
                result_handler: None,
            })
        }),
        "programs[web].kind.events[0]",
    );
    bad_program(
        "bad fcgi socket",
        with(|p| {
            p.kind = ProgramKind::FcgiProgram(FcgiProgram {
                socket: "udp://x".into(),
                socket_backlog: None,
                socket_owner: None,
                socket_mode: None,
            })
        }),
        "programs[web].kind.socket",
    );
    bad_program(
        "bad group",
        with(|p| p.group = Some("g/h".into())),
        "programs[web].group",
    );
    expect(
        "duplicate names",
        configure_plan("{}", &[p(), p()], &debian()),
        // By index: the name no longer says which.
        "programs[1].name",
        ErrorKind::InvalidValue,
    );
    let mut grouped = program("api", "run");
    grouped.group = Some("web".into());
    expect(
        "program named like a group",
        configure_plan("{}", &[p(), grouped], &debian()),
        "programs[web].name",
        ErrorKind::InvalidValue,
    );
    let mut as_user = p();
    as_user.user = Some("www-data".into());
    expect(
        "user switch by a non-root supervisord",
        configure_plan("{}", &[as_user], &sandbox("/n")),
        "programs[web].user",
        ErrorKind::Unsupported,
    );
}

#[test]
fn bad_config_map_input() {
    use ErrorKind::*;
    let cases: &[(&str, &str, &str, ErrorKind)] = &[
        (
            "missing service-name",
            r#"{"command": "x"}"#,
            "settings.service-name",
            MissingField,
        ),
        (
            "missing command",
            r#"{"service-name": "x"}"#,
            "settings.command",
            MissingField,
        ),
        (
            "unknown key",
            r#"{"service-name": "x", "command": "y", "restart": true}"#,
            "settings.restart",
            UnknownField,
        ),
        (
            "bad autorestart",
            r#"{"service-name": "x", "command": "y", "autorestart": "sometimes"}"#,
            "settings.autorestart",
            InvalidValue,
        ),
        (
            "bad bool",
            r#"{"service-name": "x", "command": "y", "autostart": "maybe"}"#,
            "settings.autostart",
            InvalidValue,
        ),
        (
            "bad signal",
            r#"{"service-name": "x", "command": "y", "stopsignal": "SIGFOO"}"#,
            "settings.stopsignal",
            InvalidValue,
        ),
        (
            "exit code out of range",
            r#"{"service-name": "x", "command": "y", "exitcodes": [256]}"#,
            "settings.exitcodes",
            InvalidValue,
        ),
        (
            "negative startsecs",
            r#"{"service-name": "x", "command": "y", "startsecs": -1}"#,
            "settings.startsecs",
            InvalidValue,
        ),
        (
            "string startsecs",
            r#"{"service-name": "x", "command": "y", "startsecs": "ten"}"#,
            "settings.startsecs",
            Malformed,
        ),
        (
            "injected section",
            "{\"service-name\": \"x\", \"command\": \"y\\n[program:z]\"}",
            "programs[x].command",
            InvalidValue,
        ),
        (
            "bad name",
            r#"{"service-name": "x y", "command": "y"}"#,
            "programs[0].name",
            InvalidValue,
        ),
        (
            "env not a map",
            r#"{"service-name": "x", "command": "y", "environment": ["A=1"]}"#,
            "settings.environment",
            Malformed,
        ),
    ];
    for (case, settings, field, kind) in cases {
        expect(case, config_map("generic", settings), field, *kind);
    }
    let error = config_map("app-deploy", "{}").unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotImplemented);
    assert_eq!(
        error.message,
        "supervisord supervisor requested for app-deploy, but this has not been implemented"
    );
}

#[test]
fn bad_service_requests() {
    let options = ServiceOptions {
        if_stopped: false,
        signal: None,
    };
    expect(
        "bad service name",
        service_plan("{}", &debian(), "a b", ServiceAction::Start, &options),
        "service",
        ErrorKind::InvalidValue,
    );
    expect(
        "signal without signal",
        service_plan("{}", &debian(), "web", ServiceAction::Signal, &options),
        "options.signal",
        ErrorKind::MissingField,
    );
}

#[test]
fn a_misspelt_key_gets_the_closest_one_suggested() {
    for (input, field, suggestion) in [
        (
            r#"{"service-name": "x", "comand": "y"}"#,
            "settings.comand",
            "did you mean `command`?",
        ),
        (
            r#"{"service-name": "x", "command": "y", "autorestrat": true}"#,
            "settings.autorestrat",
            "did you mean `autorestart`?",
        ),
        (
            r#"{"service-name": "x", "command": "y", "stdout_logfile": "/l"}"#,
            "settings.stdout_logfile",
            "did you mean `stdout-logfile`?",
        ),
    ] {
        let error = config_map("generic", input).expect_err(input);
        assert_eq!(
            (error.field.as_str(), error.kind),
            (field, ErrorKind::UnknownField),
            "{error:?}"
        );
        assert!(
            error.message.ends_with(suggestion),
            "{input}: {}",
            error.message
        );
        assert!(
            !error.message.contains("expected one of"),
            "one suggestion, not every key: {}",
            error.message
        );
    }
    // Nothing close: the keys there are, as before.
    let error = config_map(
        "generic",
        r#"{"service-name": "x", "command": "y", "colour": 1}"#,
    )
    .unwrap_err();
    assert!(
        error.message.contains("expected one of") && error.message.contains("`command`"),
        "{}",
        error.message
    );
    // Settings too.
    let error = install_plan(r#"{"instal": {}}"#, &debian())
        .map(|_| ())
        .unwrap_err();
    assert!(
        error.message.ends_with("did you mean `install`?"),
        "{error:?}"
    );
}
