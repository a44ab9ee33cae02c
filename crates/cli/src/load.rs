//! Finding the template files under the given paths and reading them as one suite.
//!
//! - A file given by name is read if its extension is one of a template's, or if it
//!   looks like a template whatever its extension (not a cloud assembly's
//!   `manifest.json`).
//! - A folder is searched recursively, in name order, skipping hidden entries, for files
//!   ending in `.json`, `.yaml`, `.yml` or `.template` that look like templates (they
//!   declare `Resources` or `AWSTemplateFormatVersion`); `manifest.json` is skipped.
//! - `X.template.yaml` is skipped when `X.template.json` is read too (ringfence writes
//!   both with `--yaml`).
//! - The stack name is the file stem (`NAME` for `NAME.template.json`), unless
//!   `--stack-name FILE=NAME` says otherwise; files that share a stem are named after
//!   their paths relative to the audited folder (`ecs/cluster.yaml` → `ecs-cluster`),
//!   and the output shows each file relative to that folder when every input is a
//!   folder: [`crate::stack_names`] decides both.
//! - A file that cannot be parsed is kept as unreadable, with the parser's line and
//!   column; a path that cannot be read at all is a usage error.
//! - A file that is read keeps its size (what CloudFormation's size quotas count) and
//!   the reader's notes: what it kept without understanding (RF001).
//! - Its text is not kept once read (a large template would be held twice, as text and
//!   as read): the line of each resource is found first, in one pass, and the rare
//!   finding that needs the line of a value inside a resource reads the file again
//!   (if it is unchanged; otherwise the resource's line stands).

use std::path::{Path, PathBuf};

use std::time::SystemTime;

use ringfence_analyze::Suite;
use ringfence_cfn::{locate_steps, ReadError, StepRef, Template};

use crate::args::Inputs;
use crate::output::Usage;
use crate::stack_names::{self, absolute, audited_folder, relative};

/// Why a template file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// 1-based line, when the parser knows it.
    pub line: Option<usize>,
    /// 1-based column, when the parser knows it.
    pub column: Option<usize>,
    /// The section or entry of the wrong shape (`Resources.Web.Type`), for shape errors.
    pub section: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// One template file.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// The path it is read at: as given (folder as given, joined with the path found
    /// under it).
    pub path: String,
    /// The path the output shows: relative to the audited folder when every input is a
    /// folder, else [`path`](TemplateFile::path).
    pub shown: String,
    /// Its stack name.
    pub stack: String,
    /// The line that declares each resource of its template, in the template's order
    /// (0 where none does), found when the file was read.
    pub resource_lines: Vec<u32>,
    /// The file's length and modification time when it was read, which a second reading
    /// must find again.
    read_as: Option<(u64, SystemTime)>,
    /// Its index in the suite, `None` when unreadable.
    pub index: Option<usize>,
    /// Why it could not be read.
    pub unreadable: Option<Unreadable>,
}

impl TemplateFile {
    /// The file's text again, when it still is the text that was read.
    pub fn text(&self) -> Option<String> {
        let same = |m: std::fs::Metadata| m.modified().ok().map(|t| (m.len(), t)) == self.read_as;
        if !std::fs::metadata(&self.path).is_ok_and(same) {
            return None;
        }
        let text = String::from_utf8(std::fs::read(&self.path).ok()?).ok()?;
        (Some(text.len() as u64) == self.read_as.map(|(len, _)| len)).then_some(text)
    }

    /// The line that declares resource `id` of the file's template.
    pub fn resource_line(&self, suite: &Suite, id: &str) -> Option<usize> {
        let t = suite.templates().get(self.index?)?;
        let i = t.template.resources.get_index_of(id)?;
        self.resource_lines.get(i).filter(|&&l| l > 0).map(|&l| l as usize)
    }
}

/// The line that declares each resource of `template` in `text` (its key under
/// `Resources`, JSON or YAML; 0 where none does), in one pass over the text.
pub fn resource_lines(text: &str, template: &Template) -> Vec<u32> {
    if template.resources.is_empty() {
        return Vec::new();
    }
    let paths = template.resources.keys().map(|id| [StepRef::Key("Resources"), StepRef::Key(id.as_str())]);
    locate_steps(text, paths)
        .into_iter()
        .map(|l| l.and_then(|l| u32::try_from(l).ok()).unwrap_or(0))
        .collect()
}

/// The suite and the files it was read from.
pub struct Loaded {
    /// Templates that could be read, in file order.
    pub suite: Suite,
    /// Every template file, readable or not, in order.
    pub files: Vec<TemplateFile>,
}

impl Loaded {
    /// The file of a suite template.
    pub fn file(&self, index: usize) -> Option<&TemplateFile> {
        self.files.iter().find(|f| f.index == Some(index))
    }

