//! The quota and subnet checks (RF401, RF402, RF403, RF601, RF602, RF603) on minimal
//! templates: each fires on exactly the resource (and property path) it is about, and
//! the nearest template that keeps within the rule gives no finding.
//!
//! The expected findings are written from AWS's quotas and the checks' summaries in
//! `CHECKS`, not from the code: 60 rules per group, direction and address family; 5
//! groups per interface (16 at most); 500 resources, 200 outputs and 200 parameters per
//! template.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence_analyze::{analyze, Finding, Severity, Suite};
use ringfence_cfn::Template;

/// A suite of `(stack, yaml)` templates.
fn suite(templates: &[(&str, &str)]) -> Suite {
    let mut suite = Suite::new();
    for (stack, yaml) in templates {
        let t = Template::from_yaml(yaml).unwrap_or_else(|e| panic!("{stack}: {e}\n{yaml}"));
        suite.add(stack, &format!("{stack}.yaml"), t);
    }
    suite
}

/// The findings of `check` (active ones) in the suite of one template `net`.
fn of(yaml: &str, check: &str) -> Vec<Finding> {
    of_suite(&suite(&[("net", yaml)]), check)
}

fn of_suite(suite: &Suite, check: &str) -> Vec<Finding> {
    analyze(suite).of(check).into_iter().cloned().collect()
}

/// Where each finding is: `(template, logical id, path)`.
fn at(findings: &[Finding]) -> Vec<(&str, &str, &str)> {
    findings.iter().map(|f| (f.template.as_str(), f.logical_id.as_str(), f.path.as_str())).collect()
}

// ---------------------------------------------------------------------------------------
// RF401: rules per group, per direction and address family.

/// `n` distinct inline rules (YAML flow maps) to IPv4 ranges, IPv6 ranges or a group.
fn rules(family: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match family {
            "v4" => format!("{{ IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.{}.{}.0/24, Description: d }}", i / 256, i % 256),
            "v6" => format!("{{ IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIpv6: '2001:db8:{i:x}::/48', Description: d }}"),
            "group" => format!("{{ IpProtocol: tcp, FromPort: {p}, ToPort: {p}, SourceSecurityGroupId: !Ref Peer, Description: d }}", p = 1000 + i),
            other => panic!("{other}"),
        })
        .collect()
}

/// Group `G` with the given inline ingress and egress rules, next to group `Peer` that
/// has a few rules of each kind (and must never be reported).
fn rule_template(ingress: &[String], egress: &[String]) -> String {
    let list = |items: &[String]| {
        if items.is_empty() {
            " []\n".to_owned()
        } else {
            items.iter().map(|r| format!("\n        - {r}")).collect::<String>() + "\n"
        }
    };
    let few = [rules("v4", 3), rules("v6", 3)].concat();
    format!(
        "Resources:\n  Peer:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: peer\n      SecurityGroupIngress:{}      SecurityGroupEgress:{}  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:{}      SecurityGroupEgress:{}",
        list(&few),
        list(&few),
        list(ingress),
        list(egress),
    )
}

#[test]
fn rf401_sixty_rules_are_fine_sixty_one_are_reported_on_the_group() {
    let within = rule_template(&rules("v4", 60), &rules("v4", 60));
    assert!(of(&within, "RF401").is_empty(), "60 is the quota, not over it");

    let over = rule_template(&rules("v4", 61), &[]);
    let found = of(&over, "RF401");
    assert_eq!(at(&found), [("net", "G", "Properties")]);
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(found[0].message.contains("61 ingress rules"), "{}", found[0].message);

    let over = rule_template(&[], &rules("v6", 61));
    let found = of(&over, "RF401");
    assert_eq!(at(&found), [("net", "G", "Properties")]);
    assert!(found[0].message.contains("61 egress rules"), "{}", found[0].message);
}

#[test]
fn rf401_counts_each_direction_and_address_family_apart() {
    // 60 + 60 in each direction: 240 rules, none over the quota of its own count.
    let v4_and_v6 = [rules("v4", 60), rules("v6", 60)].concat();
    assert!(of(&rule_template(&v4_and_v6, &v4_and_v6), "RF401").is_empty());
    // A rule naming a group counts in both families: 1 + 60 IPv4 (or IPv6) is 61.
    for family in ["v4", "v6"] {
        let mixed = [rules("group", 1), rules(family, 60)].concat();
        let found = of(&rule_template(&mixed, &[]), "RF401");
        assert_eq!(at(&found), [("net", "G", "Properties")], "{family}");
        assert!(found[0].message.contains("61 ingress rules"), "{}", found[0].message);
    }
}

