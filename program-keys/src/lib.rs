//! One definition per supervisord program key, driving the generic
//! facility's form, the renderer, the checks and the key reference.
//!
//! [`KEYS`] lists every key in the order supervisord's sections are
//! written. Each [`Key`] says what the key is called in each of the three
//! places it appears (the generic form, the WIT record, the INI file), what
//! type of value it takes, and how to read and write it on a [`Program`].
//! Parsing, rendering and checking by type live in the provider, which
//! matches on [`Type`] exhaustively: a new type cannot be forgotten there.

mod defs;
mod reference;
mod value;

pub use defs::KEYS;
pub use reference::reference;
pub use value::{Slot, Value};

wit_bindgen::generate!({
    inline: "package supervisord-crate:program-keys;
             world types-only { import supervisord-crate:supervision/types@0.3.0; }",
    path: "../wit",
    additional_derives: [PartialEq, Eq],
    generate_all,
});

/// The Rust types of the WIT `types` interface, shared by every crate that
/// generates bindings `with` them.
pub use supervisord_crate::supervision::types;

use types::{Program, ProgramKind, StreamLog};

/// Which section kinds a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Every kind: `[program:x]`, `[eventlistener:x]` and `[fcgi-program:x]`.
    Any,
    /// `[eventlistener:x]` only (`kind = "eventlistener"`).
    EventListener,
    /// `[fcgi-program:x]` only (`kind = "fcgi-program"`).
    FcgiProgram,
}

impl Section {
    /// Whether a program of this kind has the key.
    pub fn applies(self, kind: &ProgramKind) -> bool {
        match self {
            Section::Any => true,
            Section::EventListener => matches!(kind, ProgramKind::EventListener(_)),
            Section::FcgiProgram => matches!(kind, ProgramKind::FcgiProgram(_)),
        }
    }

    /// The form's `kind` value that has the key, for all but `Any`.
    pub fn form_kind(self) -> Option<&'static str> {
        match self {
            Section::Any => None,
            Section::EventListener => Some("eventlistener"),
            Section::FcgiProgram => Some("fcgi-program"),
        }
    }
}

/// The type of a key's value: how the form spells it, how supervisord reads
/// it, and what every program's value must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A program or group name (letters, digits, `_`, `.`, `-`).
    Name,
    /// Text written literally (`%` doubled); must not be empty.
    Literal,
    /// An absolute path under the node's root, written literally.
    Path,
    /// An account name supervisord can switch to.
    Account,
    /// The `process_name` template, the one value whose `%(...)s` are kept.
    Template,
    /// A whole number.
    Count,
    /// A whole number, at least 1.
    Positive,
    /// A byte count: a number or `"50MB"`, written in the largest unit.
    Bytes,
    /// A mode or umask as an octal string (`"022"`), at most 777.
    Mode,
    /// `true`/`false` (or supervisord's `"yes"`, `"on"`, `"1"`, ...).
    Bool,
    /// `true`, `false` or `"unexpected"`.
    Autorestart,
    /// A signal name: `TERM`, `SIGTERM` or `term`.
    Signal,
    /// Exit codes 0-255, one or a list.
    ExitCodes,
    /// `"AUTO"`, `"NONE"` or an absolute path.
    LogTarget,
    /// A table of variable names to literal values.
    Environment,
    /// Absolute paths whose content the program runs.
    Watch,
    /// Event type names such as `PROCESS_STATE`.
    Events,
    /// A `module:callable`.
    Handler,
    /// `unix:///path` or `tcp://host:port`.
    Socket,
    /// `user` or `user:group`.
    SocketOwner,
}

/// One program key.
#[derive(Debug)]
pub struct Key {
    /// The key as the generic facility's form spells it (`stdout-logfile`).
    pub form: &'static str,
    /// The field of the WIT `program` record, as errors name it
    /// (`stdout.logfile`, `kind.socket`).
    pub field: &'static str,
    /// The key supervisord reads in the section; `None` for keys that are
    /// not one (the name, the group, watched paths).
    pub ini: Option<&'static str>,
    /// Which section kinds have it.
    pub section: Section,
    /// Its value's type.
    pub ty: Type,
    /// Whether the form must set it (for the kinds that have it).
    pub required: bool,
    /// One line for the key reference.
    pub doc: &'static str,
    /// Its value on a program; `None` when unset (or empty) or when the
    /// program's kind does not have it.
    pub get: fn(&Program) -> Option<Value>,
    /// Sets it on a program of a kind that has it.
    pub set: fn(&mut Program, Value),
}

/// The key the form spells `form`.
pub fn by_form(form: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.form == form)
}

/// The key of the record field `field` (`stdout.logfile`).
pub fn by_field(field: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.field == field)
}

/// A program field path as errors name it (`stdout.logfile`,
/// `kind.events[0]`, `environment[PORT]`) spelt as the form's key
/// (`stdout-logfile`, `events[0]`, `environment[PORT]`: a variable name
/// stays in brackets, which hold any character). Paths that are no key's
/// come back as they are.
pub fn form_key(path: &str) -> String {
    // The longest field that is the path, or its prefix before `[` or `.`.
    let key = KEYS
        .iter()
        .filter(|key| {
            path.strip_prefix(key.field)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['[', '.']))
        })
        .max_by_key(|key| key.field.len());
    let Some(key) = key else {
        return path.to_string();
    };
    format!("{}{}", key.form, &path[key.field.len()..])
}

/// A program with its name and command and nothing else set, of the given
/// kind: the one place the record is built whole.
pub fn blank(name: String, command: String, kind: ProgramKind) -> Program {
    let stream = || StreamLog {
        logfile: None,
        logfile_maxbytes: None,
        logfile_backups: None,
        capture_maxbytes: None,
        events_enabled: None,
        syslog: None,
    };
    Program {
        name,
        kind,
        command,
        group: None,
        process_name: None,
        numprocs: None,
        numprocs_start: None,
        priority: None,
        autostart: None,
        startsecs: None,
        startretries: None,
        autorestart: None,
        exitcodes: Vec::new(),
        stopsignal: None,
        stopwaitsecs: None,
        stopasgroup: None,
        killasgroup: None,
        user: None,
        redirect_stderr: None,
        stdout: stream(),
        stderr: stream(),
        environment: Vec::new(),
        directory: None,
        umask: None,
        serverurl: None,
        watch: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
