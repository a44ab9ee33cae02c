//! Bad input: each case gets a typed error naming the construct, never a panic and never
//! a silently "fixed" template.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::{App, Error, ExternalGroup, Peer, Port, Props, Role, SecurityGroup, Stack, Vpc, VpcSpec};

fn network(app: &App) -> (Stack, Vpc, SecurityGroup) {
    let mut net = app.stack("network").unwrap();
    let vpc = net.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap()).unwrap();
    let db = net.security_group(&vpc, "chat-db", "Chat history PostgreSQL").unwrap();
    (net, vpc, db)
}

#[test]
fn invalid_cidr() {
    let e = Peer::ipv4("10.0.0.300/8").unwrap_err();
    assert!(
        matches!(&e, Error::InvalidCidr { construct, value, .. } if construct == "Peer::ipv4" && value == "10.0.0.300/8"),
        "{e}"
    );
    assert!(matches!(VpcSpec::new("ten/16"), Err(Error::InvalidCidr { .. })));
}

#[test]
fn host_bits_set_gives_the_corrected_value() {
    let e = Peer::ipv4("10.1.2.3/16").unwrap_err();
    assert_eq!(
        e,
        Error::HostBitsSet {
            construct: "Peer::ipv4".into(),
            value: "10.1.2.3/16".into(),
            corrected: "10.1.0.0/16".into()
        }
    );
    assert_eq!(e.to_string(), "Peer::ipv4: `10.1.2.3/16` has host bits set; did you mean `10.1.0.0/16`?");
    assert!(matches!(VpcSpec::new("10.0.0.1/16"), Err(Error::HostBitsSet { .. })));
}

#[test]
fn vpc_prefix_out_of_range() {
    assert!(matches!(VpcSpec::new("10.0.0.0/15"), Err(Error::VpcPrefixOutOfRange { prefix: 15, .. })));
    assert!(matches!(VpcSpec::new("10.0.0.0/29"), Err(Error::VpcPrefixOutOfRange { prefix: 29, .. })));
    assert!(VpcSpec::new("10.0.0.0/28").is_ok());
}

#[test]
fn port_out_of_range_and_reversed() {
    assert!(matches!("tcp/65536".parse::<Port>(), Err(Error::PortOutOfRange { value: 65536, .. })));
    assert!(matches!(Port::udp_range(53, 52), Err(Error::ReversedPortRange { from: 53, to: 52, .. })));
}

#[test]
fn invalid_icmp_type_or_code() {
    assert!(matches!(Port::icmp(300, 0), Err(Error::InvalidIcmp { icmp_type: 300, .. })));
    assert!(matches!(Port::icmp(0, 1), Err(Error::InvalidIcmp { .. })), "echo reply has only code 0");
    assert!(matches!(Port::icmpv6(-1, 0), Err(Error::InvalidIcmp { .. })));
}

#[test]
fn icmp_with_the_other_family_is_refused() {
    let app = App::new("a");
    let (mut net, _, db) = network(&app);
    let e = net.allow_ingress(&db, Peer::any_ipv6(), Port::PING, "ping").unwrap_err();
    assert!(
        matches!(e, Error::ProtocolFamilyMismatch { ref construct, .. } if construct == "network/chat-db"),
        "{e}"
    );
}

#[test]
fn group_name_too_long_bad_characters_or_sg_prefix() {
    let app = App::new("a").environment("production");
    let (mut net, vpc, _) = network(&app);
    let long = "r".repeat(250); // 250 + "-production" > 255
    let e = net.security_group(&vpc, long.as_str(), "d").unwrap_err();
    assert!(
        matches!(&e, Error::InvalidGroupName { problem, .. } if problem.contains("261 characters")),
        "{e}"
    );
    let e = net.security_group(&vpc, "web%", "d").unwrap_err();
    assert!(
        matches!(&e, Error::InvalidGroupName { construct, problem, .. } if construct == "network/web%" && problem.contains('%')),
        "{e}"
    );
    let e = net.security_group(&vpc, "sg-web", "d").unwrap_err();
    assert!(matches!(&e, Error::InvalidGroupName { problem, .. } if problem.contains("sg-")), "{e}");
    let e = net.security_group(&vpc, Role::new("web").environment("prod/eu?"), "d").unwrap_err();
    assert!(matches!(e, Error::InvalidGroupName { .. }), "{e}");
    // Valid for AWS, but not as a construct id:
    let e = net.security_group(&vpc, "web(eu)", "d").unwrap_err();
    assert!(matches!(e, Error::InvalidConstructId { .. }), "{e}");
}

