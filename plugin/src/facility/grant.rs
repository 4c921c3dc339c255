//! What a third-party facility's programs may do: the spec's grant. A
//! facility component is someone else's code; the spec's author says which
//! users its programs may run as, where their logs, working directory and
//! watched paths may lie, and which environment variables that change how
//! a program loads it may set.

use program_keys::{Type, Value};

use crate::bindings::{Error, Grant, LogTarget, Program};
use crate::error::invalid;

/// Environment variables that change how a program loads or runs, beyond
/// its command: allowed only when a grant names them (`*` ends a prefix).
const LOADER_VARIABLES: [&str; 18] = [
    "LD_*",
    "DYLD_*",
    "GCONV_PATH",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PERL5LIB",
    "PERL5OPT",
    "PERLLIB",
    "RUBYLIB",
    "RUBYOPT",
    "NODE_OPTIONS",
    "NODE_PATH",
    "BASH_ENV",
    "ENV",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
];

/// Whether `name` is matched by `pattern` (a name, or a prefix ending `*`).
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// Whether `path` lies under the directory `prefix`.
fn under(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Refuses `program` when it does what `grant` does not let `facility`'s
/// programs do; the error names the facility, the program's field and the
/// grant.
pub fn check(facility: &str, program: &Program, grant: &Grant) -> Result<(), Error> {
    let refuse = |what: String, allowed: String| {
        invalid(
            "facility",
            format!(
                "facility {facility}: its program {what}, which its grant ({allowed}) does not allow"
            ),
        )
    };
    let user = program.user.as_deref().unwrap_or("root");
    let named = program.user.is_some();
    let allowed_user = if user == "root" {
        grant.users.iter().any(|u| u == "root")
    } else {
        grant.users.is_empty() || grant.users.iter().any(|u| u == user)
    };
    if !allowed_user {
        let what = if named {
            format!("runs as {user} (user)")
        } else {
            "names no user, so it runs as supervisord's own (root)".to_string()
        };
        let users = if grant.users.is_empty() {
            "users: any but root".to_string()
        } else {
            format!("users: {}", grant.users.join(", "))
        };
        return Err(refuse(what, users));
    }
    if !grant.paths.is_empty() {
        let paths = program_paths(program);
        if let Some((key, path)) = paths
            .into_iter()
            .find(|(_, path)| !grant.paths.iter().any(|prefix| under(prefix, path)))
        {
            return Err(refuse(
                format!("puts {key} at {path}"),
                format!("paths: {}", grant.paths.join(", ")),
            ));
        }
    }
    for var in &program.environment {
        let loader = LOADER_VARIABLES.iter().any(|p| matches(p, &var.name));
        if loader && !grant.environment.iter().any(|p| matches(p, &var.name)) {
            return Err(refuse(
                format!(
                    "sets {} (environment), which changes how it loads",
                    var.name
                ),
                if grant.environment.is_empty() {
                    "environment: none of the loader's variables".to_string()
                } else {
                    format!("environment: {}", grant.environment.join(", "))
                },
            ));
        }
    }
    Ok(())
}

/// Every path a program's keys put something at, with the key's form name:
/// whatever key a path-typed definition adds is held to the grant too.
/// Every type is named, so a new one does not compile until it says
/// whether it is a path.
fn program_paths(program: &Program) -> Vec<(&'static str, String)> {
    let mut paths = Vec::new();
    for key in program_keys::KEYS {
        let Some(value) = (key.get)(program) else {
            continue;
        };
        let found: Vec<String> = match key.ty {
            Type::Path => vec![value.text().to_string()],
            Type::LogTarget => match value {
                Value::Log(LogTarget::Path(path)) => vec![path],
                _ => vec![],
            },
            Type::Socket => value
                .text()
                .strip_prefix("unix://")
                .map(|path| vec![path.to_string()])
                .unwrap_or_default(),
            Type::Watch => value.list().to_vec(),
            // Users and the environment have grants of their own (above).
            Type::Account | Type::Environment => vec![],
            Type::Name
            | Type::Literal
            | Type::Template
            | Type::Count
            | Type::Positive
            | Type::Bytes
            | Type::Mode
            | Type::Bool
            | Type::Autorestart
            | Type::Signal
            | Type::ExitCodes
            | Type::Events
            | Type::Handler
            | Type::SocketOwner => vec![],
        };
        paths.extend(found.into_iter().map(|path| (key.form, path)));
    }
    paths
}
