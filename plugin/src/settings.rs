//! The supervisord settings people write (JSON), merged over the defaults of
//! the node's OS family and install strategy, then checked.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::bindings::{
    CtlEndpoint, Error, ErrorKind, InitSystem, Login, NodeFacts, OsRelease, PackageManager,
    StartMethod,
};
use crate::error::{at, from_value, invalid, parse_json, unsupported};
use crate::layout::{DEFAULT_PIP_PREFIX, OsFamily, Strategy, defaults, under};
use crate::merge::deep_merge;
use crate::validate;
use crate::values::{ByteSize, LogLevel, Octal};

/// Settings after merging, as typed values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// OS family; detected from `/etc/os-release` unless set.
    pub os_family: OsFamily,
    /// How supervisord is installed.
    pub install: Install,
    /// Base directory of the pip layout, under the node root.
    #[serde(default)]
    pub prefix: Option<String>,
    /// The account supervisord itself runs as; `none` runs it as the
    /// account the host logs in as (root on a whole node).
    #[serde(default)]
    pub user: Option<String>,
    /// Service name of the daemon (init script, unit, OpenRC service).
    pub service: String,
    /// Where files go.
    pub paths: Paths,
    /// The `[supervisord]` section.
    pub supervisord: DaemonOptions,
    /// An optional `[inet_http_server]`.
    #[serde(default)]
    pub http: Option<Http>,
    /// Options of `[group:x]` sections, by group name.
    #[serde(default)]
    pub groups: BTreeMap<String, GroupOptions>,
}

/// How supervisord is installed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Install {
    /// `packages` or `pip`.
    pub strategy: Strategy,
    /// Exact supervisor version for pip; `none` takes what is there or the
    /// newest. Ignored by `packages` (the OS decides).
    #[serde(default)]
    pub version: Option<String>,
    /// The package (OS) or distribution (pip) name.
    pub package: String,
    /// The interpreter that creates the virtual environment (pip).
    #[serde(default)]
    pub python: Option<String>,
}

/// Where supervisord's files live.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Paths {
    /// The virtual environment (pip).
    #[serde(default)]
    pub venv: Option<String>,
    /// The `supervisord` executable.
    pub supervisord: String,
    /// The `supervisorctl` executable.
    pub supervisorctl: String,
    /// The main configuration file.
    pub config: String,
    /// The directory of program files (`[include]`).
    pub include_dir: String,
    /// Extension of program files: `conf` or `ini`.
    pub include_ext: String,
    /// The log directory.
    pub log_dir: String,
    /// supervisord's own log file.
    pub logfile: String,
    /// Where `AUTO` child logs go.
    pub childlogdir: String,
    /// Directory of the socket and pid file.
    pub run_dir: String,
    /// The unix socket.
    pub socket: String,
    /// The pid file.
    pub pidfile: String,
}

/// Options of the `[supervisord]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DaemonOptions {
    /// `loglevel`.
    pub loglevel: LogLevel,
    /// `logfile_maxbytes`.
    pub logfile_maxbytes: ByteSize,
    /// `logfile_backups`.
    pub logfile_backups: u32,
    /// `minfds`.
    #[serde(default)]
    pub minfds: Option<u32>,
    /// `minprocs`.
    #[serde(default)]
    pub minprocs: Option<u32>,
    /// `umask`.
    #[serde(default)]
    pub umask: Option<Octal>,
    /// `nocleanup`.
    #[serde(default)]
    pub nocleanup: Option<bool>,
    /// `identifier`.
    #[serde(default)]
    pub identifier: Option<String>,
    /// `directory`.
    #[serde(default)]
    pub directory: Option<String>,
    /// `strip_ansi`.
    #[serde(default)]
    pub strip_ansi: Option<bool>,
    /// `environment`, given to supervisord and every child.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

/// An `[inet_http_server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Http {
    /// `host:port`; loopback by default.
    #[serde(default = "default_http_bind")]
    pub bind: String,
    /// Required when `bind` is not a loopback address.
    #[serde(default)]
    pub username: Option<String>,
    /// Stored as a `{SHA}` hash, never in clear.
    #[serde(default)]
    pub password: Option<String>,
}

fn default_http_bind() -> String {
    "127.0.0.1:9001".to_string()
}

/// Options of one `[group:x]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GroupOptions {
    /// `priority`.
    #[serde(default)]
    pub priority: Option<u32>,
}

/// What a node is, as far as resolving settings needs.
#[derive(Debug, Clone)]
pub struct Target {
    /// Node root (`/` or a sandbox directory).
    pub root: String,
    /// The OS, when known.
    pub os: Option<OsRelease>,
    /// Its service manager.
    pub init: InitSystem,
    /// The account the host acts as.
    pub login: Login,
    /// The node's python3 path, when known.
    pub python: Option<String>,
}

