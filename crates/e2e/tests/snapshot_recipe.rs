//! The README's snapshot recipe, run as a user has it: a crate of its own (not a member
//! of this workspace) with `ringfence` as a dependency, `insta = "1"` as a
//! dev-dependency, its app in `src/lib.rs` (`tests/snapshot_recipe/my_infra.rs`) and the
//! README's one-line test in `tests/templates.rs`. Then, with cargo:
//!
//! 1. `INSTA_UPDATE=always cargo test`, the first run without cargo-insta: it passes and
//!    writes exactly one snapshot per stack, named by stack, and the manifest's, each
//!    holding the text ringfence writes;
//! 2. `INSTA_UPDATE=no cargo test`, CI: it passes;
//! 3. the app changes two of its three stacks; `INSTA_UPDATE=no cargo test` fails, names
//!    both changed snapshots and no other, and writes nothing;
//! 4. a plain `cargo test` (outside CI) fails too, and stores one `.snap.new` for each
//!    changed snapshot in that one run.
//!
//! The crate is written under `CARGO_TARGET_TMPDIR` with the workspace's `Cargo.lock`
//! (the same versions, and `--offline` works) and builds into a target folder there that
//! is kept between runs, so only the first run compiles ringfence and insta.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[allow(dead_code)] // `build` and `ADMIN` are for the user's test
#[path = "snapshot_recipe/my_infra.rs"]
mod my_infra;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// The user's test, word for word the README's.
const USER_TEST: &str = r#"// tests/templates.rs
#[test]
fn templates() {
    let assembly = my_infra::build("production").unwrap().synth().unwrap();
    ringfence::assert_assembly_snapshots!(assembly);
}
"#;

/// The header insta writes before each snapshot's text: the test file, no expression.
const HEADER: &str = "---\nsource: tests/templates.rs\n---\n";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes the user's crate into `dir`, afresh (only the shared target folder is kept).
fn write_crate(dir: &Path) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    let manifest = format!(
        "[package]\nname = \"my-infra\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nringfence = {{ path = {:?} }}\n\n\
         [dev-dependencies]\ninsta = \"1\"\n\n\
         # Not a member of the repository's workspace.\n[workspace]\n",
        repo().join("crates/ringfence").display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), include_str!("snapshot_recipe/my_infra.rs")).unwrap();
    std::fs::write(dir.join("tests/templates.rs"), USER_TEST).unwrap();
}

/// `cargo test --offline` in the user's crate with `INSTA_UPDATE` set as given (unset
/// for `None`, outside CI): the output, stdout then stderr, and whether it passed.
fn cargo_test(dir: &Path, insta_update: Option<&str>) -> (bool, String) {
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("snapshot-recipe/target");
    let mut command = Command::new(cargo);
    command
        .args(["test", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_BUILD_BUILD_DIR", &target)
        .env("CARGO_TERM_COLOR", "never")
        .env("RUST_BACKTRACE", "0")
        .env_remove("CI");
    // Whatever runs this test (`cargo insta test` sets INSTA_FORCE_PASS, for one) does
    // not run the user's.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("INSTA_") {
            command.env_remove(key);
        }
    }
    if let Some(value) = insta_update {
        command.env("INSTA_UPDATE", value);
    }
    let Output { status, stdout, stderr } = command.output().expect("cargo runs");
    let output = format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr));
    let update = insta_update.map_or("unset".to_owned(), |v| format!("INSTA_UPDATE={v}"));
    eprintln!("cargo test ({update}): {:.1?}", started.elapsed());
    (status.success(), output)
}

