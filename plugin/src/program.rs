//! Checks every program, whoever built it (our `config-map` or a facility
//! component), with one set of rules.

use std::collections::{BTreeMap, BTreeSet};

use program_keys::{Type, Value};

use crate::bindings::{EnvVar, Error, ErrorKind, LogTarget, Program, ProgramKind};
use crate::error::{at, invalid, unsupported};
use crate::settings::Resolved;
use crate::validate;

/// Names supervisord expands in a `process_name` template.
const PROCESS_NAME_EXPANSIONS: [&str; 6] = [
    "program_name",
    "process_num",
    "group_name",
    "host_node_name",
    "here",
    "numprocs",
];

/// Event types supervisor 4.x knows (`supervisor.events.EventTypes`).
const EVENT_TYPES: [&str; 27] = [
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
];

/// The error path of one field of a program.
pub fn field(program: &Program, index: usize, key: &str) -> String {
    let id = if validate::name("", &program.name).is_ok() {
        program.name.clone()
    } else {
        index.to_string()
    };
    if key.is_empty() {
        format!("programs[{id}]")
    } else {
        format!("programs[{id}].{key}")
    }
}

/// Checks all programs, for one node when `resolved` is given: each on its
/// own, then names across them.
pub fn check_all(programs: &[Program], resolved: Option<&Resolved>) -> Result<(), Error> {
    let mut names = BTreeSet::new();
    for (index, program) in programs.iter().enumerate() {
        check(program, index, resolved)?;
        if !names.insert(program.name.as_str()) {
            // By index: the name no longer says which program.
            return Err(invalid(
                format!("programs[{index}].name"),
                format!("{:?} is used by more than one program", program.name),
            ));
        }
    }
    // An ungrouped program is a process group of its own name, so it must
    // not share a name with a [group:x].
    let groups: BTreeSet<&str> = programs.iter().filter_map(|p| p.group.as_deref()).collect();
    for (index, program) in programs.iter().enumerate() {
        if program.group.is_none() && groups.contains(program.name.as_str()) {
            return Err(invalid(
                field(program, index, "name"),
                format!(
                    "{:?} is also the name of a group; supervisord keeps program and group names in one namespace",
                    program.name
                ),
            ));
        }
    }
    Ok(())
}

/// Checks one program; with `resolved`, also against the node (paths under
/// its root, users supervisord can switch to): every key by its type, then
/// the rules between keys.
pub fn check(program: &Program, index: usize, resolved: Option<&Resolved>) -> Result<(), Error> {
    let f = |key: &str| field(program, index, key);
    let root = resolved.map_or("/", |r| r.target.root.as_str());
    for key in program_keys::KEYS {
        match (key.get)(program) {
            Some(value) => check_value(key.ty, &f(key.field), value, root)?,
            None if key.required && key.section.applies(&program.kind) => {
                let message = match key.section.form_kind() {
                    Some(kind) => format!("is required when kind = \"{kind}\""),
                    None => "is required".to_string(),
                };
                return Err(at(f(key.field), ErrorKind::MissingField, message));
            }
            None => {}
        }
    }
    check_processes(program, &f)?;
    if program.stopasgroup == Some(true) && program.killasgroup == Some(false) {
        return Err(invalid(
            f("killasgroup"),
            "cannot be false when stopasgroup is true (supervisord refuses it)",
        ));
    }
    check_user(program, &f, resolved)?;
    if program.redirect_stderr == Some(true)
        && matches!(program.stderr.logfile, Some(LogTarget::Path(_)))
    {
        return Err(invalid(
            f("stderr.logfile"),
            "is set, but redirect-stderr sends stderr to the stdout log; remove one of them",
        ));
    }
    if let ProgramKind::EventListener(_) = &program.kind {
        check_event_listener(program, &f)?;
    }
    Ok(())
}

/// A field of the program, as errors name it.
type Field<'a> = dyn Fn(&str) -> String + 'a;

