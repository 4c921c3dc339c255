//! A provider's typed error placed in the spec: the line that set the
//! field. The provider names services (`services.<key>.settings.<field>`),
//! settings (`settings.<field>`) and the declaration (`declaration.scope`);
//! this finds which group of a job wrote them.

use super::Prepared;
use crate::runtime::bindings::WitError;
use crate::spec::{Group, GroupRole, Location, Spec, SpecError, field_keys};

/// An error about one group's services or settings.
pub fn locate_services(spec: &Spec, group: &Group, error: &WitError) -> SpecError {
    at_keys(spec, Some(group), error)
}

/// An error about a job: at the group that declared the service, or owns
/// the settings, it names.
pub fn locate(spec: &Spec, prepared: &Prepared<'_>, error: &WitError) -> SpecError {
    let keys = field_keys(&error.field);
    let group = match keys.first().map(String::as_str) {
        Some("services") => keys.get(1).and_then(|key| {
            prepared
                .requests
                .iter()
                .position(|r| r.key == *key)
                .map(|index| prepared.groups[prepared.origins[index]])
        }),
        Some("settings") => prepared
            .groups
            .iter()
            .copied()
            .find(|g| g.role == GroupRole::Daemon),
        _ => None,
    };
    at_keys(spec, group.or(prepared.groups.first().copied()), error)
}

fn at_keys(spec: &Spec, group: Option<&Group>, error: &WitError) -> SpecError {
    let keys = field_keys(&error.field);
    let mut path: Vec<String> = Vec::new();
    match (keys.first().map(String::as_str), group) {
        (Some("declaration"), _) => path.push(keys.get(1).cloned().unwrap_or_default()),
        (Some("services" | "settings"), Some(group)) => {
            path.extend(["groups".to_string(), group.name.clone()]);
            path.extend(keys.iter().cloned());
        }
        (_, Some(group)) => {
            path.extend(["groups".to_string(), group.name.clone(), "services".into()]);
        }
        (_, None) => {}
    }
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    SpecError {
        location: Location::of_keys(&spec.path, &spec.source, &refs),
        message: format!("{}: {}", error.field, error.message),
    }
}
