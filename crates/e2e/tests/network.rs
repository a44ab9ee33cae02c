//! The network layer: CIDR planning properties, routing decisions, NACLs, endpoints,
//! flow logs, and the typed errors of bad network input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use ringfence::ipnet::Ipv4Net;
use ringfence::{
    App, Error, FlowLogs, GatewayService, NaclRule, Peer, Port, Props, SubnetGroup, SubnetKind, Vpc, VpcSpec,
};
use serde_json::{json, Value};

fn doc(app: &App, stack: &str) -> Value {
    let assembly = app.synth().unwrap();
    let violations = support::assembly_violations(&assembly);
    assert!(violations.is_empty(), "{violations:#?}");
    support::documents(&assembly).remove(stack).unwrap()
}

fn of_type<'a>(doc: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    doc["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == ty).collect()
}

fn three_kinds() -> VpcSpec {
    VpcSpec::new("10.0.0.0/16")
        .unwrap()
        .azs(2)
        .subnets(SubnetGroup::public("public", 24))
        .subnets(SubnetGroup::private("app", 20))
        .subnets(SubnetGroup::isolated("data", 24))
}

mod planning {
    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    struct Req {
        prefix_offset: u8,
        reserved: bool,
    }

    fn spec_of(vpc_prefix: u8, azs: usize, reqs: &[Req]) -> VpcSpec {
        let mut spec = VpcSpec::new(&format!("10.0.0.0/{vpc_prefix}")).unwrap().azs(azs);
        for (i, r) in reqs.iter().enumerate() {
            let prefix = (vpc_prefix + r.prefix_offset).min(28);
            let name = format!("g{i}");
            spec = spec.subnets(if r.reserved {
                SubnetGroup::reserved(&name, prefix)
            } else {
                SubnetGroup::isolated(&name, prefix)
            });
        }
        spec
    }

    fn planned(vpc: &Vpc, reqs: &[Req]) -> Vec<Option<Vec<Ipv4Net>>> {
        (0..reqs.len())
            .map(|i| {
                if reqs[i].reserved {
                    None
                } else {
                    Some(vpc.subnet_group(&format!("g{i}")).unwrap().cidrs())
                }
            })
            .collect()
    }

