//! `ringfence audit`: every check over the suite, as text, JSON or SARIF, and the exit
//! code that `--fail-on` asks for.
//!
//! A file that cannot be parsed is an error-level finding of check `RF000` (unreadable
//! template): its `path` is `line L, column C` (or the section of the wrong shape) and the
//! other files are audited as usual.

use std::collections::HashMap;
use std::fmt::Write as _;

use ringfence_analyze::{analyze_model, Finding, Model, Severity};
use serde_json::json;

use crate::args::{AuditArgs, AuditFormat, FailOn};
use crate::load::{self, Loaded, TemplateFile};
use crate::{plan, sarif, Outcome, Usage};

/// The check id of an unreadable template.
pub const UNREADABLE: &str = "RF000";
/// Its name.
pub const UNREADABLE_NAME: &str = "unreadable-template";
/// What it means.
pub const UNREADABLE_SUMMARY: &str =
    "unreadable template: the file is not valid JSON or YAML, or not shaped like a template";

/// One finding as the command reports it: the engine's, or an unreadable file.
#[derive(Debug, Clone)]
pub struct Row {
    /// Check id.
    pub check: String,
    /// Severity.
    pub severity: Severity,
    /// The file path as given.
    pub template: String,
    /// The stack name.
    pub stack: String,
    /// The resource's logical id (empty for the whole template).
    pub resource: String,
    /// The property path in the resource (for RF000: `line L, column C`).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
    /// The reason it is suppressed, if it is.
    pub suppressed: Option<String>,
    /// The line in the file, when found.
    pub line: Option<usize>,
    /// The column in the file, when known.
    pub column: Option<usize>,
}

/// Counts of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Active errors.
    pub errors: usize,
    /// Active warnings.
    pub warnings: usize,
    /// Active notes (severity info).
    pub notes: usize,
    /// Suppressed findings.
    pub suppressed: usize,
    /// Template files audited, unreadable ones included.
    pub templates: usize,
}

impl Summary {
    fn of(rows: &[Row], templates: usize) -> Summary {
        let mut s = Summary { templates, ..Summary::default() };
        for r in rows {
            match (&r.suppressed, r.severity) {
                (Some(_), _) => s.suppressed += 1,
                (None, Severity::Error) => s.errors += 1,
                (None, Severity::Warning) => s.warnings += 1,
                (None, Severity::Info) => s.notes += 1,
            }
        }
        s
    }

    fn line(&self) -> String {
        format!(
            "{} errors, {} warnings, {} notes, {} suppressed in {} templates",
            self.errors, self.warnings, self.notes, self.suppressed, self.templates
        )
    }

    /// The exit code `--fail-on` asks for.
    pub fn exit_code(&self, fail_on: FailOn) -> u8 {
        let failed = match fail_on {
            FailOn::Error => self.errors > 0,
            FailOn::Warning => self.errors + self.warnings > 0,
            FailOn::Never => false,
        };
        u8::from(failed)
    }
}

/// Runs the command.
pub fn run(args: &AuditArgs) -> Result<Outcome, Usage> {
    if args.plan && args.format == AuditFormat::Sarif {
        return Err(Usage("--plan prints text or json, not sarif".into()));
    }
    let loaded = load::load(&args.inputs)?;
    let model = Model::build(&loaded.suite);
    let report = analyze_model(&model);
    let rows = rows(&loaded, &report.findings);
    let summary = Summary::of(&rows, loaded.files.len());
    let stdout = if args.plan {
        plan::render(&loaded, &model, &report.findings, args.format == AuditFormat::Json)
    } else {
        match args.format {
            AuditFormat::Text => text(&rows, &summary),
            AuditFormat::Json => json(&rows, &summary),
            AuditFormat::Sarif => sarif::render(&rows),
        }
    };
    Ok(Outcome { stdout, code: summary.exit_code(args.fail_on) })
}

/// The findings in file order, each file's most severe first (the engine's order), an
/// unreadable file's RF000 in its place.
pub fn rows(loaded: &Loaded, findings: &[Finding]) -> Vec<Row> {
    let mut by_stack: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_stack.entry(f.template.as_str()).or_default().push(f);
    }
    let mut rows = Vec::new();
    for file in &loaded.files {
        if let Some(u) = &file.unreadable {
            let path = match (u.line, u.column, &u.section) {
                (Some(l), Some(c), _) => format!("line {l}, column {c}"),
                (Some(l), None, _) => format!("line {l}"),
                (None, _, Some(s)) => s.clone(),
                _ => String::new(),
            };
            rows.push(Row {
                check: UNREADABLE.into(),
                severity: Severity::Error,
                template: file.path.clone(),
                stack: file.stack.clone(),
                resource: String::new(),
                path,
                message: format!("unreadable template: {}", u.message),
                hint:
                    "fix the syntax (or the section named); the other templates were audited without this one"
                        .into(),
                suppressed: None,
                line: u.line,
                column: u.column,
            });
            continue;
        }
        for f in by_stack.remove(file.stack.as_str()).unwrap_or_default() {
            rows.push(row(file, f));
        }
    }
    rows
}

