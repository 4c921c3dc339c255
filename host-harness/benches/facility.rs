//! Facility costs per language: the seed's app-deploy scaffolded by
//! `supd facility new` in Rust, Python and JavaScript and built by
//! `supd facility build`, beside the bundled app-deploy (Rust, in this
//! workspace). For each: the component's size, its build, its cold load
//! (Cranelift compile), its cached load (deserialize) and a `config-map`
//! call of the seed's example on a warm instance. Prints a table of
//! medians, all measured in one run.
//!
//!     cargo bench -p host-harness --bench facility
//!
//! The Python and JS toolchains are the ones `scripts/setup.sh` installs
//! under `target/`; a language whose toolchain is missing is left out of
//! the table with the reason.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use host_harness::runtime::{BUNDLED_FACILITY, CodeCache, FacilityPlugin, Limits, Runtime};
use test_support::stats::{human, time};
use test_support::support::workspace;

/// The seed's example, as the seed-app facility's settings.
const SEED_SETTINGS: &str =
    r#"{"service-name": "example-app", "run-command": "sleep 1001", "user": "nobody"}"#;

/// Why `lang` cannot be built here, if it cannot.
fn missing_tool(lang: &str) -> Option<String> {
    let tool = match lang {
        "python" => "target/facility-venv/bin/componentize-py",
        "js" => "target/facility-js/node_modules/.bin/componentize-js",
        _ => return None,
    };
    (!workspace().join(tool).exists()).then(|| format!("{tool} is missing (run scripts/setup.sh)"))
}

/// `supd facility new seed-app --lang LANG` then `supd facility build`:
/// the component's bytes and how long the build took.
fn scaffold_and_build(scratch: &Path, lang: &str) -> (Vec<u8>, Duration) {
    let supd = env!("CARGO_BIN_EXE_supd");
    let dir = scratch.join(lang).join("seed-app");
    let status = Command::new(supd)
        .args(["facility", "new", "seed-app", "--lang", lang, "--dir"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success(), "supd facility new --lang {lang}");
    if lang == "js" {
        std::os::unix::fs::symlink(
            workspace().join("target/facility-js/node_modules"),
            dir.join("node_modules"),
        )
        .unwrap();
    }
    let started = Instant::now();
    let out = Command::new(supd)
        .args(["facility", "build", "--format", "json"])
        .arg(&dir)
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .env("CARGO_NET_OFFLINE", "true")
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/facility-build/rust"),
        )
        .env(
            "COMPONENTIZE_PY",
            workspace().join("target/facility-venv/bin/componentize-py"),
        )
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "supd facility build ({lang}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        std::fs::read(built["path"].as_str().unwrap()).unwrap(),
        took,
    )
}

/// One row of the table.
struct Row {
    name: String,
    size: usize,
    build: Option<Duration>,
    cold: Duration,
    cached: Duration,
    config_map: Duration,
}

fn measure(name: &str, bytes: &[u8], build: Option<Duration>, cache_dir: &Path) -> Row {
    let cold = Runtime::new(CodeCache::disabled(), Limits::default()).unwrap();
    let cold = time(3, 1, || {
        FacilityPlugin::load(&cold, name, bytes).unwrap();
    });
    let cached = Runtime::new(CodeCache::at(cache_dir.to_path_buf()), Limits::default()).unwrap();
    FacilityPlugin::load(&cached, name, bytes).unwrap();
    let facility = FacilityPlugin::load(&cached, name, bytes).unwrap();
    let cached_load = time(11, 1, || {
        FacilityPlugin::load(&cached, name, bytes).unwrap();
    });
    let program = facility
        .config_map("supervisord", SEED_SETTINGS)
        .unwrap()
        .unwrap();
    assert!(program.contains("sleep 1001"), "{name}: {program}");
    let config_map = time(21, 100, || {
        facility
            .config_map("supervisord", SEED_SETTINGS)
            .unwrap()
            .unwrap();
    });
    Row {
        name: name.to_string(),
        size: bytes.len(),
        build,
        cold,
        cached: cached_load,
        config_map,
    }
}

fn main() {
    let scratch = std::env::temp_dir().join(format!("supd-bench-facility-{}", std::process::id()));
    let mut rows = Vec::new();
    let mut left_out = Vec::new();
    rows.push(measure(
        "app-deploy, bundled (Rust, this workspace)",
        BUNDLED_FACILITY,
        None,
        &scratch.join("cache-bundled"),
    ));
    for (lang, label) in [("rust", "Rust"), ("python", "Python"), ("js", "JavaScript")] {
        if let Some(reason) = missing_tool(lang) {
            left_out.push(format!("{label}: {reason}"));
            continue;
        }
        let (bytes, took) = scaffold_and_build(&scratch, lang);
        rows.push(measure(
            &format!("seed-app, {label} (`supd facility new --lang {lang}`)"),
            &bytes,
            Some(took),
            &scratch.join(format!("cache-{lang}")),
        ));
    }
    let _ = std::fs::remove_dir_all(&scratch);

    println!(
        "\n| facility | size | build | load, cold (compile) | load, cached | config-map |\n|---|---:|---:|---:|---:|---:|"
    );
    for row in rows {
        let build = row.build.map_or("–".to_string(), human);
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            row.name,
            size(row.size),
            build,
            human(row.cold),
            human(row.cached),
            human(row.config_map)
        );
    }
    for reason in left_out {
        println!("\nLeft out: {reason}");
    }
}

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    }
}
