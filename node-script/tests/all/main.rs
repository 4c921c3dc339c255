//! The node-script crate's tests: plans merged, plans refused, and the
//! facts and apply scripts run by a real `sh` against a scratch directory,
//! their output read back, under every POSIX shell a node may have.

mod converge;
mod facts;
mod hostile_node;
mod no_python;
mod process_table;
mod report;
mod script;
mod shells;
mod staging;
mod support;
mod validate;