#[test]
fn descriptions_too_long_missing_or_with_rejected_characters() {
    let app = App::new("a");
    let (mut net, vpc, db) = network(&app);
    let e = net.security_group(&vpc, "web", &"d".repeat(256)).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidDescription { construct, what: "group description", .. } if construct == "network/web"),
        "{e}"
    );
    let e = net.security_group(&vpc, "web", "café tables").unwrap_err();
    assert!(matches!(e, Error::InvalidDescription { .. }), "{e}");
    let e = net.allow_ingress(&db, Peer::any_ipv4(), Port::POSTGRES, "").unwrap_err();
    assert!(matches!(e, Error::InvalidDescription { what: "rule description", .. }), "{e}");
    let e = net.allow_ingress(&db, Peer::any_ipv4(), Port::POSTGRES, "reports \"nightly\"").unwrap_err();
    assert!(matches!(e, Error::InvalidDescription { .. }), "{e}");
    let e = net.allow_all_outbound(&db, &"x".repeat(300)).unwrap_err();
    assert!(matches!(e, Error::InvalidDescription { .. }), "{e}");
}

#[test]
fn duplicate_construct_id_in_a_stack() {
    let app = App::new("a");
    let (mut net, vpc, _) = network(&app);
    let e = net.security_group(&vpc, "chat-db", "again").unwrap_err();
    assert_eq!(
        e,
        Error::DuplicateConstruct {
            stack: "a-network".into(),
            id: "chat-db".into(),
            existing: "a security group"
        }
    );
    let e = net.resource("main", "AWS::SNS::Topic", Props::new()).unwrap_err();
    assert!(matches!(e, Error::DuplicateConstruct { existing: "a VPC", .. }), "{e}");
    // The same id in another stack is a different construct, but the group name must
    // still be unique in the VPC.
    let mut other = app.stack("other").unwrap();
    let e = other.security_group(&vpc, "chat-db", "Database of another team").unwrap_err();
    assert!(matches!(&e, Error::DuplicateGroupName { existing, .. } if existing == "network/chat-db"), "{e}");
    assert!(
        other
            .security_group(&vpc, Role::new("chat-db").environment("eu"), "Another stack's database")
            .is_err(),
        "quote rejected"
    );
    assert!(other
        .security_group(&vpc, Role::new("chat-db").environment("eu"), "Database of the EU shard")
        .is_ok());
}

#[test]
fn duplicate_or_invalid_stack_names() {
    let app = App::new("chat");
    app.stack("network").unwrap();
    assert!(matches!(app.stack("network"), Err(Error::DuplicateStack { .. })));
    assert!(matches!(app.stack("bad_stack"), Err(Error::InvalidConstructId { .. })));
    let e = App::new("1chat").stack("network").err().unwrap();
    assert!(matches!(e, Error::InvalidStackName { .. }), "{e}");
    let e = App::new("chat").environment("prod_eu").stack("network").err().unwrap();
    assert!(matches!(e, Error::InvalidStackName { .. }), "{e}");
    let e = App::new("c".repeat(100)).stack(&"s".repeat(40)).err().unwrap();
    assert!(matches!(e, Error::InvalidStackName { .. }), "{e}");
}

