//! The code `ringfence audit --plan` prints compiles against the builder: every snippet
//! of the repository's suites (`tests/suites/directions` has a rule on a foreign group
//! for each direction and peer), after the declarations its plan says it assumes, becomes
//! one function of a small crate that depends on `crates/ringfence`, and one
//! `cargo build` compiles them all.
//!
//! What a snippet needs comes from its plan (`assumes`), never from this test: the test
//! only wraps each plan's `assumes` and `snippet` in
//! `pub fn NAME() -> Result<(), ringfence::Error> { … Ok(()) }`. The snippets are not run
//! (a `todo!` stands where the suite does not say a value), only compiled, warnings
//! allowed (an unused `tasks` is the snippet's point: the workloads' groups).
//!
//! The crate is written under `CARGO_TARGET_TMPDIR` with a `[workspace]` of its own (not
//! a member of this workspace), the workspace's `Cargo.lock` (the same versions, and
//! `--offline` works), and builds into the target folder that `tests/cli.rs` uses for
//! the examples, so the builder and its dependencies are compiled once for both and kept
//! between runs. `a_snippet_that_does_not_compile_fails_the_build` checks that the build
//! fails, naming the snippet, on the code the plan wrote before (a rule added to an
//! `ExternalGroup`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const SHARED: &str = "*.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// One snippet to compile: where it comes from, and its plan's `assumes` and `snippet`.
struct Snippet {
    name: String,
    shape: String,
    from: String,
    assumes: String,
    code: String,
}

/// The plans of `ringfence audit --plan --format json ARGS…`, run in the repository.
fn plans(case: &str, args: &[&str]) -> Vec<Snippet> {
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .args(["audit", "--plan", "--format", "json"])
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("{case}: not JSON ({e}):\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr))
    });
    let plans = doc["plans"].as_array().unwrap();
    assert!(!plans.is_empty(), "{case}: no plan");
    plans
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let text = |k: &str| p[k].as_str().unwrap_or_else(|| panic!("{case}: plan {i} has no {k}: {p}"));
            Snippet {
                name: format!("{case}_{i}"),
                shape: text("shape").to_owned(),
                from: format!(
                    "ringfence audit --plan {}: {}/{}",
                    args.join(" "),
                    text("stack"),
                    text("resource")
                ),
                assumes: text("assumes").to_owned(),
                code: text("snippet").to_owned(),
            }
        })
        .collect()
}

/// The crate's source: one function per snippet, the planted one (if any) only with
/// feature `planted`. Returns the source and, for each snippet, the lines of `lib.rs`
/// it spans.
fn source(snippets: &[&Snippet], planted: Option<&Snippet>) -> (String, Vec<std::ops::Range<usize>>) {
    let mut src = String::from(
        "//! The snippets of `ringfence audit --plan`, written by crates/cli/tests/plan_code.rs.\n\
         #![allow(unused, unreachable_code, clippy::all)]\n",
    );
    let mut spans = Vec::new();
    for s in snippets {
        let _ = writeln!(src, "\n/// {}", s.from);
        if planted.is_some_and(|p| std::ptr::eq(p, *s)) {
            src.push_str("#[cfg(feature = \"planted\")]\n");
        }
        let start = src.lines().count() + 1;
        let _ = writeln!(src, "pub fn {}() -> Result<(), ringfence::Error> {{", s.name);
        for line in s.assumes.lines().chain(s.code.lines()) {
            let _ = writeln!(src, "    {line}");
        }
        src.push_str("    Ok(())\n}\n");
        spans.push(start..src.lines().count() + 1);
    }
    (src, spans)
}

