//! Writing an assembly into a folder without losing anything (DESIGN.md, invariant 11):
//! only its own files, each atomically, the manifest last.

use std::fs;
use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};

use ringfence_cfn::StackName;

use super::assembly::{Assembly, StackArtifact};
use crate::Error;

impl Assembly {
    /// Writes `manifest.json` and `<stack>.template.json` for every stack into `dir`
    /// (created if missing), and `<stack>.template.yaml` too for [`Formats::JsonAndYaml`], without
    /// ever losing a file that ringfence did not write.
    ///
    /// - **Only its own files.** The previous write's `manifest.json` is the record of
    ///   what ringfence wrote here: the template of each artifact it lists, and the YAML
    ///   twins it names (see [`manifest`](Assembly::manifest)). Files of that record that
    ///   this assembly no longer writes (stacks gone from the app, YAML no longer wanted)
    ///   are removed; nothing else in the folder is touched — hand-written templates, a
    ///   README, other tools' files stay, so `dir` can be an infrastructure repository's
    ///   own folder. A manifest that is not ringfence's (a CDK app's, a hand-edited one)
    ///   records nothing, and no manifest at all records nothing: then nothing is removed.
    /// - **Refuses to overwrite what is not its own.** If a file this write would replace
    ///   is not in that record and does not already hold exactly the bytes it would get
    ///   (such a file is adopted), the write fails with [`Error::WouldOverwrite`] naming
    ///   every such file — decided before anything is written, so the folder is left as
    ///   it was.
    /// - **Atomic files.** Each file is written to a temporary file beside it
    ///   (`.<name>.<pid>.tmp`) and renamed over its target, so a write that is killed
    ///   leaves every file either as it was or complete. Leftover temporary files of a
    ///   killed write are removed by the next one. Files are not synced to disk (that
    ///   costs milliseconds per file, seconds for thousands of stacks): a kill never
    ///   leaves a partial file, but after a power cut a file system that does not write
    ///   a renamed file's data before the rename itself may leave an empty one (ext4,
    ///   with its default `auto_da_alloc`, writes the data first).
    /// - **Order.** Templates first, then the manifest, then the removals: the manifest
    ///   on disk never lists a template that is not there, and a file the previous
    ///   manifest still lists is removed only once the new manifest no longer does. A
    ///   write that adds or removes files first writes a journal,
    ///   `.ringfence-writing.json`, listing the old and new files together, and deletes
    ///   it last: a killed write's new templates (not in the old manifest yet) and its
    ///   stale ones (not in the new manifest any more) stay known as ringfence's, and the
    ///   next write adopts or removes them instead of refusing or forgetting them.
    /// - **Only what changed.** A file that already holds the bytes it would get is left
    ///   alone (its modification time too), so re-synthesizing an app into the same
    ///   folder writes only what changed.
    ///
    /// One write at a time per folder: two processes writing into the same folder at
    /// once may fail (never lose a file that is not theirs).
    ///
    /// ```
    /// use ringfence::{App, Error, Formats, SubnetGroup, VpcSpec};
    /// let app = App::new("shop");
    /// let mut web = app.stack("web")?;
    /// web.vpc("main", VpcSpec::new("10.0.0.0/16")?.subnets(SubnetGroup::isolated("data", 24)))?;
    /// let assembly = app.synth()?;
    /// let dir = std::env::temp_dir().join(format!("ringfence-doc-write-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("legacy.template.json"), "{}")?; // not ringfence's
    /// let first = assembly.write(&dir, Formats::Json)?;
    /// assert_eq!((first.written, first.unchanged), (2, 0)); // the manifest and one template
    /// let again = assembly.write(&dir, Formats::Json)?;
    /// assert_eq!((again.written, again.unchanged), (0, 2));
    /// assert!(dir.join("legacy.template.json").exists()); // never removed
    ///
    /// // A file in the way that ringfence did not write: refused, nothing written.
    /// let other = dir.join("other");
    /// std::fs::create_dir_all(&other)?;
    /// let ours = assembly.stacks()[0].template_file();
    /// std::fs::write(other.join(&ours), "{}")?;
    /// match assembly.write(&other, Formats::Json) {
    ///     Err(Error::WouldOverwrite { files, .. }) => assert_eq!(files, [ours]),
    ///     other => panic!("{other:?}"),
    /// }
    /// assert!(!other.join("manifest.json").exists());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write(&self, dir: &Path, formats: impl Into<Formats>) -> Result<WriteSummary, Error> {
        let yaml = formats.into() == Formats::JsonAndYaml;
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        let folder = Folder::scan(dir)?;
        let planned: Vec<Planned> = self
            .stacks()
            .iter()
            .map(|stack| Planned {
                stack,
                json: stack.template_file(),
                yaml: yaml.then(|| stack.yaml_file()),
            })
            .collect();
        let mut now: FxHashSet<&str> = FxHashSet::default();
        now.reserve(planned.len() * 2 + 1);
        now.insert(MANIFEST);
        for p in &planned {
            now.insert(&p.json);
            now.extend(p.yaml.as_deref());
        }
        let manifest = self.manifest_json(yaml);
        let record = Record::read(dir, &folder, manifest.as_bytes(), &now)?;

