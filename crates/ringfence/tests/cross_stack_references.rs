//! Issue 18: how synthesis resolves a reference (`synth/resolve.rs`), pinned by the
//! crate's own tests. A reference to another stack's object becomes `Fn::ImportValue` of
//! the name under which the OWNER exports THAT object: each import is followed to the
//! owner's Output, whose value must be a `Ref`/`Fn::GetAtt` of the intended resource —
//! for a group, a VPC, single subnets and subnet lists, and a shared escape-hatch
//! resource. In the owner's own template the same handles are local references. Misuse
//! (a parameter or an attribute of another stack or app, an object not shared, a handle
//! of another app) is an error naming the consumer and the owner exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::{
    App, Error, ExternalGroup, Peer, Port, Props, ResourceHandle, SecurityGroup, Stack, SubnetGroup,
    SubnetKind, Vpc, VpcSpec,
};
use serde_json::{json, Value};

/// The network stack of app `shop` (environment `prod`): two VPCs (so a VPC reference
/// can go to the wrong one), two groups, two escape-hatch resources, all shared.
struct Network {
    app: App,
    net: Stack,
    main: Vpc,
    spare: Vpc,
    web: SecurityGroup,
    db: SecurityGroup,
    queue: ResourceHandle,
    topic: ResourceHandle,
}

fn network() -> Network {
    let app = App::new("shop").environment("prod");
    let mut net = app.stack("network").unwrap();
    let main = net
        .vpc(
            "main",
            VpcSpec::new("10.0.0.0/16")
                .unwrap()
                .azs(2)
                .subnets(SubnetGroup::isolated("app", 24))
                .subnets(SubnetGroup::isolated("data", 24)),
        )
        .unwrap();
    let spare = net
        .vpc("spare", VpcSpec::new("10.1.0.0/16").unwrap().azs(2).subnets(SubnetGroup::isolated("data", 24)))
        .unwrap();
    let web = net.security_group(&main, "web", "Web servers").unwrap();
    let db = net.security_group(&main, "db", "Order database").unwrap();
    let queue = net.resource("queue", "AWS::SQS::Queue", Props::new().set("QueueName", "orders")).unwrap();
    let topic = net.resource("topic", "AWS::SNS::Topic", Props::new().set("TopicName", "orders")).unwrap();
    net.share(&main).unwrap();
    net.share(&spare).unwrap();
    net.share(&web).unwrap();
    net.share(&db).unwrap();
    net.share(&queue).unwrap();
    net.share(&topic).unwrap();
    Network { app, net, main, spare, web, db, queue, topic }
}

fn template(assembly: &ringfence::Assembly, stack: &str) -> Value {
    let artifact = assembly.stack(stack).unwrap_or_else(|| panic!("no stack {stack}"));
    serde_json::from_str(&artifact.template.to_json()).unwrap()
}

fn resource<'t>(t: &'t Value, resource_type: &str) -> &'t Value {
    let found: Vec<&Value> =
        t["Resources"].as_object().unwrap().values().filter(|r| r["Type"] == resource_type).collect();
    assert_eq!(found.len(), 1, "one {resource_type}: {t:#}");
    &found[0]["Properties"]
}