fn row(file: &TemplateFile, f: &Finding) -> Row {
    let line = (!f.logical_id.is_empty()).then(|| resource_line(&file.text, &f.logical_id)).flatten();
    Row {
        check: f.check.to_owned(),
        severity: f.severity,
        template: file.path.clone(),
        stack: f.template.clone(),
        resource: f.logical_id.clone(),
        path: f.path.clone(),
        message: f.message.clone(),
        hint: f.hint.clone(),
        suppressed: f.suppressed.clone(),
        line,
        column: None,
    }
}

/// The 1-based line where the template text declares resource `id`: its key after the
/// `Resources` key (JSON or YAML), or anywhere if there is no such key.
pub fn resource_line(text: &str, id: &str) -> Option<usize> {
    let start = key_offset(text, "Resources", 0).unwrap_or(0);
    let at = key_offset(text, id, start).or_else(|| key_offset(text, id, 0))?;
    Some(text[..at].matches('\n').count() + 1)
}

/// The byte offset of `key` used as a map key at or after `from`: `"key":`, `'key':`, or
/// `key:` first on its line.
fn key_offset(text: &str, key: &str, from: usize) -> Option<usize> {
    let mut search = from;
    while let Some(i) = text.get(search..)?.find(key) {
        let at = search + i;
        let (before, after) = (&text[..at], &text[at + key.len()..]);
        let quoted = ['"', '\''].into_iter().find(|q| before.ends_with(*q) && after.starts_with(*q));
        let is_key = match quoted {
            Some(q) => after[q.len_utf8()..].trim_start().starts_with(':'),
            None => {
                let line_start = before.rfind('\n').map_or(0, |p| p + 1);
                before[line_start..].trim().is_empty() && after.starts_with(':')
            }
        };
        if is_key {
            return Some(at);
        }
        search = at + key.len();
    }
    None
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Findings grouped by template, and the summary line.
fn text(rows: &[Row], summary: &Summary) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for r in rows {
        if current != Some(r.template.as_str()) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{} (stack {})", r.template, r.stack);
            current = Some(&r.template);
        }
        let mut head = format!("  {:<7} {}", label(r.severity), r.check);
        if !r.resource.is_empty() {
            let _ = write!(head, " {}", r.resource);
        }
        if !r.path.is_empty() {
            let _ = write!(head, " {}", r.path);
        }
        if let Some(line) = r.line.filter(|_| r.check != UNREADABLE) {
            let _ = write!(head, " (line {line})");
        }
        if r.suppressed.is_some() {
            head.push_str(" [suppressed]");
        }
        let _ = writeln!(out, "{head}");
        let _ = writeln!(out, "          {}", r.message);
        match &r.suppressed {
            Some(reason) => {
                let _ = writeln!(out, "          suppressed: {reason}");
            }
            None => {
                let _ = writeln!(out, "          hint: {}", r.hint);
            }
        }
    }
    if !rows.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary.line());
    out
}

/// `{"findings": [...], "summary": {...}}`.
fn json(rows: &[Row], summary: &Summary) -> String {
    let findings: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            json!({
                "check": r.check,
                "severity": r.severity.to_string(),
                "template": r.template,
                "resource": r.resource,
                "path": r.path,
                "message": r.message,
                "hint": r.hint,
                "suppressed": r.suppressed,
            })
        })
        .collect();
    let doc = json!({
        "findings": findings,
        "summary": {
            "errors": summary.errors,
            "warnings": summary.warnings,
            "notes": summary.notes,
            "suppressed": summary.suppressed,
            "templates": summary.templates,
        }
    });
    pretty(&doc)
}

/// Pretty JSON with a final newline.
pub fn pretty(doc: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_found_by_their_key() {
        let yaml = "Parameters:\n  Web:\n    Type: String\nResources:\n  WebSG:\n    Type: X\n  Web:\n    Type: Y\nOutputs:\n  Web:\n    Value: 1\n";
        assert_eq!(resource_line(yaml, "Web"), Some(7));
        assert_eq!(resource_line(yaml, "WebSG"), Some(5));
        let json = "{\n  \"Resources\": {\n    \"A\": {\"Type\": \"X\", \"Properties\": {\"Ref\": \"B\"}},\n    \"B\" : {}\n  }\n}\n";
        assert_eq!(resource_line(json, "A"), Some(3));
        assert_eq!(resource_line(json, "B"), Some(4));
        assert_eq!(resource_line(json, "C"), None);
        assert_eq!(resource_line("{\"Resources\":{\"A\":{}}}", "A"), Some(1));
    }

    #[test]
    fn the_exit_code_follows_fail_on() {
        let s = Summary { warnings: 2, ..Summary::default() };
        assert_eq!(s.exit_code(FailOn::Error), 0);
        assert_eq!(s.exit_code(FailOn::Warning), 1);
        let s = Summary { errors: 1, ..Summary::default() };
        assert_eq!(s.exit_code(FailOn::Never), 0);
        assert_eq!(s.exit_code(FailOn::Error), 1);
        assert_eq!(Summary { notes: 3, suppressed: 1, ..Summary::default() }.exit_code(FailOn::Warning), 0);
    }
}