#[test]
fn rf401_standalone_rules_count_on_the_group_they_change() {
    // 30 inline and 31 standalone ingress rules: 61 on G, reported on G (not a rule).
    let mut yaml = rule_template(&rules("v4", 30), &[]);
    for i in 0..31 {
        yaml.push_str(&format!(
            "  In{i}:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {{ GroupId: !Ref G, IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 192.168.{i}.0/24, Description: d }}\n"
        ));
    }
    assert_eq!(at(&of(&yaml, "RF401")), [("net", "G", "Properties")]);
    // One standalone rule fewer: 60.
    let within = yaml.split("  In30:").next().unwrap();
    assert!(of(within, "RF401").is_empty());
}

// ---------------------------------------------------------------------------------------
// RF402: groups per network interface.

/// Groups `G0`..`G16`, instance `Small` in 5 of them and instance `Big` in the first `n`.
fn workload_template(n: usize) -> String {
    let mut yaml = String::from("Resources:\n");
    for g in 0..17 {
        yaml.push_str(&format!(
            "  G{g}:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {{ GroupDescription: role {g}, SecurityGroupEgress: [] }}\n"
        ));
    }
    let refs = |n: usize| (0..n).map(|g| format!("!Ref G{g}")).collect::<Vec<_>>().join(", ");
    yaml.push_str(&format!(
        "  Small:\n    Type: AWS::EC2::Instance\n    Properties: {{ ImageId: ami-0abcdef0, SecurityGroupIds: [{}] }}\n",
        refs(5)
    ));
    yaml.push_str(&format!(
        "  Big:\n    Type: AWS::EC2::Instance\n    Properties: {{ ImageId: ami-0abcdef0, SecurityGroupIds: [{}] }}\n",
        refs(n)
    ));
    yaml
}

#[test]
fn rf402_five_groups_are_fine_six_are_a_warning_seventeen_an_error() {
    assert!(of(&workload_template(5), "RF402").is_empty(), "5 is the default quota");

    let found = of(&workload_template(6), "RF402");
    assert_eq!(at(&found), [("net", "Big", "Properties")]);
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(found[0].message.contains("joins 6 groups"), "{}", found[0].message);

    // 16 is the highest quota AWS grants: still only over the default.
    let found = of(&workload_template(16), "RF402");
    assert_eq!(at(&found), [("net", "Big", "Properties")]);
    assert_eq!(found[0].severity, Severity::Warning);

    // 17 cannot be deployed at all.
    let found = of(&workload_template(17), "RF402");
    assert_eq!(at(&found), [("net", "Big", "Properties")]);
    assert_eq!(found[0].severity, Severity::Error);
    assert!(found[0].message.contains("joins 17 groups"), "{}", found[0].message);
}

#[test]
fn rf402_reads_the_groups_of_an_ecs_service() {
    let service = |n: usize| {
        let mut yaml = workload_template(0).replace("  Small:", "  Unused:");
        let refs = (0..n).map(|g| format!("!Ref G{g}")).collect::<Vec<_>>().join(", ");
        yaml.push_str(&format!(
            "  Tasks:\n    Type: AWS::ECS::Service\n    Properties:\n      NetworkConfiguration:\n        AwsvpcConfiguration: {{ SecurityGroups: [{refs}], Subnets: [subnet-0abc1234] }}\n"
        ));
        yaml
    };
    let found = of(&service(6), "RF402");
    // `Unused` is an instance in 5 groups and `Big` one in none: only the service.
    assert_eq!(at(&found), [("net", "Tasks", "Properties")]);
    assert!(of(&service(5), "RF402").is_empty());
}

// ---------------------------------------------------------------------------------------
// RF403: template quotas (counts; the byte-size quotas are measured elsewhere).

/// RF403 findings about the count of `what` (resources, outputs, parameters), so that a
/// large template's byte size, which RF403 also reports, does not count here.
fn count_findings<'f>(found: &'f [Finding], what: &str) -> Vec<&'f Finding> {
    found.iter().filter(|f| f.message.contains(&format!(" {what};"))).collect()
}

/// A template of `n` resources (topics: not network objects, so no other check cares).
fn topics(n: usize) -> String {
    let mut yaml = String::from("Resources:\n");
    for i in 0..n {
        yaml.push_str(&format!("  T{i}: {{ Type: AWS::SNS::Topic }}\n"));
    }
    yaml
}