    fn reqs() -> impl Strategy<Value = Vec<Req>> {
        prop::collection::vec(
            (1u8..8, prop::bool::weighted(0.2)).prop_map(|(o, r)| Req { prefix_offset: o, reserved: r }),
            1..7,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Every planned subnet is inside the VPC, aligned, of its group's size, one per
        /// AZ; no two overlap; reserved room overlaps nothing either. A request that does
        /// not fit is an error that says what it needs.
        #[test]
        fn plans_are_inside_aligned_and_disjoint(vpc_prefix in 16u8..=24, azs in 1usize..=4, reqs in reqs()) {
            let app = App::new("p");
            let mut s = app.stack("net").unwrap();
            match s.vpc("main", spec_of(vpc_prefix, azs, &reqs)) {
                Ok(vpc) => {
                    let vpc_net = vpc.cidr().unwrap();
                    let all: Vec<Ipv4Net> = planned(&vpc, &reqs).into_iter().flatten().flatten().collect();
                    for (i, group) in planned(&vpc, &reqs).iter().enumerate() {
                        let Some(group) = group else { continue };
                        prop_assert_eq!(group.len(), azs);
                        for net in group {
                            prop_assert!(vpc_net.contains(net), "{} outside {}", net, vpc_net);
                            prop_assert_eq!(net.trunc(), *net, "unaligned");
                            prop_assert_eq!(net.prefix_len(), (vpc_prefix + reqs[i].prefix_offset).min(28));
                        }
                    }
                    for (i, a) in all.iter().enumerate() {
                        for b in &all[i + 1..] {
                            prop_assert!(!a.contains(&b.network()) && !b.contains(&a.network()), "{} overlaps {}", a, b);
                        }
                    }
                }
                Err(Error::SubnetSpaceExhausted { construct, needed, .. }) => {
                    prop_assert!(construct.starts_with("net/main/g"));
                    prop_assert!(needed.starts_with(&format!("{azs} x /")), "{}", needed);
                }
                Err(e) => prop_assert!(false, "unexpected {}", e),
            }
        }

        /// Adding a group at the end, or turning reserved room into a real group of the
        /// same size, leaves every earlier subnet where it was.
        #[test]
        fn adding_groups_moves_no_subnet(vpc_prefix in 16u8..=20, azs in 1usize..=3, reqs in reqs(), extra in 1u8..8) {
            let app = App::new("p");
            let mut s = app.stack("net").unwrap();
            let before = match s.vpc("a", spec_of(vpc_prefix, azs, &reqs)) {
                Ok(vpc) => planned(&vpc, &reqs),
                // Nothing planned, so nothing to move: only the error to check.
                Err(Error::SubnetSpaceExhausted { construct, needed, .. }) => {
                    prop_assert!(construct.starts_with("net/a/g"), "{}", construct);
                    prop_assert!(needed.starts_with(&format!("{azs} x /")), "{}", needed);
                    return Ok(());
                }
                Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
            };
            let mut more = reqs.clone();
            more.push(Req { prefix_offset: extra, reserved: false });
            match s.vpc("b", spec_of(vpc_prefix, azs, &more)) {
                Ok(after) => {
                    let after = planned(&after, &more);
                    prop_assert_eq!(&before[..], &after[..reqs.len()]);
                }
                // The earlier groups fit as before: only the new one can be what fails.
                Err(Error::SubnetSpaceExhausted { construct, .. }) => {
                    prop_assert_eq!(construct, format!("net/b/g{}", reqs.len()));
                }
                Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
            }
            // Reserved groups become real ones: nothing else moves, and they land where
            // the room was kept.
            let filled: Vec<Req> = reqs.iter().map(|r| Req { reserved: false, ..r.clone() }).collect();
            let after = s.vpc("c", spec_of(vpc_prefix, azs, &filled)).unwrap();
            let after = planned(&after, &filled);
            for (b, a) in before.iter().zip(&after) {
                if let Some(b) = b {
                    prop_assert_eq!(Some(b), a.as_ref());
                }
            }
        }
    }

    #[test]
    fn not_fitting_says_how_much_is_needed() {
        let app = App::new("p");
        let mut s = app.stack("net").unwrap();
        let spec = VpcSpec::new("10.0.0.0/24").unwrap().azs(3).subnets(SubnetGroup::isolated("big", 25));
        let e = s.vpc("main", spec).unwrap_err();
        assert_eq!(
            e.to_string(),
            "net/main/big: needs 3 x /25 (384 addresses) but only 256 addresses of the VPC are free; only 2 of the 3 subnets fit; use a longer prefix, fewer AZs or a larger VPC",
        );
    }
}

mod routing {
    use super::*;

    #[test]
    fn each_kind_gets_its_routes() {
        let app = App::new("r");
        let mut s = app.stack("net").unwrap();
        s.vpc("main", three_kinds().nat_gateways(1)).unwrap();
        let d = doc(&app, "r-net");
        assert_eq!(of_type(&d, "AWS::EC2::Subnet").len(), 6);
        assert_eq!(of_type(&d, "AWS::EC2::InternetGateway").len(), 1);
        assert_eq!(of_type(&d, "AWS::EC2::NatGateway").len(), 1);
        // public: one table; app: one per AZ; data: one, with no route.
        assert_eq!(of_type(&d, "AWS::EC2::RouteTable").len(), 4);
        let routes = of_type(&d, "AWS::EC2::Route");
        assert_eq!(routes.len(), 3, "public default + one per private AZ");
        let nat = of_type(&d, "AWS::EC2::NatGateway")[0].0;
        let to_nat: Vec<_> =
            routes.iter().filter(|(_, r)| r["Properties"]["NatGatewayId"] == json!({"Ref": nat})).collect();
        assert_eq!(to_nat.len(), 2, "both AZs use the only NAT gateway");
        let igw_route = routes.iter().find(|(_, r)| r["Properties"].get("GatewayId").is_some()).unwrap().1;
        assert!(igw_route["DependsOn"][0].as_str().unwrap().starts_with("MainGatewayAttachment"));
        let data_rt = of_type(&d, "AWS::EC2::RouteTable")
            .into_iter()
            .find(|(id, _)| id.starts_with("MainDataRouteTable"))
            .unwrap()
            .0;
        assert!(
            routes.iter().all(|(_, r)| r["Properties"]["RouteTableId"] != json!({"Ref": data_rt})),
            "isolated means no route out"
        );
    }

