//! A real repository audits as it is (issue #13, "Real suites", item 1): files that
//! share a stem in different folders (`ecs/cluster.yaml`, `fargate/cluster.yaml`) are
//! named after their paths relative to the audited folder, every output shows the files
//! by those paths, and SARIF locates them from the working directory, where GitHub code
//! scanning looks for them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }

    /// The text report's header lines: `FILE (stack NAME)`, in order.
    fn headers(&self) -> Vec<&str> {
        self.stdout.lines().filter(|l| l.ends_with(')') && l.contains(" (stack ")).collect()
    }
}

/// The binary run in folder `dir`.
fn ringfence(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
    }
}

/// A template with one warning (an egress rule without a description) and one note (no
/// workload joins the group): each file has a header in the text report.
const GROUP: &str = "\
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: Tasks of this service
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
";

/// Each file of the repository's `infra/` folder, relative to it, and its stack name,
/// in the order the folder is read (name order).
const NAMES: &[(&str, &str)] = &[
    // Characters CloudFormation refuses in a stack name; a name must start with a letter.
    ("2024 q1/db.yaml", "stack-2024-q1-db"),
    ("cluster.yaml", "cluster"),
    ("ecs/cluster.yaml", "ecs-cluster"),
    ("fargate/cluster.template.yaml", "fargate-cluster"),
    // No other file has its stem: the stem.
    ("network.yaml", "network"),
    // Deeper: the whole path in the folder.
    ("services/a/prod/web.yaml", "services-a-prod-web"),
    ("services/b/prod/web.yaml", "services-b-prod-web"),
    ("team_x/db.yaml", "team-x-db"),
];

/// A repository (its root, the real path) with `infra/` holding [`NAMES`].
fn repository() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (file, _) in NAMES {
        write(&root.join("infra").join(file), GROUP);
    }
    (dir, root)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn headers(names: &[(&str, &str)]) -> Vec<String> {
    names.iter().map(|(file, stack)| format!("{file} (stack {stack})")).collect()
}

#[test]
fn a_folder_whose_files_share_stems_audits_as_it_is() {
    let (_dir, root) = repository();
    let run = ringfence(&root, &["audit", "infra"]);
    assert_eq!(run.code, 0, "warnings and notes only\n{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(run.headers(), headers(NAMES), "{}", run.stdout);
    assert_eq!(run.stdout.lines().last(), Some("0 errors, 8 warnings, 8 notes, 0 suppressed in 8 templates"));
    // Audited from inside the folder, or by its absolute path: the same report.
    assert_eq!(ringfence(&root.join("infra"), &["audit", "."]).stdout, run.stdout);
    let absolute = root.join("infra").display().to_string();
    assert_eq!(ringfence(Path::new("/"), &["audit", &absolute]).stdout, run.stdout);
}

#[test]
fn json_names_each_file_by_its_path_in_the_folder_and_its_stack() {
    let (_dir, root) = repository();
    let doc = ringfence(&root, &["audit", "infra", "--format", "json"]).json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 16, "{doc:#}");
    let mut pairs: Vec<(&str, &str)> =
        findings.iter().map(|f| (f["template"].as_str().unwrap(), f["stack"].as_str().unwrap())).collect();
    pairs.dedup();
    assert_eq!(pairs, NAMES, "in file order");
}