impl Target {
    /// The target described by gathered (or given) facts.
    pub fn from_facts(facts: &NodeFacts) -> Target {
        Target {
            root: facts.root.clone(),
            os: facts.os.clone(),
            init: facts.init,
            login: facts.login.clone(),
            python: facts.python.as_ref().map(|p| p.path.clone()),
        }
    }

    fn whole_node(&self) -> bool {
        self.root.trim_end_matches('/').is_empty()
    }
}

/// Settings resolved for one node: the merged settings plus what follows
/// from them and the node.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The merged, checked settings.
    pub settings: Settings,
    /// The same, as the JSON they were read from (what a location record
    /// keeps of them).
    pub merged: Value,
    /// The node.
    pub target: Target,
}

impl Resolved {
    /// Merges `json` over the defaults for `target` and checks the result.
    pub fn resolve(json: &str, target: &Target) -> Result<Resolved, Error> {
        Self::resolve_as(json, target, None, None)
    }

    /// Like [`Resolved::resolve`], but uses `family` and `strategy` when
    /// neither the settings nor the target decide them (for `probes`, which
    /// runs before facts exist).
    pub fn resolve_as(
        json: &str,
        target: &Target,
        family: Option<OsFamily>,
        strategy: Option<Strategy>,
    ) -> Result<Resolved, Error> {
        let text = if json.trim().is_empty() { "{}" } else { json };
        let user: Value = parse_json("settings", text)?;
        if !user.is_object() {
            return Err(at(
                "settings",
                ErrorKind::Malformed,
                "must be a JSON object",
            ));
        }
        let family = match peek::<OsFamily>(&user, &["os-family"]) {
            Some(family) => family,
            None => target
                .os
                .as_ref()
                .and_then(OsFamily::detect)
                .or(family)
                .ok_or_else(|| unknown_os(target.os.as_ref()))?,
        };
        let strategy = peek::<Strategy>(&user, &["install", "strategy"])
            .or(strategy)
            .unwrap_or(if target.whole_node() && target.login.uid == 0 {
                Strategy::Packages
            } else {
                Strategy::Pip
            });
        let prefix = peek::<String>(&user, &["prefix"]).unwrap_or(DEFAULT_PIP_PREFIX.to_string());
        let base = match strategy {
            Strategy::Pip => under(&target.root, &prefix),
            Strategy::Packages => target.root.clone(),
        };
        let python = target
            .python
            .clone()
            .unwrap_or_else(|| "python3".to_string());
        let mut merged = defaults(family, strategy, &base, &python);
        deep_merge(&mut merged, user);
        Resolved::from_merged(merged, target)
    }

    /// Settings already merged over their defaults (as a location record
    /// keeps them), checked for `target`.
    pub fn from_merged(merged: Value, target: &Target) -> Result<Resolved, Error> {
        let settings: Settings = from_value("settings", merged.clone())?;
        let resolved = Resolved {
            settings,
            merged,
            target: target.clone(),
        };
        resolved.check()?;
        Ok(resolved)
    }

    /// The install strategy.
    pub fn strategy(&self) -> Strategy {
        self.settings.install.strategy
    }

    /// The OS family.
    pub fn family(&self) -> OsFamily {
        self.settings.os_family
    }

    /// The package manager of the node.
    pub fn package_manager(&self) -> PackageManager {
        self.family().package_manager(self.target.os.as_ref())
    }

    /// The account supervisord runs as.
    pub fn runs_as(&self) -> &str {
        self.settings
            .user
            .as_deref()
            .unwrap_or(&self.target.login.user)
    }

    /// Whether supervisord runs as root (and so may switch programs to
    /// other users).
    pub fn runs_as_root(&self) -> bool {
        match &self.settings.user {
            Some(user) => user == "root",
            None => self.target.login.uid == 0,
        }
    }

    /// The `user=` of `[supervisord]`: set only when supervisord must switch
    /// away from the account that starts it.
    pub fn switch_to(&self) -> Option<&str> {
        self.settings
            .user
            .as_deref()
            .filter(|user| *user != self.target.login.user)
    }

    /// The account that owns supervisord's run-time directories (logs, the
    /// socket and pid file), when it is not the login account: the one it
    /// runs as.
    pub fn runtime_owner(&self) -> Option<String> {
        self.switch_to().map(str::to_string)
    }

