//! `config-map`: facilities this provider maps itself.

mod generic;
mod grant;

use crate::bindings::{Error, ErrorKind, Grant, Program};
use crate::error::{invalid, not_implemented};
use crate::program;

/// Facilities the built-in `config-map` knows.
pub const FACILITIES: [&str; 1] = ["generic"];

/// Maps a facility's settings to a checked program.
pub fn config_map(facility: &str, settings: &str) -> Result<Program, Error> {
    let program = match facility {
        "generic" => generic::config_map(settings)?,
        other => return Err(not_implemented(crate::PROVIDER_NAME, other)),
    };
    // Refuse what can be refused without a node; configure-plan checks the
    // rest (paths under the node root, users supervisord can switch to).
    program::check(&program, 0, None)?;
    Ok(program)
}

/// A facility component's program, in the generic facility's form, read
/// with the rules of the provider's own input and held to `grant`.
pub fn facility_program(
    facility: &str,
    json: &str,
    grant: Option<&Grant>,
) -> Result<Program, Error> {
    let program = config_map("generic", json).map_err(|e| {
        let message = format!(
            "facility {facility} made a program the provider refuses: {}: {}",
            generic_key(&e.field),
            e.message
        );
        // A refused key keeps its field, so the host places the error at
        // the service's settings (where the spec's line is); a document
        // that is not a program at all is the facility's fault alone.
        if e.field.starts_with("settings.") || e.field.starts_with("programs[") {
            // The facility's mistake, not the author's: a bad value.
            Error {
                kind: ErrorKind::InvalidValue,
                message,
                ..e
            }
        } else {
            invalid("facility", message)
        }
    })?;
    if let Some(grant) = grant {
        grant::check(facility, &program, grant)?;
    }
    Ok(program)
}

/// The key of the generic facility's form an error's field is about: the
/// mapping's errors are about `settings.<key>`, the checks' about
/// `programs[<name>].<field>`, which the key table spells as the form does.
fn generic_key(field: &str) -> std::borrow::Cow<'_, str> {
    if let Some(key) = field.strip_prefix("settings.") {
        return key.into(); // already the form's own key
    }
    let program_field = field
        .strip_prefix("programs[")
        .and_then(|rest| rest.split_once("]."))
        .map_or(field, |(_, key)| key);
    program_keys::form_key(program_field).into()
}
