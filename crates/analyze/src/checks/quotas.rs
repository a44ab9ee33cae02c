//! What fails deployments: rules per group, groups per workload, groups per Region,
//! template limits — and values CloudFormation cannot read (RF001).

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use ringfence_cfn::{LogicalId, NoteKind, ReadNote, Step, Value};

use crate::finding::{At, Reporter, Severity};
use crate::model::{
    inline_path, number, props_get, protocol, Direction, Location, Model, Props, Proto, RulePeer, UNREADABLE,
};
use crate::suite::{Obj, Resolver};

/// Default rules per group, per direction and address family.
pub const RULES_PER_GROUP: usize = 60;
/// Default and highest groups per network interface.
pub const GROUPS_PER_INTERFACE: (usize, usize) = (5, 16);
/// Default security groups per Region (adjustable).
pub const GROUPS_PER_REGION: usize = 2_500;

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    unreadable(m, r);
    // Rules per group, direction and family; a group peer counts in both families.
    let mut counts: HashMap<(&Obj, Direction), (usize, usize)> = HashMap::default();
    for rule in &m.rules {
        let c = counts.entry((&rule.group, rule.direction)).or_default();
        match rule.peer {
            RulePeer::V4(_) => c.0 += 1,
            RulePeer::V6(_) => c.1 += 1,
            RulePeer::Group(_) | RulePeer::PrefixList(_) => {
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
                    "RF401",
                    &g.at,
                    format!("has {n} {} rules in one address family; the default quota is {RULES_PER_GROUP}", if dir == Direction::Ingress { "ingress" } else { "egress" }),
                    "admit a role group instead of many ranges, or raise the quota (rules x groups per interface stays at most 1,000)",
                );
            }
        }
    }
    // The suite alone over the Region's group quota: one finding, on the first group
    // past it (the account's other groups only make it worse).
    if let Some(g) = m.groups.get(GROUPS_PER_REGION) {
        r.report(
            "RF404",
            &g.at,
            format!(
                "is security group {} of the {} this suite creates; the default quota is {GROUPS_PER_REGION} per Region",
                GROUPS_PER_REGION + 1,
                m.groups.len()
            ),
            "request a higher quota before deploying, let stacks join shared role groups instead of one group each, or spread the stacks over Regions or accounts",
        );
    }
    let (default, max) = GROUPS_PER_INTERFACE;
    for w in &m.workloads {
        let n = w.groups.len();
        if n > max {
            r.report_as(
                "RF402",
                Severity::Error,
                &w.at,
                format!("joins {n} groups; an interface takes at most {max}"),
                "merge roles into fewer groups",
            );
        } else if n > default {
            r.report(
                "RF402",
                &w.at,
                format!("joins {n} groups; the default quota is {default} per interface"),
                "merge roles, or raise the quota before deploying",
            );
        }
    }
    for (stack, t) in m.resolver.suite().templates().iter().enumerate() {
        let tpl = &t.template;
        for (what, n, max) in [
            ("resources", tpl.resources.len(), 500),
            ("outputs", tpl.outputs.len(), 200),
            ("parameters", tpl.parameters.len(), 200),
        ] {
            if n > max {
                r.report_template(
                    "RF403",
                    Severity::Error,
                    stack,
                    format!("has {n} {what}; CloudFormation allows {max}"),
                    "split the stack",
                );
            }
        }
        // The bytes CloudFormation receives: the file's, or the synthesized JSON's; only a
        // template given without either is measured as pretty-printed JSON.
        let (size, measured) = match t.json_len {
            Some(n) => (n, ""),
            None => (tpl.json_len(), " as pretty-printed JSON"),
        };
        if size > 1_048_576 {
            r.report_template(
                "RF403",
                Severity::Error,
                stack,
                format!("is {size} bytes{measured}; CloudFormation accepts at most 1 MB (1,048,576 bytes)"),
                "split the stack",
            );
        } else if size > 51_200 {
            r.report_template(
                "RF403",
                Severity::Warning,
                stack,
                format!("is {size} bytes{measured}, over the 51,200 bytes CloudFormation accepts inline"),
                "deploy it from S3 (the CDK CLI does; `aws cloudformation deploy` needs --s3-bucket), or split the stack",
            );
        }
    }
}

