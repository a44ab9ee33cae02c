//! End-to-end tests of the `ringfence` binary: run as a user runs it, over the
//! repository's legacy suite (`legacy/chat-platform`), over the cloud assemblies the
//! example apps write, and over small suites written here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

const SHARED: &str = "*.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617";

/// What one run of the binary gave.
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
}

fn ringfence<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    ringfence_in(Path::new("."), args)
}

/// The binary run in folder `dir`.
fn ringfence_in<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Run {
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

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn legacy() -> String {
    repo().join("legacy/chat-platform").display().to_string()
}

/// `ringfence <command> <legacy folder> --param SHARED <more>`.
fn on_legacy(command: &str, more: &[&str]) -> Run {
    let mut args = vec![command.to_owned(), legacy(), "--param".into(), SHARED.into()];
    args.extend(more.iter().map(|s| (*s).to_owned()));
    ringfence(&args)
}

/// Every finding over the legacy suite (as `tests/legacy_suite.rs` at the repository
/// root asserts them): check, severity, file, logical id, path, suppressed.
const LEGACY: &[(&str, &str, &str, &str, &str, bool)] = &[
    ("RF301", "error", "network.yaml", "BastionSG", "Properties.SecurityGroupIngress[0]", false),
    ("RF501", "warning", "network.yaml", "DataInPostgresFromOfficeVpn", "Properties", false),
    ("RF502", "warning", "network.yaml", "DataInDenyPostgresFromPublic", "Properties", false),
    ("RF503", "info", "network.yaml", "PublicSubnetA", "Properties", false),
    ("RF503", "info", "network.yaml", "PublicSubnetB", "Properties", false),
    ("RF503", "info", "network.yaml", "PrivateSubnetA", "Properties", false),
    ("RF503", "info", "network.yaml", "PrivateSubnetB", "Properties", false),
    ("RF101", "error", "bot-dice.yaml", "DiceApiFromBots", "Properties", false),
    ("RF202", "warning", "bot-dice.yaml", "DiceBotSG", "Properties", false),
    ("RF202", "warning", "bot-dice.yaml", "DiceApiFromBots", "Properties", false),
    ("RF900", "warning", "bot-dice.yaml", "DiceApiFromBots", "Metadata.ringfence.suppress", false),
    ("RF101", "error", "bot-trivia.yaml", "TriviaApiFromBots", "Properties", false),
    ("RF103", "error", "bot-trivia.yaml", "TriviaApiFromBots", "Properties", false),
    ("RF303", "error", "bot-trivia.yaml", "TriviaBotSG", "Properties", false),
    ("RF101", "error", "bot-weather.yaml", "WeatherApiFromBots", "Properties", true),
    ("RF201", "warning", "bot-weather.yaml", "WeatherWebhookSG", "Properties", false),
    ("RF302", "error", "bot-weather.yaml", "WeatherWebhookSG", "Properties.SecurityGroupIngress[1]", false),
    ("RF202", "warning", "bot-weather.yaml", "WeatherWebhookSG", "Properties.SecurityGroupIngress[1]", false),
    ("RF101", "error", "bot-moderation.yaml", "ScreeningFromBots", "Properties", false),
    ("RF101", "error", "chat-history-db.json", "ReportingIntoDatabase", "Properties", false),
    ("RF102", "error", "chat-history-db.json", "RouteToReporting", "Properties", false),
    ("RF102", "error", "chat-history-db.json", "DataInPostgresFromReporting", "Properties", false),
    ("RF102", "error", "chat-history-db.json", "DataOutReturnToReporting", "Properties", false),
];

fn file_name(path: &str) -> &str {
    Path::new(path).file_name().and_then(|n| n.to_str()).unwrap()
}

#[test]
fn legacy_text_groups_findings_by_template_and_ends_with_the_summary() {
    let run = on_legacy("audit", &[]);
    assert_eq!(run.code, 1, "errors fail the default --fail-on error\n{}", run.stderr);
    let out = &run.stdout;
    assert_eq!(
        out.lines().last(),
        Some("11 errors, 7 warnings, 4 notes, 1 suppressed in 6 templates"),
        "{out}"
    );
    for file in [
        "bot-dice.yaml",
        "bot-moderation.yaml",
        "bot-trivia.yaml",
        "bot-weather.yaml",
        "chat-history-db.json",
    ] {
        // The one folder audited: paths relative to it.
        let header = format!("{file} (stack {})", file.split('.').next().unwrap());
        assert_eq!(out.lines().filter(|l| *l == header).count(), 1, "one header for {file}:\n{out}");
    }
    assert!(!out.contains("README"), "{out}");
    // Each template's findings stay together, most severe first.
    let sev: Vec<(&str, usize)> = out
        .lines()
        .filter_map(|l| {
            let l = l.strip_prefix("  ")?;
            let rank =
                ["note", "warning", "error"].iter().position(|s| l.starts_with(&format!("{s:<7} RF")))?;
            Some((l, rank))
        })
        .collect();
    assert_eq!(sev.len(), LEGACY.len());
    let blocks: Vec<&str> = out.split("\n\n").collect();
    for block in &blocks[..blocks.len() - 1] {
        let ranks: Vec<usize> = block
            .lines()
            .filter_map(|l| {
                let l = l.strip_prefix("  ")?;
                ["note", "warning", "error"].iter().position(|s| l.starts_with(&format!("{s:<7} RF")))
            })
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "most severe first:\n{block}");
    }
    // The suppressed finding is shown with its reason.
    let i = out.find("RF101 WeatherApiFromBots Properties").unwrap();
    let rest = &out[i..];
    assert!(rest.lines().next().unwrap().ends_with("[suppressed]"), "{rest}");
    assert!(rest
        .lines()
        .nth(2)
        .unwrap()
        .trim()
        .starts_with("suppressed: Moves to a weather-clients role group"));
    assert!(out.contains("hint: "), "{out}");
}

