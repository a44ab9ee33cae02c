//! DESIGN invariant 9, one analysis engine: what synthesis finds in a generated app (the
//! findings that travel with the assembly, and the error findings that stop synthesis)
//! is exactly what an audit of the written assembly finds, read back from its JSON and
//! from its YAML files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod app_gen;

use app_gen::{app_spec, build, Options, EXTRA_REASON};
use proptest::prelude::*;
use ringfence::analyze::{analyze, Finding, Severity, Suite};
use ringfence::cfn::Template;
use ringfence::{Assembly, Error};

/// A finding as both sides must agree on it (where it was read from aside).
type Key = (&'static str, Severity, String, String, String, String, String, Option<String>);

fn key(f: &Finding) -> Key {
    (
        f.check,
        f.severity,
        f.template.clone(),
        f.logical_id.clone(),
        f.path.clone(),
        f.message.clone(),
        f.hint.clone(),
        f.suppressed.clone(),
    )
}

fn sorted(findings: impl IntoIterator<Item = Key>) -> Vec<Key> {
    let mut v: Vec<Key> = findings.into_iter().collect();
    v.sort();
    v
}

/// Writes the assembly (JSON and YAML) into a fresh folder, reads every template back,
/// audits the JSON and the YAML suites, and asserts each finds what synthesis found.
fn audit_equals_synthesis(assembly: &Assembly) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    assembly.write(dir.path(), true).unwrap();
    let (mut from_json, mut from_yaml) = (Suite::new(), Suite::new());
    for s in assembly.stacks() {
        let name = s.name.as_str();
        let json_file = s.template_file();
        let yaml_file = format!("{name}.template.yaml");
        let json = std::fs::read_to_string(dir.path().join(&json_file)).unwrap();
        let yaml = std::fs::read_to_string(dir.path().join(&yaml_file)).unwrap();
        prop_assert_eq!(&json, &s.template.to_json(), "{} as written", json_file);
        prop_assert_eq!(&Template::parse(&json).unwrap(), s.template.as_ref(), "{} read back", json_file);
        // The reader's notes (what it kept without understanding) are findings too.
        from_json.add_parsed(name, &json_file, Template::read(&json).unwrap(), json.len());
        // The YAML twin counts as the JSON's size, which is what the quotas measure.
        from_yaml.add_parsed(name, &yaml_file, Template::read(&yaml).unwrap(), json.len());
    }
    let synthesized = sorted(assembly.findings().iter().map(key));
    for (what, suite) in [("JSON", &from_json), ("YAML", &from_yaml)] {
        let audited = sorted(analyze(suite).findings.iter().map(key));
        if audited != synthesized {
            let only_audit: Vec<_> = audited.iter().filter(|f| !synthesized.contains(f)).collect();
            let only_synth: Vec<_> = synthesized.iter().filter(|f| !audited.contains(f)).collect();
            prop_assert!(
                false,
                "{} audit differs from synthesis\nonly in the audit: {:#?}\nonly at synthesis: {:#?}",
                what,
                only_audit,
                only_synth
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// For every generated app (everything shared, so only checks can stop synthesis):
    /// - the assembly's findings (warnings, notes, suppressed findings with their
    ///   reasons) equal an audit of its written templates, JSON and YAML;
    /// - the error findings that stop synthesis, if any, are exactly the findings that
    ///   the same app with those checks suppressed reports as suppressed, and that app's
    ///   findings equal an audit of its written templates too.
    #[test]
    fn synthesis_findings_equal_an_audit_of_the_written_assembly(spec in app_spec(true)) {
        let plain = build(&spec, Options { share_all: true, ..Options::default() });
        let accepted = build(&spec, Options { share_all: true, suppress_all_world: true, ..Options::default() });
        let accepted = accepted.app.synth().unwrap_or_else(|e| panic!("{e}"));
        audit_equals_synthesis(&accepted)?;

        let stopped: Vec<Key> = match plain.app.synth() {
            Ok(assembly) => {
                audit_equals_synthesis(&assembly)?;
                Vec::new()
            }
            Err(e) => e
                .errors
                .iter()
                .map(|e| match e {
                    Error::Check { finding: f, .. } => key(f),
                    other => panic!("only checks can stop this app's synthesis: {other}"),
                })
                .collect(),
        };
        prop_assert_eq!(stopped.len(), plain.expect.checks.len(), "{:#?}", stopped);
        let suppressed_for_it = accepted
            .findings()
            .iter()
            .filter(|f| f.suppressed.as_deref() == Some(EXTRA_REASON))
            .map(|f| Finding { suppressed: None, ..f.clone() });
        prop_assert_eq!(sorted(stopped), sorted(suppressed_for_it.map(|f| key(&f))));
    }
}
