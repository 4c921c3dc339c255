//! The built-in `generic` facility: a service described directly with
//! supervisord's program keys, in kebab-case JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, de};

use crate::bindings::{
    Autorestart, EnvVar, Error, EventListener, FcgiProgram, LogTarget, Program, ProgramKind,
    Signal, StreamLog,
};
use crate::error::parse_json;
use crate::values::{ByteSize, Octal};

/// Settings of a `generic` service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Generic {
    service_name: String,
    command: String,
    #[serde(default)]
    kind: Kind,
    group: Option<String>,
    process_name: Option<String>,
    numprocs: Option<u32>,
    numprocs_start: Option<u32>,
    priority: Option<u32>,
    #[serde(default, deserialize_with = "flexible_bool")]
    autostart: Option<bool>,
    startsecs: Option<u32>,
    startretries: Option<u32>,
    #[serde(default, deserialize_with = "flexible_autorestart")]
    autorestart: Option<Autorestart>,
    #[serde(default, deserialize_with = "exit_codes")]
    exitcodes: Vec<u8>,
    #[serde(default, deserialize_with = "signal")]
    stopsignal: Option<Signal>,
    stopwaitsecs: Option<u32>,
    #[serde(default, deserialize_with = "flexible_bool")]
    stopasgroup: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    killasgroup: Option<bool>,
    user: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    redirect_stderr: Option<bool>,
    #[serde(default, deserialize_with = "log_target")]
    stdout_logfile: Option<LogTarget>,
    stdout_logfile_maxbytes: Option<ByteSize>,
    stdout_logfile_backups: Option<u32>,
    stdout_capture_maxbytes: Option<ByteSize>,
    #[serde(default, deserialize_with = "flexible_bool")]
    stdout_events_enabled: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    stdout_syslog: Option<bool>,
    #[serde(default, deserialize_with = "log_target")]
    stderr_logfile: Option<LogTarget>,
    stderr_logfile_maxbytes: Option<ByteSize>,
    stderr_logfile_backups: Option<u32>,
    stderr_capture_maxbytes: Option<ByteSize>,
    #[serde(default, deserialize_with = "flexible_bool")]
    stderr_events_enabled: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    stderr_syslog: Option<bool>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    directory: Option<String>,
    umask: Option<Octal>,
    serverurl: Option<String>,
    #[serde(default)]
    watch: Vec<String>,
    #[serde(default)]
    events: Vec<String>,
    buffer_size: Option<u32>,
    result_handler: Option<String>,
    socket: Option<String>,
    socket_backlog: Option<u32>,
    socket_owner: Option<String>,
    socket_mode: Option<Octal>,
}

/// The section kind a generic service becomes.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    /// `[program:x]`.
    #[default]
    Program,
    /// `[eventlistener:x]`.
    Eventlistener,
    /// `[fcgi-program:x]`.
    FcgiProgram,
}

/// Maps `generic` settings to a program.
pub fn config_map(settings: &str) -> Result<Program, Error> {
    let g: Generic = parse_json("settings", settings)?;
    let kind = match g.kind {
        Kind::Program => ProgramKind::Process,
        Kind::Eventlistener => ProgramKind::EventListener(EventListener {
            events: g.events,
            buffer_size: g.buffer_size,
            result_handler: g.result_handler,
        }),
        Kind::FcgiProgram => ProgramKind::FcgiProgram(FcgiProgram {
            socket: g.socket.unwrap_or_default(),
            socket_backlog: g.socket_backlog,
            socket_owner: g.socket_owner,
            socket_mode: g.socket_mode.map(|m| m.0),
        }),
    };
    Ok(Program {
        name: g.service_name,
        kind,
        command: g.command,
        group: g.group,
        process_name: g.process_name,
        numprocs: g.numprocs,
        numprocs_start: g.numprocs_start,
        priority: g.priority,
        autostart: g.autostart,
        startsecs: g.startsecs,
        startretries: g.startretries,
        autorestart: g.autorestart,
        exitcodes: g.exitcodes,
        stopsignal: g.stopsignal,
        stopwaitsecs: g.stopwaitsecs,
        stopasgroup: g.stopasgroup,
        killasgroup: g.killasgroup,
        user: g.user,
        redirect_stderr: g.redirect_stderr,
        stdout: StreamLog {
            logfile: g.stdout_logfile,
            logfile_maxbytes: g.stdout_logfile_maxbytes.map(|b| b.0),
            logfile_backups: g.stdout_logfile_backups,
            capture_maxbytes: g.stdout_capture_maxbytes.map(|b| b.0),
            events_enabled: g.stdout_events_enabled,
            syslog: g.stdout_syslog,
        },
        stderr: StreamLog {
            logfile: g.stderr_logfile,
            logfile_maxbytes: g.stderr_logfile_maxbytes.map(|b| b.0),
            logfile_backups: g.stderr_logfile_backups,
            capture_maxbytes: g.stderr_capture_maxbytes.map(|b| b.0),
            events_enabled: g.stderr_events_enabled,
            syslog: g.stderr_syslog,
        },
        environment: g
            .environment
            .into_iter()
            .map(|(name, value)| EnvVar { name, value })
            .collect(),
        directory: g.directory,
        umask: g.umask.map(|m| m.0),
        serverurl: g.serverurl,
        watch: g.watch,
    })
}