#[test]
fn legacy_json_lists_every_finding_with_the_documented_keys() {
    let run = on_legacy("audit", &["--format", "json"]);
    assert_eq!(run.code, 1);
    let doc = run.json();
    let keys: BTreeSet<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["findings", "summary"]));
    let findings = doc["findings"].as_array().unwrap();
    let want: BTreeSet<&str> = BTreeSet::from([
        "check",
        "severity",
        "template",
        "stack",
        "resource",
        "path",
        "message",
        "hint",
        "suppressed",
    ]);
    let mut actual = Vec::new();
    for f in findings {
        let keys: BTreeSet<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, want, "{f}");
        let template = f["template"].as_str().unwrap();
        assert_eq!(template, file_name(template), "relative to the audited folder");
        assert_eq!(f["stack"].as_str(), template.split('.').next(), "the stem");
        assert!(!f["message"].as_str().unwrap().is_empty() && !f["hint"].as_str().unwrap().is_empty());
        actual.push((
            f["check"].as_str().unwrap().to_owned(),
            f["severity"].as_str().unwrap().to_owned(),
            file_name(template).to_owned(),
            f["resource"].as_str().unwrap().to_owned(),
            f["path"].as_str().unwrap().to_owned(),
            !f["suppressed"].is_null(),
        ));
    }
    let mut expected: Vec<_> = LEGACY
        .iter()
        .map(|(c, s, t, id, p, sup)| {
            ((*c).to_owned(), (*s).to_owned(), (*t).to_owned(), (*id).to_owned(), (*p).to_owned(), *sup)
        })
        .collect();
    actual.sort();
    expected.sort();
    assert_eq!(actual, expected);
    let weather = findings.iter().find(|f| f["resource"] == "WeatherApiFromBots").unwrap();
    assert!(weather["suppressed"].as_str().unwrap().starts_with("Moves to a weather-clients role group"));
    assert_eq!(
        doc["summary"],
        serde_json::json!({"errors": 11, "warnings": 7, "notes": 4, "suppressed": 1, "templates": 6})
    );
}

#[test]
fn files_named_one_by_one_read_as_their_folder() {
    // `ringfence audit legacy/chat-platform/*`: the README is not a template.
    let mut args =
        vec!["audit".to_owned(), "--param".into(), SHARED.into(), "--format".into(), "json".into()];
    let mut files: Vec<String> =
        std::fs::read_dir(legacy()).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    files.sort();
    assert!(files.iter().any(|f| f.ends_with("README.md")));
    args.extend(files);
    let run = ringfence(&args);
    assert!(run.stderr.contains("README.md: not a CloudFormation template"), "{}", run.stderr);
    // The same report; files given by name are shown as given.
    let folder = on_legacy("audit", &["--format", "json"]).stdout;
    let as_given = folder.replace("\"template\": \"", &format!("\"template\": \"{}/", legacy()));
    assert_eq!(run.stdout, as_given);
}

