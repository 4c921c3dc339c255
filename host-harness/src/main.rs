//! `supd`: the binary edge. Loads plugins, runs a command, prints results
//! and turns them into an exit code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use host_harness::apply::{self, Action, InputError, Mode, Prepared};
use host_harness::cli::{Cli, Command, Component, CtlCommand, FacilityCommand, Format, Global};
use host_harness::facility::FacilityToolError;
use host_harness::load::{self, LoadError, Wanted};
use host_harness::node::Address;
use host_harness::report::{self, Live, NodeOutcome, NodeStatus};
use host_harness::runtime::bindings::{
    InitSystem, Login, NodeFacts, OsRelease, ServiceAction, ServiceOptions,
};
use host_harness::runtime::{CallJsonError, CodeCache, Limits, Registry, Runtime};
use host_harness::spec::{ComponentRef, Spec};

/// Exit code when a node failed or a plugin misbehaved.
const EXIT_FAILED: u8 = 1;
/// Exit code when check mode found changes.
const EXIT_CHANGES: u8 = 2;
/// Exit code when the input is invalid.
const EXIT_INVALID: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let code = if error.downcast_ref::<InputError>().is_some()
                || matches!(
                    error.downcast_ref::<FacilityToolError>(),
                    Some(FacilityToolError::Input(_))
                )
                || error
                    .downcast_ref::<host_harness::spec::SpecError>()
                    .is_some()
            {
                EXIT_INVALID
            } else {
                EXIT_FAILED
            };
            eprintln!("error: {}", report::visible(&format!("{error:#}")));
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    let global = &cli.global;
    let runtime = runtime(global)?;
    match &cli.command {
        Command::Providers { spec } => {
            let spec = spec.as_deref().map(load_spec).transpose()?;
            let registry = registry(&runtime, global, spec.as_ref())?;
            providers(&registry, global.format)?;
            Ok(0)
        }
        Command::Facility(command) => facility_command(&runtime, global, command),
        Command::Plan { spec } => nodes_command(&runtime, global, spec, Action::Plan),
        Command::Apply {
            spec,
            check,
            diff,
            lock_wait,
        } => {
            let mode = Mode {
                check: *check,
                diff: *diff,
                lock_wait_secs: *lock_wait,
            };
            nodes_command(&runtime, global, spec, Action::Apply(mode))
        }
        Command::Status { spec } => nodes_command(&runtime, global, spec, Action::Status),
        Command::Ctl {
            spec,
            action,
            service,
            if_stopped,
            signal,
        } => {
            let action = Action::Ctl {
                service: service.clone(),
                action: service_action(*action),
                options: ServiceOptions {
                    if_stopped: *if_stopped,
                    signal: *signal,
                },
            };
            nodes_command(&runtime, global, spec, action)
        }
        Command::Script { spec, os } => script_command(&runtime, global, spec, os),
        Command::Logs {
            spec,
            service,
            stderr,
            follow,
            lines,
        } => logs_command(
            &runtime,
            global,
            spec,
            &host_harness::logs::LogRequest {
                service: service.clone(),
                stderr: *stderr,
                lines: *lines,
                follow: *follow,
            },
        ),
        Command::Call {
            supervisor,
            component,
            cases,
            function,
            args,
        } => {
            let registry = registry(&runtime, global, None)?;
            call_command(
                &registry,
                supervisor,
                *component,
                cases.as_deref(),
                function.as_deref(),
                args,
            )
        }
    }
}

fn facility_command(runtime: &Runtime, global: &Global, command: &FacilityCommand) -> Result<u8> {
    match command {
        FacilityCommand::New { name, lang, dir } => {
            let dir = dir.clone().unwrap_or_else(|| PathBuf::from(name));
            let written = host_harness::facility::new(name, *lang, &dir)?;
            if global.format == Format::Json {
                let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
                println!(
                    "{}",
                    serde_json::json!({ "dir": dir.display().to_string(), "files": files })
                );
            } else {
                println!(
                    "wrote facility {name} ({}) in {}",
                    format!("{lang:?}").to_lowercase(),
                    dir.display()
                );
                println!("build it with: supd facility build {}", dir.display());
            }
            Ok(0)
        }
        FacilityCommand::Build { dir, lang, out } => {
            let built =
                host_harness::facility::build_and_check(runtime, dir, *lang, out.as_deref())?;
            if global.format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({
                        "path": built.path.display().to_string(),
                        "name": built.name,
                        "sha256": built.sha256,
                        "size": built.size,
                    })
                );
            } else {
                println!("built facility {} ({} bytes)", built.name, built.size);
                println!("  {}", built.path.display());
                println!("  sha256 {}", built.sha256);
                println!(
                    "load it pinned: facilities = [{{ path = {:?}, sha256 = \"{}\" }}]",
                    built.path.display().to_string(),
                    built.sha256
                );
            }
            Ok(0)
        }
    }
}

