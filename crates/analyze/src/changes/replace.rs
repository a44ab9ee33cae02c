//! Which resources a change replaces, and what goes with them.
//!
//! A resource is replaced when a property its type's schema lists as create-only
//! changes, or is added or removed (CloudFormation: "If you add or remove a property
//! that requires replacement, it also triggers an update … even if the actual value
//! doesn't change", <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html>),
//! and when such a property refers (`Ref`, `Fn::GetAtt`) to a resource of its template
//! that is replaced: its new physical id is a new value. CloudFormation "usually creates
//! the replacement resource first, changes references from other dependent resources to
//! point to the replacement resource, and then deletes the old resource" (same page).
//!
//! ```text
//!   group replaced ──► same stack: rules on it / naming it replaced, workloads moved (updated)
//!                 ├──► other stack, Fn::ImportValue: the export's value changes while in use
//!                 │     → the producer's update fails (blocks)
//!                 └──► other stack, Fn::GetStackOutput: keeps the old id (stale), and the old
//!                       group cannot be deleted while used or named
//! ```

use std::collections::BTreeSet;

use ringfence_cfn::ec2::{self, group_keys};
use ringfence_cfn::Value;

use super::names::{differs, property, refers_to, Key, ResourceKey, Side};
use super::{Carried, PropertyChange, Replacement, TakenAlong};
use crate::model::RulePeer;
use crate::suite::Obj;

/// The create-only properties of the resource types whose replacement is predicted,
/// from CloudFormation's resource provider schemas (`createOnlyProperties`, as bundled
/// with cfn-lint 1.58.0, us-east-1):
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html>,
/// `…-securitygroupingress.html`, `…-securitygroupegress.html`. A rule's `Description`
/// is not one: it is updated in place.
pub(super) fn create_only(resource_type: &str) -> Option<&'static [&'static str]> {
    match resource_type {
        ec2::SECURITY_GROUP => Some(&["GroupDescription", "GroupName", "VpcId"]),
        ec2::SECURITY_GROUP_INGRESS => Some(&[
            "CidrIp",
            "CidrIpv6",
            "FromPort",
            "GroupId",
            "GroupName",
            "IpProtocol",
            "SourcePrefixListId",
            "SourceSecurityGroupId",
            "SourceSecurityGroupName",
            "SourceSecurityGroupOwnerId",
            "ToPort",
        ]),
        ec2::SECURITY_GROUP_EGRESS => Some(&[
            "CidrIp",
            "CidrIpv6",
            "DestinationPrefixListId",
            "DestinationSecurityGroupId",
            "FromPort",
            "GroupId",
            "IpProtocol",
            "ToPort",
        ]),
        _ => None,
    }
}

/// A resource found replaced, with the sides' template indices.
pub(super) struct Found {
    pub key: ResourceKey,
    /// Whether CloudFormation can make the replacement (not a custom name that stays):
    /// only then do the resources that name it get a new value.
    pub goes: bool,
    ns: usize,
    resource_type: String,
    changes: Vec<PropertyChange>,
}

/// Every resource of a stack in both suites whose create-only properties change, after
/// the references to replaced resources are followed, sorted by stack and logical id.
pub(super) fn replaced(old: &Side<'_, '_>, new: &Side<'_, '_>) -> Vec<Found> {
    let mut candidates = Vec::new();
    for ns in new.stacks() {
        let name = new.name(ns);
        let Some(os) = old.index(name) else { continue };
        for (id, nres) in &new.template(ns).resources {
            let Some(ores) = old.resource(os, id.as_str()) else { continue };
            if new.resource(ns, id.as_str()).is_none() || ores.resource_type != nres.resource_type {
                continue;
            }
            if let Some(props) = create_only(&nres.resource_type) {
                candidates.push(((name.to_owned(), id.to_string()), os, ns, props));
            }
        }
    }
    candidates.sort_by(|a, b| a.0.cmp(&b.0));
    let mut found: Vec<Found> = Vec::new();
    // Replaced (those whose replacement goes, which the others name anew), and found.
    let (mut keys, mut seen): (BTreeSet<ResourceKey>, BTreeSet<ResourceKey>) = Default::default();
    // Until nothing more is replaced: a resource whose create-only property names a
    // replaced resource of its template is replaced in turn.
    loop {
        let before = found.len();
        for (key, os, ns, props) in &candidates {
            if seen.contains(key) {
                continue;
            }
            let (ores, nres) =
                (&old.template(*os).resources[key.1.as_str()], &new.template(*ns).resources[key.1.as_str()]);
            let mut changes = Vec::new();
            for p in props.iter() {
                let (ov, nv) = (property(&ores.properties, p), property(&nres.properties, p));
                let changed = match (ov, nv) {
                    (None, None) => false,
                    (Some(ov), Some(nv)) => differs(old, *os, ov, new, *ns, nv, &keys),
                    _ => true,
                };
                if changed {
                    let via = nv.and_then(|nv| refers_to(new, *ns, nv, &keys));
                    changes.push(PropertyChange {
                        property: (*p).to_owned(),
                        old: ov.map(|v| old.show(*os, v)),
                        new: nv.map(|v| new.show(*ns, v)),
                        via,
                    });
                }
            }
            if !changes.is_empty() {
                found.push(Found {
                    key: key.clone(),
                    goes: kept_name(new, *ns, &key.1, &nres.resource_type, &changes).is_none(),
                    ns: *ns,
                    resource_type: nres.resource_type.clone(),
                    changes,
                });
            }
        }
        if found.len() == before {
            break;
        }
        keys.extend(found[before..].iter().filter(|f| f.goes).map(|f| f.key.clone()));
        seen.extend(found[before..].iter().map(|f| f.key.clone()));
    }
    found.sort_by(|a, b| a.key.cmp(&b.key));
    found
}