    #[test]
    fn nat_gateways_default_to_one_per_az_in_the_first_public_group() {
        let app = App::new("r");
        let mut s = app.stack("net").unwrap();
        s.vpc("main", three_kinds().azs(3)).unwrap();
        let d = doc(&app, "r-net");
        let nats = of_type(&d, "AWS::EC2::NatGateway");
        assert_eq!(nats.len(), 3);
        for (i, (_, nat)) in nats.iter().enumerate() {
            assert!(nat["Properties"]["SubnetId"]["Ref"]
                .as_str()
                .unwrap()
                .starts_with(&format!("MainPublicSubnet{}", i + 1)));
        }
    }

    #[test]
    fn ipv6_gives_each_subnet_a_64_and_the_right_gateway() {
        let app = App::new("r");
        let mut s = app.stack("net").unwrap();
        s.vpc("main", three_kinds().nat_gateways(2).ipv6()).unwrap();
        let d = doc(&app, "r-net");
        assert_eq!(of_type(&d, "AWS::EC2::VPCCidrBlock").len(), 1);
        assert_eq!(of_type(&d, "AWS::EC2::EgressOnlyInternetGateway").len(), 1);
        let mut ordinals: Vec<i64> = of_type(&d, "AWS::EC2::Subnet")
            .iter()
            .map(|(_, s)| {
                let sel = &s["Properties"]["Ipv6CidrBlock"]["Fn::Select"];
                assert_eq!(sel[1]["Fn::Cidr"][1], 6, "six subnets share the /56");
                assert_eq!(sel[1]["Fn::Cidr"][2], 64);
                assert!(s["DependsOn"][0].as_str().unwrap().starts_with("MainIpv6Block"));
                sel[0].as_i64().unwrap()
            })
            .collect();
        ordinals.sort_unstable();
        assert_eq!(ordinals, [0, 1, 2, 3, 4, 5], "distinct /64s");
        let v6: Vec<_> = of_type(&d, "AWS::EC2::Route")
            .into_iter()
            .filter(|(_, r)| r["Properties"]["DestinationIpv6CidrBlock"] == "::/0")
            .collect();
        assert_eq!(v6.len(), 3, "public via IGW, each private AZ via the egress-only gateway");
        assert_eq!(
            v6.iter().filter(|(_, r)| r["Properties"].get("EgressOnlyInternetGatewayId").is_some()).count(),
            2
        );
    }

    #[test]
    fn named_azs_are_literal_and_reserved_room_creates_nothing() {
        let app = App::new("r");
        let mut s = app.stack("net").unwrap();
        let spec = VpcSpec::new("10.0.0.0/16")
            .unwrap()
            .az_names(["eu-west-1a", "eu-west-1b", "eu-west-1c"])
            .azs(2)
            .subnets(SubnetGroup::reserved("later", 20))
            .subnets(SubnetGroup::isolated("data", 24));
        let vpc = s.vpc("main", spec).unwrap();
        assert_eq!(
            vpc.subnet_group("data").unwrap().cidrs()[0].to_string(),
            "10.0.32.0/24",
            "placed after the room"
        );
        assert!(matches!(vpc.subnet_group("later"), Err(Error::UnknownSubnetGroup { .. })));
        let d = doc(&app, "r-net");
        let azs: Vec<&Value> = of_type(&d, "AWS::EC2::Subnet")
            .iter()
            .map(|(_, s)| &s["Properties"]["AvailabilityZone"])
            .collect();
        assert_eq!(azs, [&json!("eu-west-1a"), &json!("eu-west-1b")]);
        assert!(
            of_type(&d, "AWS::EC2::InternetGateway").is_empty(),
            "no public subnets, no internet gateway"
        );
    }

