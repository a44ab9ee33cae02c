//! Bad input: each case gets a typed error naming the construct, never a panic and never
//! a silently "fixed" template.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::{App, Error, ExternalGroup, Peer, Port, Props, Role, SecurityGroup, Stack, Vpc, VpcSpec};

/// Asserts an error's whole message: the construct path (or the call) it names, what is
/// wrong and the hint.
#[track_caller]
fn says(e: &Error, expected: &str) {
    assert_eq!(e.to_string(), expected, "{e:?}");
}

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
    says(&e, "Peer::ipv4: `10.0.0.300/8` is not a valid IPv4 CIDR (invalid IP address syntax); write an address and a prefix length, e.g. `10.0.0.0/16`");
    says(&VpcSpec::new("ten/16").unwrap_err(), "VpcSpec::new: `ten/16` is not a valid IPv4 CIDR (invalid IP address syntax); write an address and a prefix length, e.g. `10.0.0.0/16`");
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
    says(
        &VpcSpec::new("10.0.0.1/16").unwrap_err(),
        "VpcSpec::new: `10.0.0.1/16` has host bits set; did you mean `10.0.0.0/16`?",
    );
}

#[test]
fn vpc_prefix_out_of_range() {
    says(&VpcSpec::new("10.0.0.0/15").unwrap_err(), "VpcSpec::new: a VPC CIDR must be between /16 and /28, `10.0.0.0/15` is /15; AWS's largest VPC is a /16; split the range across several VPCs");
    says(&VpcSpec::new("10.0.0.0/29").unwrap_err(), "VpcSpec::new: a VPC CIDR must be between /16 and /28, `10.0.0.0/29` is /29; AWS's smallest VPC is a /28 (16 addresses)");
    assert!(VpcSpec::new("10.0.0.0/28").is_ok());
}

#[test]
fn port_out_of_range_and_reversed() {
    says(
        &"tcp/65536".parse::<Port>().unwrap_err(),
        "Port::from_str: port 65536 is out of range; ports are 0 to 65535",
    );
    says(
        &Port::udp_range(53, 52).unwrap_err(),
        "Port::udp_range: port range 53-52 is reversed; did you mean 52-53?",
    );
}

#[test]
fn invalid_icmp_type_or_code() {
    says(
        &Port::icmp(300, 0).unwrap_err(),
        "Port::icmp: ICMP type 300 code 0 is not valid; types are 0 to 255, or -1 for all",
    );
    // Echo reply has only code 0.
    says(
        &Port::icmp(0, 1).unwrap_err(),
        "Port::icmp: ICMP type 0 code 1 is not valid; type 0 (echo reply) has codes 0 to 0",
    );
    says(&Port::icmpv6(-1, 0).unwrap_err(), "Port::icmpv6: ICMPv6 type -1 code 0 is not valid; a code needs a type: use -1 for both to allow every type");
}

#[test]
fn icmp_with_the_other_family_is_refused() {
    let app = App::new("a");
    let (mut net, _, db) = network(&app);
    let e = net.allow_ingress(&db, Peer::any_ipv6(), Port::PING, "ping").unwrap_err();
    says(&e, "network/chat-db: icmp/8/0 cannot be used with peer ::/0; ICMP goes with IPv4 peers, ICMPv6 with IPv6 peers");
}

#[test]
fn group_name_too_long_bad_characters_or_sg_prefix() {
    let app = App::new("a").environment("production");
    let (mut net, vpc, _) = network(&app);
    let long = "r".repeat(250); // 250 + "-production" > 255
    let e = net.security_group(&vpc, long.as_str(), "d").unwrap_err();
    says(
        &e,
        &format!("network/{long}: group name `{long}-production` is 261 characters long, AWS allows 255; use a shorter role name"),
    );
    let e = net.security_group(&vpc, "web%", "d").unwrap_err();
    says(&e, "network/web%: group name `web%-production` contains `%`, which AWS rejects; use letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*");
    let e = net.security_group(&vpc, "sg-web", "d").unwrap_err();
    says(&e, "network/sg-web: group name `sg-web-production` starts with `sg-`, which AWS reserves for group ids; name the group after its role, e.g. `bots` or `chat-db`");
    let e = net.security_group(&vpc, Role::new("web").environment("prod/eu?"), "d").unwrap_err();
    says(&e, "network/web: group name `web-prod/eu?` contains `?`, which AWS rejects; use letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*");
    // Valid for AWS, but not as a construct id:
    let e = net.security_group(&vpc, "web(eu)", "d").unwrap_err();
    says(&e, "a-network-production: construct id `web(eu)` contains `(`; use 1 to 64 letters, digits or `-`, starting with a letter or digit");
}

