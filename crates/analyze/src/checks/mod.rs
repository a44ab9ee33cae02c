//! The checks, grouped by what they look at. Each reports through the [`Reporter`],
//! which applies suppressions.

mod hygiene;
mod nacl;
mod quotas;
mod ringfencing;
mod subnets;

use ringfence_cfn::suppress::{self, suppressions};

use crate::finding::Reporter;
use crate::model::{Location, Model};

/// One check over the whole model.
type Check = for<'m> fn(&'m Model<'m>, &mut Reporter<'m>);

/// Every check, in two halves of about equal cost for a large suite.
const HALVES: [&[Check]; 2] =
    [&[ringfencing::run, quotas::run, unreasoned_suppressions], &[hygiene::run, nacl::run, subnets::run]];

/// Runs every check; a large suite's checks run on two threads (the findings are sorted
/// afterwards, so their order does not depend on it).
pub(crate) fn run<'m>(model: &'m Model<'m>, r: &mut Reporter<'m>) {
    let large = model.resolver.suite().templates().len() >= crate::parallel::PARALLEL_FROM;
    let ((), second) = crate::parallel::join(
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
                        "RF900",
                        at,
                        format!("suppresses {check} without a reason"),
                        "add `reason: …` saying why the finding is acceptable",
                    );
                }
            }
        }
    }
}