    #[test]
    fn flow_logs_to_cloudwatch_and_s3() {
        let app = App::new("r");
        let mut s = app.stack("net").unwrap();
        s.vpc("a", three_kinds().flow_logs(FlowLogs::cloudwatch(30))).unwrap();
        s.vpc("b", VpcSpec::new("10.1.0.0/16").unwrap().flow_logs(FlowLogs::s3())).unwrap();
        let d = doc(&app, "r-net");
        let logs = of_type(&d, "AWS::EC2::FlowLog");
        assert_eq!(logs.len(), 2);
        assert_eq!(logs[0].1["Properties"]["LogDestinationType"], "cloud-watch-logs");
        assert_eq!(logs[1].1["Properties"]["LogDestinationType"], "s3");
        let role = of_type(&d, "AWS::IAM::Role")[0].1;
        assert_eq!(
            role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
            "vpc-flow-logs.amazonaws.com"
        );
        assert_eq!(of_type(&d, "AWS::S3::Bucket")[0].1["DeletionPolicy"], "Retain");
        let mut other = app.stack("bad").unwrap();
        let e = other
            .vpc("c", VpcSpec::new("10.2.0.0/16").unwrap().flow_logs(FlowLogs::cloudwatch(10)))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidVpc { .. }), "{e}");
    }
}

mod sharing {
    use super::*;

    #[test]
    fn other_stacks_select_subnets_by_kind_through_imports() {
        let app = App::new("x");
        let mut net = app.stack("net").unwrap();
        let vpc = net.vpc("main", three_kinds()).unwrap();
        net.share(&vpc).unwrap();
        let mut svc = app.stack("svc").unwrap();
        svc.resource(
            "lb",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            Props::new().set("Subnets", &vpc.subnets(SubnetKind::Public).unwrap()),
        )
        .unwrap();
        let d = doc(&app, "x-svc");
        assert_eq!(
            d["Resources"].as_object().unwrap().values().next().unwrap()["Properties"]["Subnets"],
            json!([{"Fn::ImportValue": "x-net:main-public-1:SubnetId"}, {"Fn::ImportValue": "x-net:main-public-2:SubnetId"}])
        );
        // The owner exports every subnet, whether or not anybody imports it.
        let owner = doc(&app, "x-net");
        assert_eq!(support::exports(&owner).len(), 7);
    }

    #[test]
    fn one_subnet_for_single_subnet_properties() {
        let app = App::new("x");
        let mut net = app.stack("net").unwrap();
        let vpc = net.vpc("main", three_kinds()).unwrap();
        net.share(&vpc).unwrap();
        let second = vpc.subnet("public", 1).unwrap();
        assert_eq!(second.cidr().unwrap().to_string(), "10.0.1.0/24");
        assert!(matches!(vpc.subnet("public", 2), Err(Error::InvalidVpc { .. })));
        assert!(matches!(vpc.subnet("nope", 0), Err(Error::UnknownSubnetGroup { .. })));
        net.resource("here", "AWS::EC2::Instance", Props::new().set("SubnetId", &second)).unwrap();
        let mut web = app.stack("web").unwrap();
        let cert = web.string_parameter("certificate", "ARN of the site certificate", None).unwrap();
        web.resource(
            "there",
            "AWS::EC2::Instance",
            Props::new()
                .set("SubnetId", &second)
                .set("Tags", vec![Props::new().set("Key", "cert").set("Value", &cert)]),
        )
        .unwrap();
        let here = doc(&app, "x-net");
        let instance = of_type(&here, "AWS::EC2::Instance")[0].1;
        assert!(instance["Properties"]["SubnetId"]["Ref"].as_str().unwrap().starts_with("MainPublicSubnet2"));
        let there = doc(&app, "x-web");
        let instance = of_type(&there, "AWS::EC2::Instance")[0].1;
        assert_eq!(
            instance["Properties"]["SubnetId"],
            json!({"Fn::ImportValue": "x-net:main-public-2:SubnetId"})
        );
        assert_eq!(instance["Properties"]["Tags"][0]["Value"], json!({"Ref": "Certificate"}));
        assert_eq!(
            there["Parameters"]["Certificate"],
            json!({"Type": "String", "Description": "ARN of the site certificate"})
        );
    }

