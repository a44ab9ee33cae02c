//! SARIF 2.1.0 output: one run, one rule per check (and `RF000` for unreadable
//! templates), one result per finding with the file and, when found, the line that
//! declares the resource; suppressed findings carry an `inSource` suppression with
//! their reason.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use ringfence_analyze::{Severity, CHECKS};
use serde_json::{json, Value};

use crate::output::{write_nested, PrettyArray};
use crate::rows::{Row, Rows, UNREADABLE, UNREADABLE_NAME, UNREADABLE_SUMMARY};
use crate::stack_names::absolute;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// SARIF's level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Where the command is documented.
const INFORMATION_URI: &str = "https://docs.rs/ringfence-cli";

/// Where a check is documented: its constant in `ringfence_analyze::checks` on docs.rs
/// (of this version), or the command's page for RF000, which is the command's own.
fn help_uri(id: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match ringfence_analyze::check(id) {
        Some(c) => format!(
            "https://docs.rs/ringfence-analyze/{version}/ringfence_analyze/checks/constant.{}.html",
            c.id
        ),
        None => format!("{INFORMATION_URI}/{version}"),
    }
}

fn rule(id: &str, name: &str, summary: &str, severity: Severity) -> Value {
    json!({
        "id": id,
        "name": name,
        "shortDescription": { "text": summary },
        "defaultConfiguration": { "level": level(severity) },
        "helpUri": help_uri(id),
    })
}

/// The URI base id of every relative `uri`: the working directory ringfence ran in,
/// which `run.originalUriBaseIds` gives as a `file://` URI.
pub const SRCROOT: &str = "%SRCROOT%";

/// A path segment as it stands in a URI: unreserved characters as they are, every other
/// byte percent-encoded (a space is `%20`, `#` is `%23`).
fn encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The segments of a path's folders and name (its normal components), encoded.
fn segments(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(encode(&s.to_string_lossy())),
            _ => None,
        })
        .collect()
}

/// The `file://` URI of an absolute path: `file:///work/my%20templates/a.json`
/// (on Windows `file:///C:/t/a.json`).
pub fn file_uri(path: &Path) -> String {
    let drive = path.components().find_map(|c| match c {
        Component::Prefix(p) => Some(format!("/{}", p.as_os_str().to_string_lossy())),
        _ => None,
    });
    format!("file://{}/{}", drive.unwrap_or_default(), segments(path).join("/"))
}

/// Where a file is, as SARIF says it: for a file under the working directory `cwd`, its
/// path relative to it, a URI reference with `uriBaseId` [`SRCROOT`]
/// (`infra/ecs/cluster.yaml`); for any other file (or when the working directory is
/// unknown), its `file://` URI.
///
/// GitHub code scanning reads a relative `uri` as a path from the repository's root and
/// does not read `uriBaseId` or `originalUriBaseIds`, so the `uri` is relative to the
/// directory ringfence ran in (the repository's root, in CI), not to the audited folder
/// that the text output's paths are relative to: an alert then lands on the file it is
/// about whichever folder was audited. Other consumers resolve it through
/// `originalUriBaseIds`, as SARIF 2.1.0 (§3.4.4, §3.14.14) has them do.
pub fn artifact_location(path: &str, cwd: Option<&Path>) -> Value {
    let given = Path::new(path);
    let abs = absolute(given);
    let under = |cwd: &Path| -> Option<PathBuf> {
        if let Some(rel) = abs.as_deref().and_then(|a| a.strip_prefix(cwd).ok()) {
            return Some(rel.to_path_buf());
        }
        // A link on the way (a temporary folder behind one, say): compare real paths.
        let real = std::fs::canonicalize(given).ok()?;
        real.strip_prefix(std::fs::canonicalize(cwd).ok()?).ok().map(Path::to_path_buf)
    };
    match (cwd.and_then(under), &abs) {
        (Some(rel), _) => json!({ "uri": segments(&rel).join("/"), "uriBaseId": SRCROOT }),
        (None, Some(abs)) => json!({ "uri": file_uri(abs) }),
        (None, None) => json!({ "uri": segments(given).join("/") }),
    }
}

