//! Compiled components cached on disk: compiling the plugin with Cranelift
//! takes far longer than loading its machine code back, so compile once
//! per (component bytes, wasmtime version, engine settings).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components are kept; `None` disables the cache.
#[derive(Debug, Clone)]
pub struct CodeCache {
    dir: Option<PathBuf>,
}

/// Whether a load compiled or came from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheOutcome {
    /// Compiled now (and written to the cache if there is one).
    Compiled,
    /// Loaded from the cache.
    Cached,
}

impl CodeCache {
    /// A cache in `dir`.
    pub fn at(dir: PathBuf) -> CodeCache {
        CodeCache { dir: Some(dir) }
    }

    /// No cache: every load compiles.
    pub fn disabled() -> CodeCache {
        CodeCache { dir: None }
    }

    /// `$XDG_CACHE_HOME/supervisord-crate/components`, else
    /// `~/.cache/supervisord-crate/components`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
        Some(base.join("supervisord-crate").join("components"))
    }

    /// The compiled component for `bytes`, from the cache when possible.
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let Some(dir) = &self.dir else {
            return Ok((Component::new(engine, bytes)?, CacheOutcome::Compiled));
        };
        let path = dir.join(format!("{}.cwasm", key(engine, bytes)));
        if trusted(dir) && trusted(&path) {
            // SAFETY: the file was written by `serialize` below for this
            // exact engine configuration (the key covers it), and it and
            // its directory are this user's and writable by no one else:
            // loading it runs its machine code.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok((component, CacheOutcome::Cached));
            }
        }
        let component = Component::new(engine, bytes)?;
        // A cache that cannot be written only costs time next run.
        let _ = store(dir, &path, &component.serialize()?);
        Ok((component, CacheOutcome::Compiled))
    }
}

/// Hex SHA-256 of the component bytes and of wasmtime's compatibility hash
/// (its version and every engine setting that changes compiled code).
fn key(engine: &Engine, bytes: &[u8]) -> String {
    let mut settings = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut settings);
    let mut hasher = Sha256::new();
    hasher.update(bytes);
    hasher.update(settings.finish().to_le_bytes());
    hex::encode(hasher.finalize())
}

/// This process's effective user, as the kernel shows it.
fn me() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// Whether `path` may be trusted as this user's own: not a link, owned by
/// this user, writable by no one else. A cache entry that is not is a miss
/// (compiled code is run as it is: whoever can write it runs as us).
pub fn trusted(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).is_ok_and(|meta| {
        !meta.file_type().is_symlink() && Some(meta.uid()) == me() && meta.mode() & 0o022 == 0
    })
}

fn store(dir: &Path, path: &Path, code: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if !trusted(dir) {
        return Err(std::io::Error::other(
            "the cache directory is not this user's alone",
        ));
    }
    let tmp = path.with_extension(format!(
        "tmp{}.{}",
        std::process::id(),
        crate::node::random_hex()
    ));
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(0o400000) // O_NOFOLLOW
            .open(&tmp)?;
        file.write_all(code)?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn only_this_users_own_private_entries_are_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let entry = dir.path().join("x.cwasm");
        std::fs::write(&entry, b"code").unwrap();
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(trusted(&entry));
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(!trusted(&entry), "writable by others");
        let link = dir.path().join("y.cwasm");
        std::os::unix::fs::symlink(&entry, &link).unwrap();
        assert!(!trusted(&link), "a link");
        assert!(!trusted(&dir.path().join("missing")));
    }
}
