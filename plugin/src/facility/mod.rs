//! `config-map`: facilities this provider maps itself.

mod generic;

use crate::bindings::{Error, Program};
use crate::error::not_implemented;
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
