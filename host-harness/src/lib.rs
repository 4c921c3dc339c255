//! The supervisord-crate host harness: loads supervision provider
//! components with wasmtime, gathers node facts, asks providers for plans
//! and applies them to nodes, locally or over SSH, changing only what
//! differs.

pub mod apply;
pub mod cli;
pub mod facts;
pub mod node;
pub mod redact;
pub mod report;
pub mod runtime;
pub mod script;
pub mod spec;
pub mod words;