/// One key's value, by its type. Every type is named, so a new one does
/// not compile until it says what it checks.
fn check_value(ty: Type, field: &str, value: Value, root: &str) -> Result<(), Error> {
    match ty {
        Type::Name => validate::name(field, value.text()),
        Type::Literal => validate::non_empty_value(field, value.text()),
        Type::Path => validate::path_under(field, value.text(), root),
        Type::LogTarget => match &value {
            Value::Log(LogTarget::Path(path)) => validate::path_under(field, path, root),
            _ => Ok(()),
        },
        Type::Account => validate::account(field, value.text()),
        Type::Template => check_process_name(field, value.text()),
        Type::Positive if value.number() == 0 => Err(invalid(field, "must be at least 1")),
        Type::Mode if value.number() > 0o777 => Err(invalid(
            field,
            format!(
                "{:o} is not a mode or umask (at most 777 octal)",
                value.number()
            ),
        )),
        Type::Environment => match &value {
            Value::Env(vars) => check_environment(field, vars),
            _ => Ok(()),
        },
        Type::Watch => check_watch(field, value.list(), root),
        Type::Events => check_events(field, value.list()),
        Type::Handler => check_handler(field, value.text()),
        Type::Socket => check_socket(field, value.text(), root),
        Type::SocketOwner => {
            for part in value.text().splitn(2, ':') {
                validate::account(field, part)?;
            }
            Ok(())
        }
        // Any value its reader accepted is one supervisord reads.
        Type::Positive
        | Type::Mode
        | Type::Count
        | Type::Bytes
        | Type::Bool
        | Type::Autorestart
        | Type::Signal
        | Type::ExitCodes => Ok(()),
    }
}

/// `numprocs` and the `process-name` template it needs.
fn check_processes(program: &Program, f: &Field) -> Result<(), Error> {
    let numprocs = program.numprocs.unwrap_or(1);
    match &program.process_name {
        Some(template) if numprocs > 1 && !template.contains("%(process_num)") => Err(invalid(
            f("process-name"),
            "must contain %(process_num)d (or a formatted form such as %(process_num)02d) when numprocs > 1",
        )),
        None if numprocs > 1 => Err(at(
            f("process-name"),
            ErrorKind::MissingField,
            "is needed when numprocs > 1, such as \"%(program_name)s_%(process_num)02d\"",
        )),
        _ => Ok(()),
    }
}

/// `user`: one supervisord can switch to.
fn check_user(program: &Program, f: &Field, resolved: Option<&Resolved>) -> Result<(), Error> {
    if let (Some(user), Some(resolved)) = (&program.user, resolved)
        && !resolved.runs_as_root()
        && user != resolved.runs_as()
    {
        return Err(unsupported(
            f("user"),
            format!(
                "supervisord runs as {:?} and cannot start programs as {user:?}; drop the user or run supervisord as root",
                resolved.runs_as()
            ),
        ));
    }
    Ok(())
}

/// `environment`: names and values supervisord reads back, each name once.
fn check_environment(field: &str, vars: &[EnvVar]) -> Result<(), Error> {
    let mut env_names = BTreeSet::new();
    for var in vars {
        let key = format!("{field}[{}]", var.name);
        validate::env_name(&key, &var.name)?;
        validate::env_value(&key, &var.value)?;
        if !env_names.insert(var.name.as_str()) {
            return Err(invalid(key, "is set more than once"));
        }
    }
    Ok(())
}

/// Event types supervisor knows.
fn check_events(field: &str, events: &[String]) -> Result<(), Error> {
    for (i, event) in events.iter().enumerate() {
        if !EVENT_TYPES.contains(&event.as_str()) {
            return Err(invalid(
                format!("{field}[{i}]"),
                format!(
                    "{event:?} is not a supervisor event type such as PROCESS_STATE or TICK_60"
                ),
            ));
        }
    }
    Ok(())
}

/// What supervisord refuses of an event listener.
fn check_event_listener(program: &Program, f: &Field) -> Result<(), Error> {
    if program.group.is_some() {
        return Err(invalid(
            f("group"),
            "event listeners cannot be members of a [group:x]; supervisord refuses it",
        ));
    }
    if program.redirect_stderr == Some(true) {
        return Err(invalid(
            f("redirect-stderr"),
            "must not be true for an event listener: it would break the listener protocol",
        ));
    }
    Ok(())
}

/// A result handler: `module:callable`.
fn check_handler(field: &str, handler: &str) -> Result<(), Error> {
    validate::non_empty_value(field, handler)?;
    if !handler.contains(':') || handler.contains(char::is_whitespace) {
        return Err(invalid(
            field,
            format!("{handler:?} is not a module:callable"),
        ));
    }
    Ok(())
}

/// A FastCGI program's socket: a unix path under the root, or a TCP port.
fn check_socket(field: &str, socket: &str, root: &str) -> Result<(), Error> {
    validate::non_empty_value(field, socket)?;
    if let Some(path) = socket.strip_prefix("unix://") {
        validate::path_under(field, path, root)
    } else if let Some(address) = socket.strip_prefix("tcp://") {
        let port_ok = address
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse::<u16>().ok())
            .is_some_and(|port| port > 0);
        if port_ok {
            Ok(())
        } else {
            Err(invalid(
                field,
                format!("{socket:?} needs a host:port after tcp://"),
            ))
        }
    } else {
        Err(invalid(
            field,
            format!("{socket:?} must start with unix:// or tcp://"),
        ))
    }
}

