//! Service actions with the seed's semantics: starting a running service
//! and stopping a stopped one are not errors. When the facts say what the
//! running supervisord runs, a step that would change nothing is left out
//! (pyinfra style), so check mode is exact and an idle action costs no
//! second round trip.

use super::PlanBuilder;
use crate::bindings::{
    CtlAction, Desired, Error, ErrorKind, NodeFacts, Plan, ProcessState, ServiceAction,
    ServiceOptions, Supervisorctl,
};
use crate::error::at;
use crate::facts::Facts;
use crate::settings::{Resolved, Target};
use crate::validate;

/// Builds the plan for one action on one service.
pub fn service_plan(
    settings: &str,
    facts: &NodeFacts,
    service: &str,
    action: ServiceAction,
    options: &ServiceOptions,
) -> Result<Plan, Error> {
    let resolved = service_settings(settings, facts)?;
    let target = ctl_target(service)?;
    let group = service.split(':').next().unwrap_or(service).to_string();
    if service == "*"
        && !matches!(
            action,
            ServiceAction::Status
                | ServiceAction::Start
                | ServiceAction::Stop
                | ServiceAction::Restart
        )
    {
        return Err(crate::error::invalid(
            "service",
            "\"*\" (every program) only works with start, stop, restart and status",
        ));
    }
    let ctl = resolved.ctl();
    // Only supervisord's own list of every process says what is not
    // running (a list read from the process table has only what runs).
    if let Some(processes) = Facts::new(facts)
        .supervisor(&ctl.socket)
        .filter(|state| state.complete)
        .map(|state| &state.processes)
        && already_done(service, action, options, processes)
    {
        return Ok(PlanBuilder::new().finish());
    }
    let mut plan = PlanBuilder::new();
    let mut step = |action: CtlAction, targets: Vec<String>, reason: String| {
        plan.always(
            Desired::Supervisorctl(Supervisorctl {
                ctl: ctl.clone(),
                action,
                targets,
            }),
            reason,
        );
    };
    match action {
        ServiceAction::Start => step(CtlAction::Start, vec![target], "requested".into()),
        ServiceAction::Stop => step(CtlAction::Stop, vec![target], "requested".into()),
        ServiceAction::Restart if options.if_stopped => step(
            CtlAction::Start,
            vec![target],
            "restart requested, only if stopped".into(),
        ),
        ServiceAction::Restart => step(CtlAction::Restart, vec![target], "requested".into()),
        ServiceAction::Status => step(CtlAction::Status, vec![target], "requested".into()),
        ServiceAction::Enable => step(CtlAction::Add, vec![group], "requested".into()),
        ServiceAction::Disable => {
            step(CtlAction::Stop, vec![target], "requested".into());
            step(CtlAction::Remove, vec![group], "requested".into());
        }
        ServiceAction::Signal => {
            let signal = options.signal.ok_or_else(|| {
                at(
                    "options.signal",
                    ErrorKind::MissingField,
                    "the signal action needs a signal",
                )
            })?;
            step(CtlAction::Signal(signal), vec![target], "requested".into());
        }
    }
    Ok(plan.finish())
}

/// The supervisord a service action works on: the one `settings` describe,
/// or, when they are empty, the one the node's location record names (its
/// defaults when it has none).
fn service_settings(settings: &str, facts: &NodeFacts) -> Result<Resolved, Error> {
    let empty = settings.trim().is_empty()
        || serde_json::from_str::<serde_json::Value>(settings)
            .is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()));
    if empty && let Some(location) = crate::location::read(facts)? {
        return crate::location::resolve(&location, facts);
    }
    Resolved::resolve(settings, &Target::from_facts(facts))
}

/// Whether `action` on `service` would change nothing, given what the
/// running supervisord runs.
fn already_done(
    service: &str,
    action: ServiceAction,
    options: &ServiceOptions,
    processes: &[ProcessState],
) -> bool {
    let (group, program) = match service.split_once(':') {
        _ if service == "*" => (None, None),
        Some((group, program)) if program != "*" => (Some(group), Some(program)),
        Some((group, _)) => (Some(group), None),
        None => (Some(service), None),
    };
    let matched: Vec<&ProcessState> = processes
        .iter()
        .filter(|p| group.is_none_or(|g| p.group == g) && program.is_none_or(|n| p.name == n))
        .collect();
    let running = |p: &&ProcessState| matches!(p.state.as_str(), "RUNNING" | "STARTING");
    // Every program of nothing is done; a named one supervisord does not
    // know is not (supervisorctl says why).
    let none = matched.is_empty();
    match action {
        ServiceAction::Start => (none && group.is_none()) || (!none && matched.iter().all(running)),
        ServiceAction::Restart if options.if_stopped => {
            (none && group.is_none()) || (!none && matched.iter().all(running))
        }
        ServiceAction::Restart => none && group.is_none(),
        ServiceAction::Stop => (none && group.is_none()) || (!none && !matched.iter().any(running)),
        ServiceAction::Enable => !none,
        ServiceAction::Disable => {
            group.is_some() && processes.iter().all(|p| Some(p.group.as_str()) != group)
        }
        ServiceAction::Status | ServiceAction::Signal => false,
    }
}

/// `web` means every process of group `web` (`web:*`); `group:program`
/// names one program of a group; `*` means every program.
fn ctl_target(service: &str) -> Result<String, Error> {
    if service == "*" {
        return Ok("all".to_string());
    }
    match service.split_once(':') {
        Some((group, program)) => {
            validate::name("service", group)?;
            if program != "*" {
                validate::name("service", program)?;
            }
            Ok(service.to_string())
        }
        None => {
            validate::name("service", service)?;
            Ok(format!("{service}:*"))
        }
    }
}
