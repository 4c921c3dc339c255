//! The key table (`program-keys`) drives the generic form, the checks, the
//! renderer and the grant: every key it lists goes from a form to its INI
//! key, and nothing else gets through.

use program_keys::{KEYS, Section, Type};
use serde_json::{Value, json};
use supervisord_plugin::bindings::{ErrorKind, Grant};
use supervisord_plugin::facility::{config_map, facility_program};
use supervisord_plugin::render::{ProcessGroup, group_file};

/// A value of the key's type that passes every check beside the others.
fn sample(form: &str, ty: Type) -> Value {
    match (form, ty) {
        ("group", _) => json!("batch"),
        ("process-name", _) => json!("%(program_name)s_%(process_num)02d"),
        ("numprocs", _) => json!(2),
        ("redirect-stderr", _) => json!(false),
        ("result-handler", _) => json!("supervisor.dispatchers:default_handler"),
        (_, Type::Name | Type::Literal | Type::Template) => json!("some value"),
        (_, Type::Path) => json!("/srv/app"),
        (_, Type::Account) => json!("www-data"),
        (_, Type::Count | Type::Positive) => json!(3),
        (_, Type::Bytes) => json!("50MB"),
        (_, Type::Mode) => json!("022"),
        (_, Type::Bool) => json!(true),
        (_, Type::Autorestart) => json!("unexpected"),
        (_, Type::Signal) => json!("HUP"),
        (_, Type::ExitCodes) => json!([0, 2]),
        (_, Type::LogTarget) => json!("/var/log/app/out.log"),
        (_, Type::Environment) => json!({"PORT": "8080"}),
        (_, Type::Watch) => json!(["/srv/app/app.jar"]),
        (_, Type::Events) => json!(["PROCESS_STATE"]),
        (_, Type::Handler) => json!("m:f"),
        (_, Type::Socket) => json!("unix:///run/app.sock"),
        (_, Type::SocketOwner) => json!("www-data:www-data"),
    }
}

#[test]
fn every_key_goes_from_the_form_to_its_ini_key() {
    for (kind, section) in [
        ("program", Section::Any),
        ("eventlistener", Section::EventListener),
        ("fcgi-program", Section::FcgiProgram),
    ] {
        let mut form = json!({"service-name": "app", "command": "/srv/app/run", "kind": kind});
        let keys = KEYS
            .iter()
            .filter(|k| k.section == Section::Any || k.section == section);
        // An event listener cannot be in a group; supervisord refuses it.
        let keys: Vec<_> = keys
            .filter(|k| !(section == Section::EventListener && k.form == "group"))
            .collect();
        for key in &keys {
            if !matches!(key.form, "service-name" | "command") {
                form[key.form] = sample(key.form, key.ty);
            }
        }
        let program =
            config_map("generic", &form.to_string()).unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        let text = group_file(&ProcessGroup {
            name: "app",
            explicit: false,
            members: vec![&program],
            options: None,
            scope: "default",
        });
        for key in &keys {
            assert!(
                (key.get)(&program).is_some(),
                "{kind}: {} was not read",
                key.form
            );
            if let Some(ini) = key.ini {
                assert!(
                    text.lines()
                        .any(|line| line.starts_with(&format!("{ini}="))),
                    "{kind}: {ini} is not written:\n{text}"
                );
            }
        }
    }
}

#[test]
fn a_key_of_another_kind_is_refused_by_name() {
    for (form, kind) in [
        (r#""socket": "tcp://127.0.0.1:9000""#, "fcgi-program"),
        (r#""events": ["TICK_60"]"#, "eventlistener"),
    ] {
        let settings = format!(r#"{{"service-name": "a", "command": "x", {form}}}"#);
        let error = config_map("generic", &settings).expect_err(&settings);
        assert_eq!(error.kind, ErrorKind::InvalidValue, "{error:?}");
        assert!(error.field.starts_with("settings."), "{error:?}");
        assert!(
            error.message.contains(&format!("kind = \"{kind}\" only")),
            "{error:?}"
        );
    }
}

#[test]
fn a_grant_holds_every_path_typed_key_including_a_unix_socket() {
    let grant = Grant {
        users: vec![],
        paths: vec!["/srv/app".into()],
        environment: vec![],
    };
    let program = |extra: &str| {
        format!(
            r#"{{"service-name": "a", "command": "x", "user": "app", "kind": "fcgi-program", {extra}}}"#
        )
    };
    let inside = program(r#""socket": "unix:///srv/app/run.sock""#);
    facility_program("f", &inside, Some(&grant)).unwrap_or_else(|e| panic!("{e:?}"));
    let outside = program(r#""socket": "unix:///etc/cron.d/x""#);
    let error = facility_program("f", &outside, Some(&grant)).expect_err("outside the grant");
    assert!(
        error.message.contains("puts socket at /etc/cron.d/x"),
        "{error:?}"
    );
}

#[test]
fn a_key_written_twice_is_refused() {
    let error = config_map(
        "generic",
        r#"{"service-name": "a", "command": "x", "command": "y"}"#,
    )
    .expect_err("a duplicate key");
    assert!(error.field.starts_with("settings"), "{error:?}");
    assert!(
        error.message.contains("duplicate field `command`"),
        "{error:?}"
    );
}
