//! Renders one stack's intent into its template.
//!
//! Decisions made here, and why:
//! - Rules naming a group are standalone `AWS::EC2::SecurityGroupIngress`/`Egress`
//!   resources, so two groups that admit each other never form a dependency cycle;
//!   rules naming addresses or prefix lists are inline, next to the group.
//! - Every group carries inline `SecurityGroupEgress`. Without it EC2 adds allow-all
//!   egress, whatever standalone egress rules exist; so a group with no inline egress
//!   rule gets a placeholder that matches no traffic (the AWS CDK's choice).
//! - A group's standalone rules follow the group, in the order they were declared.
//! - Every key and type a group, a rule, the placeholder or a suppression is written
//!   with comes from the EC2 vocabulary (`ringfence_cfn::ec2`, `ringfence_cfn::suppress`),
//!   which the analyzer reads with: the two cannot drift apart.

use crate::collections::{FxIndexMap as IndexMap, FxIndexSet as IndexSet};
use ringfence_cfn::ec2::{self, group_keys, RulePeer};
use ringfence_cfn::{
    quota, suppress, ExportName, LogicalId, Map, Output, Parameter, Resource, Template, Value,
};

use super::ids;
use super::render_network::{render_endpoint, render_nacl, render_vpc, vpc_outputs, vpc_tag};
use super::resolve::{ExportTable, Resolver};
use crate::model::{AppState, Construct, Direction, GroupState, ParamKind, RuleState, Shared, StackState};
use crate::peer::PeerKind;
use crate::Error;

pub(crate) struct Rendered {
    pub template: Template,
    pub deps: IndexMap<usize, String>,
    pub imports: IndexSet<ExportName>,
    pub exports: Vec<ExportName>,
    pub errors: Vec<Error>,
}

/// Logical ids in use in one template, with the construct each was derived for.
///
/// Each is claimed with a label that starts with the construct's path
/// (`stack/construct`, `stack/vpc/subnet-group/1`), followed, after a space, by what
/// part of it the id is for when that is not the whole construct (a group's rule, an
/// ACL's entry): the label names the construct in a [`Error::LogicalIdCollision`], and
/// its path the construct of a failed check ([`constructs`]). Outputs are labelled
/// `stack/export-name (export)`.
pub(crate) struct Ids<'a> {
    stack: &'a StackState,
    seen: IndexMap<LogicalId, String>,
    errors: Vec<Error>,
}

impl Ids<'_> {
    pub(crate) fn claim(&mut self, id: LogicalId, construct: String) -> LogicalId {
        if let Some(first) = self.seen.get(&id) {
            self.errors.push(Error::LogicalIdCollision {
                stack: self.stack.name.to_string(),
                logical_id: id.to_string(),
                first: first.clone(),
                second: construct,
            });
        } else {
            self.seen.insert(id.clone(), construct);
        }
        id
    }
}

pub(crate) fn render_stack(app: &AppState, exports: &ExportTable, index: usize) -> Rendered {
    render(app, exports, index).0
}

/// The construct path each resource and parameter of stack `index` was derived for, by
/// logical id: the stack is rendered again (rendering is deterministic), so that
/// synthesis keeps no such map of every stack on the way to success, only of the stacks
/// a check failed in.
pub(crate) fn constructs(app: &AppState, exports: &ExportTable, index: usize) -> IndexMap<LogicalId, String> {
    let (rendered, mut labels) = render(app, exports, index);
    labels.retain(|id, label| {
        // The path is what comes before the first space (ids and paths have none).
        label.truncate(label.find(' ').unwrap_or(label.len()));
        !rendered.template.outputs.contains_key(id)
    });
    labels
}

