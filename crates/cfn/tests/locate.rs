//! `locate` finds the line of every key and item of documents written by serde_json
//! (pretty and compact) and serde_yaml — block and flow collections, quoted keys, block
//! scalars — and returns, never panics, on any text.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use proptest::prelude::*;
use ringfence_cfn::{locate, locate_all, KeyPath};
use serde_json::Value;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-z0-9 :#'\"\\-\\[\\]{},|>!&*\n]{0,24}".prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z][A-Za-z0-9_]{0,8}", "[A-Za-z0-9_ .:#\\-!&*|>\\[\\]{},]{1,10}", "[0-9]{1,3}",]
}

fn doc() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 80, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Every path of the document, depth first, with the key it ends with (if a key).
fn paths(v: &Value, at: &KeyPath, out: &mut Vec<(KeyPath, Option<String>)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = at.clone().key(k.clone());
                out.push((p.clone(), Some(k.clone())));
                paths(child, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = at.clone().index(i);
                out.push((p.clone(), None));
                paths(child, &p, out);
            }
        }
        _ => {}
    }
}

fn check(text: &str, doc: &Value, one_per_line: bool) -> Result<(), TestCaseError> {
    let mut all = Vec::new();
    paths(doc, &KeyPath::new(), &mut all);
    let asked: Vec<KeyPath> = all.iter().map(|(p, _)| p.clone()).collect();
    let lines = locate(text, &asked);
    let text_lines: Vec<&str> = text.lines().collect();
    let mut previous = 0;
    for ((path, key), line) in all.iter().zip(&lines) {
        let line = line.ok_or_else(|| TestCaseError::fail(format!("no line for {path} in\n{text}")))?;
        let written = text_lines[line - 1];
        if let Some(k) = key {
            prop_assert!(written.contains(k.as_str()), "{path} at line {line} `{written}` in\n{text}");
        }
        if one_per_line {
            prop_assert!(line > previous, "{path} at line {line}, after line {previous}, in\n{text}");
        } else {
            prop_assert!(line >= previous, "{path} at line {line}, after line {previous}, in\n{text}");
        }
        previous = line;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_key_and_item_of_a_written_document_is_found(doc in doc()) {
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        check(&pretty, &doc, true)?;
        let compact = serde_json::to_string(&doc).unwrap();
        check(&compact, &doc, false)?;
        let yaml = serde_yaml::to_string(&doc).unwrap();
        // serde_yaml writes an empty collection inline, items of an item on the item's
        // line (`- - a`): several paths may share a line.
        check(&yaml, &doc, false)?;
    }

    #[test]
    fn any_text_gives_an_answer(text in "[ a-z:\\-\\[\\]{},'\"#|>!&*\n\t\\\\]{0,200}", path in "[a-z]{1,2}(\\.[a-z]{1,2}|\\[[0-3]\\]){0,3}") {
        let paths = [KeyPath::parse(&path), KeyPath::parse("a"), KeyPath::parse("a[0]")];
        let _ = locate_all(&text, &paths);
    }
}

#[test]
fn aliases_tags_comments_and_crlf() {
    let yaml = "# header\r\nBase: &base\r\n  A: 1 # comment\r\nUse:\r\n  <<: *base\r\n  B: !Sub |\r\n    x: y\r\n  C: 'it''s: here'\r\n  'D': \"multi\r\n    line\"\r\n  E: 2\r\n";
    let at = |p: &str| locate(yaml, &[KeyPath::parse(p)])[0];
    assert_eq!(at("Base.A"), Some(3));
    assert_eq!(at("Use.<<"), Some(5));
    assert_eq!(at("Use.B"), Some(6));
    assert_eq!(at("Use.B.x"), None);
    assert_eq!(at("Use.C"), Some(8));
    assert_eq!(at("Use.D"), Some(9));
    assert_eq!(at("Use.E"), Some(11));
}
