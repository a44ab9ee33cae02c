//! What the analysis cannot decide before deployment (RF002), and rule peers
//! CloudFormation rejects (RF001): never a rule dropped without a word.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use ringfence_cfn::ec2::{self, rule_keys, Direction, RuleFields};
use ringfence_cfn::Value;

use super::{hygiene, RF001, RF002};
use crate::finding::Reporter;
use crate::model::{inline_rules, is_rule_map, Location, Model, Rule, RulePeer};
use crate::suite::Obj;

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    computed_rule_lists(m, r);
    undecided_peers(m, r);
    peers(m, r);
}

/// RF002: a group's inline rule list computed by something other than a list or an
/// `Fn::If` (a `!Ref` to a parameter, `Fn::FindInMap`, …): its rules are not read.
fn computed_rule_lists<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    let resolver = &m.resolver;
    for (stack, t) in resolver.suite().templates().iter().enumerate() {
        for (id, res) in t
            .template
            .resources
            .iter()
            .filter(|(_, res)| res.resource_type == ec2::SECURITY_GROUP && resolver.creates(stack, res))
        {
            for direction in [Direction::Ingress, Direction::Egress] {
                let list = res.properties.get(direction.inline_key());
                // The common case, a literal list of rules: nothing unread.
                let literal = |l: &Value| matches!(l, Value::List(items) if items.iter().all(is_rule_map));
                if list.is_none_or(literal) {
                    continue;
                }
                let (_, unread) = inline_rules(resolver, stack, direction, list);
                for (path, v) in unread {
                    let what = match v {
                        Value::Ref(_) => "a reference",
                        Value::FindInMap(..) => "an Fn::FindInMap",
                        Value::ImportValue(_) => "an import",
                        // A map that is no rule is a one-key `Fn::…` the reader does not model.
                        Value::Map(_) => "a function",
                        _ => "neither a rule nor a list of rules",
                    };
                    let at = Location { stack, id: id.clone(), path: Cow::Owned(path) };
                    r.report(
                        &RF002,
                        at,
                        format!(
                            "{} is {what}, known only at deployment: its {} rules are not checked",
                            direction.inline_key(),
                            direction.word()
                        ),
                        "write the rules as a list (with Fn::If around items or the list where they depend on a condition)",
                    );
                }
            }
        }
    }
}

/// RF002: rules whose peer range, prefix list or group is known only at deployment,
/// one finding per template and peer (at its first rule), unless RF301/RF302 already
/// say the peer may be the whole Internet.
fn undecided_peers<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    let mut by_peer: HashMap<(usize, &Obj), Vec<&Rule>> = HashMap::default();
    let mut order = Vec::new();
    for rule in &m.rules {
        if let RulePeer::Undecided(obj) = &rule.peer {
            let key = (rule.at.stack, obj);
            let rules = by_peer.entry(key).or_default();
            if rules.is_empty() {
                order.push(key);
            }
            rules.push(rule);
        }
    }
    for key in order {
        let rules = &by_peer[&key];
        let world = rules.iter().any(|rule| {
            rule.direction == Direction::Ingress
                && matches!(key.1, Obj::Parameter { stack, name }
                    if m.resolver.suite().templates()[*stack].template.parameters.get(name)
                        .is_some_and(|p| hygiene::accepts(p, "0.0.0.0/0") || hygiene::accepts(p, "::/0")))
        });
        if world {
            continue;
        }
        let n = rules.len();
        r.report(
            &RF002,
            &rules[0].at,
            format!(
                "{} take{} {} peer from {}, known only at deployment: {} checked for all but where {} admit{}",
                if n == 1 { "this rule".to_owned() } else { format!("{n} rules (this is the first)") },
                if n == 1 { "s" } else { "" },
                if n == 1 { "its" } else { "their" },
                m.describe(key.1),
                if n == 1 { "it is" } else { "they are" },
                if n == 1 { "it" } else { "they" },
                if n == 1 { "s" } else { "" },
            ),
            "give the parameter a value with --param STACK.NAME=VALUE (or a Default), or audit the templates that export it together",
        );
    }
}

/// RF001: a rule that names no peer, or a range that is no range (`10.0.0.0/33`): it
/// admits no traffic, and CloudFormation rejects it.
fn peers<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    let resolver = &m.resolver;
    // The resources that declare a rule the model read with no peer: only their rules
    // are read again, to say why.
    let without: rustc_hash::FxHashSet<(usize, &ringfence_cfn::LogicalId)> = m
        .rules
        .iter()
        .filter(|rule| rule.peer == RulePeer::None)
        .map(|rule| (rule.at.stack, &rule.at.id))
        .collect();
    if without.is_empty() {
        return;
    }
    for (stack, t) in resolver.suite().templates().iter().enumerate() {
        for (id, res) in t
            .template
            .resources
            .iter()
            .filter(|(id, res)| without.contains(&(stack, *id)) && resolver.creates(stack, res))
        {
            let mut check = |path: Cow<'static, str>, fields: &RuleFields<'_>, direction: Direction| {
                let at = || Location { stack, id: id.clone(), path: path.clone() };
                let (key, v) = match fields.peer {
                    ec2::RulePeer::Ipv4(v) => (rule_keys::CIDR_IPV4, v),
                    ec2::RulePeer::Ipv6(v) => (rule_keys::CIDR_IPV6, v),
                    ec2::RulePeer::Group(_) | ec2::RulePeer::PrefixList(_) => return,
                    ec2::RulePeer::None => {
                        r.report(
                            &RF001,
                            at(),
                            format!(
                                "the {} rule names no {}: it admits no traffic, and CloudFormation rejects it",
                                direction.word(),
                                if direction == Direction::Ingress { "source" } else { "destination" }
                            ),
                            "give it CidrIp, CidrIpv6, a prefix list or a security group",
                        );
                        return;
                    }
                };
                let Some(text) = resolver.text_cow(stack, v) else { return };
                let parses = match fields.peer {
                    ec2::RulePeer::Ipv6(_) => text.parse::<ipnet::Ipv6Net>().is_ok(),
                    _ => text.parse::<ipnet::Ipv4Net>().is_ok(),
                };
                if !parses {
                    let path = Cow::Owned(format!("{}.{key}", path));
                    r.report(
                        &RF001,
                        Location { stack, id: id.clone(), path },
                        format!("{key} is `{text}`, not a range: the rule admits no traffic, and CloudFormation rejects it"),
                        "write an address and a prefix length, e.g. 10.0.0.0/16",
                    );
                }
            };
            match res.resource_type.as_str() {
                ec2::SECURITY_GROUP => {
                    for direction in [Direction::Ingress, Direction::Egress] {
                        let (rules, _) = inline_rules(
                            resolver,
                            stack,
                            direction,
                            res.properties.get(direction.inline_key()),
                        );
                        for rule in rules {
                            check(rule.path, &RuleFields::read(direction, rule.item), direction);
                        }
                    }
                }
                ec2::SECURITY_GROUP_INGRESS | ec2::SECURITY_GROUP_EGRESS => {
                    let direction = Direction::of_rule_type(&res.resource_type).unwrap_or(Direction::Ingress);
                    check(
                        Cow::Borrowed("Properties"),
                        &RuleFields::read_map(direction, &res.properties),
                        direction,
                    );
                }
                _ => {}
            }
        }
    }
}
