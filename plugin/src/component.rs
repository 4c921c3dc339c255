//! The component's exports: thin glue from the WIT functions to the pure
//! modules.

use crate::bindings::exports::supervisord_crate::supervision::supervision_provider::Guest;
use crate::bindings::{
    Declaration, Error, Grant, NodeFacts, Plan, ProbeSet, Program, ProviderInfo, ServiceAction,
    ServiceOptions,
};
use crate::layout::{OsFamily, Strategy};
use crate::{API_VERSION, PROVIDER_NAME, facility, plan, probes};

/// The supervisord provider.
pub struct Provider;

impl Guest for Provider {
    fn register_provider() -> ProviderInfo {
        ProviderInfo {
            name: PROVIDER_NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            api_version: API_VERSION.to_string(),
            actions: vec![
                ServiceAction::Start,
                ServiceAction::Stop,
                ServiceAction::Restart,
                ServiceAction::Status,
                ServiceAction::Enable,
                ServiceAction::Disable,
                ServiceAction::Signal,
            ],
            install_strategies: Strategy::ALL.iter().map(|s| s.name().to_string()).collect(),
            os_families: OsFamily::ALL.iter().map(|f| f.name().to_string()).collect(),
            facilities: facility::FACILITIES.iter().map(|f| f.to_string()).collect(),
        }
    }

    fn probes(
        settings: String,
        declaration: Declaration,
        programs: Vec<Program>,
        root: String,
    ) -> Result<ProbeSet, Error> {
        probes::probes(&settings, &declaration, &programs, &root)
    }

    fn install_plan(
        settings: String,
        declaration: Declaration,
        facts: NodeFacts,
    ) -> Result<Plan, Error> {
        plan::install_plan(&settings, &declaration, &facts)
    }

    fn config_map(facility: String, settings: String) -> Result<Program, Error> {
        facility::config_map(&facility, &settings)
    }

    fn facility_program(
        facility: String,
        program: String,
        grant: Option<Grant>,
    ) -> Result<Program, Error> {
        facility::facility_program(&facility, &program, grant.as_ref())
    }

    fn check_programs(programs: Vec<Program>) -> Result<(), Error> {
        crate::program::check_all(&programs, None)
    }

    fn configure_plan(
        settings: String,
        declaration: Declaration,
        programs: Vec<Program>,
        facts: NodeFacts,
    ) -> Result<Plan, Error> {
        plan::configure_plan(&settings, &declaration, &programs, &facts)
    }

    fn service_plan(
        settings: String,
        facts: NodeFacts,
        service: String,
        action: ServiceAction,
        options: ServiceOptions,
    ) -> Result<Plan, Error> {
        plan::service_plan(&settings, &facts, &service, action, &options)
    }
}

// Exported symbols are named like `supervisord-crate:supervision/...`, which
// only a wasm linker accepts; native builds (the tests) call `Provider`
// directly.
#[cfg(target_arch = "wasm32")]
crate::bindings::export_provider!(Provider with_types_in crate::bindings);
