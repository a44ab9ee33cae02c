//! Checks of DESIGN.md's invariants over synthesized assemblies, reading the written
//! JSON (not ringfence's own model), so they hold for what CloudFormation would see.
#![allow(dead_code)] // each test file uses a part

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ringfence::cfn::schema::{network_targets, NetworkObject};
use ringfence::Assembly;
use serde_json::Value;

/// The JSON document of every template, by stack name.
pub fn documents(assembly: &Assembly) -> BTreeMap<String, Value> {
    assembly
        .stacks()
        .iter()
        .map(|s| {
            let doc: Value = serde_json::from_str(&s.template.to_json()).expect("valid JSON");
            (s.name.to_string(), doc)
        })
        .collect()
}

fn resources(doc: &Value) -> impl Iterator<Item = (&String, &Value)> {
    doc["Resources"].as_object().into_iter().flat_map(|m| m.iter())
}

/// The logical id a `{"Ref": X}` or `{"Fn::GetAtt": [X, "GroupId"]}` points at.
fn local_target(v: &Value) -> Option<&str> {
    if let Some(r) = v.get("Ref") {
        return r.as_str();
    }
    let att = v.get("Fn::GetAtt")?.as_array()?;
    (att.get(1)?.as_str()? == "GroupId").then_some(att.first()?.as_str()?)
}

/// A violation unless `props[key]` is a `Ref` to a resource of type `ty` in this template.
fn local_ref(
    stack: &str,
    id: &str,
    res: &BTreeMap<&String, &Value>,
    props: &Value,
    key: &str,
    ty: &str,
) -> Option<String> {
    let target = props[key]["Ref"].as_str();
    let ok = target.and_then(|t| res.get(&t.to_owned())).is_some_and(|r| r["Type"] == ty);
    (!ok).then(|| format!("{stack}/{id}: {key} is not a {ty} this template creates: {}", props[key]))
}