/// `run.originalUriBaseIds`: [`SRCROOT`] is the working directory.
fn base_ids(cwd: &Path) -> Value {
    let mut uri = file_uri(cwd);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    json!({
        SRCROOT: {
            "uri": uri,
            "description": { "text": "The working directory ringfence ran in (the repository's root, when run there)." },
        }
    })
}

fn result(r: &Row<'_>, cwd: Option<&Path>) -> Value {
    let mut physical = json!({ "artifactLocation": artifact_location(r.file, cwd) });
    if let Some(line) = r.line {
        let mut region = json!({ "startLine": line });
        if let Some(column) = r.column {
            region["startColumn"] = json!(column);
        }
        physical["region"] = region;
    }
    let mut location = json!({ "physicalLocation": physical });
    if !r.resource.is_empty() {
        location["logicalLocations"] = json!([{
            "name": r.resource,
            "fullyQualifiedName": format!("{}/{}", r.stack, r.resource),
            "kind": "resource",
        }]);
    }
    let mut text = r.message.to_string();
    if r.check == UNREADABLE {
        text = format!("{}: {text}", r.path);
    } else if !r.path.is_empty() {
        text = format!("{} {}: {text}", r.resource, r.path);
    }
    let mut result = json!({
        "ruleId": r.check,
        "level": level(r.severity),
        "message": { "text": format!("{text}. Hint: {}", r.hint) },
        "locations": [location],
    });
    if let Some(reason) = &r.suppressed {
        result["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
    }
    result
}

/// Writes the SARIF log of the rows, one result at a time, laid out as pretty JSON.
pub fn write(rows: Rows<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: Vec<Value> = CHECKS.iter().map(|c| rule(c.id, c.name, c.summary, c.severity)).collect();
    rules.push(rule(UNREADABLE, UNREADABLE_NAME, UNREADABLE_SUMMARY, Severity::Error));
    let tool = json!({
        "driver": {
            "name": "ringfence",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }
    });
    // {"$schema": …, "version": "2.1.0", "runs": [{"tool": …, "columnKind": …, "results": […]}]}
    out.write_all(b"{\n  \"$schema\": ")?;
    serde_json::to_writer(&mut *out, SCHEMA)?;
    out.write_all(b",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": ")?;
    write_nested(out, &tool, 3, &mut Vec::new())?;
    let cwd = std::env::current_dir().ok().and_then(|c| absolute(&c));
    if let Some(cwd) = &cwd {
        out.write_all(b",\n      \"originalUriBaseIds\": ")?;
        write_nested(out, &base_ids(cwd), 3, &mut Vec::new())?;
    }
    out.write_all(b",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": ")?;
    let mut results = PrettyArray::open(out, 3)?;
    rows.try_for_each(|r| results.item(&result(&r, cwd.as_deref())))?;
    results.close()?;
    out.write_all(b"\n    }\n  ]\n}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_under_the_working_directory_are_relative_to_it() {
        let cwd = Path::new("/work/repo");
        let at = |path: &str| artifact_location(path, Some(cwd));
        let relative = |uri: &str| json!({ "uri": uri, "uriBaseId": SRCROOT });
        assert_eq!(at("/work/repo/infra/ecs/cluster.yaml"), relative("infra/ecs/cluster.yaml"));
        assert_eq!(at("/work/repo/./my templates/a#b.yaml"), relative("my%20templates/a%23b.yaml"));
        assert_eq!(at("/work/other/a.json"), json!({ "uri": "file:///work/other/a.json" }));
        assert_eq!(at("/work/my templates/a.json"), json!({ "uri": "file:///work/my%20templates/a.json" }));
        assert_eq!(
            artifact_location("/work/a.json", None),
            json!({ "uri": "file:///work/a.json" }),
            "no working directory: absolute"
        );
        assert_eq!(file_uri(Path::new("/")), "file:///");
        assert_eq!(base_ids(cwd)[SRCROOT]["uri"], "file:///work/repo/");
        // A relative path is relative to the real working directory.
        let here = std::env::current_dir().unwrap();
        assert_eq!(artifact_location("./a/../b.yaml", Some(&here)), relative("b.yaml"));
        let parent = here.parent().unwrap().join("x.yaml");
        assert_eq!(artifact_location("../x.yaml", Some(&here)), json!({ "uri": file_uri(&parent) }));
    }
}
