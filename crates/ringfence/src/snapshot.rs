//! Snapshot tests of an assembly with [insta](https://insta.rs):
//! [`assert_assembly_snapshots!`](crate::assert_assembly_snapshots).
//!
//! The macro expands in the test that calls it, to `::insta` calls: ringfence does not
//! depend on insta, the user's crate does (as a dev-dependency). What insta cannot do
//! from there, go on past a failing snapshot, is the one function here.

/// Snapshots every template of an [`Assembly`](crate::Assembly) and its manifest with
/// [insta](https://insta.rs): one snapshot per stack, `<stack>.template.json`, then
/// `manifest.json`, each the exact text [`Assembly::write`](crate::Assembly::write)
/// writes ([`Template::to_json`](crate::cfn::Template::to_json),
/// [`Assembly::manifest`](crate::Assembly::manifest)).
///
/// The macro expands to `::insta` calls in your test, so your crate needs insta (ringfence
/// does not depend on it):
///
/// ```toml
/// [dev-dependencies]
/// insta = "1"
/// ```
///
/// ```no_run
/// # mod my_infra {
/// #     pub fn build(env: &str) -> ringfence::Result<ringfence::App> {
/// #         let app = ringfence::App::new("shop").environment(env);
/// #         app.stack("web")?.resource("topic", "AWS::SNS::Topic", ringfence::Props::new())?;
/// #         Ok(app)
/// #     }
/// # }
/// // tests/templates.rs
/// # /*
/// #[test]
/// # */
/// fn templates() {
///     let assembly = my_infra::build("production").unwrap().synth().unwrap();
///     ringfence::assert_assembly_snapshots!(assembly);
/// }
/// # templates();
/// ```
///
/// The forms:
///
/// - `assert_assembly_snapshots!(assembly)`: in insta's snapshot folder, `snapshots/`
///   next to the test file (or the `snapshot_path` of an enclosing
///   `insta::with_settings!`).
/// - `assert_assembly_snapshots!(assembly, "../snapshots/production")`: in that folder,
///   relative to the test file as insta resolves it (any `AsRef<Path>` expression).
/// - `…, manifest = "production.manifest.json")` after either: the manifest's snapshot
///   under that name, so that several assemblies (one per environment) can share a
///   folder; stack names usually differ by environment already.
///
/// The assembly may be an `Assembly` or a reference to one. Snapshot names are taken as
/// they are (insta's `prepend_module_to_snapshot => false`) and the snapshot files record
/// no expression (`omit_expression => true`), so a snapshot file is named
/// `<stack>.template.json.snap` and holds the template after insta's short header.
///
/// Every snapshot is checked, even after one fails: the macro fails the test at the end
/// and names every snapshot that changed, so one run reports (and, without `INSTA_UPDATE=no`,
/// stores as `.snap.new`) all the changes of the assembly, not only the first. The
/// commands, with [cargo-insta](https://insta.rs/docs/cli/) (`cargo install cargo-insta`):
///
/// - `cargo insta test --accept`: the first run, writes every snapshot;
/// - `cargo insta test --review`: after a change, shows each changed snapshot to accept or
///   reject;
/// - `cargo insta test --check` (or `INSTA_UPDATE=no cargo test`): CI, fails on any change
///   and writes nothing.
///
/// Without cargo-insta, `INSTA_UPDATE=always cargo test` writes every snapshot and passes.
#[macro_export]
macro_rules! assert_assembly_snapshots {
    ($assembly:expr, manifest = $manifest:expr $(,)?) => {
        ::insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            $crate::__snapshot::assert_each(
                $crate::__snapshot::files(&$assembly, $manifest),
                |name: &str, text: &str| ::insta::assert_snapshot!(name, text),
            )
        })
    };
    ($assembly:expr, $folder:expr, manifest = $manifest:expr $(,)?) => {
        ::insta::with_settings!({ snapshot_path => $folder }, {
            $crate::assert_assembly_snapshots!($assembly, manifest = $manifest)
        })
    };
    ($assembly:expr, $folder:expr $(,)?) => {
        $crate::assert_assembly_snapshots!($assembly, $folder, manifest = "manifest.json")
    };
    ($assembly:expr $(,)?) => {
        $crate::assert_assembly_snapshots!($assembly, manifest = "manifest.json")
    };
}

/// What [`assert_assembly_snapshots!`](crate::assert_assembly_snapshots) expands to
/// calls; not part of the API.
#[doc(hidden)]
pub mod __snapshot {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use crate::Assembly;

    /// The snapshots of an assembly, as (name, text): `<stack>.template.json` per stack in
    /// deployment order, then the manifest under `manifest`.
    pub fn files(assembly: &Assembly, manifest: &str) -> Vec<(String, String)> {
        let stacks = assembly.stacks().iter().map(|s| (s.template_file(), s.template.to_json()));
        stacks.chain([(manifest.to_owned(), assembly.manifest())]).collect()
    }

    /// Runs `assert` on every snapshot, going on past the ones that fail (insta panics on
    /// a failed assertion), then fails naming every one that did.
    #[track_caller] // the failure points at the test
    pub fn assert_each(snapshots: Vec<(String, String)>, assert: impl Fn(&str, &str)) {
        let failed: Vec<&str> = snapshots
            .iter()
            .filter(|(name, text)| catch_unwind(AssertUnwindSafe(|| assert(name, text))).is_err())
            .map(|(name, _)| name.as_str())
            .collect();
        if !failed.is_empty() {
            panic!(
                "{} of {} snapshots of the assembly do not match, every one checked: {}",
                failed.len(),
                snapshots.len(),
                failed.join(", ")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::__snapshot::{assert_each, files};
    use crate::{App, Props};
    use std::cell::RefCell;

    fn assembly() -> crate::Assembly {
        let app = App::new("shop").environment("production");
        app.stack("web").unwrap().resource("topic", "AWS::SNS::Topic", Props::new()).unwrap();
        app.stack("jobs").unwrap().resource("queue", "AWS::SQS::Queue", Props::new()).unwrap();
        app.synth().unwrap()
    }

    #[test]
    fn one_snapshot_per_stack_by_file_name_then_the_manifest_each_as_written() {
        let assembly = assembly();
        let dir = tempfile_dir("files");
        assembly.write(&dir, crate::Formats::Json).unwrap();
        let snapshots = files(&assembly, "production.manifest.json");
        let names: Vec<&str> = snapshots.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "shop-web-production.template.json",
                "shop-jobs-production.template.json",
                "production.manifest.json"
            ]
        );
        for (name, text) in &snapshots {
            let file = if name.ends_with(".template.json") { name.as_str() } else { "manifest.json" };
            assert_eq!(&std::fs::read_to_string(dir.join(file)).unwrap(), text, "{name}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn every_snapshot_is_asserted_and_the_failure_names_each_that_failed() {
        let seen = RefCell::new(Vec::new());
        let snapshots = files(&assembly(), "manifest.json");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            assert_each(snapshots.clone(), |name, _| {
                seen.borrow_mut().push(name.to_owned());
                assert!(!name.starts_with("shop-"), "{name} changed");
            })
        }));
        assert_eq!(seen.into_inner().len(), 3, "all three asserted");
        let message = *outcome.unwrap_err().downcast::<String>().unwrap();
        assert_eq!(
            message,
            "2 of 3 snapshots of the assembly do not match, every one checked: \
             shop-web-production.template.json, shop-jobs-production.template.json"
        );
        assert_each(snapshots, |_, _| {}); // none fails: passes
    }

    fn tempfile_dir(what: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ringfence-snapshot-{what}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