#[test]
fn descriptions_too_long_missing_or_with_rejected_characters() {
    let app = App::new("a");
    let (mut net, vpc, db) = network(&app);
    let e = net.security_group(&vpc, "web", &"d".repeat(256)).unwrap_err();
    says(&e, "network/web: group description is 256 characters long, AWS allows 255; shorten it; link to longer documentation instead");
    let e = net.security_group(&vpc, "web", "café tables").unwrap_err();
    says(&e, "network/web: group description contains `é`, which AWS rejects; use letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*");
    let e = net.allow_ingress(&db, Peer::any_ipv4(), Port::POSTGRES, "").unwrap_err();
    says(&e, "network/chat-db: rule description is empty; say why this exists, so a reviewer can tell whether it may go");
    let e = net.allow_ingress(&db, Peer::any_ipv4(), Port::POSTGRES, "reports \"nightly\"").unwrap_err();
    says(
        &e,
        r#"network/chat-db: rule description contains `"`, which AWS rejects; use letters, digits, spaces and ._-:/()#,@[]+=;{}!$*"#,
    );
    let e = net.allow_all_outbound(&db, &"x".repeat(300)).unwrap_err();
    says(&e, "network/chat-db: rule description is 300 characters long, AWS allows 255; shorten it; link to longer documentation instead");
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
    says(&e, "a-network: there is already a construct `chat-db` (a security group) in this stack; give each construct its own id");
    let e = net.resource("main", "AWS::SNS::Topic", Props::new()).unwrap_err();
    says(&e, "a-network: there is already a construct `main` (a VPC) in this stack; give each construct its own id");
    // The same id in another stack is a different construct, but the group name must
    // still be unique in the VPC.
    let mut other = app.stack("other").unwrap();
    let e = other.security_group(&vpc, "chat-db", "Database of another team").unwrap_err();
    says(&e, "other/chat-db: group name `chat-db` is already used in this VPC by `network/chat-db`; group names are unique per VPC, ignoring case, so give this role another name or environment");
    // The apostrophe is no character AWS takes in a group description.
    let e = other
        .security_group(&vpc, Role::new("chat-db").environment("eu"), "Another stack's database")
        .unwrap_err();
    says(&e, "other/chat-db: group description contains `'`, which AWS rejects; use letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*");
    assert!(other
        .security_group(&vpc, Role::new("chat-db").environment("eu"), "Database of the EU shard")
        .is_ok());
}

#[test]
fn duplicate_or_invalid_stack_names() {
    let app = App::new("chat");
    app.stack("network").unwrap();
    says(
        &app.stack("network").err().unwrap(),
        "app `chat`: there is already a stack `chat-network`; give each stack its own id",
    );
    says(&app.stack("bad_stack").err().unwrap(), "app `chat`: construct id `bad_stack` contains `_`; use 1 to 64 letters, digits or `-`, starting with a letter or digit");
    let e = App::new("1chat").stack("network").err().unwrap();
    says(&e, "app `1chat`: stack name `1chat-network` is invalid: stack name `1chat-network` contains `1`; stack names start with a letter and hold only A-Z, a-z, 0-9 and `-`");
    let e = App::new("chat").environment("prod_eu").stack("network").err().unwrap();
    says(&e, "app `chat`: stack name `chat-network-prod_eu` is invalid: stack name `chat-network-prod_eu` contains `_`; stack names start with a letter and hold only A-Z, a-z, 0-9 and `-`");
    let (c, s) = ("c".repeat(100), "s".repeat(40));
    let e = App::new(c.clone()).stack(&s).err().unwrap();
    says(
        &e,
        &format!("app `{c}`: stack name `{c}-{s}` is invalid: stack name `{c}-{s}` is 141 characters long; CloudFormation allows at most 128"),
    );
}

/// The templates of an app, by stack name, as written.
fn templates(app: &App) -> Vec<(String, String)> {
    let assembly = app.synth().unwrap_or_else(|e| panic!("{e}"));
    assembly.stacks().iter().map(|s| (s.name.to_string(), s.template.to_json())).collect()
}

/// The network stack of [`network`], sharing its VPC and group so that other stacks can
/// use them.
fn shared_network(app: &App) -> (Vpc, SecurityGroup) {
    let (mut net, vpc, db) = network(app);
    net.share(&vpc).unwrap();
    net.share(&db).unwrap();
    (vpc, db)
}

