//! One loaded component and its calls.
//!
//! Each instance lives in its own store with its own limits. An instance
//! that answered is kept warm and serves later calls (a fresh instance costs
//! little to create, but every page it touches for the first time costs a
//! page fault, which made a fresh `config-map` cost 2-3x a warm one); an
//! instance that trapped, timed out or hit a limit is dropped, so a call
//! that broke its instance breaks nothing else. Providers are pure
//! functions, so what one call leaves in an instance's memory changes no
//! answer; every call still gets the full time bound, and memory stays
//! bounded per instance.

use std::sync::Mutex;
use std::time::Instant;

use wasmtime::component::{Component, Instance, InstancePre, Linker};
use wasmtime::{Engine, Store, Trap};

use super::bindings::facility::{Facility, FacilityPre};
use super::bindings::provider::{Provider, ProviderPre};
use super::bindings::{
    Declaration, FacilityError, Grant, NodeFacts, Plan, ProbeSet, Program, ProviderInfo,
    ServiceAction, ServiceOptions, WitError,
};
use super::limits::{Limits, StoreData};
use super::{CacheOutcome, PluginError, Runtime};

/// What a call returns: the plugin's own answer (which may be a typed
/// error about the input), or the plugin's failure.
pub type CallResult<T> = Result<Result<T, WitError>, PluginError>;

/// Runs calls against one component under the runtime's limits.
#[derive(Clone)]
pub(super) struct Sandbox {
    pub(super) label: String,
    engine: Engine,
    pub(super) limits: Limits,
    deadline_ticks: u64,
}

impl Sandbox {
    fn store(&self) -> Store<StoreData> {
        let mut store = Store::new(&self.engine, StoreData::new(&self.limits));
        store.limiter(|data| data);
        store.epoch_deadline_trap();
        store
    }

    fn classify(
        &self,
        call: &'static str,
        error: wasmtime::Error,
        store: &Store<StoreData>,
        started: Instant,
    ) -> PluginError {
        let plugin = self.label.clone();
        if let Some(wanted) = store.data().refused_growth {
            return PluginError::Memory {
                plugin,
                call,
                wanted,
                limit: self.limits.memory_bytes,
            };
        }
        if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
            return PluginError::Timeout {
                plugin,
                call,
                limit: self.limits.timeout,
                elapsed: started.elapsed(),
            };
        }
        // The trap itself says what happened; the top-level message is
        // "error while executing at wasm backtrace: ...".
        let detail = match error.downcast_ref::<Trap>() {
            Some(trap) => trap.to_string(),
            None => error.root_cause().to_string(),
        };
        let detail = detail.lines().next().unwrap_or_default().to_string();
        PluginError::Trap {
            plugin,
            call,
            detail,
        }
    }

    fn check_plan(&self, call: &'static str, plan: &Plan) -> Result<(), PluginError> {
        let too_large = |what: String, limit: usize| PluginError::TooLarge {
            plugin: self.label.clone(),
            call,
            what,
            limit,
        };
        if plan.steps.len() > self.limits.max_plan_steps {
            return Err(too_large(
                format!("{} steps", plan.steps.len()),
                self.limits.max_plan_steps,
            ));
        }
        let bytes: usize = plan
            .steps
            .iter()
            .map(|step| {
                step.reason.len() + serde_json::to_vec(&step.desired).map_or(0, |v| v.len())
            })
            .sum();
        if bytes > self.limits.max_plan_bytes {
            return Err(too_large(
                format!("{bytes} bytes of plan"),
                self.limits.max_plan_bytes,
            ));
        }
        Ok(())
    }
}

/// An instance with its store and typed bindings.
pub(super) struct Warm<B> {
    store: Store<StoreData>,
    instance: Instance,
    bindings: B,
}

/// Instances of one component: idle ones wait here between calls.
pub(super) struct Pool<B> {
    pub(super) sandbox: Sandbox,
    pub(super) pre: InstancePre<StoreData>,
    pub(super) bind: fn(&mut Store<StoreData>, &Instance) -> wasmtime::Result<B>,
    pub(super) idle: Mutex<Vec<Warm<B>>>,
}

