//! Host bindings generated from `wit/` for every world. The facility and
//! converger worlds reuse the provider world's types, so a program a
//! facility returns is the same Rust type the provider takes, and a plan the
//! provider returns is the same Rust type the node-script component takes.

/// The `provider` world.
pub mod provider {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "provider",
        additional_derives: [serde::Serialize, PartialEq, Eq],
    });
}

/// The `facility` world, a package of its own
/// (`supervisord-crate:facility`): it speaks JSON text, so it does not
/// change when the provider's program record does.
pub mod facility {
    wasmtime::component::bindgen!({
        path: "../wit/facility",
        world: "facility",
        additional_derives: [PartialEq, Eq],
    });
}

/// The `converger` world (the node-script component).
pub mod converger {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "converger",
        additional_derives: [serde::Serialize, PartialEq, Eq],
        with: {
            "supervisord-crate:supervision/types": super::provider::supervisord_crate::supervision::types,
            "supervisord-crate:supervision/facts": super::provider::supervisord_crate::supervision::facts,
            "supervisord-crate:supervision/plan": super::provider::supervisord_crate::supervision::plan,
        },
    });
}

pub use converger::exports::supervisord_crate::supervision::node_script::{
    Outcome, ProgramStatus, Report, ScriptOptions, ScriptOutput, StepReport, StepStatus,
};
pub use facility::exports::supervisord_crate::facility::config_mapper::{
    Error as FacilityError, ErrorKind as FacilityErrorKind,
};
pub use provider::exports::supervisord_crate::supervision::supervision_provider::{
    ProviderInfo, ServiceAction, ServiceOptions,
};
pub use provider::supervisord_crate::supervision::facts::{
    FileInfo, InitSystem, Login, NodeFacts, OsRelease, PackageFact, PathFact, PathKind, ProbeSet,
    ProcessFact, ProcessState, Python, SupervisorState, VenvPackageFact,
};
pub use provider::supervisord_crate::supervision::plan::{
    AbsentFile, AwaitRunning, Condition, CtlAction, CtlEndpoint, Daemon, DaemonEnsure, Desired,
    Directory, File, Guard, GuardedCommand, PackageManager, Packages, PipInstall, Plan,
    StartMethod, Step, Supervisorctl, SystemUser,
};
pub use provider::supervisord_crate::supervision::types::{
    Declaration, Error as WitError, ErrorKind, Grant, Program, Role, ServiceRequest, Signal,
};