/// The stack's template, and the label of every logical id in it.
fn render(app: &AppState, exports: &ExportTable, index: usize) -> (Rendered, IndexMap<LogicalId, String>) {
    let stack = &app.stacks[index];
    let mut r = Resolver::new(app, exports, index);
    let mut ids = Ids { stack, seen: IndexMap::default(), errors: Vec::new() };
    let description = stack.description.clone().unwrap_or_else(|| match &app.environment {
        Some(env) => format!("{} of app {} ({env}), synthesized by ringfence", stack.id, app.name),
        None => format!("{} of app {}, synthesized by ringfence", stack.id, app.name),
    });
    let mut t = Template::new(description);

    for (id, construct) in &stack.constructs {
        let path = format!("{}/{id}", stack.id);
        match *construct {
            Construct::Vpc(i) => {
                let tag = vpc_tag(&app.name, app.environment.as_deref(), &stack.vpcs[i].id);
                render_vpc(&stack.vpcs[i], &tag, &path, &mut ids, &mut t);
            }
            Construct::Nacl(i) => {
                let nacl = &stack.nacls[i];
                let tag = vpc_tag(&app.name, app.environment.as_deref(), &stack.vpcs[nacl.vpc].id);
                render_nacl(stack, nacl, &tag, &path, &mut ids, &mut t);
            }
            Construct::Endpoint(i) => {
                render_endpoint(stack, &stack.endpoints[i], &path, &mut r, &mut ids, &mut t)
            }
            Construct::Group(i) => render_group(i, &stack.groups[i], &path, &mut r, &mut ids, &mut t),
            Construct::GroupSet(_) => {} // a value, rendered where a property uses it
            Construct::Parameter(i) => {
                let p = &stack.params[i];
                let mut param = match &p.kind {
                    ParamKind::GroupId => Parameter::new("AWS::EC2::SecurityGroup::Id"),
                    ParamKind::Text { default } => {
                        let mut param = Parameter::new("String");
                        param.default = default.as_deref().map(Value::from);
                        param
                    }
                    ParamKind::SsmValue { value_type, name } => {
                        let mut param = Parameter::new(format!("AWS::SSM::Parameter::Value<{value_type}>"));
                        param.default = Some(name.as_str().into());
                        param
                    }
                    ParamKind::SsmGroupId(name) => {
                        let mut param =
                            Parameter::new("AWS::SSM::Parameter::Value<AWS::EC2::SecurityGroup::Id>");
                        param.default = Some(name.as_str().into());
                        param
                    }
                };
                param.description = Some(p.description.clone());
                t.parameters.insert(ids.claim(ids::parameter(&p.id), path), param);
            }
            Construct::Resource(i) => {
                let raw = &stack.resources[i];
                let mut res = Resource::new(raw.resource_type.as_str());
                res.properties.reserve(raw.props.0.len());
                for (k, v) in raw.props.iter() {
                    res.properties.insert(k.to_owned(), r.prop(v));
                }
                let a = &raw.attributes;
                res.depends_on =
                    a.depends_on.iter().map(|h| ids::resource(&stack.resources[h.key.index].id)).collect();
                for vpc in &a.after_internet_gateway {
                    let name = crate::handles::construct_id(vpc.path());
                    res.depends_on.push(ids::vpc_part(name, "GatewayAttachment"));
                }
                res.update_policy = a.update_policy.clone();
                res.creation_policy = a.creation_policy.clone();
                res.deletion_policy = a.deletion_policy;
                res.update_replace_policy = a.update_replace_policy;
                t.resources.insert(ids.claim(ids::resource(&raw.id), path), res);
            }
        }
    }

    let mut exports = Vec::with_capacity(stack.shared.len());
    for &shared in &stack.shared {
        let name = ids::export_name(stack, shared);
        let (value, what) = match shared {
            Shared::Group(i) => {
                let g = &stack.groups[i];
                (
                    Value::get_att(&ids::group(&g.id), group_keys::ID_ATTRIBUTE),
                    format!("Id of security group {}", g.name),
                )
            }
            Shared::Vpc(i) => {
                (Value::reference(&ids::vpc(&stack.vpcs[i].id)), format!("Id of VPC {}", stack.vpcs[i].id))
            }
            Shared::Resource(i) => {
                let raw = &stack.resources[i];
                (
                    Value::reference(&ids::resource(&raw.id)),
                    format!("Ref of {} {}", raw.resource_type, raw.id),
                )
            }
        };
        let mut out = Output::new(value);
        out.description = Some(format!("{what}, shared with the other stacks of the app"));
        out = out.exported_as(&name);
        let output_id = ids::output(shared, stack);
        let label = format!("{}/{} (export)", stack.id, name);
        t.outputs.insert(ids.claim(output_id, label), out);
        exports.push(name);
        if let Shared::Vpc(i) = shared {
            for (id, out, name) in vpc_outputs(stack, i, &mut ids) {
                exports.push(name);
                t.outputs.insert(id, out);
            }
        }
    }

    apply_suppressions(stack, &mut t);
    let mut errors = std::mem::take(&mut ids.errors);
    for (what, count, max, hint) in [
        ("resources", t.resources.len(), quota::RESOURCES, "split the stack"),
        ("outputs", t.outputs.len(), quota::OUTPUTS, "share fewer objects, or split the stack"),
        ("parameters", t.parameters.len(), quota::PARAMETERS, "split the stack"),
    ] {
        if count > max {
            errors.push(Error::TemplateQuota { stack: stack.name.to_string(), what, count, max, hint });
        }
    }
    errors.append(&mut r.errors);
    (Rendered { template: t, deps: r.deps, imports: r.imports, exports, errors }, ids.seen)
}

