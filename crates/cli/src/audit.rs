//! `ringfence audit`: every check over the suite, as text, JSON or SARIF, and the exit
//! code that `--fail-on` asks for; with `--plan`, the plan of every RF101 finding.
//!
//! The report is written as it is made, one finding at a time ([`Rows`]): a suite's
//! memory is its templates as read, the model and the findings (about 50 bytes each),
//! never its report. What a row is, where its line comes from and how unreadable files
//! are reported is the business of [`crate::rows`], which SARIF output reads too.

use std::io::{self, Write};

use ringfence_analyze::{Findings, Model, Severity};
use serde_json::json;

use crate::args::{AuditArgs, AuditFormat};
use crate::load;
use crate::output::{one_line, write_nested, PrettyArray, Usage};
use crate::rows::{Rows, Summary, UNREADABLE};
use crate::{plan, sarif};

/// Runs the command, writing the report to `out` as it goes: the exit code, and whether
/// the output could be written.
pub fn run(args: &AuditArgs, out: &mut dyn Write) -> Result<(u8, io::Result<()>), Usage> {
    if args.plan && args.format == AuditFormat::Sarif {
        return Err(Usage("--plan prints text or json, not sarif".into()));
    }
    let loaded = load::load(&args.inputs)?;
    let model = Model::build(&loaded.suite);
    let found = Findings::of(&model);
    let summary = Summary::of(&loaded, &found);
    let code = summary.exit_code(args.fail_on);
    if args.plan {
        let findings = found.to_report().findings;
        let plan = plan::render(&loaded, &model, &findings, args.format == AuditFormat::Json);
        return Ok((code, out.write_all(plan.as_bytes())));
    }
    let rows = Rows::new(&loaded, &found);
    let written = match args.format {
        AuditFormat::Text => text(rows, &summary, out),
        AuditFormat::Json => json(rows, &summary, out),
        AuditFormat::Sarif => sarif::write(rows, out),
    };
    Ok((code, written))
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Findings grouped by template, and the summary line.
fn text(rows: Rows<'_>, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let mut current: Option<&str> = None;
    let mut any = false;
    rows.try_for_each(|r| {
        any = true;
        if current != Some(r.template) {
            if current.is_some() {
                out.write_all(b"\n")?;
            }
            writeln!(out, "{} (stack {})", r.template, r.stack)?;
            current = Some(r.template);
        }
        write!(out, "  {:<7} {}", label(r.severity), r.check)?;
        if !r.resource.is_empty() {
            write!(out, " {}", r.resource)?;
        }
        if !r.path.is_empty() {
            write!(out, " {}", r.path)?;
        }
        if let Some(line) = r.line.filter(|_| r.check != UNREADABLE) {
            write!(out, " (line {line})")?;
        }
        if r.suppressed.is_some() {
            out.write_all(b" [suppressed]")?;
        }
        writeln!(out)?;
        writeln!(out, "          {}", one_line(&r.message))?;
        match r.suppressed {
            Some(reason) => writeln!(out, "          suppressed: {}", one_line(reason)),
            None => writeln!(out, "          hint: {}", one_line(r.hint)),
        }
    })?;
    if any {
        out.write_all(b"\n")?;
    }
    writeln!(out, "{}", summary.line())
}

/// `{"findings": [...], "summary": {...}}`, written as it is made.
fn json(rows: Rows<'_>, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"{\n  \"findings\": ")?;
    let mut findings = PrettyArray::open(out, 1)?;
    rows.try_for_each(|r| {
        findings.item(&json!({
            "check": r.check,
            "severity": r.severity.to_string(),
            "template": r.template,
            "stack": r.stack,
            "resource": r.resource,
            "path": r.path,
            "message": r.message,
            "hint": r.hint,
            "suppressed": r.suppressed,
        }))
    })?;
    findings.close()?;
    out.write_all(b",\n  \"summary\": ")?;
    let counts = json!({
        "errors": summary.errors,
        "warnings": summary.warnings,
        "notes": summary.notes,
        "suppressed": summary.suppressed,
        "templates": summary.templates,
    });
    write_nested(out, &counts, 1, &mut Vec::new())?;
    out.write_all(b"\n}\n")
}