#[test]
fn foreign_group_mutation_names_both_stacks_and_the_way_out() {
    let app = App::new("chat");
    let (vpc, db) = shared_network(&app);
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
    says(&e, "chat-bot-trivia: cannot add an ingress rule to `network/chat-db`, which belongs to stack `chat-network`; a stack changes only what it creates. to reach it, give this stack's workloads a group of their own with an egress rule to it, and have the owner admit a shared role group (e.g. `bots`) that they join through a group set");
    let e = bot.allow_egress(&db, Peer::any_ipv4(), Port::HTTPS, "x").unwrap_err();
    says(&e, "chat-bot-trivia: cannot add an egress rule to `network/chat-db`, which belongs to stack `chat-network`; a stack changes only what it creates. create a group in this stack for its workloads and add the egress rule there");
    let e = bot.allow_all_outbound(&db, "x").unwrap_err();
    says(&e, "chat-bot-trivia: cannot add an egress rule to `network/chat-db`, which belongs to stack `chat-network`; a stack changes only what it creates. create a group in this stack for its workloads and add the egress rule there");
    let e = bot.share(&db).unwrap_err();
    says(&e, "chat-bot-trivia: cannot share `network/chat-db`, which belongs to stack `chat-network`; a stack changes only what it creates. only the stack that creates an object can share it");
    let e = bot.share(&vpc).unwrap_err();
    says(&e, "chat-bot-trivia: cannot share `network/main`, which belongs to stack `chat-network`; a stack changes only what it creates. only the stack that creates an object can share it");

    // Nothing was recorded: the network's template is the one it has with no other
    // stack, and the bot's is the one it has without the attempts.
    let alone = App::new("chat");
    shared_network(&alone);
    let calm = App::new("chat");
    let (calm_vpc, _) = shared_network(&calm);
    calm.stack("bot-trivia").unwrap().security_group(&calm_vpc, "bot-trivia", "Trivia bot tasks").unwrap();
    let (after, alone, calm) = (templates(&app), templates(&alone), templates(&calm));
    assert_eq!(
        after.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
        ["chat-network", "chat-bot-trivia"]
    );
    assert_eq!(after[0], alone[0], "the network stack");
    assert_eq!(after, calm, "both stacks");
}

#[test]
fn handles_from_another_app_are_refused() {
    let app1 = App::new("one");
    let (_n1, _vpc1, db1) = network(&app1);
    let app2 = App::new("two");
    let (mut n2, _vpc2, _db2) = network(&app2);
    let e = n2.allow_ingress(&db1, Peer::any_ipv4(), Port::HTTPS, "x").unwrap_err();
    says(&e, "two-network: `network/chat-db` was made by another App; handles cannot cross apps");
}

#[test]
fn duplicate_rule_is_refused_with_the_existing_description() {
    let app = App::new("a");
    let (mut net, _, db) = network(&app);
    net.allow_ingress(&db, Peer::ipv4("10.0.0.0/8").unwrap(), Port::POSTGRES, "office").unwrap();
    let e = net.allow_ingress(&db, Peer::ipv4("10.0.0.0/8").unwrap(), Port::POSTGRES, "vpn").unwrap_err();
    says(&e, "network/chat-db: ingress tcp/5432 from 10.0.0.0/8 is already declared on this group (office); EC2 keeps a single copy, so remove one declaration");
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
    says(&err.errors[0], "chat-bot: uses `network/chat-db` of stack `chat-network`, which `chat-network` does not share; add `network.share(&group)` in the stack that creates it");
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
    // In the order the stacks were declared, each naming its stack, the object and the
    // call that shares it.
    let found: Vec<(&str, &str, &str, &str)> = err
        .errors
        .iter()
        .map(|e| match e {
            Error::NotShared { consumer, object, owner, hint } => {
                (consumer.as_str(), object.as_str(), owner.as_str(), hint.as_str())
            }
            other => panic!("unexpected {other}"),
        })
        .collect();
    let vpc_hint = "add `network.share(&vpc)` in the stack that creates it";
    let db_hint = "add `network.share(&group)` in the stack that creates it";
    assert_eq!(
        found,
        [
            ("chat-a", "network/main", "chat-network", vpc_hint),
            ("chat-a", "network/chat-db", "chat-network", db_hint),
            ("chat-b", "network/main", "chat-network", vpc_hint),
            ("chat-b", "network/chat-db", "chat-network", db_hint),
            ("chat-c", "network/main", "chat-network", vpc_hint),
            ("chat-c", "network/chat-db", "chat-network", db_hint),
        ]
    );
}

#[test]
fn parameters_belong_to_their_stack() {
    let app = App::new("chat");
    let (mut net, vpc, _) = network(&app);
    let legacy = net.group_parameter("legacy", "Group of the legacy monolith").unwrap();
    let mut bot = app.stack("bot").unwrap();
    let own = bot.security_group(&vpc, "bot", "Bot tasks").unwrap();
    let e = bot.allow_egress(&own, Peer::group(&legacy), Port::HTTPS, "monolith").unwrap_err();
    says(&e, "chat-bot: `network/legacy` is a parameter of stack `chat-network` and exists only there; declare the parameter in this stack too, with group_parameter or group_from_ssm");
    says(&bot.group_set("tasks", [&legacy]).unwrap_err(), "chat-bot: `network/legacy` is a parameter of stack `chat-network` and exists only there; declare the parameter in this stack too, with group_parameter or group_from_ssm");
    says(&net.group_from_ssm("x", "not a name!", "d").unwrap_err(), "network/x: `not a name!` is not an SSM parameter name; use letters, digits and _.-/, e.g. `/platform/bots/security-group-id`");
}

