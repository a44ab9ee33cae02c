//! DESIGN.md invariant 11, "Nothing lost", for `Assembly::write`: a write removes only
//! what its own previous write wrote, refuses to replace files it did not write, writes
//! every file atomically (a killed write leaves whole files and nothing unaccounted
//! for), and cleans up after killed writes.
//!
//! The killed writes are real: the test binary runs itself as a child process under a
//! file size limit (`ulimit -f`), which kills the child with SIGXFSZ in the middle of
//! writing the first file larger than the limit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use ringfence::{App, Assembly, Error, Peer, Port, SubnetGroup, VpcSpec};

/// An app: a network stack (a VPC, shared) and one stack per name in `stacks`, each with
/// `groups` security groups of `rules` egress rules whose descriptions name the
/// `generation` — so every generation rewrites every template but the network's.
#[derive(Debug, Clone)]
struct Spec {
    generation: String,
    stacks: Vec<String>,
    groups: usize,
    rules: u16,
}

impl Spec {
    fn new(generation: &str, stacks: &[&str]) -> Spec {
        Spec {
            generation: generation.into(),
            stacks: stacks.iter().map(|s| s.to_string()).collect(),
            groups: 1,
            rules: 1,
        }
    }

    fn sized(mut self, groups: usize, rules: u16) -> Spec {
        (self.groups, self.rules) = (groups, rules);
        self
    }

    fn build(&self) -> App {
        let app = App::new("infra");
        let mut network = app.stack("network").unwrap();
        let vpc = network
            .vpc("main", VpcSpec::new("10.0.0.0/16").unwrap().subnets(SubnetGroup::isolated("data", 24)))
            .unwrap();
        network.share(&vpc).unwrap();
        for name in &self.stacks {
            let mut stack = app.stack(name).unwrap();
            for g in 0..self.groups {
                let role = format!("{name}-{g}");
                let group = stack.security_group(&vpc, role.as_str(), "Tasks of one service").unwrap();
                for r in 0..self.rules {
                    let why = format!("Service {name} calls port {r} of the data tier, {}", self.generation);
                    stack
                        .allow_egress(&group, Peer::ipv4("10.0.0.0/16").unwrap(), Port::tcp(8000 + r), &why)
                        .unwrap();
                }
            }
        }
        app
    }

    fn synth(&self) -> Assembly {
        self.build().synth().unwrap()
    }

    /// For the child process's environment.
    fn encode(&self) -> String {
        format!("{};{};{};{}", self.generation, self.groups, self.rules, self.stacks.join(","))
    }

    fn decode(text: &str) -> Spec {
        let parts: Vec<&str> = text.split(';').collect();
        Spec {
            generation: parts[0].into(),
            groups: parts[1].parse().unwrap(),
            rules: parts[2].parse().unwrap(),
            stacks: parts[3].split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        }
    }
}

/// Files beside the assembly that ringfence did not write.
const FOREIGN: [(&str, &str); 3] = [
    ("precious.template.json", "{\"Description\": \"written by hand, years ago\"}\n"),
    ("other.template.yaml", "Description: written by hand\n"),
    ("README.md", "# Infrastructure\n"),
];

fn add_foreign(dir: &Path) {
    for (name, text) in FOREIGN {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// What a write of `assembly` into an empty folder leaves there.
fn canonical(assembly: &Assembly, yaml: bool) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    assembly.write(dir.path(), yaml).unwrap();
    support::read_dir(dir.path())
}

/// The canonical folder of `assembly` with the foreign files beside it.
fn with_foreign(assembly: &Assembly, yaml: bool) -> BTreeMap<String, Vec<u8>> {
    let mut files = canonical(assembly, yaml);
    files.extend(FOREIGN.iter().map(|(n, t)| (n.to_string(), t.as_bytes().to_vec())));
    files
}

/// Every entry of a folder with its bytes (empty for a folder) and modification time.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            let bytes = if meta.is_file() { std::fs::read(e.path()).unwrap() } else { Vec::new() };
            (e.file_name().to_string_lossy().into_owned(), (bytes, meta.modified().unwrap()))
        })
        .collect()
}