    /// The file of the template deployed as `stack`, as the output shows it (the stack
    /// name if unknown).
    pub fn path_of(&self, stack: &str) -> String {
        self.files.iter().find(|f| f.stack == stack).map_or_else(|| stack.to_owned(), |f| f.shown.clone())
    }

    /// The files that could not be read.
    pub fn unreadable(&self) -> impl Iterator<Item = (&TemplateFile, &Unreadable)> {
        self.files.iter().filter_map(|f| f.unreadable.as_ref().map(|u| (f, u)))
    }

    /// Warns on standard error about files that could not be read (for the commands
    /// other than `audit`, which reports them as findings).
    pub fn warn_unreadable(&self) {
        for (f, u) in self.unreadable() {
            eprintln!("warning: {} left out: {}", f.shown, describe(u));
        }
    }

    /// The suite index of a stack given by stack name or file path.
    pub fn stack_index(&self, name: &str) -> Result<usize, Usage> {
        let by_name = self.files.iter().find(|f| f.stack == name);
        let by_path = || self.files.iter().find(|f| same_file(Path::new(&f.path), Path::new(name)));
        match by_name.or_else(by_path) {
            Some(TemplateFile { index: Some(i), .. }) => Ok(*i),
            Some(f) => Err(Usage(format!("template {} ({}) could not be read", f.stack, f.shown))),
            None => Err(Usage(format!(
                "no stack `{name}` among the templates; stacks: {}",
                self.files.iter().map(|f| f.stack.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

/// `line L, column C: message`, or `SECTION: message`.
pub fn describe(u: &Unreadable) -> String {
    match (u.line, u.column, &u.section) {
        (Some(l), Some(c), _) => format!("line {l}, column {c}: {}", u.message),
        (Some(l), None, _) => format!("line {l}: {}", u.message),
        (_, _, Some(s)) => format!("{s}: {}", u.message),
        _ => u.message.clone(),
    }
}

const EXTENSIONS: &[&str] = &["json", "yaml", "yml", "template"];
const MANIFEST: &str = "manifest.json";

/// A file to read, before reading.
struct Candidate {
    /// As given (the folder as given joined with the path under it).
    path: PathBuf,
    /// As the output shows it.
    shown: String,
    /// Relative to the audited folder (as given, when not under it).
    relative: PathBuf,
    stack: String,
}

/// Reads the inputs as one suite. Usage errors: a path that does not exist or cannot be
/// read, no template at all, two files with the same stack name even once named after
/// their paths, a `--stack-name` or `--param` that names nothing.
pub fn load(inputs: &Inputs) -> Result<Loaded, Usage> {
    let Discovered { files: found, given } = discover(&inputs.paths)?;
    let folder = audited_folder(&given);
    // Relative to the audited folder when every input is a folder (and the folder is
    // not the file system's root, which would only hide the first `/`).
    let show_relative =
        given.iter().all(|(_, dir)| *dir) && folder.as_ref().is_some_and(|f| f.parent().is_some());
    let mut candidates: Vec<Candidate> = found
        .into_iter()
        .map(|path| {
            let rel = folder.as_deref().and_then(|f| relative(&absolute(&path)?, f));
            let shown = match &rel {
                Some(r) if show_relative => r.display().to_string(),
                _ => path.display().to_string(),
            };
            let relative = rel.unwrap_or_else(|| path.clone());
            Candidate { path, shown, relative, stack: String::new() }
        })
        .collect();
    name_stacks(&mut candidates, inputs, folder.as_deref().unwrap_or(Path::new("")))?;
    let mut suite = Suite::new();
    let mut files = Vec::new();
    for c in candidates {
        let bytes =
            std::fs::read(&c.path).map_err(|e| Usage(format!("cannot read {}: {e}", c.path.display())))?;
        let read_as = std::fs::metadata(&c.path).ok().and_then(|m| Some((m.len(), m.modified().ok()?)));
        let path = c.path.display().to_string();
        // The size CloudFormation's quotas count is the file's, not its re-serialization.
        let len = bytes.len();
        let mut file = TemplateFile {
            path,
            shown: c.shown,
            stack: c.stack,
            resource_lines: Vec::new(),
            read_as,
            index: None,
            unreadable: None,
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
                let column = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
                file.unreadable = Some(Unreadable {
                    line: Some(line),
                    column: Some(column),
                    section: None,
                    message: "not UTF-8 text".into(),
                });
                files.push(file);
                continue;
            }
        };
        match Template::read(&text) {
            Ok(parsed) => {
                file.resource_lines = resource_lines(&text, &parsed.template);
                // The text is no longer needed: free it before the model is built.
                drop(text);
                file.index = Some(suite.templates().len());
                suite.add_parsed(&file.stack, &file.shown, parsed, len);
            }
            Err(e) => file.unreadable = Some(unreadable(e)),
        }
        files.push(file);
    }
    apply_params(&mut suite, &files, inputs)?;
    let paths: Vec<(usize, &Path)> =
        files.iter().filter_map(|f| Some((f.index?, Path::new(f.path.as_str())))).collect();
    crate::nesting::link(&mut suite, &paths);
    Ok(Loaded { suite, files })
}

fn unreadable(e: ReadError) -> Unreadable {
    match e {
        ReadError::Syntax { line, column, message } => Unreadable {
            line: (line > 0).then_some(line),
            column: (column > 0).then_some(column),
            section: None,
            // The parsers repeat the position in their message.
            message: message.replacen(&format!(" at line {line} column {column}"), "", 1),
        },
        ReadError::Shape { path, message } => {
            Unreadable { line: None, column: None, section: Some(path), message }
        }
        other => Unreadable { line: None, column: None, section: None, message: other.to_string() },
    }
}

/// What the paths given hold.
struct Discovered {
    /// Every file to read, in order.
    files: Vec<PathBuf>,
    /// Each path given, with whether it is a folder.
    given: Vec<(PathBuf, bool)>,
}

/// Every file to read, in order, and what each path given is.
fn discover(paths: &[PathBuf]) -> Result<Discovered, Usage> {
    let mut found = Vec::new();
    let mut given = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Usage(format!("cannot read {}: {e}", p.display())))?;
        given.push((p.clone(), meta.is_dir()));
        if meta.is_dir() {
            walk(p, &mut found)?;
        } else if p.file_name().and_then(|n| n.to_str()) != Some(MANIFEST) {
            // Named explicitly: a template whatever its extension, unless it is plainly
            // something else (`ringfence audit dir/*` names the README too).
            if !has_template_extension(p) {
                let bytes =
                    std::fs::read(p).map_err(|e| Usage(format!("cannot read {}: {e}", p.display())))?;
                if !looks_like_template(&String::from_utf8_lossy(&bytes)) {
                    eprintln!("note: skipping {}: not a CloudFormation template (no Resources)", p.display());
                    continue;
                }
            }
            found.push(p.clone());
        }
    }
    // Both X.template.json and X.template.yaml: the same stack, read the JSON.
    let jsons: Vec<PathBuf> = found
        .iter()
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".template.json")))
        .cloned()
        .collect();
    found.retain(|p| {
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else { return true };
        let stem = name.strip_suffix(".template.yaml").or_else(|| name.strip_suffix(".template.yml"));
        !stem.is_some_and(|s| jsons.contains(&p.with_file_name(format!("{s}.template.json"))))
    });
    // The same file given twice (a folder and a file in it) is read once.
    let mut seen = Vec::new();
    found.retain(|p| {
        let key = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    if found.is_empty() {
        let given: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Usage(format!("no template found in {}", given.join(", "))));
    }
    Ok(Discovered { files: found, given })
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), Usage> {
    let read = |e: std::io::Error| Usage(format!("cannot read {}: {e}", dir.display()));
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(read)?;
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, found)?;
            continue;
        }
        if name == MANIFEST || !has_template_extension(&path) {
            continue;
        }
        // Other JSON and YAML (package.json, CI configuration…) is not ours to report.
        match std::fs::read(&path) {
            Ok(bytes) if !looks_like_template(&String::from_utf8_lossy(&bytes)) => {
                eprintln!("note: skipping {}: not a CloudFormation template (no Resources)", path.display());
            }
            _ => found.push(path),
        }
    }
    Ok(())
}

