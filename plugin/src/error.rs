//! Constructors for the WIT `error` record, so every refusal names a field.

use crate::bindings::{Error, ErrorKind};

/// An error about `field`.
pub fn at(field: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        field: field.into(),
        kind,
        message: message.into(),
    }
}

/// `field` has a value that is not allowed.
pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
    at(field, ErrorKind::InvalidValue, message)
}

/// `field` asks for something this node or strategy cannot do.
pub fn unsupported(field: impl Into<String>, message: impl Into<String>) -> Error {
    at(field, ErrorKind::Unsupported, message)
}

/// The seed's error for a facility/supervisor pair nobody maps.
pub fn not_implemented(supervisor: &str, facility: &str) -> Error {
    at(
        "facility",
        ErrorKind::NotImplemented,
        format!(
            "{supervisor} supervisor requested for {facility}, but this has not been implemented"
        ),
    )
}

/// Joins a parent path and a child key: `settings` + `install` ->
/// `settings.install`.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Turns a serde error found at `path` (relative to the input named `root`)
/// into a typed error, telling unknown and missing keys from bad values.
pub fn from_serde(root: &str, path: &serde_path_to_error::Path, err: &serde_json::Error) -> Error {
    let message = err.to_string();
    // serde_json appends " at line L column C"; the field path says more.
    let mut message = match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    };
    let mut field = root.to_string();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => field.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => field = join(&field, key),
            serde_path_to_error::Segment::Enum { variant } => field = join(&field, variant),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let kind = if message.starts_with("unknown field") {
        // Depending on the deserializer, the unknown key is in the path or
        // only in the message; make sure the field names it.
        if let Some(key) = message.split('`').nth(1)
            && !field.ends_with(&format!(".{key}"))
        {
            field = join(&field, key);
        }
        // "did you mean `command`?" rather than every key there is.
        if let Some(suggestion) = did_you_mean::unknown_field(&message) {
            message = suggestion;
        }
        ErrorKind::UnknownField
    } else if message.starts_with("missing field") {
        if let Some(key) = message.split('`').nth(1) {
            field = join(&field, key);
        }
        ErrorKind::MissingField
    } else if err.is_syntax() || err.is_eof() || message.starts_with("invalid type") {
        ErrorKind::Malformed
    } else {
        ErrorKind::InvalidValue
    };
    Error {
        field,
        kind,
        message,
    }
}

/// Parses `text` as JSON into `T`, reporting problems against `root`.
pub fn parse_json<T: serde::de::DeserializeOwned>(root: &str, text: &str) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| from_serde(root, e.path(), e.inner()))?;
    de.end().map_err(|e| {
        at(
            root,
            ErrorKind::Malformed,
            format!("trailing data after the JSON value: {e}"),
        )
    })?;
    Ok(value)
}

/// Deserializes an already-parsed JSON value, reporting against `root`.
pub fn from_value<T: serde::de::DeserializeOwned>(
    root: &str,
    value: serde_json::Value,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        // A Value deserializer's error is a serde_json::Error too.
        from_serde(root, e.path(), e.inner())
    })
}