        // 1. Refuse before changing anything.
        check_nothing_foreign(dir, &folder, &record, &planned)?;

        // 2. Clean up after killed writes: their temporary files are never referenced.
        for tmp in &folder.temps {
            remove_if_there(tmp)?;
        }

        // 3. A write that adds or removes files journals both sets first (see above).
        let journal = dir.join(JOURNAL);
        let mut journaled = record.journal.is_some();
        let same_files = record.journal.is_none()
            && record.listed.len() == now.len()
            && now.iter().all(|n| record.listed.contains(*n));
        if !same_files {
            let mut all: Vec<&str> =
                record.listed.iter().map(String::as_str).chain(now.iter().copied()).collect();
            all.extend(record.journal.iter().flatten().map(String::as_str));
            all.sort_unstable();
            all.dedup();
            if !record.journal.as_ref().is_some_and(|j| all.iter().all(|n| j.contains(*n))) {
                #[derive(serde::Serialize)]
                struct Journal<'a> {
                    about: &'a str,
                    files: &'a [&'a str],
                }
                // Strings only: serializing cannot fail.
                let mut text =
                    serde_json::to_vec(&Journal { about: JOURNAL_ABOUT, files: &all }).unwrap_or_default();
                text.push(b'\n');
                write_atomic(dir, JOURNAL, &text).map_err(|e| Error::io(&journal, &e))?;
                journaled = true;
            }
        }

        // 4. The templates. Serializing and writing dominate at scale: split the stacks
        //    over the cores.
        let mut summary = WriteSummary::default();
        let parts = super::parallel_chunks(&planned, |part| write_stacks(dir, part, &folder));
        for part in parts {
            let part = part?;
            summary.written += part.written;
            summary.unchanged += part.unchanged;
        }

        // 5. The manifest, once every template it lists is in place.
        if record.manifest_unchanged {
            summary.unchanged += 1;
        } else {
            write_atomic(dir, MANIFEST, manifest.as_bytes())
                .map_err(|e| Error::io(&dir.join(MANIFEST), &e))?;
            summary.written += 1;
        }

        // 6. What the previous write wrote and this one does not, now that no manifest
        //    lists it.
        let mut stale: Vec<&str> = record
            .listed
            .iter()
            .chain(record.journal.iter().flatten())
            .map(String::as_str)
            .filter(|n| !now.contains(n))
            .collect();
        stale.sort_unstable();
        stale.dedup();
        for name in stale {
            if remove_if_there(&dir.join(name))? {
                summary.removed += 1;
            }
        }

        // 7. Done: the manifest alone records the folder again.
        if journaled {
            remove_if_there(&journal)?;
        }
        Ok(summary)
    }
}

/// Which template files [`Assembly::write`] and [`App::synth_to`](crate::App::synth_to)
/// write beside `manifest.json`. A `bool` converts too (`true`: JSON and YAML), for
/// code written before this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Formats {
    /// `<stack>.template.json` only (what the CDK CLI reads).
    #[default]
    Json,
    /// `<stack>.template.json` and `<stack>.template.yaml`, for readers who review YAML.
    JsonAndYaml,
}

impl From<bool> for Formats {
    fn from(yaml: bool) -> Formats {
        if yaml {
            Formats::JsonAndYaml
        } else {
            Formats::Json
        }
    }
}

/// What [`Assembly::write`] did to the folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteSummary {
    /// Files written (new, or with new content).
    pub written: usize,
    /// Files that already held their content, left untouched (files ringfence did not
    /// write that held exactly its bytes, adopted, included).
    pub unchanged: usize,
    /// Files the previous write wrote that this one does not (templates of stacks no
    /// longer in the app, YAML twins no longer written), removed.
    pub removed: usize,
}

