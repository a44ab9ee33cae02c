//! The checks: each one's id, severity and summary is a constant here
//! ([`RF301`], …), listed in [`CHECKS`]; the code of each is grouped by what it looks at
//! (private modules) and reports through the `Reporter`, which applies suppressions. A
//! check reports by its constant, so an id that names no check does not compile:
//!
//! ```compile_fail
//! let unknown = &ringfence_analyze::checks::RF999;
//! ```
//!
//! ```
//! use ringfence_analyze::{checks, Severity};
//! assert_eq!((checks::RF101.id, checks::RF101.severity), ("RF101", Severity::Error));
//! ```

mod hygiene;
mod nacl;
mod quotas;
mod ringfencing;
mod subnets;
mod undecided;

use ringfence_cfn::suppress::{self, suppressions};

use crate::finding::{Check, Reporter, Severity};
use crate::model::{Location, Model};

/// Every check, by id.
pub const CHECKS: &[Check] = &[
    RF001, RF002, RF101, RF102, RF103, RF201, RF202, RF301, RF302, RF303, RF401, RF402, RF403, RF404, RF501,
    RF502, RF503, RF601, RF602, RF603, RF900,
];

/// `RF001` (unreadable-value): a value that cannot be read as written: a YAML tag CloudFormation does not know, a key given twice in one map (the last value is read), a port, ICMP type or code, rule number or protocol that is no number (the rule or entry is read as matching nothing, never as all traffic).
pub const RF001: Check = Check { id: "RF001", name: "unreadable-value", severity: Severity::Error, summary: "a value that cannot be read as written: a YAML tag CloudFormation does not know, a key given twice in one map (the last value is read), a port, ICMP type or code, rule number or protocol that is no number (the rule or entry is read as matching nothing, never as all traffic)" };

/// `RF002` (undecided-value): a value the analysis cannot know before deployment, on which a check depends: an `Fn::ForEach` loop over a parameter without a default (its resources are not read), a group's rule list computed by a function other than `Fn::If` (its rules are not read), a rule's peer from a parameter without a default or an import (the rule is checked for everything but its peer).
pub const RF002: Check = Check {
    id: "RF002",
    name: "undecided-value",
    severity: Severity::Warning,
    summary: "a value the analysis cannot know before deployment, on which a check depends: an `Fn::ForEach` loop over a parameter without a default (its resources are not read), a group's rule list computed by a function other than `Fn::If` (its rules are not read), a rule's peer from a parameter without a default or an import (the rule is checked for everything but its peer)",
};

/// `RF101` (foreign-group-rule): a rule on a security group the template does not create (via parameter, import or literal id): deploying, rolling back or deleting this stack changes traffic other stacks rely on.
pub const RF101: Check = Check { id: "RF101", name: "foreign-group-rule", severity: Severity::Error, summary: "a rule on a security group the template does not create (via parameter, import or literal id): deploying, rolling back or deleting this stack changes traffic other stacks rely on" };

/// `RF102` (foreign-network-change): a resource that changes or attaches to a network object the template does not create: a route, NACL entry, association, CIDR block, gateway attachment… (decided by the generated schema table).
pub const RF102: Check = Check { id: "RF102", name: "foreign-network-change", severity: Severity::Error, summary: "a resource that changes or attaches to a network object the template does not create: a route, NACL entry, association, CIDR block, gateway attachment… (decided by the generated schema table)" };

/// `RF103` (duplicate-rule): the same rule declared twice on one group: EC2 keeps one copy, so removing either declaration removes it for both.
pub const RF103: Check = Check { id: "RF103", name: "duplicate-rule", severity: Severity::Error, summary: "the same rule declared twice on one group: EC2 keeps one copy, so removing either declaration removes it for both" };

/// `RF201` (rule-named-group): a group named after what it allows (allow-…, a port number, open, all) instead of the role it encloses.
pub const RF201: Check = Check { id: "RF201", name: "rule-named-group", severity: Severity::Warning, summary: "a group named after what it allows (allow-…, a port number, open, all) instead of the role it encloses" };

/// `RF202` (missing-description): a group or rule without a description saying why it exists.
pub const RF202: Check = Check {
    id: "RF202",
    name: "missing-description",
    severity: Severity::Warning,
    summary: "a group or rule without a description saying why it exists",
};

/// `RF301` (world-open-port): an administrative or data port open to 0.0.0.0/0 or ::/0.
pub const RF301: Check = Check {
    id: "RF301",
    name: "world-open-port",
    severity: Severity::Error,
    summary: "an administrative or data port open to 0.0.0.0/0 or ::/0",
};

/// `RF302` (world-open-all): all traffic (or every port) open to 0.0.0.0/0 or ::/0.
pub const RF302: Check = Check {
    id: "RF302",
    name: "world-open-all",
    severity: Severity::Error,
    summary: "all traffic (or every port) open to 0.0.0.0/0 or ::/0",
};

/// `RF303` (fake-egress-restriction): standalone egress rules on a group with no inline egress: EC2 keeps its allow-all egress rule.
pub const RF303: Check = Check {
    id: "RF303",
    name: "fake-egress-restriction",
    severity: Severity::Error,
    summary: "standalone egress rules on a group with no inline egress: EC2 keeps its allow-all egress rule",
};

/// `RF401` (rules-per-group): more rules in one direction and address family than the default quota of 60.
pub const RF401: Check = Check {
    id: "RF401",
    name: "rules-per-group",
    severity: Severity::Warning,
    summary: "more rules in one direction and address family than the default quota of 60",
};

