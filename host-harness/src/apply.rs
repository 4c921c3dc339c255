//! The phases of the seed's Pallet runs, per node: settings (checked for
//! every group before any node is touched), facts, install and configure
//! plans, then one script that applies them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::node::{self, Address, Transport};
use crate::report::NodeOutcome;
use crate::runtime::bindings::{
    NodeFacts, Plan, Program, ScriptOptions, ScriptOutput, ServiceAction, ServiceOptions, WitError,
};
use crate::runtime::{Limits, MapError, NodeScriptPlugin, PluginError, ProviderPlugin, Registry};
use crate::spec::{Group, Location, Spec, SpecError, field_keys};

/// Why nothing was done at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The spec (or settings in it) is wrong.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A plugin failed while checking the spec.
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

/// How an apply script runs.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// Check only, change nothing.
    pub check: bool,
    /// Report the old content of files that change, for diffs.
    pub diff: bool,
    /// How long to wait for another apply to the same supervisord.
    pub lock_wait_secs: u32,
}

impl Default for Mode {
    fn default() -> Mode {
        Mode {
            check: false,
            diff: false,
            lock_wait_secs: 60,
        }
    }
}

/// A group with everything that can be decided without a node.
pub struct Prepared<'a> {
    /// The group.
    pub group: &'a Group,
    /// Its provider.
    pub provider: &'a ProviderPlugin,
    /// The node-script component.
    pub node_script: &'a NodeScriptPlugin,
    /// The host's bounds on plans.
    pub limits: Limits,
    /// How long a script waits for another one changing the same node.
    pub lock_wait_secs: u32,
    /// Provider settings as JSON text.
    pub settings: String,
    /// Its programs, one per service.
    pub programs: Vec<Program>,
    /// The service each program came from.
    pub services: Vec<String>,
}

/// What to do on each node.
#[derive(Debug, Clone)]
pub enum Action {
    /// Show the plan.
    Plan,
    /// Apply the plan.
    Apply(Mode),
    /// Show program states.
    Status,
    /// A service action.
    Ctl {
        /// The service (program or group name).
        service: String,
        /// The action.
        action: ServiceAction,
        /// Its options.
        options: ServiceOptions,
    },
}

/// `SUPD_LOCK_WAIT_SECS`, else a minute.
fn lock_wait_secs() -> u32 {
    std::env::var("SUPD_LOCK_WAIT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// Checks every group of `spec` (limited to `only` when given): providers
/// exist, every service maps to a program, settings pass the provider's
/// probes for every node root. Nothing touches a node.
pub fn prepare<'a>(
    spec: &'a Spec,
    registry: &'a Registry,
    only: Option<&str>,
) -> Result<Vec<Prepared<'a>>, InputError> {
    if let Some(only) = only
        && spec.group_named(only).is_none()
    {
        return Err(spec
            .error(&["groups"], format!("there is no group {only:?}"))
            .into());
    }
    let node_script = registry.node_script().ok_or_else(|| PluginError::Load {
        plugin: "node-script".into(),
        detail: "no node-script component is loaded".into(),
    })?;
    let mut prepared = Vec::new();
    for group in spec
        .groups
        .iter()
        .filter(|g| only.is_none_or(|o| o == g.name))
    {
        let Some(provider) = registry.provider(&group.supervisor) else {
            let known: Vec<&str> = registry
                .providers()
                .iter()
                .map(|p| p.info().name.as_str())
                .collect();
            return Err(spec
                .error(
                    &["groups", &group.name, "supervisor"],
                    format!(
                        "no provider named {:?} is loaded (loaded: {})",
                        group.supervisor,
                        known.join(", ")
                    ),
                )
                .into());
        };
        let settings = group.settings.to_string();
        let mut programs = Vec::new();
        let mut services = Vec::new();
        for service in &group.services {
            let program = registry
                .config_map(
                    &service.facility,
                    &group.supervisor,
                    &service.settings.to_string(),
                )
                .map_err(|error| match error {
                    MapError::Plugin(error) => InputError::Plugin(error),
                    MapError::Input(error) => {
                        locate(spec, group, Some(&service.name), &[], &error).into()
                    }
                })?;
            programs.push(program);
            services.push(service.name.clone());
        }
        provider.check_programs(&programs)?.map_err(|error| {
            locate(
                spec,
                group,
                None,
                &services_of(&programs, &services),
                &error,
            )
        })?;
        let mut roots: Vec<String> = group.nodes.iter().map(Address::root).collect();
        roots.dedup();
        for root in roots {
            provider
                .probes(&settings, &programs, &root)?
                .map_err(|error| {
                    locate(
                        spec,
                        group,
                        None,
                        &services_of(&programs, &services),
                        &error,
                    )
                })?;
        }
        prepared.push(Prepared {
            group,
            provider,
            node_script,
            limits: node_script.limits(),
            lock_wait_secs: lock_wait_secs(),
            settings,
            programs,
            services,
        });
    }
    Ok(prepared)
}

fn services_of(programs: &[Program], services: &[String]) -> Vec<(String, String)> {
    programs
        .iter()
        .map(|p| p.name.clone())
        .zip(services.iter().cloned())
        .collect()
}

