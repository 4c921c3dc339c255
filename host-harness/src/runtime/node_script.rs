//! The loaded node-script component: facts scripts, apply scripts and
//! reports. It runs under the same sandbox as every plugin; `supd` then
//! supplies only the transport, like every other host.

use std::sync::Mutex;

use wasmtime::Store;

use super::bindings::converger::exports::supervisord_crate::supervision::node_script::Guest;
use super::bindings::converger::{Converger, ConvergerPre};
use super::bindings::{
    NodeFacts, Plan, ProbeSet, Program, Report, ScriptOptions, ScriptOutput, ServiceRequest,
    WitError,
};
use super::limits::StoreData;
use super::plugin::{CallResult, Pool, linker_error, load};
use super::{CallJsonError, Limits, PluginError, Runtime};

/// The export name of the node-script interface.
pub const NODE_SCRIPT_INTERFACE: &str = "supervisord-crate:supervision/node-script@0.3.0";

/// A loaded node-script component.
pub struct NodeScriptPlugin {
    pool: Pool<Converger>,
    digest: String,
    origin: String,
}

impl NodeScriptPlugin {
    /// Loads a node-script component from its bytes.
    pub fn load(
        runtime: &Runtime,
        label: &str,
        bytes: &[u8],
    ) -> Result<NodeScriptPlugin, PluginError> {
        let (component, _, mut sandbox) = load(runtime, label, bytes)?;
        let instance_pre = runtime
            .linker
            .instantiate_pre(&component)
            .map_err(|e| linker_error(label, e))?;
        let pre = ConvergerPre::new(instance_pre).map_err(|e| PluginError::Load {
            plugin: label.to_string(),
            detail: format!("it is not a node-script component (world `converger` of supervisord-crate:supervision@0.3.0): {e:#}"),
        })?;
        sandbox.label = format!("node-script ({label})");
        Ok(NodeScriptPlugin {
            pool: Pool {
                sandbox,
                pre: pre.instance_pre().clone(),
                bind: |store, instance| Converger::new(store, instance),
                idle: Mutex::new(Vec::new()),
            },
            digest: super::digest(bytes),
            origin: label.to_string(),
        })
    }

    /// The SHA-256 of its bytes, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Where it came from: `bundled`, or its path.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The bounds its calls run under, which are also the bounds the host
    /// puts on plans.
    pub fn limits(&self) -> Limits {
        self.pool.sandbox.limits
    }

    fn call<R>(
        &self,
        call: &'static str,
        body: impl FnOnce(&mut Store<StoreData>, &Guest) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.pool.call(call, |store, _, converger| {
            body(store, converger.supervisord_crate_supervision_node_script())
        })
    }

    /// Calls any function of the node-script interface with canonical JSON
    /// arguments (see `ProviderPlugin::call_json`).
    pub fn call_json(
        &self,
        function: &str,
        args: &[serde_json::Value],
    ) -> Result<serde_json::Value, CallJsonError> {
        self.pool.call_json(NODE_SCRIPT_INTERFACE, function, args)
    }

    /// `requests`.
    pub fn requests(&self, supervisor: &str, services: &str) -> CallResult<Vec<ServiceRequest>> {
        self.call("requests", |store, n| {
            n.call_requests(store, supervisor, services)
        })
    }

    /// `programs`.
    pub fn programs(
        &self,
        requests: &[ServiceRequest],
        mapped: &[Result<Program, WitError>],
    ) -> CallResult<Vec<Program>> {
        self.call("programs", |store, n| {
            n.call_programs(store, requests, mapped)
        })
    }

    /// `service-error`.
    pub fn service_error(
        &self,
        requests: &[ServiceRequest],
        programs: &[Program],
        error: &WitError,
    ) -> Result<WitError, PluginError> {
        self.call("service-error", |store, n| {
            n.call_service_error(store, requests, programs, error)
        })
    }

    /// `facts-script`.
    pub fn facts_script(&self, probes: &ProbeSet) -> Result<String, PluginError> {
        self.call("facts-script", |store, n| {
            n.call_facts_script(store, probes)
        })
    }

    /// `parse-facts`.
    pub fn parse_facts(
        &self,
        probes: &ProbeSet,
        root: &str,
        output: &ScriptOutput,
    ) -> CallResult<NodeFacts> {
        self.call("parse-facts", |store, n| {
            n.call_parse_facts(store, probes, root, output)
        })
    }

    /// `converge-plan`.
    pub fn converge_plan(&self, install: &Plan, configure: &Plan) -> Result<Plan, PluginError> {
        self.call("converge-plan", |store, n| {
            n.call_converge_plan(store, install, configure)
        })
    }

    /// `apply-script`.
    pub fn apply_script(&self, plan: &Plan, options: &ScriptOptions) -> CallResult<String> {
        self.call("apply-script", |store, n| {
            n.call_apply_script(store, plan, options)
        })
    }

    /// `logs-script`.
    pub fn logs_script(
        &self,
        sockets: &[String],
        program: &str,
        stderr: bool,
        lines: u32,
        follow: bool,
    ) -> Result<String, PluginError> {
        self.call("logs-script", |store, n| {
            n.call_logs_script(store, sockets, program, stderr, lines, follow)
        })
    }

    /// `parse-report`.
    pub fn parse_report(
        &self,
        plan: &Plan,
        options: &ScriptOptions,
        output: Option<&ScriptOutput>,
        facts: Option<&NodeFacts>,
    ) -> Result<Report, PluginError> {
        self.call("parse-report", |store, n| {
            n.call_parse_report(store, plan, options, output, facts)
        })
    }
}
