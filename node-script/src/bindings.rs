//! Bindings generated from `wit/` (world `converger`), and short names for
//! the generated types the rest of the crate uses.

wit_bindgen::generate!({
    path: "../wit",
    world: "converger",
    additional_derives: [PartialEq, Eq],
    pub_export_macro: true,
    export_macro_name: "export_converger",
});

pub use exports::supervisord_crate::supervision::node_script::{
    Outcome, ProgramStatus, Report, ScriptOptions, ScriptOutput, StepReport, StepStatus,
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
pub use supervisord_crate::supervision::types::{
    Error, ErrorKind, EventListener, FcgiProgram, Program, ProgramKind, ServiceRequest, Signal,
    StreamLog,
};