    #[test]
    fn subnets_of_an_unshared_vpc_are_an_error() {
        let app = App::new("x");
        let mut net = app.stack("net").unwrap();
        let vpc = net.vpc("main", three_kinds()).unwrap();
        let mut svc = app.stack("svc").unwrap();
        svc.resource(
            "db",
            "AWS::RDS::DBSubnetGroup",
            Props::new().set("SubnetIds", &vpc.subnet_group("data").unwrap()),
        )
        .unwrap();
        let err = app.synth().unwrap_err();
        assert!(err.errors.iter().all(|e| matches!(e, Error::NotShared { .. })), "{err}");
        assert_eq!(err.errors.len(), 2, "one per subnet: {err}");
    }
}

mod nacls {
    use super::*;

    #[test]
    fn allow_with_return_adds_the_return_entry() {
        let app = App::new("n");
        let mut s = app.stack("net").unwrap();
        let vpc = s.vpc("main", three_kinds()).unwrap();
        let acl = s.network_acl(&vpc, "data-acl").unwrap();
        s.associate_nacl(&acl, &vpc.subnet_group("data").unwrap()).unwrap();
        let app_net = vpc.subnet_group("app").unwrap().peers();
        s.nacl_allow_with_return(
            &acl,
            NaclRule::allow_in(100, app_net[0].clone(), Port::POSTGRES, "App to database"),
        )
        .unwrap();
        s.nacl_allow_with_return(
            &acl,
            NaclRule::allow_out(200, Peer::ipv4("10.0.0.0/16").unwrap(), Port::PING, "Probes"),
        )
        .unwrap();
        s.nacl_entry(
            &acl,
            NaclRule::deny_in(32766, Peer::any_ipv6(), Port::ALL_TRAFFIC, "Nothing over IPv6"),
        )
        .unwrap();
        let d = doc(&app, "n-net");
        let entries: Vec<Value> =
            of_type(&d, "AWS::EC2::NetworkAclEntry").iter().map(|(_, e)| e["Properties"].clone()).collect();
        let strip = |v: &Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("NetworkAclId");
            v
        };
        let got: Vec<Value> = entries.iter().map(strip).collect();
        assert_eq!(
            got,
            [
                json!({"RuleNumber": 100, "Egress": false, "RuleAction": "allow", "Protocol": 6, "CidrBlock": "10.0.16.0/20", "PortRange": {"From": 5432, "To": 5432}}),
                json!({"RuleNumber": 100, "Egress": true, "RuleAction": "allow", "Protocol": 6, "CidrBlock": "10.0.16.0/20", "PortRange": {"From": 1024, "To": 65535}}),
                json!({"RuleNumber": 200, "Egress": true, "RuleAction": "allow", "Protocol": 1, "CidrBlock": "10.0.0.0/16", "Icmp": {"Type": 8, "Code": 0}}),
                json!({"RuleNumber": 200, "Egress": false, "RuleAction": "allow", "Protocol": 1, "CidrBlock": "10.0.0.0/16", "Icmp": {"Type": 0, "Code": 0}}),
                json!({"RuleNumber": 32766, "Egress": false, "RuleAction": "deny", "Protocol": -1, "Ipv6CidrBlock": "::/0"}),
            ]
        );
        let first = of_type(&d, "AWS::EC2::NetworkAclEntry")[1].1;
        assert_eq!(first["Metadata"]["Description"], "Return traffic: App to database");
        assert_eq!(of_type(&d, "AWS::EC2::SubnetNetworkAclAssociation").len(), 2);
    }

    #[test]
    fn a_second_flow_to_the_same_peer_reuses_the_return_entry() {
        let app = App::new("n");
        let mut s = app.stack("net").unwrap();
        let vpc = s.vpc("main", three_kinds()).unwrap();
        let acl = s.network_acl(&vpc, "acl").unwrap();
        let peer = Peer::ipv4("10.0.16.0/20").unwrap();
        s.nacl_allow_with_return(&acl, NaclRule::allow_in(100, peer.clone(), Port::POSTGRES, "db")).unwrap();
        s.nacl_allow_with_return(&acl, NaclRule::allow_in(110, peer, Port::REDIS, "cache")).unwrap();
        let d = doc(&app, "n-net");
        let numbers: Vec<(i64, bool)> = of_type(&d, "AWS::EC2::NetworkAclEntry")
            .iter()
            .map(|(_, e)| {
                (
                    e["Properties"]["RuleNumber"].as_i64().unwrap(),
                    e["Properties"]["Egress"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(numbers, [(100, false), (100, true), (110, false)]);
        let report = ringfence::analyze::analyze(&app.synth().unwrap().suite());
        assert!(report.of("RF501").is_empty() && report.of("RF502").is_empty(), "{:?}", report.findings);
    }

    #[test]
    fn rule_numbers_out_of_range_or_duplicated_are_errors() {
        let app = App::new("n");
        let mut s = app.stack("net").unwrap();
        let vpc = s.vpc("main", three_kinds()).unwrap();
        let acl = s.network_acl(&vpc, "acl").unwrap();
        let any = Peer::any_ipv4();
        for n in [0, 32767, 40000] {
            let e = s.nacl_entry(&acl, NaclRule::allow_in(n, any.clone(), Port::HTTPS, "x")).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidNaclEntry { problem, .. } if problem.contains("out of range")),
                "{e}"
            );
        }
        s.nacl_entry(&acl, NaclRule::allow_in(100, any.clone(), Port::HTTPS, "web")).unwrap();
        let e = s.nacl_entry(&acl, NaclRule::deny_in(100, any.clone(), Port::SSH, "no ssh")).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidNaclEntry { problem, .. } if problem.contains("already used")),
            "{e}"
        );
        s.nacl_entry(
            &acl,
            NaclRule::allow_out(100, any.clone(), Port::HTTPS, "same number, other direction"),
        )
        .unwrap();
        // The return entry would collide: nothing is added.
        let e = s
            .nacl_allow_with_return(&acl, NaclRule::allow_out(100, any.clone(), Port::HTTP, "x"))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidNaclEntry { .. }), "{e}");
        let e = s
            .nacl_entry(
                &acl,
                NaclRule::allow_in(300, Peer::prefix_list("pl-63a5400a").unwrap(), Port::HTTPS, "x"),
            )
            .unwrap_err();
        assert!(matches!(e, Error::InvalidNaclEntry { .. }), "{e}");
        let e = s.nacl_allow_with_return(&acl, NaclRule::deny_in(400, any, Port::HTTPS, "x")).unwrap_err();
        assert!(matches!(e, Error::InvalidNaclEntry { .. }), "{e}");
    }

    #[test]
    fn another_stacks_subnets_cannot_get_a_nacl_or_routes() {
        let app = App::new("n");
        let mut net = app.stack("net").unwrap();
        let vpc = net.vpc("main", three_kinds()).unwrap();
        net.share(&vpc).unwrap();
        let mut other = app.stack("other").unwrap();
        let e = other.network_acl(&vpc, "mine").unwrap_err();
        assert!(
            matches!(&e, Error::ForeignObject { owner, stack, .. } if owner == "n-net" && stack == "n-other"),
            "{e}"
        );
        let acl = net.network_acl(&vpc, "acl").unwrap();
        let e = other.associate_nacl(&acl, &vpc.subnet_group("data").unwrap()).unwrap_err();
        assert!(matches!(e, Error::ForeignObject { .. }), "{e}");
        let e =
            other.nacl_entry(&acl, NaclRule::allow_in(1, Peer::any_ipv4(), Port::HTTPS, "x")).unwrap_err();
        assert!(matches!(e, Error::ForeignObject { .. }), "{e}");
        let e =
            other.gateway_endpoint("s3", GatewayService::S3, &vpc.subnet_group("app").unwrap()).unwrap_err();
        assert!(matches!(e, Error::ForeignObject { .. }), "{e}");
        net.associate_nacl(&acl, &vpc.subnet_group("data").unwrap()).unwrap();
        let second = net.network_acl(&vpc, "second").unwrap();
        let e = net.associate_nacl(&second, &vpc.subnet_group("data").unwrap()).unwrap_err();
        assert!(matches!(e, Error::InvalidNaclEntry { .. }), "one NACL per subnet: {e}");
    }
}

