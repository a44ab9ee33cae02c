//! Checks of DESIGN.md's invariants over synthesized assemblies, reading the written
//! JSON (not ringfence's own model), so they hold for what CloudFormation would see.
#![allow(dead_code)] // each test file uses a part

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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
            // Invariant 1 for the network layer: entries, routes and associations only on
            // objects this template creates.
            "AWS::EC2::NetworkAclEntry" => {
                out.extend(local_ref(stack, id, &res, props, "NetworkAclId", "AWS::EC2::NetworkAcl"))
            }
            "AWS::EC2::Route" => {
                out.extend(local_ref(stack, id, &res, props, "RouteTableId", "AWS::EC2::RouteTable"))
            }
            "AWS::EC2::SubnetRouteTableAssociation" => {
                out.extend(local_ref(stack, id, &res, props, "RouteTableId", "AWS::EC2::RouteTable"));
                out.extend(local_ref(stack, id, &res, props, "SubnetId", "AWS::EC2::Subnet"));
            }
            "AWS::EC2::SubnetNetworkAclAssociation" => {
                out.extend(local_ref(stack, id, &res, props, "NetworkAclId", "AWS::EC2::NetworkAcl"));
                out.extend(local_ref(stack, id, &res, props, "SubnetId", "AWS::EC2::Subnet"));
            }
            "AWS::EC2::VPCEndpoint" => {
                for rt in props["RouteTableIds"].as_array().into_iter().flatten() {
                    let wrapped = serde_json::json!({ "RouteTableId": rt });
                    out.extend(local_ref(stack, id, &res, &wrapped, "RouteTableId", "AWS::EC2::RouteTable"));
                }
            }
            _ => {}
        }
    }
    out
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
