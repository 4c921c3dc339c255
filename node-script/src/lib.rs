//! The node-script component: what stands between a provider's plans and a
//! node, as pure functions.
//!
//! - `facts`: the one POSIX `sh` script that reads every probe, and the
//!   parser of its output into `node-facts`;
//! - `services`: a declaration's services read into mapping requests, and
//!   every error placed at the service that caused it;
//! - `converge`: one plan out of an install and a configure plan;
//! - `script`: a plan checked and compiled into one POSIX `sh` script that
//!   checks before it changes;
//! - `report`: that script's output read back into a typed report, with
//!   redacted diffs and program states.
//!
//! A host then needs only a transport: something that runs a script on a
//! node and returns what it printed. `supd`, the Python package (and the
//! Ansible and pyinfra plugins on it) and the JavaScript host all use this
//! component, so none of them has a copy of this logic.

pub mod bindings;
mod component;
pub mod contract;
pub mod converge;
pub mod facts;
pub mod logs;
pub mod packages;
pub mod redact;
pub mod report;
pub mod script;
pub mod services;
mod template;
pub mod words;
pub mod xmlrpc;

pub use component::NodeScript;
