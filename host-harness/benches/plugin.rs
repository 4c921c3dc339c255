//! Plugin costs: compiling the component cold vs loading it from the code
//! cache, instantiating, and the latency of `config-map`, `install-plan`
//! and `configure-plan` for 1 and 200 programs. Prints a table of medians.
//!
//!     cargo bench -p host-harness --bench plugin

use std::time::Duration;

use host_harness::runtime::bindings::{InitSystem, Login, NodeFacts, OsRelease, Program};
use host_harness::runtime::{BUNDLED_PROVIDER, CodeCache, Limits, ProviderPlugin, Runtime};
use test_support::stats::{human, time};

fn facts() -> NodeFacts {
    NodeFacts {
        gathered: true,
        root: "/".into(),
        os: Some(OsRelease {
            id: "debian".into(),
            version_id: "12".into(),
            id_like: vec![],
        }),
        init: InitSystem::None,
        login: Login {
            user: "root".into(),
            uid: 0,
        },
        python: None,
        paths: vec![],
        processes: vec![],
        packages: vec![],
        venv_packages: vec![],
        supervisors: vec![],
        watched: vec![],
        records: vec![],
    }
}

fn programs(provider: &ProviderPlugin, n: usize) -> Vec<Program> {
    (0..n)
        .map(|i| {
            let settings = format!(
                r#"{{"service-name": "p{i}", "command": "sleep {}", "startsecs": 0}}"#,
                100_000 + i
            );
            provider.config_map("generic", &settings).unwrap().unwrap()
        })
        .collect()
}

fn row(out: &mut Vec<(String, Duration)>, name: &str, d: Duration) {
    out.push((name.to_string(), d));
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing
    // useful either: this harness takes no arguments.
    let cache_dir = std::env::temp_dir().join(format!("supd-bench-cache-{}", std::process::id()));
    let mut rows = Vec::new();

    let cold = Runtime::new(CodeCache::disabled(), Limits::default()).unwrap();
    row(
        &mut rows,
        "load component, cold (Cranelift compile)",
        time(5, 1, || {
            ProviderPlugin::load(&cold, "bench", BUNDLED_PROVIDER).unwrap();
        }),
    );
    let cached = Runtime::new(CodeCache::at(cache_dir.clone()), Limits::default()).unwrap();
    ProviderPlugin::load(&cached, "bench", BUNDLED_PROVIDER).unwrap();
    row(
        &mut rows,
        "load component, cached (deserialize)",
        time(21, 1, || {
            ProviderPlugin::load(&cached, "bench", BUNDLED_PROVIDER).unwrap();
        }),
    );
    let provider = ProviderPlugin::load(&cached, "bench", BUNDLED_PROVIDER).unwrap();
    row(
        &mut rows,
        "instantiate only",
        time(21, 200, || {
            // An unknown function: instantiation and export lookup, no call.
            let _ = provider.call_json("no-such-function", &[]);
        }),
    );
    row(
        &mut rows,
        "instantiate + register-provider",
        time(21, 100, || {
            provider.call_json("register-provider", &[]).unwrap();
        }),
    );
    let generic = r#"{"service-name": "web", "command": "python3 -m http.server 8080", "autorestart": true, "startsecs": 10, "environment": {"PORT": "8080"}}"#;
    row(
        &mut rows,
        "config-map (instance + call)",
        time(21, 200, || {
            provider.config_map("generic", generic).unwrap().unwrap();
        }),
    );
    let facts = facts();
    let declaration = host_harness::runtime::bindings::Declaration {
        scope: String::new(),
        role: host_harness::runtime::bindings::Role::Daemon,
        exclusive: false,
        absent: Vec::new(),
    };
    row(
        &mut rows,
        "install-plan",
        time(21, 100, || {
            provider
                .install_plan("{}", &declaration, &facts)
                .unwrap()
                .unwrap();
        }),
    );
    for n in [1, 200] {
        let programs = programs(&provider, n);
        row(
            &mut rows,
            &format!("configure-plan, {n} programs"),
            time(21, if n == 1 { 100 } else { 10 }, || {
                provider
                    .configure_plan("{}", &declaration, &programs, &facts)
                    .unwrap()
                    .unwrap();
            }),
        );
    }
    // The whole `supd` process, from exec to a printed plan: engine and
    // pool set-up, the cached component, one `install-plan`, exit.
    let cases: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../bindings/cases.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let case = cases
        .iter()
        .find(|c| c["function"] == "install-plan")
        .expect("bindings/cases.json has an install-plan case");
    let args: Vec<String> = case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.to_string())
        .collect();
    let supd = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_supd"))
            .arg("call")
            .arg("install-plan")
            .args(&args)
            .env("XDG_CACHE_HOME", &cache_dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    supd();
    row(
        &mut rows,
        "`supd call install-plan` process, exec to exit (cached component)",
        time(21, 1, supd),
    );
    let _ = std::fs::remove_dir_all(&cache_dir);

    println!("\n| plugin call | median |\n|---|---:|");
    for (name, d) in rows {
        println!("| {name} | {} |", human(d));
    }
}