    /// Who owns supervisord's configuration: the login (root), never the
    /// account supervisord runs as, which must not be able to change what
    /// it runs (its own `user=` line among it). Set only when that account
    /// is another one; `None` leaves files as the login writes them.
    pub fn config_owner(&self) -> Option<String> {
        self.switch_to().map(|_| self.target.login.user.clone())
    }

    /// The group that may read a configuration file that holds secrets:
    /// supervisord's own account's (the group of its own name), since it
    /// reads its configuration again without root after a reload.
    pub fn config_group(&self) -> Option<String> {
        self.switch_to().map(str::to_string)
    }

    /// The mode of a configuration file: readable by supervisord's own
    /// account (and root) alone when it holds secrets.
    pub fn config_mode(&self, secret: bool) -> u32 {
        match (secret, self.config_group()) {
            (false, _) => 0o644,
            (true, Some(_)) => 0o640,
            (true, None) => 0o600,
        }
    }

    /// How supervisorctl reaches this supervisord.
    pub fn ctl(&self) -> CtlEndpoint {
        CtlEndpoint {
            lock: crate::location::lock_path(&self.target.root, &self.settings.paths.config),
            binary: self.settings.paths.supervisorctl.clone(),
            config: self.settings.paths.config.clone(),
            socket: self.settings.paths.socket.clone(),
        }
    }

    /// How the node starts supervisord.
    pub fn start_method(&self) -> StartMethod {
        let direct = || {
            StartMethod::Command(vec![
                self.settings.paths.supervisord.clone(),
                "-c".to_string(),
                self.settings.paths.config.clone(),
            ])
        };
        // A sandbox or a non-root login cannot use the node's service manager.
        if !self.target.whole_node() || self.target.login.uid != 0 {
            return direct();
        }
        let service = self.settings.service.clone();
        match (self.target.init, self.strategy()) {
            (InitSystem::Systemd, _) => StartMethod::Systemd(format!("{service}.service")),
            (InitSystem::Openrc, Strategy::Packages) => StartMethod::Openrc(service),
            (InitSystem::Sysvinit, Strategy::Packages) => {
                StartMethod::InitScript(format!("/etc/init.d/{service}"))
            }
            _ => direct(),
        }
    }

    /// The link that says the service starts at boot, for service
    /// managers that have one.
    pub fn enabled_link(&self) -> Option<String> {
        match self.start_method() {
            StartMethod::Systemd(unit) => Some(format!(
                "/etc/systemd/system/multi-user.target.wants/{unit}"
            )),
            StartMethod::Openrc(service) => Some(format!("/etc/runlevels/default/{service}")),
            _ => None,
        }
    }