#[test]
fn fail_on_decides_the_exit_code() {
    assert_eq!(on_legacy("audit", &[]).code, 1);
    assert_eq!(on_legacy("audit", &["--fail-on", "error"]).code, 1);
    assert_eq!(on_legacy("audit", &["--fail-on", "warning"]).code, 1);
    assert_eq!(on_legacy("audit", &["--fail-on", "never"]).code, 0);
    assert_eq!(on_legacy("audit", &["--fail-on", "never", "--format", "sarif"]).code, 0);
    let dir = tempfile::tempdir().unwrap();
    let warn_only = "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupName: web-production\n      GroupDescription: web\n      SecurityGroupEgress:\n        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}\n";
    std::fs::write(dir.path().join("web.yaml"), warn_only).unwrap();
    let path = dir.path().display().to_string();
    let run = ringfence(&["audit", &path]);
    assert!(run.stdout.contains("0 errors, 1 warnings"), "{}", run.stdout);
    assert_eq!(run.code, 0, "warnings pass --fail-on error");
    assert_eq!(ringfence(&["audit", &path, "--fail-on", "warning"]).code, 1);
}

#[test]
fn legacy_sarif_has_the_required_structure() {
    // As CI runs it: in the repository's root, on a folder in it.
    let run =
        ringfence_in(&repo(), &["audit", "legacy/chat-platform", "--param", SHARED, "--format", "sarif"]);
    assert_eq!(run.code, 1);
    let doc = run.json();
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "ringfence");
    assert_eq!(driver["informationUri"], "https://docs.rs/ringfence-cli");
    let help = |id: &str| {
        let rules = driver["rules"].as_array().unwrap();
        rules.iter().find(|r| r["id"] == id).unwrap()["helpUri"].as_str().unwrap().to_owned()
    };
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        help("RF101"),
        format!("https://docs.rs/ringfence-analyze/{version}/ringfence_analyze/checks/constant.RF101.html")
    );
    assert_eq!(help("RF000"), format!("https://docs.rs/ringfence-cli/{version}"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for c in ringfence_analyze::CHECKS {
        let rule = rules.iter().find(|r| r["id"] == c.id).unwrap_or_else(|| panic!("rule {}", c.id));
        assert_eq!(rule["name"], c.name);
        assert_eq!(rule["shortDescription"]["text"], c.summary);
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert_eq!(level, ["note", "warning", "error"][c.severity as usize]);
    }
    assert!(ids.contains(&"RF000"), "unreadable templates have a rule too");
    let root = &runs[0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    assert_eq!(root.as_str().unwrap(), format!("file://{}/", repo().display()), "the working directory");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "rule ids are unique");

    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), LEGACY.len());
    for r in results {
        assert!(ids.contains(&r["ruleId"].as_str().unwrap()), "{r}");
        assert!(["none", "note", "warning", "error"].contains(&r["level"].as_str().unwrap()), "{r}");
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let physical = &r["locations"][0]["physicalLocation"];
        // Relative to the working directory, where GitHub code scanning looks.
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("legacy/chat-platform/") && uri.matches('/').count() == 2, "{uri}");
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        // The line declares the resource.
        let line = physical["region"]["startLine"].as_u64().unwrap();
        let resource = r["locations"][0]["logicalLocations"][0]["name"].as_str().unwrap();
        let path = Path::new(&legacy()).join(file_name(uri));
        let text = std::fs::read_to_string(&path).unwrap();
        let declared = text.lines().nth(usize::try_from(line).unwrap() - 1).unwrap();
        assert!(
            declared.trim_start().trim_start_matches('"').starts_with(resource),
            "{declared} / {resource}"
        );
    }
    let suppressed: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert!(suppressed[0]["suppressions"][0]["justification"].as_str().unwrap().starts_with("Moves to"));
    assert_eq!(results.iter().filter(|r| r["level"] == "note").count(), 4, "infos are SARIF notes");
}

