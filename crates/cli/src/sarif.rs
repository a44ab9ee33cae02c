//! SARIF 2.1.0 output: one run, one rule per check (and `RF000` for unreadable
//! templates), one result per finding with the file and, when found, the line that
//! declares the resource; suppressed findings carry an `inSource` suppression with
//! their reason.

use std::io::{self, Write};

use ringfence_analyze::{Severity, CHECKS};
use serde_json::{json, Value};

use crate::output::{write_nested, PrettyArray};
use crate::rows::{Row, Rows, UNREADABLE, UNREADABLE_NAME, UNREADABLE_SUMMARY};

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

/// A relative path as a URI reference (`/` separators, reserved characters escaped); an
/// absolute one as a `file://` URI.
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else if path.as_bytes().get(1) == Some(&b':') {
        // A Windows drive letter: file:///C:/…
        format!("file:///{}", out.replacen("%3A", ":", 1))
    } else {
        out
    }
}

fn result(r: &Row<'_>) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri(r.template) } });
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
    out.write_all(b",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": ")?;
    let mut results = PrettyArray::open(out, 3)?;
    rows.try_for_each(|r| results.item(&result(&r)))?;
    results.close()?;
    out.write_all(b"\n    }\n  ]\n}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("legacy/chat-platform/bot-dice.yaml"), "legacy/chat-platform/bot-dice.yaml");
        assert_eq!(uri("/work/my templates/a.json"), "file:///work/my%20templates/a.json");
        assert_eq!(uri("C:\\t\\a.json"), "file:///C:/t/a.json");
        assert_eq!(uri("a#b.yaml"), "a%23b.yaml");
    }
}
