//! What fails deployments: rules per group, groups per workload, groups per Region,
//! template limits — and values CloudFormation cannot read (RF001).

use super::{RF001, RF002, RF401, RF402, RF403, RF404};
use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use ringfence_cfn::ec2::quota::{
    GROUPS_PER_INTERFACE, GROUPS_PER_REGION, MAX_GROUPS_PER_INTERFACE, RULES_PER_GROUP,
};
use ringfence_cfn::ec2::{self, entry_keys, rule_keys, Direction, NaclEntryFields, RuleFields};
use ringfence_cfn::{quota, LogicalId, NoteKind, ReadNote, Step, Value};

use crate::finding::{At, Reporter, Severity};
use crate::model::{inline_rules, number, protocol_of_text, Location, Model, RulePeer};
use crate::suite::{Obj, Resolver};

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    unreadable(m, r);
    // Rules per group, direction and family; a group peer counts in both families.
    let mut counts: HashMap<(&Obj, Direction), (usize, usize)> = HashMap::default();
    for rule in m.rules.iter().filter(|rule| rule.is_first_reading()) {
        let c = counts.entry((&rule.group, rule.direction)).or_default();
        match rule.peer {
            RulePeer::V4(_) => c.0 += 1,
            RulePeer::V6(_) => c.1 += 1,
            // A peer known only at deployment counts in both, as a group does.
            RulePeer::Group(_) | RulePeer::PrefixList(_) | RulePeer::Undecided(_) => {
                c.0 += 1;
                c.1 += 1;
            }
            RulePeer::None => {}
        }
    }
    for g in &m.groups {
        let me = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
        for dir in [Direction::Ingress, Direction::Egress] {
            let (v4, v6) = counts.get(&(&me, dir)).copied().unwrap_or_default();
            let n = v4.max(v6);
            if n > RULES_PER_GROUP {
                r.report(
                    &RF401,
                    &g.at,
                    format!("has {n} {} rules in one address family; the default quota is {RULES_PER_GROUP}", dir.word()),
                    "admit a role group instead of many ranges, or raise the quota (rules x groups per interface stays at most 1,000)",
                );
            }
        }
    }
    // The suite alone over the Region's group quota: one finding, on the first group
    // past it (the account's other groups only make it worse).
    if let Some(g) = m.groups.get(GROUPS_PER_REGION) {
        r.report(
            &RF404,
            &g.at,
            format!(
                "is security group {} of the {} this suite creates; the default quota is {GROUPS_PER_REGION} per Region",
                GROUPS_PER_REGION + 1,
                m.groups.len()
            ),
            "request a higher quota before deploying, let stacks join shared role groups instead of one group each, or spread the stacks over Regions or accounts",
        );
    }
    let (default, max) = (GROUPS_PER_INTERFACE, MAX_GROUPS_PER_INTERFACE);
    for w in &m.workloads {
        let n = w.groups.len();
        if n > max {
            r.report_as(
                &RF402,
                Severity::Error,
                &w.at,
                format!("joins {n} groups; an interface takes at most {max}"),
                "merge roles into fewer groups",
            );
        } else if n > default {
            r.report(
                &RF402,
                &w.at,
                format!("joins {n} groups; the default quota is {default} per interface"),
                "merge roles, or raise the quota before deploying",
            );
        }
    }
    for (stack, t) in m.resolver.suite().templates().iter().enumerate() {
        let tpl = &t.template;
        for (what, n, max) in [
            ("resources", tpl.resources.len(), quota::RESOURCES),
            ("outputs", tpl.outputs.len(), quota::OUTPUTS),
            ("parameters", tpl.parameters.len(), quota::PARAMETERS),
        ] {
            if n > max {
                r.report_template(
                    &RF403,
                    Severity::Error,
                    stack,
                    format!("has {n} {what}; CloudFormation allows {max}"),
                    "split the stack",
                );
            }
        }
        // The bytes CloudFormation receives: the file's, or the synthesized JSON's; only a
        // template given without either is measured as pretty-printed JSON.
        let (size, measured) = match t.size() {
            Some(n) => (n, ""),
            None => (tpl.json_len(), " as pretty-printed JSON"),
        };
        if size > quota::BYTES {
            r.report_template(
                &RF403,
                Severity::Error,
                stack,
                format!(
                    "is {size} bytes{measured}; CloudFormation accepts at most {} MB ({} bytes)",
                    quota::BYTES / (1 << 20),
                    thousands(quota::BYTES)
                ),
                "split the stack",
            );
        } else if size > quota::INLINE_BYTES && r.model.resolver.suite().parent(stack).is_none() {
            // A nested stack's template is read from S3 (its TemplateURL): only the
            // larger quota applies to it.
            r.report_template(
                &RF403,
                Severity::Warning,
                stack,
                format!(
                    "is {size} bytes{measured}, over the {} bytes CloudFormation accepts inline",
                    thousands(quota::INLINE_BYTES)
                ),
                "deploy it from S3 (the CDK CLI does; `aws cloudformation deploy` needs --s3-bucket), or split the stack",
            );
        }
    }
}