/// Every file of the user's snapshot folder, by name, with its text.
fn snapshot_files(dir: &Path) -> BTreeMap<String, String> {
    let folder: PathBuf = dir.join("tests/snapshots");
    std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .map(|e| {
                    let e = e.unwrap();
                    let text = std::fs::read_to_string(e.path()).unwrap();
                    (e.file_name().to_string_lossy().into_owned(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The snapshot files the assembly of `admin` must have, by name: insta's header, then
/// exactly the text ringfence writes.
fn expected(admin: bool) -> BTreeMap<String, String> {
    let assembly = my_infra::build_with("production", admin).unwrap().synth().unwrap();
    let mut files: BTreeMap<String, String> = assembly
        .stacks()
        .iter()
        .map(|s| (format!("{}.template.json.snap", s.name), format!("{HEADER}{}", s.template.to_json())))
        .collect();
    files.insert("manifest.json.snap".into(), format!("{HEADER}{}", assembly.manifest()));
    files
}

#[test]
fn the_readme_recipe_works_in_a_crate_of_its_own() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("snapshot-recipe/my-infra");
    write_crate(&dir);
    let names = |files: &BTreeMap<String, String>| files.keys().cloned().collect::<Vec<_>>();

    // 1. The first run, without cargo-insta: every snapshot written, the test passes.
    let (passed, output) = cargo_test(&dir, Some("always"));
    assert!(passed, "the first run passes:\n{output}");
    let written = snapshot_files(&dir);
    let before = expected(false);
    assert_eq!(
        names(&written),
        [
            "manifest.json.snap",
            "shop-checkout-production.template.json.snap",
            "shop-network-production.template.json.snap",
            "shop-storefront-production.template.json.snap",
        ],
        "one snapshot per stack, named by stack, and the manifest's"
    );
    for (name, text) in &before {
        // Strip insta's header and compare the rest with what ringfence writes.
        let body = written[name].strip_prefix(HEADER).unwrap_or_else(|| panic!("{name}: {}", written[name]));
        assert_eq!(body, text.strip_prefix(HEADER).unwrap(), "{name}");
    }

    // 2. CI: nothing changed, the test passes.
    let (passed, output) = cargo_test(&dir, Some("no"));
    assert!(passed, "CI passes on the reviewed snapshots:\n{output}");

    // 3. The app changes two of its three stacks: CI fails, naming both, and no other.
    let lib = include_str!("snapshot_recipe/my_infra.rs");
    let changed = lib.replace("pub const ADMIN: bool = false;", "pub const ADMIN: bool = true;");
    assert_ne!(changed, lib);
    std::fs::write(dir.join("src/lib.rs"), changed).unwrap();
    let after = expected(true);
    let differ: Vec<&String> = after.keys().filter(|n| before[*n] != after[*n]).collect();
    assert_eq!(
        differ,
        ["shop-checkout-production.template.json.snap", "shop-storefront-production.template.json.snap"]
    );
    let (passed, output) = cargo_test(&dir, Some("no"));
    assert!(!passed, "CI fails on a changed template:\n{output}");
    let verdict = "2 of 4 snapshots of the assembly do not match, every one checked: \
         shop-storefront-production.template.json, shop-checkout-production.template.json";
    assert!(output.contains(verdict), "every changed snapshot named:\n{output}");
    for stack in ["storefront", "checkout"] {
        let failed = format!("snapshot assertion for 'shop-{stack}-production.template.json' failed");
        assert!(output.contains(&failed), "{failed}:\n{output}");
    }
    for unchanged in ["shop-network-production.template.json", "manifest.json"] {
        assert!(!output.contains(&format!("'{unchanged}'")), "{unchanged} is not named:\n{output}");
    }
    assert_eq!(snapshot_files(&dir), written, "INSTA_UPDATE=no writes nothing");

    // 4. A plain `cargo test` stores a `.snap.new` for each changed snapshot, in one run.
    let (passed, output) = cargo_test(&dir, None);
    assert!(!passed, "a plain cargo test fails on a changed template:\n{output}");
    let mut pending = written.clone();
    for name in &differ {
        pending.insert(format!("{name}.new"), String::new());
    }
    let now = snapshot_files(&dir);
    assert_eq!(names(&now), names(&pending), "one .snap.new per changed snapshot");
    for name in &differ {
        let new = &now[&format!("{name}.new")];
        let body = new.split_once("\n---\n").map(|(_, body)| body).unwrap_or_else(|| panic!("{new}"));
        assert_eq!(body, after[*name].strip_prefix(HEADER).unwrap(), "{name}.new");
    }
}

#[test]
fn the_readme_shows_the_recipe_this_test_runs() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme.split("## Snapshot-testing your own templates").nth(1).expect("the section");
    let section = section.split("\n## ").next().unwrap();
    for shown in [
        "[dev-dependencies]\ninsta = \"1\"\n",
        USER_TEST,
        "`INSTA_UPDATE=always cargo test`",
        "`INSTA_UPDATE=no cargo test`",
        "tests/snapshots/<stack>.template.json.snap",
        "tests/snapshots/manifest.json.snap",
    ] {
        assert!(section.contains(shown), "the README's recipe shows {shown:?}");
    }
}