/// Most paths one program may watch.
const MAX_WATCHES: usize = 64;

/// Watched paths: absolute, under the node root, each once, and nothing
/// that would break a line of the facts script's output.
fn check_watch(field: &str, watch: &[String], root: &str) -> Result<(), Error> {
    if watch.len() > MAX_WATCHES {
        return Err(crate::error::invalid(
            field,
            format!(
                "{} paths; a program watches at most {MAX_WATCHES}",
                watch.len()
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, path) in watch.iter().enumerate() {
        let field = format!("{field}[{index}]");
        validate::path_under(&field, path, root)?;
        if path.contains(['\t', '\n', '\r', '\\']) {
            return Err(crate::error::invalid(
                &field,
                format!(
                    "{path:?} holds a tab, a line break or a backslash, which the node cannot report back"
                ),
            ));
        }
        if !seen.insert(path.trim_end_matches('/')) {
            return Err(crate::error::invalid(
                &field,
                format!("{path:?} is watched twice"),
            ));
        }
    }
    Ok(())
}

/// A `process_name` template: literal text plus `%(name)d`/`%(name)s`
/// expansions of names supervisord knows; a lone `%` is refused.
fn check_process_name(field: &str, template: &str) -> Result<(), Error> {
    validate::non_empty_value(field, template)?;
    if let Some(bad) = template.chars().find(|c| matches!(c, ' ' | ':' | '/')) {
        return Err(invalid(
            field,
            format!("contains {bad:?}, which supervisord refuses in process names"),
        ));
    }
    let mut rest = template;
    while let Some(at_percent) = rest.find('%') {
        let after = &rest[at_percent + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            rest = tail;
            continue;
        }
        let Some(inner) = after.strip_prefix('(') else {
            return Err(invalid(
                field,
                "has a '%' that is not '%%' or '%(name)s'; write a literal percent as '%%'",
            ));
        };
        let Some(close) = inner.find(')') else {
            return Err(invalid(field, "has an unclosed '%('"));
        };
        let name = &inner[..close];
        if !PROCESS_NAME_EXPANSIONS.contains(&name) && !name.starts_with("ENV_") {
            return Err(invalid(
                field,
                format!(
                    "expands unknown name {name:?}; known: {}",
                    PROCESS_NAME_EXPANSIONS.join(", ")
                ),
            ));
        }
        let spec = &inner[close + 1..];
        let flags_end = spec
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '#' | ' ' | '+' | '.')))
            .ok_or_else(|| {
                invalid(
                    field,
                    format!("%({name}) lacks a conversion such as 's' or 'd'"),
                )
            })?;
        if !matches!(spec.as_bytes()[flags_end], b's' | b'd') {
            return Err(invalid(field, format!("%({name}) must end in 's' or 'd'")));
        }
        if name == "process_num" || name == "numprocs" {
            // numbers format with either conversion
        } else if spec.as_bytes()[flags_end] == b'd' {
            return Err(invalid(field, format!("%({name}) is text; use 's'")));
        }
        rest = &spec[flags_end + 1..];
    }
    Ok(())
}

/// Programs of one process group: a `[group:x]` with its members, or one
/// ungrouped program (a group of its own name, as supervisord treats it).
pub fn process_groups(programs: &[Program]) -> BTreeMap<String, Vec<&Program>> {
    let mut groups: BTreeMap<String, Vec<&Program>> = BTreeMap::new();
    for program in programs {
        let key = program
            .group
            .clone()
            .unwrap_or_else(|| program.name.clone());
        groups.entry(key).or_default().push(program);
    }
    for members in groups.values_mut() {
        members.sort_by(|a, b| a.name.cmp(&b.name));
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::check_process_name;

    #[test]
    fn process_name_templates() {
        for good in [
            "%(program_name)s_%(process_num)02d",
            "w%(process_num)d",
            "100%%",
            "%(ENV_X)s",
        ] {
            assert!(check_process_name("f", good).is_ok(), "{good}");
        }
        for bad in [
            "50%",
            "%(nope)s",
            "%(process_num)",
            "%(process_num)x",
            "%(program_name)d",
            "a b",
            "a:b",
        ] {
            assert!(check_process_name("f", bad).is_err(), "{bad}");
        }
    }
}
