//! The spec file people write: groups of nodes, the supervisor settings of
//! each group, and the services each group runs.

mod components;
mod locate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::node::Address;

pub use components::{ComponentRef, GrantSpec, Origin, from_flag as component_flag};
pub use locate::{Location, field_keys};

/// The supervisor a group uses when it names none.
pub const DEFAULT_SUPERVISOR: &str = "supervisord";

/// A parsed, checked spec file.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its text, for locating errors.
    pub source: String,
    /// Extra provider components.
    pub providers: Vec<ComponentRef>,
    /// Extra facility components, each with its grant.
    pub facilities: Vec<ComponentRef>,
    /// Names of components that may load without a pinned digest.
    pub accept_unpinned: Vec<String>,
    /// The scope of every program this spec declares (`default` unless it
    /// says): it removes only programs of its own scope.
    pub scope: String,
    /// Whether it owns every managed program of the supervisords it
    /// converges, whatever scope wrote them.
    pub exclusive: bool,
    /// Groups by name, in name order.
    pub groups: Vec<Group>,
}

/// What a group manages on its nodes' supervisord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum GroupRole {
    /// Installs and configures supervisord, and runs its services.
    #[default]
    Daemon,
    /// Only adds its services to the supervisord the node records (takes
    /// no settings).
    Programs,
}

/// A group of nodes that get the same supervisor and services.
#[derive(Debug, Clone)]
pub struct Group {
    /// Its name.
    pub name: String,
    /// Its nodes; the built-in default node when the file names none.
    pub nodes: Vec<Address>,
    /// The provider that supervises its services.
    pub supervisor: String,
    /// What it manages on its nodes' supervisord.
    pub role: GroupRole,
    /// The provider's settings, as JSON.
    pub settings: serde_json::Value,
    /// Its services, in name order.
    pub services: Vec<Service>,
    /// How to reach its SSH nodes.
    pub ssh: SshOptions,
}

/// A service to be run under the group's supervisor.
#[derive(Debug, Clone)]
pub struct Service {
    /// The key it has in the file.
    pub name: String,
    /// The facility that maps its settings (`generic` by default).
    pub facility: String,
    /// Its settings, as JSON.
    pub settings: serde_json::Value,
}

/// How to reach SSH nodes.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SshOptions {
    /// Private key file.
    #[serde(default)]
    pub identity: Option<PathBuf>,
    /// A known_hosts file to check host keys against (instead of the
    /// user's own).
    #[serde(default)]
    pub known_hosts: Option<PathBuf>,
    /// Accept and remember keys of hosts seen for the first time
    /// (`StrictHostKeyChecking=accept-new`); off by default.
    #[serde(default)]
    pub accept_new_host_keys: bool,
    /// More `Key=Value` options for OpenSSH (`-o`), ahead of the harness's
    /// own defaults so they win (e.g. `ProxyJump=bastion`,
    /// `KexAlgorithms=curve25519-sha256`, `ConnectTimeout=30`).
    #[serde(default)]
    pub options: Vec<String>,
}

/// OpenSSH options the harness sets itself or cannot work with: it runs
/// `sh -s` over one shared, non-interactive session per node, reads ssh's
/// errors, and host-key checking has its own settings. Keys in lower case,
/// with the reason or what to use instead.
const OWNED_SSH_OPTIONS: &[(&str, &str)] = &[
    ("batchmode", "supd never prompts"),
    ("controlmaster", "supd shares one connection per node"),
    ("controlpath", "supd shares one connection per node"),
    ("controlpersist", "supd shares one connection per node"),
    ("remotecommand", "supd sends its own script"),
    ("sessiontype", "supd needs a shell session"),
    ("stdinnull", "supd sends its script on standard input"),
    ("forkafterauthentication", "supd waits for its script"),
    (
        "requesttty",
        "a terminal would garble the script and its report",
    ),
    ("loglevel", "supd reports ssh's errors"),
    (
        "stricthostkeychecking",
        "set accept-new-host-keys in [groups.NAME.ssh]",
    ),
    ("userknownhostsfile", "set known-hosts in [groups.NAME.ssh]"),
    (
        "globalknownhostsfile",
        "set known-hosts in [groups.NAME.ssh]",
    ),
    ("knownhostscommand", "set known-hosts in [groups.NAME.ssh]"),
    ("identityfile", "set identity in [groups.NAME.ssh]"),
    ("identitiesonly", "set identity in [groups.NAME.ssh]"),
    ("port", "put the port in the node's address"),
    ("user", "put the user in the node's address"),
    ("hostname", "put the host in the node's address"),
];

/// Why `option` cannot be passed to OpenSSH as `-o option`, if it cannot.
fn check_ssh_option(option: &str) -> Result<(), String> {
    let Some((key, value)) = option.split_once('=') else {
        return Err(format!("{option:?} is not of the form Key=Value"));
    };
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("{key:?} is not an OpenSSH option name"));
    }
    if value.trim().is_empty() {
        return Err(format!("{key} has no value"));
    }
    if value.contains(['\n', '\r', '\0']) {
        return Err(format!("the value of {key} holds a line break or NUL"));
    }
    let lower = key.to_ascii_lowercase();
    if let Some((_, instead)) = OWNED_SSH_OPTIONS.iter().find(|(k, _)| *k == lower) {
        return Err(format!("{key} is set by the harness ({instead})"));
    }
    Ok(())
}

