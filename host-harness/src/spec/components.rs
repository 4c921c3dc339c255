//! Third-party components a spec loads: each named by path, pinned by its
//! SHA-256, and (facilities) held to a grant.
//!
//! ```toml
//! accept-unpinned = ["my-facility"]
//! facilities = [
//!   { path = "app.wasm", sha256 = "9f2c…", grant = { users = ["app"], paths = ["/srv/app"] } },
//!   "my-facility.wasm",   # unpinned: loads only because accept-unpinned names it
//! ]
//! ```

use std::path::{Path, PathBuf};

use super::{Location, SpecError};

/// A component named by a spec or by the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentRef {
    /// Its file.
    pub path: PathBuf,
    /// The SHA-256 of its bytes (lowercase hex) it must have; `None` when
    /// unpinned.
    pub sha256: Option<String>,
    /// What a facility's programs may do; `None` gives the default grant
    /// (any user but root, any path, none of the loader's variables).
    pub grant: Option<GrantSpec>,
    /// Where it was named, for errors: a spec's key path, or a flag.
    pub origin: Origin,
}

/// Where a component was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// In a spec file, at these keys (`facilities.0`).
    Spec {
        /// The spec file.
        file: PathBuf,
        /// Its text, to find the keys' line.
        source: String,
        /// The key path.
        keys: Vec<String>,
    },
    /// On the command line, by this flag (`--facility`).
    Flag(&'static str),
}

impl Origin {
    /// An error about the component, located where it was named.
    pub fn error(&self, message: impl Into<String>) -> SpecError {
        match self {
            Origin::Spec { file, source, keys } => {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                SpecError {
                    location: Location::of_keys(file, source, &keys),
                    message: format!("{}: {}", keys.join("."), message.into()),
                }
            }
            Origin::Flag(flag) => SpecError {
                location: Location::file(Path::new(flag)),
                message: message.into(),
            },
        }
    }
}

/// A grant as the spec writes it (the provider's `grant` record).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantSpec {
    /// Users its programs may run as; `root` only when listed.
    #[serde(default)]
    pub users: Vec<String>,
    /// Absolute path prefixes its logs, `directory` and `watch` lie under.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Loader variables (`LD_PRELOAD`, `PYTHON*`) its programs may set.
    #[serde(default)]
    pub environment: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPinned {
    path: PathBuf,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    grant: Option<GrantSpec>,
}

/// Reads the array at `key` (`providers` or `facilities`): each entry a
/// path, or a table `{ path, sha256, grant }` (`grant` only for
/// facilities). Paths are relative to the spec's directory.
pub fn read(
    file: &Path,
    source: &str,
    key: &str,
    entries: Vec<toml::Value>,
    grants: bool,
) -> Result<Vec<ComponentRef>, SpecError> {
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut refs = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let origin = Origin::Spec {
            file: file.to_path_buf(),
            source: source.to_string(),
            keys: vec![key.to_string(), index.to_string()],
        };
        let raw = match entry {
            toml::Value::String(path) => RawPinned {
                path: PathBuf::from(path),
                sha256: None,
                grant: None,
            },
            table @ toml::Value::Table(_) => table.try_into::<RawPinned>().map_err(|e| {
                let message = e.message().trim();
                origin.error(
                    did_you_mean::unknown_field(message).unwrap_or_else(|| message.to_string()),
                )
            })?,
            other => {
                return Err(origin.error(format!(
                    "expected a path or a table {{ path, sha256{} }}, found a {}",
                    if grants { ", grant" } else { "" },
                    other.type_str()
                )));
            }
        };
        if raw.grant.is_some() && !grants {
            return Err(origin.error("a grant bounds a facility's programs; providers take none"));
        }
        let sha256 = raw
            .sha256
            .map(|hex| check_sha256(&hex).map_err(|m| origin.error(format!("sha256: {m}"))))
            .transpose()?;
        if let Some(grant) = &raw.grant {
            check_grant(grant).map_err(|m| origin.error(format!("grant.{m}")))?;
        }
        refs.push(ComponentRef {
            path: base.join(raw.path),
            sha256,
            grant: raw.grant,
            origin,
        });
    }
    Ok(refs)
}

/// A command-line component: `PATH` or `PATH@sha256:HEX`.
pub fn from_flag(flag: &'static str, text: &str) -> Result<ComponentRef, SpecError> {
    let origin = Origin::Flag(flag);
    let (path, sha256) = match text.rsplit_once("@sha256:") {
        Some((path, hex)) => (
            path,
            Some(check_sha256(hex).map_err(|m| origin.error(format!("{text:?}: sha256: {m}")))?),
        ),
        None => (text, None),
    };
    Ok(ComponentRef {
        path: PathBuf::from(path),
        sha256,
        grant: None,
        origin,
    })
}