/// RF001: what the reader kept without understanding it (its notes), and numbers and
/// protocols the model cannot read, which it reads as matching no traffic.
fn unreadable<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    let resolver = &m.resolver;
    for (stack, t) in resolver.suite().templates().iter().enumerate() {
        for note in &t.notes {
            reader_note(r, stack, note);
        }
        for (id, res) in &t.template.resources {
            let props = &res.properties;
            // The path of the rule or entry, made only when a value of it is reported.
            let mut check = |path: &dyn Fn() -> Cow<'static, str>, props: &dyn Props, what: &str| {
                let fields: &[&str] = if what == "entry" {
                    &["Protocol", "RuleNumber", "PortRange.From", "PortRange.To", "Icmp.Type", "Icmp.Code"]
                } else {
                    &["IpProtocol", "FromPort", "ToPort"]
                };
                for field in fields {
                    let value = match field.split_once('.') {
                        Some((a, b)) => props.key(a).and_then(|v| props_get(v, b)),
                        None => props.key(field),
                    };
                    let Some(value) = value else { continue };
                    let Some(shown) = unreadable_value(resolver, stack, field, value) else { continue };
                    let at =
                        Location { stack, id: id.clone(), path: Cow::Owned(format!("{}.{field}", path())) };
                    r.report(
                        "RF001",
                        at,
                        format!(
                            "{field} is {shown}, not a {}: the {what} is read as matching no traffic, and CloudFormation rejects it",
                            if field.ends_with("Protocol") { "protocol name or number" } else { "number" }
                        ),
                        match *field {
                            "IpProtocol" | "Protocol" => {
                                "write tcp, udp, icmp, icmpv6, -1 (all) or a protocol number"
                            }
                            "RuleNumber" => "write a whole number from 1 to 32766",
                            "Icmp.Type" | "Icmp.Code" => "write an ICMP type or code, or -1 for all",
                            _ => "write a port from 0 to 65535 (-1 for all)",
                        },
                    );
                }
            };
            match res.resource_type.as_str() {
                "AWS::EC2::SecurityGroup" => {
                    for key in ["SecurityGroupIngress", "SecurityGroupEgress"] {
                        if let Some(Value::List(items)) = props.get(key) {
                            for (i, item) in items.iter().enumerate() {
                                check(&|| inline_path(key, i), item, "rule");
                            }
                        }
                    }
                }
                "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                    check(&|| Cow::Borrowed("Properties"), props, "rule");
                }
                "AWS::EC2::NetworkAclEntry" => check(&|| Cow::Borrowed("Properties"), props, "entry"),
                _ => {}
            }
        }
    }
}

/// How a field that the model cannot read shows (`` `abc` ``, a list, a map), or `None`
/// when it reads (or is computed at deployment, or is an unknown tag the reader noted).
fn unreadable_value(r: &Resolver<'_>, stack: usize, field: &str, v: &Value) -> Option<String> {
    match v {
        Value::Number(n) if n.is_i64() => return None,
        Value::String(s) if s.trim().parse::<i64>().is_ok() => return None,
        _ => {}
    }
    let unknown_tag = matches!(v, Value::Map(m) if m.len() == 1 && m.keys().all(|k| k.starts_with('!')));
    if unknown_tag {
        return None;
    }
    let text = r.text_cow(stack, v);
    let unreadable = if field.ends_with("Protocol") {
        match protocol(r, stack, Some(v)) {
            Proto::Other(UNREADABLE) => true,
            Proto::Other(_) => text.as_deref().is_some_and(|t| t.trim().parse::<i64>().is_err()),
            _ => false,
        }
    } else {
        number(r, stack, Some(v)) == Some(UNREADABLE)
            && text.as_deref().is_none_or(|t| t.trim().parse::<i64>().is_err())
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
        _ => "write the value as a number or a quoted string",
    };
    let t = &r.model.resolver.suite().templates()[stack];
    if let [Step::Key(section), Step::Key(id), ..] = note.path.steps() {
        if let Some(id) = LogicalId::new(id.as_str())
            .ok()
            .filter(|id| section == "Resources" && t.template.resources.contains_key(id))
        {
            let at = Location { stack, id, path: Cow::Owned(note.path.tail(2).to_string()) };
            r.report("RF001", at, note.message.clone(), hint);
            return;
        }
    }
    let at = At::TemplatePath(Box::new((stack, note.path.to_string())));
    r.push("RF001", Severity::Error, at, &note.message, hint, None);
}