fn has_template_extension(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    ext.is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

/// Whether a text declares `Resources` (as a JSON or YAML key) or a template format
/// version: true of every template, even one with a syntax error elsewhere.
fn looks_like_template(text: &str) -> bool {
    if text.contains("AWSTemplateFormatVersion") {
        return true;
    }
    text.match_indices("Resources").any(|(i, _)| {
        let rest = text[i + "Resources".len()..].trim_start_matches(['"', '\'']).trim_start();
        rest.starts_with(':')
    })
}

/// Whether `given` names `path`: the same path, or its last components.
fn same_file(path: &Path, given: &Path) -> bool {
    let clean = |p: &Path| -> PathBuf { p.components().filter(|c| c.as_os_str() != ".").collect() };
    let (path, given) = (clean(path), clean(given));
    path == given || (given.components().count() > 0 && path.ends_with(&given))
}

/// The stack name of every candidate: `--stack-name`, else as [`stack_names`] says.
fn name_stacks(candidates: &mut [Candidate], inputs: &Inputs, folder: &Path) -> Result<(), Usage> {
    let mut files: Vec<stack_names::File> =
        candidates.iter().map(|c| stack_names::File { relative: c.relative.clone(), given: None }).collect();
    for s in &inputs.stack_names {
        let matching: Vec<usize> =
            (0..candidates.len()).filter(|&i| same_file(&candidates[i].path, &s.file)).collect();
        match matching.as_slice() {
            [i] => files[*i].given = Some(s.name.clone()),
            [] => {
                return Err(Usage(format!(
                    "--stack-name {}={}: no template file {} among the inputs",
                    s.file.display(),
                    s.name,
                    s.file.display()
                )))
            }
            many => {
                let paths: Vec<String> =
                    many.iter().map(|&i| candidates[i].path.display().to_string()).collect();
                return Err(Usage(format!(
                    "--stack-name {}={}: names several files ({}); give more of the path",
                    s.file.display(),
                    s.name,
                    paths.join(", ")
                )));
            }
        }
    }
    let names = stack_names::names(&files, folder).map_err(|clash| {
        Usage(format!(
            "{} and {} are both stack `{}`{}; name one with --stack-name FILE=NAME",
            candidates[clash.first].path.display(),
            candidates[clash.second].path.display(),
            clash.name,
            if clash.derived { ", even named after their whole paths" } else { "" }
        ))
    })?;
    for (c, name) in candidates.iter_mut().zip(names) {
        c.stack = name;
    }
    Ok(())
}

fn apply_params(suite: &mut Suite, files: &[TemplateFile], inputs: &Inputs) -> Result<(), Usage> {
    for p in &inputs.params {
        let arg = format!("--param {}.{}={}", p.stack, p.name, p.value);
        let mut applied = false;
        for t in suite.templates_mut() {
            if p.stack != "*" && t.stack != p.stack {
                continue;
            }
            let declared = t.template.parameters.keys().any(|k| k.as_str() == p.name);
            if declared {
                t.parameters.insert(p.name.clone(), p.value.clone());
                applied = true;
            } else if p.stack != "*" {
                let names: Vec<&str> = t.template.parameters.keys().map(|k| k.as_str()).collect();
                return Err(Usage(format!(
                    "{arg}: template {} declares no parameter {}; its parameters: {}",
                    t.stack,
                    p.name,
                    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                )));
            }
        }
        if applied {
            continue;
        }
        if let Some(f) = files.iter().find(|f| f.stack == p.stack && f.unreadable.is_some()) {
            eprintln!("warning: {arg}: template {} could not be read", f.path);
        } else if p.stack == "*" {
            return Err(Usage(format!("{arg}: no template declares parameter {}", p.name)));
        } else {
            let stacks: Vec<&str> = files.iter().map(|f| f.stack.as_str()).collect();
            return Err(Usage(format!("{arg}: no stack `{}`; stacks: {}", p.stack, stacks.join(", "))));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_told_from_other_documents() {
        assert!(looks_like_template("Resources:\n  A: {}\n"));
        assert!(looks_like_template("{\"Resources\" : {}}"));
        assert!(looks_like_template("AWSTemplateFormatVersion: '2010-09-09'\n"));
        assert!(!looks_like_template("{\"name\": \"package\", \"dependencies\": {}}"));
        assert!(!looks_like_template("Resources are listed below\n"));
    }

    #[test]
    fn the_text_is_read_again_only_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.yaml");
        let text = "Resources:\n  Db:\n    Type: X\n\n  Web:\n    Type: AWS::EC2::SecurityGroup\n";
        std::fs::write(&path, text).unwrap();
        let inputs = Inputs { paths: vec![path.clone()], params: Vec::new(), stack_names: Vec::new() };
        let loaded = load(&inputs).unwrap();
        let file = &loaded.files[0];
        assert_eq!(file.resource_lines, [2, 5]);
        assert_eq!(file.resource_line(&loaded.suite, "Web"), Some(5));
        assert_eq!(file.resource_line(&loaded.suite, "Cache"), None);
        assert_eq!(file.text().as_deref(), Some(text));
        // Changed since it was read: its text is not the one the findings are about.
        std::fs::write(&path, format!("# edited\n{text}x")).unwrap();
        assert_eq!(file.text(), None);
        assert_eq!(file.resource_line(&loaded.suite, "Web"), Some(5), "the lines found when it was read");
    }

    #[test]
    fn files_are_named_by_their_last_components() {
        assert!(same_file(Path::new("a/b/c.yaml"), Path::new("c.yaml")));
        assert!(same_file(Path::new("a/b/c.yaml"), Path::new("b/c.yaml")));
        assert!(same_file(Path::new("./a/c.yaml"), Path::new("a/c.yaml")));
        assert!(!same_file(Path::new("a/b/xc.yaml"), Path::new("c.yaml")));
    }
}