#[test]
fn foreign_group_mutation_names_both_stacks_and_the_way_out() {
    let app = App::new("chat");
    let (_net, vpc, db) = network(&app);
    let mut bot = app.stack("bot-trivia").unwrap();
    let own = bot.security_group(&vpc, "bot-trivia", "Trivia bot tasks").unwrap();
    let e = bot.allow_ingress(&db, Peer::group(&own), Port::POSTGRES, "trivia scores").unwrap_err();
    match &e {
        Error::ForeignObject { stack, object, owner, hint, .. } => {
            assert_eq!(stack, "chat-bot-trivia");
            assert_eq!(owner, "chat-network");
            assert_eq!(object, "network/chat-db");
            assert!(hint.contains("egress") && hint.contains("shared role group"), "{hint}");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(matches!(
        bot.allow_egress(&db, Peer::any_ipv4(), Port::HTTPS, "x"),
        Err(Error::ForeignObject { .. })
    ));
    assert!(matches!(bot.allow_all_outbound(&db, "x"), Err(Error::ForeignObject { .. })));
    assert!(matches!(bot.share(&db), Err(Error::ForeignObject { action: "share", .. })));
    assert!(matches!(bot.share(&vpc), Err(Error::ForeignObject { .. })));
    // Nothing was recorded: the network's template is unchanged by the attempts.
    let assembly = app.synth().err().unwrap(); // vpc/db not shared: the bot's own group cannot import
    assert!(assembly.errors.iter().all(|e| matches!(e, Error::NotShared { .. })), "{assembly}");
}

#[test]
fn handles_from_another_app_are_refused() {
    let app1 = App::new("one");
    let (_n1, _vpc1, db1) = network(&app1);
    let app2 = App::new("two");
    let (mut n2, _vpc2, _db2) = network(&app2);
    assert!(matches!(
        n2.allow_ingress(&db1, Peer::any_ipv4(), Port::HTTPS, "x"),
        Err(Error::ForeignApp { .. })
    ));
}

#[test]
fn duplicate_rule_is_refused_with_the_existing_description() {
    let app = App::new("a");
    let (mut net, _, db) = network(&app);
    net.allow_ingress(&db, Peer::ipv4("10.0.0.0/8").unwrap(), Port::POSTGRES, "office").unwrap();
    let e = net.allow_ingress(&db, Peer::ipv4("10.0.0.0/8").unwrap(), Port::POSTGRES, "vpn").unwrap_err();
    assert!(matches!(&e, Error::DuplicateRule { existing, .. } if existing == "office"), "{e}");
    // Same peer, other direction: a different rule.
    assert!(net.allow_egress(&db, Peer::ipv4("10.0.0.0/8").unwrap(), Port::POSTGRES, "replication").is_ok());
}

#[test]
fn using_what_the_owner_does_not_share_says_which_call_to_add() {
    let app = App::new("chat");
    let (mut net, vpc, db) = network(&app);
    net.share(&vpc).unwrap();
    let mut bot = app.stack("bot").unwrap();
    let own = bot.security_group(&vpc, "bot", "Bot tasks").unwrap();
    bot.allow_egress(&own, Peer::group(&db), Port::POSTGRES, "history").unwrap();
    let err = app.synth().unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    match &err.errors[0] {
        Error::NotShared { consumer, object, owner, hint } => {
            assert_eq!(
                (consumer.as_str(), object.as_str(), owner.as_str()),
                ("chat-bot", "network/chat-db", "chat-network")
            );
            assert!(hint.contains("network.share(&group)"), "{hint}");
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn cross_stack_cycle_is_reported_with_its_whole_path() {
    let app = App::new("chat");
    let (mut net, vpc, db) = network(&app);
    net.share(&vpc).unwrap();
    net.share(&db).unwrap();
    let mut bot = app.stack("bot").unwrap();
    let own = bot.security_group(&vpc, "bot", "Bot tasks").unwrap();
    bot.share(&own).unwrap();
    // The classic mistake: the owner admits a consumer's own group.
    net.allow_ingress(&db, Peer::group(&own), Port::POSTGRES, "bot history").unwrap();
    let err = app.synth().unwrap_err();
    let cycles: Vec<_> = err.errors.iter().filter(|e| matches!(e, Error::StackCycle { .. })).collect();
    assert_eq!(cycles.len(), 1, "{err}");
    let Error::StackCycle { path, hint } = cycles[0] else { unreachable!() };
    assert_eq!(path, &["chat-network", "chat-bot", "chat-network"]);
    assert!(
        hint.contains("chat-network imports bot/bot") && hint.contains("chat-bot imports network/main"),
        "{hint}"
    );
}

#[test]
fn synthesis_collects_every_error() {
    let app = App::new("chat");
    let (_net, vpc, db) = network(&app);
    for name in ["a", "b", "c"] {
        let mut s = app.stack(name).unwrap();
        let own = s.security_group(&vpc, name, "Own tasks").unwrap();
        s.allow_egress(&own, Peer::group(&db), Port::POSTGRES, "db").unwrap();
    }
    let err = app.synth().unwrap_err();
    assert_eq!(err.errors.len(), 6, "three stacks, each missing two shares: {err}");
    assert!(err.to_string().starts_with("synthesis found 6 errors:"));
}

#[test]
fn parameters_belong_to_their_stack() {
    let app = App::new("chat");
    let (mut net, vpc, _) = network(&app);
    let legacy = net.group_parameter("legacy", "Group of the legacy monolith").unwrap();
    let mut bot = app.stack("bot").unwrap();
    let own = bot.security_group(&vpc, "bot", "Bot tasks").unwrap();
    let e = bot.allow_egress(&own, Peer::group(&legacy), Port::HTTPS, "monolith").unwrap_err();
    assert!(matches!(e, Error::ParameterOfOtherStack { .. }), "{e}");
    assert!(matches!(bot.group_set("tasks", [&legacy]), Err(Error::ParameterOfOtherStack { .. })));
    assert!(matches!(net.group_from_ssm("x", "not a name!", "d"), Err(Error::InvalidResourceId { .. })));
}

#[test]
fn external_ids_are_checked() {
    assert!(matches!(ExternalGroup::from_id("sg-123"), Err(Error::InvalidResourceId { .. })));
    assert!(matches!(Vpc::from_id("vpc-ABCDEF12"), Err(Error::InvalidResourceId { .. })));
    assert!(matches!(Peer::prefix_list("pl-"), Err(Error::InvalidResourceId { .. })));
}

#[test]
fn group_sets_must_be_real_sets() {
    let app = App::new("chat");
    let (mut net, vpc, db) = network(&app);
    let empty: [&SecurityGroup; 0] = [];
    assert!(matches!(net.group_set("none", empty), Err(Error::InvalidGroupSet { .. })));
    assert!(matches!(net.group_set("twice", [&db, &db]), Err(Error::InvalidGroupSet { .. })));
    let many: Vec<SecurityGroup> =
        (0..17).map(|i| net.security_group(&vpc, format!("g{i}").as_str(), "Many").unwrap()).collect();
    let e = net.group_set("many", &many).unwrap_err();
    assert!(matches!(&e, Error::InvalidGroupSet { problem, .. } if problem.contains("17 groups")), "{e}");
}

#[test]
fn escape_hatch_refuses_network_mutations_and_bad_types() {
    let app = App::new("chat");
    let (mut net, _, _) = network(&app);
    for ty in [
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::Route",
        "AWS::EC2::NetworkAclEntry",
    ] {
        let e = net.resource("x", ty, Props::new()).unwrap_err();
        assert!(matches!(e, Error::NetworkResourceInEscapeHatch { .. }), "{ty}: {e}");
    }
    for ty in ["ECS::Service", "AWS::ECS::", "AWS ECS Service", "AWS::ECS::Service::Extra::More"] {
        let e = net.resource("x", ty, Props::new()).unwrap_err();
        assert!(matches!(e, Error::InvalidResourceType { .. }), "{ty}: {e}");
    }
    assert!(net.resource("topic", "AWS::SNS::Topic", Props::new()).is_ok());
    assert!(net.resource("custom", "Custom::Thing", Props::new()).is_ok());
}

#[test]
fn attributes_of_another_stacks_resource_are_refused() {
    let app = App::new("chat");
    let (mut net, _, _) = network(&app);
    let topic = net.resource("topic", "AWS::SNS::Topic", Props::new()).unwrap();
    net.share(&topic).unwrap();
    let mut bot = app.stack("bot").unwrap();
    bot.resource("sub", "AWS::SNS::Subscription", Props::new().set("TopicArn", topic.attr("TopicArn")))
        .unwrap();
    let err = app.synth().unwrap_err();
    assert!(matches!(&err.errors[..], [Error::NotShared { .. }]), "{err}");
}

mod no_panics {
    //! Arbitrary text anywhere the API takes text: a value or a typed error, never a
    //! panic, and synthesis of whatever was accepted still succeeds.
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,300}",
            "[a-zA-Z0-9 ._:/()#,@+=&;{}!$*'%-]{0,40}",
            "[0-9./:a-f]{0,45}",
            "(tcp|udp|icmp|icmpv6|all|sctp)?/?-?[0-9]{0,7}(-[0-9]{0,7})?(/-?[0-9]{0,4})?",
        ]
    }

    /// Mostly names that pass, so the builder gets deep; sometimes anything.
    fn name() -> impl Strategy<Value = String> {
        prop_oneof![3 => "[a-z][a-z0-9-]{0,12}", 1 => text()]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn value_constructors_never_panic(s in text()) {
            let _ = Peer::ipv4(&s);
            let _ = Peer::ipv6(&s);
            let _ = Peer::prefix_list(&s);
            let _ = s.parse::<Port>();
            let _ = VpcSpec::new(&s);
            let _ = ExternalGroup::from_id(&s);
            let _ = Vpc::from_id(&s);
        }

        #[test]
        fn builders_never_panic(a in name(), b in name(), c in name(), d in text()) {
            let app = App::new(a.clone()).environment(b.clone());
            let Ok(mut s) = app.stack(&c) else { return Ok(()) };
            let Ok(vpc) = s.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap()) else { return Ok(()) };
            if let Ok(g) = s.security_group(&vpc, c.as_str(), &d) {
                let _ = s.allow_ingress(&g, Peer::any_ipv4(), Port::HTTPS, &a);
                let _ = s.allow_all_outbound(&g, &b);
                let _ = s.group_set(&d, [&g]);
            }
            let _ = s.group_parameter(&a, &d);
            let _ = s.group_from_ssm(&b, &c, &d);
            let _ = s.resource(&a, &b, Props::new().set(c.clone(), d.clone()));
            let _ = s.describe(&d);
            let assembly = app.synth();
            prop_assert!(assembly.is_ok(), "{}", assembly.unwrap_err());
        }
    }
}

#[test]
fn resource_attributes_render_and_depend_only_on_the_same_stack() {
    use ringfence::cfn::{Policy, Value};
    use ringfence::Attributes;
    let app = App::new("chat");
    let (mut net, _, _) = network(&app);
    let topic = net.resource("topic", "AWS::SNS::Topic", Props::new()).unwrap();
    let rolling = Value::map().with("AutoScalingRollingUpdate", Value::map().with("MaxBatchSize", 1));
    net.resource_with(
        "queue",
        "AWS::SQS::Queue",
        Props::new(),
        Attributes::new()
            .depends_on(&topic)
            .update_policy(rolling)
            .deletion_policy(Policy::Retain)
            .update_replace_policy(Policy::Retain),
    )
    .unwrap();
    let mut bot = app.stack("bot").unwrap();
    let e = bot
        .resource_with("q", "AWS::SQS::Queue", Props::new(), Attributes::new().depends_on(&topic))
        .unwrap_err();
    assert!(matches!(e, Error::ForeignObject { action: "wait for", .. }), "{e}");
    bot.resource("q", "AWS::SQS::Queue", Props::new()).unwrap();
    let json = app.synth().unwrap().stacks()[0].template.to_json();
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let queue = doc["Resources"].as_object().unwrap().iter().find(|(k, _)| k.starts_with("Queue")).unwrap().1;
    assert_eq!(queue["DependsOn"][0].as_str().unwrap()[..5], *"Topic");
    assert_eq!(queue["UpdatePolicy"]["AutoScalingRollingUpdate"]["MaxBatchSize"], 1);
    assert_eq!(queue["DeletionPolicy"], "Retain");
    assert_eq!(queue["UpdateReplacePolicy"], "Retain");
}

#[test]
fn waiting_for_the_internet_gateway() {
    use ringfence::{Attributes, SubnetGroup};
    let app = App::new("w");
    let mut s = app.stack("web").unwrap();
    let public = s
        .vpc("main", VpcSpec::new("10.0.0.0/16").unwrap().subnets(SubnetGroup::public("public", 24)))
        .unwrap();
    let private = s
        .vpc("closed", VpcSpec::new("10.1.0.0/16").unwrap().subnets(SubnetGroup::isolated("data", 24)))
        .unwrap();
    s.resource_with(
        "ip",
        "AWS::EC2::EIP",
        Props::new().set("Domain", "vpc"),
        Attributes::new().after_internet_gateway(&public),
    )
    .unwrap();
    let e = s
        .resource_with(
            "ip2",
            "AWS::EC2::EIP",
            Props::new(),
            Attributes::new().after_internet_gateway(&private),
        )
        .unwrap_err();
    assert!(matches!(e, Error::InvalidVpc { .. }), "{e}");
    let mut other = app.stack("other").unwrap();
    let e = other
        .resource_with(
            "ip3",
            "AWS::EC2::EIP",
            Props::new(),
            Attributes::new().after_internet_gateway(&public),
        )
        .unwrap_err();
    assert!(matches!(e, Error::ForeignObject { .. }), "{e}");
    other.resource("ip3", "AWS::EC2::EIP", Props::new()).unwrap();
    let json = app.synth().unwrap().stacks()[0].template.to_json();
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let eip = doc["Resources"].as_object().unwrap().iter().find(|(k, _)| k.starts_with("Ip")).unwrap().1;
    assert!(eip["DependsOn"][0].as_str().unwrap().starts_with("MainGatewayAttachment"));
}

#[test]
fn parameter_ids_that_would_collide_are_refused_at_the_call() {
    let app = App::new("p");
    let mut s = app.stack("s").unwrap();
    s.group_parameter("n", "One group").unwrap();
    let e = s.group_from_ssm("n-", "/x/y", "Another group").unwrap_err();
    assert!(matches!(&e, Error::LogicalIdCollision { logical_id, .. } if logical_id == "N"), "{e}");
    s.resource("topic", "AWS::SNS::Topic", Props::new()).unwrap();
    assert!(app.synth().is_ok());
}
