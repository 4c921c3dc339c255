//! Command-line interface of `supd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::runtime::bindings::Signal;

/// Put programs under supervisord on many nodes, idempotently: supd loads
/// supervision provider components (WebAssembly), reads each node's facts,
/// asks the provider for a plan and applies only what differs.
///
/// Exit codes: 0 success; 1 a node failed or a plugin misbehaved; 2 check
/// mode found changes to make; 3 the spec or its settings are invalid
/// (nothing was touched).
#[derive(Debug, Parser)]
#[command(name = "supd", version, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Options for every command.
    #[command(flatten)]
    pub global: Global,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Load another provider component (replaces a bundled one of the
    /// same name), pinned as `file.wasm@sha256:HEX`.
    #[arg(long = "provider", value_name = "WASM[@sha256:HEX]", global = true)]
    pub providers: Vec<String>,

    /// Load a facility component, pinned as `file.wasm@sha256:HEX`;
    /// consulted before providers' own mappings, with the default grant.
    #[arg(long = "facility", value_name = "WASM[@sha256:HEX]", global = true)]
    pub facilities: Vec<String>,

    /// Load this component (by its name) without a pinned digest.
    #[arg(long = "accept-unpinned", value_name = "NAME", global = true)]
    pub accept_unpinned: Vec<String>,

    /// Run on these nodes instead of the groups' own (`local`, `local:<dir>`, `ssh://user@host:port`).
    #[arg(long = "node", value_name = "ADDRESS", global = true)]
    pub nodes: Vec<String>,

    /// Only the nodes of this group of the spec (with every group that
    /// names them; with --node, only this group).
    #[arg(long, value_name = "NAME", global = true)]
    pub group: Option<String>,

    /// Nodes worked on at once.
    #[arg(long, default_value_t = 8, value_name = "N", global = true)]
    pub forks: usize,

    /// Output for people or for machines.
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub format: Format,

    /// Show unchanged steps, round trips and timings.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Where compiled components are cached [default: ~/.cache/supervisord-crate/components].
    #[arg(long, value_name = "DIR", global = true)]
    pub cache_dir: Option<PathBuf>,

    /// Compile components every time.
    #[arg(long, global = true)]
    pub no_cache: bool,

    /// Wall time one plugin call may take.
    #[arg(long, default_value_t = 5000, value_name = "MS", global = true)]
    pub plugin_timeout_ms: u64,

    /// Memory one plugin instance may use.
    #[arg(long, default_value_t = 64, value_name = "MIB", global = true)]
    pub plugin_memory_mib: usize,

    /// Steps a plugin's plan may have.
    #[arg(long, default_value_t = 10_000, value_name = "N", global = true)]
    pub max_plan_steps: usize,

    /// How long one script may run on a node before the node fails.
    #[arg(long, default_value_t = 3600, value_name = "SECS", global = true)]
    pub node_timeout: u64,

    /// How much one script may print on a node before the node fails.
    #[arg(long, default_value_t = 64, value_name = "MIB", global = true)]
    pub max_node_output_mib: usize,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Progress per node and a recap.
    Human,
    /// One JSON document on stdout.
    Json,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what apply would do on each node (reads facts, changes nothing).
    Plan {
        /// The spec file.
        spec: PathBuf,
    },
    /// Make every node match the spec.
    Apply {
        /// The spec file.
        spec: PathBuf,
        /// Check only: report what would change, change nothing.
        #[arg(long)]
        check: bool,
        /// Show a diff of every file that changes (secrets masked).
        #[arg(long)]
        diff: bool,
        /// Seconds to wait for another apply to the same node's supervisord
        /// to finish before giving up (naming who holds it) [default: 60].
        #[arg(long, value_name = "SECS")]
        lock_wait: Option<u32>,
    },
    /// Show every program's state on every node.
    Status {
        /// The spec file.
        spec: PathBuf,
    },
    /// Start, stop, restart, signal or query one service on every node.
    Ctl {
        /// The spec file.
        spec: PathBuf,
        /// The action.
        #[arg(value_enum)]
        action: CtlCommand,
        /// A service (process group) name, `group:program`, or `*` for all.
        service: String,
        /// With restart: only start it if it is stopped.
        #[arg(long)]
        if_stopped: bool,
        /// With signal: the signal, such as HUP or USR1.
        #[arg(long, value_name = "NAME", value_parser = parse_signal)]
        signal: Option<Signal>,
    },
    /// Show the end of a program's log on every node, like `supervisorctl
    /// tail` (one round trip per node); lines are prefixed with their node
    /// when there are several.
    Logs {
        /// The spec file.
        spec: PathBuf,
        /// A program, a group (every process of it), `group:program`, or `*`.
        service: String,
        /// Its stderr log instead of stdout.
        #[arg(long)]
        stderr: bool,
        /// Keep printing what it writes until interrupted (Ctrl-C).
        #[arg(short, long)]
        follow: bool,
        /// Lines to show from the end.
        #[arg(short = 'n', long, default_value_t = 10, value_name = "N")]
        lines: u32,
    },
    /// Print the apply as a standalone POSIX sh script, for nodes supd
    /// cannot reach (air-gapped, cloud-init). It holds the files' content,
    /// secrets included: keep it private.
    Script {
        /// The spec file.
        spec: PathBuf,
        /// The target's OS, as `/etc/os-release` ID and VERSION_ID: `debian:12`.
        #[arg(long, value_name = "ID[:VERSION]")]
        os: String,
    },
    /// List the loaded components: providers, facilities and the
    /// node-script component, each with its origin, sha256 and grant.
    Providers {
        /// A spec whose `providers` and `facilities` are loaded too, with
        /// their pins and grants.
        spec: Option<PathBuf>,
    },
    /// Make and build facility components (Rust, Python or JavaScript).
    #[command(subcommand)]
    Facility(FacilityCommand),
    /// Call one function of a provider (or of the node-script component) with JSON arguments and print its
    /// result as canonical JSON (for plugin authors, and the cross-host
    /// tests): records are objects with WIT field names, variants
    /// `{"tag", "val"}`, options `null` or the value.
    Call {
        /// The provider, when calling a provider.
        #[arg(long, default_value = "supervisord")]
        supervisor: String,
        /// Which component's interface the function belongs to.
        #[arg(long, value_enum, default_value_t = Component::Provider)]
        component: Component,
        /// A JSON file of cases, `[{"name", "function", "args"}]`; prints
        /// `{"name", "result"}` per line.
        #[arg(long, value_name = "FILE", conflicts_with = "function")]
        cases: Option<PathBuf>,
        /// The function, such as `install-plan`.
        #[arg(required_unless_present = "cases")]
        function: Option<String>,
        /// Its arguments, one JSON value each.
        args: Vec<String>,
    },
}

