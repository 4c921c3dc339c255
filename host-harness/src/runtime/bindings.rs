//! Host bindings generated from `wit/` for both worlds. The facility world
//! reuses the provider world's `types`, so a program a facility returns is
//! the same Rust type the provider takes.

/// The `provider` world.
pub mod provider {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "provider",
        additional_derives: [serde::Serialize, PartialEq, Eq],
    });
}

/// The `facility` world.
pub mod facility {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "facility",
        with: {
            "supervisord-crate:supervision/types": super::provider::supervisord_crate::supervision::types,
        },
    });
}

pub use provider::exports::supervisord_crate::supervision::supervision_provider::{
    ProviderInfo, ServiceAction, ServiceOptions,
};
pub use provider::supervisord_crate::supervision::facts::{
    FileInfo, InitSystem, Login, NodeFacts, OsRelease, PackageFact, PathFact, PathKind, ProbeSet,
    ProcessFact, ProcessState, Python, SupervisorState, VenvPackageFact,
};
pub use provider::supervisord_crate::supervision::plan::{
    AwaitRunning, Condition, CtlAction, CtlEndpoint, Daemon, DaemonEnsure, Desired, Directory,
    File, Guard, GuardedCommand, PackageManager, Packages, PipInstall, Plan, StartMethod, Step,
    Supervisorctl, SystemUser,
};
pub use provider::supervisord_crate::supervision::types::{
    Error as WitError, ErrorKind, Program, Signal,
};