/// A copy of the legacy folder with one YAML and one JSON file that cannot be parsed.
fn broken_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(legacy()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("broken.json"),
        "{\n  \"Resources\": {\n    \"A\": {\"Type\": \"X\",}\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bot-broken.yaml"),
        "Resources:\n  Group:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {GroupDescription: [unclosed\n",
    )
    .unwrap();
    dir
}

#[test]
fn an_unreadable_file_is_reported_with_line_and_column_and_the_rest_is_audited() {
    let dir = broken_copy();
    let folder = dir.path().display().to_string();
    let run = ringfence(&["audit", &folder, "--param", SHARED]);
    assert_eq!(run.code, 1);
    let json_file = "\nbroken.json (stack broken)\n";
    assert!(run.stdout.contains(json_file), "{}", run.stdout);
    assert!(run.stdout.contains("error   RF000 line 3, column 23"), "{}", run.stdout);
    assert!(
        run.stdout.contains("13 errors, 7 warnings, 4 notes, 1 suppressed in 8 templates"),
        "{}",
        run.stdout
    );

    let doc = ringfence(&["audit", &folder, "--param", SHARED, "--format", "json"]).json();
    let findings = doc["findings"].as_array().unwrap();
    let unreadable: Vec<&Value> = findings.iter().filter(|f| f["check"] == "RF000").collect();
    assert_eq!(unreadable.len(), 2);
    for f in &unreadable {
        assert_eq!(f["severity"], "error");
        assert_eq!(f["resource"], "");
        let path = f["path"].as_str().unwrap();
        assert!(path.starts_with("line ") && path.contains(", column "), "{path}");
        assert!(f["message"].as_str().unwrap().starts_with("unreadable template: "), "{f}");
    }
    assert_eq!(file_name(unreadable[0]["template"].as_str().unwrap()), "bot-broken.yaml");
    assert_eq!(unreadable[1]["path"], "line 3, column 23");
    assert_eq!(unreadable[1]["message"], "unreadable template: trailing comma");
    // Every finding of the readable templates is still there.
    assert_eq!(findings.len(), LEGACY.len() + 2);
    assert_eq!(doc["summary"]["templates"], 8);

    let sarif = ringfence(&["audit", &folder, "--param", SHARED, "--format", "sarif"]).json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "RF000" && r["message"]["text"].as_str().unwrap().contains("line 3"))
        .unwrap();
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 3, "startColumn": 23})
    );

    // The other commands leave it out with a warning.
    let graph = ringfence(&["graph", &folder]);
    assert_eq!(graph.code, 0);
    assert!(graph.stderr.contains("broken.json left out: line 3, column 23"), "{}", graph.stderr);
}

/// The folder each example app writes its assembly to, written once per test run.
fn examples() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ringfence-cli");
        let out = base.join("examples");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        for name in EXAMPLES {
            let status = common::nested_cargo()
                .args(["run", "-q", "--example", name, "--manifest-path"])
                .arg(&manifest)
                .arg("--")
                .arg("--out")
                .arg(out.join(name))
                .stdout(std::process::Stdio::null())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo run --example {name} failed");
        }
        out
    })
}

const EXAMPLES: &[&str] =
    &["chat_bots", "three_tier", "web_server", "game_servers", "immutable_fleet", "peers_and_ports"];

fn example(name: &str) -> String {
    examples().join(name).display().to_string()
}

#[test]
fn every_example_assembly_audits_clean() {
    for name in EXAMPLES {
        let dir = example(name);
        let run = ringfence(&["audit", &dir]);
        assert_eq!(run.code, 0, "{name}:\n{}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.lines().last().unwrap().starts_with("0 errors, "), "{name}: {}", run.stdout);
        let doc = ringfence(&["audit", &dir, "--format", "json"]).json();
        assert_eq!(doc["summary"]["errors"], 0, "{name}");
        let stacks = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_str().unwrap().ends_with(".template.json"))
            .count();
        assert_eq!(doc["summary"]["templates"], stacks, "{name}: manifest.json is not a template");
        let sarif = ringfence(&["audit", &dir, "--format", "sarif"]);
        assert_eq!(sarif.code, 0);
        assert_eq!(sarif.json()["version"], "2.1.0");
        assert_eq!(
            ringfence(&["audit", "--plan", &dir]).stdout.lines().next(),
            Some("No RF101 finding: every template adds rules only to groups it creates.")
        );
    }
}