/// The regular files of a folder, by name, with their bytes (folders left out).
fn read_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(dir)
        .into_iter()
        .filter(|(n, _)| !dir.join(n).is_dir())
        .map(|(n, (bytes, _))| (n, bytes))
        .collect()
}

/// The files of a refused write, or a failure naming what happened instead.
#[track_caller]
fn refused(result: Result<ringfence::WriteSummary, Error>) -> Vec<String> {
    match result {
        Err(Error::WouldOverwrite { files, hint, .. }) => {
            assert!(hint.contains("another folder"), "{hint}");
            files
        }
        other => panic!("expected Error::WouldOverwrite, got {other:?}"),
    }
}

fn counts(s: ringfence::WriteSummary) -> (usize, usize, usize) {
    (s.written, s.unchanged, s.removed)
}

#[test]
fn foreign_files_survive_a_write_and_a_rewrite_without_a_stack() {
    let dir = tempfile::tempdir().unwrap();
    add_foreign(dir.path());
    let three = Spec::new("one", &["a", "b", "c"]).synth();
    let first = three.write(dir.path(), true).unwrap();
    assert_eq!(counts(first), (9, 0, 0), "manifest + 4 JSON + 4 YAML (the network's too)");
    assert_eq!(support::read_dir(dir.path()), with_foreign(&three, true));

    // Stack c leaves the app: its two files go, nothing else.
    let two = Spec::new("one", &["a", "b"]).synth();
    let second = two.write(dir.path(), true).unwrap();
    assert_eq!(counts(second), (1, 6, 2), "the manifest written, c's JSON and YAML removed");
    assert_eq!(support::read_dir(dir.path()), with_foreign(&two, true));

    // Once more, nothing to do; and without YAML, the YAML twins this writer wrote go.
    assert_eq!(counts(two.write(dir.path(), true).unwrap()), (0, 7, 0));
    assert_eq!(counts(two.write(dir.path(), false).unwrap()), (1, 3, 3));
    assert_eq!(support::read_dir(dir.path()), with_foreign(&two, false));
}

#[test]
fn a_yaml_twin_ringfence_did_not_write_stays_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let two = Spec::new("one", &["a", "b"]);
    two.synth().write(dir.path(), false).unwrap();
    // A hand-written YAML template with the name of a's twin.
    let twin = dir.path().join("infra-a.template.yaml");
    std::fs::write(&twin, "Description: the hand-written original\n").unwrap();

    // Rewrites without YAML, with a stack gone, keep it.
    Spec::new("two", &["a"]).synth().write(dir.path(), false).unwrap();
    assert_eq!(std::fs::read_to_string(&twin).unwrap(), "Description: the hand-written original\n");
    assert!(!dir.path().join("infra-b.template.json").exists());

    // A write with YAML would replace it: refused, nothing changed.
    let before = snapshot(dir.path());
    let files = refused(Spec::new("three", &["a"]).synth().write(dir.path(), true));
    assert_eq!(files, ["infra-a.template.yaml"]);
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_foreign_file_with_the_name_of_a_template_is_refused_and_nothing_changes() {
    // Into a folder ringfence never wrote.
    let dir = tempfile::tempdir().unwrap();
    add_foreign(dir.path());
    std::fs::write(dir.path().join("infra-b.template.json"), "{}\n").unwrap();
    let before = snapshot(dir.path());
    let app = Spec::new("one", &["a", "b"]);
    assert_eq!(refused(app.synth().write(dir.path(), false)), ["infra-b.template.json"]);
    assert_eq!(snapshot(dir.path()), before, "a refused write changed the folder");

    // Through `App::synth_to` (what the examples run), the message names the file and
    // does not pretend synthesis found something.
    let message = app.build().synth_to(dir.path(), false).unwrap_err().to_string();
    assert!(message.starts_with("refusing to write the assembly into"), "{message}");
    assert!(message.contains("`infra-b.template.json` is not written by ringfence"), "{message}");
    assert_eq!(snapshot(dir.path()), before);

    // Into a folder of ringfence's, a foreign file where a new stack's template goes:
    // refused before any of the changed templates is written.
    let dir = tempfile::tempdir().unwrap();
    add_foreign(dir.path());
    Spec::new("one", &["a"]).synth().write(dir.path(), true).unwrap();
    std::fs::write(dir.path().join("infra-c.template.yaml"), "Resources: {}\n").unwrap();
    std::fs::write(dir.path().join("infra-c.template.json"), "{}\n").unwrap();
    let before = snapshot(dir.path());
    let files = refused(Spec::new("two", &["a", "c"]).synth().write(dir.path(), true));
    assert_eq!(files, ["infra-c.template.json", "infra-c.template.yaml"]);
    assert_eq!(snapshot(dir.path()), before, "a refused write changed the folder");
}

