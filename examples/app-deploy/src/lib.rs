//! The seed README's `app-deploy` crate, as a facility component. Its
//! Clojure original:
//!
//! ```clojure
//! (defmethod sup/supervisor-config-map [:app-deploy :supervisord]
//!   [_ {:keys [run-command service-name user] :as settings} options]
//!   {:pre [service-name]}
//!   (merge {:service-name service-name
//!           :command run-command
//!           :autostart "true"
//!           :autorestart "true"
//!           :startsecs 10}
//!          (when user {:user user})))
//! ```
//!
//! It only shapes the program; the supervisord provider validates it with
//! the same rules as its own input when it plans the node.

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "facility",
        pub_export_macro: true,
        export_macro_name: "export_facility",
    });
}

use bindings::exports::supervisord_crate::supervision::config_mapper::Guest;
use bindings::supervisord_crate::supervision::types::{
    Autorestart, EnvVar, Error, ErrorKind, Program, ProgramKind, StreamLog,
};
use serde::Deserialize;

/// This facility's name.
pub const FACILITY: &str = "app-deploy";

/// The settings of an app-deploy service that matter to supervision.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct AppDeploy {
    service_name: Option<String>,
    run_command: Option<String>,
    user: Option<String>,
    port: Option<u16>,
    /// What is deployed, as in the seed: a list of paths or `{path}`
    /// entries, or a map from source (`from-lein`, ...) to such lists.
    #[serde(default)]
    artifacts: serde_json::Value,
    /// Where relative artifact paths lie (the seed deploys under /opt).
    artifact_root: Option<String>,
    // Other app-deploy settings are not about supervision.
    #[serde(flatten)]
    _rest: serde_json::Map<String, serde_json::Value>,
}

/// The component.
pub struct AppDeployFacility;

impl Guest for AppDeployFacility {
    fn facility_name() -> String {
        FACILITY.to_string()
    }

    fn config_map(supervisor: String, settings: String) -> Result<Program, Error> {
        if supervisor != "supervisord" {
            return Err(error(
                "supervisor",
                ErrorKind::NotImplemented,
                format!(
                    "{supervisor} supervisor requested for {FACILITY}, but this has not been implemented"
                ),
            ));
        }
        let app: AppDeploy = serde_json::from_str(&settings)
            .map_err(|e| error("settings", ErrorKind::Malformed, e.to_string()))?;
        let name = app.service_name.ok_or_else(|| {
            error(
                "settings.service-name",
                ErrorKind::MissingField,
                "app-deploy needs a service-name".into(),
            )
        })?;
        let command = app.run_command.ok_or_else(|| {
            error(
                "settings.run-command",
                ErrorKind::MissingField,
                "app-deploy needs a run-command".into(),
            )
        })?;
        Ok(Program {
            name,
            kind: ProgramKind::Process,
            command,
            group: None,
            process_name: None,
            numprocs: None,
            numprocs_start: None,
            priority: None,
            autostart: Some(true),
            startsecs: Some(10),
            startretries: None,
            autorestart: Some(Autorestart::Always),
            exitcodes: Vec::new(),
            stopsignal: None,
            stopwaitsecs: None,
            stopasgroup: None,
            killasgroup: None,
            user: app.user,
            redirect_stderr: None,
            stdout: no_logging_options(),
            stderr: no_logging_options(),
            environment: app
                .port
                .map(|port| EnvVar {
                    name: "PORT".into(),
                    value: port.to_string(),
                })
                .into_iter()
                .collect(),
            directory: None,
            umask: None,
            serverurl: None,
            // A new artifact under the same command restarts the program.
            watch: artifact_paths(
                &app.artifacts,
                app.artifact_root.as_deref().unwrap_or("/opt"),
            )?,
        })
    }
}

/// The deployed paths of `artifacts`, absolute.
fn artifact_paths(artifacts: &serde_json::Value, root: &str) -> Result<Vec<String>, Error> {
    use serde_json::Value;
    let bad = |what: &str| {
        error(
            "settings.artifacts",
            ErrorKind::Malformed,
            format!(
                "{what}; artifacts are a list of paths or {{\"path\": ...}} entries, or a map from source to such lists"
            ),
        )
    };
    let entries: Vec<&Value> = match artifacts {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().collect(),
        Value::Object(sources) => {
            let mut entries = Vec::new();
            for list in sources.values() {
                let Value::Array(items) = list else {
                    return Err(bad("a source's artifacts are not a list"));
                };
                entries.extend(items);
            }
            entries
        }
        _ => return Err(bad("not a list or a map")),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = match entry {
            Value::String(path) => path.as_str(),
            Value::Object(fields) => fields
                .get("path")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("an artifact has no \"path\""))?,
            _ => return Err(bad("an artifact is neither a path nor an object")),
        };
        let absolute = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", root.trim_end_matches('/'))
        };
        if !paths.contains(&absolute) {
            paths.push(absolute);
        }
    }
    Ok(paths)
}

fn no_logging_options() -> StreamLog {
    StreamLog {
        logfile: None,
        logfile_maxbytes: None,
        logfile_backups: None,
        capture_maxbytes: None,
        events_enabled: None,
        syslog: None,
    }
}

fn error(field: &str, kind: ErrorKind, message: String) -> Error {
    Error {
        field: field.into(),
        kind,
        message,
    }
}

#[cfg(target_arch = "wasm32")]
bindings::export_facility!(AppDeployFacility with_types_in bindings);