/// `1,048,576`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// RF001: what the reader kept without understanding it (its notes), and numbers and
/// protocols the model cannot read, which it reads as matching no traffic.
fn unreadable<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    let resolver = &m.resolver;
    for (stack, t) in resolver.suite().templates().iter().enumerate() {
        for note in &t.notes {
            reader_note(r, stack, note);
        }
        for (id, res) in t.template.resources.iter().filter(|(_, res)| resolver.creates(stack, res)) {
            let props = &res.properties;
            // The path of the rule or entry, made only when a value of it is reported;
            // the numeric properties with their keys (`PortRange.From` for an entry's).
            let mut check = |path: &dyn Fn() -> Cow<'static, str>,
                             numbers: &[(&'static str, Option<&Value>)],
                             what: &str| {
                for &(field, value) in numbers {
                    let Some(value) = value else { continue };
                    let is_protocol = field == rule_keys::PROTOCOL || field == entry_keys::PROTOCOL;
                    let Some(shown) = unreadable_value(resolver, stack, is_protocol, value) else { continue };
                    let at =
                        Location { stack, id: id.clone(), path: Cow::Owned(format!("{}.{field}", path())) };
                    let icmp = field.split_once('.').is_some_and(|(outer, _)| outer == entry_keys::ICMP);
                    let rule_numbers = ec2::NACL_RULE_NUMBERS;
                    r.report(
                        &RF001,
                        at,
                        format!(
                            "{field} is {shown}, not a {}: the {what} is read as matching no traffic, and CloudFormation rejects it",
                            if is_protocol { "protocol name or number" } else { "number" }
                        ),
                        &if is_protocol {
                            Cow::Borrowed("write tcp, udp, icmp, icmpv6, -1 (all) or a protocol number")
                        } else if field == entry_keys::RULE_NUMBER {
                            Cow::Owned(format!(
                                "write a whole number from {} to {}",
                                rule_numbers.start(),
                                rule_numbers.end()
                            ))
                        } else if icmp {
                            Cow::Borrowed("write an ICMP type or code, or -1 for all")
                        } else {
                            Cow::Borrowed("write a port from 0 to 65535 (-1 for all)")
                        },
                    );
                }
            };
            match res.resource_type.as_str() {
                ec2::SECURITY_GROUP => {
                    for direction in [Direction::Ingress, Direction::Egress] {
                        let (rules, _) =
                            inline_rules(resolver, stack, direction, props.get(direction.inline_key()));
                        for rule in rules {
                            let numbers = RuleFields::read(direction, rule.item).numbers();
                            check(&|| rule.path.clone(), &numbers, "rule");
                        }
                    }
                }
                ec2::SECURITY_GROUP_INGRESS | ec2::SECURITY_GROUP_EGRESS => {
                    let direction = Direction::of_rule_type(&res.resource_type).unwrap_or(Direction::Ingress);
                    let numbers = RuleFields::read_map(direction, props).numbers();
                    check(&|| Cow::Borrowed("Properties"), &numbers, "rule");
                }
                ec2::NETWORK_ACL_ENTRY => {
                    let numbers = NaclEntryFields::read(props).numbers();
                    check(&|| Cow::Borrowed("Properties"), &numbers, "entry");
                }
                _ => {}
            }
        }
    }
}

/// How a field that the model cannot read shows (`` `abc` ``, a list, a map), or `None`
/// when it reads (or is computed at deployment, or is an unknown tag the reader noted).
fn unreadable_value(r: &Resolver<'_>, stack: usize, is_protocol: bool, v: &Value) -> Option<String> {
    // A whole number reads as a port, type, code or rule number (a range check is the
    // check's own); as a protocol it must be one of -1 to 255.
    match v {
        Value::Number(n) if n.is_i64() && !is_protocol => return None,
        Value::String(s) if !is_protocol && s.trim().parse::<i64>().is_ok() => return None,
        _ => {}
    }
    let unknown_tag = matches!(v, Value::Map(m) if m.len() == 1 && m.keys().all(|k| k.starts_with('!')));
    if unknown_tag {
        return None;
    }
    let text = r.text_cow(stack, v);
    let unreadable = match text.as_deref() {
        // A protocol is reported when it names none: a word EC2 does not know, or a
        // number outside -1 to 255 (both read as matching no traffic).
        Some(t) if is_protocol => protocol_of_text(t).is_none(),
        Some(t) => number(r, stack, Some(v)).is_err() && t.trim().parse::<i64>().is_err(),
        None => number(r, stack, Some(v)).is_err(),
    };
    if !unreadable {
        return None;
    }
    Some(match (text, v) {
        (Some(t), _) => format!("`{t}`"),
        (None, Value::List(_)) => "a list".into(),
        (None, _) => "a map".into(),
    })
}

/// A note of the reader as an RF001 finding: on its resource when it is inside one.
fn reader_note<'m>(r: &mut Reporter<'m>, stack: usize, note: &ReadNote) {
    let hint = match &note.kind {
        NoteKind::UnknownTag(_) => {
            "write a CloudFormation intrinsic (!Ref, !Sub, !GetAtt, !If, …) or a plain value; CloudFormation rejects tags it does not know"
        }
        NoteKind::DuplicateKey(_) => {
            "keep one declaration of the key: parsers disagree on which one counts, and YAML forbids the repetition"
        }
        NoteKind::ComputedProperties(_) => {
            "write Properties as a map, with Fn::If around the properties that depend on a condition, so that they are checked"
        }
        NoteKind::NotExpanded(_) => {
            "give the parameter a Default list or write the collection as a list, so that what the loop creates is checked"
        }
        _ => "write the value as a number or a quoted string",
    };
    let check = match note.kind {
        NoteKind::NotExpanded(_) | NoteKind::ComputedProperties(_) => &RF002,
        _ => &RF001,
    };
    let t = &r.model.resolver.suite().templates()[stack];
    if let [Step::Key(section), Step::Key(id), ..] = note.path.steps() {
        if let Some(id) = LogicalId::new(id.as_str())
            .ok()
            .filter(|id| section == "Resources" && t.template.resources.contains_key(id))
        {
            let at = Location { stack, id, path: Cow::Owned(note.path.tail(2).to_string()) };
            r.report(check, at, note.message.clone(), hint);
            return;
        }
    }
    let at = At::TemplatePath(Box::new((stack, note.path.to_string())));
    r.push(check, check.severity, at, &note.message, hint, None);
}
