//! Real suites (issue #13): the analyzer over a corpus of public CloudFormation templates
//! that nobody on this project wrote (`corpus/`, see `corpus/README.md`), checked against
//! counts made independently with cfn-lint's own reader (`corpus/COUNTS.tsv`, written by
//! `scripts/corpus_counts.py`).
//!
//! For every template, read alone as the CLI reads a file (`Suite::read`, stack name the
//! file stem), then modelled (`Model::build`) and checked (`Findings::of`):
//!
//! - [`Req::Panic`]: nothing panics;
//! - [`Req::Read`]: a template cfn-lint accepts (no error) is readable (no RF000);
//! - [`Req::Counts`]: the model's groups, rules and NACL entries are cfn-lint's counts
//!   (for a template both read); where a group's rule list is not a literal list, the
//!   model holds at least the literal rules;
//! - [`Req::NonLiteral`]: in a template cfn-lint accepts, the model reads rules from a
//!   group's `SecurityGroupIngress` or `SecurityGroupEgress` that is not a literal list
//!   (an `Fn::If`…): it holds more rules than the literal ones. (A template that writes
//!   one rule as a map instead of a list is not accepted: E3012.)
//!
//! Each repository folder (`corpus/<owner>__<name>`) is also audited as one suite, as
//! `ringfence audit corpus/<owner>__<name>` would ([`Req::FolderPanic`]: nothing panics).
//! Where two files share a stem, the suite is audited with stacks named by path, as the
//! command names them (crates/cli/tests/corpus_folders.rs runs the command itself on
//! every folder).
//!
//! What fails today is listed in [`KNOWN_GAPS`], each with the class of its cause; the
//! test fails on a failure not listed, and on a listed gap that no longer fails (remove
//! it: the list only shrinks). Without the corpus extracted (`python3 corpus/build.py
//! extract`), the test says so and passes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use ringfence::analyze::{Findings, Model, Suite};

/// A requirement a template (or a folder) can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Req {
    /// Reading, modelling or checking the template panics.
    Panic,
    /// RF000 (unreadable) on a template cfn-lint accepts.
    Read,
    /// The model's groups, rules or NACL entries differ from cfn-lint's counts.
    Counts,
    /// No rule is read from a group's rule list that is not a literal list, in a template
    /// cfn-lint accepts.
    NonLiteral,
    /// Auditing the repository folder as one suite panics.
    FolderPanic,
}
use Req::*;

/// What fails today: (template path under `corpus/`, or a repository folder for
/// [`Req::FolderPanic`]; the requirement it fails; the class of cause). Grouped by
/// class. A fix in the reader or the analyzer removes lines here.
const KNOWN_GAPS: &[(&str, Req, &str)] = &[
    // Empty since the reader expands Fn::ForEach, reads condition names with `&`, `-`
    // and `_`, keeps a resource's Properties written as Fn::If (RF002 says so), and
    // reads rule lists written as Fn::If. A new gap goes here with its class of cause.
];

/// One row of `corpus/COUNTS.tsv`.
#[derive(Debug)]
struct Row {
    path: String,
    accepted: bool,
    /// Groups, rules, NACL entries: `None` when cfn-lint's decoder could not read it.
    counts: Option<[usize; 3]>,
    nonliteral: usize,
    notes: String,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(corpus().join("COUNTS.tsv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "path\taccepted\tgroups\trules\tnacl_entries\tnonliteral\ttransform\tnotes"
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 8, "{line}");
            let n = |s: &str| s.parse::<usize>().ok();
            let counts = match (n(f[2]), n(f[3]), n(f[4])) {
                (Some(g), Some(r), Some(e)) => Some([g, r, e]),
                _ => None,
            };
            Row {
                path: f[0].to_owned(),
                accepted: f[1] == "yes",
                counts,
                nonliteral: n(f[5]).unwrap_or(0),
                notes: f[7].to_owned(),
            }
        })
        .collect()
}

/// The stack name the CLI gives a file: its name without `.template.json` (`.yaml`,
/// `.yml`), else its stem.
fn default_stack(path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    for suffix in [".template.json", ".template.yaml", ".template.yml"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem.to_owned();
        }
    }
    path.file_stem().unwrap().to_str().unwrap().to_owned()
}