/// `true`/`false`, or the strings supervisord accepts (`"true"`, `"yes"`,
/// `"on"`, `"1"` and their opposites): the seed wrote `"true"`.
fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    let raw = Raw::deserialize(d).map_err(|_| de::Error::custom("expected true or false"))?;
    match raw {
        Raw::Bool(b) => Ok(Some(b)),
        Raw::Text(text) => parse_bool(&text).map(Some).ok_or_else(|| {
            de::Error::custom(format!("{text:?} is not a boolean; use true or false"))
        }),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `true`, `false` or `"unexpected"`.
fn flexible_autorestart<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Autorestart>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    let expected = "expected true, false or \"unexpected\"";
    match Raw::deserialize(d).map_err(|_| de::Error::custom(expected))? {
        Raw::Bool(true) => Ok(Some(Autorestart::Always)),
        Raw::Bool(false) => Ok(Some(Autorestart::Never)),
        Raw::Text(text) if text.eq_ignore_ascii_case("unexpected") => {
            Ok(Some(Autorestart::Unexpected))
        }
        Raw::Text(text) => match parse_bool(&text) {
            Some(true) => Ok(Some(Autorestart::Always)),
            Some(false) => Ok(Some(Autorestart::Never)),
            None => Err(de::Error::custom(format!("{text:?}: {expected}"))),
        },
    }
}

/// A list of exit codes 0-255, or one code.
fn exit_codes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(u8),
        Many(Vec<u8>),
    }
    match Raw::deserialize(d)
        .map_err(|_| de::Error::custom("expected exit codes 0-255, one or a list"))?
    {
        Raw::One(code) => Ok(vec![code]),
        Raw::Many(codes) => Ok(codes),
    }
}

/// A signal name: `TERM`, `SIGTERM` or `term`.
fn signal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Signal>, D::Error> {
    let text = String::deserialize(d)
        .map_err(|_| de::Error::custom("expected a signal name such as TERM"))?;
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let signal = match name {
        "TERM" => Signal::Term,
        "HUP" => Signal::Hup,
        "INT" => Signal::Int,
        "QUIT" => Signal::Quit,
        "KILL" => Signal::Kill,
        "USR1" => Signal::Usr1,
        "USR2" => Signal::Usr2,
        "CONT" => Signal::Cont,
        "STOP" => Signal::Stop,
        "WINCH" => Signal::Winch,
        _ => {
            return Err(de::Error::custom(format!(
                "{text:?} is not a signal supervisord sends: TERM, HUP, INT, QUIT, KILL, USR1, USR2, CONT, STOP, WINCH"
            )));
        }
    };
    Ok(Some(signal))
}

/// `"AUTO"`, `"NONE"` or an absolute path.
fn log_target<'de, D: Deserializer<'de>>(d: D) -> Result<Option<LogTarget>, D::Error> {
    let text = String::deserialize(d)
        .map_err(|_| de::Error::custom("expected \"AUTO\", \"NONE\" or a path"))?;
    Ok(Some(match text.to_ascii_uppercase().as_str() {
        "AUTO" => LogTarget::Auto,
        "NONE" | "OFF" => LogTarget::None,
        _ => LogTarget::Path(text),
    }))
}
