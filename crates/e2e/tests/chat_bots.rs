//! The chat_bots example: snapshots of every template, and DESIGN.md's invariants
//! checked on what it writes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../../examples/chat_bots.rs"]
mod chat_bots;
mod support;

use chat_bots::{build, Bot, BOTS, POLL};
use ringfence::Assembly;

fn synth(env: &str, bots: &[Bot]) -> Assembly {
    support::synthesized(build(env, bots))
}

#[test]
fn snapshots_of_every_template() {
    for env in ["production", "staging"] {
        let assembly = synth(env, &BOTS);
        support::with_snapshots_in!("chat_bots", {
            for stack in assembly.stacks() {
                insta::assert_snapshot!(format!("{}.template.json", stack.name), stack.template.to_json());
                if env == "production" {
                    insta::assert_snapshot!(
                        format!("{}.template.yaml", stack.name),
                        stack.template.to_yaml()
                    );
                }
            }
            insta::assert_snapshot!(format!("{env}.manifest.json"), assembly.manifest());
        });
    }
}

#[test]
fn every_template_keeps_the_invariants() {
    for env in ["production", "staging"] {
        let assembly = synth(env, &BOTS);
        support::assert_invariants(&assembly);
    }
}

#[test]
fn the_checker_catches_a_planted_violation() {
    // The invariant checker itself must fail on a template that breaks ring-fencing:
    // a bot template that adds a rule to the network's group through an import.
    let assembly = synth("production", &BOTS);
    let docs = support::documents(&assembly);
    let mut doc = docs["chat-bot-trivia-production"].clone();
    doc["Resources"]["Planted"] = serde_json::json!({
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Properties": {
            "GroupId": {"Fn::ImportValue": "chat-network-production:chat-db:GroupId"},
            "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
            "SourceSecurityGroupId": "sg-0123456789abcdef0", "Description": "x"
        }
    });
    doc["Resources"]["BotTriviaSecurityGroupB5B9E9D2"] = serde_json::json!({
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {"GroupDescription": "g", "VpcId": "vpc-0a1b2c3d"}
    });
    let v = support::template_violations("t", &doc);
    assert!(v.iter().any(|l| l.contains("does not create")), "{v:?}");
    assert!(v.iter().any(|l| l.contains("allow-all egress")), "{v:?}");
}

#[test]
fn two_runs_write_byte_identical_folders() {
    support::assert_two_runs_write_byte_identical_folders(
        || build("production", &BOTS).unwrap(),
        9,
        "manifest + 4 JSON + 4 YAML",
    );
}

#[test]
fn rewriting_with_fewer_stacks_leaves_no_stale_template() {
    let dir = tempfile::tempdir().unwrap();
    build("production", &BOTS).unwrap().synth_to(dir.path(), false).unwrap();
    build("production", &BOTS[..2]).unwrap().synth_to(dir.path(), false).unwrap();
    let files = support::read_dir(dir.path());
    assert!(!files.contains_key("chat-bot-quiz-production.template.json"));
    assert_eq!(files.len(), 4);
}

#[test]
fn rewriting_touches_only_the_files_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    let first = synth("production", &BOTS).write(dir.path(), false).unwrap();
    assert_eq!((first.written, first.unchanged, first.removed), (5, 0, 0), "manifest + 4 templates");
    let mtimes = || -> std::collections::BTreeMap<String, std::time::SystemTime> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().modified().unwrap())
            })
            .collect()
    };
    let before = mtimes();
    // Coarse file-system clocks: make sure a rewrite would show in the mtime.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = synth("production", &BOTS).write(dir.path(), false).unwrap();
    assert_eq!((again.written, again.unchanged, again.removed), (0, 5, 0));
    assert_eq!(mtimes(), before, "an unchanged file was rewritten");

    // A bot that changes is the only template written; a bot that goes is removed.
    let mut changed = BOTS;
    changed[1].purpose = "rolls dice, now with more sides";
    let third = synth("production", &changed[..2]).write(dir.path(), false).unwrap();
    assert_eq!((third.written, third.unchanged, third.removed), (2, 2, 1), "dice + manifest written");
    let after = mtimes();
    for (name, when) in &after {
        let rewritten = name.contains("dice") || name == "manifest.json";
        assert_eq!(before[name] != *when, rewritten, "{name}");
    }
    let files = support::read_dir(dir.path());
    let expected = synth("production", &changed[..2]);
    for stack in expected.stacks() {
        assert_eq!(files[&stack.template_file()], stack.template.to_json().into_bytes(), "{}", stack.name);
    }
}