/// A SHA-256 as 64 hex digits, lowercased.
fn check_sha256(hex: &str) -> Result<String, String> {
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_lowercase())
    } else {
        Err(format!("{hex:?} is not a SHA-256 (64 hex digits)"))
    }
}

/// A grant's values: users are account names, paths absolute and plain.
fn check_grant(grant: &GrantSpec) -> Result<(), String> {
    for (index, user) in grant.users.iter().enumerate() {
        let ok = !user.is_empty()
            && !user.starts_with('-')
            && user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok {
            return Err(format!("users.{index}: {user:?} is not an account name"));
        }
    }
    for (index, path) in grant.paths.iter().enumerate() {
        let plain = path.starts_with('/')
            && !path.split('/').any(|part| part == ".." || part == ".")
            && !path.chars().any(char::is_control);
        if !plain {
            return Err(format!(
                "paths.{index}: {path:?} is not an absolute path without `.` or `..`"
            ));
        }
    }
    for (index, name) in grant.environment.iter().enumerate() {
        let stem = name.strip_suffix('*').unwrap_or(name);
        if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!(
                "environment.{index}: {name:?} is not a variable name (or a prefix ending in *)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<ComponentRef>, SpecError> {
        let table: toml::Table = toml::from_str(text).unwrap();
        let entries = table["facilities"].as_array().unwrap().clone();
        read(
            Path::new("/specs/s.toml"),
            text,
            "facilities",
            entries,
            true,
        )
    }

    #[test]
    fn entries_are_paths_or_pinned_tables() {
        let hex = "AB".repeat(32);
        let refs = parse(&format!(
            "facilities = [\"a.wasm\", {{ path = \"/x/b.wasm\", sha256 = \"{hex}\", grant = {{ users = [\"app\"] }} }}]\n"
        ))
        .unwrap();
        assert_eq!(refs[0].path, PathBuf::from("/specs/a.wasm"));
        assert_eq!(refs[0].sha256, None);
        assert_eq!(refs[1].path, PathBuf::from("/x/b.wasm"));
        assert_eq!(refs[1].sha256.as_deref(), Some("ab".repeat(32).as_str()));
        assert_eq!(refs[1].grant.as_ref().unwrap().users, ["app"]);
    }

    #[test]
    fn bad_entries_name_the_key_and_the_problem() {
        for (text, expect) in [
            (
                "facilities = [3]\n",
                "facilities.0: expected a path or a table",
            ),
            (
                "facilities = [{ path = \"a\", sha256 = \"abc\" }]\n",
                "facilities.0: sha256: \"abc\" is not a SHA-256",
            ),
            (
                "facilities = [{ path = \"a\", colour = 1 }]\n",
                "unknown field `colour`",
            ),
            (
                "facilities = [{ pth = \"a\" }]\n",
                "unknown field `pth`; did you mean `path`?",
            ),
            (
                "facilities = [{ path = \"a\", sha265 = \"ab\" }]\n",
                "did you mean `sha256`?",
            ),
            (
                "facilities = [{ path = \"a\", grant = { users = [\"-o\"] } }]\n",
                "grant.users.0",
            ),
            (
                "facilities = [{ path = \"a\", grant = { paths = [\"srv\"] } }]\n",
                "grant.paths.0",
            ),
            (
                "facilities = [{ path = \"a\", grant = { paths = [\"/srv/../etc\"] } }]\n",
                "grant.paths.0",
            ),
            (
                "facilities = [{ path = \"a\", grant = { environment = [\"LD PRE\"] } }]\n",
                "grant.environment.0",
            ),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.message.contains(expect), "{text}: {error}");
            assert_eq!(
                error.location.line_col.map(|l| l.0),
                Some(1),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn providers_take_no_grant() {
        let text = "providers = [{ path = \"p.wasm\", grant = {} }]\n";
        let table: toml::Table = toml::from_str(text).unwrap();
        let entries = table["providers"].as_array().unwrap().clone();
        let error = read(Path::new("/s.toml"), text, "providers", entries, false).unwrap_err();
        assert!(error.message.contains("providers take none"), "{error}");
    }

    #[test]
    fn flags_take_an_optional_digest() {
        let hex = "0f".repeat(32);
        let pinned = from_flag("--facility", &format!("a@b.wasm@sha256:{hex}")).unwrap();
        assert_eq!(pinned.path, PathBuf::from("a@b.wasm"));
        assert_eq!(pinned.sha256, Some(hex));
        assert_eq!(from_flag("--facility", "a.wasm").unwrap().sha256, None);
        let error = from_flag("--facility", "a.wasm@sha256:zz").unwrap_err();
        assert!(error.message.contains("is not a SHA-256"), "{error}");
    }
}
