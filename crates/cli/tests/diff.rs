//! `ringfence diff OLD NEW` (issue #14): the output contract (JSON keys, the text and
//! Markdown sections), the `--fail-on` gates and their exit codes, `--param` on both
//! sides, and a suite against itself being no change.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ringfence(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence")).args(args).current_dir(repo()).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const OLD: &str = "legacy/chat-platform";
const NEW: &str = "crates/cli/tests/suites/chat-platform-next";
const PARAM: &str = "*.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617";

#[test]
fn a_suite_against_itself_is_no_change_and_exits_0_on_every_gate() {
    let (code, out, _) = ringfence(&["diff", OLD, OLD, "--format", "json", "--fail-on", "change"]);
    assert_eq!(code, 0, "{out}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["stacks"]["unchanged"].as_array().unwrap().len(), 6);
    for key in ["added", "removed", "changed"] {
        assert_eq!(json["stacks"][key], serde_json::json!([]), "{key}");
    }
    for key in ["opened", "closed"] {
        assert_eq!(json["flows"][key], serde_json::json!([]), "{key}");
    }
    assert_eq!(json["replacements"], serde_json::json!([]));
    assert_eq!(json["failures"], serde_json::json!([]));
}

#[test]
fn the_json_says_each_class_of_change() {
    let (code, out, err) = ringfence(&["diff", OLD, NEW, "--param", PARAM, "--format", "json"]);
    assert_eq!(code, 1, "the default gate, failure, holds: {err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["stacks"]["changed"],
        serde_json::json!(["bot-dice", "bot-trivia", "bot-weather", "network"])
    );
    // One flow opened, from the Internet, by the rule that opens it; none closed (bot-dice's
    // deleted rule is still declared, identically, by bot-trivia).
    let opened = json["flows"]["opened"].as_array().unwrap();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["from"], "0.0.0.0/0");
    assert_eq!(opened[0]["to"], "bot-trivia/Service");
    assert_eq!(opened[0]["port"], "tcp/22");
    assert_eq!(
        (opened[0]["stack"].as_str(), opened[0]["resource"].as_str()),
        (Some("bot-trivia"), Some("TriviaBotSG"))
    );
    assert_eq!(json["flows"]["closed"], serde_json::json!([]));
    // Two replacements, both failing, for two reasons.
    let replaced: Vec<(&str, &str, bool)> = json["replacements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["resource"].as_str().unwrap(), r["type"].as_str().unwrap(), r["fails"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(
        replaced,
        [
            ("WeatherWebhookSG", "AWS::EC2::SecurityGroup", true),
            ("SharedBotsSG", "AWS::EC2::SecurityGroup", true)
        ]
    );
    let kinds: Vec<&str> =
        json["failures"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["replacement-fails", "export-in-use"]);
    assert!(json["failures"][1]["avoid"].as_str().unwrap().contains("two steps"));
}

#[test]
fn gates_choose_what_fails_the_job() {
    let run = |gates: &[&str]| {
        let mut args = vec!["diff", OLD, NEW, "--param", PARAM];
        for g in gates {
            args.extend(["--fail-on", g]);
        }
        ringfence(&args).0
    };
    assert_eq!(run(&[]), 1, "failure by default");
    assert_eq!(run(&["never"]), 0);
    assert_eq!(run(&["internet"]), 1);
    assert_eq!(run(&["opened"]), 1);
    assert_eq!(run(&["replacement"]), 1);
    assert_eq!(run(&["never", "internet"]), 1, "any gate that holds fails");
    // Without the SSH rule nothing opens from the Internet.
    let (code, _, _) = ringfence(&["diff", OLD, OLD, "--fail-on", "internet", "--fail-on", "failure"]);
    assert_eq!(code, 0);
}

#[test]
fn text_and_markdown_show_every_section() {
    let (_, text, _) = ringfence(&["diff", OLD, NEW, "--param", PARAM]);
    for heading in [
        "Stacks: 0 added, 0 removed, 4 changed, 2 unchanged",
        "Flows opened: 1",
        "Flows closed: 0",
        "Replacements: 2",
        "Predicted deployment failures: 2",
        "Deploy in this order:",
    ] {
        assert!(text.contains(heading), "{heading} in\n{text}");
    }
    let (_, md, _) = ringfence(&["diff", OLD, NEW, "--param", PARAM, "--format", "markdown"]);
    assert!(md.starts_with("## ringfence diff\n"), "{md}");
    assert!(
        md.contains(
            "| from | to | port | rules |\n|---|---|---|---|\n| 0.0.0.0/0 | bot-trivia/Service | `tcp/22` |"
        ),
        "{md}"
    );
    assert!(md.contains("### Flows closed (0)\n\nNone."), "{md}");
    assert!(md.contains("| `replacement-fails` | `bot-weather/WeatherWebhookSG` |"), "{md}");
}

#[test]
fn a_removed_stack_says_what_its_removal_does_to_the_others() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join(OLD)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name != "bot-dice.yaml" && !name.ends_with(".md") {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    let new = dir.path().to_str().unwrap();
    let (code, out, _) = ringfence(&["diff", OLD, new, "--param", PARAM, "--format", "json"]);
    assert_eq!(code, 0, "removing bot-dice fails no deployment: {out}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["stacks"]["removed"], serde_json::json!(["bot-dice"]));
    let removed = &json["removed_stacks"][0];
    assert_eq!(removed["stack"], "bot-dice");
    let kinds: Vec<&str> =
        removed["impact"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["identical-rule", "rule-removed-from-group", "rule-removed-from-group"]);
    // Its workload's flows close, and only they.
    let closed = json["flows"]["closed"].as_array().unwrap();
    assert!(!closed.is_empty());
    assert!(
        closed.iter().all(|f| f["from"] == "bot-dice/Service" || f["to"] == "bot-dice/Service"),
        "{closed:#?}"
    );
    assert_eq!(json["order"]["steps"], serde_json::json!([{"stack": "bot-dice", "action": "delete"}]));
}

#[test]
fn a_parameter_may_belong_to_one_side_but_not_to_none() {
    let (code, _, err) = ringfence(&["diff", OLD, NEW, "--param", "*.NoSuchParameter=x"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: --param *.NoSuchParameter=x: no template of either side declares parameter NoSuchParameter\n"
    );
}