#[test]
fn a_change_that_keeps_the_size_is_still_written() {
    // Same length, other bytes: the writer must compare content, not sizes.
    let dir = tempfile::tempdir().unwrap();
    synth("production", &BOTS).write(dir.path(), false).unwrap();
    let mut changed = BOTS;
    changed[1].purpose = "rolls dice for tabletop channelz";
    assert_eq!(changed[1].purpose.len(), BOTS[1].purpose.len());
    let again = synth("production", &changed).write(dir.path(), false).unwrap();
    assert_eq!((again.written, again.unchanged), (1, 4), "only dice's template changed");
    let files = support::read_dir(dir.path());
    let text = String::from_utf8(files["chat-bot-dice-production.template.json"].clone()).unwrap();
    assert!(text.contains("channelz"), "the new description was not written");
}

#[test]
fn consumers_come_and_go_without_touching_other_templates() {
    let three = synth("production", &BOTS);
    let two = synth("production", &BOTS[..2]);
    let four = synth("production", &[BOTS[0], BOTS[1], BOTS[2], POLL]);
    for other in [&two, &four] {
        for stack in other.stacks() {
            if let Some(before) = three.stack(stack.name.as_str()) {
                assert_eq!(before.template.to_json(), stack.template.to_json(), "{} changed", stack.name);
            }
        }
    }
    assert_eq!(two.stacks().len(), 3);
    assert_eq!(four.stacks().len(), 5);
}

#[test]
fn environments_change_names_not_structure() {
    let prod = support::logical_ids(&synth("production", &BOTS));
    let staging = support::logical_ids(&synth("staging", &BOTS));
    type Ids = std::collections::BTreeMap<String, std::collections::BTreeSet<String>>;
    let rename = |ids: &Ids, env: &str| -> Ids {
        ids.iter().map(|(k, v)| (k.replace(env, "ENV"), v.clone())).collect()
    };
    assert_eq!(rename(&prod, "production"), rename(&staging, "staging"));
    let staging_json = synth("staging", &BOTS).stacks()[0].template.to_json();
    assert!(staging_json.contains("\"GroupName\": \"bots-staging\""));
    assert!(!staging_json.contains("production"));
}

#[test]
fn bots_reach_only_what_they_declare() {
    // dice keeps no chat history: its own group has no egress to chat-db, so joining
    // the bots role group (which chat-db admits) does not let it in.
    let assembly = synth("production", &BOTS);
    let dice = assembly.stack("chat-bot-dice-production").unwrap().template.to_json();
    assert!(!dice.contains("chat-db:GroupId"));
    assert!(dice.contains("cache:GroupId"));
    let trivia = assembly.stack("chat-bot-trivia-production").unwrap().template.to_json();
    assert!(trivia.contains("chat-db:GroupId"));
    assert!(!trivia.contains("cache:GroupId"));
}

#[test]
fn diagram_of_the_groups() {
    let suite = synth("production", &BOTS).suite();
    let model = ringfence::analyze::Model::build(&suite);
    let mermaid = ringfence::analyze::diagram::mermaid(&model);
    // Bots reach the shared services through their own groups' egress; dice keeps no
    // chat history, so no edge leaves it for the database.
    let dice_to_db = mermaid.lines().filter(|l| l.contains("s2_BotDice") && l.contains("ChatDb")).count();
    assert_eq!(dice_to_db, 0, "{mermaid}");
    assert_eq!(
        mermaid.lines().filter(|l| l.contains("-.->") && l.contains("ChatDb")).count(),
        2,
        "{mermaid}"
    );
    support::with_snapshots_in!("chat_bots", {
        insta::assert_snapshot!("production.groups.mmd", mermaid);
        insta::assert_snapshot!("production.groups.dot", ringfence::analyze::diagram::dot(&model));
    });
}