/// The custom name a replaced resource keeps, which stops its replacement ("You can't
/// perform an update that causes a custom-named resource to be replaced. If you must
/// replace the resource, specify a new name",
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html>):
/// a security group's `GroupName`, set and not among the changes.
fn kept_name(
    new: &Side<'_, '_>,
    ns: usize,
    id: &str,
    resource_type: &str,
    changes: &[PropertyChange],
) -> Option<String> {
    if resource_type != ec2::SECURITY_GROUP || changes.iter().any(|c| c.property == group_keys::NAME) {
        return None;
    }
    let res = new.resource(ns, id)?;
    property(&res.properties, group_keys::NAME).and_then(|v| new.r().text(ns, v))
}

/// The replacements, with what each takes along.
pub(super) fn replacements(old: &Side<'_, '_>, new: &Side<'_, '_>) -> Vec<Replacement> {
    replaced(old, new).into_iter().map(|f| replacement(old, new, f)).collect()
}

fn replacement(old: &Side<'_, '_>, new: &Side<'_, '_>, f: Found) -> Replacement {
    let reason = f.changes.iter().map(PropertyChange::to_string).collect::<Vec<_>>().join("; ");
    let (stack, resource) = f.key.clone();
    let mut r = Replacement {
        stack,
        resource,
        resource_type: f.resource_type.clone(),
        reason,
        changes: f.changes,
        fails: false,
        message: String::new(),
        takes_along: Vec::new(),
    };
    match f.resource_type.as_str() {
        ec2::SECURITY_GROUP => group(new, &f.key, f.ns, &mut r),
        ec2::SECURITY_GROUP_INGRESS | ec2::SECURITY_GROUP_EGRESS => rule(old, new, &f.key, &mut r),
        _ => {
            r.message = "CloudFormation creates the replacement, points the references of its stack at it, then deletes the old resource".into();
        }
    }
    r
}

/// A security group: a fixed name that stays fails the update; otherwise the rules and
/// workloads that name the group go with it.
fn group(new: &Side<'_, '_>, key: &ResourceKey, ns: usize, r: &mut Replacement) {
    if let Some(name) = kept_name(new, ns, &key.1, &r.resource_type, &r.changes) {
        r.fails = true;
        r.message = format!(
            "GroupName `{name}` stays the same: CloudFormation does not replace a resource with a custom name unless the name changes too (\"CloudFormation cannot update a stack when a custom-named resource requires replacing\"), so the update of {} fails and rolls back",
            r.stack
        );
        return;
    }
    let gk = Key::Local(key.0.clone(), key.1.clone());
    r.takes_along = takes_along(new, &gk);
    let blocked: Vec<String> = r
        .takes_along
        .iter()
        .filter(|t| t.how == Carried::Blocks)
        .map(|t| format!("{}/{}", t.stack, t.resource))
        .collect();
    r.fails = !blocked.is_empty();
    r.message = if r.fails {
        format!(
            "CloudFormation creates the new group beside the old one, but the group's export is imported by {}: its new id cannot replace the exported value while the export is in use, so the update of {} fails and rolls back",
            blocked.join(", "),
            r.stack
        )
    } else {
        "CloudFormation creates the new group with the group's inline rules, points the references of its stack at it (the rules and workloads listed), then deletes the old group".into()
    };
}

