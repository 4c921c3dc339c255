//! `supd facility new`: a facility project that builds as it is, in Rust,
//! Python or JavaScript. The author's file is the seed's app-deploy
//! mapping; beside it go the SDK and the facility world, written from the
//! sources this binary was built with, so the project needs nothing of
//! this workspace.

use std::path::{Path, PathBuf};

use super::{FacilityToolError, Lang};

/// The facility world, one source for every SDK.
const WIT: &str = include_str!("../../../wit/facility/facility.wit");

/// The files of a new project in `lang`: (path, text with `{{name}}`).
fn files(lang: Lang) -> Vec<(&'static str, &'static str)> {
    match lang {
        Lang::Rust => vec![
            (
                "Cargo.toml",
                include_str!("../../../sdk/templates/rust/Cargo.toml"),
            ),
            (
                "src/lib.rs",
                include_str!("../../../sdk/templates/rust/src/lib.rs"),
            ),
            (
                "README.md",
                include_str!("../../../sdk/templates/rust/README.md"),
            ),
            (
                ".gitignore",
                include_str!("../../../sdk/templates/rust/gitignore"),
            ),
            (
                "sdk/supervisord-facility/Cargo.toml",
                include_str!("../../../sdk/rust/Cargo.toml"),
            ),
            (
                "sdk/supervisord-facility/src/lib.rs",
                include_str!("../../../sdk/rust/src/lib.rs"),
            ),
            ("sdk/supervisord-facility/wit/facility.wit", WIT),
        ],
        Lang::Python => vec![
            (
                "app.py",
                include_str!("../../../sdk/templates/python/app.py"),
            ),
            (
                "README.md",
                include_str!("../../../sdk/templates/python/README.md"),
            ),
            (
                ".gitignore",
                include_str!("../../../sdk/templates/python/gitignore"),
            ),
            (
                "sdk/supervisord_facility/__init__.py",
                include_str!("../../../sdk/python/supervisord_facility/__init__.py"),
            ),
            (
                "sdk/supervisord_facility/component.py",
                include_str!("../../../sdk/python/supervisord_facility/component.py"),
            ),
            ("wit/facility.wit", WIT),
        ],
        Lang::Js => vec![
            ("app.js", include_str!("../../../sdk/templates/js/app.js")),
            (
                "package.json",
                include_str!("../../../sdk/templates/js/package.json"),
            ),
            (
                "README.md",
                include_str!("../../../sdk/templates/js/README.md"),
            ),
            (
                ".gitignore",
                include_str!("../../../sdk/templates/js/gitignore"),
            ),
            (
                "sdk/supervisord-facility.js",
                include_str!("../../../sdk/js/supervisord-facility.js"),
            ),
            ("wit/facility.wit", WIT),
        ],
    }
}

/// A facility name: lowercase words joined by `-`, as `app-deploy`.
pub fn check_name(name: &str) -> Result<(), FacilityToolError> {
    let ok = name.split('-').all(|word| {
        !word.is_empty()
            && word.starts_with(|c: char| c.is_ascii_lowercase())
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }) && name.len() <= 64;
    if ok {
        Ok(())
    } else {
        Err(FacilityToolError::Input(format!(
            "NAME: {name:?} is not a facility name (lowercase words joined by `-`, such as app-deploy)"
        )))
    }
}

/// Writes a new project for facility `name` in `lang` into `dir`, which must
/// not exist or be empty. Returns the files written.
pub fn new(name: &str, lang: Lang, dir: &Path) -> Result<Vec<PathBuf>, FacilityToolError> {
    check_name(name)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FacilityToolError::Io { path, source }
    };
    if let Ok(mut entries) = std::fs::read_dir(dir)
        && entries.next().is_some()
    {
        return Err(FacilityToolError::Input(format!(
            "--dir: {} exists and is not empty; nothing was written",
            dir.display()
        )));
    }
    let mut written = Vec::new();
    for (relative, text) in files(lang) {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, text.replace("{{name}}", name)).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}