#[test]
fn sarif_locates_each_file_from_the_working_directory() {
    let (_dir, root) = repository();
    let uris = |dir: &Path, folder: &str| -> (Value, BTreeSet<(String, Option<String>)>) {
        let doc = ringfence(dir, &["audit", folder, "--format", "sarif"]).json();
        let run = &doc["runs"][0];
        let uris = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let at = &r["locations"][0]["physicalLocation"]["artifactLocation"];
                (at["uri"].as_str().unwrap().to_owned(), at["uriBaseId"].as_str().map(str::to_owned))
            })
            .collect();
        (run["originalUriBaseIds"].clone(), uris)
    };
    let base = Some("%SRCROOT%".to_owned());
    let encoded = |file: &str| file.replace(' ', "%20");

    // In the repository's root, as CI runs it: the path from there, which is what
    // GitHub code scanning resolves; `%SRCROOT%` says where that is.
    let (bases, found) = uris(&root, "infra");
    let want: BTreeSet<(String, Option<String>)> =
        NAMES.iter().map(|(file, _)| (format!("infra/{}", encoded(file)), base.clone())).collect();
    assert_eq!(found, want);
    assert_eq!(bases["%SRCROOT%"]["uri"], format!("file://{}/", root.display()));

    // In the audited folder: relative to it.
    let (bases, found) = uris(&root.join("infra"), ".");
    let want: BTreeSet<(String, Option<String>)> =
        NAMES.iter().map(|(file, _)| (encoded(file), base.clone())).collect();
    assert_eq!(found, want);
    assert_eq!(bases["%SRCROOT%"]["uri"], format!("file://{}/infra/", root.display()));

    // Outside the working directory: `file://` URIs, with no base.
    let elsewhere = tempfile::tempdir().unwrap();
    let absolute = root.join("infra").display().to_string();
    let (_, found) = uris(elsewhere.path(), &absolute);
    let want: BTreeSet<(String, Option<String>)> = NAMES
        .iter()
        .map(|(file, _)| (format!("file://{}/infra/{}", root.display(), encoded(file)), None))
        .collect();
    assert_eq!(found, want);
}