fn affected(run: &Run) -> Vec<Value> {
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["affected"].as_array().unwrap().clone()
}

#[test]
fn removing_a_bot_affects_no_one_and_removing_the_network_affects_every_bot() {
    let dir = example("chat_bots");
    let bots = ["chat-bot-trivia-production", "chat-bot-dice-production", "chat-bot-quiz-production"];
    for bot in bots {
        let run = ringfence(&["impact", "--remove", bot, &dir, "--format", "json"]);
        assert_eq!(run.json()["removed"], bot);
        assert_eq!(affected(&run), Vec::<Value>::new(), "removing {bot}");
        let text = ringfence(&["impact", "--remove", bot, &dir]);
        assert!(text.stdout.contains("affects no other stack"), "{}", text.stdout);
    }
    let net =
        affected(&ringfence(&["impact", "--remove", "chat-network-production", &dir, "--format", "json"]));
    let stacks: BTreeSet<&str> = net.iter().map(|a| a["stack"].as_str().unwrap()).collect();
    assert_eq!(stacks, BTreeSet::from(bots));
    for a in &net {
        let keys: BTreeSet<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["stack", "resource", "group", "rule", "kind", "message"]));
    }
    // Every bot's tasks join the network's bots group.
    for bot in bots {
        assert!(
            net.iter().any(|a| a["stack"] == bot
                && a["kind"] == "member-of-removed-group"
                && a["group"] == "bots-production"),
            "{bot}: {net:#?}"
        );
    }
    // The trivia bot's egress names the network's database group.
    assert!(net.iter().any(|a| a["stack"] == "chat-bot-trivia-production"
        && a["kind"] == "rule-naming-removed-group"
        && a["group"] == "bot-trivia-production"
        && a["rule"].as_str().unwrap().contains("egress tcp/5432 to group chat-db-production")));
}

#[test]
fn removing_a_legacy_bot_removes_the_identical_rule_of_another() {
    let run = on_legacy("impact", &["--remove", "bot-dice", "--format", "json"]);
    let all = affected(&run);
    let trivia = all
        .iter()
        .find(|a| a["stack"] == "bot-trivia" && a["resource"] == "TriviaApiFromBots")
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!(trivia["kind"], "identical-rule");
    assert_eq!(trivia["group"], "sg-0b7a1c2d3e4f50617");
    assert!(trivia["rule"].as_str().unwrap().starts_with("ingress tcp/8080"), "{trivia}");
    assert!(trivia["message"].as_str().unwrap().contains("bot-dice/DiceApiFromBots"));
    // Workloads in the shared group lose it as well.
    assert!(all.iter().any(|a| a["stack"] == "bot-weather" && a["kind"] == "rule-removed-from-group"));
    let text = on_legacy("impact", &["--remove", "bot-dice"]);
    assert!(text.stdout.contains("TriviaApiFromBots [identical-rule]"), "{}", text.stdout);
    // A stack named by its file works too; an unknown one is a usage error.
    assert_eq!(on_legacy("impact", &["--remove", "bot-dice.yaml"]).stdout, text.stdout);
    let unknown = on_legacy("impact", &["--remove", "bot-nope"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no stack `bot-nope`"), "{}", unknown.stderr);
}

#[test]
fn reach_on_the_chat_bots_assembly() {
    let dir = example("chat_bots");
    let ask = |to: &str, port: &str, format: &str| {
        ringfence(&[
            "reach",
            "--from",
            "bot-trivia-production,bots-production",
            "--to",
            to,
            "--port",
            port,
            &dir,
            "--format",
            format,
        ])
    };
    let db = ask("chat-db-production", "tcp/5432", "text");
    assert_eq!(db.code, 0, "{}", db.stderr);
    assert!(
        db.stdout.starts_with("allowed: tcp/5432 from groups bot-trivia-production, bots-production"),
        "{}",
        db.stdout
    );
    let cache = ask("cache-production", "tcp/6379", "text");
    assert_eq!(cache.code, 0, "a denial is an answer");
    assert!(cache.stdout.starts_with("denied: tcp/6379"), "{}", cache.stdout);

    let doc = ask("chat-db-production", "tcp/5432", "json").json();
    let keys: BTreeSet<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["allowed", "because"]));
    assert_eq!(doc["allowed"], true);
    let steps = doc["because"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "groups out, groups in; no subnet given, so no NACL");
    for s in steps {
        let keys: BTreeSet<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["layer", "allowed", "template", "resource", "path", "detail"]));
        assert_eq!(s["allowed"], true);
    }
    assert_eq!(steps[0]["layer"], "groups-out");
    assert!(steps[0]["template"].as_str().unwrap().ends_with("chat-bot-trivia-production.template.json"));
    assert_eq!(steps[1]["layer"], "groups-in");
    assert!(steps[1]["template"].as_str().unwrap().ends_with("chat-network-production.template.json"));
    let denied = ask("cache-production", "tcp/6379", "json").json();
    assert_eq!(denied["allowed"], false);
    let last = denied["because"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["layer"].as_str(), last["allowed"].as_bool()), (Some("groups-out"), Some(false)));

    // Groups by STACK/LOGICALID; subnets by name; the Internet by address.
    let model_run = ringfence(&[
        "reach",
        "--from",
        "workload:chat-bot-quiz-production/ServiceF2ACD6CA",
        "--to",
        "internet:198.51.100.7",
        "--port",
        "tcp/443",
        &dir,
        "--format",
        "json",
    ]);
    let doc = model_run.json();
    assert_eq!(doc["allowed"], true, "{doc:#}");
    assert_eq!(doc["because"].as_array().unwrap().last().unwrap()["layer"], "route");
    let inbound = ringfence(&[
        "reach",
        "--from",
        "internet:198.51.100.7",
        "--to",
        "bots-production",
        "--port",
        "tcp/443",
        &dir,
    ]);
    assert!(inbound.stdout.starts_with("denied:"), "{}", inbound.stdout);

    let unknown = ringfence(&[
        "reach",
        "--from",
        "no-such-group",
        "--to",
        "cache-production",
        "--port",
        "tcp/6379",
        &dir,
    ]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no security group `no-such-group`"), "{}", unknown.stderr);
    let bad_port = ringfence(&[
        "reach",
        "--from",
        "bots-production",
        "--to",
        "cache-production",
        "--port",
        "6379",
        &dir,
    ]);
    assert_eq!(bad_port.code, 2);
    let no_source = ringfence(&["reach", "--to", "cache-production", "--port", "tcp/6379", &dir]);
    assert_eq!(no_source.code, 2);
}