pub(crate) fn name_tag(name: &str) -> Value {
    Value::List(vec![Value::Map(Map::with_capacity(2)).with("Key", "Name").with("Value", name)])
}

fn render_group(
    index: usize,
    g: &GroupState,
    path: &str,
    r: &mut Resolver<'_>,
    ids: &mut Ids<'_>,
    t: &mut Template,
) {
    let group_id = ids.claim(r.local_group_id(index), path.to_owned());
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    let mut standalone = Vec::new();
    for rule in &g.rules {
        if rule.peer.is_group() {
            standalone.push(rule);
            continue;
        }
        let list = match rule.direction {
            Direction::Ingress => &mut ingress,
            Direction::Egress => &mut egress,
        };
        list.push(Value::Map(inline_rule(rule)));
    }
    if egress.is_empty() {
        egress.push(Value::Map(ec2::no_egress_rule()));
    }
    let mut res = Resource::new(ec2::SECURITY_GROUP);
    res.properties.reserve(6);
    res = res
        .property(group_keys::NAME, g.name.as_str())
        .property(group_keys::DESCRIPTION, g.description.as_str())
        .property(group_keys::VPC_ID, r.vpc_id(&g.vpc));
    if !ingress.is_empty() {
        res = res.property(Direction::Ingress.inline_key(), Value::List(ingress));
    }
    res = res
        .property(Direction::Egress.inline_key(), Value::List(egress))
        .property(group_keys::TAGS, name_tag(&g.name));
    t.resources.insert(group_id.clone(), res);

    for rule in standalone {
        let PeerKind::Group(peer) = &rule.peer.kind else {
            continue;
        };
        let mut res = Resource::new(rule.direction.rule_type());
        res.properties = ec2::standalone_rule(
            Value::get_att(&group_id, group_keys::ID_ATTRIBUTE),
            rule.direction,
            rule.port.range(),
            RulePeer::Group(r.group_id(peer)),
            rule.description.as_str().into(),
        );
        let label = format!("{path} {} {} {}", rule.direction.word(), rule.port, rule.peer);
        t.resources.insert(ids.claim(ids::rule(&g.id, rule.direction, &rule.peer, rule.port), label), res);
    }
}

/// An inline rule (a rule naming addresses or a prefix list; group peers are standalone).
fn inline_rule(rule: &RuleState) -> Map {
    let peer = match &rule.peer.kind {
        PeerKind::Ipv4(n) => RulePeer::Ipv4(n.to_string().into()),
        PeerKind::Ipv6(n) => RulePeer::Ipv6(n.to_string().into()),
        PeerKind::PrefixList(id) => RulePeer::PrefixList(id.as_str().into()),
        PeerKind::Group(_) => RulePeer::None, // never inline
    };
    ec2::rule_properties(rule.direction, rule.port.range(), peer, rule.description.as_str().into())
}

