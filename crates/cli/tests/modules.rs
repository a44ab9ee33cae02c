//! The command's modules form a graph without circles, and no module imports the crate
//! root: every `crate::X` that a file of `src/` names (in a `use` or a path) is an edge
//! to module `X` (`src/X.rs`), and anything else after `crate::` is an item of
//! `main.rs`, which no module may import. The commands (`audit`, `reach_cmd`, `impact`,
//! `graph`) import no other command.
//!
//! The scan reads the text, not the syntax tree: it finds `crate::` outside comments
//! and string literals, then the name after it or each first name of the `{…}` group
//! after it. That is all the crate writes; a form it does not read (a `crate::`
//! hidden in a macro's input, say) would be missed, never reported wrongly.
//! `planted_edges_are_found` checks that the scan fails on a circle, a root item and a
//! command importing a command.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The modules that are commands: each run by `main`, none imported by another.
const COMMANDS: &[&str] = &["audit", "reach_cmd", "impact", "graph"];

/// A file's text without comments, and with string and char literals emptied (so a
/// `crate::` in a message or a doc is not an import).
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
                out.push(' ');
            }
            'r' if matches!(chars.peek(), Some('"' | '#'))
                && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_') =>
            {
                // A raw string: r"…" or r#"…"#.
                let mut hashes = 0;
                while chars.peek() == Some(&'#') {
                    chars.next();
                    hashes += 1;
                }
                if chars.next() != Some('"') {
                    continue;
                }
                let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let mut body = String::new();
                for c in chars.by_ref() {
                    body.push(c);
                    if body.ends_with(&close) {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => {}
                    }
                }
                out.push_str("\"\"");
            }
            // A char literal ('x', '\n', '"'), not a lifetime ('a).
            '\'' => {
                let ahead: Vec<char> = chars.clone().take(12).collect();
                let len = match ahead.first() {
                    Some('\\') => ahead.iter().skip(1).position(|c| *c == '\'').map(|i| i + 2),
                    Some(_) if ahead.get(1) == Some(&'\'') => Some(2),
                    _ => None,
                };
                match len {
                    Some(n) => {
                        chars.nth(n - 1);
                        out.push_str("' '");
                    }
                    None => out.push('\''),
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The names a file imports from the crate: each name right after `crate::`, or each
/// first name of the `{…}` group after it.
fn crate_names(text: &str) -> Vec<String> {
    let code = code(text);
    let mut names = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let after = rest.trim_start();
        if let Some(group) = after.strip_prefix('{') {
            // Split the group at its top-level commas; the first name of each item.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            names.push(item);
        } else {
            names.push(after.to_owned());
        }
    }
    names
        .into_iter()
        .filter_map(|n| {
            let first: String = n.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            (!first.is_empty()).then_some(first)
        })
        .collect()
}

/// What is wrong with the modules: each module's edges, and the problems found.
fn problems(files: &BTreeMap<String, String>) -> Vec<String> {
    let modules: BTreeSet<&str> = files.keys().map(String::as_str).filter(|m| *m != "main").collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (module, text) in files.iter().filter(|(m, _)| *m != "main") {
        let to = edges.entry(module.as_str()).or_default();
        for name in crate_names(text) {
            match modules.get(name.as_str()) {
                Some(&target) if target == module => {}
                Some(&target) => {
                    if COMMANDS.contains(&module.as_str()) && COMMANDS.contains(&target) {
                        problems.push(format!("command {module} imports command {target}"));
                    }
                    to.insert(target);
                }
                None => problems.push(format!(
                    "{module} imports crate::{name}, an item of main.rs: move it to a module (output, rows…)"
                )),
            }
        }
    }
    // Depth-first search; a module met again while on the path closes a circle.
    fn visit<'a>(
        m: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        problems: &mut Vec<String>,
    ) {
        if let Some(i) = path.iter().position(|p| *p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m);
            problems.push(format!("import circle: {}", circle.join(" -> ")));
            return;
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for next in edges.get(m).into_iter().flatten() {
            visit(next, edges, path, done, problems);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        visit(m, &edges, &mut Vec::new(), &mut done, &mut problems);
    }
    problems
}

fn sources() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            files.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    files
}

#[test]
fn the_modules_import_each_other_without_circles() {
    let files = sources();
    for m in COMMANDS.iter().chain(&["main", "output", "rows", "plan", "sarif", "load", "text", "args"]) {
        assert!(files.contains_key(*m), "no src/{m}.rs: the test's lists need updating");
    }
    let problems = problems(&files);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn planted_edges_are_found() {
    let mut files = sources();
    // The circle of the issue: plan borrowing audit's JSON layout while audit runs plan.
    files.get_mut("plan").unwrap().push_str("\nuse crate::audit::json;\n");
    // An item of main.rs, imported as the commands once did.
    files.get_mut("graph").unwrap().push_str("\nfn f() -> crate::Outcome { todo!() }\n");
    // A command importing a command, inside a group.
    files.get_mut("impact").unwrap().push_str("\nuse crate::{\n    reach_cmd::listing,\n    text,\n};\n");
    let found = problems(&files);
    assert!(
        found.iter().any(|p| p.starts_with("import circle: ") && p.contains("audit") && p.contains("plan")),
        "{found:#?}"
    );
    assert!(
        found.contains(
            &"graph imports crate::Outcome, an item of main.rs: move it to a module (output, rows…)"
                .to_owned()
        ),
        "{found:#?}"
    );
    assert!(found.contains(&"command impact imports command reach_cmd".to_owned()), "{found:#?}");
    assert_eq!(found.len(), 3, "{found:#?}");

    // Comments and strings are not imports.
    let mut files = sources();
    files.get_mut("plan").unwrap().push_str(
        "\n// use crate::audit;\n/* crate::audit */\nconst S: &str = \"crate::audit\";\nconst R: &str = r#\"crate::audit\"#;\nconst C: char = '\"';\nfn g<'a>(x: &'a str) -> &'a str { x }\n",
    );
    assert_eq!(problems(&files), Vec::<String>::new());
}

#[test]
fn names_are_read_from_paths_and_groups() {
    let names = crate_names(
        "use crate::args::{A, B};\nuse crate::{load::{self, L}, output::Usage, plan};\nlet x = crate::text::ident(\"crate::no\");\nmy_crate::z;",
    );
    assert_eq!(names, ["args", "load", "output", "plan", "text"]);
}
