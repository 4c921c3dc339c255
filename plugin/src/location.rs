//! The location record: where a node's supervisord lives, written on the
//! node by the declaration that owns the daemon, so that declarations that
//! only add programs, and service actions, find it without its settings.
//!
//! It is text, one `kind TAB value` line each (the facts script follows
//! the probe lines, `path`, `listing`, `pid-file`, `socket` and `record`,
//! in the same round trip):
//!
//! ```text
//! # supervisord-crate: where this node's supervisord lives
//! owner           the scope that owns the daemon
//! config-sha256   the hash of the supervisord.conf it renders
//! path/listing/…  what a declaration must read about it
//! settings        its merged settings as JSON, without secrets
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use crate::bindings::{Declaration, Error, ErrorKind, NodeFacts};
use crate::error::at;
use crate::facts::Facts;
use crate::layout::under;
use crate::plan::sha256_hex;
use crate::render::supervisord_conf;
use crate::scope;
use crate::settings::{Resolved, Target};

/// Where the record lives under a node root: root's own state directory,
/// which only root writes.
pub fn path(root: &str) -> String {
    under(root, "/var/lib/supervisord-crate/location")
}

/// Root's private run-time directory (mode 0700, a tmpfs `/run` on a
/// real node): the locks of applies and the records of watched paths.
pub fn run_dir(root: &str) -> String {
    under(root, "/run/supervisord-crate")
}

/// The lock of the scripts that change the supervisord of `config`, named
/// after the configuration so that sandboxes on one machine do not share
/// it.
pub fn lock_path(root: &str, config: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(config.as_bytes()));
    format!("{}/lock.{}", run_dir(root), &digest[..16])
}

/// A location record read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The scope that owns the daemon.
    pub owner: String,
    /// The hash of the supervisord.conf the owner renders.
    pub config_sha256: String,
    /// The owner's merged settings, without secrets.
    pub settings: Value,
}

/// The record's content for `resolved`, owned by `owner`.
pub fn render(resolved: &Resolved, owner: &str) -> String {
    let p = &resolved.settings.paths;
    let mut text = String::from("# supervisord-crate: where this node's supervisord lives\n");
    let mut line = |kind: &str, value: &str| {
        text.push_str(kind);
        text.push('\t');
        text.push_str(value);
        text.push('\n');
    };
    line("owner", owner);
    line("config-sha256", &sha256_hex(&supervisord_conf(resolved)));
    line("path", &p.config);
    line("path", &p.include_dir);
    line("listing", &p.include_dir);
    line("pid-file", &p.pidfile);
    line("socket", &p.socket);
    line("record", &crate::plan::applied_record_path(resolved));
    line("settings", &public_settings(&resolved.merged).to_string());
    text
}

/// Merged settings without what is secret (the HTTP password, the daemon's
/// environment): what other declarations may read.
pub fn public_settings(merged: &Value) -> Value {
    let mut value = merged.clone();
    if let Some(http) = value.get_mut("http").and_then(Value::as_object_mut) {
        http.remove("password");
    }
    if let Some(daemon) = value.get_mut("supervisord").and_then(Value::as_object_mut) {
        daemon.remove("environment");
    }
    value
}

fn unreadable(message: impl Into<String>) -> Error {
    at("facts.location", ErrorKind::Malformed, message)
}

/// The node's record, if the facts hold one. The record is the node's
/// word: anything but exactly the lines above is refused.
pub fn read(facts: &NodeFacts) -> Result<Option<Location>, Error> {
    let Some(text) = Facts::new(facts).record(&path(&facts.root)) else {
        return Ok(None);
    };
    let mut fields: BTreeMap<&str, &str> = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let Some((kind, value)) = line.split_once('\t') else {
            return Err(unreadable(format!(
                "the location record has a line {line:?}"
            )));
        };
        match kind {
            "path" | "listing" | "pid-file" | "socket" | "record" => {}
            "owner" | "config-sha256" | "settings" => {
                if fields.insert(kind, value).is_some() {
                    return Err(unreadable(format!("the location record has {kind} twice")));
                }
            }
            other => {
                return Err(unreadable(format!(
                    "the location record has an unknown line kind {other:?}"
                )));
            }
        }
    }
    let field = |kind: &str| {
        fields
            .get(kind)
            .copied()
            .ok_or_else(|| unreadable(format!("the location record has no {kind}")))
    };
    let owner = field("owner")?;
    scope::check_name("facts.location.owner", owner)?;
    let settings: Value = serde_json::from_str(field("settings")?)
        .map_err(|e| unreadable(format!("the location record's settings: {e}")))?;
    if !settings.is_object() {
        return Err(unreadable(
            "the location record's settings are not an object",
        ));
    }
    Ok(Some(Location {
        owner: owner.to_string(),
        config_sha256: field("config-sha256")?.to_string(),
        settings,
    }))
}

