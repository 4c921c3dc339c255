//! Providers by name, facilities by name, and the seed's `config-map`
//! dispatch on `[facility supervisor]`.

use super::bindings::{ErrorKind, Program, WitError};
use super::{FacilityPlugin, NodeScriptPlugin, PluginError, ProviderPlugin};

/// Every loaded plugin.
#[derive(Default)]
pub struct Registry {
    providers: Vec<ProviderPlugin>,
    facilities: Vec<FacilityPlugin>,
    node_script: Option<NodeScriptPlugin>,
}

/// Why a service could not be mapped to a program.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The plugin answered with a typed error about the input.
    #[error("{}: {}", .0.field, .0.message)]
    Input(WitError),
    /// A plugin failed.
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a provider; a later provider with the same name replaces an
    /// earlier one (so `--provider` can override the bundled plugin).
    pub fn add_provider(&mut self, provider: ProviderPlugin) {
        self.providers
            .retain(|p| p.info().name != provider.info().name);
        self.providers.push(provider);
    }

    /// Adds a facility; later ones are consulted first.
    pub fn add_facility(&mut self, facility: FacilityPlugin) {
        self.facilities.insert(0, facility);
    }

    /// Sets the node-script component (one per registry).
    pub fn set_node_script(&mut self, node_script: NodeScriptPlugin) {
        self.node_script = Some(node_script);
    }

    /// The node-script component, if one is loaded.
    pub fn node_script(&self) -> Option<&NodeScriptPlugin> {
        self.node_script.as_ref()
    }

    /// The provider named `name`.
    pub fn provider(&self, name: &str) -> Option<&ProviderPlugin> {
        self.providers.iter().find(|p| p.info().name == name)
    }

    /// Every provider.
    pub fn providers(&self) -> &[ProviderPlugin] {
        &self.providers
    }

    /// Every facility.
    pub fn facilities(&self) -> &[FacilityPlugin] {
        &self.facilities
    }

    /// Maps a service of `facility`, supervised by `supervisor`, to a
    /// program: facility components first, then the provider's own
    /// mapping, else the seed's "has not been implemented".
    pub fn config_map(
        &self,
        facility: &str,
        supervisor: &str,
        settings: &str,
    ) -> Result<Program, MapError> {
        for component in self.facilities.iter().filter(|f| f.name() == facility) {
            match component.config_map(supervisor, settings)? {
                Ok(program) => return Ok(program),
                Err(error) if error.kind == ErrorKind::NotImplemented => continue,
                Err(error) => return Err(MapError::Input(error)),
            }
        }
        let not_implemented = || {
            MapError::Input(WitError {
                field: "supervisor".into(),
                kind: ErrorKind::NotImplemented,
                message: format!(
                    "{supervisor} supervisor requested for {facility}, but this has not been implemented"
                ),
            })
        };
        let Some(provider) = self.provider(supervisor) else {
            return Err(not_implemented());
        };
        match provider.config_map(facility, settings)? {
            Ok(program) => Ok(program),
            Err(error) if error.kind == ErrorKind::NotImplemented => Err(not_implemented()),
            Err(error) => Err(MapError::Input(error)),
        }
    }
}
