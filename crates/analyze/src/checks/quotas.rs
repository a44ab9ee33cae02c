//! Quotas that fail deployments: rules per group, groups per workload, groups per
//! Region, template limits.

use rustc_hash::FxHashMap as HashMap;

use crate::finding::{Reporter, Severity};
use crate::model::{Direction, Model, RulePeer};
use crate::suite::Obj;

/// Default rules per group, per direction and address family.
pub const RULES_PER_GROUP: usize = 60;
/// Default and highest groups per network interface.
pub const GROUPS_PER_INTERFACE: (usize, usize) = (5, 16);
/// Default security groups per Region (adjustable).
pub const GROUPS_PER_REGION: usize = 2_500;

pub(super) fn run(m: &Model<'_>, r: &mut Reporter<'_, '_>) {
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
        let size = t.json_len.unwrap_or_else(|| tpl.json_len());
        if size > 1_048_576 {
            r.report_template(
                "RF403",
                Severity::Error,
                stack,
                format!("is {size} bytes as JSON; CloudFormation accepts at most 1 MB"),
                "split the stack",
            );
        } else if size > 51_200 {
            r.report_template(
                "RF403",
                Severity::Warning,
                stack,
                format!("is {size} bytes as JSON, over the 51,200 bytes CloudFormation accepts inline"),
                "deploy it from S3 (the CDK CLI does; `aws cloudformation deploy` needs --s3-bucket), or split the stack",
            );
        }
    }
}