/// A spec the harness cannot use: where, and why.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {message}")]
pub struct SpecError {
    /// File, line and column.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSpec {
    #[serde(default)]
    providers: Vec<toml::Value>,
    #[serde(default)]
    facilities: Vec<toml::Value>,
    #[serde(default)]
    accept_unpinned: Vec<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    exclusive: bool,
    groups: BTreeMap<String, RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawGroup {
    #[serde(default)]
    nodes: Vec<String>,
    #[serde(default = "default_supervisor")]
    supervisor: String,
    #[serde(default)]
    role: GroupRole,
    #[serde(default)]
    settings: toml::Table,
    #[serde(default)]
    services: BTreeMap<String, RawService>,
    #[serde(default)]
    ssh: SshOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawService {
    #[serde(default = "default_facility")]
    facility: String,
    #[serde(default)]
    supervisor: Option<String>,
    #[serde(default)]
    settings: toml::Table,
}

fn default_supervisor() -> String {
    DEFAULT_SUPERVISOR.to_string()
}

fn default_facility() -> String {
    "generic".to_string()
}

impl Spec {
    /// Reads and checks a spec file.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let source = std::fs::read_to_string(path).map_err(|e| SpecError {
            location: Location::file(path),
            message: format!("cannot read: {e}"),
        })?;
        Spec::parse(path, source)
    }

    /// Checks spec text read from `path`.
    pub fn parse(path: &Path, source: String) -> Result<Spec, SpecError> {
        let raw: RawSpec = toml::from_str(&source).map_err(|e| SpecError {
            location: Location::at_offset(path, &source, e.span().map_or(0, |s| s.start)),
            message: did_you_mean::unknown_field(e.message().trim())
                .unwrap_or_else(|| e.message().trim().to_string()),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let spec = Spec {
            path: path.to_path_buf(),
            providers: components::read(path, &source, "providers", raw.providers, false)?,
            facilities: components::read(path, &source, "facilities", raw.facilities, true)?,
            accept_unpinned: raw.accept_unpinned,
            scope: raw.scope.unwrap_or_default(),
            exclusive: raw.exclusive,
            groups: Vec::new(),
            source,
        };
        let mut groups = Vec::new();
        for (name, group) in raw.groups {
            groups.push(spec.group(&base, name, group)?);
        }
        Ok(Spec { groups, ..spec })
    }

    fn group(&self, base: &Path, name: String, raw: RawGroup) -> Result<Group, SpecError> {
        let mut nodes = Vec::new();
        for (index, node) in raw.nodes.iter().enumerate() {
            let address = Address::parse(node, base).map_err(|message| {
                self.error(
                    &["groups", &name, "nodes", &index.to_string()],
                    format!("{node:?}: {message}"),
                )
            })?;
            nodes.push(address);
        }
        if nodes.is_empty() {
            nodes.push(Address::default_node(base, &name));
        }
        let mut services = Vec::new();
        for (service_name, service) in raw.services {
            if let Some(supervisor) = &service.supervisor
                && supervisor != &raw.supervisor
            {
                return Err(self.error(
                    &["groups", &name, "services", &service_name, "supervisor"],
                    format!(
                        "asks for {supervisor:?}, but group {name:?} is supervised by {:?}",
                        raw.supervisor
                    ),
                ));
            }
            // `service-name` defaults to the key: the provider's `requests`
            // says so for every host.
            let settings = toml_to_json(toml::Value::Table(service.settings));
            services.push(Service {
                name: service_name,
                facility: service.facility,
                settings,
            });
        }
        for (index, option) in raw.ssh.options.iter().enumerate() {
            check_ssh_option(option).map_err(|message| {
                self.error(
                    &["groups", &name, "ssh", "options", &index.to_string()],
                    message,
                )
            })?;
        }
        let ssh = SshOptions {
            identity: raw.ssh.identity.map(|p| base.join(p)),
            known_hosts: raw.ssh.known_hosts.map(|p| base.join(p)),
            accept_new_host_keys: raw.ssh.accept_new_host_keys,
            options: raw.ssh.options,
        };
        Ok(Group {
            name,
            nodes,
            supervisor: raw.supervisor,
            role: raw.role,
            settings: toml_to_json(toml::Value::Table(raw.settings)),
            services,
            ssh,
        })
    }

    /// An error located at the TOML key path `keys` (or at its nearest
    /// existing ancestor).
    pub fn error(&self, keys: &[&str], message: impl Into<String>) -> SpecError {
        let key_path = keys.join(".");
        SpecError {
            location: Location::of_keys(&self.path, &self.source, keys),
            message: format!("{key_path}: {}", message.into()),
        }
    }

    /// The group named `name`.
    pub fn group_named(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }
}

impl Group {
    /// Its services as the JSON object the provider's `requests` reads.
    pub fn services_json(&self) -> String {
        let services: serde_json::Map<String, serde_json::Value> = self
            .services
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    serde_json::json!({"facility": s.facility, "settings": s.settings}),
                )
            })
            .collect();
        serde_json::Value::Object(services).to_string()
    }
}