/// What reading one template gave.
enum Outcome {
    Panicked(String),
    /// RF000, with the reader's message.
    Unreadable(String),
    /// Groups, rules, NACL entries; whether the template declares conditions.
    Read([usize; 3], bool),
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| e.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Reads, models and checks one template as the CLI does.
fn run_one(path: &Path) -> Outcome {
    let bytes = std::fs::read(path).unwrap();
    let stack = default_stack(path);
    let source = path.display().to_string();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let Ok(text) = String::from_utf8(bytes) else { return Outcome::Unreadable("not UTF-8 text".into()) };
        let mut suite = Suite::new();
        if let Err(e) = suite.read(&stack, &source, &text) {
            return Outcome::Unreadable(e.to_string());
        }
        let model = Model::build(&suite);
        let found = Findings::of(&model);
        std::hint::black_box(found.len());
        // A rule read once per undecided Fn::If branch (`Rule::when`) is one rule: its
        // readings are consecutive, at one place.
        let mut places: Vec<(&str, &str)> =
            model.rules.iter().map(|r| (r.at.id.as_str(), r.at.path.as_ref())).collect();
        places.dedup();
        let conditional = !suite.templates()[0].template.conditions.is_empty();
        Outcome::Read([model.groups.len(), places.len(), model.nacl_entries.len()], conditional)
    }));
    result.unwrap_or_else(|e| Outcome::Panicked(panic_message(&*e)))
}

/// Audits a repository folder's templates as one suite, the way `ringfence audit
/// <folder>` reads them: the stems several files share (named by path), or a panic
/// message.
fn audit_folder(
    folder: &str,
    paths: &[&str],
) -> (Vec<String>, Option<String>, BTreeMap<&'static str, usize>) {
    let mut files: Vec<PathBuf> = paths.iter().map(|p| corpus().join(p)).collect();
    files.sort();
    // `X.template.yaml` is not read when `X.template.json` is.
    let jsons: BTreeSet<PathBuf> =
        files.iter().filter(|p| p.to_str().unwrap().ends_with(".template.json")).cloned().collect();
    files.retain(|p| {
        let s = p.to_str().unwrap();
        let stem = s.strip_suffix(".template.yaml").or_else(|| s.strip_suffix(".template.yml"));
        !stem.is_some_and(|stem| jsons.contains(&PathBuf::from(format!("{stem}.template.json"))))
    });
    let mut by_stack: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &files {
        let rel = p.strip_prefix(corpus().join(folder)).unwrap().display().to_string();
        by_stack.entry(default_stack(p)).or_default().push(rel);
    }
    let collisions: Vec<String> = by_stack
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(stack, v)| {
            let more = if v.len() > 3 { format!(" and {} more", v.len() - 3) } else { String::new() };
            format!("stack `{stack}`: {}{more}", v[..v.len().min(3)].join(", "))
        })
        .collect();
    let unique = collisions.is_empty();
    let read = catch_unwind(AssertUnwindSafe(|| {
        let mut suite = Suite::new();
        for p in &files {
            let Ok(text) = String::from_utf8(std::fs::read(p).unwrap()) else { continue };
            let rel = p.strip_prefix(corpus()).unwrap().display().to_string();
            let stack = if unique { default_stack(p) } else { rel.clone() };
            let _ = suite.read(&stack, &rel, &text);
        }
        let model = Model::build(&suite);
        let mut by_check: BTreeMap<&'static str, usize> = BTreeMap::new();
        for f in Findings::of(&model).iter() {
            *by_check.entry(f.check).or_default() += 1;
        }
        by_check
    }));
    match read {
        Ok(by_check) => (collisions, None, by_check),
        Err(e) => (collisions, Some(panic_message(&*e)), BTreeMap::new()),
    }
}

