//! The supervisord-crate host harness: loads the supervision provider and
//! node-script components with wasmtime and applies their plans to nodes,
//! locally or over SSH, changing only what differs. Everything about what
//! runs on a node (facts, step scripts, reports) is in the components; this
//! crate supplies the spec, the transports and the output.

pub mod apply;
pub mod cli;
pub mod facility;
pub mod load;
pub mod logs;
pub mod node;
pub mod report;
pub mod runtime;
pub mod spec;

/// Set once the user pressed Ctrl-C: what was interrupted ends quietly.
pub static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the user pressed Ctrl-C.
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed)
}