#[test]
fn graph_prints_mermaid_or_dot() {
    let mermaid = on_legacy("graph", &["--format", "mermaid"]);
    assert_eq!(mermaid.code, 0);
    assert!(mermaid.stdout.starts_with("flowchart LR\n"), "{}", mermaid.stdout);
    assert!(mermaid.stdout.contains("subgraph") && mermaid.stdout.contains("allow-https-8443"));
    let dot = on_legacy("graph", &["--format", "dot"]);
    assert_eq!(dot.code, 0);
    assert!(dot.stdout.starts_with("digraph "), "{}", dot.stdout);
    assert!(dot.stdout.trim_end().ends_with('}'));
    assert_eq!(on_legacy("graph", &[]).stdout, mermaid.stdout, "Mermaid is the default");
}

/// Ports print in one form everywhere (`PortRange`'s): every TCP port is `tcp/all` in
/// diagrams as in rule text, an ICMP flow is its type, and ports CloudFormation rejects
/// say so.
#[test]
fn ports_print_in_one_form() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("web.yaml"),
        "
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: web
      GroupDescription: web servers
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 0, ToPort: 65535, CidrIp: 10.8.0.0/16, Description: office }
        - { IpProtocol: tcp, FromPort: abc, ToPort: 22, CidrIp: 10.9.0.0/16, Description: typo }
        - { IpProtocol: icmp, FromPort: 8, ToPort: -1, CidrIp: 10.7.0.0/16, Description: ping }