#[test]
fn a_derived_name_that_is_taken_takes_the_folders_name_too() {
    let (_dir, root) = repository();
    write(&root.join("infra/ecs-cluster.yaml"), GROUP);
    let run = ringfence(&root, &["audit", "infra"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.headers(),
        headers(&[
            ("2024 q1/db.yaml", "stack-2024-q1-db"),
            ("cluster.yaml", "cluster"),
            ("ecs/cluster.yaml", "infra-ecs-cluster"),
            ("ecs-cluster.yaml", "ecs-cluster"),
            ("fargate/cluster.template.yaml", "fargate-cluster"),
            ("network.yaml", "network"),
            ("services/a/prod/web.yaml", "services-a-prod-web"),
            ("services/b/prod/web.yaml", "services-b-prod-web"),
            ("team_x/db.yaml", "team-x-db"),
        ])
    );
}

#[test]
fn files_of_one_folder_and_one_stem_are_named_with_their_extensions() {
    // Sample libraries keep a template as JSON and as YAML side by side.
    let (_dir, root) = repository();
    write(&root.join("infra/x/a.json"), GROUP);
    write(&root.join("infra/x/a.yaml"), GROUP);
    let run = ringfence(&root, &["audit", "infra"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let named: Vec<&str> = run.headers().into_iter().filter(|h| h.starts_with("x/")).collect();
    assert_eq!(named, ["x/a.json (stack x-a-json)", "x/a.yaml (stack x-a-yaml)"]);
}

#[test]
fn files_that_stay_one_name_along_their_whole_paths_are_a_usage_error() {
    let (_dir, root) = repository();
    write(&root.join("infra/a b/c.yaml"), GROUP);
    write(&root.join("infra/a_b/c.yaml"), GROUP);
    let run = ringfence(&root, &["audit", "infra"]);
    assert_eq!(run.code, 2);
    // The name takes every folder up to the root: only then is it a clash.
    let whole: Vec<String> = root
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_str().unwrap().trim_matches('.').replace('.', "-")),
            _ => None,
        })
        .collect();
    assert_eq!(
        run.stderr,
        format!(
            "error: infra/a b/c.yaml and infra/a_b/c.yaml are both stack `{}-infra-a-b-c`, even named after their whole paths; name one with --stack-name FILE=NAME\n",
            whole.join("-")
        )
    );
    // Naming one of them is enough: the other's stem is its own again.
    let run = ringfence(&root, &["audit", "infra", "--stack-name", "a_b/c.yaml=legacy-c"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let named: Vec<&str> = run.headers().into_iter().filter(|h| h.starts_with("a")).collect();
    assert_eq!(named, ["a b/c.yaml (stack c)", "a_b/c.yaml (stack legacy-c)"]);
}

#[test]
fn a_given_stack_name_wins() {
    let (_dir, root) = repository();
    let run = ringfence(&root, &["audit", "infra", "--stack-name", "ecs/cluster.yaml=ecs-production"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let clusters: Vec<&str> = run.headers().into_iter().filter(|h| h.contains("cluster.")).collect();
    // fargate/cluster.template.yaml still shares its stem with cluster.yaml.
    assert_eq!(
        clusters,
        [
            "cluster.yaml (stack cluster)",
            "ecs/cluster.yaml (stack ecs-production)",
            "fargate/cluster.template.yaml (stack fargate-cluster)"
        ]
    );
}

#[test]
fn several_folders_are_shown_from_the_folder_that_holds_them() {
    let (_dir, root) = repository();
    let run = ringfence(&root, &["audit", "infra/ecs", "infra/fargate", "infra/services"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.headers(),
        headers(&[
            ("ecs/cluster.yaml", "ecs-cluster"),
            ("fargate/cluster.template.yaml", "fargate-cluster"),
            ("services/a/prod/web.yaml", "services-a-prod-web"),
            ("services/b/prod/web.yaml", "services-b-prod-web"),
        ])
    );
}

#[test]
fn files_given_by_name_are_shown_as_given() {
    let (_dir, root) = repository();
    let run =
        ringfence(&root, &["audit", "infra/ecs/cluster.yaml", "infra/cluster.yaml", "infra/network.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.headers(),
        headers(&[
            ("infra/ecs/cluster.yaml", "ecs-cluster"),
            ("infra/cluster.yaml", "cluster"),
            ("infra/network.yaml", "network"),
        ])
    );
    let json = ringfence(&root, &["audit", "infra/ecs/cluster.yaml", "--format", "json"]).json();
    assert_eq!(json["findings"][0]["template"], "infra/ecs/cluster.yaml");
    assert_eq!(json["findings"][0]["stack"], "cluster", "one file: its stem");
}

/// Two stacks named `main.yaml` in their folders: a network that shares its database
/// group, and an app that opens it to its own group (crates/cli/tests/suites/orders).
fn apps() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suites/orders");
    for (from, to) in [("network.yaml", "network/main.yaml"), ("orders.yaml", "orders/main.yaml")] {
        write(&root.join("apps").join(to), &std::fs::read_to_string(suite.join(from)).unwrap());
    }
    (dir, root)
}

#[test]
fn plans_and_impact_speak_of_the_derived_stacks() {
    let (_dir, root) = apps();
    let plan = ringfence(&root, &["audit", "--plan", "apps"]);
    assert_eq!(plan.code, 1, "the audit's exit code: RF101 is an error\n{}", plan.stderr);
    let out = &plan.stdout;
    for line in [
        "orders-main/DbFromApp (orders/main.yaml, line 9)",
        "    - template orders-main is a client of orders-db (created by network-main): its group orders-app reaches it on tcp/5432",
        "    - template network-main: admits the role group `orders-db-clients` on tcp/5432 (ingress on its own group), a group it creates and shares",
        "    let mut network_main = app.stack(\"network-main\")?;",
        "    let mut orders_main = app.stack(\"orders-main\")?;",
        "    orders_main.allow_egress(&own, Peer::group(&orders_db), Port::tcp(5432), \"orders in PostgreSQL\")?;",
    ] {
        assert!(out.lines().any(|l| l == line), "no line `{line}`:\n{out}");
    }

    // The import is matched whatever the stacks are called.
    let impact = ringfence(&root, &["impact", "--remove", "network-main", "apps"]);
    assert_eq!(impact.code, 0, "{}", impact.stderr);
    assert!(
        impact.stdout.starts_with(
            "Removing network-main affects 1 other stack(s):\n\norders-main (orders/main.yaml)\n"
        ),
        "{}",
        impact.stdout
    );
    // A stack given by its file, as the output shows it.
    let by_file = ringfence(&root, &["impact", "--remove", "network/main.yaml", "apps"]);
    assert_eq!(by_file.stdout, impact.stdout);
    // Reachability names the derived stacks too, and the file as shown.
    let reach = ringfence(
        &root,
        &[
            "reach",
            "--from",
            "orders-main/AppSG",
            "--to",
            "internet:203.0.113.7",
            "--port",
            "tcp/443",
            "apps",
        ],
    );
    assert_eq!(reach.code, 0, "{}", reach.stderr);
    let at = "                             at orders/main.yaml AppSG Properties.SecurityGroupEgress[0]";
    assert!(reach.stdout.lines().any(|l| l == at), "{}", reach.stdout);
}
