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
    // app-deploy settings about artifacts and the like are not ours.
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
        })
    }
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
