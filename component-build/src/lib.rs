//! Builds guest crates of this workspace into WebAssembly components.
//!
//! A guest that needs no WASI (the supervisord plugin, the node-script
//! component, the app-deploy facility) is compiled for `wasm32-unknown-unknown` and encoded with
//! `wit-component`: the component then imports nothing at all. A guest
//! that exercises WASI on purpose (the hostile test fixture) is compiled
//! for `wasm32-wasip2`, whose linker emits a component directly.
//!
//! Guests are built by a nested `cargo` into `<target>/guest`, a directory
//! of the one workspace `target/`: the outer cargo holds the lock on its own
//! profile directories, so the nested one needs its own. Components land in
//! `<target>/components/<name>.wasm`.

pub mod witdocs;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A guest crate and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct Guest {
    /// Cargo package name.
    pub package: &'static str,
    /// The library artifact's file stem (package name with `_`).
    pub artifact: &'static str,
    /// Name of the component file, without `.wasm`.
    pub component: &'static str,
    /// What it is compiled for.
    pub target: GuestTarget,
}

/// Compilation target of a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestTarget {
    /// `wasm32-unknown-unknown` + `wit-component`: no imports.
    Bare,
    /// `wasm32-wasip2`: a component importing WASI.
    Wasip2,
}

impl GuestTarget {
    /// The rustc target triple.
    pub fn triple(self) -> &'static str {
        match self {
            GuestTarget::Bare => "wasm32-unknown-unknown",
            GuestTarget::Wasip2 => "wasm32-wasip2",
        }
    }
}

/// The supervisord provider plugin.
pub const PLUGIN: Guest = Guest {
    package: "supervisord-plugin",
    artifact: "supervisord_plugin",
    component: "supervisord",
    target: GuestTarget::Bare,
};

/// The node-script component: facts and apply scripts, reports.
pub const NODE_SCRIPT: Guest = Guest {
    package: "supervisord-node-script",
    artifact: "supervisord_node_script",
    component: "node-script",
    target: GuestTarget::Bare,
};

/// The example app-deploy facility.
pub const APP_DEPLOY: Guest = Guest {
    package: "app-deploy-facility",
    artifact: "app_deploy_facility",
    component: "app-deploy",
    target: GuestTarget::Bare,
};

/// The hostile provider used by the containment tests.
pub const HOSTILE: Guest = Guest {
    package: "hostile-provider",
    artifact: "hostile_provider",
    component: "hostile",
    target: GuestTarget::Wasip2,
};

/// Every guest of the workspace.
pub const ALL: [Guest; 4] = [PLUGIN, NODE_SCRIPT, APP_DEPLOY, HOSTILE];

/// Why a guest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The Rust target is not installed.
    #[error("the Rust target {0} is not installed; run `rustup target add {0}`")]
    MissingTarget(&'static str),
    /// cargo could not be run.
    #[error("could not run cargo: {0}")]
    Spawn(#[source] std::io::Error),
    /// cargo failed.
    #[error("cargo build of guest {package} for {triple} failed ({status}); its output is above")]
    Cargo {
        /// The guest package.
        package: &'static str,
        /// The target.
        triple: &'static str,
        /// cargo's exit status.
        status: std::process::ExitStatus,
    },
    /// Reading or writing an artifact failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The core module could not be turned into a component.
    #[error("encoding {package} as a component failed: {message}")]
    Encode {
        /// The guest package.
        package: &'static str,
        /// wit-component's explanation.
        message: String,
    },
}

/// Where the workspace and its target directory are.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Directory of the workspace `Cargo.toml`.
    pub root: PathBuf,
    /// The workspace's `target/`.
    pub target_dir: PathBuf,
}

