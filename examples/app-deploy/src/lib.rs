//! The seed README's `app-deploy` crate, as the facility component bundled
//! with every host. Its Clojure original:
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
//! and, beyond it, what app-deploy deploys: `port` (the program's `PORT`)
//! and the seed's `artifacts` (a list of paths or `{path}` entries, or a
//! map from source, such as `from-lein`, to such lists; relative paths lie
//! under `artifact-root`, `/opt` by default), which the program watches, so
//! a new artifact under the same command restarts it. The provider checks
//! what it returns with the rules of its own input.

use serde_json::{Value, json};
use supervisord_facility::{Error, ErrorKind, Program, Settings, error, facility};

/// This facility's name.
pub const FACILITY: &str = "app-deploy";

facility!(FACILITY, map);

fn map(s: &Settings) -> Result<Program, Error> {
    let port = match s.get("port") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some_and(|p| (1..=65535).contains(&p)) => {
            Some(json!({ "PORT": n.to_string() }))
        }
        Some(_) => {
            return Err(error(
                "port",
                ErrorKind::InvalidValue,
                "port is a number from 1 to 65535",
            ));
        }
    };
    let root = s
        .optional("artifact-root")?
        .unwrap_or_else(|| "/opt".into());
    let watch = artifact_paths(s.get("artifacts").unwrap_or(&Value::Null), &root)?;
    Ok(
        Program::new(s.required("service-name")?, s.required("run-command")?)
            .set("autostart", true)
            .set("autorestart", true)
            .set("startsecs", 10)
            .set_some("user", s.optional("user")?)
            .set_some("environment", port)
            .set_some("watch", (!watch.is_empty()).then_some(watch)),
    )
}

/// The deployed paths of `artifacts`, absolute, each once.
fn artifact_paths(artifacts: &Value, root: &str) -> Result<Vec<String>, Error> {
    let bad = |what: &str| {
        error(
            "artifacts",
            ErrorKind::InvalidValue,
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