#[test]
fn a_manifest_ringfence_did_not_write_is_foreign_and_records_nothing() {
    let outside = tempfile::tempdir().unwrap();
    let dir = outside.path().join("cdk.out");
    std::fs::create_dir(&dir).unwrap();
    // A CDK app's assembly: its manifest has a tree artifact and more properties.
    let cdk = r#"{"version":"36.0.0","artifacts":{"Tree":{"type":"cdk:tree","properties":{"file":"tree.json"}},
        "infra-a":{"type":"aws:cloudformation:stack","environment":"aws://unknown-account/unknown-region",
        "properties":{"templateFile":"infra-a.template.json","validateOnSynth":false},"displayName":"infra-a"}}}"#;
    std::fs::write(dir.join("manifest.json"), cdk).unwrap();
    std::fs::write(dir.join("infra-a.template.json"), "{\"Resources\": {}}").unwrap();
    std::fs::write(dir.join("tree.json"), "{}").unwrap();
    let before = snapshot(&dir);
    let files = refused(Spec::new("one", &["a"]).synth().write(&dir, false));
    assert_eq!(files, ["manifest.json", "infra-a.template.json"]);
    assert_eq!(snapshot(&dir), before);
    let message = Spec::new("one", &["a"]).synth().write(&dir, false).unwrap_err().to_string();
    assert!(message.contains("manifest.json is not one ringfence wrote"), "{message}");

    // A manifest of ringfence's form that points outside the folder is not ringfence's:
    // the file it names is never removed.
    let victim = outside.path().join("victim.template.json");
    std::fs::write(&victim, "{}").unwrap();
    let forged = r#"{"version":"36.0.0","artifacts":{"x":{"type":"aws:cloudformation:stack",
        "environment":"aws://unknown-account/unknown-region",
        "properties":{"templateFile":"../victim.template.json"},"displayName":"x"}}}"#;
    let dir = outside.path().join("forged");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("manifest.json"), forged).unwrap();
    assert_eq!(refused(Spec::new("one", &["a"]).synth().write(&dir, false)), ["manifest.json"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{}");
}

#[test]
fn the_message_names_every_file_in_the_way() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["a", "b", "c", "d", "e", "f", "g"];
    for n in names {
        std::fs::write(dir.path().join(format!("infra-{n}.template.json")), "{}").unwrap();
    }
    let err = Spec::new("one", &names).synth().write(dir.path(), false).unwrap_err();
    let Error::WouldOverwrite { files, .. } = &err else { panic!("{err:?}") };
    assert_eq!(files.len(), 7, "{files:?}");
    let message = err.to_string();
    assert!(message.contains("`infra-a.template.json`, `infra-b.template.json`"), "{message}");
    assert!(message.contains("and 2 more are not written by ringfence"), "{message}");
}