/// Builds the crate of `snippets` in `dir` (and of `planted`, with feature `planted`):
/// `Err` holds the compiler's output and every snippet it complains about.
fn build(dir: &Path, snippets: &[Snippet], planted: Option<&Snippet>) -> Result<(), String> {
    std::fs::create_dir_all(dir).unwrap();
    let ringfence = repo().join("crates/ringfence");
    let name = dir.file_name().unwrap().to_str().unwrap();
    let manifest = format!(
        "[package]\nname = {name:?}\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [lib]\npath = \"lib.rs\"\n\n[features]\nplanted = []\n\n\
         [dependencies]\nringfence = {{ path = {:?} }}\n\n\
         # Not a member of the repository's workspace.\n[workspace]\n",
        ringfence.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let all: Vec<&Snippet> = snippets.iter().chain(planted).collect();
    let (src, spans) = source(&all, planted);
    std::fs::write(dir.join("lib.rs"), &src).unwrap();

    let mut command = common::nested_cargo();
    command.args(["build", "--offline", "--lib", "--manifest-path"]).arg(dir.join("Cargo.toml"));
    if planted.is_some() {
        command.args(["--features", "planted"]);
    }
    let out = command.output().expect("cargo runs");
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // The snippets the errors point at (`--> …lib.rs:LINE:COL`).
    let lines: Vec<usize> = stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> "))
        .filter_map(|at| at.split_once("lib.rs:").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split(':').next()?.parse().ok())
        .collect();
    let mut report = format!("cargo build of {} failed:\n{stderr}\n", dir.display());
    for (s, span) in all.iter().zip(&spans) {
        if lines.iter().any(|l| span.contains(l)) {
            let _ = writeln!(
                report,
                "snippet {} ({}), lib.rs lines {}-{}:\n{}{}",
                s.name,
                s.from,
                span.start,
                span.end - 1,
                s.assumes,
                s.code
            );
        }
    }
    Err(report)
}

fn every_snippet() -> Vec<Snippet> {
    let mut all = plans("legacy", &["legacy/chat-platform"]);
    all.extend(plans("legacy_shared", &["legacy/chat-platform", "--param", SHARED]));
    all.extend(plans("orders", &["crates/cli/tests/suites/orders"]));
    all.extend(plans("owners", &["crates/cli/tests/suites/owners"]));
    all.extend(plans("directions", &["crates/cli/tests/suites/directions"]));
    all
}

#[test]
fn every_plan_snippet_compiles() {
    let snippets = every_snippet();
    // The suites have every shape.
    for (case, shape) in [
        ("legacy_", "member"),
        ("orders", "client"),
        ("owners", "owner"),
        ("owners", "client"),
        ("owners", "server"),
        ("directions", "client"),
        ("directions", "server"),
        ("directions", "owner"),
    ] {
        assert!(
            snippets.iter().any(|s| s.name.starts_with(case) && s.shape == shape),
            "no {shape} plan from {case}"
        );
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ringfence-cli/plan-snippets");
    if let Err(report) = build(&dir, &snippets, None) {
        panic!("{report}");
    }
}

#[test]
fn a_snippet_that_does_not_compile_fails_the_build() {
    // What the owner shape wrote before: a rule on a group outside the app.
    let planted = Snippet {
        name: "planted".into(),
        shape: "owner".into(),
        from: "a rule on an ExternalGroup".into(),
        assumes: "use ringfence::{App, ExternalGroup, Peer, Port};\nlet app = App::new(\"app\");\nlet mut owner = app.stack(\"owner\")?;\n".into(),
        code: "let shared = ExternalGroup::from_id(\"sg-0b7a1c2d3e4f50617\")?;\nowner.allow_ingress(&shared, Peer::any_ipv4(), Port::HTTPS, \"web\")?;\n".into(),
    };
    let good = plans("orders", &["crates/cli/tests/suites/orders"]);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ringfence-cli/plan-snippets-planted");
    let report = build(&dir, &good, Some(&planted)).expect_err("the planted snippet does not compile");
    assert!(report.contains("ringfence adds rules only to a `SecurityGroup`"), "{report}");
    assert!(report.contains("snippet planted (a rule on an ExternalGroup)"), "{report}");
    assert!(report.contains("owner.allow_ingress(&shared"), "{report}");
    assert!(!report.contains("snippet orders_0"), "only the planted snippet is named:\n{report}");
    // Without the feature, the same crate builds.
    build(&dir, &good, None).unwrap();
}
