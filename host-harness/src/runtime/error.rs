//! Errors of loading and calling plugins. Each names the plugin and the call.

use std::time::Duration;

/// A plugin misbehaved or could not be used. The host keeps running; no
/// node has been touched because of it.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The component could not be read, compiled or linked.
    #[error("plugin {plugin}: cannot load: {detail}")]
    Load {
        /// Which plugin.
        plugin: String,
        /// Why.
        detail: String,
    },
    /// The call ran past its time bound.
    #[error(
        "plugin {plugin}: {call} ran past its {limit:?} time limit and was stopped after {elapsed:?}"
    )]
    Timeout {
        /// Which plugin.
        plugin: String,
        /// Which function.
        call: &'static str,
        /// The bound.
        limit: Duration,
        /// How long it ran.
        elapsed: Duration,
    },
    /// The call wanted more memory than allowed.
    #[error(
        "plugin {plugin}: {call} tried to grow its memory to {wanted} bytes, past its limit of {limit} bytes"
    )]
    Memory {
        /// Which plugin.
        plugin: String,
        /// Which function.
        call: &'static str,
        /// Bytes it asked for.
        wanted: usize,
        /// The bound.
        limit: usize,
    },
    /// The call trapped (a panic, `unreachable`, a denied import).
    #[error("plugin {plugin}: {call} trapped: {detail}")]
    Trap {
        /// Which plugin.
        plugin: String,
        /// Which function.
        call: &'static str,
        /// The trap.
        detail: String,
    },
    /// The call returned more than the host accepts.
    #[error("plugin {plugin}: {call} returned {what}, over the limit of {limit}")]
    TooLarge {
        /// Which plugin.
        plugin: String,
        /// Which function.
        call: &'static str,
        /// What was too large.
        what: String,
        /// The bound.
        limit: usize,
    },
}