mod endpoints {
    use super::*;

    #[test]
    fn interface_endpoint_has_its_own_group_admitting_chosen_groups() {
        let app = App::new("e");
        let mut net = app.stack("net").unwrap();
        let vpc = net.vpc("main", three_kinds()).unwrap();
        let tasks = net.security_group(&vpc, "tasks", "Tasks").unwrap();
        net.share(&vpc).unwrap();
        net.gateway_endpoint("s3", GatewayService::S3, &vpc.subnet_group("app").unwrap()).unwrap();
        let group = net
            .interface_endpoint("ecr-api", "ecr.api", &vpc.subnet_group("app").unwrap(), [&tasks])
            .unwrap();
        assert_eq!(group.name(), "ecr-api-endpoint");
        let d = doc(&app, "e-net");
        let eps = of_type(&d, "AWS::EC2::VPCEndpoint");
        assert_eq!(
            eps[0].1["Properties"]["RouteTableIds"].as_array().unwrap().len(),
            2,
            "one table per app AZ"
        );
        let p = &eps[1].1["Properties"];
        assert_eq!(p["ServiceName"], json!({"Fn::Sub": "com.amazonaws.${AWS::Region}.ecr.api"}));
        assert_eq!(p["PrivateDnsEnabled"], true);
        assert_eq!(p["SubnetIds"].as_array().unwrap().len(), 2);
        let rules = of_type(&d, "AWS::EC2::SecurityGroupIngress");
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].1["Properties"]["FromPort"], 443);
        let e = net
            .interface_endpoint("logs", "logs", &vpc.subnet_group("public").unwrap(), [&tasks])
            .unwrap_err();
        assert!(matches!(e, Error::InvalidVpc { .. }), "{e}");
        let e = net
            .interface_endpoint("bad", "ECR API", &vpc.subnet_group("app").unwrap(), [&tasks])
            .unwrap_err();
        assert!(matches!(&e, Error::InvalidValue { what, .. } if what == "an endpoint service name"), "{e}");
    }
}

