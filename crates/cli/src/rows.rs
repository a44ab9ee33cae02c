//! The rows of an audit report: one per finding of the engine and one per unreadable
//! file (check `RF000`), each with its file, stack, resource, path and line, made one at
//! a time as the report is written ([`Rows::try_for_each`]); and the counts of the
//! report ([`Summary`]).
//!
//! A file that cannot be parsed is an error-level finding of check `RF000` (unreadable
//! template): its `path` is `line L, column C` (or the section of the wrong shape) and the
//! other files are audited as usual. A value read but not understood is an `RF001`
//! finding at the line of that value.
//!
//! The line of every resource is found when its file is read, in one pass over the text
//! ([`ringfence_cfn::locate_steps`]), so the audit stays linear in the size of the suite
//! and holds no text while it runs; the lines of RF001 values are found in one pass over
//! the file read again.
//!
//! Both report writers read the rows: `audit` (text and JSON) and `sarif`. The rows live
//! in a module of their own so that neither imports the other.

use std::borrow::Cow;
use std::collections::HashMap;

use ringfence_analyze::{FindingRef, Findings, Severity};
use ringfence_cfn::{locate, KeyPath};

use crate::args::FailOn;
use crate::load::{Loaded, TemplateFile};

/// The check id of an unreadable template.
pub const UNREADABLE: &str = "RF000";
/// Its name.
pub const UNREADABLE_NAME: &str = "unreadable-template";
/// What it means.
pub const UNREADABLE_SUMMARY: &str =
    "unreadable template: the file is not valid JSON or YAML, or not shaped like a template";

/// What an unreadable file's finding advises.
const UNREADABLE_HINT: &str =
    "fix the syntax (or the section named); the other templates were audited without this one";

/// One finding as the command reports it: the engine's, or an unreadable file. Its texts
/// are borrowed from the files, the suite and the engine's findings; rows are made one
/// at a time as the output is written, never all at once.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// Check id.
    pub check: &'a str,
    /// Severity.
    pub severity: Severity,
    /// The file, as the output shows it (relative to the audited folder when every
    /// input is a folder).
    pub template: &'a str,
    /// The file's path as given (the folder as given joined with the path under it),
    /// which SARIF locates the file by.
    pub file: &'a str,
    /// The stack name.
    pub stack: &'a str,
    /// The resource's logical id (empty for the whole template).
    pub resource: &'a str,
    /// The property path in the resource (for RF000: `line L, column C`).
    pub path: Cow<'a, str>,
    /// What is wrong.
    pub message: Cow<'a, str>,
    /// What to do.
    pub hint: &'a str,
    /// The reason it is suppressed, if it is.
    pub suppressed: Option<&'a str>,
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
    /// The counts of the engine's findings and the unreadable files (each an error).
    pub fn of(loaded: &Loaded, found: &Findings<'_>) -> Summary {
        let mut s = Summary { templates: loaded.files.len(), ..Summary::default() };
        s.errors = loaded.unreadable().count();
        for f in found.iter() {
            match (f.suppressed, f.severity) {
                (Some(_), _) => s.suppressed += 1,
                (None, Severity::Error) => s.errors += 1,
                (None, Severity::Warning) => s.warnings += 1,
                (None, Severity::Info) => s.notes += 1,
            }
        }
        s
    }

    /// The summary line: `N errors, N warnings, N notes, N suppressed in N templates`.
    pub fn line(&self) -> String {
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

/// The rows of a report, made as they are asked for: the findings in file order, each
/// file's most severe first (the engine's order), an unreadable file's RF000 in its
/// place, with the line of each.
pub struct Rows<'a> {
    loaded: &'a Loaded,
    found: &'a Findings<'a>,
    /// Where each file's findings are in the engine's order.
    of_file: OfFile,
}

/// Where each file's findings are.
enum OfFile {
    /// One stretch per file (the engine lists findings in suite order, which is file
    /// order).
    Stretches(Vec<std::ops::Range<usize>>),
    /// Each file's, in order (when a stack name is given twice, the engine sorts the
    /// two templates as one).
    Lists(Vec<Vec<usize>>),
}

