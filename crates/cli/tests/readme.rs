//! The command outputs shown in `crates/cli/README.md` are what the binary prints: every
//! `$ ringfence …` line of its ```` ```text ```` blocks is run, in a folder holding
//! `legacy/` (the repository's legacy suite), `crates/cli/tests/suites/` and `cdk.out/`
//! (the assembly the `chat_bots` example writes), and its output compared line by line
//! with the lines after it, up to the next command or the end of the block.
//!
//! The README may leave lines out, and says so with `…`: a line that is only `…` stands
//! for any number of lines (none included), a line ending in `…` for one line that starts
//! with what comes before it. Nothing else is ignored, so a changed wording, hint or
//! number fails this test until the README shows it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// One `$ ringfence …` command of the README and the lines shown after it.
#[derive(Debug)]
struct Shown {
    /// The README line the command is on.
    line: usize,
    args: Vec<String>,
    output: Vec<String>,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Splits a shell command line into words: single and double quotes group, nothing
/// else is special (the README's commands use no variables or globs).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(quote.is_none(), "unclosed quote in `{line}`");
    if in_word {
        out.push(word);
    }
    out
}

/// Every `$ ringfence …` command of the README's text blocks, with what it shows.
fn shown(readme: &str) -> Vec<Shown> {
    let mut all: Vec<Shown> = Vec::new();
    let mut in_text = false;
    // Whether the lines belong to the last command (not to a block before it).
    let mut open = false;
    let mut lines = readme.lines().enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        if line.starts_with("```") {
            in_text = line == "```text";
            open = false;
            continue;
        }
        if !in_text {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            let mut command = command.to_owned();
            while command.ends_with('\\') {
                command.pop();
                let (_, next) = lines.next().expect("a continued command has a next line");
                command.push_str(next);
            }
            let mut args = words(&command);
            assert_eq!(args.remove(0), "ringfence", "README line {}: only ringfence commands run", n + 1);
            assert!(
                !args.iter().any(|a| a == "|" || a == ">"),
                "README line {}: a command whose output goes elsewhere shows no output: {command}",
                n + 1
            );
            all.push(Shown { line: n + 1, args, output: Vec::new() });
            open = true;
        } else if let Some(last) = all.last_mut().filter(|_| open) {
            last.output.push(line.to_owned());
        } else {
            // A text block that shows no command (a file layout, say): nothing to run.
        }
    }
    for s in &mut all {
        // A blank line between two commands of one block separates them.
        while s.output.last().is_some_and(|l| l.is_empty()) {
            s.output.pop();
        }
    }
    all
}

/// Whether `actual` is what `shown` shows, `…` as the module header says; `Err` says
/// where they part.
fn matches(shown: &[String], actual: &[&str]) -> Result<(), String> {
    fn go(shown: &[String], actual: &[&str], at: usize) -> Result<(), String> {
        match shown.split_first() {
            None if actual.is_empty() => Ok(()),
            None => Err(format!("the output goes on after the README's last line: `{}`", actual[0])),
            Some((s, rest)) if s.trim() == "…" => {
                let mut last = Err(String::new());
                for skip in 0..=actual.len() {
                    last = go(rest, &actual[skip..], at + skip);
                    if last.is_ok() {
                        return last;
                    }
                }
                last
            }
            Some((s, rest)) => {
                let Some((a, more)) = actual.split_first() else {
                    return Err(format!("the output ends before the README's line `{s}`"));
                };
                let ok = match s.strip_suffix('…') {
                    Some(prefix) => a.starts_with(prefix),
                    None => a == s,
                };
                if ok {
                    go(rest, more, at + 1)
                } else {
                    Err(format!("output line {}:\n  README: {s}\n  actual: {a}", at + 1))
                }
            }
        }
    }
    go(shown, actual, 0)
}

/// A folder with `legacy` and `cdk.out` as the README's commands expect them.
fn workdir() -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ringfence-cli-readme");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    copy_dir(&repo().join("legacy"), &base.join("legacy"));
    copy_dir(&repo().join("crates/cli/tests/suites"), &base.join("crates/cli/tests/suites"));
    let status = common::nested_cargo()
        .args(["run", "-q", "--example", "chat_bots", "--manifest-path"])
        .arg(repo().join("Cargo.toml"))
        .arg("--")
        .arg("--out")
        .arg(base.join("cdk.out"))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo run --example chat_bots failed");
    base
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn every_output_the_readme_shows_is_what_the_command_prints() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let commands = shown(&readme);
    assert!(commands.len() >= 7, "the README shows its commands: {commands:#?}");
    let dir = workdir();
    let mut failures = Vec::new();
    for s in &commands {
        let out = Command::new(env!("CARGO_BIN_EXE_ringfence"))
            .args(&s.args)
            .current_dir(&dir)
            .output()
            .expect("the binary runs");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let actual: Vec<&str> = stdout.lines().collect();
        if let Err(why) = matches(&s.output, &actual) {
            failures.push(format!(
                "README line {}: `ringfence {}`\n{why}\n--- the command printed:\n{stdout}",
                s.line,
                s.args.join(" ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn elisions_match_what_they_say_and_nothing_more() {
    let shown = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
    assert!(matches(&shown(&["a", "…", "d"]), &["a", "b", "c", "d"]).is_ok());
    assert!(matches(&shown(&["a", "…", "d"]), &["a", "d"]).is_ok());
    assert!(matches(&shown(&["a", "…"]), &["a", "b"]).is_ok());
    assert!(matches(&shown(&["a", "b…"]), &["a", "bcd"]).is_ok());
    assert!(matches(&shown(&["a", "b…"]), &["a", "xbcd"]).is_err());
    assert!(matches(&shown(&["a", "b…"]), &["a", "bcd", "e"]).is_err());
    assert!(matches(&shown(&["a", "b"]), &["a", "c"]).is_err());
    assert!(matches(&shown(&["a", "b"]), &["a"]).is_err());
    assert!(matches(&shown(&["a"]), &["a", "b"]).is_err());
    assert!(matches(&shown(&["a", "…", "d"]), &["a", "b", "c"]).is_err());
    assert_eq!(words(r#"audit x --param '*.S=sg-1' "a b""#), ["audit", "x", "--param", "*.S=sg-1", "a b"]);
}