/// The manifest's file name.
pub(super) const MANIFEST: &str = "manifest.json";
/// The journal of a write that adds or removes files, there only while it runs (or
/// after it was killed).
const JOURNAL: &str = ".ringfence-writing.json";
/// What the journal says about itself, for whoever finds one.
const JOURNAL_ABOUT: &str = "files a ringfence write into this folder may have written or \
                             may still remove; deleted when the write completes";
/// The artifact type of a stack.
pub(super) const STACK_ARTIFACT: &str = "aws:cloudformation:stack";
/// The environment of every artifact: account and region are the deployer's.
pub(super) const ENVIRONMENT: &str = "aws://unknown-account/unknown-region";
/// The type of the manifest metadata entry that names a stack's YAML template.
pub(super) const YAML_TWIN: &str = "ringfence:yaml-template";

impl StackArtifact {
    /// `<stack>.template.yaml`.
    pub(super) fn yaml_file(&self) -> String {
        format!("{}.template.yaml", self.name)
    }
}

/// One stack to write, with its file names.
struct Planned<'a> {
    stack: &'a StackArtifact,
    json: String,
    yaml: Option<String>,
}

/// What a write finds in its folder.
struct Folder {
    /// The entries with a name ringfence may write or remove, with their sizes when they
    /// are regular files.
    entries: FxHashMap<String, Option<u64>>,
    /// Temporary files left by killed writes.
    temps: Vec<PathBuf>,
}

impl Folder {
    fn scan(dir: &Path) -> Result<Folder, Error> {
        let mut folder = Folder { entries: FxHashMap::default(), temps: Vec::new() };
        for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let mine = name.ends_with(".template.json")
                || name.ends_with(".template.yaml")
                || name == MANIFEST
                || name == JOURNAL;
            if mine {
                // Not a regular file (or unreadable): never "already ours".
                let len = entry.metadata().ok().filter(fs::Metadata::is_file).map(|m| m.len());
                folder.entries.insert(name.into_owned(), len);
            } else if is_temp_name(&name) {
                folder.temps.push(entry.path());
            }
        }
        Ok(folder)
    }

    fn len(&self, name: &str) -> Option<u64> {
        self.entries.get(name).copied().flatten()
    }
}

/// What the folder records of ringfence's previous writes.
///
/// The record is the manifest itself, not a file of its own: the manifest already lists
/// every template, it is written last (so it never records a file that is not there),
/// the folder keeps holding just the assembly, and a manifest ringfence did not write is
/// recognized as such by its form. The one fact it did not hold — which stacks have a
/// YAML twin — is an artifact `metadata` entry, the cloud-assembly schema's (36.0.0)
/// place for free-form data, which the CDK CLI (`cdk ls`, `cdk synth`) ignores for
/// types it does not know; artifact `properties` are the CLI's own instructions, so
/// nothing is added there. The journal covers only the moments of a write when the
/// manifest on disk does not list every file of ringfence's.
struct Record {
    /// The files the folder's manifest lists, `manifest.json` included, when it is a
    /// manifest ringfence wrote; empty otherwise.
    listed: FxHashSet<String>,
    /// Whether the manifest already holds the bytes this write would give it.
    manifest_unchanged: bool,
    /// The files the journal of an unfinished write lists (`None`: no journal).
    journal: Option<FxHashSet<String>>,
}

impl Record {
    fn read(dir: &Path, folder: &Folder, manifest: &[u8], now: &FxHashSet<&str>) -> Result<Record, Error> {
        let read = |name: &str| {
            let path = dir.join(name);
            fs::read(&path).map_err(|e| Error::io(&path, &e))
        };
        let mut record = Record { listed: FxHashSet::default(), manifest_unchanged: false, journal: None };
        if folder.len(MANIFEST).is_some() {
            let old = read(MANIFEST)?;
            if old == manifest {
                // The common case, a rewrite of the same stacks: no parsing.
                record.manifest_unchanged = true;
                record.listed = now.iter().map(|n| (*n).to_owned()).collect();
            } else if let Some(listed) = parse_manifest(&old) {
                record.listed = listed;
                record.listed.insert(MANIFEST.to_owned());
            }
        }
        if folder.entries.contains_key(JOURNAL) {
            let files = match folder.len(JOURNAL) {
                Some(_) => parse_journal(&read(JOURNAL)?),
                None => FxHashSet::default(),
            };
            record.journal = Some(files);
        }
        Ok(record)
    }

