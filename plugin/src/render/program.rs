//! One file per process group: `[group:x]` (when the programs share a
//! group) and the `[program:x]`, `[eventlistener:x]` or `[fcgi-program:x]`
//! sections of its members.

use super::ini::{IniWriter, boolean, environment, escape_percent};
use program_keys::{Type, Value};

use crate::bindings::{Autorestart, LogTarget, Program, ProgramKind, Signal};
use crate::settings::GroupOptions;
use crate::values::{ByteSize, Octal};

/// A process group to render.
#[derive(Debug)]
pub struct ProcessGroup<'a> {
    /// The group name, which is also the file's stem.
    pub name: &'a str,
    /// Whether it is an explicit `[group:x]` (else one ungrouped program).
    pub explicit: bool,
    /// Its members, sorted by name.
    pub members: Vec<&'a Program>,
    /// Options from `settings.groups`.
    pub options: Option<&'a GroupOptions>,
    /// The scope of the declaration that writes it, named in its marker.
    pub scope: &'a str,
}

/// Renders the file of one process group.
pub fn group_file(group: &ProcessGroup<'_>) -> String {
    let mut w = IniWriter::new(&crate::scope::marker(group.scope));
    if group.explicit {
        let names: Vec<&str> = group.members.iter().map(|p| p.name.as_str()).collect();
        w.section(&format!("group:{}", group.name))
            .raw("programs", &names.join(","));
        w.opt("priority", group.options.and_then(|o| o.priority));
    }
    for program in &group.members {
        program_section(&mut w, program);
    }
    w.finish()
}

/// A program's section: every key its definition says supervisord reads,
/// in the table's order, each written as its type is.
fn program_section(w: &mut IniWriter, p: &Program) {
    let kind = match &p.kind {
        ProgramKind::Process => "program",
        ProgramKind::EventListener(_) => "eventlistener",
        ProgramKind::FcgiProgram(_) => "fcgi-program",
    };
    w.section(&format!("{kind}:{}", p.name));
    for key in program_keys::KEYS {
        if let (Some(ini), Some(value)) = (key.ini, (key.get)(p)) {
            w.raw(ini, &ini_value(key.ty, value));
        }
    }
}

/// A value as supervisord reads it back. Every type is named, so a new one
/// does not compile until it says how it is written.
fn ini_value(ty: Type, value: Value) -> String {
    match ty {
        // process_name is the one template: validated, written as given.
        Type::Template => value.text().to_string(),
        Type::Name
        | Type::Literal
        | Type::Path
        | Type::Account
        | Type::Handler
        | Type::Socket
        | Type::SocketOwner => escape_percent(value.text()),
        Type::Count | Type::Positive => value.number().to_string(),
        Type::Bytes => ByteSize(value.number()).to_string(),
        Type::Mode => Octal(u32::try_from(value.number()).unwrap_or(u32::MAX)).to_string(),
        Type::Events | Type::Watch => value.list().join(","),
        Type::Bool
        | Type::Autorestart
        | Type::Signal
        | Type::ExitCodes
        | Type::LogTarget
        | Type::Environment => match value {
            Value::Bool(b) => boolean(b).to_string(),
            Value::Autorestart(policy) => autorestart(policy).to_string(),
            Value::Signal(signal) => signal_name(signal).to_string(),
            Value::Codes(codes) => {
                let codes: Vec<String> = codes.iter().map(u8::to_string).collect();
                codes.join(",")
            }
            Value::Log(LogTarget::Auto) => "AUTO".to_string(),
            Value::Log(LogTarget::None) => "NONE".to_string(),
            // supervisord expands `%` in log file names twice (once when
            // it reads the key, once more per process), so they are
            // escaped twice.
            Value::Log(LogTarget::Path(path)) => escape_percent(&escape_percent(&path)),
            Value::Env(vars) => {
                environment(vars.iter().map(|v| (v.name.as_str(), v.value.as_str())))
            }
            Value::Text(_) | Value::Number(_) | Value::List(_) => String::new(),
        },
    }
}

fn autorestart(value: Autorestart) -> &'static str {
    match value {
        Autorestart::Never => "false",
        Autorestart::Unexpected => "unexpected",
        Autorestart::Always => "true",
    }
}

/// The name supervisord reads for a signal.
pub fn signal_name(signal: Signal) -> &'static str {
    match signal {
        Signal::Term => "TERM",
        Signal::Hup => "HUP",
        Signal::Int => "INT",
        Signal::Quit => "QUIT",
        Signal::Kill => "KILL",
        Signal::Usr1 => "USR1",
        Signal::Usr2 => "USR2",
        Signal::Cont => "CONT",
        Signal::Stop => "STOP",
        Signal::Winch => "WINCH",
    }
}
