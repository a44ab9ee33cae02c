//! With the `timings` feature (the examples' package enables it), synthesis records how
//! long each step took: every step of a real app took some time, and together no longer
//! than the whole call.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::time::{Duration, Instant};

#[path = "../../../examples/chat_bots.rs"]
#[allow(dead_code)]
mod chat_bots;

#[test]
fn every_step_of_synthesis_is_timed() {
    let app = chat_bots::build("production", &chat_bots::BOTS).unwrap();
    let started = Instant::now();
    let t = app.synth().unwrap().timings();
    let whole = started.elapsed();
    for (step, d) in [
        ("render", t.render),
        ("order", t.order),
        ("sizes", t.sizes),
        ("model", t.model),
        ("checks", t.checks),
    ] {
        assert!(d > Duration::ZERO, "{step} was not timed: {t:?}");
    }
    assert!(t.render + t.order + t.sizes + t.model + t.checks <= whole, "{t:?} > {whole:?}");
}