fn runtime(global: &Global) -> Result<Runtime> {
    let cache = if global.no_cache {
        CodeCache::disabled()
    } else {
        match global.cache_dir.clone().or_else(CodeCache::default_dir) {
            Some(dir) => CodeCache::at(dir),
            None => CodeCache::disabled(),
        }
    };
    let limits = Limits {
        timeout: Duration::from_millis(global.plugin_timeout_ms),
        memory_bytes: global.plugin_memory_mib << 20,
        max_plan_steps: global.max_plan_steps,
        ..Limits::default()
    };
    Runtime::new(cache, limits).map_err(|e| anyhow::anyhow!("starting wasmtime: {e:#}"))
}

/// Bundled plugins, then the spec's, then the command line's, pins
/// checked before any node is touched.
fn registry(runtime: &Runtime, global: &Global, spec: Option<&Spec>) -> Result<Registry> {
    let flags = |flag: &'static str, texts: &[String]| -> Result<Vec<ComponentRef>> {
        texts
            .iter()
            .map(|t| host_harness::spec::component_flag(flag, t).map_err(anyhow::Error::new))
            .collect()
    };
    let providers = flags("--provider", &global.providers)?;
    let facilities = flags("--facility", &global.facilities)?;
    let wanted = Wanted::of(spec, &providers, &facilities, &global.accept_unpinned);
    load::registry(runtime, &wanted).map_err(|e| match e {
        LoadError::Pin(spec_error) => anyhow::Error::new(spec_error),
        other => anyhow::Error::new(other),
    })
}

fn load_spec(path: &Path) -> Result<Spec> {
    Ok(Spec::load(path)?)
}

fn override_nodes(global: &Global) -> Result<Vec<Address>> {
    let cwd = std::env::current_dir()?;
    global
        .nodes
        .iter()
        .map(|n| {
            Address::parse(n, &cwd).map_err(|e| {
                anyhow::Error::new(InputError::Spec(host_harness::spec::SpecError {
                    location: host_harness::spec::Location::file(Path::new("--node")),
                    message: format!("{n:?}: {e}"),
                }))
            })
        })
        .collect()
}

fn nodes_command(
    runtime: &Runtime,
    global: &Global,
    spec_path: &Path,
    action: Action,
) -> Result<u8> {
    let spec = load_spec(spec_path)?;
    let registry = registry(runtime, global, Some(&spec))?;
    let nodes = override_nodes(global)?;
    let prepared: Vec<Prepared<'_>> =
        apply::prepare(&spec, &registry, global.group.as_deref(), &nodes)?;
    // Each node's script leads a process group of its own (so that bounds
    // end all of it): a Ctrl-C ends them too, and each cleans up.
    ctrlc::set_handler(|| {
        host_harness::INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed);
        host_harness::node::stop_children();
    })
    .context("installing the Ctrl-C handler")?;
    let plan_only = matches!(action, Action::Plan);
    let human = global.format == Format::Human && !matches!(action, Action::Status);
    let stdout = Mutex::new(std::io::stdout());
    // A live line per node on a terminal, for people only.
    let live = if human { Live::on_terminal() } else { None };
    let on_progress = |group: &str, node: &str, text: &str| {
        if let Some(live) = &live {
            live.progress(group, node, text);
        }
    };
    let on_done = |outcome: &NodeOutcome| {
        if human {
            let print = || {
                let mut out = stdout.lock().expect("stdout lock");
                let _ = report::print_node(&mut *out, outcome, plan_only, global.verbose);
                let _ = out.flush();
            };
            match &live {
                Some(live) => live.done(&outcome.group, &outcome.node, print),
                None => print(),
            }
        }
    };
    let work = apply::Work {
        action: action.clone(),
        bounds: host_harness::node::Bounds {
            deadline: Some(Duration::from_secs(global.node_timeout)),
            max_stdout: Some(global.max_node_output_mib << 20),
            ..host_harness::node::Bounds::default()
        },
    };
    let outcomes = apply::run_all(
        &spec,
        &prepared,
        &work,
        global.forks,
        &on_progress,
        &on_done,
    );
    let mut out = std::io::stdout();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "nodes": outcomes }))?;
            writeln!(out)?;
        }
        Format::Human if matches!(action, Action::Status) => {
            report::print_status_table(&mut out, &outcomes)?
        }
        Format::Human => report::print_recap(&mut out, &outcomes)?,
    }
    let failures: Vec<&NodeOutcome> = outcomes
        .iter()
        .filter(|o| o.status == NodeStatus::Failed)
        .collect();
    let changed = outcomes.iter().any(|o| o.status == NodeStatus::Changed);
    if global.format == Format::Human {
        for failure in &failures {
            let line = format!(
                "error: [{}] {}: {}",
                failure.group,
                failure.node,
                failure.error.as_deref().unwrap_or("failed")
            );
            eprintln!("{}", report::visible(&line));
        }
    }
    let check_mode = matches!(action, Action::Apply(Mode { check: true, .. }));
    Ok(if failures.is_empty() {
        if check_mode && changed {
            EXIT_CHANGES
        } else {
            0
        }
    } else if failures.iter().all(|o| o.invalid_input) {
        EXIT_INVALID
    } else {
        EXIT_FAILED
    })
}

