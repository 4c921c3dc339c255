//! The phases of the seed's Pallet runs, per node: settings (checked for
//! every group before any node is touched), facts, install and configure
//! plans, then one script that applies them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

mod locate;
mod prepare;

pub use prepare::prepare;

use crate::node::{self, Address, Transport};
use crate::report::NodeOutcome;
use crate::runtime::bindings::{
    Declaration, NodeFacts, Plan, Program, ScriptOptions, ScriptOutput, ServiceAction,
    ServiceOptions, ServiceRequest, WitError,
};
use crate::runtime::{Limits, NodeScriptPlugin, PluginError, ProviderPlugin};
use crate::spec::{Group, Spec, SpecError, SshOptions};

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
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    /// Check only, change nothing.
    pub check: bool,
    /// Report the old content of files that change, for diffs.
    pub diff: bool,
    /// How long to wait for another apply to the same supervisord
    /// (`None`: the component's default).
    pub lock_wait_secs: Option<u32>,
}

/// A job: the groups that name the same nodes, with everything that can
/// be decided without a node.
pub struct Prepared<'a> {
    /// Its groups, in name order: every group that names its nodes.
    pub groups: Vec<&'a Group>,
    /// What output calls it: its groups' names, joined by `+`.
    pub name: String,
    /// Its nodes.
    pub nodes: Vec<Address>,
    /// How to reach them (its groups agree).
    pub ssh: SshOptions,
    /// Its provider.
    pub provider: &'a ProviderPlugin,
    /// The node-script component.
    pub node_script: &'a NodeScriptPlugin,
    /// The host's bounds on plans.
    pub limits: Limits,
    /// How long a script waits for another one changing the same node
    /// (`None`: the component's default).
    pub lock_wait_secs: Option<u32>,
    /// Provider settings as JSON text (of the groups that own the daemon).
    pub settings: String,
    /// Who declares its programs, and what it owns.
    pub declaration: Declaration,
    /// Its services, as the provider read them.
    pub requests: Vec<ServiceRequest>,
    /// Its programs, one per request.
    pub programs: Vec<Program>,
    /// The group of each program, as an index into `groups`.
    pub origins: Vec<usize>,
}

/// What to do on each node, and the bounds on what a node may send back.
#[derive(Debug, Clone)]
pub struct Work {
    /// The action.
    pub action: Action,
    /// How long a script may run and how much it may print.
    pub bounds: node::Bounds,
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

/// What a node does now, as it goes: (group, node, text).
pub type OnProgress<'a> = &'a (dyn Fn(&str, &str, &str) + Sync);

/// Every (job, node) pair to visit.
pub fn jobs<'p, 'a>(prepared: &'p [Prepared<'a>]) -> Vec<(&'p Prepared<'a>, Address)> {
    prepared
        .iter()
        .flat_map(|p| p.nodes.iter().map(move |n| (p, n.clone())))
        .collect()
}

/// Runs `action` on every node of the prepared groups, at most `forks` at
/// a time. One node failing never stops the others. `on_progress` hears
/// what each node does as it happens; `on_done` sees each outcome as soon
/// as its node finishes.
pub fn run_all(
    spec: &Spec,
    prepared: &[Prepared<'_>],
    work: &Work,
    forks: usize,
    on_progress: OnProgress<'_>,
    on_done: &(dyn Fn(&NodeOutcome) + Sync),
) -> Vec<NodeOutcome> {
    let jobs = jobs(prepared);
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
                    let outcome = run_node(spec, prepared, address, work, on_progress);
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
    work: &Work,
    on_progress: OnProgress<'_>,
) -> NodeOutcome {
    let action = &work.action;
    let started = Instant::now();
    let mut outcome = NodeOutcome::new(&prepared.name, &address.to_string());
    if let Address::Local { root: Some(root) } = address {
        outcome.root = Some(root.display().to_string());
    }
    let node = address.to_string();
    let progress = |text: &str| on_progress(&prepared.name, &node, text);
    let transport = match node::connect(address, &prepared.ssh, work.bounds) {
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
        max_steps: Some(u32::try_from(limits.max_plan_steps).unwrap_or(u32::MAX)),
        max_bytes: Some(limits.max_plan_bytes as u64),
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
        provider.probes(
            &prepared.settings,
            &prepared.declaration,
            &prepared.programs,
            &root,
        ),
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
    let plan = action_plan(spec, prepared, action, &facts)?;
    let mode = action_mode(action, prepared);
    let title = format!(
        "supd: {} steps for {} (group {})",
        plan.steps.len(),
        address,
        prepared.name
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

/// The plan the action asks for: the node's converge, or a service plan.
fn action_plan(
    spec: &Spec,
    prepared: &Prepared<'_>,
    action: &Action,
    facts: &NodeFacts,
) -> Result<Plan, Failure> {
    let provider = prepared.provider;
    Ok(match action {
        Action::Plan | Action::Apply(_) => node_plan(spec, prepared, facts)?,
        Action::Status => plugin(
            provider.service_plan(
                &prepared.settings,
                facts,
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
            provider.service_plan(&prepared.settings, facts, service, *action, *options),
            spec,
            prepared,
        )?,
    })
}

/// How the action's script runs: an apply's mode, else a plain run; the
/// spec's lock wait unless the command line gave one.
fn action_mode(action: &Action, prepared: &Prepared<'_>) -> Mode {
    let mode = match action {
        Action::Apply(mode) => *mode,
        Action::Plan | Action::Status | Action::Ctl { .. } => Mode {
            lock_wait_secs: prepared.lock_wait_secs,
            ..Mode::default()
        },
    };
    Mode {
        lock_wait_secs: mode.lock_wait_secs.or(prepared.lock_wait_secs),
        ..mode
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
        provider.install_plan(&prepared.settings, &prepared.declaration, facts),
        spec,
        prepared,
    )?;
    let configure = plugin(
        provider.configure_plan(
            &prepared.settings,
            &prepared.declaration,
            &prepared.programs,
            facts,
        ),
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
            let error = prepared
                .node_script
                .service_error(&prepared.requests, &prepared.programs, &error)
                .unwrap_or(error);
            let located = locate::locate(spec, prepared, &error);
            Err(Failure {
                message: located.to_string(),
                invalid_input: true,
            })
        }
        Err(error) => Err(error.to_string().into()),
    }
}
