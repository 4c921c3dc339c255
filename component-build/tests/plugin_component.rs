//! The plugin builds into a component that exports the provider interface
//! and imports nothing.

use component_build::{PLUGIN, Workspace};
use wit_component::DecodedWasm;
use wit_parser::{WorldItem, WorldKey};

#[test]
fn plugin_component_exports_the_provider_and_imports_nothing() {
    let workspace = Workspace::from_member(env!("CARGO_MANIFEST_DIR").as_ref(), None);
    let path = workspace.build(&PLUGIN).expect("the plugin builds");
    let bytes = std::fs::read(&path).unwrap();
    let DecodedWasm::Component(resolve, world) = wit_component::decode(&bytes).unwrap() else {
        panic!("{} is not a component", path.display());
    };
    let world = &resolve.worlds[world];

    let imported_functions: Vec<String> = world
        .imports
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } if !resolve.interfaces[*id].functions.is_empty() => {
                Some(resolve.name_world_key(key))
            }
            WorldItem::Function(f) => Some(f.name.clone()),
            _ => None,
        })
        .collect();
    assert!(
        imported_functions.is_empty(),
        "imports: {imported_functions:?}"
    );

    let (key, item) = world.exports.iter().next().expect("one export");
    let WorldItem::Interface { id, .. } = item else {
        panic!("export is not an interface")
    };
    assert!(matches!(key, WorldKey::Interface(_)));
    assert_eq!(
        resolve.name_world_key(key),
        "supervisord-crate:supervision/supervision-provider@0.1.0"
    );
    let mut functions: Vec<&str> = resolve.interfaces[*id]
        .functions
        .keys()
        .map(String::as_str)
        .collect();
    functions.sort();
    assert_eq!(
        functions,
        [
            "check-programs",
            "config-map",
            "configure-plan",
            "install-plan",
            "probes",
            "register-provider",
            "service-plan"
        ]
    );
    println!("{}: {} bytes", path.display(), bytes.len());
}