/// Places a plugin's typed error in the spec: the line that set the field.
fn locate(
    spec: &Spec,
    group: &Group,
    service: Option<&str>,
    program_services: &[(String, String)],
    error: &WitError,
) -> SpecError {
    let keys = field_keys(&error.field);
    let mut path: Vec<String> = vec!["groups".into(), group.name.clone()];
    match (keys.first().map(String::as_str), service) {
        (Some("settings"), None) => path.extend(keys.iter().cloned()),
        (Some("settings"), Some(service)) => {
            path.extend(["services".into(), service.into()]);
            path.extend(keys.iter().cloned());
        }
        (Some("supervisor" | "facility"), Some(service)) => {
            path.extend(["services".into(), service.into(), "facility".into()]);
        }
        (Some("programs"), _) => {
            // Programs are named by name, or by index when the name itself
            // is the problem.
            let program = keys.get(1).cloned().unwrap_or_default();
            let service = service.map(str::to_string).or_else(|| {
                program_services
                    .iter()
                    .find(|(p, _)| *p == program)
                    .or_else(|| {
                        program
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| program_services.get(i))
                    })
                    .map(|(_, s)| s.clone())
            });
            if let Some(service) = service {
                path.extend(["services".into(), service, "settings".into()]);
                // The program's name comes from `service-name`.
                let key = keys.get(2).map(|k| {
                    if k == "name" {
                        "service-name".to_string()
                    } else {
                        k.clone()
                    }
                });
                path.extend(key);
            } else {
                path.push("services".into());
            }
        }
        _ => {}
    }
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    SpecError {
        location: Location::of_keys(&spec.path, &spec.source, &refs),
        message: format!("{}: {}", error.field, error.message),
    }
}

/// What a node does now, as it goes: (group, node, text).
pub type OnProgress<'a> = &'a (dyn Fn(&str, &str, &str) + Sync);

/// Every (group, node) pair to visit: each group's own nodes, or
/// `nodes_override` for every group when it is not empty.
pub fn jobs<'p, 'a>(
    prepared: &'p [Prepared<'a>],
    nodes_override: &[Address],
) -> Vec<(&'p Prepared<'a>, Address)> {
    prepared
        .iter()
        .flat_map(|p| {
            let nodes = if nodes_override.is_empty() {
                p.group.nodes.clone()
            } else {
                nodes_override.to_vec()
            };
            nodes.into_iter().map(move |n| (p, n))
        })
        .collect()
}

