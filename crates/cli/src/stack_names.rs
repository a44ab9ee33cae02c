//! Where the files of a suite are shown from, and the stack name of each: a real
//! repository audits as it is, even when `ecs/cluster.yaml` and `fargate/cluster.yaml`
//! share a stem.
//!
//! ## The audited folder
//!
//! The deepest folder that holds every input (a folder given counts as itself, a file
//! as the folder it is in), found on the paths made absolute without touching the disk
//! (`.` and `..` resolved as written, links not followed): the folder itself when one
//! folder is given. When every input is a folder, each file is shown by its path
//! relative to the audited folder (`ecs/cluster.yaml`), in the text, JSON and plan
//! output alike; otherwise (a file given by name) every file is shown as given.
//!
//! ## Stack names
//!
//! ```text
//!  infra/                      stack name
//!    network.yaml              network            its stem: no other file has it
//!    cluster.yaml              cluster            \
//!    ecs/cluster.yaml          ecs-cluster         > stem `cluster` shared: each is
//!    fargate/cluster.yaml      fargate-cluster    /  named after its path in infra/
//!    ecs-cluster.yaml          ecs-cluster  <- taken: ecs/cluster.yaml becomes infra-ecs-cluster
//! ```
//!
//! - A file's stack name is its stem (`NAME` for `NAME.template.json` or `NAME.yaml`),
//!   unless `--stack-name FILE=NAME` names it. A file named so takes part in no
//!   collision of stems.
//! - Files whose stems are the same are each named after their path relative to the
//!   audited folder instead: its folders and its stem joined with `-`
//!   (`ecs/cluster.yaml` → `ecs-cluster`). A name is made one CloudFormation accepts
//!   (`[A-Za-z][-A-Za-z0-9]*`, at most 128 characters): every other character becomes
//!   `-`, runs of `-` become one and none ends it, `stack-` goes before a name that
//!   would not start with a letter, and a longer name keeps its last 128 characters.
//! - A derived name that is still another file's name takes the audited folder's own
//!   folders too, innermost first (`infra/ecs/cluster.yaml` → `infra-ecs-cluster`),
//!   one at a time, until it is unique; files of one folder and one stem (`x/a.json`
//!   beside `x/a.yaml`, as sample libraries keep them) take their extensions first
//!   (`x-a-json`, `x-a-yaml`). Names that are still the same once the whole path is
//!   used (`a b/c.yaml` and `a_b/c.yaml`; a stem that is another file's
//!   `--stack-name`) are a usage error that asks for `--stack-name`.
//!
//! The rule depends only on the paths, never on the order of the inputs or on what the
//! files hold, so a file keeps its name from one run to the next unless a file with
//! its stem comes or goes.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The longest stack name CloudFormation accepts.
pub const MAX_LEN: usize = 128;

/// What goes before a derived name that would not start with a letter.
const PREFIX: &str = "stack-";

/// `path` made absolute against the working directory and with `.` and `..` resolved as
/// written (no link is followed, nothing is read); `None` when the working directory is
/// unknown.
pub fn absolute(path: &Path) -> Option<PathBuf> {
    let joined = std::path::absolute(path).ok()?;
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// The audited folder of the inputs (each with whether it is a folder), absolute: the
/// deepest folder that holds every one of them. `None` when the working directory is
/// unknown.
pub fn audited_folder(inputs: &[(PathBuf, bool)]) -> Option<PathBuf> {
    let mut common: Option<Vec<Component<'_>>> = None;
    let folders: Vec<PathBuf> = inputs
        .iter()
        .map(|(p, is_dir)| {
            let abs = absolute(p)?;
            Some(if *is_dir { abs } else { abs.parent().map_or(abs.clone(), Path::to_path_buf) })
        })
        .collect::<Option<_>>()?;
    for f in &folders {
        let parts: Vec<Component<'_>> = f.components().collect();
        common = Some(match common {
            None => parts,
            Some(c) => c.iter().zip(&parts).take_while(|(a, b)| a == b).map(|(a, _)| *a).collect(),
        });
    }
    Some(common.unwrap_or_default().into_iter().collect())
}

/// `path` relative to `folder` (both absolute, as [`absolute`] makes them), when it is
/// under it.
pub fn relative(path: &Path, folder: &Path) -> Option<PathBuf> {
    path.strip_prefix(folder).ok().map(Path::to_path_buf)
}

/// The default stack name of a file: `NAME` of `NAME.template.json`,
/// `NAME.template.yaml` and `NAME.template.yml`, else the file stem.
pub fn stem(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    for suffix in [".template.json", ".template.yaml", ".template.yml"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem.to_owned();
        }
    }
    path.file_stem().and_then(|s| s.to_str()).map_or_else(|| path.display().to_string(), str::to_owned)
}

