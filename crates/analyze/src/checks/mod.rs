//! The checks, grouped by what they look at. Each reports through the [`Reporter`],
//! which applies suppressions.

mod hygiene;
mod nacl;
mod quotas;
mod ringfencing;
mod subnets;

use crate::finding::{suppressions, Reporter};
use crate::model::{Location, Model};

pub(crate) fn run(model: &Model<'_>, r: &mut Reporter<'_, '_>) {
    ringfencing::run(model, r);
    hygiene::run(model, r);
    quotas::run(model, r);
    nacl::run(model, r);
    subnets::run(model, r);
    unreasoned_suppressions(model, r);
}

fn unreasoned_suppressions(model: &Model<'_>, r: &mut Reporter<'_, '_>) {
    for (stack, t) in model.resolver.suite().templates().iter().enumerate() {
        for (id, res) in &t.template.resources {
            for (check, reason) in suppressions(&res.metadata) {
                if reason.is_none() {
                    let at = Location { stack, id: id.clone(), path: "Metadata.ringfence.suppress".into() };
                    r.report(
                        "RF900",
                        &at,
                        format!("suppresses {check} without a reason"),
                        "add `reason: …` saying why the finding is acceptable",
                    );
                }
            }
        }
    }
}
