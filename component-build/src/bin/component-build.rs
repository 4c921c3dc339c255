//! `cargo run -p component-build --features cli -- [GUEST...]`: builds
//! guest components into `target/components/`.

use std::process::ExitCode;

use clap::Parser;
use component_build::{ALL, Workspace};

/// Build the workspace's WebAssembly components.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Components to build (`supervisord`, `node-script`, `app-deploy`, `hostile`); all
    /// when none are named.
    components: Vec<String>,

    /// Write wit/README.md and wit/facility/README.md from the WIT's doc
    /// comments instead.
    #[arg(long)]
    wit_docs: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let workspace = Workspace::from_member(env!("CARGO_MANIFEST_DIR").as_ref(), None);
    if args.wit_docs {
        let wit = workspace.root.join("wit");
        for package in [wit.clone(), wit.join("facility")] {
            let written = component_build::witdocs::reference(&package).and_then(|text| {
                std::fs::write(package.join("README.md"), text).map_err(|e| e.to_string())
            });
            if let Err(error) = written {
                eprintln!("error: {}: {error}", package.display());
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    let mut status = ExitCode::SUCCESS;
    for guest in ALL {
        if !args.components.is_empty() && !args.components.iter().any(|c| c == guest.component) {
            continue;
        }
        match workspace.build(&guest) {
            Ok(path) => println!("{}", path.display()),
            Err(error) => {
                eprintln!("error: {error}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
