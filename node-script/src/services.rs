//! What every host does with a declaration's services before it touches a
//! node, done once here: services read and defaulted (`requests`), the
//! programs they were mapped to collected, and every error placed at the
//! service a person wrote (`services.<key>.settings.<field>`).

use serde_json::{Map, Value};

use crate::bindings::{Error, ErrorKind, Program, ServiceRequest};

/// The keys a service may have.
const SERVICE_KEYS: [&str; 3] = ["facility", "settings", "supervisor"];

fn at(field: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        field: field.into(),
        kind,
        message: message.into(),
    }
}

/// Reads a declaration's services into mapping requests, in key order.
pub fn requests(provider: &str, services: &str) -> Result<Vec<ServiceRequest>, Error> {
    let text = if services.trim().is_empty() {
        "{}"
    } else {
        services
    };
    let services: Value = serde_json::from_str(text)
        .map_err(|e| at("services", ErrorKind::Malformed, format!("not JSON: {e}")))?;
    let Value::Object(services) = services else {
        return Err(at(
            "services",
            ErrorKind::Malformed,
            "must be a JSON object of services by name",
        ));
    };
    let mut requests = Vec::with_capacity(services.len());
    for (key, service) in services {
        requests.push(request(provider, &key, service)?);
    }
    Ok(requests)
}

fn request(provider: &str, key: &str, service: Value) -> Result<ServiceRequest, Error> {
    let field = |rest: &str| format!("services.{key}{rest}");
    let Value::Object(mut service) = service else {
        return Err(at(
            field(""),
            ErrorKind::Malformed,
            "a service is an object with settings (and optionally facility and supervisor)",
        ));
    };
    if let Some(unknown) = service.keys().find(|k| !SERVICE_KEYS.contains(&k.as_str())) {
        return Err(at(
            field(&format!(".{unknown}")),
            ErrorKind::UnknownField,
            match did_you_mean::closest(unknown, SERVICE_KEYS) {
                Some(key) => format!("unknown key {unknown:?}; did you mean {key:?}?"),
                None => format!(
                    "unknown key {unknown:?}; a service has {}",
                    SERVICE_KEYS.join(", ")
                ),
            },
        ));
    }
    let mut text = |name: &str, default: &str| match service.remove(name) {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(at(
            field(&format!(".{name}")),
            ErrorKind::Malformed,
            "must be a string",
        )),
    };
    let facility = text("facility", "generic")?;
    let supervisor = text("supervisor", provider)?;
    if supervisor != provider {
        return Err(at(
            field(".supervisor"),
            ErrorKind::NotImplemented,
            format!(
                "{supervisor} supervisor requested for {facility}, but the provider here is {provider}"
            ),
        ));
    }
    let mut settings = match service.remove("settings") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(object)) => object,
        Some(_) => {
            return Err(at(
                field(".settings"),
                ErrorKind::Malformed,
                "must be an object of the facility's settings",
            ));
        }
    };
    settings
        .entry("service-name")
        .or_insert_with(|| Value::String(key.to_string()));
    Ok(ServiceRequest {
        key: key.to_string(),
        facility,
        supervisor,
        settings: Value::Object(settings).to_string(),
    })
}

/// The programs the requests were mapped to: the first mapping error,
/// placed at its service.
pub fn programs(
    requests: &[ServiceRequest],
    mapped: Vec<Result<Program, Error>>,
) -> Result<Vec<Program>, Error> {
    if mapped.len() != requests.len() {
        return Err(at(
            "mapped",
            ErrorKind::InvalidValue,
            format!(
                "{} mappings for {} requests; map every request, in order",
                mapped.len(),
                requests.len()
            ),
        ));
    }
    requests
        .iter()
        .zip(mapped)
        .map(|(request, result)| result.map_err(|error| at_request(&request.key, error)))
        .collect()
}

/// An error from mapping the service `key`, placed under it.
fn at_request(key: &str, error: Error) -> Error {
    let field = &error.field;
    let placed = if let Some((_, rest)) = program_field(field) {
        format!("services.{key}.settings{}", settings_key(rest))
    } else if field == "supervisor" || field == "facility" {
        format!("services.{key}.facility")
    } else if field == "settings"
        || field.starts_with("settings.")
        || field.starts_with("settings[")
    {
        format!("services.{key}.{field}")
    } else if field.is_empty() {
        format!("services.{key}")
    } else {
        format!("services.{key}.settings.{field}")
    };
    Error {
        field: placed,
        ..error
    }
}