#[test]
fn a_file_that_already_holds_our_bytes_is_adopted_and_then_ours() {
    let written = tempfile::tempdir().unwrap();
    let three = Spec::new("one", &["a", "b", "c"]).synth();
    three.write(written.path(), false).unwrap();
    // The templates alone copied into a folder with no manifest: all of them adopted.
    let dir = tempfile::tempdir().unwrap();
    add_foreign(dir.path());
    for (name, bytes) in support::read_dir(written.path()) {
        if name != "manifest.json" {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
    }
    assert_eq!(counts(three.write(dir.path(), false).unwrap()), (1, 4, 0), "only the manifest written");
    // Recorded now: a stack that goes is removed.
    let two = Spec::new("one", &["a", "b"]).synth();
    assert_eq!(counts(two.write(dir.path(), false).unwrap()), (1, 3, 1));
    assert_eq!(support::read_dir(dir.path()), with_foreign(&two, false));
}

#[test]
fn leftover_temporary_files_of_killed_writes_are_removed_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    add_foreign(dir.path());
    let app = Spec::new("one", &["a"]).synth();
    app.write(dir.path(), false).unwrap();
    let ours = [".infra-a.template.json.4242.tmp", ".manifest.json.77.tmp", "..ringfence-writing.json.5.tmp"];
    let look_alikes = [
        ".notes.md.4242.tmp",
        ".infra-a.template.json.tmp",
        ".infra-a.template.json.12x.tmp",
        "infra-a.template.json.4242.tmp",
        ".-x.template.json.1.tmp",
    ];
    for name in ours.iter().chain(&look_alikes) {
        std::fs::write(dir.path().join(name), "{\"Resour").unwrap();
    }
    assert_eq!(counts(app.write(dir.path(), false).unwrap()), (0, 3, 0));
    let mut expected = with_foreign(&app, false);
    expected.extend(look_alikes.iter().map(|n| (n.to_string(), b"{\"Resour".to_vec())));
    assert_eq!(support::read_dir(dir.path()), expected);
}

#[test]
fn a_write_that_fails_halfway_leaves_every_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    add_foreign(dir.path());
    let one = Spec::new("one", &["a", "b", "c"]).synth();
    let two = Spec::new("two", &["a", "b", "c"]).synth();
    let (old, new) = (canonical(&one, false), canonical(&two, false));
    one.write(dir.path(), false).unwrap();
    // b's template cannot be replaced: a folder stands where it was.
    let b = dir.path().join("infra-b.template.json");
    std::fs::remove_file(&b).unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::write(b.join("keep"), "x").unwrap();

    let err = two.write(dir.path(), false).unwrap_err();
    assert!(matches!(&err, Error::Io { path, .. } if path.ends_with("infra-b.template.json")), "{err:?}");
    let files = read_files(dir.path());
    assert_eq!(files["manifest.json"], old["manifest.json"], "the manifest is written last");
    for (name, bytes) in &files {
        if let Some((_, text)) = FOREIGN.iter().find(|(n, _)| n == name) {
            assert_eq!(bytes, text.as_bytes(), "{name}");
        } else {
            assert!(
                old.get(name) == Some(bytes) || new.get(name) == Some(bytes),
                "{name} is neither whole version"
            );
        }
    }
    assert!(!files.keys().any(|n| n.ends_with(".tmp")), "temporary file left: {:?}", files.keys());

    std::fs::remove_dir_all(&b).unwrap();
    two.write(dir.path(), false).unwrap();
    assert_eq!(support::read_dir(dir.path()), with_foreign(&two, false));
}

/// The child process of the killed-write tests: writes the app `RINGFENCE_TEST_WRITE_APP`
/// describes into `RINGFENCE_TEST_WRITE_DIR`, where its parent expects it to be killed.
#[test]
#[ignore = "the child process of the killed-write tests, which run it"]
fn child_writes_one_generation() {
    let (Ok(dir), Ok(spec)) =
        (std::env::var("RINGFENCE_TEST_WRITE_DIR"), std::env::var("RINGFENCE_TEST_WRITE_APP"))
    else {
        return;
    };
    let _ = Spec::decode(&spec).build().synth_to(dir, false);
}

/// The signal a process gets when it writes past its file size limit (Linux, macOS).
#[cfg(unix)]
const SIGXFSZ: i32 = 25;

