//! supervisord as a supervision provider component.
//!
//! Everything this crate knows about supervisord lives here, as pure
//! functions: settings (JSON) and node facts in, plans and configuration text
//! out. It never touches a node; hosts gather facts and apply plans.
//!
//! The WIT contract in `wit/` is compiled with `wit_bindgen::generate!` on
//! every target, so the same generated types are used by the component glue
//! (`component`) and by the native tests.

pub mod bindings;
mod component;
pub mod error;
pub mod facility;
pub mod facts;
pub mod layout;
pub mod location;
pub mod merge;
pub mod plan;
pub mod probes;
pub mod program;
pub mod render;
pub mod scope;
pub mod settings;
pub mod validate;
pub mod values;

pub use component::Provider;

/// Name services use to ask for this provider (`supervisor = "supervisord"`).
pub const PROVIDER_NAME: &str = "supervisord";

/// Version of the WIT package this crate implements.
pub const API_VERSION: &str = "0.3.0";

/// First line of every file this provider writes. Only files that start with
/// it are ever pruned, so hand-written files in the include directory are
/// left alone.
pub const MANAGED_MARKER: &str = "; Managed by supervisord-crate: edits here are overwritten.";
