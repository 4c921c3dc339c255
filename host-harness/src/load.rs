//! The registry a command runs with: the bundled components (pinned by the
//! build), then the spec's, then the command line's. A third-party
//! component loads only when its bytes have the digest it is pinned to, or
//! when the spec (or `--accept-unpinned`) accepts it unpinned by name; a
//! facility carries the spec's grant into every program it maps.

use crate::runtime::bindings::Grant;
use crate::runtime::{
    BUNDLED_FACILITY, BUNDLED_NODE_SCRIPT, BUNDLED_PROVIDER, FacilityPlugin, LoadedFacility,
    NodeScriptPlugin, PluginError, ProviderPlugin, Registry, Runtime, digest,
};
use crate::spec::{ComponentRef, Spec, SpecError};

/// Why the registry could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A component is not the one the spec pinned, or is unpinned and not
    /// accepted: nothing is touched.
    #[error(transparent)]
    Pin(#[from] SpecError),
    /// A component's file could not be read.
    #[error("reading {kind} {path}: {source}")]
    Read {
        /// `provider` or `facility`.
        kind: &'static str,
        /// Its path.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
    /// A component did not load.
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

/// The third-party components of one command and what it accepts unpinned.
#[derive(Debug, Default)]
pub struct Wanted<'a> {
    /// Providers, in load order.
    pub providers: Vec<&'a ComponentRef>,
    /// Facilities, in load order (later ones are consulted first).
    pub facilities: Vec<&'a ComponentRef>,
    /// Names of components that may load unpinned.
    pub accept_unpinned: Vec<&'a str>,
}

impl<'a> Wanted<'a> {
    /// The spec's components, then the command line's.
    pub fn of(
        spec: Option<&'a Spec>,
        providers: &'a [ComponentRef],
        facilities: &'a [ComponentRef],
        accept_unpinned: &'a [String],
    ) -> Wanted<'a> {
        let mut wanted = Wanted::default();
        if let Some(spec) = spec {
            wanted.providers.extend(&spec.providers);
            wanted.facilities.extend(&spec.facilities);
            wanted
                .accept_unpinned
                .extend(spec.accept_unpinned.iter().map(String::as_str));
        }
        wanted.providers.extend(providers);
        wanted.facilities.extend(facilities);
        wanted
            .accept_unpinned
            .extend(accept_unpinned.iter().map(String::as_str));
        wanted
    }
}

/// Loads the bundled components, then every wanted one, pins checked.
pub fn registry(runtime: &Runtime, wanted: &Wanted<'_>) -> Result<Registry, LoadError> {
    let mut registry = Registry::new();
    registry.set_node_script(NodeScriptPlugin::load(
        runtime,
        "bundled",
        BUNDLED_NODE_SCRIPT,
    )?);
    registry.add_provider(ProviderPlugin::load(runtime, "bundled", BUNDLED_PROVIDER)?);
    registry.add_facility(LoadedFacility {
        plugin: FacilityPlugin::load(runtime, "bundled", BUNDLED_FACILITY)?,
        origin: "bundled".to_string(),
        grant: None,
    });
    for wanted_provider in &wanted.providers {
        let bytes = pinned_bytes("provider", wanted_provider)?;
        let label = wanted_provider.path.display().to_string();
        let provider = ProviderPlugin::load(runtime, &label, &bytes)?;
        accepted(
            wanted,
            wanted_provider,
            "provider",
            &provider.info().name,
            provider.digest(),
        )?;
        registry.add_provider(provider);
    }
    for wanted_facility in &wanted.facilities {
        let bytes = pinned_bytes("facility", wanted_facility)?;
        let origin = wanted_facility.path.display().to_string();
        let plugin = FacilityPlugin::load(runtime, &origin, &bytes)?;
        accepted(
            wanted,
            wanted_facility,
            "facility",
            plugin.name(),
            plugin.digest(),
        )?;
        let grant = wanted_facility.grant.clone().unwrap_or_default();
        registry.add_facility(LoadedFacility {
            plugin,
            origin,
            grant: Some(Grant {
                users: grant.users,
                paths: grant.paths,
                environment: grant.environment,
            }),
        });
    }
    Ok(registry)
}

/// The component's bytes, refused unless they have its pinned digest.
fn pinned_bytes(kind: &'static str, component: &ComponentRef) -> Result<Vec<u8>, LoadError> {
    let bytes = std::fs::read(&component.path).map_err(|source| LoadError::Read {
        kind,
        path: component.path.display().to_string(),
        source,
    })?;
    if let Some(pinned) = &component.sha256 {
        let actual = digest(&bytes);
        if &actual != pinned {
            return Err(component
                .origin
                .error(format!(
                    "{kind} {} has sha256 {actual}, but it is pinned to {pinned}; nothing was loaded or touched",
                    component.path.display()
                ))
                .into());
        }
    }
    Ok(bytes)
}

/// Refuses an unpinned component the command does not accept by name.
fn accepted(
    wanted: &Wanted<'_>,
    component: &ComponentRef,
    kind: &str,
    name: &str,
    digest: &str,
) -> Result<(), LoadError> {
    if component.sha256.is_some() || wanted.accept_unpinned.contains(&name) {
        return Ok(());
    }
    Err(component
        .origin
        .error(format!(
            "{kind} {name} ({}) is not pinned: give its sha256 (`sha256 = \"{digest}\"`), or accept it unpinned with `accept-unpinned = [\"{name}\"]` (--accept-unpinned {name})",
            component.path.display(),
        ))
        .into())
}
