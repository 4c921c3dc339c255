use std::collections::BTreeSet;

use super::*;
use crate::types::{EventListener, FcgiProgram, LogTarget};

#[test]
fn every_key_is_named_once_in_each_place() {
    for names in [
        KEYS.iter().map(|k| k.form).collect::<Vec<_>>(),
        KEYS.iter().map(|k| k.field).collect(),
        KEYS.iter().filter_map(|k| k.ini).collect(),
    ] {
        let unique: BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }
}

#[test]
fn every_key_reads_back_what_it_writes() {
    let kinds = [
        ProgramKind::Process,
        ProgramKind::EventListener(EventListener {
            events: Vec::new(),
            buffer_size: None,
            result_handler: None,
        }),
        ProgramKind::FcgiProgram(FcgiProgram {
            socket: String::new(),
            socket_backlog: None,
            socket_owner: None,
            socket_mode: None,
        }),
    ];
    for kind in kinds {
        let mut program = blank("x".into(), "y".into(), kind);
        for key in KEYS {
            if !key.section.applies(&program.kind) {
                continue;
            }
            let value = sample(key.ty);
            (key.set)(&mut program, value.clone());
            assert_eq!((key.get)(&program), Some(value), "{}", key.form);
        }
        // Keys of another kind read as unset there.
        for key in KEYS {
            if key.section.applies(&program.kind) {
                continue;
            }
            assert_eq!((key.get)(&program), None, "{}", key.form);
        }
    }
}

fn sample(ty: Type) -> Value {
    match ty {
        Type::Count | Type::Positive | Type::Bytes | Type::Mode => Value::Number(7),
        Type::Bool => Value::Bool(true),
        Type::Autorestart => Value::Autorestart(types::Autorestart::Unexpected),
        Type::Signal => Value::Signal(types::Signal::Hup),
        Type::ExitCodes => Value::Codes(vec![0, 2]),
        Type::LogTarget => Value::Log(LogTarget::Path("/l".into())),
        Type::Environment => Value::Env(vec![types::EnvVar {
            name: "A".into(),
            value: "b".into(),
        }]),
        Type::Watch | Type::Events => Value::List(vec!["a".into()]),
        _ => Value::Text("t".into()),
    }
}

#[test]
fn record_paths_become_form_keys() {
    for (path, form) in [
        ("name", "service-name"),
        ("stdout.logfile", "stdout-logfile"),
        ("stdout.logfile-maxbytes", "stdout-logfile-maxbytes"),
        ("environment[PORT]", "environment[PORT]"),
        ("kind.events[0]", "events[0]"),
        ("kind.socket", "socket"),
        ("watch[2]", "watch[2]"),
        ("command", "command"),
        ("facility", "facility"),
        ("", ""),
    ] {
        assert_eq!(form_key(path), form, "{path}");
    }
}

#[test]
fn the_key_reference_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/program-keys.md");
    let wanted = reference();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &wanted).unwrap();
    }
    let have = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}; run with UPDATE_GOLDEN=1 to write it"));
    assert!(
        have == wanted,
        "docs/program-keys.md is not what program-keys/src/defs.rs says; run UPDATE_GOLDEN=1 cargo test -p program-keys"
    );
}