/// Settings resolved from the node's record, for a declaration that only
/// adds programs, or a service action that names no settings.
pub fn resolve(location: &Location, facts: &NodeFacts) -> Result<Resolved, Error> {
    Resolved::from_merged(location.settings.clone(), &Target::from_facts(facts)).map_err(|e| {
        unreadable(format!(
            "the location record's settings are unusable: {}: {}",
            e.field, e.message
        ))
    })
}

/// Where a daemon-owning declaration stands towards the node's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// It owns the daemon: nobody recorded it, or this scope did, or it
    /// takes it over (`exclusive`). It writes the record.
    Owner,
    /// Another scope owns it and wants exactly the same daemon: this one
    /// shares it and leaves the record (and the unit's drop-in) alone.
    Shares(String),
}

/// Whether `declaration` may own the daemon `resolved` describes, given
/// the node's record: a recorded owner of another scope that wants another
/// daemon is a conflict, naming that scope and the first setting that
/// differs.
pub fn standing(
    declaration: &Declaration,
    resolved: &Resolved,
    facts: &NodeFacts,
) -> Result<Standing, Error> {
    let Some(location) = read(facts)? else {
        return Ok(Standing::Owner);
    };
    let me = scope::name_of(declaration);
    if location.owner == me || declaration.exclusive {
        return Ok(Standing::Owner);
    }
    let mine = public_settings(&resolved.merged);
    let same_conf = location.config_sha256 == sha256_hex(&supervisord_conf(resolved));
    if same_conf && mine == location.settings {
        return Ok(Standing::Shares(location.owner));
    }
    let (field, detail) = match first_difference("settings", &location.settings, &mine) {
        Some(path) => (path, "differs"),
        None => (
            "settings".to_string(),
            "differs in a secret setting (http.password or supervisord.environment)",
        ),
    };
    Err(at(
        field.clone(),
        ErrorKind::Conflict,
        format!(
            "the supervisord at {} is owned by scope {}, whose {field} {detail}; use the same settings, declare role programs, or take it over with exclusive",
            resolved.settings.paths.config, location.owner
        ),
    ))
}

/// The first key path where two JSON values differ.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|key| {
                let child = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(&child, x, y),
                    _ => Some(child),
                }
            })
        }
        _ if a == b => None,
        _ => Some(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_difference_is_named_by_its_key_path() {
        let a = json!({"install": {"strategy": "pip"}, "supervisord": {"loglevel": "info"}});
        let b = json!({"install": {"strategy": "pip"}, "supervisord": {"loglevel": "debug"}});
        assert_eq!(
            first_difference("settings", &a, &b).as_deref(),
            Some("settings.supervisord.loglevel")
        );
        assert_eq!(first_difference("settings", &a, &a), None);
        let c = json!({"install": {"strategy": "pip"}});
        assert_eq!(
            first_difference("settings", &a, &c).as_deref(),
            Some("settings.supervisord")
        );
    }

    #[test]
    fn secrets_stay_out_of_the_record() {
        let merged = json!({"http": {"bind": "0.0.0.0:9001", "username": "u", "password": "p4ss"},
                            "supervisord": {"loglevel": "info", "environment": {"TOKEN": "t0ken"}}});
        let public = public_settings(&merged).to_string();
        assert!(
            !public.contains("p4ss") && !public.contains("t0ken"),
            "{public}"
        );
        assert!(public.contains("0.0.0.0:9001"), "{public}");
    }
}