/// Every invariant violation found in one template, as readable lines.
pub fn template_violations(stack: &str, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let res: BTreeMap<&String, &Value> = resources(doc).collect();
    for (id, r) in &res {
        let ty = r["Type"].as_str().unwrap_or_default();
        let props = &r["Properties"];
        match ty {
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                // Invariant 1: the rule's group is created by this template.
                let target = local_target(&props["GroupId"]);
                let owned = target
                    .and_then(|t| res.get(&t.to_owned()))
                    .is_some_and(|g| g["Type"] == "AWS::EC2::SecurityGroup");
                if !owned {
                    out.push(format!(
                        "{stack}/{id}: rule on a group this template does not create: {}",
                        props["GroupId"]
                    ));
                }
                if props["Description"].as_str().is_none_or(str::is_empty) {
                    out.push(format!("{stack}/{id}: rule without description"));
                }
                let peer = [
                    "SourceSecurityGroupId",
                    "DestinationSecurityGroupId",
                    "CidrIp",
                    "CidrIpv6",
                    "SourcePrefixListId",
                    "DestinationPrefixListId",
                ];
                if !peer.iter().any(|k| props.get(*k).is_some()) {
                    out.push(format!("{stack}/{id}: standalone rule with no peer creates no rule"));
                }
            }
            "AWS::EC2::SecurityGroup" => {
                if props["GroupDescription"].as_str().is_none_or(str::is_empty) {
                    out.push(format!("{stack}/{id}: group without description"));
                }
                // Invariant 2: restricted egress is real only with inline egress.
                let egress = props["SecurityGroupEgress"].as_array();
                if egress.is_none_or(Vec::is_empty) {
                    out.push(format!(
                        "{stack}/{id}: group without inline egress keeps EC2's allow-all egress"
                    ));
                }
                for list in ["SecurityGroupIngress", "SecurityGroupEgress"] {
                    for rule in props[list].as_array().into_iter().flatten() {
                        if rule["Description"].as_str().is_none_or(str::is_empty) {
                            out.push(format!("{stack}/{id}: inline {list} rule without description"));
                        }
                        if rule.get("SourceSecurityGroupId").is_some()
                            || rule.get("DestinationSecurityGroupId").is_some()
                        {
                            out.push(format!(
                                "{stack}/{id}: group-to-group rule inline (dependency cycle risk)"
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
        // Invariants 1 and 10: every property the generated schema table says changes or
        // attaches to a network object names an object this template creates, of the
        // right type where the kind has one.
        for target in network_targets(ty) {
            let values: Vec<&Value> = match &props[target.property] {
                Value::Null => continue,
                Value::Array(items) => items.iter().collect(),
                v => vec![v],
            };
            for v in values {
                let local = v["Ref"].as_str().or_else(|| v["Fn::GetAtt"][0].as_str());
                let created = local.and_then(|t| res.get(&t.to_owned()));
                let ok = created.is_some_and(|r| {
                    kind_types(target.object)
                        .is_none_or(|types| types.contains(&r["Type"].as_str().unwrap_or_default()))
                });
                if !ok {
                    out.push(format!(
                        "{stack}/{id}: {ty}.{} names a {} this template does not create: {v}",
                        target.property,
                        target.object.noun()
                    ));
                }
            }
        }
    }
    out
}

/// The resource types that create an object of `kind`, where the kind has a few.
fn kind_types(kind: NetworkObject) -> Option<&'static [&'static str]> {
    match kind {
        NetworkObject::Vpc => Some(&["AWS::EC2::VPC"]),
        NetworkObject::Subnet => Some(&["AWS::EC2::Subnet"]),
        NetworkObject::RouteTable => Some(&["AWS::EC2::RouteTable"]),
        NetworkObject::NetworkAcl => Some(&["AWS::EC2::NetworkAcl"]),
        NetworkObject::SecurityGroup => Some(&["AWS::EC2::SecurityGroup"]),
        _ => None,
    }
}

/// Every `Fn::ImportValue` name in a document.
pub fn imports(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(name)) = m.get("Fn::ImportValue") {
                    out.insert(name.clone());
                }
                m.values().for_each(|v| walk(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(doc, &mut out);
    out
}

/// Export names of a document.
pub fn exports(doc: &Value) -> BTreeSet<String> {
    doc["Outputs"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|o| o["Export"]["Name"].as_str().map(str::to_owned))
        .collect()
}

/// All violations of the whole assembly: per-template invariants, plus every import
/// matched by an export of another stack that the manifest lists as a dependency.
pub fn assembly_violations(assembly: &Assembly) -> Vec<String> {
    let docs = documents(assembly);
    let manifest: Value = serde_json::from_str(&assembly.manifest()).expect("manifest is JSON");
    let mut out = Vec::new();
    let mut exporter: BTreeMap<String, String> = BTreeMap::new();
    for (stack, doc) in &docs {
        out.extend(template_violations(stack, doc));
        for e in exports(doc) {
            if let Some(other) = exporter.insert(e.clone(), stack.clone()) {
                out.push(format!("export {e} declared by {other} and {stack}"));
            }
        }
    }
    for (stack, doc) in &docs {
        let deps: BTreeSet<&str> = manifest["artifacts"][stack]["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for name in imports(doc) {
            match exporter.get(&name) {
                None => out.push(format!("{stack}: imports {name}, which no stack exports")),
                Some(owner) if owner == stack => out.push(format!("{stack}: imports its own export {name}")),
                Some(owner) if !deps.contains(owner.as_str()) => {
                    out.push(format!("{stack}: imports {name} from {owner}, not a manifest dependency"))
                }
                Some(_) => {}
            }
        }
    }
    // Manifest order: every dependency is listed before its dependent.
    let order: Vec<&String> =
        manifest["artifacts"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
    for (i, stack) in order.iter().enumerate() {
        for d in manifest["artifacts"][stack.as_str()]["dependencies"].as_array().into_iter().flatten() {
            let d = d.as_str().unwrap_or_default();
            if !order[..i].iter().any(|s| s.as_str() == d) {
                out.push(format!("{stack}: dependency {d} is not listed before it"));
            }
        }
    }
    out
}

/// Every logical id of every section, by stack.
pub fn logical_ids(assembly: &Assembly) -> BTreeMap<String, BTreeSet<String>> {
    assembly
        .stacks()
        .iter()
        .map(|s| {
            let t = &s.template;
            let ids = t
                .resources
                .keys()
                .chain(t.parameters.keys())
                .chain(t.outputs.keys())
                .map(|id| id.to_string())
                .collect();
            (s.name.to_string(), ids)
        })
        .collect()
}

/// Every file of a folder, by name, with its bytes.
pub fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|e| {
            let e = e.expect("entry");
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("readable file"))
        })
        .collect()
}

// Helpers shared by the tests of the example apps (tests/<example>.rs).

/// The assembly of an example app, built and synthesized, failing the test if either fails.
pub fn synthesized<E: std::fmt::Debug>(app: Result<ringfence::App, E>) -> Assembly {
    app.expect("the example builds").synth().expect("the example synthesizes")
}

/// Runs `$body` with insta writing to and reading from `snapshots/$folder` (a literal),
/// taking snapshot names as they are (no module prefix) and recording no expression.
///
/// A macro, not a function: insta resolves `snapshot_path` from the file that invokes
/// its macros and records that file as the snapshot's `source`, so both stay the test
/// file's own (`../../../snapshots/…` from `crates/e2e/tests/`: the repository's `snapshots/`).
#[allow(unused_macros)] // each test file uses a part
macro_rules! with_snapshots_in {
    ($folder:literal, $body:block) => {
        insta::with_settings!({
            snapshot_path => concat!("../../../snapshots/", $folder),
            prepend_module_to_snapshot => false,
            omit_expression => true
        }, $body)
    };
}
#[allow(unused_imports)] // each test file uses a part
pub(crate) use with_snapshots_in;

/// Snapshots every template of `$assembly` as `<stack>.template.json` and its manifest as
/// `production.manifest.json`, in `snapshots/$folder`: ringfence's own
/// `assert_assembly_snapshots!`, as a user calls it, in this repository's folders.
#[allow(unused_macros)] // each test file uses a part
macro_rules! assert_assembly_snapshots {
    ($folder:literal, $assembly:expr) => {
        ringfence::assert_assembly_snapshots!(
            $assembly,
            concat!("../../../snapshots/", $folder),
            manifest = "production.manifest.json"
        )
    };
}
#[allow(unused_imports)] // each test file uses a part
pub(crate) use assert_assembly_snapshots;

/// Asserts that `assembly` keeps every invariant (see `assembly_violations`).
#[track_caller] // failures point at the test
pub fn assert_invariants(assembly: &Assembly) {
    let violations = assembly_violations(assembly);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// For production and staging: asserts that the assembly `synth` gives keeps every
/// invariant and deploys its stacks in the order `order` gives for the environment.
#[track_caller] // failures point at the test
pub fn assert_invariants_and_order<S>(synth: impl Fn(&str) -> Assembly, order: impl Fn(&str) -> Vec<S>)
where
    for<'a> &'a str: PartialEq<S>,
    S: std::fmt::Debug,
{
    for env in ["production", "staging"] {
        let assembly = synth(env);
        assert_invariants(&assembly);
        assert_eq!(assembly.deployment_order(), order(env));
    }
}

/// Asserts that two apps from `build`, each written with YAML into a fresh folder, write
/// the same `files` files (`what` says which), byte for byte.
#[track_caller] // failures point at the test
pub fn assert_two_runs_write_byte_identical_folders(
    build: impl Fn() -> ringfence::App,
    files: usize,
    what: &str,
) {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    build().synth_to(a.path(), true).unwrap();
    build().synth_to(b.path(), true).unwrap();
    let (fa, fb) = (read_dir(a.path()), read_dir(b.path()));
    assert_eq!(fa.len(), files, "{what}");
    assert_eq!(fa, fb);
}

/// The resources of a template of one type, as (logical id, whole resource), in template
/// order.
pub fn resources_of_type<'a>(doc: &'a Value, ty: &str) -> impl Iterator<Item = (&'a String, &'a Value)> + 'a {
    let ty = ty.to_owned();
    doc["Resources"].as_object().unwrap().iter().filter(move |(_, r)| r["Type"] == ty)
}

/// The `Properties` of the resources of a template of one type, by logical id.
pub fn of_type<'a>(doc: &'a Value, ty: &str) -> BTreeMap<&'a str, &'a Value> {
    resources_of_type(doc, ty).map(|(id, r)| (id.as_str(), &r["Properties"])).collect()
}

/// The one resource of type `ty` in a template (the whole resource); panics on none or
/// several.
#[track_caller] // failures point at the test
pub fn only_resource<'a>(doc: &'a Value, ty: &str) -> &'a Value {
    let mut hits = resources_of_type(doc, ty);
    let (_, r) = hits.next().unwrap_or_else(|| panic!("no {ty}"));
    assert!(hits.next().is_none(), "several {ty}");
    r
}

