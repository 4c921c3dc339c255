//! `supd facility new` and `supd facility build`: facility components in a
//! few lines of Rust, Python or JavaScript.

mod build;
mod scaffold;

use std::path::{Path, PathBuf};

pub use build::detect;
pub use scaffold::check_name;

/// A facility's source language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust, with the `supervisord-facility` SDK crate.
    Rust,
    /// Python, built by componentize-py.
    Python,
    /// JavaScript, built by componentize-js.
    Js,
}

/// Why a facility project could not be made or built.
#[derive(Debug, thiserror::Error)]
pub enum FacilityToolError {
    /// The command's input is wrong; nothing was written.
    #[error("{0}")]
    Input(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A language's toolchain failed.
    #[error("{tool} {message}")]
    Tool {
        /// The tool, with how to get it.
        tool: String,
        /// What went wrong.
        message: String,
    },
}

/// Writes a new project; see [`scaffold::new`].
pub fn new(name: &str, lang: Lang, dir: &Path) -> Result<Vec<PathBuf>, FacilityToolError> {
    scaffold::new(name, lang, dir)
}

/// Builds the project in `dir` (its language detected unless given) into
/// `out`, by default `<dir>/.build.wasm` (which [`build_and_check`] names
/// after the facility). Returns the component's path.
pub fn build(
    dir: &Path,
    lang: Option<Lang>,
    out: Option<&Path>,
) -> Result<PathBuf, FacilityToolError> {
    let dir = std::fs::canonicalize(dir).map_err(|source| FacilityToolError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let lang = match lang {
        Some(lang) => lang,
        None => detect(&dir)?,
    };
    let out = match out {
        Some(out) => out.to_path_buf(),
        None => dir.join(".build.wasm"),
    };
    build::build(&dir, lang, &out)?;
    Ok(out)
}

/// A built facility component, loaded once to check it.
#[derive(Debug)]
pub struct Built {
    /// Its file.
    pub path: PathBuf,
    /// The name it gives itself.
    pub name: String,
    /// The SHA-256 of its bytes, to pin it with.
    pub sha256: String,
    /// Its size in bytes.
    pub size: usize,
}

/// Builds the project in `dir` and loads the component as a facility, so a
/// project that builds something else fails here and not in a spec. With
/// no `out`, the component is `<dir>/<facility name>.wasm`.
pub fn build_and_check(
    runtime: &crate::runtime::Runtime,
    dir: &Path,
    lang: Option<Lang>,
    out: Option<&Path>,
) -> Result<Built, FacilityToolError> {
    let path = build(dir, lang, out)?;
    let bytes = std::fs::read(&path).map_err(|source| FacilityToolError::Io {
        path: path.clone(),
        source,
    })?;
    let label = path.display().to_string();
    let plugin = crate::runtime::FacilityPlugin::load(runtime, &label, &bytes).map_err(|e| {
        FacilityToolError::Tool {
            tool: "the built component".into(),
            message: format!("does not load as a facility: {e}"),
        }
    })?;
    let path = match out {
        Some(_) => path,
        None => {
            // The name is the component's own, checked as a facility name.
            check_name(plugin.name())?;
            let named = path.with_file_name(format!("{}.wasm", plugin.name()));
            std::fs::rename(&path, &named).map_err(|source| FacilityToolError::Io {
                path: named.clone(),
                source,
            })?;
            named
        }
    };
    Ok(Built {
        name: plugin.name().to_string(),
        sha256: plugin.digest().to_string(),
        size: bytes.len(),
        path,
    })
}