impl Workspace {
    /// The workspace around a member's manifest directory, with the target
    /// directory cargo uses (`CARGO_TARGET_DIR`, else the one holding
    /// `out_dir` when given, else `<root>/target`).
    pub fn from_member(member_dir: &Path, out_dir: Option<&Path>) -> Workspace {
        let root = member_dir
            .ancestors()
            .find(|dir| {
                std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|manifest| manifest.contains("[workspace]"))
            })
            .unwrap_or(member_dir)
            .to_path_buf();
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                // cargo marks its target directory with CACHEDIR.TAG.
                out_dir?
                    .ancestors()
                    .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                    .map(Path::to_path_buf)
            })
            .unwrap_or_else(|| root.join("target"));
        Workspace { root, target_dir }
    }

    /// Where components are written.
    pub fn components_dir(&self) -> PathBuf {
        self.target_dir.join("components")
    }

    /// Builds `guest` and returns the path of its component.
    pub fn build(&self, guest: &Guest) -> Result<PathBuf, BuildError> {
        let triple = guest.target.triple();
        let guest_target_dir = self.target_dir.join("guest");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(&self.root)
            .args([
                "build",
                "--profile",
                "guest",
                "--package",
                guest.package,
                "--target",
                triple,
            ])
            .arg("--target-dir")
            .arg(&guest_target_dir);
        // A build script's environment describes the host build; the
        // nested build must not inherit its flags or target.
        for var in [
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTFLAGS",
            "CARGO_BUILD_TARGET",
            "CARGO_TARGET_DIR",
            "RUSTC_WRAPPER",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_PRIMARY_PACKAGE",
        ] {
            command.env_remove(var);
        }
        let status = command.status().map_err(BuildError::Spawn)?;
        if !status.success() {
            if !target_installed(triple) {
                return Err(BuildError::MissingTarget(triple));
            }
            return Err(BuildError::Cargo {
                package: guest.package,
                triple,
                status,
            });
        }
        let artifact = guest_target_dir
            .join(triple)
            .join("guest")
            .join(format!("{}.wasm", guest.artifact));
        let module = std::fs::read(&artifact).map_err(|source| BuildError::Io {
            path: artifact.clone(),
            source,
        })?;
        let component = match guest.target {
            GuestTarget::Bare => encode(guest.package, &module)?,
            GuestTarget::Wasip2 => module,
        };
        let dir = self.components_dir();
        std::fs::create_dir_all(&dir).map_err(|source| BuildError::Io {
            path: dir.clone(),
            source,
        })?;
        let out = dir.join(format!("{}.wasm", guest.component));
        write_if_changed(&out, &component)?;
        Ok(out)
    }
}

/// Encodes a core module that carries wit-bindgen's component-type section.
pub fn encode(package: &'static str, module: &[u8]) -> Result<Vec<u8>, BuildError> {
    let encode_error = |e: anyhow::Error| BuildError::Encode {
        package,
        message: format!("{e:#}"),
    };
    wit_component::ComponentEncoder::default()
        .module(module)
        .map_err(encode_error)?
        .validate(true)
        .encode()
        .map_err(encode_error)
}

/// Leaves the file (and its mtime) alone when the bytes are the same, so
/// `include_bytes!` users do not rebuild for nothing.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let tmp = path.with_extension("wasm.tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| BuildError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn target_installed(triple: &str) -> bool {
    Command::new("rustc")
        .args(["--print", "target-libdir", "--target", triple])
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|dir| std::fs::read_dir(dir.trim()).ok())
        .is_some_and(|mut entries| {
            entries.any(|entry| {
                entry.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libcore-"))
            })
        })
}

/// Library crates of the workspace that guests depend on: a change to one
/// rebuilds the components.
pub const GUEST_LIBRARIES: [&str; 2] = ["did-you-mean", "program-keys"];

/// For build scripts: tells cargo what the guest depends on, so the
/// component is rebuilt when (and only when) one of them changes.
pub fn rerun_if_guest_changes(workspace: &Workspace, guest_dirs: &[&str]) {
    let shared = GUEST_LIBRARIES.into_iter().chain(["wit", "Cargo.lock"]);
    for dir in guest_dirs.iter().copied().chain(shared) {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.root.join(dir).display()
        );
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
}