/// The logical id of the security group named `name` (its `GroupName`); asserts there is
/// exactly one.
#[track_caller] // failures point at the test
pub fn group_id(doc: &Value, name: &str) -> String {
    let found: Vec<&str> = of_type(doc, "AWS::EC2::SecurityGroup")
        .into_iter()
        .filter(|(_, p)| p["GroupName"] == name)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(found.len(), 1, "one group named {name}");
    found[0].to_owned()
}

/// A security group rule as (protocol, from, to, peer): the peer is a CIDR, a prefix list
/// or `sg:<logical id>`.
pub type Rule = (String, i64, i64, String);

/// The rule with properties `p`, its peer read from the first of the keys `peers` it
/// has; panics if it has none of them.
#[track_caller] // failures point at the test
pub fn rule(p: &Value, peers: &[&str]) -> Rule {
    let peer = peers
        .iter()
        .find_map(|k| p.get(*k))
        .map(|v| match v.as_str() {
            Some(cidr) => cidr.to_owned(),
            None => format!("sg:{}", v["Fn::GetAtt"][0].as_str().expect("a group of this template")),
        })
        .expect("a peer");
    (
        p["IpProtocol"].as_str().unwrap().to_owned(),
        p["FromPort"].as_i64().unwrap(),
        p["ToPort"].as_i64().unwrap(),
        peer,
    )
}