mod bad_input {
    use super::*;

    fn vpc_err(spec: VpcSpec) -> Error {
        App::new("b").stack("net").unwrap().vpc("main", spec).unwrap_err()
    }

    #[test]
    fn az_count_zero_or_more_than_named() {
        let e = vpc_err(VpcSpec::new("10.0.0.0/16").unwrap().azs(0));
        assert!(
            matches!(&e, Error::InvalidVpc { construct, problem, .. } if construct == "net/main" && problem.contains("0 AZs")),
            "{e}"
        );
        let e = vpc_err(VpcSpec::new("10.0.0.0/16").unwrap().az_names(["eu-west-1a"]).azs(2));
        assert!(matches!(&e, Error::InvalidVpc { problem, .. } if problem.contains("names only 1")), "{e}");
        let e = vpc_err(VpcSpec::new("10.0.0.0/16").unwrap().az_names(["EU west"]));
        assert!(matches!(e, Error::InvalidVpc { .. }), "{e}");
    }

    #[test]
    fn explicit_subnets_outside_or_overlapping() {
        let base = || VpcSpec::new("10.0.0.0/16").unwrap().azs(2);
        let e = vpc_err(base().subnets(SubnetGroup::isolated("x", 24).cidrs(["10.0.0.0/24", "10.9.0.0/24"])));
        assert!(matches!(&e, Error::SubnetOutsideVpc { cidr, .. } if cidr == "10.9.0.0/24"), "{e}");
        let e = vpc_err(
            base()
                .subnets(SubnetGroup::isolated("x", 24).cidrs(["10.0.0.0/24", "10.0.1.0/24"]))
                .subnets(SubnetGroup::isolated("y", 23).cidrs(["10.0.0.0/23", "10.0.2.0/23"])),
        );
        assert!(matches!(&e, Error::SubnetOverlap { other_group, .. } if other_group == "net/main/x"), "{e}");
        let e = vpc_err(base().subnets(SubnetGroup::isolated("x", 24).cidrs(["10.0.0.1/24", "10.0.1.0/24"])));
        assert!(matches!(&e, Error::HostBitsSet { corrected, .. } if corrected == "10.0.0.0/24"), "{e}");
        let e = vpc_err(base().subnets(SubnetGroup::isolated("x", 24).cidrs(["10.0.0.0/24"])));
        assert!(matches!(e, Error::SubnetCount { given: 1, azs: 2, .. }), "{e}");
        let e = vpc_err(base().subnets(SubnetGroup::isolated("x", 29)));
        assert!(matches!(e, Error::InvalidSubnetPrefix { prefix: 29, .. }), "{e}");
    }

