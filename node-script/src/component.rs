//! The component's exports: thin glue from the WIT functions to the pure
//! modules.

use crate::bindings::exports::supervisord_crate::supervision::node_script::Guest;
use crate::bindings::{
    Error, NodeFacts, Plan, ProbeSet, Program, Report, ScriptOptions, ScriptOutput, ServiceRequest,
};
use crate::{converge, facts, report, script, services};

/// The node-script component.
pub struct NodeScript;

impl Guest for NodeScript {
    fn requests(supervisor: String, services: String) -> Result<Vec<ServiceRequest>, Error> {
        services::requests(&supervisor, &services)
    }

    fn programs(
        requests: Vec<ServiceRequest>,
        mapped: Vec<Result<Program, Error>>,
    ) -> Result<Vec<Program>, Error> {
        services::programs(&requests, mapped)
    }

    fn service_error(requests: Vec<ServiceRequest>, programs: Vec<Program>, error: Error) -> Error {
        services::service_error(&requests, &programs, error)
    }

    fn facts_script(probes: ProbeSet) -> String {
        facts::script(&probes)
    }

    fn parse_facts(
        probes: ProbeSet,
        root: String,
        output: ScriptOutput,
    ) -> Result<NodeFacts, Error> {
        facts::parse(&probes, &root, &output)
    }

    fn converge_plan(install: Plan, configure: Plan) -> Plan {
        converge::merge(install, configure)
    }

    fn apply_script(plan: Plan, options: ScriptOptions) -> Result<String, Error> {
        script::validate(&plan, &options)?;
        Ok(script::compile(&plan, &options))
    }

    fn logs_script(
        sockets: Vec<String>,
        program: String,
        stderr: bool,
        lines: u32,
        follow: bool,
    ) -> String {
        crate::logs::script(&sockets, &program, stderr, lines, follow)
    }

    fn parse_report(
        plan: Plan,
        options: ScriptOptions,
        output: Option<ScriptOutput>,
        facts: Option<NodeFacts>,
    ) -> Report {
        report::parse(&plan, &options, output.as_ref(), facts.as_ref())
    }
}

// Exported symbols are named like `supervisord-crate:supervision/...`, which
// only a wasm linker accepts; native builds (the tests) call `NodeScript`
// directly.
#[cfg(target_arch = "wasm32")]
crate::bindings::export_converger!(NodeScript with_types_in crate::bindings);
