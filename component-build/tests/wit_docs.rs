//! Every WIT item has a doc comment, and wit/README.md is the current
//! rendering of them.

use std::path::Path;

use component_build::witdocs;

fn wit() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("wit")
}

#[test]
fn every_wit_item_has_a_doc_comment() {
    let missing = witdocs::undocumented(&wit()).unwrap();
    assert!(missing.is_empty(), "undocumented WIT items: {missing:?}");
}

#[test]
fn the_wit_reference_is_current() {
    let rendered = witdocs::reference(&wit()).unwrap();
    let committed = std::fs::read_to_string(wit().join("README.md")).unwrap_or_default();
    assert!(
        rendered == committed,
        "wit/README.md is stale: run `cargo run -p component-build --features cli -- --wit-docs`"
    );
}