/// Runs `action` on every node of the prepared groups, at most `forks` at
/// a time. One node failing never stops the others. `on_progress` hears
/// what each node does as it happens; `on_done` sees each outcome as soon
/// as its node finishes.
pub fn run_all(
    spec: &Spec,
    prepared: &[Prepared<'_>],
    nodes_override: &[Address],
    action: &Action,
    forks: usize,
    on_progress: OnProgress<'_>,
    on_done: &(dyn Fn(&NodeOutcome) + Sync),
) -> Vec<NodeOutcome> {
    let jobs = jobs(prepared, nodes_override);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|scope| {
        for _ in 0..forks.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((prepared, address)) = jobs.get(index) else {
                        break;
                    };
                    let outcome = run_node(spec, prepared, address, action, on_progress);
                    on_done(&outcome);
                    results
                        .lock()
                        .expect("no worker panics while holding the lock")
                        .push((index, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("workers are done");
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, outcome)| outcome).collect()
}

/// Runs `action` on one node.
pub fn run_node(
    spec: &Spec,
    prepared: &Prepared<'_>,
    address: &Address,
    action: &Action,
    on_progress: OnProgress<'_>,
) -> NodeOutcome {
    let started = Instant::now();
    let mut outcome = NodeOutcome::new(&prepared.group.name, &address.to_string());
    if let Address::Local { root: Some(root) } = address {
        outcome.root = Some(root.display().to_string());
    }
    let node = address.to_string();
    let progress = |text: &str| on_progress(&prepared.group.name, &node, text);
    let transport = match node::connect(address, &prepared.group.ssh) {
        Ok(transport) => transport,
        Err(error) => {
            outcome.fail(error.to_string());
            outcome.elapsed_ms = started.elapsed().as_millis() as u64;
            return outcome;
        }
    };
    if let Err(failure) = drive(
        spec,
        prepared,
        address,
        action,
        transport.as_ref(),
        &mut outcome,
        &progress,
    ) {
        outcome.invalid_input = failure.invalid_input;
        outcome.fail(failure.message);
    }
    outcome.round_trips = transport.round_trips();
    outcome.elapsed_ms = started.elapsed().as_millis() as u64;
    outcome
}

/// The script options for `mode` under the host's limits.
pub fn script_options(mode: Mode, title: String, limits: Limits) -> ScriptOptions {
    ScriptOptions {
        check: mode.check,
        diff: mode.diff,
        title,
        max_steps: u32::try_from(limits.max_plan_steps).unwrap_or(u32::MAX),
        max_bytes: limits.max_plan_bytes as u64,
        lock_wait_secs: mode.lock_wait_secs,
    }
}

fn script_output(output: node::Output) -> ScriptOutput {
    ScriptOutput {
        stdout: output.stdout,
        stderr: output.stderr,
        exit_code: output.code,
    }
}

fn drive(
    spec: &Spec,
    prepared: &Prepared<'_>,
    address: &Address,
    action: &Action,
    transport: &dyn Transport,
    outcome: &mut NodeOutcome,
    progress: &dyn Fn(&str),
) -> Result<(), Failure> {
    let root = address.root();
    let provider = prepared.provider;
    let scripts = prepared.node_script;
    let clock = Instant::now();
    let mut probes = plugin(
        provider.probes(&prepared.settings, &prepared.programs, &root),
        spec,
        prepared,
    )?;
    if matches!(action, Action::Status | Action::Ctl { .. }) {
        // Service plans skip what is already done only on supervisord's
        // own list of every process.
        probes.running.clear();
    }
    let facts_script = scripts.facts_script(&probes).map_err(|e| e.to_string())?;
    progress("reading facts");
    let output = transport.run(&facts_script).map_err(|e| e.to_string())?;
    let facts = scripts
        .parse_facts(&probes, &root, &script_output(output))
        .map_err(|e| e.to_string())?
        .map_err(|e| e.message)?;
    outcome.timings.facts_us = clock.elapsed().as_micros() as u64;
    let clock = Instant::now();
    let plan = match action {
        Action::Plan | Action::Apply(_) => node_plan(spec, prepared, &facts)?,
        Action::Status => plugin(
            provider.service_plan(
                &prepared.settings,
                &facts,
                "*",
                ServiceAction::Status,
                ServiceOptions {
                    if_stopped: false,
                    signal: None,
                },
            ),
            spec,
            prepared,
        )?,
        Action::Ctl {
            service,
            action,
            options,
        } => plugin(
            provider.service_plan(&prepared.settings, &facts, service, *action, *options),
            spec,
            prepared,
        )?,
    };
    let mode = match action {
        Action::Apply(mode) => *mode,
        Action::Plan | Action::Status | Action::Ctl { .. } => Mode {
            lock_wait_secs: prepared.lock_wait_secs,
            ..Mode::default()
        },
    };
    let title = format!(
        "supd: {} steps for {} (group {})",
        plan.steps.len(),
        address,
        prepared.group.name
    );
    let options = script_options(mode, title, prepared.limits);
    let script = scripts
        .apply_script(&plan, &options)
        .map_err(|e| e.to_string())?
        .map_err(|e| {
            format!(
                "{} returned an unusable plan: {}: {}",
                provider.label(),
                e.field,
                e.message
            )
        })?;
    outcome.timings.plan_us = clock.elapsed().as_micros() as u64;
    let clock = Instant::now();
    if matches!(action, Action::Plan) || plan.steps.is_empty() {
        let report = scripts
            .parse_report(&plan, &options, None, Some(&facts))
            .map_err(|e| e.to_string())?;
        outcome.record(report);
        return Ok(());
    }
    progress(&format!("running {} steps", plan.steps.len()));
    let run = transport.run_streaming(&script, &mut |line| {
        // `@supd-progress<TAB>step<TAB>text`
        if let Some(rest) = line.strip_prefix("@supd-progress\t")
            && let Some((_, text)) = rest.split_once('\t')
        {
            progress(text);
        }
    });
    outcome.timings.apply_us = clock.elapsed().as_micros() as u64;
    let (output, lost) = match run {
        Ok(output) => (Some(script_output(output)), None),
        Err(error) => (None, Some(error)),
    };
    let report = scripts
        .parse_report(&plan, &options, output.as_ref(), Some(&facts))
        .map_err(|e| e.to_string())?;
    outcome.record(report);
    match lost {
        Some(error) => Err(error.to_string().into()),
        None => Ok(()),
    }
}

/// Why a node failed.
struct Failure {
    message: String,
    /// The provider refused the input for this node (nothing was changed).
    invalid_input: bool,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            invalid_input: false,
        }
    }
}

/// The install plan and the configure plan, as one plan (see the
/// node-script component's `converge-plan`).
fn node_plan(spec: &Spec, prepared: &Prepared<'_>, facts: &NodeFacts) -> Result<Plan, Failure> {
    let provider = prepared.provider;
    let install = plugin(
        provider.install_plan(&prepared.settings, facts),
        spec,
        prepared,
    )?;
    let configure = plugin(
        provider.configure_plan(&prepared.settings, &prepared.programs, facts),
        spec,
        prepared,
    )?;
    Ok(prepared
        .node_script
        .converge_plan(&install, &configure)
        .map_err(|e| e.to_string())?)
}

fn plugin<T>(
    result: Result<Result<T, WitError>, PluginError>,
    spec: &Spec,
    prepared: &Prepared<'_>,
) -> Result<T, Failure> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            let located = locate(
                spec,
                prepared.group,
                None,
                &services_of(&prepared.programs, &prepared.services),
                &error,
            );
            Err(Failure {
                message: located.to_string(),
                invalid_input: true,
            })
        }
        Err(error) => Err(error.to_string().into()),
    }
}
