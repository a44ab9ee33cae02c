//! Issue 18: `Error::TemplateQuota`, CloudFormation's per-template quotas checked at
//! synthesis (500 resources, 200 outputs, 200 parameters): a stack at a quota
//! synthesizes, one past it is an error naming the stack, what was counted, how many
//! and the quota. The analyzer's RF403 finds the same overrun; synthesis reports it once,
//! as the typed error, and keeps RF403 for what the builder does not count itself: the
//! template's size in bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::{App, Error, Props};

/// An app of one stack `big` with `resources` escape-hatch resources (the first
/// `shared` of them shared, one Output each) and `parameters` string parameters.
fn app(resources: usize, shared: usize, parameters: usize) -> App {
    let app = App::new("shop").environment("prod");
    let mut big = app.stack("big").unwrap();
    for i in 0..resources {
        let queue = big.resource(&format!("queue{i}"), "AWS::SQS::Queue", Props::new()).unwrap();
        if i < shared {
            big.share(&queue).unwrap();
        }
    }
    for i in 0..parameters {
        big.string_parameter(&format!("setting{i}"), "A setting", Some("x")).unwrap();
    }
    app
}

/// The quota errors of a synthesis that must fail.
fn quota_errors(app: &App) -> Vec<Error> {
    let errors = app.synth().expect_err("a template over a quota").errors;
    errors.into_iter().filter(|e| matches!(e, Error::TemplateQuota { .. })).collect()
}

fn over(what: &'static str, count: usize, max: usize, hint: &'static str) -> Error {
    Error::TemplateQuota { stack: "shop-big-prod".into(), what, count, max, hint }
}

#[test]
fn five_hundred_resources_fit_and_five_hundred_and_one_do_not() {
    let at = app(500, 0, 0);
    let assembly = at.synth().expect("500 resources is the quota, not over it");
    assert_eq!(assembly.stacks()[0].template.resources.len(), 500);
    let errors = quota_errors(&app(501, 0, 0));
    assert_eq!(errors, [over("resources", 501, 500, "split the stack")]);
    assert_eq!(
        errors[0].to_string(),
        "shop-big-prod: the template has 501 resources; CloudFormation allows 500 per template; split the stack"
    );
}

#[test]
fn two_hundred_outputs_fit_and_two_hundred_and_one_do_not() {
    let assembly = app(201, 200, 0).synth().unwrap();
    assert_eq!(assembly.stacks()[0].template.outputs.len(), 200);
    let errors = quota_errors(&app(201, 201, 0));
    assert_eq!(errors, [over("outputs", 201, 200, "share fewer objects, or split the stack")]);
    assert_eq!(
        errors[0].to_string(),
        "shop-big-prod: the template has 201 outputs; CloudFormation allows 200 per template; share fewer objects, or split the stack"
    );
}

#[test]
fn two_hundred_parameters_fit_and_two_hundred_and_one_do_not() {
    let assembly = app(1, 0, 200).synth().expect("200 parameters is the quota");
    assert_eq!(assembly.stacks()[0].template.parameters.len(), 200);
    let errors = quota_errors(&app(1, 0, 201));
    assert_eq!(errors, [over("parameters", 201, 200, "split the stack")]);
}

#[test]
fn each_quota_a_template_is_over_is_reported_once_as_the_typed_error() {
    for (app, quota) in [
        (app(501, 0, 0), over("resources", 501, 500, "split the stack")),
        (app(201, 201, 0), over("outputs", 201, 200, "share fewer objects, or split the stack")),
        (app(1, 0, 201), over("parameters", 201, 200, "split the stack")),
    ] {
        let errors = app.synth().expect_err("a template over a quota").errors;
        assert_eq!(errors, [quota], "no RF403 besides the typed error");
    }
    let errors = app(501, 201, 201).synth().expect_err("a template over three quotas").errors;
    assert_eq!(errors, quota_errors(&app(501, 201, 201)), "three errors, not six");
}

#[test]
fn the_size_in_bytes_stays_the_analyzers_rf403_named_by_the_stack() {
    let app = App::new("shop").environment("prod");
    let mut big = app.stack("big").unwrap();
    for i in 0..501 {
        let props = Props::new().set("Type", "String").set("Value", "x".repeat(2100));
        big.resource(&format!("setting{i}"), "AWS::SSM::Parameter", props).unwrap();
    }
    let errors = app.synth().expect_err("a template over two quotas").errors;
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0], over("resources", 501, 500, "split the stack"));
    let Error::Check { construct, finding } = &errors[1] else { panic!("{errors:#?}") };
    assert_eq!((construct.as_str(), finding.check), ("shop-big-prod", "RF403"));
    assert_eq!(
        errors[1].to_string(),
        "shop-big-prod: error RF403 shop-big-prod: is 1126275 bytes; CloudFormation accepts at most \
         1 MB (1,048,576 bytes); split the stack"
    );
}

#[test]
fn every_quota_a_template_is_over_is_reported() {
    let errors = quota_errors(&app(501, 201, 201));
    assert_eq!(
        errors,
        [
            over("resources", 501, 500, "split the stack"),
            over("outputs", 201, 200, "share fewer objects, or split the stack"),
            over("parameters", 201, 200, "split the stack"),
        ]
    );
}