/// `RF402` (groups-per-workload): a workload in more groups than the default quota of 5 per interface (16 at most).
pub const RF402: Check = Check {
    id: "RF402",
    name: "groups-per-workload",
    severity: Severity::Warning,
    summary: "a workload in more groups than the default quota of 5 per interface (16 at most)",
};

/// `RF403` (template-limits): a template over CloudFormation's quotas: 500 resources, 200 outputs, 200 parameters, 51,200 bytes inline or 1 MB from S3.
pub const RF403: Check = Check { id: "RF403", name: "template-limits", severity: Severity::Error, summary: "a template over CloudFormation's quotas: 500 resources, 200 outputs, 200 parameters, 51,200 bytes inline or 1 MB from S3" };

/// `RF404` (groups-per-region).
pub const RF404: Check = Check { id: "RF404", name: "groups-per-region", severity: Severity::Warning, summary: "more security groups in the suite than the default quota of 2,500 per Region (adjustable); other stacks' groups count too" };

/// `RF501` (nacl-no-return): a flow a network ACL allows whose return traffic it does not allow (NACLs are stateless).
pub const RF501: Check = Check {
    id: "RF501",
    name: "nacl-no-return",
    severity: Severity::Warning,
    summary: "a flow a network ACL allows whose return traffic it does not allow (NACLs are stateless)",
};

/// `RF502` (nacl-shadowed-entry): a network ACL entry that can never match: an earlier entry already decides all its traffic.
pub const RF502: Check = Check {
    id: "RF502",
    name: "nacl-shadowed-entry",
    severity: Severity::Warning,
    summary: "a network ACL entry that can never match: an earlier entry already decides all its traffic",
};

/// `RF503` (default-nacl): a subnet left on its VPC's default network ACL.
pub const RF503: Check = Check {
    id: "RF503",
    name: "default-nacl",
    severity: Severity::Info,
    summary: "a subnet left on its VPC's default network ACL",
};

/// `RF601` (overlapping-subnets): two subnets of one VPC whose ranges overlap.
pub const RF601: Check = Check {
    id: "RF601",
    name: "overlapping-subnets",
    severity: Severity::Error,
    summary: "two subnets of one VPC whose ranges overlap",
};

/// `RF602` (private-subnet-internet-route): a private or isolated subnet whose route table sends traffic to an internet gateway.
pub const RF602: Check = Check {
    id: "RF602",
    name: "private-subnet-internet-route",
    severity: Severity::Error,
    summary: "a private or isolated subnet whose route table sends traffic to an internet gateway",
};

/// `RF603` (unused-group): a security group no workload joins and no rule names.
pub const RF603: Check = Check {
    id: "RF603",
    name: "unused-group",
    severity: Severity::Info,
    summary: "a security group no workload joins and no rule names",
};

/// `RF900` (suppression-without-reason): a suppression in Metadata that gives no reason, and so suppresses nothing.
pub const RF900: Check = Check {
    id: "RF900",
    name: "suppression-without-reason",
    severity: Severity::Warning,
    summary: "a suppression in Metadata that gives no reason, and so suppresses nothing",
};

/// One check's code, over the whole model.
type CheckFn = for<'m> fn(&'m Model<'m>, &mut Reporter<'m>);

/// Every check, in two halves of about equal cost for a large suite.
const HALVES: [&[CheckFn]; 2] = [
    &[ringfencing::run, quotas::run, unreasoned_suppressions],
    &[hygiene::run, nacl::run, subnets::run, undecided::run],
];

/// Runs every check; a large suite's checks run on two threads (the findings are sorted
/// afterwards, so their order does not depend on it).
pub(crate) fn run<'m>(model: &'m Model<'m>, r: &mut Reporter<'m>) {
    let large = model.resolver.suite().templates().len() >= ringfence_cfn::parallel::PARALLEL_FROM;
    let ((), second) = ringfence_cfn::parallel::join(
        large,
        || HALVES[0].iter().for_each(|check| check(model, r)),
        || {
            let mut mine = Reporter::new(model);
            HALVES[1].iter().for_each(|check| check(model, &mut mine));
            mine.found
        },
    );
    // One vector of both halves, grown only if neither has room for the other.
    let mut second = second;
    if second.capacity() - second.len() >= r.found.len() && r.found.capacity() - r.found.len() < second.len()
    {
        second.splice(0..0, r.found.drain(..));
        r.found = second;
    } else {
        r.found.reserve_exact(second.len());
        r.found.append(&mut second);
    }
}

fn unreasoned_suppressions<'m>(model: &'m Model<'m>, r: &mut Reporter<'m>) {
    for (stack, t) in model.resolver.suite().templates().iter().enumerate() {
        for (id, res) in &t.template.resources {
            for (check, reason) in suppressions(&res.metadata) {
                if reason.is_none() {
                    let path = format!("Metadata.{}.{}", suppress::METADATA_KEY, suppress::SUPPRESS_KEY);
                    let at = Location { stack, id: id.clone(), path: path.into() };
                    r.report(
                        &RF900,
                        at,
                        format!("suppresses {check} without a reason"),
                        "add `reason: …` saying why the finding is acceptable",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_is_listed_once_in_id_order_and_found_by_its_id() {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "CHECKS lists each id once, in order");
        for c in CHECKS {
            assert_eq!(crate::check(c.id), Some(c));
            assert!(c.id.len() == 5 && c.id.starts_with("RF"), "{}", c.id);
        }
        assert_eq!(crate::check("RF999"), None);
        assert_eq!((RF301.id, RF301.severity), ("RF301", Severity::Error));
        assert_eq!((RF503.id, RF503.severity), ("RF503", Severity::Info));
    }
}