impl<B> Pool<B> {
    pub(super) fn call<R>(
        &self,
        call: &'static str,
        body: impl FnOnce(&mut Store<StoreData>, &Instance, &B) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        let idle = self
            .idle
            .lock()
            .expect("no call panics holding the pool")
            .pop();
        let started = Instant::now();
        let mut warm = match idle {
            Some(warm) => warm,
            None => {
                let mut store = self.sandbox.store();
                store.set_epoch_deadline(self.sandbox.deadline_ticks);
                let made = self.pre.instantiate(&mut store).and_then(|instance| {
                    let bindings = (self.bind)(&mut store, &instance)?;
                    Ok((instance, bindings))
                });
                match made {
                    Ok((instance, bindings)) => Warm {
                        store,
                        instance,
                        bindings,
                    },
                    Err(error) => return Err(self.sandbox.classify(call, error, &store, started)),
                }
            }
        };
        warm.store.data_mut().refused_growth = None;
        warm.store.set_epoch_deadline(self.sandbox.deadline_ticks);
        match body(&mut warm.store, &warm.instance, &warm.bindings) {
            Ok(result) => {
                self.idle
                    .lock()
                    .expect("no call panics holding the pool")
                    .push(warm);
                Ok(result)
            }
            Err(error) => Err(self.sandbox.classify(call, error, &warm.store, started)),
        }
    }
}

impl<B> Pool<B> {
    /// Calls `function` of `interface` with canonical JSON arguments and
    /// returns its result as canonical JSON.
    pub(super) fn call_json(
        &self,
        interface: &str,
        function: &str,
        args: &[serde_json::Value],
    ) -> Result<serde_json::Value, CallJsonError> {
        let function_name = function.to_string();
        let mut bad_input: Option<super::canonical::CanonicalError> = None;
        let result = self.call("call", |store, instance, _| {
            let func = instance
                .get_export_index(&mut *store, None, interface)
                .and_then(|interface| {
                    instance.get_export_index(&mut *store, Some(&interface), &function_name)
                })
                .and_then(|index| instance.get_func(&mut *store, index));
            let Some(func) = func else {
                bad_input = Some(super::canonical::CanonicalError {
                    path: function_name.clone(),
                    message: format!("{interface} has no such function"),
                });
                return Ok(None);
            };
            let ty = func.ty(&*store);
            let params: Vec<(String, wasmtime::component::Type)> =
                ty.params().map(|(n, t)| (n.to_string(), t)).collect();
            if params.len() != args.len() {
                bad_input = Some(super::canonical::CanonicalError {
                    path: function_name.clone(),
                    message: format!("takes {} arguments, got {}", params.len(), args.len()),
                });
                return Ok(None);
            }
            let mut values = Vec::new();
            for ((name, ty), arg) in params.iter().zip(args) {
                match super::canonical::from_json(arg, ty, name) {
                    Ok(value) => values.push(value),
                    Err(e) => {
                        bad_input = Some(e);
                        return Ok(None);
                    }
                }
            }
            let mut results = vec![wasmtime::component::Val::Bool(false); ty.results().len()];
            func.call(&mut *store, &values, &mut results)?;
            Ok(Some(results))
        });
        if let Some(e) = bad_input {
            return Err(CallJsonError::Input(e));
        }
        let results = result.map_err(CallJsonError::Plugin)?.unwrap_or_default();
        Ok(match results.as_slice() {
            [] => serde_json::Value::Null,
            [one] => super::canonical::to_json(one),
            many => serde_json::Value::Array(many.iter().map(super::canonical::to_json).collect()),
        })
    }
}

pub(super) fn load(
    runtime: &Runtime,
    label: &str,
    bytes: &[u8],
) -> Result<(Component, CacheOutcome, Sandbox), PluginError> {
    let load_error = |detail: String| PluginError::Load {
        plugin: label.to_string(),
        detail,
    };
    let (component, outcome) = runtime
        .cache
        .load(&runtime.engine, bytes)
        .map_err(|e| load_error(format!("{e:#}")))?;
    let sandbox = Sandbox {
        label: label.to_string(),
        engine: runtime.engine.clone(),
        limits: runtime.limits,
        deadline_ticks: runtime.deadline_ticks(),
    };
    Ok((component, outcome, sandbox))
}