/// The logical id of the one resource of the owner's template with this type and
/// property value.
fn id_of(owner: &Value, resource_type: &str, property: &str, value: &str) -> String {
    let found: Vec<&String> = owner["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == resource_type && r["Properties"][property] == value)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(found.len(), 1, "one {resource_type} with {property} {value}");
    found[0].clone()
}

/// What an import in a consumer's template stands for: the logical id whose `Ref` (or
/// `Fn::GetAtt … GroupId`) is the value of the owner's one Output exported under the
/// imported name.
fn imported(owner: &Value, value: &Value) -> String {
    let name = value["Fn::ImportValue"].as_str().unwrap_or_else(|| panic!("not an import: {value}"));
    let outputs: Vec<&Value> =
        owner["Outputs"].as_object().unwrap().values().filter(|o| o["Export"]["Name"] == name).collect();
    assert_eq!(outputs.len(), 1, "one export named {name}");
    let v = &outputs[0]["Value"];
    if let Some(id) = v["Ref"].as_str() {
        return id.to_owned();
    }
    assert_eq!(v["Fn::GetAtt"][1], "GroupId", "{v}");
    v["Fn::GetAtt"][0].as_str().unwrap().to_owned()
}

#[test]
fn every_import_names_the_owners_export_of_the_intended_object() {
    let Network { app, main, spare, web, db, queue, .. } = network();
    let mut shop = app.stack("shop").unwrap();
    let own = shop.security_group(&main, "shop", "Shop tasks").unwrap();
    shop.allow_egress(&own, Peer::group(&db), Port::POSTGRES, "orders").unwrap();
    let tasks = shop.group_set("tasks", [&own, &web]).unwrap();
    let isolated = main.subnets(SubnetKind::Isolated).unwrap();
    let second_app = main.subnet("app", 1).unwrap();
    shop.resource(
        "probe",
        "Custom::Probe",
        Props::new()
            .set("Groups", &tasks)
            .set("Db", &db)
            .set("Vpc", &spare)
            .set("Subnets", &isolated)
            .set("Subnet", &second_app)
            .set("Queue", queue.reference()),
    )
    .unwrap();
    let assembly = app.synth().unwrap();
    let owner = template(&assembly, "shop-network-prod");
    let consumer = template(&assembly, "shop-shop-prod");

    let group = |name: &str| id_of(&owner, "AWS::EC2::SecurityGroup", "GroupName", name);
    let vpc = |cidr: &str| id_of(&owner, "AWS::EC2::VPC", "CidrBlock", cidr);
    let subnet = |cidr: String| id_of(&owner, "AWS::EC2::Subnet", "CidrBlock", &cidr);

    // The consumer's own group is in the owner's main VPC…
    assert_eq!(
        imported(&owner, &resource(&consumer, "AWS::EC2::SecurityGroup")["VpcId"]),
        vpc("10.0.0.0/16")
    );
    // …and its rule names the database group.
    let rule = resource(&consumer, "AWS::EC2::SecurityGroupEgress");
    assert_eq!(imported(&owner, &rule["DestinationSecurityGroupId"]), group("db-prod"));

    let probe = resource(&consumer, "Custom::Probe");
    // A group set: the stack's own group locally, the shared one imported.
    let own_id = consumer["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::EC2::SecurityGroup")
        .map(|(id, _)| id.clone())
        .unwrap();
    assert_eq!(probe["Groups"][0], json!({ "Fn::GetAtt": [own_id, "GroupId"] }));
    assert_eq!(imported(&owner, &probe["Groups"][1]), group("web-prod"));
    assert_eq!(probe["Groups"].as_array().unwrap().len(), 2);
    assert_eq!(imported(&owner, &probe["Db"]), group("db-prod"));
    assert_eq!(imported(&owner, &probe["Vpc"]), vpc("10.1.0.0/16"));
    // Subnets: every subnet of every selected group, group by group, AZ by AZ.
    let subnets: Vec<String> =
        probe["Subnets"].as_array().unwrap().iter().map(|v| imported(&owner, v)).collect();
    let want: Vec<String> = isolated.cidrs().iter().map(|c| subnet(c.to_string())).collect();
    assert_eq!(want.len(), 4);
    assert_eq!(subnets, want);
    assert_eq!(imported(&owner, &probe["Subnet"]), subnet(second_app.cidr().unwrap().to_string()));
    assert_eq!(subnet(second_app.cidr().unwrap().to_string()), subnet("10.0.1.0/24".into()));
    assert_eq!(imported(&owner, &probe["Queue"]), id_of(&owner, "AWS::SQS::Queue", "QueueName", "orders"));

    // The assembly records each import once and the owner as the only dependency.
    let artifact = assembly.stack("shop-shop-prod").unwrap();
    assert_eq!(
        artifact.dependencies.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["shop-network-prod"]
    );
    let mut imports: Vec<String> = artifact.imports.iter().map(ToString::to_string).collect();
    imports.sort();
    let mut seen: Vec<String> = [
        &resource(&consumer, "AWS::EC2::SecurityGroup")["VpcId"],
        &rule["DestinationSecurityGroupId"],
        &probe["Groups"][1],
        &probe["Db"],
        &probe["Vpc"],
        &probe["Subnet"],
        &probe["Queue"],
    ]
    .into_iter()
    .chain(probe["Subnets"].as_array().unwrap())
    .map(|v| v["Fn::ImportValue"].as_str().unwrap().to_owned())
    .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(imports, seen);
}

#[test]
fn in_the_owners_own_template_the_same_handles_are_local_references() {
    let Network { app, mut net, main, spare, web, queue, topic, .. } = network();
    let domain = net.string_parameter("domain", "The shop's domain", Some("shop.example")).unwrap();
    let set = net.group_set("servers", [&web]).unwrap();
    net.resource(
        "probe",
        "Custom::Probe",
        Props::new()
            .set("Groups", &set)
            .set("Group", &web)
            .set("Vpc", &spare)
            .set("Subnets", &main.subnet_group("data").unwrap())
            .set("Subnet", &main.subnet("data", 0).unwrap())
            .set("Queue", queue.reference())
            .set("TopicArn", topic.attr("TopicArn"))
            .set("Domain", &domain),
    )
    .unwrap();
    let assembly = app.synth().unwrap();
    let owner = template(&assembly, "shop-network-prod");
    let probe = resource(&owner, "Custom::Probe");
    let group = id_of(&owner, "AWS::EC2::SecurityGroup", "GroupName", "web-prod");
    let subnet = |cidr: &str| json!({ "Ref": id_of(&owner, "AWS::EC2::Subnet", "CidrBlock", cidr) });
    assert_eq!(probe["Groups"], json!([{ "Fn::GetAtt": [group, "GroupId"] }]));
    assert_eq!(probe["Group"], json!({ "Fn::GetAtt": [group, "GroupId"] }));
    assert_eq!(probe["Vpc"], json!({ "Ref": id_of(&owner, "AWS::EC2::VPC", "CidrBlock", "10.1.0.0/16") }));
    assert_eq!(probe["Subnets"], json!([subnet("10.0.2.0/24"), subnet("10.0.3.0/24")]));
    assert_eq!(probe["Subnet"], subnet("10.0.2.0/24"));
    assert_eq!(probe["Queue"], json!({ "Ref": id_of(&owner, "AWS::SQS::Queue", "QueueName", "orders") }));
    let topic_id = id_of(&owner, "AWS::SNS::Topic", "TopicName", "orders");
    assert_eq!(probe["TopicArn"], json!({ "Fn::GetAtt": [topic_id, "TopicArn"] }));
    let param = owner["Parameters"].as_object().unwrap().keys().next().unwrap().clone();
    assert_eq!(probe["Domain"], json!({ "Ref": param }));
    assert!(assembly.stack("shop-network-prod").unwrap().imports.is_empty());
}

#[test]
fn groups_outside_the_app_are_their_id_or_the_consumers_own_parameter() {
    let Network { app, web, .. } = network();
    let mut shop = app.stack("shop").unwrap();
    let legacy = shop.group_parameter("legacy", "The legacy fleet's group").unwrap();
    let fixed = ExternalGroup::from_id("sg-0123456789abcdef0").unwrap();
    let set = shop
        .group_set("tasks", [ringfence::GroupRef::from(&legacy), (&fixed).into(), (&web).into()])
        .unwrap();
    shop.resource("probe", "Custom::Probe", Props::new().set("Groups", &set).set("Legacy", &legacy)).unwrap();
    let assembly = app.synth().unwrap();
    let owner = template(&assembly, "shop-network-prod");
    let consumer = template(&assembly, "shop-shop-prod");
    let probe = resource(&consumer, "Custom::Probe");
    let param = consumer["Parameters"].as_object().unwrap().keys().next().unwrap().clone();
    assert_eq!(probe["Groups"][0], json!({ "Ref": param }));
    assert_eq!(probe["Groups"][1], "sg-0123456789abcdef0");
    assert_eq!(
        imported(&owner, &probe["Groups"][2]),
        id_of(&owner, "AWS::EC2::SecurityGroup", "GroupName", "web-prod")
    );
    assert_eq!(probe["Legacy"], json!({ "Ref": param }));
}

/// The errors of a synthesis that must fail.
fn synth_errors(app: &App) -> Vec<Error> {
    app.synth().expect_err("synthesis refuses it").errors
}

#[test]
fn a_parameter_of_another_stack_or_app_is_an_error_naming_its_owner() {
    let Network { app, mut net, .. } = network();
    let domain = net.string_parameter("domain", "The shop's domain", None).unwrap();
    let other = App::new("other");
    let mut elsewhere = other.stack("elsewhere").unwrap();
    let foreign = elsewhere.string_parameter("token", "A token of another app", None).unwrap();
    let mut shop = app.stack("shop").unwrap();
    let own = shop.string_parameter("zone", "The shop's zone", None).unwrap();
    shop.resource("ours", "Custom::Cert", Props::new().set("Zone", &own)).unwrap();
    shop.resource("theirs", "Custom::Cert", Props::new().set("Domain", &domain)).unwrap();
    shop.resource("alien", "Custom::Cert", Props::new().set("Token", &foreign)).unwrap();
    let hint = "declare the parameter in this stack too".to_owned();
    assert_eq!(
        synth_errors(&app),
        [
            Error::ParameterOfOtherStack {
                stack: "shop-shop-prod".into(),
                object: "network/domain".into(),
                owner: "shop-network-prod".into(),
                hint: hint.clone(),
            },
            Error::ParameterOfOtherStack {
                stack: "shop-shop-prod".into(),
                object: "elsewhere/token".into(),
                owner: "(another app)".into(),
                hint,
            },
        ]
    );
    // Its own parameter is fine: without the two others, the stack synthesizes.
    let app = App::new("shop").environment("prod");
    let mut shop = app.stack("shop").unwrap();
    let own = shop.string_parameter("zone", "The shop's zone", None).unwrap();
    shop.resource("ours", "Custom::Cert", Props::new().set("Zone", &own)).unwrap();
    let assembly = app.synth().unwrap();
    let t = template(&assembly, "shop-shop-prod");
    let param = t["Parameters"].as_object().unwrap().keys().next().unwrap().clone();
    assert_eq!(resource(&t, "Custom::Cert")["Zone"], json!({ "Ref": param }));
}

#[test]
fn an_attribute_of_another_stacks_or_apps_resource_is_an_error_naming_its_owner() {
    let Network { app, queue, .. } = network();
    let other = App::new("other");
    let mut elsewhere = other.stack("elsewhere").unwrap();
    let alien = elsewhere.resource("bucket", "AWS::S3::Bucket", Props::new()).unwrap();
    let mut shop = app.stack("shop").unwrap();
    let own = shop.resource("log", "AWS::Logs::LogGroup", Props::new()).unwrap();
    shop.resource("ours", "Custom::Probe", Props::new().set("Log", own.attr("Arn"))).unwrap();
    shop.resource("theirs", "Custom::Probe", Props::new().set("Queue", queue.attr("Arn"))).unwrap();
    shop.resource("alien", "Custom::Probe", Props::new().set("Bucket", alien.attr("Arn"))).unwrap();
    let hint = "only the `Ref` of another stack's resource can be shared (ResourceHandle::reference); expose attributes through a resource of this stack".to_owned();
    assert_eq!(
        synth_errors(&app),
        [
            Error::NotShared {
                consumer: "shop-shop-prod".into(),
                object: "network/queue".into(),
                owner: "shop-network-prod".into(),
                hint: hint.clone(),
            },
            Error::NotShared {
                consumer: "shop-shop-prod".into(),
                object: "elsewhere/bucket".into(),
                owner: "(another app)".into(),
                hint,
            },
        ]
    );
    assert_eq!(
        synth_errors(&app)[0].to_string(),
        "shop-shop-prod: uses `network/queue` of stack `shop-network-prod`, which `shop-network-prod` does not share; only the `Ref` of another stack's resource can be shared (ResourceHandle::reference); expose attributes through a resource of this stack"
    );
    // The stack's own resource's attribute is a GetAtt.
    let app = App::new("shop").environment("prod");
    let mut shop = app.stack("shop").unwrap();
    let own = shop.resource("log", "AWS::Logs::LogGroup", Props::new()).unwrap();
    shop.resource("ours", "Custom::Probe", Props::new().set("Log", own.attr("Arn"))).unwrap();
    let t = template(&app.synth().unwrap(), "shop-shop-prod");
    let log = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::Logs::LogGroup")
        .unwrap()
        .0;
    assert_eq!(resource(&t, "Custom::Probe")["Log"], json!({ "Fn::GetAtt": [log, "Arn"] }));
}

#[test]
fn an_object_its_owner_does_not_share_is_an_error_that_names_the_call() {
    let app = App::new("shop").environment("prod");
    let mut net = app.stack("network").unwrap();
    let vpc = net.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap()).unwrap();
    let group = net.security_group(&vpc, "db", "Order database").unwrap();
    let queue = net.resource("queue", "AWS::SQS::Queue", Props::new()).unwrap();
    let mut shop = app.stack("shop").unwrap();
    shop.resource(
        "probe",
        "Custom::Probe",
        Props::new().set("Group", &group).set("Vpc", &vpc).set("Queue", queue.reference()),
    )
    .unwrap();
    let not_shared = |object: &str, handle: &str| Error::NotShared {
        consumer: "shop-shop-prod".into(),
        object: object.into(),
        owner: "shop-network-prod".into(),
        hint: format!("add `network.share(&{handle})` in the stack that creates it"),
    };
    assert_eq!(
        synth_errors(&app),
        [
            not_shared("network/db", "group"),
            not_shared("network/main", "vpc"),
            not_shared("network/queue", "resource")
        ]
    );
}

#[test]
fn a_handle_of_another_app_is_an_error() {
    let Network { app: other, web, main, queue, .. } = network();
    let app = App::new("mine").environment("prod");
    let mut mine = app.stack("mine").unwrap();
    mine.resource(
        "probe",
        "Custom::Probe",
        Props::new().set("Group", &web).set("Vpc", &main).set("Queue", queue.reference()),
    )
    .unwrap();
    let foreign = |object: &str| Error::ForeignApp { stack: "mine-mine-prod".into(), object: object.into() };
    assert_eq!(
        synth_errors(&app),
        [foreign("network/web"), foreign("network/main"), foreign("network/queue")]
    );
    drop(other);
}
