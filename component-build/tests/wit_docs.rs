//! Every WIT item has a doc comment, and wit/README.md is the current
//! rendering of them.

use std::path::Path;

use component_build::witdocs;

/// The WIT packages: the supervision package and the facility world's own.
fn packages() -> Vec<std::path::PathBuf> {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("wit");
    vec![wit.join("facility"), wit]
}

#[test]
fn every_wit_item_has_a_doc_comment() {
    for package in packages() {
        let missing = witdocs::undocumented(&package).unwrap();
        assert!(
            missing.is_empty(),
            "{}: undocumented WIT items: {missing:?}",
            package.display()
        );
    }
}

#[test]
fn the_wit_reference_is_current() {
    for package in packages() {
        let rendered = witdocs::reference(&package).unwrap();
        let committed = std::fs::read_to_string(package.join("README.md")).unwrap_or_default();
        assert!(
            rendered == committed,
            "{}/README.md is stale: run `cargo run -p component-build --features cli -- --wit-docs`",
            package.display()
        );
    }
}