fn logs_command(
    runtime: &Runtime,
    global: &Global,
    spec_path: &Path,
    request: &host_harness::logs::LogRequest,
) -> Result<u8> {
    let spec = load_spec(spec_path)?;
    let registry = registry(runtime, global, Some(&spec))?;
    let nodes = override_nodes(global)?;
    let prepared = apply::prepare(&spec, &registry, global.group.as_deref(), &nodes)?;
    // Ctrl-C ends the node scripts (each a process group of its own);
    // when they end, so does this, quietly.
    ctrlc::set_handler(|| {
        host_harness::INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed);
        host_harness::node::stop_children();
    })
    .context("installing the Ctrl-C handler")?;
    let out: Mutex<std::io::Stdout> = Mutex::new(std::io::stdout());
    let failures = host_harness::logs::show(&prepared, request, &out);
    for (node, why) in &failures {
        eprintln!("error: {}", report::visible(&format!("{node}: {why}")));
    }
    Ok(if failures.is_empty() { 0 } else { EXIT_FAILED })
}

fn script_command(runtime: &Runtime, global: &Global, spec_path: &Path, os: &str) -> Result<u8> {
    let spec = load_spec(spec_path)?;
    let registry = registry(runtime, global, Some(&spec))?;
    let nodes = override_nodes(global)?;
    let prepared = apply::prepare(&spec, &registry, global.group.as_deref(), &nodes)?;
    let [group] = prepared.as_slice() else {
        anyhow::bail!(
            "script writes the plan of one set of nodes; pick one with --group or --node (the spec has {})",
            prepared.len()
        );
    };
    let node = group.nodes.first().expect("a job always has a node");
    let (id, version) = os.split_once(':').unwrap_or((os, ""));
    let os = OsRelease {
        id: id.to_string(),
        version_id: version.to_string(),
        id_like: Vec::new(),
    };
    // The node is not looked at: every step checks it when the script runs.
    let facts = NodeFacts {
        gathered: false,
        root: node.root(),
        os: Some(os),
        init: InitSystem::None,
        login: Login {
            user: "root".into(),
            uid: 0,
        },
        python: None,
        paths: Vec::new(),
        processes: Vec::new(),
        packages: Vec::new(),
        venv_packages: Vec::new(),
        supervisors: Vec::new(),
        watched: Vec::new(),
        records: Vec::new(),
    };
    let provider = group.provider;
    let install = provider
        .install_plan(&group.settings, &group.declaration, &facts)?
        .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
    let configure = provider
        .configure_plan(&group.settings, &group.declaration, &group.programs, &facts)?
        .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
    let plan = group.node_script.converge_plan(&install, &configure)?;
    let title = format!(
        "supd script for group {} ({} steps); generated without looking at the node,\n\
         so every step checks the node itself. Run it as root with: sh <this file>",
        group.name,
        plan.steps.len()
    );
    let options = apply::script_options(Mode::default(), title, group.limits);
    let script = group
        .node_script
        .apply_script(&plan, &options)?
        .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
    print!("{script}");
    Ok(0)
}

fn providers(registry: &Registry, format: Format) -> Result<()> {
    if format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&components_json(registry))?
        );
        return Ok(());
    }
    for p in registry.providers() {
        let info = p.info();
        println!(
            "provider {} {} (api {}), {}",
            info.name,
            info.version,
            info.api_version,
            p.origin()
        );
        println!("  sha256:             {}", p.digest());
        println!(
            "  install strategies: {}",
            info.install_strategies.join(", ")
        );
        println!("  os families:        {}", info.os_families.join(", "));
        println!("  facilities:         {}", info.facilities.join(", "));
        let actions: Vec<String> = info
            .actions
            .iter()
            .map(|a| {
                let variant = format!("{a:?}");
                variant
                    .rsplit("::")
                    .next()
                    .unwrap_or_default()
                    .to_lowercase()
            })
            .collect();
        println!("  actions:            {}", actions.join(", "));
    }
    for f in registry.facilities() {
        println!("facility {}, {}", f.plugin.name(), f.origin);
        println!("  sha256:             {}", f.plugin.digest());
        println!("  grant:              {}", grant_text(f.grant.as_ref()));
    }
    if let Some(n) = registry.node_script() {
        println!("node-script, {}", n.origin());
        println!("  sha256:             {}", n.digest());
    }
    Ok(())
}