/// `supd facility` commands.
#[derive(Debug, Subcommand)]
pub enum FacilityCommand {
    /// Write a new facility project (the seed's app-deploy mapping, its SDK
    /// and the facility world) that builds as it is.
    New {
        /// The facility's name, such as `app-deploy`.
        name: String,
        /// Its language.
        #[arg(long, value_enum)]
        lang: crate::facility::Lang,
        /// Where to write it [default: ./NAME].
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Build a facility project into a component, check that it loads, and
    /// print its sha256 to pin it with.
    Build {
        /// The project.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Its language [default: from its files].
        #[arg(long, value_enum)]
        lang: Option<crate::facility::Lang>,
        /// The component file [default: DIR/<the facility's name>.wasm].
        #[arg(short, long, value_name = "WASM")]
        out: Option<PathBuf>,
    },
}

/// A component whose functions `call` reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Component {
    /// The provider named by `--supervisor`.
    Provider,
    /// The node-script component.
    NodeScript,
}

/// Service actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CtlCommand {
    /// Start (no complaint when it runs).
    Start,
    /// Stop (no complaint when it is stopped).
    Stop,
    /// Restart.
    Restart,
    /// Show status; fails when it is not running.
    Status,
    /// Let supervisord manage it again.
    Enable,
    /// Stop it and make supervisord forget it.
    Disable,
    /// Send `--signal`.
    Signal,
}

/// Signals supervisord sends, by the name supervisorctl takes.
const SIGNALS: [(&str, Signal); 10] = [
    ("TERM", Signal::Term),
    ("HUP", Signal::Hup),
    ("INT", Signal::Int),
    ("QUIT", Signal::Quit),
    ("KILL", Signal::Kill),
    ("USR1", Signal::Usr1),
    ("USR2", Signal::Usr2),
    ("CONT", Signal::Cont),
    ("STOP", Signal::Stop),
    ("WINCH", Signal::Winch),
];

/// A signal from its name, any case, with or without `SIG`; the error
/// lists the names there are.
pub fn parse_signal(text: &str) -> Result<Signal, String> {
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, signal)| *signal)
        .ok_or_else(|| {
            let names: Vec<&str> = SIGNALS.iter().map(|(n, _)| *n).collect();
            format!(
                "{text:?} is not a signal supervisord sends: use {}",
                names.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names_parse_in_any_case_with_or_without_sig() {
        for (name, signal) in SIGNALS {
            assert_eq!(parse_signal(name), Ok(signal));
            assert_eq!(
                parse_signal(&format!("sig{}", name.to_lowercase())),
                Ok(signal)
            );
        }
        let error = parse_signal("SIGFOO").unwrap_err();
        assert!(
            error.contains("\"SIGFOO\"") && error.contains("WINCH"),
            "{error}"
        );
    }
}
