//! Issue 11: the escape hatch cannot change another stack's network objects, for every
//! resource type whose schema says it changes or attaches to one (the generated table,
//! not a hand list), while workloads still join and use the shared network.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::cfn::schema::{all_network_targets, NetworkObject, Target};
use ringfence::{
    App, Error, ExternalGroup, Prop, Props, ResourceHandle, SecurityGroup, Stack, SubnetGroup, SubnetKind,
    Vpc, VpcSpec,
};

/// Types the escape hatch refuses outright (the typed API expresses them).
const TYPED: &[&str] = &[
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::VPCEndpoint",
];

/// The objects of one stack, one per kind the table names.
struct Objects {
    vpc: Vpc,
    group: SecurityGroup,
    /// An escape-hatch resource of the stack: what a gateway or a gateway route table is
    /// in the builder (and what a route table, NACL or endpoint id must not be).
    other: ResourceHandle,
}

fn objects(stack: &mut Stack, cidr: &str) -> Objects {
    let vpc =
        stack.vpc("main", VpcSpec::new(cidr).unwrap().subnets(SubnetGroup::isolated("app", 24))).unwrap();
    let group = stack.security_group(&vpc, "shared", "A group another stack must not change").unwrap();
    let other = stack.resource("gateway", "AWS::EC2::TransitGatewayRouteTable", Props::new()).unwrap();
    Objects { vpc, group, other }
}

fn value(objects: &Objects, target: &Target) -> Prop {
    let one: Prop = match target.object {
        NetworkObject::Vpc => (&objects.vpc).into(),
        NetworkObject::Subnet => (&objects.vpc.subnet("app", 0).unwrap()).into(),
        NetworkObject::SecurityGroup => (&objects.group).into(),
        _ => Prop::Reference(objects.other.clone()),
    };
    if target.list {
        Prop::List(vec![one])
    } else {
        one
    }
}

/// Kinds of network object the builder gives a handle (or an escape-hatch resource) for.
fn handed_out(kind: NetworkObject) -> bool {
    matches!(
        kind,
        NetworkObject::Vpc
            | NetworkObject::Subnet
            | NetworkObject::SecurityGroup
            | NetworkObject::Gateway
            | NetworkObject::GatewayRouteTable
    )
}

fn props(objects: &Objects, targets: &[Target], only: Option<&str>) -> Props {
    targets
        .iter()
        .filter(|t| only.is_none_or(|p| p == t.property))
        .fold(Props::new(), |p, t| p.set(t.property, value(objects, t)))
}

#[test]
fn every_schema_target_on_another_stacks_object_is_refused_and_on_its_own_accepted() {
    let mut checked = 0;
    for (resource_type, targets) in all_network_targets() {
        if TYPED.contains(&resource_type) {
            continue;
        }
        for target in targets {
            let app = App::new("fence");
            let mut network = app.stack("network").unwrap();
            let theirs = objects(&mut network, "10.0.0.0/16");
            let mut bot = app.stack("bot").unwrap();
            let mine = objects(&mut bot, "10.1.0.0/16");
            // Every other target property names the bot's own objects: only this one is
            // foreign.
            let mut p = props(&mine, targets, None);
            p = p.set(target.property, value(&theirs, target));
            let err = bot.resource("thing", resource_type, p).unwrap_err();
            match &err {
                Error::ForeignNetworkTarget { construct, resource_type: t, property, hint, .. } => {
                    assert_eq!((construct.as_str(), t.as_str()), ("bot/thing", resource_type));
                    assert_eq!(*property, target.property, "{err}");
                    assert!(hint.contains("belongs to stack `fence-network`"), "{err}");
                }
                other => {
                    panic!("{resource_type}.{}: expected ForeignNetworkTarget, got {other}", target.property)
                }
            }
            // The same resource on the stack's own objects is accepted, where the builder
            // hands out an object of each kind it targets; a route table, NACL or
            // endpoint only the typed API changes, so naming an escape-hatch resource
            // there is refused as the wrong kind.
            let own = bot.resource("own", resource_type, props(&mine, targets, None));
            if targets.iter().all(|t| handed_out(t.object)) {
                own.unwrap_or_else(|e| panic!("{resource_type} on its own objects: {e}"));
            } else {
                let e = own.unwrap_err();
                assert!(matches!(&e, Error::InvalidValue { construct, .. } if construct == "bot/own"), "{e}");
                assert!(e.to_string().contains("the escape hatch cannot target"), "{e}");
            }
            checked += 1;
        }
    }
    // The issue's escapes are among them, and the table is not trivially small.
    assert!(checked >= 25, "only {checked} target properties checked");
}