/// Writes `spec`'s app into `dir` in a child process that may write files of at most
/// `blocks` blocks (512 or 1024 bytes, depending on the shell), which kills it in the
/// middle of the first larger file; asserts it was killed so.
#[cfg(unix)]
#[track_caller]
fn write_killed_at_file_size(dir: &Path, spec: &Spec, blocks: u32) {
    use std::os::unix::process::ExitStatusExt;
    let status = std::process::Command::new("sh")
        .args(["-c", r#"ulimit -c 0; ulimit -f "$1" && shift && exec "$@""#, "sh"])
        .arg(blocks.to_string())
        .arg(std::env::current_exe().unwrap())
        .args(["child_writes_one_generation", "--exact", "--ignored", "--test-threads=1"])
        .env("RINGFENCE_TEST_WRITE_DIR", dir)
        .env("RINGFENCE_TEST_WRITE_APP", spec.encode())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.signal(), Some(SIGXFSZ), "the child was to be killed mid-write: {status}");
}

#[cfg(unix)]
#[test]
fn a_write_killed_in_the_middle_of_a_template_leaves_the_old_one_whole() {
    const BLOCKS: u32 = 16; // 8 or 16 KiB
    let dir = tempfile::tempdir().unwrap();
    add_foreign(dir.path());
    let old = Spec::new("one", &["a", "b", "c"]).sized(4, 30);
    let new = Spec::new("two", &["a", "b", "d"]).sized(4, 30);
    let (old_files, new_files) = (canonical(&old.synth(), false), canonical(&new.synth(), false));
    // Every changed template is over the limit, the manifest and journal well under it.
    let network = "infra-network.template.json";
    assert!(new_files
        .iter()
        .filter(|(n, _)| *n != network && *n != "manifest.json")
        .all(|(_, b)| b.len() > 16 * 1024));
    assert!(new_files["manifest.json"].len() < 4 * 1024 && old_files[network] == new_files[network]);
    old.synth().write(dir.path(), false).unwrap();

    write_killed_at_file_size(dir.path(), &new, BLOCKS);
    let after = read_files(dir.path());
    let temps: Vec<&String> = after.keys().filter(|n| n.ends_with(".tmp")).collect();
    assert!(!temps.is_empty(), "the kill was to land in a temporary file: {:?}", after.keys());
    for (name, bytes) in &old_files {
        assert!(after[name] == *bytes, "{name} is not whole: {} bytes of {}", after[name].len(), bytes.len());
    }
    for (name, text) in FOREIGN {
        assert_eq!(after[name], text.as_bytes());
    }

    // The next write cleans up and completes.
    let newest = Spec::new("three", &["a", "b", "d"]).sized(4, 30).synth();
    newest.write(dir.path(), false).unwrap();
    assert_eq!(support::read_dir(dir.path()), with_foreign(&newest, false));
}

#[cfg(unix)]
#[test]
fn a_write_killed_before_its_manifest_loses_track_of_nothing() {
    const BLOCKS: u32 = 24; // 12 or 24 KiB
    let dir = tempfile::tempdir().unwrap();
    add_foreign(dir.path());
    let names: Vec<String> = (0..100).map(|i| format!("s{i:03}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    // Stacks s000..s089, then s010..s099: ten go, ten come, every template changes.
    let old = Spec::new("one", &names[..90]);
    let new = Spec::new("two", &names[10..]);
    let (old_files, new_files) = (canonical(&old.synth(), false), canonical(&new.synth(), false));
    // Every template is under the limit, the manifest well over it.
    let manifest = "manifest.json";
    assert!(new_files.iter().filter(|(n, _)| *n != manifest).all(|(_, b)| b.len() < 12 * 1024));
    assert!(new_files[manifest].len() > 24 * 1024, "{}", new_files[manifest].len());
    old.synth().write(dir.path(), false).unwrap();

    write_killed_at_file_size(dir.path(), &new, BLOCKS);
    let after = read_files(dir.path());
    // Every template written, the old manifest whole and every template it lists there.
    assert_eq!(after[manifest], old_files[manifest], "the manifest is replaced whole or not at all");
    for (name, bytes) in &new_files {
        if name != manifest {
            assert_eq!(after.get(name), Some(bytes), "{name}");
        }
    }
    for name in old_files.keys() {
        assert!(after.contains_key(name), "{name}, which the manifest lists, is gone");
    }
    assert!(after.keys().any(|n| n.starts_with(".manifest.json.")), "the kill was to land in the manifest");

    // The next write (another generation: every template changes again) knows the new
    // stacks' templates as its own, not as foreign files, and removes the stale ones.
    let newest = Spec::new("three", &names[10..]).synth();
    newest.write(dir.path(), false).unwrap();
    assert_eq!(support::read_dir(dir.path()), with_foreign(&newest, false));
}