pub(super) fn linker_error(label: &str, error: wasmtime::Error) -> PluginError {
    PluginError::Load {
        plugin: label.to_string(),
        detail: format!("it imports something this host does not offer: {error:#}"),
    }
}

/// The export name of the provider interface.
pub const PROVIDER_INTERFACE: &str = "supervisord-crate:supervision/supervision-provider@0.3.0";

/// Why `call_json` failed.
#[derive(Debug, thiserror::Error)]
pub enum CallJsonError {
    /// The arguments do not fit the function.
    #[error(transparent)]
    Input(#[from] super::canonical::CanonicalError),
    /// The plugin failed.
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

/// A loaded provider component.
pub struct ProviderPlugin {
    pool: Pool<Provider>,
    info: ProviderInfo,
    cache: CacheOutcome,
    digest: String,
    origin: String,
}

impl ProviderPlugin {
    /// Loads a provider from component bytes and asks it to describe itself.
    pub fn load(
        runtime: &Runtime,
        label: &str,
        bytes: &[u8],
    ) -> Result<ProviderPlugin, PluginError> {
        let (component, cache, sandbox) = load(runtime, label, bytes)?;
        let linker: &Linker<StoreData> = &runtime.linker;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| linker_error(label, e))?;
        let pre = ProviderPre::new(instance_pre).map_err(|e| PluginError::Load {
            plugin: label.to_string(),
            detail: format!("it is not a provider (world `provider` of supervisord-crate:supervision@0.3.0): {e:#}"),
        })?;
        let mut plugin = ProviderPlugin {
            pool: Pool {
                sandbox,
                pre: pre.instance_pre().clone(),
                bind: |store, instance| Provider::new(store, instance),
                idle: Mutex::new(Vec::new()),
            },
            info: ProviderInfo {
                name: String::new(),
                version: String::new(),
                api_version: String::new(),
                actions: Vec::new(),
                install_strategies: Vec::new(),
                os_families: Vec::new(),
                facilities: Vec::new(),
            },
            cache,
            digest: super::digest(bytes),
            origin: label.to_string(),
        };
        plugin.info = plugin.call("register-provider", |store, p| {
            p.call_register_provider(store)
        })?;
        // From here on errors name the provider, not its file.
        plugin.pool.sandbox.label = format!("{} ({label})", plugin.info.name);
        Ok(plugin)
    }

    fn call<R>(
        &self,
        call: &'static str,
        body: impl FnOnce(&mut Store<StoreData>, &super::bindings::provider::exports::supervisord_crate::supervision::supervision_provider::Guest) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.pool.call(call, |store, _, provider| {
            body(
                store,
                provider.supervisord_crate_supervision_supervision_provider(),
            )
        })
    }

    /// What `register-provider` said.
    pub fn info(&self) -> &ProviderInfo {
        &self.info
    }

    /// The name errors use for this plugin.
    pub fn label(&self) -> &str {
        &self.pool.sandbox.label
    }

    /// Whether the compiled code came from the cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.cache
    }

    /// `probes`.
    pub fn probes(
        &self,
        settings: &str,
        declaration: &Declaration,
        programs: &[Program],
        root: &str,
    ) -> CallResult<ProbeSet> {
        self.call("probes", |store, p| {
            p.call_probes(store, settings, declaration, programs, root)
        })
    }

    /// `install-plan`.
    pub fn install_plan(
        &self,
        settings: &str,
        declaration: &Declaration,
        facts: &NodeFacts,
    ) -> CallResult<Plan> {
        let plan = self.call("install-plan", |store, p| {
            p.call_install_plan(store, settings, declaration, facts)
        })?;
        self.checked("install-plan", plan)
    }

