//! Reading and writing a template keeps every section, resource attribute, parameter and
//! output key, modelled or not (DESIGN.md, invariant 11: reading never drops what it
//! cannot understand). Checked on documents that carry them, as JSON and as YAML.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use proptest::prelude::*;
use ringfence_cfn::Template;
use serde_json::{json, Map, Value};

/// Plain data (no intrinsic-function shapes, whose short forms the reader normalizes).
fn data() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        "[a-z][a-z0-9 .-]{0,12}".prop_map(Value::from),
        (-5i64..100_000).prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[A-Z][a-zA-Z0-9]{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn policy() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("Delete")),
        Just(json!("Retain")),
        Just(json!("RetainExceptOnCreate")),
        Just(json!("Snapshot")),
        // Not a policy the model knows (CloudFormation would refuse it): kept as written.
        Just(json!({ "Fn::If": ["Prod", "Retain", "Delete"] })),
    ]
}

prop_compose! {
    fn document()(
        transform in prop::option::of(prop_oneof![
            Just(json!("AWS::Serverless-2016-10-31")),
            Just(json!(["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"])),
        ]),
        metadata in prop::option::of(data()),
        rules in prop::option::of(data()),
        deletion in prop::option::of(policy()),
        replace in prop::option::of(policy()),
        // An empty `Metadata` map is the same as none, and is not written.
        resource_metadata in prop::option::of(data().prop_filter("not an empty map", |v| *v != json!({}))),
        attribute in prop::option::of(data()),
        no_echo in prop::option::of(any::<bool>()),
        min_length in prop::option::of(0i64..64),
        constraint in prop::option::of("[a-z ]{1,20}"),
        output_extra in prop::option::of(data()),
    ) -> Value {
        let mut doc = Map::new();
        doc.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        doc.insert("Description".into(), json!("round trip"));
        let mut param = Map::new();
        param.insert("Type".into(), json!("String"));
        if let Some(v) = no_echo { param.insert("NoEcho".into(), json!(v)); }
        if let Some(v) = min_length { param.insert("MinLength".into(), json!(v)); }
        if let Some(v) = constraint { param.insert("ConstraintDescription".into(), json!(v)); }
        doc.insert("Parameters".into(), json!({ "Name": param }));
        let mut res = Map::new();
        res.insert("Type".into(), json!("AWS::SQS::Queue"));
        res.insert("Properties".into(), json!({ "QueueName": { "Ref": "Name" } }));
        if let Some(v) = resource_metadata { res.insert("Metadata".into(), v); }
        if let Some(v) = deletion { res.insert("DeletionPolicy".into(), v); }
        if let Some(v) = replace { res.insert("UpdateReplacePolicy".into(), v); }
        if let Some(v) = attribute { res.insert("FutureAttribute".into(), v); }
        doc.insert("Resources".into(), json!({ "Queue": res }));
        let mut out = Map::new();
        out.insert("Value".into(), json!({ "Ref": "Queue" }));
        if let Some(v) = output_extra { out.insert("Extra".into(), v); }
        doc.insert("Outputs".into(), json!({ "QueueUrl": out }));
        if let Some(v) = transform { doc.insert("Transform".into(), v); }
        if let Some(v) = metadata { doc.insert("Metadata".into(), v); }
        if let Some(v) = rules { doc.insert("Rules".into(), v); }
        Value::Object(doc)
    }
}

/// `a` and `b` hold the same keys and values, whatever the order of keys.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w)),
        _ => a == b,
    }
}

proptest! {
    #[test]
    fn json_and_yaml_round_trips_keep_everything(doc in document()) {
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let read = Template::from_json(&text).unwrap();
        let written: Value = serde_json::from_str(&read.to_json()).unwrap();
        prop_assert!(same(&doc, &written), "JSON lost something:\n{}\n---\n{}", text, read.to_json());
        let yaml = read.to_yaml();
        let again = Template::from_yaml(&yaml).unwrap();
        prop_assert_eq!(&again, &read, "YAML lost something:\n{}", yaml);
    }
}

#[test]
fn a_sam_template_keeps_its_transform_and_a_retained_bucket_its_policies() {
    let yaml = "
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Metadata: { AWS::CloudFormation::Interface: { ParameterGroups: [] } }
Rules: { OnlyProd: { Assertions: [ { Assert: !Equals [ !Ref Env, prod ] } ] } }
Parameters:
  Env: { Type: String, NoEcho: true, MinLength: 2, ConstraintDescription: two letters }
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    UpdateReplacePolicy: Snapshot
";
    let t = Template::from_yaml(yaml).unwrap();
    let json = t.to_json();
    for key in [
        "\"Transform\": \"AWS::Serverless-2016-10-31\"",
        "\"AWS::CloudFormation::Interface\"",
        "\"Rules\"",
        "\"Fn::Equals\"",
        "\"NoEcho\": true",
        "\"MinLength\": 2",
        "\"ConstraintDescription\": \"two letters\"",
        "\"DeletionPolicy\": \"Retain\"",
        "\"UpdateReplacePolicy\": \"Snapshot\"",
    ] {
        assert!(json.contains(key), "{key} lost:\n{json}");
    }
    assert_eq!(Template::from_json(&json).unwrap(), t);
}
