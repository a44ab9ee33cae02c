//! The scale example at a size where synthesis and writing split the stacks across
//! threads: the output must be exactly what one thread would write, and keep every
//! invariant.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../../examples/scale.rs"]
#[allow(dead_code)]
mod scale;
mod support;

/// Above the size where synthesis renders, counts and writes on several threads.
const BOTS: usize = 150;

#[test]
fn a_large_app_keeps_every_invariant() {
    let assembly = support::synthesized(scale::build(BOTS));
    assert_eq!(assembly.stacks().len(), BOTS + 1);
    support::assert_invariants(&assembly);
    for stack in &assembly.stacks()[1..] {
        let types: Vec<&str> = stack.template.resources.values().map(|r| r.resource_type.as_str()).collect();
        assert_eq!(
            types,
            ["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupEgress", "AWS::ECS::Service"],
            "{}",
            stack.name
        );
    }
}

#[test]
fn output_does_not_depend_on_how_the_work_was_split() {
    // A bot's template is the same whether it is synthesized with 2 bots (one thread)
    // or with 150 (several threads, the bot in any share), and two large runs agree.
    let large = support::synthesized(scale::build(BOTS));
    let again = support::synthesized(scale::build(BOTS));
    assert_eq!(large.manifest(), again.manifest());
    for (a, b) in large.stacks().iter().zip(again.stacks()) {
        assert_eq!(a.template.to_json(), b.template.to_json(), "{}", a.name);
    }
    let small = support::synthesized(scale::build(2));
    for stack in small.stacks().iter().skip(1) {
        let twin = large.stack(stack.name.as_str()).expect("the bot is in the large app");
        assert_eq!(stack.template.to_json(), twin.template.to_json(), "{}", stack.name);
    }
    // Deployment order: the network first, then the bots in the order they were added.
    let order = large.deployment_order();
    assert_eq!(order[0], "chat-network-production");
    let mut bots: Vec<&str> = order[1..].to_vec();
    bots.sort_unstable();
    assert_eq!(bots, &order[1..], "bots keep the order they were declared in");
}

#[test]
fn writing_a_large_app_writes_every_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let assembly = support::synthesized(scale::build(BOTS));
    let summary = assembly.write(dir.path(), false).unwrap();
    assert_eq!((summary.written, summary.unchanged, summary.removed), (BOTS + 2, 0, 0));
    let files = support::read_dir(dir.path());
    assert_eq!(files.len(), BOTS + 2, "manifest + one template per stack");
    for stack in assembly.stacks() {
        assert_eq!(files[&stack.template_file()], stack.template.to_json().into_bytes(), "{}", stack.name);
    }
    let again = assembly.write(dir.path(), false).unwrap();
    assert_eq!((again.written, again.unchanged), (0, BOTS + 2));
}

#[test]
fn the_model_of_a_large_suite_is_whole_and_in_template_order() {
    // Model::build reads a large suite's templates on several threads; the model must
    // hold every object once, in template order, with its group index intact.
    use ringfence::analyze::{Model, Obj};
    let assembly = support::synthesized(scale::build(BOTS));
    let suite = assembly.suite();
    let model = Model::build(&suite);
    let groups_declared: usize = assembly
        .stacks()
        .iter()
        .map(|s| {
            s.template.resources.values().filter(|r| r.resource_type == "AWS::EC2::SecurityGroup").count()
        })
        .sum();
    assert_eq!(model.groups.len(), groups_declared);
    assert!(model.groups.windows(2).all(|w| w[0].at.stack <= w[1].at.stack), "groups out of template order");
    assert!(model.rules.windows(2).all(|w| w[0].at.stack <= w[1].at.stack), "rules out of template order");
    for g in &model.groups {
        let found = model.group(&Obj::Local { stack: g.at.stack, id: g.at.id.clone() });
        assert_eq!(found.map(|f| &f.at), Some(&g.at));
    }
    assert_eq!(model.workloads.len(), BOTS, "one service per bot");
    for w in &model.workloads {
        assert_eq!(w.groups.len(), 2, "{:?}", w.at);
        assert!(w.groups.iter().all(|g| model.group(g).is_some()), "{:?} joins an unknown group", w.at);
    }
}
