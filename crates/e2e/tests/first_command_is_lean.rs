//! The README's first command, `cargo run --example chat_bots`, builds the root package
//! and what its examples need, nothing a test needs (issue 16, item 6): the root package
//! has no dev-dependencies (cargo builds those for examples too), so the end-to-end tests
//! and their proptest, insta and tempfile live in this package.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;

#[test]
fn the_root_package_has_no_dev_dependencies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let tables: Vec<&str> = manifest.lines().filter(|l| l.trim_start().starts_with('[')).collect();
    assert!(
        !tables.iter().any(|t| t.contains("dev-dependencies")),
        "the root package's dev-dependencies would be compiled by the README's first command: {tables:?}"
    );
    // And no example reaches for a test-only crate.
    for entry in std::fs::read_dir(root.join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for krate in ["proptest::", "insta::", "tempfile::"] {
            assert!(!text.contains(krate), "{} uses {krate}", path.display());
        }
    }
}