/// `programs[<id>]<rest>` as (id, rest).
fn program_field(field: &str) -> Option<(&str, &str)> {
    let inner = field.strip_prefix("programs[")?;
    let (id, rest) = inner.split_once(']')?;
    Some((id, rest))
}

/// The settings path of a program field (`.stdout.logfile`), spelt as the
/// generic facility's form spells its key (`.stdout-logfile`); the name is
/// where the service set `service-name`.
fn settings_key(rest: &str) -> String {
    match rest.strip_prefix('.') {
        Some(path) => format!(".{}", program_keys::form_key(path)),
        None => rest.to_string(),
    }
}

/// `error` placed at the service whose program it names.
pub fn service_error(requests: &[ServiceRequest], programs: &[Program], error: Error) -> Error {
    let Some((id, rest)) = program_field(&error.field) else {
        return error;
    };
    // Programs are named by name, or by index where the name itself is bad.
    let index = programs
        .iter()
        .position(|p| p.name == id)
        .or_else(|| id.parse::<usize>().ok().filter(|i| *i < programs.len()));
    match index.and_then(|i| requests.get(i)) {
        Some(request) => Error {
            field: format!("services.{}.settings{}", request.key, settings_key(rest)),
            ..error
        },
        None => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_read_with_their_defaults_in_key_order() {
        let requests = requests(
            "supervisord",
            r#"{"web": {"settings": {"command": "x"}}, "api": {"facility": "app-deploy", "settings": {"service-name": "api2"}}}"#,
        )
        .unwrap();
        assert_eq!(requests[0].key, "api");
        assert_eq!(requests[0].facility, "app-deploy");
        assert_eq!(requests[0].settings, r#"{"service-name":"api2"}"#);
        assert_eq!(requests[1].key, "web");
        assert_eq!(requests[1].facility, "generic");
        assert_eq!(requests[1].supervisor, "supervisord");
        assert_eq!(
            requests[1].settings,
            r#"{"command":"x","service-name":"web"}"#
        );
    }

    #[test]
    fn bad_services_are_refused_naming_the_field() {
        for (services, field, kind) in [
            (r#"[]"#, "services", ErrorKind::Malformed),
            (r#"{"web"#, "services", ErrorKind::Malformed),
            (r#"{"web": 3}"#, "services.web", ErrorKind::Malformed),
            (
                r#"{"web": {"setings": {}}}"#,
                "services.web.setings",
                ErrorKind::UnknownField,
            ),
            (
                r#"{"web": {"supervisor": "runit"}}"#,
                "services.web.supervisor",
                ErrorKind::NotImplemented,
            ),
            (
                r#"{"web": {"settings": []}}"#,
                "services.web.settings",
                ErrorKind::Malformed,
            ),
            (
                r#"{"web": {"facility": 1}}"#,
                "services.web.facility",
                ErrorKind::Malformed,
            ),
        ] {
            let error = requests("supervisord", services).unwrap_err();
            assert_eq!(
                (error.field.as_str(), error.kind),
                (field, kind),
                "{services}"
            );
        }
    }

    #[test]
    fn a_misspelt_service_key_gets_the_closest_one_suggested() {
        let error = requests("supervisord", r#"{"web": {"setings": {}}}"#).unwrap_err();
        assert_eq!(error.field, "services.web.setings");
        assert_eq!(
            error.message,
            r#"unknown key "setings"; did you mean "settings"?"#
        );
        let error = requests("supervisord", r#"{"web": {"colour": 1}}"#).unwrap_err();
        assert!(
            error
                .message
                .contains("a service has facility, settings, supervisor"),
            "{error:?}"
        );
    }

    #[test]
    fn errors_are_placed_at_the_service_that_set_the_field() {
        let error = |field: &str| Error {
            field: field.into(),
            kind: ErrorKind::InvalidValue,
            message: "m".into(),
        };
        for (from, to) in [
            ("programs[web].name", "services.k.settings.service-name"),
            ("programs[web].user", "services.k.settings.user"),
            (
                "programs[web].environment[PATH]",
                "services.k.settings.environment[PATH]",
            ),
            ("programs[web]", "services.k.settings"),
            ("settings.command", "services.k.settings.command"),
            ("facility", "services.k.facility"),
            ("run-command", "services.k.settings.run-command"),
            ("", "services.k"),
        ] {
            assert_eq!(at_request("k", error(from)).field, to, "{from}");
        }
    }
}
