//! Bindings generated from `wit/` (world `provider`), and short names for
//! the generated types the rest of the crate uses.

wit_bindgen::generate!({
    path: "../wit",
    world: "provider",
    additional_derives: [PartialEq, Eq],
    pub_export_macro: true,
    export_macro_name: "export_provider",
    // The record types come from the crate whose table defines each key.
    with: { "supervisord-crate:supervision/types@0.3.0": program_keys::types },
});

pub use exports::supervisord_crate::supervision::supervision_provider::{
    ProviderInfo, ServiceAction, ServiceOptions,
};
pub use program_keys::types::{
    Autorestart, Declaration, EnvVar, Error, ErrorKind, EventListener, FcgiProgram, Grant,
    LogTarget, Program, ProgramKind, Role, Signal, StreamLog,
};
pub use supervisord_crate::supervision::facts::{
    FileInfo, InitSystem, Login, NodeFacts, OsRelease, PackageFact, PathFact, PathKind, ProbeSet,
    ProcessFact, ProcessState, Python, RecordFact, RunningGroup, SupervisorState, VenvPackageFact,
    WatchFact,
};
pub use supervisord_crate::supervision::plan::{
    AbsentFile, AwaitRunning, Condition, CtlAction, CtlEndpoint, Daemon, DaemonEnsure, Desired,
    Directory, File, Guard, GuardedCommand, PackageManager, Packages, PipInstall, Plan,
    StartMethod, Step, Supervisorctl, SystemUser,
};