    #[test]
    fn nat_without_public_subnets_and_other_routing_mistakes() {
        let base = || VpcSpec::new("10.0.0.0/16").unwrap();
        let e = vpc_err(base().subnets(SubnetGroup::isolated("data", 24)).nat_gateways(1));
        assert!(
            matches!(&e, Error::InvalidVpc { problem, .. } if problem.contains("no public subnets")),
            "{e}"
        );
        let e = vpc_err(base().subnets(SubnetGroup::private("app", 24)));
        assert!(
            matches!(&e, Error::InvalidVpc { problem, .. } if problem.contains("no public subnets")),
            "{e}"
        );
        let e = vpc_err(
            base()
                .subnets(SubnetGroup::public("p", 24))
                .subnets(SubnetGroup::private("app", 24))
                .nat_gateways(0),
        );
        assert!(matches!(&e, Error::InvalidVpc { problem, .. } if problem.contains("no NAT")), "{e}");
        let e = vpc_err(
            base()
                .subnets(SubnetGroup::public("p", 24))
                .subnets(SubnetGroup::private("a", 24))
                .nat_gateways(3),
        );
        assert!(
            matches!(&e, Error::InvalidVpc { problem, .. } if problem.contains("3 NAT gateways in 2 AZs")),
            "{e}"
        );
        let e = vpc_err(base().subnets(SubnetGroup::isolated("data", 24).map_public_ip_on_launch()));
        assert!(matches!(e, Error::InvalidVpc { .. }), "{e}");
        let e = vpc_err(
            base().subnets(SubnetGroup::isolated("data", 24)).subnets(SubnetGroup::isolated("data", 24)),
        );
        assert!(matches!(e, Error::InvalidVpc { .. }), "{e}");
        let e = vpc_err(base().subnets(SubnetGroup::isolated("bad name", 24)));
        assert!(matches!(e, Error::InvalidConstructId { .. }), "{e}");
    }

    #[test]
    fn escape_hatch_refuses_network_layer_types() {
        let app = App::new("b");
        let mut s = app.stack("net").unwrap();
        for ty in [
            "AWS::EC2::Subnet",
            "AWS::EC2::RouteTable",
            "AWS::EC2::NetworkAcl",
            "AWS::EC2::VPCEndpoint",
            "AWS::EC2::SubnetNetworkAclAssociation",
        ] {
            assert!(
                matches!(s.resource("x", ty, Props::new()), Err(Error::NetworkResourceInEscapeHatch { .. })),
                "{ty}"
            );
        }
    }

    #[test]
    fn unknown_subnet_groups_list_the_real_ones() {
        let app = App::new("b");
        let mut s = app.stack("net").unwrap();
        let vpc = s.vpc("main", three_kinds()).unwrap();
        let e = vpc.subnet_group("db").unwrap_err();
        assert_eq!(e.to_string(), "net/main: has no subnet group `db`; it has `public` (public), `app` (private), `data` (isolated)");
        assert!(Vpc::from_id("vpc-0a1b2c3d").unwrap().subnets(SubnetKind::Private).is_err());
    }
}