#[test]
fn the_issue_11_escapes_are_refused_with_the_owner_named() {
    let app = App::new("chat");
    let mut network = app.stack("network").unwrap();
    let n = objects(&mut network, "10.0.0.0/16");
    network.share(&n.vpc).unwrap();
    network.share(&n.group).unwrap();
    let mut bot = app.stack("bot").unwrap();
    let cases: [(&str, Props); 4] = [
        ("AWS::EC2::VPCCidrBlock", Props::new().set("VpcId", &n.vpc).set("CidrBlock", "10.9.0.0/16")),
        (
            "AWS::EC2::SecurityGroupVpcAssociation",
            Props::new().set("GroupId", &n.group).set("VpcId", "vpc-0a1b2c3d"),
        ),
        (
            "AWS::EC2::VPCGatewayAttachment",
            Props::new().set("VpcId", &n.vpc).set("VpnGatewayId", "vgw-0a1b2c3d"),
        ),
        (
            "AWS::EC2::TransitGatewayRoute",
            Props::new()
                .set(
                    "TransitGatewayRouteTableId",
                    Prop::Attribute(n.other.clone(), "TransitGatewayRouteTableId".into()),
                )
                .set("DestinationCidrBlock", "10.8.0.0/16"),
        ),
    ];
    for (i, (t, p)) in cases.into_iter().enumerate() {
        let err = bot.resource(&format!("escape{i}"), t, p).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::ForeignNetworkTarget { .. }), "{t}: {text}");
        assert!(text.contains("belongs to stack `chat-network`") && text.contains(t), "{text}");
    }
}

#[test]
fn a_typed_handle_of_the_wrong_kind_is_refused() {
    let app = App::new("chat");
    let mut net = app.stack("network").unwrap();
    let o = objects(&mut net, "10.0.0.0/16");
    let e = net.resource("more", "AWS::EC2::VPCCidrBlock", Props::new().set("VpcId", &o.group)).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidValue { construct, what, .. } if construct == "network/more" && what == "a VPC"),
        "{e}"
    );
    assert!(e.to_string().contains("`VpcId` takes a VPC, and `network/shared` is a security group"), "{e}");
}

#[test]
fn literal_ids_parameters_and_external_handles_are_not_this_stacks_to_change() {
    let app = App::new("chat");
    let mut bot = app.stack("bot").unwrap();
    let legacy = ExternalGroup::from_id("sg-0123456789abcdef0").unwrap();
    let param = bot.string_parameter("vpc", "The VPC to extend", None).unwrap();
    let cases: [(&str, Props); 4] = [
        ("AWS::EC2::VPCCidrBlock", Props::new().set("VpcId", "vpc-0a1b2c3d")),
        ("AWS::EC2::VPCCidrBlock", Props::new().set("VpcId", &param)),
        ("AWS::EC2::VPCCidrBlock", Props::new().set("VpcId", &Vpc::from_id("vpc-0a1b2c3d").unwrap())),
        ("AWS::EC2::SecurityGroupVpcAssociation", Props::new().set("GroupId", &legacy)),
    ];
    for (i, (t, p)) in cases.into_iter().enumerate() {
        let err = bot.resource(&format!("escape{i}"), t, p).unwrap_err();
        assert!(matches!(err, Error::ForeignNetworkTarget { .. }), "{t}: {err}");
        assert!(err.to_string().contains("pass a handle of a"), "{err}");
    }
}

#[test]
fn workloads_still_use_the_shared_network() {
    let app = App::new("chat");
    let mut network = app.stack("network").unwrap();
    let vpc = network
        .vpc("main", VpcSpec::new("10.0.0.0/16").unwrap().subnets(SubnetGroup::isolated("app", 24)))
        .unwrap();
    let bots = network.security_group(&vpc, "bots", "Every bot task").unwrap();
    network.share(&vpc).unwrap();
    network.share(&bots).unwrap();
    let mut bot = app.stack("bot").unwrap();
    let own = bot.security_group(&vpc, "bot", "Tasks of the bot").unwrap();
    let set = bot.group_set("tasks", [&own, &bots]).unwrap();
    let private = vpc.subnets(SubnetKind::Isolated).unwrap();
    bot.resource(
        "fn",
        "AWS::Lambda::Function",
        Props::new().set("VpcConfig", Props::new().set("SecurityGroupIds", &set).set("SubnetIds", &private)),
    )
    .unwrap();
    bot.resource("db", "AWS::RDS::DBSubnetGroup", Props::new().set("SubnetIds", &private)).unwrap();
    bot.resource(
        "nic",
        "AWS::EC2::NetworkInterface",
        Props::new().set("SubnetId", &vpc.subnet("app", 0).unwrap()).set("GroupSet", &set),
    )
    .unwrap();
    bot.resource("targets", "AWS::ElasticLoadBalancingV2::TargetGroup", Props::new().set("VpcId", &vpc))
        .unwrap();
    app.synth().unwrap();
}