#[test]
fn rf403_five_hundred_resources_are_fine_five_hundred_and_one_are_an_error_on_that_template() {
    let small = topics(3);
    let at_quota = topics(500);
    let found = of_suite(&suite(&[("small", &small), ("big", &at_quota)]), "RF403");
    assert!(count_findings(&found, "resources").is_empty(), "{found:?}");

    let over = topics(501);
    let found = of_suite(&suite(&[("small", &small), ("big", &over)]), "RF403");
    let counts = count_findings(&found, "resources");
    assert_eq!(counts.len(), 1, "{found:?}");
    let f = counts[0];
    // About the whole template: no resource, no path.
    assert_eq!(
        (f.template.as_str(), f.source.as_str(), f.logical_id.as_str(), f.path.as_str()),
        ("big", "big.yaml", "", "")
    );
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("501 resources") && f.message.contains("500"), "{}", f.message);
}

#[test]
fn rf403_outputs_and_parameters_over_two_hundred() {
    let with = |outputs: usize, parameters: usize| {
        let mut yaml = String::from("Parameters:\n");
        for i in 0..parameters {
            yaml.push_str(&format!("  P{i}: {{ Type: String, Default: x }}\n"));
        }
        yaml.push_str("Resources:\n  T: { Type: AWS::SNS::Topic }\nOutputs:\n");
        for i in 0..outputs {
            yaml.push_str(&format!("  O{i}: {{ Value: !Ref T }}\n"));
        }
        yaml.replace("Parameters:\nResources:", "Resources:")
    };
    let found = of(&with(200, 200), "RF403");
    assert!(
        count_findings(&found, "outputs").is_empty() && count_findings(&found, "parameters").is_empty(),
        "{found:?}"
    );

    let found = of(&with(201, 200), "RF403");
    assert_eq!(count_findings(&found, "outputs").len(), 1, "{found:?}");
    assert!(count_findings(&found, "parameters").is_empty(), "{found:?}");
    assert!(count_findings(&found, "outputs")[0].message.contains("201 outputs"));

    let found = of(&with(200, 201), "RF403");
    assert!(count_findings(&found, "outputs").is_empty(), "{found:?}");
    assert_eq!(count_findings(&found, "parameters").len(), 1, "{found:?}");
    assert!(count_findings(&found, "parameters")[0].message.contains("201 parameters"));
}

// ---------------------------------------------------------------------------------------
// RF601: overlapping subnets of one VPC.

fn subnets(vpc_of_b: &str, a: &str, b: &str) -> String {
    format!(
        "Resources:
  Vpc: {{ Type: AWS::EC2::VPC, Properties: {{ CidrBlock: 10.0.0.0/16 }} }}
  Other: {{ Type: AWS::EC2::VPC, Properties: {{ CidrBlock: 10.0.0.0/16 }} }}
  Far: {{ Type: AWS::EC2::Subnet, Properties: {{ VpcId: !Ref Vpc, CidrBlock: 10.0.200.0/24 }} }}
  A: {{ Type: AWS::EC2::Subnet, Properties: {{ VpcId: !Ref Vpc, CidrBlock: {a} }} }}
  B: {{ Type: AWS::EC2::Subnet, Properties: {{ VpcId: !Ref {vpc_of_b}, CidrBlock: {b} }} }}
"
    )
}

#[test]
fn rf601_overlapping_subnets_are_reported_on_the_second_one() {
    // The smaller range inside the larger, in either order; and the same range twice.
    for (a, b) in
        [("10.0.0.0/24", "10.0.0.128/25"), ("10.0.0.128/25", "10.0.0.0/24"), ("10.0.1.0/24", "10.0.1.0/24")]
    {
        let found = of(&subnets("Vpc", a, b), "RF601");
        assert_eq!(at(&found), [("net", "B", "Properties")], "{a} and {b}");
        assert_eq!(found[0].severity, Severity::Error);
        assert!(found[0].message.contains(&format!("{b} overlaps {a} of net/A")), "{}", found[0].message);
    }
}

#[test]
fn rf601_adjacent_ranges_and_other_vpcs_do_not_overlap() {
    assert!(of(&subnets("Vpc", "10.0.0.0/24", "10.0.1.0/24"), "RF601").is_empty(), "adjacent");
    assert!(of(&subnets("Vpc", "10.0.0.0/25", "10.0.0.128/25"), "RF601").is_empty(), "two halves");
    // The same range in two VPCs is two subnets that never meet.
    assert!(of(&subnets("Other", "10.0.0.0/24", "10.0.0.0/24"), "RF601").is_empty(), "other VPC");
}

// ---------------------------------------------------------------------------------------
// RF602: a private or isolated subnet routed to an internet gateway.