/// Every loaded component, for `supd providers --format json`.
fn components_json(registry: &Registry) -> serde_json::Value {
    let providers: Vec<_> = registry
        .providers()
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p.info().name,
                "version": p.info().version,
                "api-version": p.info().api_version,
                "actions": p.info().actions,
                "install-strategies": p.info().install_strategies,
                "os-families": p.info().os_families,
                "facilities": p.info().facilities,
                "origin": p.origin(),
                "sha256": p.digest(),
                "compiled": p.cache_outcome(),
            })
        })
        .collect();
    let facilities: Vec<_> = registry
        .facilities()
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.plugin.name(),
                "origin": f.origin,
                "sha256": f.plugin.digest(),
                "grant": f.grant.as_ref().map(|g| serde_json::json!({
                    "users": g.users, "paths": g.paths, "environment": g.environment,
                })),
                "compiled": f.plugin.cache_outcome(),
            })
        })
        .collect();
    let node_script = registry
        .node_script()
        .map(|n| serde_json::json!({ "origin": n.origin(), "sha256": n.digest() }));
    serde_json::json!({
        "providers": providers,
        "facilities": facilities,
        "node-script": node_script,
    })
}

/// A grant for people: what a facility's programs may do.
fn grant_text(grant: Option<&host_harness::runtime::bindings::Grant>) -> String {
    let Some(grant) = grant else {
        return "none needed (bundled, pinned by the build)".to_string();
    };
    let list = |items: &[String], empty: &str| {
        if items.is_empty() {
            empty.to_string()
        } else {
            items.join(", ")
        }
    };
    format!(
        "users: {}; paths: {}; environment: {}",
        list(&grant.users, "any but root"),
        list(&grant.paths, "anywhere"),
        list(&grant.environment, "none of the loader's variables"),
    )
}

fn call_command(
    registry: &Registry,
    supervisor: &str,
    component: Component,
    cases: Option<&Path>,
    function: Option<&str>,
    args: &[String],
) -> Result<u8> {
    use host_harness::runtime::canonical;
    let call = |component: Component, function: &str, args: &[serde_json::Value]| {
        match component {
            Component::Provider => registry
                .provider(supervisor)
                .ok_or_else(|| anyhow::anyhow!("no provider named {supervisor:?}"))?
                .call_json(function, args),
            Component::NodeScript => registry
                .node_script()
                .context("no node-script component is loaded")?
                .call_json(function, args),
        }
        .map_err(|e: CallJsonError| anyhow::Error::new(e))
    };
    if let Some(path) = cases {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        for case in cases {
            let name = case["name"].as_str().unwrap_or_default();
            let function = case["function"]
                .as_str()
                .context("a case needs a function")?;
            let component = match case["component"].as_str() {
                None | Some("provider") => Component::Provider,
                Some("node-script") => Component::NodeScript,
                Some(other) => anyhow::bail!("case {name}: no component {other:?}"),
            };
            let args = case["args"].as_array().cloned().unwrap_or_default();
            let result =
                call(component, function, &args).with_context(|| format!("case {name}"))?;
            println!(
                "{}",
                canonical::to_string(&serde_json::json!({ "name": name, "result": result }))
            );
        }
        return Ok(0);
    }
    let function = function.context("name a function")?;
    let args = args
        .iter()
        .map(|a| serde_json::from_str(a).with_context(|| format!("argument {a:?} is not JSON")))
        .collect::<Result<Vec<serde_json::Value>>>()?;
    println!(
        "{}",
        canonical::to_string(&call(component, function, &args)?)
    );
    Ok(0)
}

fn service_action(action: CtlCommand) -> ServiceAction {
    match action {
        CtlCommand::Start => ServiceAction::Start,
        CtlCommand::Stop => ServiceAction::Stop,
        CtlCommand::Restart => ServiceAction::Restart,
        CtlCommand::Status => ServiceAction::Status,
        CtlCommand::Enable => ServiceAction::Enable,
        CtlCommand::Disable => ServiceAction::Disable,
        CtlCommand::Signal => ServiceAction::Signal,
    }
}
