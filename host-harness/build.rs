//! Builds the bundled components (the supervisord provider, the node-script
//! component and the example app-deploy facility) so `cargo run -p host-harness` needs no path, and
//! embeds them in the binary.

use std::path::{Path, PathBuf};

use component_build::{APP_DEPLOY, NODE_SCRIPT, PLUGIN, Workspace};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let workspace = Workspace::from_member(&manifest_dir, Some(&out_dir));
    component_build::rerun_if_guest_changes(
        &workspace,
        &["plugin", "node-script", "examples/app-deploy"],
    );
    for (guest, file) in [
        (PLUGIN, "supervisord.wasm"),
        (NODE_SCRIPT, "node-script.wasm"),
        (APP_DEPLOY, "app-deploy.wasm"),
    ] {
        match workspace.build(&guest) {
            Ok(path) => copy(&path, &out_dir.join(file)),
            Err(error) => {
                println!(
                    "cargo:error=building the {} component: {error}",
                    guest.component
                );
                std::process::exit(1);
            }
        }
    }
}

fn copy(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    if std::fs::read(to).is_ok_and(|old| old == bytes) {
        return;
    }
    std::fs::write(to, bytes).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
}