#[test]
fn the_analyzer_reads_and_counts_every_public_template_as_cfn_lint_does() {
    let rows = rows();
    let present = rows.iter().filter(|r| corpus().join(&r.path).is_file()).count();
    if present == 0 {
        eprintln!(
            "corpus/: no template extracted; run `python3 corpus/build.py extract` to test the {} templates",
            rows.len()
        );
        return;
    }
    assert_eq!(
        present,
        rows.len(),
        "some corpus templates are missing: run `python3 corpus/build.py extract`"
    );

    // Quiet the default hook while panics are caught: each is reported below.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));

    let mut failing: BTreeMap<(String, Req), String> = BTreeMap::new();
    // Unreadable templates cfn-lint rejects too (no requirement; printed).
    let mut rejected = Vec::new();
    let mut unreadable = 0;
    let start = Instant::now();
    for row in &rows {
        let path = corpus().join(&row.path);
        match run_one(&path) {
            Outcome::Panicked(message) => {
                failing.insert((row.path.clone(), Panic), message);
            }
            Outcome::Unreadable(message) => {
                unreadable += 1;
                if row.accepted {
                    failing.insert((row.path.clone(), Read), message);
                } else {
                    rejected.push(format!(
                        "  {}: {} (cfn-lint: {})",
                        row.path,
                        one_line(&message),
                        row.notes
                    ));
                }
            }
            Outcome::Read(model, conditional) => {
                let Some(counted) = row.counts else { continue };
                // With conditions, what a condition decided false by the parameters'
                // defaults does not create (a resource, an Fn::If item) is not in the
                // model: fewer, never more (but for rules of an undecided Fn::If list,
                // read in both branches).
                let at_most = |i: usize| model[i] <= counted[i];
                let literal_ok = match (row.nonliteral == 0, conditional) {
                    (true, false) => model == counted,
                    (false, false) => {
                        model[0] == counted[0] && model[2] == counted[2] && model[1] >= counted[1]
                    }
                    (true, true) => at_most(0) && at_most(1) && at_most(2),
                    (false, true) => at_most(0) && at_most(2),
                };
                if !literal_ok {
                    failing.insert(
                        (row.path.clone(), Counts),
                        format!("model groups/rules/entries {model:?}, cfn-lint {counted:?} ({})", row.notes),
                    );
                }
                if row.accepted && row.nonliteral > 0 && !conditional && model[1] <= counted[1] {
                    failing.insert((row.path.clone(), NonLiteral), row.notes.clone());
                }
            }
        }
    }
    let templates_time = start.elapsed();

    let mut folders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for row in &rows {
        folders.entry(row.path.split('/').next().unwrap()).or_default().push(&row.path);
    }
    let start = Instant::now();
    let mut folder_lines = Vec::new();
    for (folder, paths) in &folders {
        let t = Instant::now();
        let (collisions, panicked, findings) = audit_folder(folder, paths);
        let took = t.elapsed();
        let checks: Vec<String> = findings.iter().map(|(c, n)| format!("{c}×{n}")).collect();
        folder_lines.push(format!(
            "  {folder}: {} templates in {took:.2?}; {} findings ({}){}",
            paths.len(),
            findings.values().sum::<usize>(),
            checks.join(" "),
            match collisions.as_slice() {
                [] => String::new(),
                [first, ..] => format!(
                    "\n      {} stems shared by several files (stacks named by path, as `ringfence audit` names them), e.g. {first}",
                    collisions.len()
                ),
            }
        ));
        if let Some(message) = panicked {
            failing.insert(((*folder).to_owned(), FolderPanic), message);
        }
    }
    let folders_time = start.elapsed();
    std::panic::set_hook(hook);

    println!(
        "corpus: {} templates ({} accepted by cfn-lint, {unreadable} unreadable here) in {:.2?}; {} folders audited in {:.2?}; total {:.2?}",
        rows.len(),
        rows.iter().filter(|r| r.accepted).count(),
        templates_time,
        folders.len(),
        folders_time,
        templates_time + folders_time,
    );
    for line in &folder_lines {
        println!("{line}");
    }
    println!("unreadable here, and not accepted by cfn-lint either ({}):", rejected.len());
    for line in &rejected {
        println!("{line}");
    }
    report(&failing);
}

/// Compares what fails with [`KNOWN_GAPS`]; panics on any difference.
fn report(failing: &BTreeMap<(String, Req), String>) {
    let known: BTreeMap<(String, Req), &str> =
        KNOWN_GAPS.iter().map(|&(p, r, cause)| ((p.to_owned(), r), cause)).collect();
    assert_eq!(known.len(), KNOWN_GAPS.len(), "KNOWN_GAPS lists a gap twice");
    let mut by_class: BTreeMap<&str, usize> = BTreeMap::new();
    for cause in known.values() {
        *by_class.entry(cause).or_default() += 1;
    }
    println!("known gaps by class of cause ({} in all):", known.len());
    for (cause, n) in &by_class {
        println!("  {n:4}  {cause}");
    }
    let new: Vec<String> = failing
        .iter()
        .filter(|(k, _)| !known.contains_key(k))
        .map(|((path, req), message)| format!("    ({path:?}, {req:?}, \"?\"), // {}", one_line(message)))
        .collect();
    let fixed: Vec<String> = known
        .keys()
        .filter(|k| !failing.contains_key(k))
        .map(|(path, req)| format!("    ({path:?}, {req:?}, …)"))
        .collect();
    assert!(
        new.is_empty() && fixed.is_empty(),
        "\n{} failures not in KNOWN_GAPS:\n{}\n{} KNOWN_GAPS that no longer fail (remove them):\n{}\n",
        new.len(),
        new.join("\n"),
        fixed.len(),
        fixed.join("\n")
    );
}

fn one_line(s: &str) -> String {
    let s: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}