/// A TCP rule on one port.
pub fn tcp(port: i64, peer: &str) -> Rule {
    ("tcp".into(), port, port, peer.to_owned())
}

/// Every ingress rule of a template, inline or standalone, as (logical id of the resource
/// that declares it, whether that is a standalone rule, rule properties).
fn declared_ingress(doc: &Value) -> Vec<(&String, bool, &Value)> {
    let mut out = Vec::new();
    for (id, r) in doc["Resources"].as_object().unwrap() {
        match r["Type"].as_str().unwrap() {
            "AWS::EC2::SecurityGroup" => {
                for rule in r["Properties"]["SecurityGroupIngress"].as_array().into_iter().flatten() {
                    out.push((id, false, rule));
                }
            }
            "AWS::EC2::SecurityGroupIngress" => out.push((id, true, &r["Properties"])),
            _ => {}
        }
    }
    out
}

/// Every ingress rule of a template, inline or standalone, as (where, rule properties):
/// where is the logical id of the group of an inline rule, of a standalone rule itself.
pub fn ingress_rules(doc: &Value) -> Vec<(String, Value)> {
    declared_ingress(doc).into_iter().map(|(id, _, rule)| (id.clone(), rule.clone())).collect()
}

/// Every ingress rule of a template, inline or standalone, as (logical id of its group,
/// rule properties); a standalone rule must name its group with `Fn::GetAtt`.
pub fn ingress_rules_by_group(doc: &Value) -> Vec<(String, Value)> {
    declared_ingress(doc)
        .into_iter()
        .map(|(id, standalone, rule)| {
            let group = match standalone {
                true => rule["GroupId"]["Fn::GetAtt"][0].as_str().unwrap().to_owned(),
                false => id.clone(),
            };
            (group, rule.clone())
        })
        .collect()
}
