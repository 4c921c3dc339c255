//! Rendered configuration files compared byte for byte with files under
//! `plugin/tests/golden/`. Run with `UPDATE_GOLDEN=1` to rewrite them after
//! an intended change, then review the diff.

use std::path::PathBuf;

use supervisord_plugin::bindings::{
    Autorestart, EnvVar, EventListener, FcgiProgram, InitSystem, LogTarget, NodeFacts, Program,
    ProgramKind, Signal,
};

use crate::support::*;

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    pretty_assertions::assert_eq!(actual, expected, "{name} differs from its golden file");
}

fn main_conf(settings: &str, facts: &NodeFacts) -> String {
    let plan = install_plan(settings, facts).unwrap_or_else(|e| panic!("{e:?}"));
    plan.steps
        .iter()
        .find_map(|s| match &s.desired {
            supervisord_plugin::bindings::Desired::File(f)
                if f.path.ends_with("supervisord.conf") =>
            {
                Some(f.content.clone())
            }
            _ => None,
        })
        .expect("a supervisord.conf step")
}

#[test]
fn main_config_per_family_and_strategy() {
    let cases = [
        ("debian-packages.conf", "{}", debian()),
        (
            "rhel-packages.conf",
            "{}",
            node("rocky", "9.4", &["rhel"], InitSystem::Systemd),
        ),
        (
            "alpine-packages.conf",
            "{}",
            node("alpine", "3.20.1", &[], InitSystem::Openrc),
        ),
        (
            "arch-packages.conf",
            "{}",
            node("arch", "", &[], InitSystem::Systemd),
        ),
        ("pip-sandbox.conf", "{}", sandbox("/home/dev/node")),
        (
            "pip-user-http-env.conf",
            r#"{
                "install": {"strategy": "pip", "version": "4.2.5"},
                "prefix": "/srv/sup",
                "user": "supervisor",
                "http": {"bind": "0.0.0.0:9001", "username": "ops", "password": "hunter2"},
                "supervisord": {
                    "loglevel": "warn", "logfile-maxbytes": "10MB", "logfile-backups": 3,
                    "minfds": 4096, "umask": "027", "identifier": "web-1",
                    "environment": {"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}
                }
            }"#,
            debian(),
        ),
    ];
    for (name, settings, facts) in cases {
        check(name, &main_conf(settings, &facts));
    }
}

fn program_file(programs: &[Program], file: &str) -> String {
    let plan = configure_plan(
        r#"{"groups": {"site": {"priority": 100}}}"#,
        programs,
        &debian(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    file_content(&plan, &format!("/etc/supervisor/conf.d/{file}")).to_string()
}

#[test]
fn a_minimal_program() {
    check(
        "program-minimal.conf",
        &program_file(&[program("web", "python3 -m http.server 8080")], "web.conf"),
    );
}

#[test]
fn a_program_with_every_key() {
    let mut p = program("api", "/srv/api/bin/api --port 80%% --name \"x\"");
    p.process_name = Some("%(program_name)s_%(process_num)02d".into());
    p.numprocs = Some(2);
    p.numprocs_start = Some(1);
    p.priority = Some(50);
    p.autostart = Some(true);
    p.startsecs = Some(5);
    p.startretries = Some(4);
    p.autorestart = Some(Autorestart::Unexpected);
    p.exitcodes = vec![0, 2];
    p.stopsignal = Some(Signal::Int);
    p.stopwaitsecs = Some(20);
    p.stopasgroup = Some(true);
    p.killasgroup = Some(true);
    p.user = Some("www-data".into());
    p.redirect_stderr = Some(false);
    p.stdout.logfile = Some(LogTarget::Path("/var/log/api/out.log".into()));
    p.stdout.logfile_maxbytes = Some(50 << 20);
    p.stdout.logfile_backups = Some(5);
    p.stdout.capture_maxbytes = Some(1 << 20);
    p.stdout.events_enabled = Some(true);
    p.stdout.syslog = Some(false);
    p.stderr.logfile = Some(LogTarget::Auto);
    p.stderr.syslog = Some(true);
    p.environment = vec![
        EnvVar {
            name: "Z_LAST".into(),
            value: "a,b=c".into(),
        },
        EnvVar {
            name: "A_FIRST".into(),
            value: "say \"hi\" \\ 100%".into(),
        },
    ];
    p.directory = Some("/srv/api".into());
    p.umask = Some(0o022);
    p.serverurl = Some("AUTO".into());
    check("program-every-key.conf", &program_file(&[p], "api.conf"));
}

#[test]
fn a_group_an_event_listener_and_an_fcgi_program() {
    let mut web = program("web", "gunicorn app");
    web.group = Some("site".into());
    let mut worker = program("worker", "celery worker");
    worker.group = Some("site".into());
    worker.stdout.logfile = Some(LogTarget::None);
    check(
        "group-site.conf",
        &program_file(&[worker.clone(), web.clone()], "site.conf"),
    );

    let mut listener = program("crashmail", "crashmail -a -m ops@example.com");
    listener.kind = ProgramKind::EventListener(EventListener {
        events: vec!["PROCESS_STATE_EXITED".into(), "TICK_60".into()],
        buffer_size: Some(20),
        result_handler: Some("supervisor.dispatchers:default_handler".into()),
    });
    check(
        "eventlistener.conf",
        &program_file(&[listener], "crashmail.conf"),
    );

    let mut fcgi = program("php", "/usr/bin/php-cgi");
    fcgi.kind = ProgramKind::FcgiProgram(FcgiProgram {
        socket: "unix:///var/run/php.sock".into(),
        socket_backlog: Some(64),
        socket_owner: Some("www-data:www-data".into()),
        socket_mode: Some(0o660),
    });
    fcgi.process_name = Some("%(program_name)s_%(process_num)d".into());
    fcgi.numprocs = Some(3);
    check("fcgi-program.conf", &program_file(&[fcgi], "php.conf"));
}
