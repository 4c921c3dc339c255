//! Rendering of supervisord's configuration files.

pub mod ini;
mod program;
mod supervisord_conf;

pub use program::{ProcessGroup, group_file, signal_name};
pub use supervisord_conf::{SECRET_KEYS, supervisord_conf};
