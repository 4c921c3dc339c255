//! Scopes: who wrote each program file. Every group file carries its
//! declaration's scope in its first line, the marker; a declaration removes
//! only files of its own scope and refuses programs whose file another
//! scope wrote, so many requesters share one supervisord without knowing
//! each other.

use crate::bindings::{Declaration, Error, ErrorKind, Program, Role};
use crate::error::{at, invalid};

/// The scope of a declaration that names none.
pub const DEFAULT_SCOPE: &str = "default";

/// Longest scope name.
pub const MAX_SCOPE_LEN: usize = 64;

/// What every marker starts with (the 0.2 marker too).
const MARKER_PREFIX: &str = "; Managed by supervisord-crate";

/// Who wrote a file, from its first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// Not supervisord-crate: someone else's file, never removed.
    Someone,
    /// supervisord-crate before scopes (0.2): the daemon's owner's.
    Unscoped,
    /// A declaration of this scope.
    Scope(String),
}

impl Writer {
    /// Reads the first line of a file.
    pub fn of_head(head: &str) -> Writer {
        let Some(rest) = head.strip_prefix(MARKER_PREFIX) else {
            return Writer::Someone;
        };
        if rest.starts_with(':') {
            return Writer::Unscoped;
        }
        match rest
            .strip_prefix(" (scope ")
            .and_then(|r| r.split_once("):"))
        {
            Some((name, _)) if check_name("", name).is_ok() => Writer::Scope(name.to_string()),
            _ => Writer::Someone,
        }
    }
}

/// The first line of every file a declaration of `scope` writes.
pub fn marker(scope: &str) -> String {
    format!("{MARKER_PREFIX} (scope {scope}): edits here are overwritten.")
}

/// The scope a declaration names (`default` when it names none).
pub fn name_of(declaration: &Declaration) -> &str {
    if declaration.scope.is_empty() {
        DEFAULT_SCOPE
    } else {
        &declaration.scope
    }
}

/// A scope name: like a program name, and `:` too (per-program
/// declarations are `program:<name>`).
pub fn check_name(field: &str, name: &str) -> Result<(), Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':');
    if name.is_empty() || name.len() > MAX_SCOPE_LEN {
        return Err(invalid(
            field,
            format!("a scope name has 1 to {MAX_SCOPE_LEN} characters"),
        ));
    }
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return Err(invalid(
            field,
            format!(
                "{name:?} contains {bad:?}; scope names use letters, digits, '_', '.', '-' and ':'"
            ),
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(invalid(
            field,
            format!("{name:?} must start with a letter or digit"),
        ));
    }
    Ok(())
}

/// Checks a declaration: its scope and absent names, no settings for one
/// that only adds programs, and no program both wanted and absent.
pub fn check(declaration: &Declaration, settings: &str, programs: &[Program]) -> Result<(), Error> {
    check_name("declaration.scope", name_of(declaration))?;
    for (index, name) in declaration.absent.iter().enumerate() {
        let field = format!("declaration.absent[{index}]");
        crate::validate::name(&field, name)?;
        if programs.iter().any(|p| p.name == *name) {
            return Err(invalid(
                field,
                format!("{name:?} is both wanted (a service's program) and absent"),
            ));
        }
    }
    if declaration.role == Role::Programs {
        let empty = settings.trim().is_empty()
            || serde_json::from_str::<serde_json::Value>(settings)
                .is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()));
        if !empty {
            return Err(invalid(
                "settings",
                "a declaration of role programs adds programs to the supervisord the node records; it takes no settings (the daemon's owner sets them)",
            ));
        }
    }
    Ok(())
}

/// Whether a declaration may remove or rewrite a file `writer` wrote.
pub fn owns(declaration: &Declaration, writer: &Writer, owner_scope: Option<&str>) -> bool {
    let scope = name_of(declaration);
    match writer {
        Writer::Someone => false,
        _ if declaration.exclusive => true,
        Writer::Scope(name) => name == scope,
        // Files from before scopes belong to the daemon's owner: the one
        // recorded, or any declaration that owns a daemon no one recorded.
        Writer::Unscoped => match owner_scope {
            Some(owner) => owner == scope,
            None => declaration.role == Role::Daemon,
        },
    }
}

/// The refusal of a program whose file another declaration wrote.
pub fn conflict(field: String, what: &str, writer: &Writer, path: &str) -> Error {
    let by = match writer {
        Writer::Scope(name) => format!("scope {name}"),
        Writer::Unscoped => "the supervisord's owner (written before scopes)".to_string(),
        Writer::Someone => "someone else (it has no supervisord-crate marker)".to_string(),
    };
    at(
        field,
        ErrorKind::Conflict,
        format!("{what} is managed by {by} ({path}); declare it there, or remove it there first"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_their_scope_and_read_back() {
        for scope in ["default", "web", "program:api", "a.b-c_d"] {
            assert_eq!(Writer::of_head(&marker(scope)), Writer::Scope(scope.into()));
        }
        assert_eq!(
            Writer::of_head("; Managed by supervisord-crate: edits here are overwritten."),
            Writer::Unscoped
        );
        for other in [
            "",
            "[program:web]",
            "; Managed by supervisord-crate (scope bad name): x",
            "; Managed by supervisord-crate (scope web",
        ] {
            assert_eq!(Writer::of_head(other), Writer::Someone, "{other}");
        }
    }

    #[test]
    fn scope_names_are_checked() {
        for good in ["default", "web", "program:api", "9lives"] {
            assert!(check_name("s", good).is_ok(), "{good}");
        }
        for bad in ["", "-web", "a b", "a/b", "a)b", &"x".repeat(65)] {
            assert!(check_name("s", bad).is_err(), "{bad}");
        }
    }
}
