//! `config-map`: facilities this provider maps itself.

mod generic;
mod grant;

use crate::bindings::{Error, Grant, Program};
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
pub fn facility_program(facility: &str, json: &str, grant: Option<&Grant>) -> Result<Program, Error> {
    let program = config_map("generic", json).map_err(|e| {
        invalid(
            "facility",
            format!(
                "facility {facility} made a program the provider refuses: {}: {}",
                generic_key(&e.field),
                e.message
            ),
        )
    })?;
    if let Some(grant) = grant {
        grant::check(facility, &program, grant)?;
    }
    Ok(program)
}

/// The key of the generic facility's form an error's field is about: the
/// mapping's errors are about `settings.<key>`, the checks' about
/// `programs[0].<field>` (whose `name` is the form's `service-name`).
fn generic_key(field: &str) -> &str {
    let key = field
        .strip_prefix("settings.")
        .or_else(|| field.strip_prefix("programs[0]."))
        .unwrap_or(field);
    if key == "name" { "service-name" } else { key }
}
