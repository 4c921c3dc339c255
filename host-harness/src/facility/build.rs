//! `supd facility build`: a facility project into a component, with the
//! language's own toolchain. Rust: cargo for `wasm32-unknown-unknown`, then
//! wit-component (the component imports nothing). Python: componentize-py
//! with WASI stubbed. JavaScript: componentize-js with every WASI feature
//! disabled.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{FacilityToolError, Lang};

/// The language of the project in `dir`, from the files `new` writes.
pub fn detect(dir: &Path) -> Result<Lang, FacilityToolError> {
    let found: Vec<Lang> = [
        (Lang::Rust, "Cargo.toml"),
        (Lang::Python, "app.py"),
        (Lang::Js, "app.js"),
    ]
    .into_iter()
    .filter(|(_, file)| dir.join(file).is_file())
    .map(|(lang, _)| lang)
    .collect();
    match found.as_slice() {
        [lang] => Ok(*lang),
        [] => Err(FacilityToolError::Input(format!(
            "DIR: {} holds no Cargo.toml, app.py or app.js (make a project with `supd facility new`)",
            dir.display()
        ))),
        _ => Err(FacilityToolError::Input(format!(
            "DIR: {} holds more than one of Cargo.toml, app.py and app.js; say which with --lang",
            dir.display()
        ))),
    }
}

/// Builds the project in `dir` into the component `out`.
pub fn build(dir: &Path, lang: Lang, out: &Path) -> Result<(), FacilityToolError> {
    match lang {
        Lang::Rust => rust(dir, out),
        Lang::Python => python(dir, out),
        Lang::Js => js(dir, out),
    }
}

/// Runs a toolchain with its output on stderr: stdout is supd's own (JSON
/// with `--format json`).
fn run(tool: &str, command: &mut Command) -> Result<(), FacilityToolError> {
    let status = command
        .stdout(std::io::stderr())
        .status()
        .map_err(|source| FacilityToolError::Tool {
            tool: tool.to_string(),
            message: format!("could not be run: {source}"),
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(FacilityToolError::Tool {
            tool: tool.to_string(),
            message: format!("failed ({status}); its output is above"),
        })
    }
}

fn rust(dir: &Path, out: &Path) -> Result<(), FacilityToolError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = dir.join("Cargo.toml");
    let output = Command::new(&cargo)
        .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(&manifest)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|source| FacilityToolError::Tool {
            tool: "cargo".into(),
            message: format!("could not be run: {source}"),
        })?;
    if !output.status.success() {
        return Err(FacilityToolError::Tool {
            tool: "cargo".into(),
            message: format!(
                "failed ({}); its output is above (is the target installed? `rustup target add wasm32-unknown-unknown`)",
                output.status
            ),
        });
    }
    let module = cdylib_artifact(&output.stdout, &manifest)?;
    let bytes = std::fs::read(&module).map_err(|source| FacilityToolError::Io {
        path: module.clone(),
        source,
    })?;
    let component =
        component_build::encode("facility", &bytes).map_err(|e| FacilityToolError::Tool {
            tool: "wit-component".into(),
            message: e.to_string(),
        })?;
    std::fs::write(out, component).map_err(|source| FacilityToolError::Io {
        path: out.to_path_buf(),
        source,
    })
}

/// The `.wasm` cargo built for the package of `manifest`, from its JSON
/// messages.
fn cdylib_artifact(messages: &[u8], manifest: &Path) -> Result<PathBuf, FacilityToolError> {
    let manifest = std::fs::canonicalize(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let found = String::from_utf8_lossy(messages)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| m["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path()))
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.as_str().map(PathBuf::from))
        })
        .find(|f| f.extension().is_some_and(|e| e == "wasm"));
    found.ok_or_else(|| FacilityToolError::Tool {
        tool: "cargo".into(),
        message: "built no .wasm for the package: its [lib] needs crate-type = [\"cdylib\"]".into(),
    })
}

fn python(dir: &Path, out: &Path) -> Result<(), FacilityToolError> {
    let tool = std::env::var_os("COMPONENTIZE_PY").unwrap_or_else(|| "componentize-py".into());
    let mut command = Command::new(&tool);
    command
        .arg("-d")
        .arg(dir.join("wit"))
        .args([
            "-w",
            "facility",
            "componentize",
            "supervisord_facility.component",
        ])
        .arg("-p")
        .arg(dir)
        .arg("-p")
        .arg(dir.join("sdk"))
        .arg("--stub-wasi")
        .arg("-o")
        .arg(out);
    run(
        "componentize-py (pip install componentize-py==0.25.1)",
        &mut command,
    )
}

fn js(dir: &Path, out: &Path) -> Result<(), FacilityToolError> {
    let tool = dir.join("node_modules/.bin/componentize-js");
    if !tool.exists() {
        eprintln!(
            "supd: installing componentize-js in {} (npm install)",
            dir.display()
        );
        run(
            "npm",
            Command::new("npm").current_dir(dir).args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ]),
        )?;
    }
    let mut command = Command::new(&tool);
    command
        .arg(dir.join("app.js"))
        .arg("--wit")
        .arg(dir.join("wit"))
        .args(["--world-name", "facility"])
        .args([
            "--disable",
            "stdio",
            "random",
            "clocks",
            "http",
            "fetch-event",
        ])
        .arg("-o")
        .arg(out);
    run("componentize-js", &mut command)
}
