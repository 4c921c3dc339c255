//! Facility components in a few lines: [`facility!`] exports a mapping
//! from a service's settings to a [`Program`], in the generic facility's
//! form (a JSON object of supervisord's program keys in kebab-case).
//!
//! The provider reads what a facility returns with the rules it applies to
//! its own input, so a facility never has to know them; this crate only
//! shapes JSON and speaks the facility world.

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "facility",
        pub_export_macro: true,
        export_macro_name: "export_facility",
        default_bindings_module: "supervisord_facility::bindings",
        additional_derives: [PartialEq, Eq],
    });
}

use serde_json::{Map, Value};

pub use bindings::exports::supervisord_crate::facility::config_mapper::{Error, ErrorKind};

/// The one supervisor a facility maps programs for here.
pub const SUPERVISOR: &str = "supervisord";

/// A service's settings, as the spec gave them (with `service-name`
/// defaulting to the service's key).
pub struct Settings(Map<String, Value>);

impl Settings {
    /// Reads settings JSON.
    pub fn parse(text: &str) -> Result<Settings, Error> {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Ok(Settings(map)),
            _ => Err(error(
                "",
                ErrorKind::InvalidValue,
                "settings are not a JSON object",
            )),
        }
    }

    /// The text setting `key`, which must be there.
    pub fn required(&self, key: &str) -> Result<String, Error> {
        self.optional(key)?
            .ok_or_else(|| error(key, ErrorKind::MissingField, format!("{key} is required")))
    }

    /// The text setting `key`, if it is there.
    pub fn optional(&self, key: &str) -> Result<Option<String>, Error> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(error(
                key,
                ErrorKind::InvalidValue,
                format!("{key} must be text"),
            )),
        }
    }

    /// Any setting, as JSON.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }
}

/// A program in the generic facility's form.
#[derive(Debug, Clone, PartialEq)]
pub struct Program(Map<String, Value>);

impl Program {
    /// A program named `name` that runs `command`.
    pub fn new(name: impl Into<String>, command: impl Into<String>) -> Program {
        Program(Map::new())
            .set("service-name", name.into())
            .set("command", command.into())
    }

    /// Sets a program key (`autostart`, `startsecs`, `environment`, ...).
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Program {
        self.0.insert(key.to_string(), value.into());
        self
    }

    /// Sets a program key when `value` is there.
    pub fn set_some<V: Into<Value>>(self, key: &str, value: Option<V>) -> Program {
        match value {
            Some(value) => self.set(key, value),
            None => self,
        }
    }

    /// The program as the facility world returns it.
    pub fn to_json(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

/// A refusal about the setting `field`.
pub fn error(field: &str, kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        field: field.to_string(),
        kind,
        message: message.into(),
    }
}

/// What [`facility!`] runs for each call: the seed's refusal of other
/// supervisors, the settings read, then the mapping.
pub fn config_map(
    facility: &str,
    supervisor: &str,
    settings: &str,
    map: impl Fn(&Settings) -> Result<Program, Error>,
) -> Result<String, Error> {
    if supervisor != SUPERVISOR {
        return Err(error(
            "",
            ErrorKind::NotImplemented,
            format!(
                "{supervisor} supervisor requested for {facility}, but this has not been implemented"
            ),
        ));
    }
    Ok(map(&Settings::parse(settings)?)?.to_json())
}

/// Exports a facility named `$name` whose mapping is `$map`, a
/// `Fn(&Settings) -> Result<Program, Error>`.
#[macro_export]
macro_rules! facility {
    ($name:expr, $map:expr) => {
        #[doc(hidden)]
        pub struct __Facility;

        impl $crate::bindings::exports::supervisord_crate::facility::config_mapper::Guest
            for __Facility
        {
            fn facility_name() -> String {
                $name.to_string()
            }

            fn config_map(supervisor: String, settings: String) -> Result<String, $crate::Error> {
                let map: fn(&$crate::Settings) -> Result<$crate::Program, $crate::Error> = $map;
                $crate::config_map($name, &supervisor, &settings, map)
            }
        }

        #[cfg(target_arch = "wasm32")]
        $crate::bindings::export_facility!(__Facility);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_the_keys_set_and_errors_name_the_setting() {
        let map = |s: &Settings| {
            Ok(
                Program::new(s.required("service-name")?, s.required("run-command")?)
                    .set("startsecs", 10)
                    .set_some("user", s.optional("user")?),
            )
        };
        let out = config_map(
            "app",
            "supervisord",
            r#"{"service-name": "a", "run-command": "run"}"#,
            map,
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"command":"run","service-name":"a","startsecs":10}"#
        );
        let missing =
            config_map("app", "supervisord", r#"{"service-name": "a"}"#, map).unwrap_err();
        assert_eq!(
            (missing.field.as_str(), missing.kind),
            ("run-command", ErrorKind::MissingField)
        );
        let other = config_map("app", "runit", "{}", map).unwrap_err();
        assert_eq!(other.kind, ErrorKind::NotImplemented);
        assert!(other.message.contains("has not been implemented"));
    }
}