/// The folder names of a path (its normal components), as text.
fn folder_names(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// A stack name CloudFormation accepts made of `parts`, as the module documentation
/// says: `["ecs", "cluster"]` → `ecs-cluster`, `["2024", "my app"]` → `stack-2024-my-app`.
pub fn sanitize<'p>(parts: impl IntoIterator<Item = &'p str>) -> String {
    let mut out = String::new();
    for part in parts {
        for c in part.chars().chain(['-']) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
    }
    let mut name = out.trim_end_matches('-').to_owned();
    if name.len() > MAX_LEN {
        // ASCII only: any byte is a character boundary. The end is the most specific;
        // it starts at a letter when it has one.
        let end = &name[name.len() - MAX_LEN..];
        let from_letter = end.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
        name = if from_letter.is_empty() { end } else { from_letter }.to_owned();
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("{PREFIX}{name}");
        name.truncate(MAX_LEN);
        name = name.trim_end_matches('-').to_owned();
    }
    name
}

/// One file to name.
#[derive(Debug, Clone)]
pub struct File {
    /// Its path relative to the audited folder (as given, when it is not under it).
    pub relative: PathBuf,
    /// The name `--stack-name` gives it.
    pub given: Option<String>,
}

/// Two files that would be the same stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// The first file's index.
    pub first: usize,
    /// The second file's index.
    pub second: usize,
    /// The name both would have.
    pub name: String,
    /// Whether either name was derived from its path (and its whole path was used).
    pub derived: bool,
}