",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let graph = ringfence(&["graph", path]);
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    for label in ["tcp/all<br>office", "unreadable ports<br>typo", "icmp/8<br>ping"] {
        assert!(graph.stdout.contains(label), "{label}: {}", graph.stdout);
    }
    let reach = ringfence(&["reach", "--from", "internet:10.7.0.9", "--to", "web", "--port", "icmp/8", path]);
    assert!(reach.stdout.starts_with("allowed: icmp/8 from the Internet"), "{}", reach.stdout);
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in ["audit", "reach", "impact", "graph"] {
        let run = ringfence(&[sub, "--help"]);
        assert_eq!(run.code, 0, "{sub}");
        assert!(run.stdout.contains("Examples:"), "{sub}: {}", run.stdout);
        assert!(run.stdout.contains(&format!("\n  ringfence {sub} ")), "{sub}: {}", run.stdout);
        assert!(run.stdout.contains("Exit codes:"), "{sub}");
        let via_help = ringfence(&["help", sub]);
        assert_eq!(via_help.code, 0);
    }
    let top = ringfence(&["--help"]);
    assert_eq!(top.code, 0);
    assert!(top.stdout.contains("Exit codes:") && top.stdout.contains("  2  usage or I/O error"));
    assert_eq!(ringfence(&["--version"]).code, 0);
    assert_eq!(ringfence::<&str>(&[]).code, 2, "no subcommand is a usage error");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let missing = ringfence(&["audit", "/no/such/folder"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.starts_with("error: cannot read /no/such/folder"), "{}", missing.stderr);
    let unknown_stack = on_legacy("audit", &["--param", "bot-nope.X=1"]);
    assert_eq!(unknown_stack.code, 2);
    assert!(unknown_stack.stderr.contains("no stack `bot-nope`"), "{}", unknown_stack.stderr);
    let unknown_param = on_legacy("audit", &["--param", "bot-dice.Nope=1"]);
    assert_eq!(unknown_param.code, 2);
    assert!(unknown_param.stderr.contains("declares no parameter Nope"), "{}", unknown_param.stderr);
    assert_eq!(on_legacy("audit", &["--param", "nodot=1"]).code, 2);
    assert_eq!(on_legacy("audit", &["--format", "xml"]).code, 2);
    assert_eq!(on_legacy("audit", &["--plan", "--format", "sarif"]).code, 2);
    assert_eq!(on_legacy("audit", &["--stack-name", "nothing.yaml=x"]).code, 2);
    let empty = tempfile::tempdir().unwrap();
    let run = ringfence(&["audit", &empty.path().display().to_string()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no template found"), "{}", run.stderr);
}

#[test]
fn without_the_parameter_value_the_shared_group_is_a_parameter() {
    let run = ringfence(&["audit", &legacy(), "--format", "json"]);
    let doc = run.json();
    let rf103 = doc["findings"].as_array().unwrap().iter().filter(|f| f["check"] == "RF103").count();
    assert_eq!(rf103, 0, "the copied rule cannot be matched across templates");
    // The same value given per stack gives the same report as `*.`.
    let per_stack = ringfence(&[
        "audit",
        &legacy(),
        "--format",
        "json",
        "--param",
        "bot-dice.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617",
        "--param",
        "bot-trivia.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617",
        "--param",
        "bot-weather.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617",
    ]);
    assert_eq!(per_stack.stdout, on_legacy("audit", &["--format", "json"]).stdout);
}

#[test]
fn the_plan_replaces_every_rf101_finding() {
    let run = on_legacy("audit", &["--plan"]);
    assert_eq!(run.code, 1, "the exit code is the audit's");
    let out = &run.stdout;
    assert!(out.starts_with("5 rule(s) on groups their template does not create (RF101):"), "{out}");
    let dice = &out[out.find("\nbot-dice/DiceApiFromBots").unwrap()..];
    assert!(dice.contains("ring-fenced (member):"), "{dice}");
    assert!(dice.contains("let own = bot_dice.security_group(&vpc, \"bot-dice\""), "{dice}");
    assert!(
        dice.contains(
            "bot_dice.allow_ingress(&own, Peer::group(&shared_bots_security_group), Port::tcp(8080)"
        ),
        "{dice}"
    );
    assert!(dice.contains("today bot-trivia/TriviaApiFromBots declares the identical rule"), "{dice}");
    assert!(out.contains("[suppressed: Moves to a weather-clients role group"), "{out}");

    let doc = on_legacy("audit", &["--plan", "--format", "json"]).json();
    let plans = doc["plans"].as_array().unwrap();
    let resources: BTreeSet<&str> = plans.iter().map(|p| p["resource"].as_str().unwrap()).collect();
    assert_eq!(
        resources,
        BTreeSet::from([
            "DiceApiFromBots",
            "TriviaApiFromBots",
            "WeatherApiFromBots",
            "ScreeningFromBots",
            "ReportingIntoDatabase"
        ])
    );
    for p in plans {
        assert!(!p["layout"].as_array().unwrap().is_empty());
        assert!(p["snippet"].as_str().unwrap().contains(".allow_"), "{p}");
    }
}

/// A network stack that shares its database group, and an app stack that opens the
/// database to its own group: the app is a client.
fn client_suite() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suites/orders");
    let network = std::fs::read_to_string(suite.join("network.yaml")).unwrap();
    let app = std::fs::read_to_string(suite.join("orders.yaml")).unwrap();
    std::fs::write(dir.path().join("network.template.json"), "{\"Resources\": {}}").unwrap();
    std::fs::write(dir.path().join("network.template.yaml"), network).unwrap();
    std::fs::write(dir.path().join("orders.yml"), app).unwrap();
    dir
}

#[test]
fn a_client_rule_becomes_egress_and_a_role_the_owner_admits() {
    let dir = client_suite();
    // network.template.json is read instead of the YAML beside it: rename it away.
    std::fs::remove_file(dir.path().join("network.template.json")).unwrap();
    let folder = dir.path().display().to_string();
    let run = ringfence(&["audit", "--plan", &folder]);
    let out = &run.stdout;
    assert!(out.contains("ring-fenced (client):"), "{out}");
    assert!(
        out.contains("template orders: egress tcp/5432 from its own group orders-app to orders-db"),
        "{out}"
    );
    assert!(out.contains("template network: admits the role group `orders-db-clients` on tcp/5432"), "{out}");
    assert!(
        out.contains("let orders_db_clients = network.security_group(&vpc, \"orders-db-clients\""),
        "{out}"
    );
    assert!(out.contains("network.allow_ingress(&orders_db, Peer::group(&orders_db_clients), Port::tcp(5432), \"orders in PostgreSQL\")?;"), "{out}");
    assert!(
        out.contains(
            "orders.allow_egress(&own, Peer::group(&orders_db), Port::tcp(5432), \"orders in PostgreSQL\")?;"
        ),
        "{out}"
    );
    assert!(out.contains("let tasks = orders.group_set(\"tasks\", [&own, &orders_db_clients])?;"), "{out}");
}

#[test]
fn assembly_folders_are_read_as_ringfence_writes_them() {
    let dir = client_suite();
    std::fs::write(dir.path().join("manifest.json"), "{\"version\": \"36.0.0\", \"artifacts\": {}}").unwrap();
    std::fs::write(dir.path().join("package.json"), "{\"name\": \"infra\"}").unwrap();
    std::fs::write(dir.path().join("NOTES.md"), "Resources: none").unwrap();
    let folder = dir.path().display().to_string();
    let doc = ringfence(&["audit", &folder, "--format", "json"]).json();
    // network.template.json (empty) wins over network.template.yaml; manifest.json,
    // package.json and NOTES.md are not templates.
    assert_eq!(doc["summary"]["templates"], 2, "{doc:#}");
    let templates: BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| file_name(f["template"].as_str().unwrap()))
        .collect();
    assert_eq!(templates, BTreeSet::from(["orders.yml"]), "{doc:#}");
    // With the JSON read, the import cannot be resolved: RF101 names it.
    let rf101 = doc["findings"].as_array().unwrap().iter().find(|f| f["check"] == "RF101").unwrap().clone();
    assert!(rf101["message"].as_str().unwrap().contains("network-DbSG"), "{rf101}");

    // Stack names: NAME of NAME.template.json, the stem otherwise, or --stack-name.
    let yaml = dir.path().join("network.template.yaml").display().to_string();
    let app = dir.path().join("orders.yml").display().to_string();
    let run = ringfence(&["audit", &yaml, &app, "--stack-name", "orders.yml=orders-production"]);
    assert!(run.stdout.contains("orders.yml (stack orders-production)"), "{}", run.stdout);
    let clash = ringfence(&["audit", &yaml, &app, "--stack-name", "orders.yml=network"]);
    assert_eq!(clash.code, 2);
    assert!(clash.stderr.contains("are both stack `network`"), "{}", clash.stderr);
}
