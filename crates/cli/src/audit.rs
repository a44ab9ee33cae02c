//! `ringfence audit`: every check over the suite, as text, JSON or SARIF, and the exit
//! code that `--fail-on` asks for.
//!
//! A file that cannot be parsed is an error-level finding of check `RF000` (unreadable
//! template): its `path` is `line L, column C` (or the section of the wrong shape) and the
//! other files are audited as usual. A value read but not understood is an `RF001`
//! finding at the line of that value.
//!
//! Lines are found for all the findings of a file in one pass over its text
//! ([`ringfence_cfn::locate`]), so the audit stays linear in the size of the suite.

use std::collections::HashMap;
use std::fmt::Write as _;

use ringfence_analyze::{analyze_model, Finding, Model, Severity};
use ringfence_cfn::{locate, KeyPath};
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
    pub check: &'static str,
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
    let plan =
        args.plan.then(|| plan::render(&loaded, &model, &report.findings, args.format == AuditFormat::Json));
    drop(model);
    let rows = rows(&loaded, report.findings);
    let summary = Summary::of(&rows, loaded.files.len());
    // The texts and templates are no longer needed: free them before the output grows.
    drop(loaded);
    let stdout = match plan {
        Some(plan) => plan,
        None => match args.format {
            AuditFormat::Text => text(&rows, &summary),
            AuditFormat::Json => json(&rows, &summary),
            AuditFormat::Sarif => sarif::render(&rows),
        },
    };
    Ok(Outcome { stdout, code: summary.exit_code(args.fail_on) })
}

/// The findings in file order, each file's most severe first (the engine's order), an
/// unreadable file's RF000 in its place.
pub fn rows(loaded: &Loaded, mut findings: Vec<Finding>) -> Vec<Row> {
    let file_of: HashMap<&str, usize> =
        loaded.files.iter().enumerate().map(|(i, f)| (f.stack.as_str(), i)).collect();
    let file_index = |f: &Finding| file_of.get(f.template.as_str()).copied().unwrap_or(usize::MAX);
    // The engine lists findings in suite order, which is file order: each file's are one
    // stretch, taken in turn without copying them (sorted first only if they are not).
    if !findings.windows(2).all(|w| file_index(&w[0]) <= file_index(&w[1])) {
        findings.sort_by_key(|f| file_index(f));
    }
    let ends: Vec<usize> =
        (0..loaded.files.len()).map(|i| findings.partition_point(|f| file_index(f) <= i)).collect();
    let lines: Vec<Vec<Option<usize>>> = loaded
        .files
        .iter()
        .zip(&ends)
        .scan(0, |start, (file, &end)| {
            let range = *start..end;
            *start = end;
            Some(lines(file, &findings[range]))
        })
        .collect();
    let mut findings = findings.into_iter();
    let mut rows = Vec::with_capacity(findings.len() + loaded.files.len());
    for (file, lines) in loaded.files.iter().zip(lines) {
        if let Some(u) = &file.unreadable {
            let path = match (u.line, u.column, &u.section) {
                (Some(l), Some(c), _) => format!("line {l}, column {c}"),
                (Some(l), None, _) => format!("line {l}"),
                (None, _, Some(s)) => s.clone(),
                _ => String::new(),
            };
            rows.push(Row {
                check: UNREADABLE,
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
        }
        for line in lines {
            let Some(f) = findings.next() else { break };
            rows.push(row(file, f, line));
        }
    }
    rows
}

/// The line of each finding of one file, found in one pass over its text: the line that
/// declares the finding's resource; for RF001 (a value that cannot be read), the line of
/// that value, else of its resource.
fn lines(file: &TemplateFile, findings: &[Finding]) -> Vec<Option<usize>> {
    if findings.is_empty() {
        return Vec::new();
    }
    // Each resource is asked for once, however many findings it has; an RF001 finding
    // asks for its value too, and falls back on its resource.
    let mut paths = vec![KeyPath::new()];
    let mut resources: HashMap<&str, usize> = HashMap::new();
    let of: Vec<(usize, Option<usize>)> = findings
        .iter()
        .map(|f| {
            let resource = if f.logical_id.is_empty() {
                0
            } else {
                *resources.entry(&f.logical_id).or_insert_with(|| {
                    paths.push(KeyPath::new().key("Resources").key(&*f.logical_id));
                    paths.len() - 1
                })
            };
            let value = (f.check == RF001 && !f.path.is_empty()).then(|| {
                let base = if resource == 0 { KeyPath::new() } else { paths[resource].clone() };
                paths.push(base.join(&f.path));
                paths.len() - 1
            });
            (resource, value)
        })
        .collect();
    let found = locate(&file.text, &paths);
    of.into_iter().map(|(resource, value)| value.and_then(|v| found[v]).or(found[resource])).collect()
}

/// The check id of a value read but not understood.
const RF001: &str = "RF001";

fn row(file: &TemplateFile, f: Finding, line: Option<usize>) -> Row {
    Row {
        check: f.check,
        severity: f.severity,
        template: file.path.clone(),
        stack: f.template,
        resource: f.logical_id,
        path: f.path,
        message: f.message,
        hint: f.hint,
        suppressed: f.suppressed,
        line,
        column: None,
    }
}

/// The 1-based line where the template text declares resource `id` (its key under
/// `Resources`, JSON or YAML). One pass over the text: to find the lines of many
/// resources, give them all to [`ringfence_cfn::locate`] at once.
pub fn resource_line(text: &str, id: &str) -> Option<usize> {
    locate(text, &[KeyPath::new().key("Resources").key(id)])[0]
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