    /// `config-map`.
    pub fn config_map(&self, facility: &str, settings: &str) -> CallResult<Program> {
        self.call("config-map", |store, p| {
            p.call_config_map(store, facility, settings)
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

    /// `facility-program`.
    pub fn facility_program(
        &self,
        facility: &str,
        program: &str,
        grant: Option<&Grant>,
    ) -> CallResult<Program> {
        self.call("facility-program", |store, p| {
            p.call_facility_program(store, facility, program, grant)
        })
    }

    /// `check-programs`.
    pub fn check_programs(&self, programs: &[Program]) -> CallResult<()> {
        self.call("check-programs", |store, p| {
            p.call_check_programs(store, programs)
        })
    }

    /// `configure-plan`.
    pub fn configure_plan(
        &self,
        settings: &str,
        declaration: &Declaration,
        programs: &[Program],
        facts: &NodeFacts,
    ) -> CallResult<Plan> {
        let plan = self.call("configure-plan", |store, p| {
            p.call_configure_plan(store, settings, declaration, programs, facts)
        })?;
        self.checked("configure-plan", plan)
    }

    /// `service-plan`.
    pub fn service_plan(
        &self,
        settings: &str,
        facts: &NodeFacts,
        service: &str,
        action: ServiceAction,
        options: ServiceOptions,
    ) -> CallResult<Plan> {
        let plan = self.call("service-plan", |store, p| {
            p.call_service_plan(store, settings, facts, service, action, options)
        })?;
        self.checked("service-plan", plan)
    }

    /// Calls any function of the provider interface with canonical JSON
    /// arguments and returns its result as canonical JSON (see
    /// `runtime::canonical`): the form the JS and Python hosts print too.
    pub fn call_json(
        &self,
        function: &str,
        args: &[serde_json::Value],
    ) -> Result<serde_json::Value, CallJsonError> {
        self.pool.call_json(PROVIDER_INTERFACE, function, args)
    }

    fn checked(&self, call: &'static str, plan: Result<Plan, WitError>) -> CallResult<Plan> {
        if let Ok(plan) = &plan {
            self.pool.sandbox.check_plan(call, plan)?;
        }
        Ok(plan)
    }
}

/// The export name of the facility interface.
pub const FACILITY_INTERFACE: &str = "supervisord-crate:facility/config-mapper@1.0.0";

/// A loaded facility component.
pub struct FacilityPlugin {
    pool: Pool<Facility>,
    name: String,
    digest: String,
    cache: CacheOutcome,
}

impl FacilityPlugin {
    /// Loads a facility from component bytes and asks its name.
    pub fn load(
        runtime: &Runtime,
        label: &str,
        bytes: &[u8],
    ) -> Result<FacilityPlugin, PluginError> {
        let (component, cache, sandbox) = load(runtime, label, bytes)?;
        let instance_pre = runtime
            .linker
            .instantiate_pre(&component)
            .map_err(|e| linker_error(label, e))?;
        let pre = FacilityPre::new(instance_pre).map_err(|e| PluginError::Load {
            plugin: label.to_string(),
            detail: format!(
                "it is not a facility (world `facility` of supervisord-crate:facility@1.0.0): {e:#}"
            ),
        })?;
        let mut plugin = FacilityPlugin {
            pool: Pool {
                sandbox,
                pre: pre.instance_pre().clone(),
                bind: |store, instance| Facility::new(store, instance),
                idle: Mutex::new(Vec::new()),
            },
            name: String::new(),
            digest: super::digest(bytes),
            cache,
        };
        plugin.name = plugin.pool.call("facility-name", |store, _, f| {
            f.supervisord_crate_facility_config_mapper()
                .call_facility_name(store)
        })?;
        plugin.pool.sandbox.label = format!("facility {} ({label})", plugin.name);
        Ok(plugin)
    }

    /// The facility it maps.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name errors use for it, with where it came from.
    pub fn label(&self) -> &str {
        &self.pool.sandbox.label
    }

    /// The SHA-256 of its bytes, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Whether loading it compiled it or read the code cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.cache
    }

    /// `config-map`: the program in the generic facility's form (JSON).
    pub fn config_map(
        &self,
        supervisor: &str,
        settings: &str,
    ) -> Result<Result<String, FacilityError>, PluginError> {
        self.pool.call("config-map", |store, _, f| {
            f.supervisord_crate_facility_config_mapper()
                .call_config_map(store, supervisor, settings)
        })
    }
}