    /// Whether a previous write wrote `name`.
    fn wrote(&self, name: &str) -> bool {
        self.listed.contains(name) || self.journal.as_ref().is_some_and(|j| j.contains(name))
    }
}

/// The files a manifest ringfence wrote lists: each stack's template and the YAML
/// twins it names. `None` unless the manifest is exactly of ringfence's form (a CDK
/// app's manifest has other artifact types and properties), every name in it is a
/// stack name, and every file a template of that stack in the folder itself.
fn parse_manifest(bytes: &[u8]) -> Option<FxHashSet<String>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Manifest {
        #[serde(rename = "version")]
        _version: String,
        artifacts: FxHashMap<String, Artifact>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Artifact {
        #[serde(rename = "type")]
        kind: String,
        environment: String,
        properties: Properties,
        #[serde(default, rename = "dependencies")]
        _dependencies: Vec<String>,
        #[serde(default)]
        metadata: FxHashMap<String, Vec<Metadata>>,
        #[serde(rename = "displayName")]
        display_name: String,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Properties {
        #[serde(rename = "templateFile")]
        template_file: String,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Metadata {
        #[serde(rename = "type")]
        kind: String,
        data: String,
    }
    let manifest: Manifest = serde_json::from_slice(bytes).ok()?;
    let mut files = FxHashSet::default();
    for (id, a) in manifest.artifacts {
        let ours = StackName::new(id.as_str()).is_ok()
            && a.kind == STACK_ARTIFACT
            && a.environment == ENVIRONMENT
            && a.display_name == id
            && a.properties.template_file == format!("{id}.template.json");
        if !ours {
            return None;
        }
        for (path, entries) in a.metadata {
            let yaml = format!("{id}.template.yaml");
            if path != format!("/{id}") || entries.iter().any(|m| m.kind != YAML_TWIN || m.data != yaml) {
                return None;
            }
            if !entries.is_empty() {
                files.insert(yaml);
            }
        }
        files.insert(a.properties.template_file);
    }
    Some(files)
}

/// The files a journal lists that a write may have written: anything else in it (a
/// hand-edited journal) is ignored, and an unreadable journal lists nothing.
fn parse_journal(bytes: &[u8]) -> FxHashSet<String> {
    #[derive(serde::Deserialize)]
    struct Journal {
        #[serde(default)]
        files: Vec<String>,
    }
    let files = serde_json::from_slice::<Journal>(bytes).map(|j| j.files).unwrap_or_default();
    files.into_iter().filter(|n| n == MANIFEST || is_template_name(n)).collect()
}

/// `<stack>.template.json` or `<stack>.template.yaml`, with a valid stack name (so a
/// plain file name of this folder).
fn is_template_name(name: &str) -> bool {
    let stem = name.strip_suffix(".template.json").or_else(|| name.strip_suffix(".template.yaml"));
    stem.is_some_and(|s| StackName::new(s).is_ok())
}

/// The temporary file a write of `name` writes first.
fn temp_name(name: &str) -> String {
    format!(".{name}.{}.tmp", std::process::id())
}

/// Whether `name` is one of ringfence's temporary files (`.<name>.<pid>.tmp` for a name
/// it writes).
fn is_temp_name(name: &str) -> bool {
    let Some((target, pid)) =
        name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")).and_then(|n| n.rsplit_once('.'))
    else {
        return false;
    };
    !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && (target == MANIFEST || target == JOURNAL || is_template_name(target))
}

/// Fails with [`Error::WouldOverwrite`] if a file this write would replace was not
/// written by ringfence and does not hold exactly the bytes it would get.
fn check_nothing_foreign(
    dir: &Path,
    folder: &Folder,
    record: &Record,
    planned: &[Planned],
) -> Result<(), Error> {
    let unknown = |name: &str| folder.entries.contains_key(name) && !record.wrote(name);
    let mut foreign = Vec::new();
    // A manifest with our bytes is in `listed`; any other one would be replaced.
    if unknown(MANIFEST) {
        foreign.push(MANIFEST.to_owned());
    }
    // Templates in the way: rare (adopting a folder, or a collision), so comparing
    // their content costs nothing in the usual rewrite.
    let mut candidates: Vec<(&Planned, bool)> = Vec::new();
    for p in planned {
        if unknown(&p.json) {
            candidates.push((p, false));
        }
        if p.yaml.as_deref().is_some_and(unknown) {
            candidates.push((p, true));
        }
    }
    let parts = super::parallel_chunks(&candidates, |part| {
        let (mut buf, mut scratch) = (Vec::new(), Vec::new());
        let mut differ = Vec::new();
        for &(p, yaml) in part {
            let (name, bytes) = match (yaml, &p.yaml) {
                (true, Some(name)) => (name, p.stack.template.to_yaml().into_bytes()),
                _ => {
                    buf.clear();
                    p.stack.template.write_json(&mut buf);
                    (&p.json, std::mem::take(&mut buf))
                }
            };
            let path = dir.join(name);
            if !holds(&path, folder.len(name), &bytes, &mut scratch).map_err(|e| Error::io(&path, &e))? {
                differ.push(name.clone());
            }
            buf = bytes;
        }
        Ok::<_, Error>(differ)
    });
    for part in parts {
        foreign.extend(part?);
    }
    if foreign.is_empty() {
        return Ok(());
    }
    let manifest = foreign.iter().any(|f| f == MANIFEST);
    let hint = format!(
        "ringfence replaces or removes only files its own previous write here recorded in its \
         manifest.json{}; move {} elsewhere, or write the assembly to another folder (--out)",
        if manifest { ", and this folder's manifest.json is not one ringfence wrote" } else { "" },
        if foreign.len() == 1 { "it" } else { "them" },
    );
    Err(Error::WouldOverwrite { dir: dir.display().to_string(), files: foreign, hint })
}

/// Writes the templates of `stacks` into `dir`.
fn write_stacks(dir: &Path, stacks: &[Planned], folder: &Folder) -> Result<WriteSummary, Error> {
    let mut summary = WriteSummary::default();
    let (mut buf, mut scratch) = (Vec::with_capacity(64 * 1024), Vec::with_capacity(64 * 1024));
    let mut write = |name: &str, bytes: &[u8], scratch: &mut Vec<u8>| {
        match write_if_changed(dir, name, folder.len(name), bytes, scratch) {
            Ok(true) => summary.written += 1,
            Ok(false) => summary.unchanged += 1,
            Err(e) => return Err(Error::io(&dir.join(name), &e)),
        }
        Ok(())
    };
    for p in stacks {
        buf.clear();
        p.stack.template.write_json(&mut buf);
        write(&p.json, &buf, &mut scratch)?;
        if let Some(name) = &p.yaml {
            write(name, p.stack.template.to_yaml().as_bytes(), &mut scratch)?;
        }
    }
    Ok(summary)
}

/// Writes `bytes` to `dir/name` (atomically) unless the file is there already
/// (`old_len`: its size when the folder was read) and holds exactly them; `scratch` is
/// a reusable buffer for the old content. Returns whether it wrote.
fn write_if_changed(
    dir: &Path,
    name: &str,
    old_len: Option<u64>,
    bytes: &[u8],
    scratch: &mut Vec<u8>,
) -> std::io::Result<bool> {
    if holds(&dir.join(name), old_len, bytes, scratch)? {
        return Ok(false);
    }
    write_atomic(dir, name, bytes)?;
    Ok(true)
}

/// Whether the file at `path` (of size `len` when the folder was read, `None` if it was
/// not a regular file) holds exactly `bytes`.
fn holds(path: &Path, len: Option<u64>, bytes: &[u8], scratch: &mut Vec<u8>) -> std::io::Result<bool> {
    use std::io::Read;
    if len != Some(bytes.len() as u64) {
        return Ok(false);
    }
    let Ok(mut old) = fs::File::open(path) else { return Ok(false) };
    scratch.clear();
    old.read_to_end(scratch)?;
    Ok(scratch.as_slice() == bytes)
}

/// Writes `bytes` to `dir/name` through a temporary file in `dir` renamed over it, so
/// the file is at every moment either its old content or `bytes`, whole. The
/// temporary file is removed if the write fails.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(temp_name(name));
    let result = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, dir.join(name)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes the file at `path`; returns whether there was one.
fn remove_if_there(path: &Path) -> Result<bool, Error> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(path, &e)),
    }
}
