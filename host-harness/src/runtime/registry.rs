//! Providers by name, facilities by name, and the seed's `config-map`
//! dispatch on `[facility supervisor]`.

use super::bindings::{ErrorKind, FacilityErrorKind, Grant, Program, WitError};
use super::{FacilityPlugin, NodeScriptPlugin, PluginError, ProviderPlugin};

/// A facility component and what the spec lets it do.
pub struct LoadedFacility {
    /// The component.
    pub plugin: FacilityPlugin,
    /// Where it came from: `bundled`, or its path.
    pub origin: String,
    /// What its programs may do; `None` for the bundled ones (the build
    /// pins them).
    pub grant: Option<Grant>,
}

/// Every loaded plugin.
#[derive(Default)]
pub struct Registry {
    providers: Vec<ProviderPlugin>,
    facilities: Vec<LoadedFacility>,
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
    pub fn add_facility(&mut self, facility: LoadedFacility) {
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
    pub fn facilities(&self) -> &[LoadedFacility] {
        &self.facilities
    }

    /// Maps a service of `facility`, supervised by `supervisor`, to a
    /// program: facility components first (their program read by the
    /// provider and held to their grant), then the provider's own
    /// mapping, else the seed's "has not been implemented".
    pub fn config_map(
        &self,
        facility: &str,
        supervisor: &str,
        settings: &str,
    ) -> Result<Program, MapError> {
        let provider = self.provider(supervisor);
        for loaded in self
            .facilities
            .iter()
            .filter(|f| f.plugin.name() == facility)
        {
            match loaded.plugin.config_map(supervisor, settings)? {
                Ok(json) => {
                    let Some(provider) = provider else { break };
                    return provider
                        .facility_program(facility, &json, loaded.grant.as_ref())?
                        .map_err(MapError::Input);
                }
                Err(error) if error.kind == FacilityErrorKind::NotImplemented => continue,
                Err(error) => {
                    return Err(MapError::Input(WitError {
                        field: error.field,
                        kind: match error.kind {
                            FacilityErrorKind::MissingField => ErrorKind::MissingField,
                            _ => ErrorKind::InvalidValue,
                        },
                        message: error.message,
                    }));
                }
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
        let Some(provider) = provider else {
            return Err(not_implemented());
        };
        match provider.config_map(facility, settings)? {
            Ok(program) => Ok(program),
            Err(error) if error.kind == ErrorKind::NotImplemented => Err(not_implemented()),
            Err(error) => Err(MapError::Input(error)),
        }
    }
}