/// A standalone rule: replaced by a rule EC2 holds already (the same identity), the new
/// rule cannot be created before the old one is deleted.
fn rule(old: &Side<'_, '_>, new: &Side<'_, '_>, key: &ResourceKey, r: &mut Replacement) {
    let identity = |side: &Side<'_, '_>| {
        let s = side.index(&key.0)?;
        let rule = side.m.rules.iter().find(|x| x.at.stack == s && !x.inline && x.at.id.as_str() == key.1)?;
        side.rule_key(rule)
    };
    match (identity(old), identity(new)) {
        // A property that names a replaced resource names a new physical id: another rule.
        (Some(a), Some(b)) if a == b && r.changes.iter().all(|c| c.via.is_none()) => {
            r.fails = true;
            r.message = "EC2 sees the same rule before and after (its group, protocol, ports and peer do not change): CloudFormation creates the replacement before it deletes the old rule, and EC2 refuses the second copy with InvalidPermission.Duplicate, so the update fails and rolls back".into();
        }
        _ => {
            r.message = "CloudFormation creates the new rule before it deletes the old one: what the new rule allows starts before what only the old one allowed ends, without a gap".into();
        }
    }
}

/// The rules and workloads of `new` that name group `gk` (other than its own inline
/// rules), each with how the replacement reaches it.
pub(super) fn takes_along(new: &Side<'_, '_>, gk: &Key) -> Vec<TakenAlong> {
    let Key::Local(owner, gid) = gk else { return Vec::new() };
    let mut out: Vec<TakenAlong> = Vec::new();
    let mut push = |t: TakenAlong| {
        if !out.iter().any(|o| o.stack == t.stack && o.resource == t.resource) {
            out.push(t);
        }
    };
    for rule in new.m.rules.iter().filter(|r| r.is_first_reading()) {
        let stack = new.name(rule.at.stack);
        if rule.inline && stack == owner && rule.at.id.as_str() == gid {
            continue;
        }
        let on = new.key(&rule.group) == *gk;
        let names = matches!(&rule.peer, RulePeer::Group(p) if new.key(p) == *gk);
        if !on && !names {
            continue;
        }
        let how = reach(new, rule.at.stack, rule.at.id.as_str(), gk);
        let role = if on { "a rule on the group" } else { "a rule that names the group as its peer" };
        let message = match how {
            Carried::Updated if rule.inline => format!(
                "{role}, inline in group {}: CloudFormation rewrites the rule to name the new group, revoking the old rule before it adds the new one (a brief gap)",
                rule.at.id
            ),
            Carried::Updated => format!(
                "{role}: its {} is create-only, so CloudFormation replaces it to name the new group in the same update",
                if on { "GroupId" } else { "peer group" }
            ),
            Carried::Blocks => format!("{role}, through an import of the group's export: the export cannot change while {stack} imports it"),
            Carried::Stale => format!(
                "{role}, read with Fn::GetStackOutput: it keeps naming the old group until {stack} is next updated, and EC2 refuses to delete a group another group's rule names, so the old group is left behind"
            ),
        };
        let resource_type = resource_type(new, rule.at.stack, rule.at.id.as_str());
        push(TakenAlong {
            stack: stack.to_owned(),
            resource: rule.at.id.to_string(),
            resource_type,
            how,
            message,
        });
    }
    for w in &new.m.workloads {
        if !w.groups.iter().any(|g| new.key(g) == *gk) {
            continue;
        }
        let stack = new.name(w.at.stack);
        let how = reach(new, w.at.stack, w.at.id.as_str(), gk);
        let message = match how {
            Carried::Updated => "joins the group: CloudFormation moves it to the new group in the same update".to_owned(),
            Carried::Blocks => format!("joins the group through an import of its export: the export cannot change while {stack} imports it"),
            Carried::Stale => format!(
                "joins the group, read with Fn::GetStackOutput: it stays in the old group until {stack} is next updated, and the old group cannot be deleted while it is in use"
            ),
        };
        push(TakenAlong {
            stack: stack.to_owned(),
            resource: w.at.id.to_string(),
            resource_type: w.resource_type.clone(),
            how,
            message,
        });
    }
    out.sort_by(|a, b| (&a.stack, &a.resource).cmp(&(&b.stack, &b.resource)));
    out
}

fn resource_type(side: &Side<'_, '_>, stack: usize, id: &str) -> String {
    side.template(stack).resources.get(id).map_or_else(String::new, |r| r.resource_type.clone())
}

/// How resource `id` of template `stack` names group `gk`: through an import of its
/// export, through `Fn::GetStackOutput`, or directly (its own template, or a nested
/// stack's parameter or output, updated with its root).
fn reach(side: &Side<'_, '_>, stack: usize, id: &str, gk: &Key) -> Carried {
    let Some(res) = side.template(stack).resources.get(id) else { return Carried::Updated };
    let mut how = Carried::Updated;
    for v in res.properties.values() {
        v.walk(&mut |v| {
            let through = match v {
                Value::ImportValue(_) => Carried::Blocks,
                Value::Map(m) if m.len() == 1 && m.contains_key("Fn::GetStackOutput") => Carried::Stale,
                _ => return,
            };
            let o = side.r().resolve(stack, v);
            if matches!(o, Obj::Local { .. }) && side.key(&o) == *gk && how != Carried::Blocks {
                how = through;
            }
        });
    }
    how
}