/// Writes each suppression into the `Metadata` of every resource it covers, where the
/// analysis engine (and any audit of the template) reads it.
fn apply_suppressions(stack: &StackState, t: &mut Template) {
    use crate::model::SuppressTarget;
    for sup in &stack.suppressions {
        let covered: Vec<LogicalId> = match &sup.target {
            SuppressTarget::Group(i) => {
                let g = &stack.groups[*i];
                let mut ids = vec![ids::group(&g.id)];
                ids.extend(
                    g.rules
                        .iter()
                        .filter(|r| r.peer.is_group())
                        .map(|r| ids::rule(&g.id, r.direction, &r.peer, r.port)),
                );
                ids
            }
            SuppressTarget::Resource(i) => vec![ids::resource(&stack.resources[*i].id)],
            SuppressTarget::Nacl(i) => {
                let n = &stack.nacls[*i];
                let mut ids = vec![ids::nacl(&n.id)];
                ids.extend(n.entries.iter().map(|e| ids::nacl_entry(&n.id, e.egress, e.number)));
                ids
            }
            SuppressTarget::Subnets(vpc, groups) => {
                let v = &stack.vpcs[*vpc];
                groups
                    .iter()
                    .flat_map(|&g| {
                        (0..v.layout.az_count).map(move |az| ids::subnet(&v.id, &v.layout.groups[g].name, az))
                    })
                    .collect()
            }
        };
        for id in covered {
            let Some(res) = t.resources.get_mut(&id) else { continue };
            suppress::add_suppression(&mut res.metadata, &sup.check, &sup.reason);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{App, NaclRule, Peer, Port, SubnetGroup, VpcSpec};

    #[test]
    fn constructs_name_the_construct_path_of_every_resource_and_parameter() {
        let app = App::new("shop");
        let mut s = app.stack("net").unwrap();
        let spec = VpcSpec::new("10.0.0.0/16").unwrap().subnets(SubnetGroup::public("public", 24));
        let vpc = s.vpc("main", spec).unwrap();
        let web = s.security_group(&vpc, "web", "Web servers").unwrap();
        let db = s.security_group(&vpc, "db", "Database").unwrap();
        s.allow_ingress(&db, Peer::group(&web), Port::POSTGRES, "Queries of the web servers").unwrap();
        s.allow_ingress(&web, Peer::any_ipv4(), Port::HTTPS, "Shoppers").unwrap();
        let acl = s.network_acl(&vpc, "edge").unwrap();
        s.nacl_entry(&acl, NaclRule::allow_in(100, Peer::any_ipv4(), Port::HTTPS, "Shoppers")).unwrap();
        s.string_parameter("setting", "A setting", None).unwrap();
        s.share(&db).unwrap();
        s.share(&vpc).unwrap();

        let state = app.state();
        let exports = ExportTable::new(&state);
        let paths = constructs(&state, &exports, 0);
        let t = render_stack(&state, &exports, 0).template;
        assert!(!t.outputs.is_empty());
        let mut expected: Vec<&LogicalId> = t.resources.keys().chain(t.parameters.keys()).collect();
        let mut named: Vec<&LogicalId> = paths.keys().collect();
        expected.sort();
        named.sort();
        assert_eq!(named, expected, "every resource and parameter, no output");
        let path_of = |resource_type: &str| -> Vec<&str> {
            let ids = t.resources.iter().filter(|(_, r)| r.resource_type == resource_type);
            ids.map(|(id, _)| paths[id].as_str()).collect()
        };
        assert_eq!(path_of(ec2::SECURITY_GROUP), ["net/web", "net/db"]);
        assert_eq!(path_of(ec2::SECURITY_GROUP_INGRESS), ["net/db"], "a rule is named by its group");
        assert_eq!(path_of(ec2::NETWORK_ACL_ENTRY), ["net/edge"], "an entry by its ACL");
        assert_eq!(path_of("AWS::EC2::Subnet"), ["net/main/public/1", "net/main/public/2"]);
        assert_eq!(paths[&ids::parameter("setting")], "net/setting");
    }
}
