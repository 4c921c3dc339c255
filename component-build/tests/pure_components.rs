//! The pure components (the supervisord provider, the node-script
//! component and the app-deploy facility) build, export exactly their interface and import nothing.

use component_build::{APP_DEPLOY, Guest, NODE_SCRIPT, PLUGIN, Workspace};
use wit_component::DecodedWasm;
use wit_parser::{WorldItem, WorldKey};

fn check(guest: &Guest, interface: &str, functions: &[&str]) {
    let workspace = Workspace::from_member(env!("CARGO_MANIFEST_DIR").as_ref(), None);
    let path = workspace.build(guest).expect("the guest builds");
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
        "{}: imports {imported_functions:?}",
        guest.component
    );

    let exports: Vec<_> = world.exports.iter().collect();
    assert_eq!(exports.len(), 1, "{}: one export", guest.component);
    let (key, item) = exports[0];
    let WorldItem::Interface { id, .. } = item else {
        panic!("export is not an interface")
    };
    assert!(matches!(key, WorldKey::Interface(_)));
    assert_eq!(resolve.name_world_key(key), interface);
    let mut exported: Vec<&str> = resolve.interfaces[*id]
        .functions
        .keys()
        .map(String::as_str)
        .collect();
    exported.sort();
    assert_eq!(exported, functions, "{}", guest.component);
    println!("{}: {} bytes", path.display(), bytes.len());
}

#[test]
fn the_provider_exports_its_interface_and_imports_nothing() {
    check(
        &PLUGIN,
        "supervisord-crate:supervision/supervision-provider@0.3.0",
        &[
            "check-programs",
            "config-map",
            "configure-plan",
            "facility-program",
            "install-plan",
            "probes",
            "register-provider",
            "service-plan",
        ],
    );
}

#[test]
fn the_node_script_component_exports_its_interface_and_imports_nothing() {
    check(
        &NODE_SCRIPT,
        "supervisord-crate:supervision/node-script@0.3.0",
        &[
            "apply-script",
            "converge-plan",
            "facts-script",
            "logs-script",
            "parse-facts",
            "parse-report",
            "programs",
            "requests",
            "service-error",
        ],
    );
}

#[test]
fn the_app_deploy_facility_exports_the_facility_world_and_imports_nothing() {
    check(
        &APP_DEPLOY,
        "supervisord-crate:facility/config-mapper@1.0.0",
        &["config-map", "facility-name"],
    );
}