/// TOML values as the JSON the plugins read; datetimes become strings.
pub fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => J::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const PIECES: &[&str] = &[
        "[groups.web]\n",
        "[groups.web.settings]\n",
        "[groups.web.services.app]\n",
        "[groups.web.services.app.settings]\n",
        "[groups.web.ssh]\n",
        "nodes = [\"local\"]\n",
        "nodes = [\"ssh://root@h:22\", \"local:n\"]\n",
        "nodes = [\"ftp://x\"]\n",
        "supervisor = \"supervisord\"\n",
        "supervisor = \"other\"\n",
        "facility = \"generic\"\n",
        "command = \"sleep 1\"\n",
        "colour = \"red\"\n",
        "install = { strategy = \"pip\" }\n",
        "known-hosts = \"kh\"\n",
        "options = [\"ConnectTimeout=3\"]\n",
        "options = [\"ControlPath=/x\", \"Bad Key=1\"]\n",
        "identity = 3\n",
        "x = [1, \"a\"]\n",
        "when = 1979-05-27T07:32:00Z\n",
        "= broken\n",
        "\"quoted key\" = 'v'\n",
        "[groups]\n",
        "providers = [\"p.wasm\"]\n",
        "service-name = \"a\\nb\"\n",
        "# comment\n",
        "\n",
        "[[groups.web]]\n",
        "a.b.c = 1\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Any text: a spec or an error with a place and a reason, never a panic.
        #[test]
        fn any_spec_text_parses_or_is_refused_with_a_location(parts in prop::collection::vec(prop::sample::select(PIECES), 0..12)) {
            let text = parts.concat();
            match Spec::parse(Path::new("/specs/fuzz.toml"), text.clone()) {
                Ok(spec) => {
                    for group in &spec.groups {
                        prop_assert!(!group.nodes.is_empty(), "every group gets a node");
                    }
                }
                Err(error) => {
                    prop_assert!(!error.message.is_empty());
                    prop_assert_eq!(&error.location.file, &PathBuf::from("/specs/fuzz.toml"));
                    if !text.trim().is_empty() {
                        prop_assert!(error.location.line_col.is_some(), "{} has no line: {:?}", text, error);
                    }
                }
            }
        }
    }

    #[test]
    fn a_misspelt_spec_key_gets_the_closest_one_suggested() {
        for (text, line, message) in [
            (
                "scpe = \"web\"\n",
                1,
                "unknown field `scpe`; did you mean `scope`?",
            ),
            (
                "[groups.web]\nnode = [\"local\"]\n",
                2,
                "unknown field `node`; did you mean `nodes`?",
            ),
            (
                "[groups.web]\n[groups.web.services.app]\nfacilty = \"generic\"\n",
                3,
                "did you mean `facility`?",
            ),
        ] {
            let error = Spec::parse(Path::new("/specs/s.toml"), text.to_string()).unwrap_err();
            assert!(error.message.contains(message), "{text}: {error}");
            assert_eq!(
                error.location.line_col.map(|l| l.0),
                Some(line),
                "{text}: {error}"
            );
        }
        let error = Spec::parse(Path::new("/specs/s.toml"), "colour = 1\n".into()).unwrap_err();
        assert!(
            error.message.contains("expected one of"),
            "nothing close: every key, {error}"
        );
    }

    #[test]
    fn ssh_options_pass_through_or_are_refused_naming_the_entry() {
        let spec = |options: &str| {
            Spec::parse(
                Path::new("/specs/s.toml"),
                format!(
                    "[groups.web]\nnodes = [\"ssh://root@h:22\"]\n[groups.web.ssh]\noptions = {options}\n"
                ),
            )
        };
        let ok = spec(r#"["ProxyJump=bastion", "KexAlgorithms=curve25519-sha256"]"#).unwrap();
        assert_eq!(
            ok.groups[0].ssh.options,
            ["ProxyJump=bastion", "KexAlgorithms=curve25519-sha256"]
        );
        for (options, needle) in [
            (r#"["ConnectTimeout"]"#, "not of the form Key=Value"),
            (r#"["Connect Timeout=3"]"#, "not an OpenSSH option name"),
            (r#"["ConnectTimeout= "]"#, "has no value"),
            (r#"["ProxyCommand=a\nb"]"#, "line break"),
            (r#"["ok=1", "controlpath=/tmp/x"]"#, "set by the harness"),
            (r#"["StrictHostKeyChecking=no"]"#, "accept-new-host-keys"),
            (r#"["RequestTTY=force"]"#, "terminal"),
            (r#"["GlobalKnownHostsFile=/dev/null"]"#, "known-hosts"),
        ] {
            let error = spec(options).unwrap_err();
            assert_eq!(
                error.location.line_col.map(|(line, _)| line),
                Some(4),
                "{options}: {error}"
            );
            assert!(
                error.message.contains("groups.web.ssh.options.") && error.message.contains(needle),
                "{options}: {error}"
            );
        }
    }
}