impl<'a> Rows<'a> {
    /// The rows of the engine's findings and the unreadable files.
    pub fn new(loaded: &'a Loaded, found: &'a Findings<'a>) -> Rows<'a> {
        let mut file_of = vec![usize::MAX; loaded.suite.templates().len()];
        for (i, f) in loaded.files.iter().enumerate() {
            if let Some(index) = f.index {
                file_of[index] = i;
            }
        }
        let file = |f: FindingRef<'_>| file_of[f.stack];
        let of_file = if found.iter().map(file).is_sorted() {
            let mut counts = vec![0; loaded.files.len()];
            for f in found.iter() {
                if let Some(n) = counts.get_mut(file(f)) {
                    *n += 1;
                }
            }
            let mut start = 0;
            let stretches = counts
                .into_iter()
                .map(|n| {
                    start += n;
                    start - n..start
                })
                .collect();
            OfFile::Stretches(stretches)
        } else {
            let mut lists = vec![Vec::new(); loaded.files.len()];
            for (i, f) in found.iter().enumerate() {
                if let Some(list) = lists.get_mut(file(f)) {
                    list.push(i);
                }
            }
            OfFile::Lists(lists)
        };
        Rows { loaded, found, of_file }
    }

    /// The findings of file `i`.
    fn of(&self, i: usize) -> impl Iterator<Item = FindingRef<'a>> + Clone + '_ {
        let (stretch, list) = match &self.of_file {
            OfFile::Stretches(s) => (s[i].clone(), None),
            OfFile::Lists(l) => (0..0, Some(&l[i])),
        };
        let found = self.found;
        stretch.chain(list.into_iter().flatten().copied()).filter_map(move |i| found.get(i))
    }

    /// Calls `f` on every row, in order.
    pub fn try_for_each<E>(&self, mut f: impl FnMut(Row<'a>) -> Result<(), E>) -> Result<(), E> {
        for (i, file) in self.loaded.files.iter().enumerate() {
            if let Some(u) = &file.unreadable {
                let path = match (u.line, u.column, &u.section) {
                    (Some(l), Some(c), _) => format!("line {l}, column {c}"),
                    (Some(l), None, _) => format!("line {l}"),
                    (None, _, Some(s)) => s.clone(),
                    _ => String::new(),
                };
                f(Row {
                    check: UNREADABLE,
                    severity: Severity::Error,
                    template: &file.shown,
                    file: &file.path,
                    stack: &file.stack,
                    resource: "",
                    path: Cow::Owned(path),
                    message: Cow::Owned(format!("unreadable template: {}", u.message)),
                    hint: UNREADABLE_HINT,
                    suppressed: None,
                    line: u.line,
                    column: u.column,
                })?;
            }
            let findings = self.of(i);
            let mut lines = Lines::of(file, findings.clone());
            for finding in findings {
                let line = lines.line(self.loaded, file, &finding);
                f(Row {
                    check: finding.check,
                    severity: finding.severity,
                    template: &file.shown,
                    file: &file.path,
                    stack: finding.template,
                    resource: finding.logical_id,
                    path: Cow::Borrowed(finding.path),
                    message: Cow::Borrowed(finding.message),
                    hint: finding.hint,
                    suppressed: finding.suppressed,
                    line,
                    column: None,
                })?;
            }
        }
        Ok(())
    }
}

/// The check id of a value read but not understood.
const RF001: &str = "RF001";

/// The lines of one file's findings: the line that declares the finding's resource,
/// found when the file was read; for RF001 (a value that cannot be read), the line of
/// that value, else of its resource, found in one pass over the file's text, read again
/// for them.
enum Lines<'f> {
    /// The resources' lines, as the file was read.
    Resources,
    /// Lines found in the text.
    Found {
        /// The path asked for each resource with findings.
        resources: HashMap<&'f str, usize>,
        /// The path asked for each RF001 finding with a path, in order.
        values: std::vec::IntoIter<usize>,
        /// The line of each path.
        found: Vec<Option<usize>>,
    },
}

impl<'f> Lines<'f> {
    fn of(file: &TemplateFile, findings: impl Iterator<Item = FindingRef<'f>> + Clone) -> Lines<'f> {
        let value = |f: &FindingRef<'_>| f.check == RF001 && !f.path.is_empty();
        if !findings.clone().any(|f| value(&f)) {
            return Lines::Resources;
        }
        let Some(text) = file.text() else { return Lines::Resources };
        // Each resource is asked for once, however many findings it has; an RF001
        // finding asks for its value too, and falls back on its resource.
        let mut paths = vec![KeyPath::new()];
        let mut resources: HashMap<&'f str, usize> = HashMap::new();
        let mut values = Vec::new();
        for f in findings {
            let resource = if f.logical_id.is_empty() {
                0
            } else {
                *resources.entry(f.logical_id).or_insert_with(|| {
                    paths.push(KeyPath::new().key("Resources").key(f.logical_id));
                    paths.len() - 1
                })
            };
            if value(&f) {
                let base = if resource == 0 { KeyPath::new() } else { paths[resource].clone() };
                paths.push(base.join(f.path));
                values.push(paths.len() - 1);
            }
        }
        let found = locate(&text, &paths);
        Lines::Found { resources, values: values.into_iter(), found }
    }

    /// The line of the next finding (given in the same order).
    fn line(&mut self, loaded: &Loaded, file: &TemplateFile, f: &FindingRef<'_>) -> Option<usize> {
        match self {
            Lines::Resources => file.resource_line(&loaded.suite, f.logical_id),
            Lines::Found { resources, values, found } => {
                let resource =
                    if f.logical_id.is_empty() { 0 } else { resources.get(f.logical_id).copied()? };
                let value = (f.check == RF001 && !f.path.is_empty()).then(|| values.next()).flatten();
                value.and_then(|v| found[v]).or(found[resource])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_found_by_their_key() {
        let lines = |text: &str| {
            let t = ringfence_cfn::Template::parse(text).unwrap();
            let ids: Vec<String> = t.resources.keys().map(|k| k.to_string()).collect();
            ids.into_iter().zip(crate::load::resource_lines(text, &t)).collect::<Vec<_>>()
        };
        let yaml = "Parameters:\n  Web:\n    Type: String\nResources:\n  WebSG:\n    Type: X\n  Web:\n    Type: Y\nOutputs:\n  Web:\n    Value: 1\n";
        assert_eq!(lines(yaml), [("WebSG".to_owned(), 5), ("Web".to_owned(), 7)]);
        let json = "{\n  \"Resources\": {\n    \"A\": {\"Type\": \"X\", \"Properties\": {\"X\": {\"Ref\": \"B\"}}},\n    \"B\" : {\"Type\": \"Y\"}\n  }\n}\n";
        assert_eq!(lines(json), [("A".to_owned(), 3), ("B".to_owned(), 4)]);
        assert_eq!(lines("{\"Resources\":{\"A\":{\"Type\":\"X\"}}}"), [("A".to_owned(), 1)]);
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