/// A VPC with a public subnet `Front` (on table `PublicTable`, routed to the internet
/// gateway by `PublicDefault`) and a subnet `Back` of the given tag kind on table
/// `BackTable`, whose route `BackDefault` has the given target.
fn routed(kind: &str, target: &str) -> String {
    format!(
        "Resources:
  Vpc: {{ Type: AWS::EC2::VPC, Properties: {{ CidrBlock: 10.0.0.0/16 }} }}
  Igw: {{ Type: AWS::EC2::InternetGateway }}
  Vgw: {{ Type: AWS::EC2::VPNGateway, Properties: {{ Type: ipsec.1 }} }}
  Nat: {{ Type: AWS::EC2::NatGateway, Properties: {{ SubnetId: !Ref Front, AllocationId: eipalloc-0abc1234 }} }}
  Front:
    Type: AWS::EC2::Subnet
    Properties: {{ VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24, Tags: [{{ Key: ringfence:subnet-kind, Value: public }}] }}
  Back:
    Type: AWS::EC2::Subnet
    Properties: {{ VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, Tags: [{{ Key: ringfence:subnet-kind, Value: {kind} }}] }}
  PublicTable: {{ Type: AWS::EC2::RouteTable, Properties: {{ VpcId: !Ref Vpc }} }}
  BackTable: {{ Type: AWS::EC2::RouteTable, Properties: {{ VpcId: !Ref Vpc }} }}
  FrontAssoc: {{ Type: AWS::EC2::SubnetRouteTableAssociation, Properties: {{ SubnetId: !Ref Front, RouteTableId: !Ref PublicTable }} }}
  BackAssoc: {{ Type: AWS::EC2::SubnetRouteTableAssociation, Properties: {{ SubnetId: !Ref Back, RouteTableId: !Ref BackTable }} }}
  PublicDefault: {{ Type: AWS::EC2::Route, Properties: {{ RouteTableId: !Ref PublicTable, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Igw }} }}
  BackDefault: {{ Type: AWS::EC2::Route, Properties: {{ RouteTableId: !Ref BackTable, DestinationCidrBlock: 0.0.0.0/0, {target} }} }}
"
    )
}

#[test]
fn rf602_a_private_or_isolated_subnet_routed_to_an_internet_gateway_is_reported_on_the_route() {
    for kind in ["private", "isolated", "Private"] {
        for target in ["GatewayId: !Ref Igw", "GatewayId: igw-0abc1234"] {
            let found = of(&routed(kind, target), "RF602");
            // The public subnet's route to the same gateway is what public means.
            assert_eq!(at(&found), [("net", "BackDefault", "Properties")], "{kind}, {target}");
            assert_eq!(found[0].severity, Severity::Error);
            assert!(found[0].message.contains("subnet Back"), "{}", found[0].message);
        }
    }
}

#[test]
fn rf602_public_subnets_nat_and_other_gateways_are_fine() {
    // The same route from a public subnet.
    assert!(of(&routed("public", "GatewayId: !Ref Igw"), "RF602").is_empty());
    // Private subnets out through NAT; GatewayId of a gateway that is no internet
    // gateway (a VPN gateway, in the template or by id).
    for target in ["NatGatewayId: !Ref Nat", "GatewayId: !Ref Vgw", "GatewayId: vgw-0abc1234"] {
        assert!(of(&routed("private", target), "RF602").is_empty(), "{target}");
    }
}

// ---------------------------------------------------------------------------------------
// RF603: a group no workload joins and no rule names.

#[test]
fn rf603_only_the_group_nobody_uses_is_reported() {
    let yaml = "
Resources:
  Joined:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: database, SecurityGroupEgress: [] }
  Named:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: clients, SecurityGroupEgress: [] }
  Exported:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: shared role, SecurityGroupEgress: [] }
  Unused:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: leftover, SecurityGroupEgress: [] }
  Shown:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: only an output, SecurityGroupEgress: [] }
  Db:
    Type: AWS::RDS::DBInstance
    Properties: { Engine: postgres, DBInstanceClass: db.t3.micro, VPCSecurityGroups: [!GetAtt Joined.GroupId] }
  DbFromClients:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !Ref Joined, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref Named, Description: d }
Outputs:
  Shared:
    Value: !GetAtt Exported.GroupId
    Export: { Name: net-shared }
  Id:
    Description: an output with no export is for people, no other stack can use it
    Value: !GetAtt Shown.GroupId
";
    let found = of(yaml, "RF603");
    // Joined by a workload, named by a rule, exported (shared whether or not any stack
    // imports it today): used. Only in an output nobody can import: unused.
    let mut unused = at(&found);
    unused.sort_unstable();
    assert_eq!(unused, [("net", "Shown", "Properties"), ("net", "Unused", "Properties")]);
    assert!(found.iter().all(|f| f.severity == Severity::Info));
}