/// The stack name of each file, as the module documentation says; `folder` is the
/// audited folder (absolute), whose folders a derived name takes when it must.
pub fn names(files: &[File], folder: &Path) -> Result<Vec<String>, Clash> {
    let outer = folder_names(folder);
    let stems: Vec<String> = files.iter().map(|f| stem(&f.relative)).collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (f, s) in files.iter().zip(&stems) {
        if f.given.is_none() {
            *count.entry(s.as_str()).or_default() += 1;
        }
    }
    // How many of the audited folder's folders each derived name takes; None: not derived.
    let mut levels: Vec<Option<usize>> = files
        .iter()
        .zip(&stems)
        .map(|(f, s)| (f.given.is_none() && count[s.as_str()] > 1).then_some(0))
        .collect();
    // Whether a derived name ends with the file's extension: files of one folder and one
    // stem (`a.json` beside `a.yaml`) differ by nothing else.
    let mut with_extension = vec![false; files.len()];
    let extension =
        |i: usize| files[i].relative.extension().and_then(|e| e.to_str()).unwrap_or_default().to_owned();
    let name = |i: usize, level: Option<usize>, with_extension: bool| -> String {
        match (&files[i].given, level) {
            (Some(given), _) => given.clone(),
            (None, None) => stems[i].clone(),
            (None, Some(level)) => {
                let mut parts: Vec<&str> = outer[outer.len() - level..].iter().map(String::as_str).collect();
                let inner = files[i].relative.parent().map(folder_names).unwrap_or_default();
                parts.extend(inner.iter().map(String::as_str));
                parts.push(&stems[i]);
                let ext = if with_extension { extension(i) } else { String::new() };
                parts.push(&ext);
                sanitize(parts)
            }
        }
    };
    let same_place =
        |i: usize, j: usize| files[i].relative.parent() == files[j].relative.parent() && stems[i] == stems[j];
    loop {
        let names: Vec<String> = (0..files.len()).map(|i| name(i, levels[i], with_extension[i])).collect();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            by_name.entry(n.as_str()).or_default().push(i);
        }
        let mut clashes: Vec<&Vec<usize>> = by_name.values().filter(|v| v.len() > 1).collect();
        if clashes.is_empty() {
            return Ok(names);
        }
        clashes.sort();
        let mut longer = false;
        for same in clashes {
            let mut grown = false;
            // Files of one folder and one stem take their extensions first: more of the
            // path would not tell them apart.
            for &i in same {
                let twin = same.iter().any(|&j| j != i && same_place(i, j));
                if twin && levels[i].is_some() && !with_extension[i] {
                    with_extension[i] = true;
                    grown = true;
                }
            }
            if grown {
                longer = true;
                continue;
            }
            for &i in same {
                if let Some(level) = levels[i].filter(|&l| l < outer.len()) {
                    levels[i] = Some(level + 1);
                    grown = true;
                }
            }
            if !grown {
                return Err(Clash {
                    first: same[0],
                    second: same[1],
                    name: names[same[0]].clone(),
                    derived: same.iter().any(|&i| levels[i].is_some()),
                });
            }
            longer = true;
        }
        debug_assert!(longer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(relative: &str) -> File {
        File { relative: PathBuf::from(relative), given: None }
    }

    fn named(folder: &str, files: &[&str]) -> Result<Vec<String>, Clash> {
        names(&files.iter().map(|f| file(f)).collect::<Vec<_>>(), Path::new(folder))
    }

    #[test]
    fn stack_names_come_from_file_names() {
        assert_eq!(stem(Path::new("out/chat-network-production.template.json")), "chat-network-production");
        assert_eq!(stem(Path::new("out/web.template.yml")), "web");
        assert_eq!(stem(Path::new("legacy/bot-dice.yaml")), "bot-dice");
        assert_eq!(stem(Path::new("old/vpc.template")), "vpc");
    }

    #[test]
    fn names_are_made_of_what_cloudformation_accepts() {
        assert_eq!(sanitize(["ecs", "cluster"]), "ecs-cluster");
        assert_eq!(sanitize(["my app_v2", "web.api"]), "my-app-v2-web-api");
        assert_eq!(sanitize(["-x-", "--", "y"]), "x-y");
        assert_eq!(sanitize(["2024", "cluster"]), "stack-2024-cluster");
        assert_eq!(sanitize(["_", "ünï", "9"]), "n-9");
        assert_eq!(sanitize(["9", "ünï"]), "stack-9-n");
        assert_eq!(sanitize(["ünï"]), "n");
        assert_eq!(sanitize(["___"]), "stack");
        let long = "a".repeat(100);
        let name = sanitize([long.as_str(), "b1", long.as_str()]);
        assert_eq!(name.len(), MAX_LEN);
        assert!(name.ends_with(&long) && name.starts_with('a'), "{name}");
        let digits = format!("{}x", "1".repeat(200));
        assert_eq!(sanitize([digits.as_str()]), "x", "the last 128 characters, from a letter");
        assert_eq!(sanitize(["1".repeat(200).as_str()]).len(), MAX_LEN);
    }

    #[test]
    fn stems_that_collide_are_named_after_their_paths() {
        let files = ["network.yaml", "cluster.yaml", "ecs/cluster.yaml", "fargate/cluster.template.json"];
        assert_eq!(
            named("/repo/infra", &files).unwrap(),
            ["network", "cluster", "ecs-cluster", "fargate-cluster"]
        );
        // The same whatever the order.
        let reversed: Vec<&str> = files.iter().rev().copied().collect();
        assert_eq!(
            named("/repo/infra", &reversed).unwrap(),
            ["fargate-cluster", "ecs-cluster", "cluster", "network"]
        );
    }

    #[test]
    fn a_derived_name_that_is_taken_takes_the_audited_folders_folders() {
        let files = ["ecs/cluster.yaml", "fargate/cluster.yaml", "ecs-cluster.yaml"];
        assert_eq!(
            named("/repo/infra", &files).unwrap(),
            ["infra-ecs-cluster", "fargate-cluster", "ecs-cluster"]
        );
        // Taken again: one folder more.
        let files =
            ["ecs/cluster.yaml", "fargate/cluster.yaml", "ecs-cluster.yaml", "x/infra-ecs-cluster.yaml"];
        assert_eq!(
            named("/repo/infra", &files).unwrap(),
            ["repo-infra-ecs-cluster", "fargate-cluster", "ecs-cluster", "infra-ecs-cluster"]
        );
        // No folder left: a clash.
        let clash =
            named("/", &["ecs/cluster.yaml", "fargate/cluster.yaml", "ecs-cluster.yaml"]).unwrap_err();
        assert_eq!(clash, Clash { first: 0, second: 2, name: "ecs-cluster".into(), derived: true });
    }

    #[test]
    fn files_of_one_folder_and_stem_take_their_extensions() {
        // A sample library keeps each template as JSON and as YAML, side by side.
        assert_eq!(
            named("/repo", &["x/a.json", "x/a.yaml", "x/a.yml", "y/a.yaml", "b.json"]).unwrap(),
            ["x-a-json", "x-a-yaml", "x-a-yml", "y-a", "b"]
        );
    }

    #[test]
    fn paths_that_are_one_name_are_a_clash() {
        let clash = named("/repo", &["a b/c.yaml", "a_b/c.yaml"]).unwrap_err();
        assert_eq!((clash.first, clash.second, clash.name.as_str()), (0, 1, "repo-a-b-c"));
    }

    #[test]
    fn a_given_name_wins_and_takes_no_part_in_collisions_of_stems() {
        let mut files = vec![file("ecs/cluster.yaml"), file("fargate/cluster.yaml")];
        files[0].given = Some("ecs-production".into());
        assert_eq!(names(&files, Path::new("/repo")).unwrap(), ["ecs-production", "cluster"]);
        // A stem that is a given name is a clash: nothing was derived.
        files[0].given = Some("cluster".into());
        let clash = names(&files, Path::new("/repo")).unwrap_err();
        assert_eq!(clash, Clash { first: 0, second: 1, name: "cluster".into(), derived: false });
        // A derived name that is a given name takes more of the path.
        let mut files = vec![file("a/web.yaml"), file("b/web.yaml"), file("other.yaml")];
        files[2].given = Some("a-web".into());
        assert_eq!(names(&files, Path::new("/repo")).unwrap(), ["repo-a-web", "b-web", "a-web"]);
    }

    #[test]
    fn the_audited_folder_holds_every_input() {
        let cwd = std::env::current_dir().unwrap();
        let folder = |inputs: &[(&str, bool)]| {
            let inputs: Vec<(PathBuf, bool)> = inputs.iter().map(|(p, d)| (PathBuf::from(p), *d)).collect();
            audited_folder(&inputs).unwrap()
        };
        assert_eq!(folder(&[("/repo/infra", true)]), Path::new("/repo/infra"));
        assert_eq!(folder(&[("/repo/infra/", true), ("/repo/./infra/ecs", true)]), Path::new("/repo/infra"));
        assert_eq!(
            folder(&[("/repo/infra/ecs", true), ("/repo/infra/fargate/", true)]),
            Path::new("/repo/infra")
        );
        assert_eq!(folder(&[("/repo/infra/web.yaml", false)]), Path::new("/repo/infra"));
        assert_eq!(folder(&[("/repo/a/../b", true)]), Path::new("/repo/b"));
        assert_eq!(folder(&[("/a", true), ("/b", true)]), Path::new("/"));
        assert_eq!(folder(&[(".", true)]), cwd);
        assert_eq!(folder(&[("infra", true)]), cwd.join("infra"));
        assert_eq!(
            relative(Path::new("/repo/infra/ecs/a.yaml"), Path::new("/repo/infra")).unwrap(),
            Path::new("ecs/a.yaml")
        );
        assert_eq!(relative(Path::new("/elsewhere/a.yaml"), Path::new("/repo")), None);
    }
}