#[test]
fn external_ids_are_checked() {
    says(&ExternalGroup::from_id("sg-123").unwrap_err(), "ExternalGroup::from_id: `sg-123` is not a valid security group id; expected `sg-` followed by 8 or 17 lowercase hex digits");
    says(&Vpc::from_id("vpc-ABCDEF12").unwrap_err(), "Vpc::from_id: `vpc-ABCDEF12` is not a valid VPC id; expected `vpc-` followed by 8 or 17 lowercase hex digits");
    says(&Peer::prefix_list("pl-").unwrap_err(), "Peer::prefix_list: `pl-` is not a valid managed prefix list id; expected `pl-` followed by 8 or 17 lowercase hex digits");
}

#[test]
fn group_sets_must_be_real_sets() {
    let app = App::new("chat");
    let (mut net, vpc, db) = network(&app);
    let empty: [&SecurityGroup; 0] = [];
    says(
        &net.group_set("none", empty).unwrap_err(),
        "network/none: has no groups; a workload needs at least its own group",
    );
    says(
        &net.group_set("twice", [&db, &db]).unwrap_err(),
        "network/twice: lists group network/chat-db twice; list each group once",
    );
    let many: Vec<SecurityGroup> =
        (0..17).map(|i| net.security_group(&vpc, format!("g{i}").as_str(), "Many").unwrap()).collect();
    let e = net.group_set("many", &many).unwrap_err();
    says(&e, "network/many: has 17 groups; a network interface takes at most 16; merge roles, or split the workload");
}

#[test]
fn escape_hatch_refuses_network_mutations_and_bad_types() {
    let app = App::new("chat");
    let (mut net, _, _) = network(&app);
    // Each refused type with the typed call to use instead.
    for (ty, hint) in [
        ("AWS::EC2::SecurityGroupIngress", "use Stack::allow_ingress on a group this stack creates"),
        ("AWS::EC2::SecurityGroupEgress", "use Stack::allow_egress on a group this stack creates"),
        ("AWS::EC2::SecurityGroup", "use Stack::security_group"),
        ("AWS::EC2::Route", "VpcSpec's subnet kinds decide the routes"),
        ("AWS::EC2::NetworkAclEntry", "use Stack::nacl_entry on a network ACL this stack creates"),
    ] {
        let e = net.resource("x", ty, Props::new()).unwrap_err();
        says(&e, &format!("network/x: `{ty}` cannot be added through the escape hatch; {hint}"));
    }
    for ty in ["ECS::Service", "AWS::ECS::", "AWS ECS Service", "AWS::ECS::Service::Extra::More"] {
        let e = net.resource("x", ty, Props::new()).unwrap_err();
        says(
            &e,
            &format!("network/x: `{ty}` is not a CloudFormation resource type; write Service::Vendor::Type, e.g. `AWS::ECS::Service`, or `Custom::Name`"),
        );
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
    assert_eq!(err.errors.len(), 1, "{err}");
    says(&err.errors[0], "chat-bot: uses `network/topic` of stack `chat-network`, which `chat-network` does not share; only the `Ref` of another stack's resource can be shared (ResourceHandle::reference); expose attributes through a resource of this stack");
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
            let mut s = match app.stack(&c) {
                Ok(s) => s,
                // Names that make no valid stack: the error names the app.
                Err(e) => {
                    prop_assert!(e.to_string().starts_with(&format!("app `{a}`: ")), "{}", e);
                    return Ok(());
                }
            };
            let vpc = s.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap()).unwrap();
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
    says(&e, "chat-bot: cannot wait for `network/topic`, which belongs to stack `chat-network`; a stack changes only what it creates. DependsOn names resources of the same stack; a stack that imports from another is already deployed after it");
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
    says(&e, "web/ip2: waits for the internet gateway of web/closed, which has none; a VPC gets an internet gateway when it has public subnets");
    let mut other = app.stack("other").unwrap();
    let e = other
        .resource_with(
            "ip3",
            "AWS::EC2::EIP",
            Props::new(),
            Attributes::new().after_internet_gateway(&public),
        )
        .unwrap_err();
    says(&e, "w-other: cannot wait for the internet gateway of `web/main`, which belongs to stack `w-web`; a stack changes only what it creates. DependsOn names resources of the same template");
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
    says(&e, "p-s: logical id `N` is derived for both `s/n` and `s/n-`; rename one of them");
    s.resource("topic", "AWS::SNS::Topic", Props::new()).unwrap();
    assert!(app.synth().is_ok());
}
