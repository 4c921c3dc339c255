//! Rules every value must pass before it is written into an INI file that
//! supervisord reads. Each rule exists because supervisord (or Python's
//! configparser under it) would otherwise read back something else than was
//! written, or a different file structure altogether.

use crate::bindings::Error;
use crate::error::invalid;

/// Longest program, group or service name.
pub const MAX_NAME_LEN: usize = 64;

/// Longest unix socket path: `sun_path` is 108 bytes with the NUL, and
/// supervisord first binds `<path>.<pid>` and renames it, so the pid (up to
/// 7 digits where `pid_max` is 4194304) and its dot must fit as well.
pub const MAX_SOCKET_PATH: usize = 99;

/// A program, group or service name. supervisord itself refuses ` `, `:`
/// and `/`; we also refuse `[`, `]` and `,` (they would break section
/// headers and the `programs=` list) and anything else that is not a plain
/// file-name character, because names also become file names. The seed
/// silently rewrote such names; we refuse them and say why.
pub fn name(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(invalid(
            field,
            "is empty; a name needs at least one character",
        ));
    }
    if value.len() > MAX_NAME_LEN {
        return Err(invalid(
            field,
            format!(
                "is {} bytes long; names are at most {MAX_NAME_LEN}",
                value.len()
            ),
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(invalid(
            field,
            format!(
                "{value:?} contains {bad:?}; names may only use letters, digits, '_', '.' and '-'"
            ),
        ));
    }
    if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(invalid(
            field,
            format!("{value:?} must start with a letter or digit"),
        ));
    }
    Ok(())
}

/// An OS package or Python distribution name: letters and digits first,
/// then letters, digits, `+`, `.`, `_` and `-` (what apt, dnf, apk, pacman
/// and pip all take), so it can never be read as an option.
pub fn package(field: &str, value: &str) -> Result<(), Error> {
    let ok = value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+._-".contains(c))
        && value.len() <= 128;
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!(
                "{value:?} is not a package name: a letter or digit, then letters, digits, '+', '.', '_' or '-'"
            ),
        ))
    }
}

/// A string value written after `key=` in an INI file.
pub fn value(field: &str, value: &str) -> Result<(), Error> {
    if let Some(bad) = value.chars().find(|c| c.is_control() && *c != '\t') {
        let what = match bad {
            '\n' | '\r' => {
                "a line break, which would end the value and let the rest become a new key or section"
            }
            '\0' => "a NUL byte",
            _ => "a control character",
        };
        return Err(invalid(field, format!("contains {what} ({bad:?})")));
    }
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Err(invalid(
            field,
            "starts or ends with whitespace, which supervisor's config parser strips",
        ));
    }
    let mut previous_is_space = false;
    for c in value.chars() {
        if previous_is_space && (c == ';' || c == '#') {
            return Err(invalid(
                field,
                format!(
                    "contains whitespace followed by {c:?}, which supervisor's config parser reads as the start of a comment; remove the whitespace before {c:?}"
                ),
            ));
        }
        previous_is_space = c.is_whitespace();
    }
    Ok(())
}

/// A value that must not be empty, then passes [`value`].
pub fn non_empty_value(field: &str, text: &str) -> Result<(), Error> {
    if text.is_empty() {
        return Err(invalid(field, "is empty"));
    }
    value(field, text)
}

/// An absolute path without `..` segments.
pub fn absolute_path(field: &str, path: &str) -> Result<(), Error> {
    value(field, path)?;
    if !path.starts_with('/') {
        return Err(invalid(field, format!("{path:?} must be an absolute path")));
    }
    if path.split('/').any(|segment| segment == "..") {
        return Err(invalid(field, format!("{path:?} must not contain '..'")));
    }
    // Control characters in a path: what supervisord and the shell make
    // of them is nothing anyone means (a tab in a log path made supervisor
    // refuse the whole configuration).
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(invalid(
            field,
            format!("{path:?} contains the control character {c:?}; paths may not"),
        ));
    }
    Ok(())
}

/// An absolute path that lies under the node root.
pub fn path_under(field: &str, path: &str, root: &str) -> Result<(), Error> {
    absolute_path(field, path)?;
    if field.starts_with("settings.") && path.contains('%') {
        // supervisord expands `%` in some of its own paths more than once.
        return Err(invalid(
            field,
            format!("{path:?} contains '%', which supervisord's own paths cannot hold"),
        ));
    }
    let root = root.trim_end_matches('/');
    if !root.is_empty() && path != root && !path.starts_with(&format!("{root}/")) {
        return Err(invalid(
            field,
            format!("{path:?} lies outside the node root {root:?}"),
        ));
    }
    Ok(())
}

/// An environment value: it is quoted (see `render::ini::environment`), so
/// leading and trailing spaces survive, but line breaks and `<space>;`
/// still end the line for configparser, a value cannot hold both `'` and
/// `"` (or `'` and `\`), and released supervisors strip quote characters
/// from both ends of a value.
pub fn env_value(field: &str, value: &str) -> Result<(), Error> {
    // The line rules apply to the text between the quotes.
    self::value(field, &format!("x{value}x"))?;
    if value.contains('\'') && value.contains(['"', '\\']) {
        return Err(invalid(
            field,
            "holds ' together with \" or \\; supervisor's environment parser cannot read such a value back",
        ));
    }
    if value.starts_with(['\'', '"']) || value.ends_with(['\'', '"']) {
        return Err(invalid(
            field,
            "starts or ends with a quote character, which supervisor strips from environment values",
        ));
    }
    Ok(())
}

/// An environment variable name.
pub fn env_name(field: &str, name: &str) -> Result<(), Error> {
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!(
                "{name:?} is not a variable name: use a letter or '_', then letters, digits or '_'"
            ),
        ))
    }
}

/// A POSIX user or group name.
pub fn account(field: &str, name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!(
                "{name:?} is not a user name: use a lower-case letter or '_', then lower-case letters, digits, '_' or '-', at most 32"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accept_file_name_characters_only() {
        for good in ["web", "web-1", "a.b_c", "9lives"] {
            assert!(name("n", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a:b",
            "a b",
            "a/b",
            "[x]",
            "a,b",
            "-x",
            ".x",
            "é",
            &"x".repeat(65),
        ] {
            assert_eq!(name("n", bad).unwrap_err().field, "n", "{bad}");
        }
    }

    #[test]
    fn values_refuse_what_configparser_would_change() {
        for good in ["echo a;b", "x#y", "50%", "tab\tinside", "ünïcode"] {
            assert!(value("v", good).is_ok(), "{good}");
        }
        for bad in [
            "a\nb", "a\rb", "a\0b", " lead", "trail ", "a ;b", "a\t#b", "a\u{b}b",
        ] {
            assert!(value("v", bad).is_err(), "{bad:?}");
        }
    }
}