    fn check(&self) -> Result<(), Error> {
        let s = &self.settings;
        let root = &self.target.root;
        if self.strategy() == Strategy::Packages && !self.target.whole_node() {
            return Err(unsupported(
                "settings.install.strategy",
                format!(
                    "packages installs into the whole node, but this node is the sandbox {root:?}; use \"pip\""
                ),
            ));
        }
        if self.strategy() == Strategy::Packages && self.target.login.uid != 0 {
            return Err(unsupported(
                "settings.install.strategy",
                format!(
                    "packages needs root, but the host logs in as {:?}; use \"pip\"",
                    self.target.login.user
                ),
            ));
        }
        if let Some(prefix) = &s.prefix {
            validate::absolute_path("settings.prefix", prefix)?;
        }
        validate::name("settings.service", &s.service)?;
        validate::package("settings.install.package", &s.install.package)?;
        if let Some(version) = &s.install.version {
            let ok = !version.is_empty()
                && version
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '!'));
            if !ok {
                return Err(invalid(
                    "settings.install.version",
                    format!("{version:?} is not a version such as \"4.2.5\""),
                ));
            }
        }
        if let Some(python) = &s.install.python {
            validate::non_empty_value("settings.install.python", python)?;
            if python.contains(char::is_whitespace) || python.starts_with('-') {
                return Err(invalid(
                    "settings.install.python",
                    "must be one executable path or name, without spaces, not starting with '-'",
                ));
            }
        }
        let p = &s.paths;
        let mut paths = vec![
            ("supervisord", &p.supervisord),
            ("supervisorctl", &p.supervisorctl),
            ("config", &p.config),
            ("include-dir", &p.include_dir),
            ("log-dir", &p.log_dir),
            ("logfile", &p.logfile),
            ("childlogdir", &p.childlogdir),
            ("run-dir", &p.run_dir),
            ("socket", &p.socket),
            ("pidfile", &p.pidfile),
        ];
        if let Some(venv) = &p.venv {
            paths.push(("venv", venv));
        }
        for (key, path) in paths {
            validate::path_under(&format!("settings.paths.{key}"), path, root)?;
        }
        if self.strategy() == Strategy::Pip && p.venv.is_none() {
            return Err(at(
                "settings.paths.venv",
                ErrorKind::MissingField,
                "the pip strategy needs a virtual environment path",
            ));
        }
        if !matches!(p.include_ext.as_str(), "conf" | "ini") {
            return Err(invalid(
                "settings.paths.include-ext",
                format!(
                    "{:?} is not supported; use \"conf\" or \"ini\"",
                    p.include_ext
                ),
            ));
        }
        if p.socket.len() > validate::MAX_SOCKET_PATH {
            return Err(invalid(
                "settings.paths.socket",
                format!(
                    "is {} bytes long; unix socket paths are at most {} bytes (use a shorter prefix)",
                    p.socket.len(),
                    validate::MAX_SOCKET_PATH
                ),
            ));
        }
        self.check_user()?;
        self.check_daemon_options()?;
        if let Some(http) = &s.http {
            check_http(http)?;
        }
        for name in s.groups.keys() {
            validate::name(&format!("settings.groups[{name}]"), name)?;
        }
        Ok(())
    }

    fn check_user(&self) -> Result<(), Error> {
        let Some(user) = &self.settings.user else {
            return Ok(());
        };
        validate::account("settings.user", user)?;
        if user == "root" {
            return Ok(());
        }
        if self.strategy() == Strategy::Packages {
            return Err(unsupported(
                "settings.user",
                format!(
                    "the {} package runs supervisord as root; running it as {user:?} is supported with the pip strategy only",
                    self.family().name()
                ),
            ));
        }
        let login = &self.target.login;
        if login.uid != 0 && login.user != *user {
            return Err(unsupported(
                "settings.user",
                format!(
                    "supervisord can only switch to {user:?} when started as root, but the host logs in as {:?}",
                    login.user
                ),
            ));
        }
        Ok(())
    }

    fn check_daemon_options(&self) -> Result<(), Error> {
        let d = &self.settings.supervisord;
        if let Some(identifier) = &d.identifier {
            validate::non_empty_value("settings.supervisord.identifier", identifier)?;
        }
        if let Some(directory) = &d.directory {
            validate::path_under(
                "settings.supervisord.directory",
                directory,
                &self.target.root,
            )?;
        }
        for (name, value) in &d.environment {
            let field = format!("settings.supervisord.environment.{name}");
            validate::env_name(&field, name)?;
            validate::env_value(&field, value)?;
        }
        Ok(())
    }
}

fn check_http(http: &Http) -> Result<(), Error> {
    let field = "settings.http.bind";
    validate::non_empty_value(field, &http.bind)?;
    let (host, port) = http
        .bind
        .rsplit_once(':')
        .ok_or_else(|| invalid(field, format!("{:?} must be host:port", http.bind)))?;
    match port.parse::<u16>() {
        Ok(port) if port > 0 => {}
        _ => {
            return Err(invalid(
                field,
                format!("{port:?} is not a port between 1 and 65535"),
            ));
        }
    }
    if let Some(user) = &http.username {
        validate::non_empty_value("settings.http.username", user)?;
    }
    if let Some(password) = &http.password {
        validate::non_empty_value("settings.http.password", password)?;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost" || host == "::1" || host.starts_with("127.");
    if !loopback && (http.username.is_none() || http.password.is_none()) {
        let missing = if http.username.is_none() {
            "username"
        } else {
            "password"
        };
        return Err(at(
            format!("settings.http.{missing}"),
            ErrorKind::MissingField,
            format!(
                "binding the HTTP server to {host:?}, beyond loopback, needs a username and a password"
            ),
        ));
    }
    Ok(())
}

fn unknown_os(os: Option<&OsRelease>) -> Error {
    let families = OsFamily::ALL.map(OsFamily::name).join(", ");
    match os {
        Some(os) => unsupported(
            "facts.os",
            format!(
                "no supervisord defaults for OS {:?} (ID_LIKE {:?}); set settings.os-family to one of {families}",
                os.id, os.id_like
            ),
        ),
        None => at(
            "settings.os-family",
            ErrorKind::MissingField,
            format!("the node's OS is unknown; set it to one of {families}"),
        ),
    }
}

/// Reads a value at `path` from user settings before merging, when it is
/// there and well-typed; a badly typed value is left for the full parse to
/// report with its path.
fn peek<T: serde::de::DeserializeOwned>(value: &Value, path: &[&str]) -> Option<T> {
    let mut current = value;
    for key in path {
        current = current.get(key)?;
    }
    serde_json::from_value(current.clone()).ok()
}
