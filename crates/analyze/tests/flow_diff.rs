//! The flows of `ringfence diff` (issue 14): opened and closed flows are computed by the
//! reachability rules, not by comparing rule text. Each case below states its expected
//! flows by hand, in `Flow`'s text form (`FROM -> TO PORTS (RULES)`); the property tests
//! check the flow table and the differences point by point against `reach` on generated
//! suites, and that renaming groups changes no flow.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Instant;

use ipnet::IpNet;
use proptest::prelude::*;
use ringfence_analyze::flows::{diff_flows, flow_table, Endpoint, Flow, FlowDiff, Ports};
use ringfence_analyze::reach::{self, reach};
use ringfence_analyze::{Model, Obj, Protocol, Suite};

// ---------------------------------------------------------------------------------------
// Writing small suites.

/// A suite of `(stack, yaml)` templates.
fn suite(templates: &[(&str, &str)]) -> Suite {
    let mut suite = Suite::new();
    for (stack, yaml) in templates {
        suite.read(stack, &format!("{stack}.yaml"), yaml).unwrap_or_else(|e| panic!("{stack}: {e}\n{yaml}"));
    }
    suite
}

/// The placeholder egress rule that keeps EC2's allow-all egress away.
const NO_EGRESS: &str =
    "{ IpProtocol: icmp, FromPort: 252, ToPort: 86, CidrIp: 255.255.255.255/32, Description: no egress }";

/// A rule in flow style: `tcp 443 443 CidrIp: 0.0.0.0/0`.
fn rule(protocol: &str, from: i32, to: i32, peer: &str) -> String {
    format!("{{ IpProtocol: {protocol}, FromPort: {from}, ToPort: {to}, {peer} }}")
}

/// A group with these inline rules; `egress: None` declares no inline egress (EC2's
/// allow-all egress applies).
fn group(id: &str, ingress: &[String], egress: Option<&[String]>) -> String {
    let list = |key: &str, rules: &[String]| {
        let items: String = rules.iter().map(|r| format!("        - {r}\n")).collect();
        if rules.is_empty() {
            format!("      {key}: []\n")
        } else {
            format!("      {key}:\n{items}")
        }
    };
    let mut out = format!(
        "  {id}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: {id}\n      VpcId: vpc-1\n"
    );
    out += &list("SecurityGroupIngress", ingress);
    if let Some(egress) = egress {
        out += &list("SecurityGroupEgress", egress);
    }
    out
}

/// An instance joining `groups` (each written as YAML: `!Ref G`, `sg-1`, …).
fn instance(id: &str, groups: &[&str]) -> String {
    format!(
        "  {id}:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-1\n      SecurityGroupIds: [{}]\n",
        groups.join(", ")
    )
}

fn template(resources: &[String]) -> String {
    format!("Resources:\n{}", resources.concat())
}

fn text(flows: &[Flow]) -> Vec<String> {
    flows.iter().map(Flow::to_string).collect()
}

/// The flows opened and closed between two one-template suites of stack `app`.
fn diff(old: &str, new: &str) -> FlowDiff {
    let (old, new) = (suite(&[("app", old)]), suite(&[("app", new)]));
    diff_flows(&Model::build(&old), &Model::build(&new))
}

fn table(yaml: &str) -> Vec<String> {
    let s = suite(&[("app", yaml)]);
    text(&flow_table(&Model::build(&s)))
}

const DEFAULT: &str = "(no inline egress: EC2's allow-all)";

// ---------------------------------------------------------------------------------------
// (1) Nothing changes, nothing is reported.

const LEGACY: [&str; 6] = [
    "bot-dice.yaml",
    "bot-moderation.yaml",
    "bot-trivia.yaml",
    "bot-weather.yaml",
    "chat-history-db.json",
    "network.yaml",
];

fn legacy() -> Suite {
    let mut suite = Suite::new();
    for name in LEGACY {
        let path = format!("{}/../../legacy/chat-platform/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let stack = name.split('.').next().unwrap();
        suite.read(stack, name, &text).unwrap();
    }
    suite
}

#[test]
fn diff_of_the_legacy_suite_with_itself_is_empty() {
    // Two readings of the same files, so nothing is shared but the text.
    let (a, b) = (legacy(), legacy());
    let (a, b) = (Model::build(&a), Model::build(&b));
    assert_eq!(diff_flows(&a, &b), FlowDiff::default());
    assert!(diff_flows(&a, &a).is_empty());
    // Not empty for lack of flows: a few the legacy suite is known for.
    let flows = text(&flow_table(&a));
    for expected in [
        "0.0.0.0/0 -> network/Bastion tcp/22 (network/BastionSG Properties.SecurityGroupIngress[0])",
        "10.50.0.0/16 -> chat-history-db/ChatHistoryDb tcp/5432 (chat-history-db/ReportingIntoDatabase Properties)",
        "outside group parameter SharedBotsSecurityGroup of bot-dice -> bot-dice/Service tcp/8080 (bot-dice/DiceApiFromBots Properties)",
        // The trivia bot's "locked down" egress is fake: its group has no inline egress.
        "bot-trivia/Service -> ::/0 all (bot-trivia/TriviaBotSG (no inline egress: EC2's allow-all))",
    ] {
        assert!(flows.iter().any(|f| f == expected), "{expected}\nnot in\n{flows:#?}");
    }
}

// ---------------------------------------------------------------------------------------
// (2) A removed rule that another still covers closes no flow.

#[test]
fn a_removed_rule_still_covered_by_another_closes_nothing() {
    let app = group("App", &[], None);
    let db = |ingress: &[String]| group("Db", ingress, Some(&[NO_EGRESS.into()]));
    let members = [instance("Server", &["!Ref App"]), instance("Database", &["!Ref Db"])];
    let postgres = rule("tcp", 5432, 5432, "SourceSecurityGroupId: !Ref App");
    let wide = rule("tcp", 5000, 6000, "SourceSecurityGroupId: !Ref App");
    let office_16 = rule("tcp", 443, 443, "CidrIp: 10.1.0.0/16");
    let office_8 = rule("tcp", 443, 443, "CidrIp: 10.0.0.0/8");
    let old = template(&[
        app.clone(),
        db(&[postgres, wide.clone(), office_16, office_8.clone()]),
        members.concat(),
    ]);
    let new = template(&[app, db(&[wide, office_8]), members.concat()]);
    assert_eq!(diff(&old, &new), FlowDiff::default());
    // Removing the wider ones does close flows.
    let narrower = template(&[
        group("App", &[], None),
        db(&[rule("tcp", 5432, 5432, "SourceSecurityGroupId: !Ref App")]),
        members.concat(),
    ]);
    assert_eq!(
        text(&diff(&old, &narrower).closed),
        [
            "app/Server -> app/Database tcp/5000-5431 (app/Db Properties.SecurityGroupIngress[1]; app/App (no inline egress: EC2's allow-all))",
            "app/Server -> app/Database tcp/5433-6000 (app/Db Properties.SecurityGroupIngress[1]; app/App (no inline egress: EC2's allow-all))",
            "10.0.0.0/8 -> app/Database tcp/443 (app/Db Properties.SecurityGroupIngress[2]; app/Db Properties.SecurityGroupIngress[3])",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// (3) An unchanged rule, a changed membership: a flow opens.

#[test]
fn joining_another_group_opens_a_flow_through_an_unchanged_rule() {
    let groups = [
        group("Web", &[], Some(&[rule("tcp", 5432, 5432, "DestinationSecurityGroupId: !Ref Db")])),
        group("Admin", &[], Some(&[NO_EGRESS.into()])),
        group("Db", &[], Some(&[NO_EGRESS.into()])),
    ];
    let from_admin = "  DbFromAdmin:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !Ref Db, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref Admin }
";
    let rest = [instance("AdminBox", &["!Ref Admin"]), instance("Database", &["!Ref Db"]), from_admin.into()];
    let old = template(&[groups.concat(), instance("WebServer", &["!Ref Web"]), rest.concat()]);
    let new = template(&[groups.concat(), instance("WebServer", &["!Ref Web", "!Ref Admin"]), rest.concat()]);
    let d = diff(&old, &new);
    assert_eq!(
        text(&d.opened),
        ["app/WebServer -> app/Database tcp/5432 (app/DbFromAdmin Properties; app/Web Properties.SecurityGroupEgress[0])"]
    );
    assert_eq!(d.closed, []);
    assert_eq!(d.opened[0].from, Endpoint::Workload { stack: "app".into(), logical_id: "WebServer".into() });
    assert_eq!(d.opened[0].ports, Ports::Tcp(5432, 5432));
}

// ---------------------------------------------------------------------------------------
// (4) Restructuring groups without changing who reaches whom changes no flow.

/// A web server, a bastion and a database: `web_groups` are the web tier's groups as
/// written in the template, `web_ids` the ones the web server joins, `db_peer` the group
/// the database admits.
fn three_tier(web_groups: &[String], web_ids: &[&str], db_peer: &str) -> String {
    let refs: Vec<String> = web_ids.iter().map(|g| format!("!Ref {g}")).collect();
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    template(&[
        web_groups.concat(),
        group("Bastion", &[], None),
        group(
            "Db",
            &[rule("tcp", 5432, 5432, &format!("SourceSecurityGroupId: !Ref {db_peer}"))],
            Some(&[NO_EGRESS.into()]),
        ),
        instance("WebServer", &refs),
        instance("BastionHost", &["!Ref Bastion"]),
        instance("Database", &["!Ref Db"]),
    ])
}

fn web_group(id: &str) -> String {
    group(
        id,
        &[
            rule("tcp", 443, 443, "CidrIp: 0.0.0.0/0"),
            rule("tcp", 22, 22, "SourceSecurityGroupId: !Ref Bastion"),
        ],
        Some(&[rule("tcp", 5432, 5432, "DestinationSecurityGroupId: !Ref Db")]),
    )
}

#[test]
fn renaming_or_splitting_a_group_changes_no_flow() {
    let original = three_tier(&[web_group("Web")], &["Web"], "Web");
    assert_eq!(
        table(&original),
        [
            format!("app/BastionHost -> app/WebServer tcp/22 (app/Web Properties.SecurityGroupIngress[1]; app/Bastion {DEFAULT})"),
            format!("app/BastionHost -> 0.0.0.0/0 all (app/Bastion {DEFAULT})"),
            format!("app/BastionHost -> ::/0 all (app/Bastion {DEFAULT})"),
            "app/WebServer -> app/Database tcp/5432 (app/Db Properties.SecurityGroupIngress[0]; app/Web Properties.SecurityGroupEgress[0])".into(),
            "0.0.0.0/0 -> app/WebServer tcp/443 (app/Web Properties.SecurityGroupIngress[0])".into(),
        ]
    );
    // Renamed: a new logical id, the same members and rules.
    let renamed = three_tier(&[web_group("Frontend")], &["Frontend"], "Frontend");
    assert_eq!(diff(&original, &renamed), FlowDiff::default());
    // Split in two: the public part and the administration part, both joined.
    let public = group("WebPublic", &[rule("tcp", 443, 443, "CidrIp: 0.0.0.0/0")], Some(&[NO_EGRESS.into()]));
    let admin = group(
        "WebAdmin",
        &[rule("tcp", 22, 22, "SourceSecurityGroupId: !Ref Bastion")],
        Some(&[rule("tcp", 5432, 5432, "DestinationSecurityGroupId: !Ref Db")]),
    );
    let split = three_tier(&[public, admin], &["WebPublic", "WebAdmin"], "WebAdmin");
    assert_eq!(diff(&original, &split), FlowDiff::default());
    assert_eq!(diff(&renamed, &split), FlowDiff::default());
    // The rules responsible are the new ones.
    assert!(table(&split).contains(
        &"0.0.0.0/0 -> app/WebServer tcp/443 (app/WebPublic Properties.SecurityGroupIngress[0])".to_string()
    ));
}

// ---------------------------------------------------------------------------------------
// (5) Narrowing a rule closes what it no longer allows, folded into ranges.

#[test]
fn narrowing_a_rule_closes_the_ports_around_the_one_kept() {
    let db = |from: i32, to: i32| {
        group("Db", &[rule("tcp", from, to, "SourceSecurityGroupId: !Ref App")], Some(&[NO_EGRESS.into()]))
    };
    let rest =
        [group("App", &[], None), instance("Server", &["!Ref App"]), instance("Database", &["!Ref Db"])];
    let d = diff(&template(&[db(0, 65535), rest.concat()]), &template(&[db(443, 443), rest.concat()]));
    let why = format!("(app/Db Properties.SecurityGroupIngress[0]; app/App {DEFAULT})");
    assert_eq!(
        text(&d.closed),
        [
            format!("app/Server -> app/Database tcp/0-442 {why}"),
            format!("app/Server -> app/Database tcp/444-65535 {why}"),
        ]
    );
    assert_eq!(
        d.closed.iter().map(|f| f.ports).collect::<Vec<_>>(),
        [Ports::Tcp(0, 442), Ports::Tcp(444, 65535)]
    );
    assert_eq!(d.opened, []);
}

// ---------------------------------------------------------------------------------------
// (6) Ranges: the Internet, and address blocks folded into the fewest CIDRs.

#[test]
fn a_cidr_ingress_from_anywhere_is_a_flow_from_the_internet() {
    let web = |ingress: &[String]| {
        template(&[group("Web", ingress, Some(&[NO_EGRESS.into()])), instance("Server", &["!Ref Web"])])
    };
    let d = diff(
        &web(&[]),
        &web(&[rule("tcp", 443, 443, "CidrIp: 0.0.0.0/0"), rule("tcp", 443, 443, "CidrIpv6: '::/0'")]),
    );
    assert_eq!(
        text(&d.opened),
        [
            "0.0.0.0/0 -> app/Server tcp/443 (app/Web Properties.SecurityGroupIngress[0])",
            "::/0 -> app/Server tcp/443 (app/Web Properties.SecurityGroupIngress[1])",
        ]
    );
    assert_eq!(d.opened[0].from, Endpoint::Range("0.0.0.0/0".parse().unwrap()));
    assert_eq!(d.closed, []);

    // Narrowed to the office: closed for every address but the office's, as the
    // fewest blocks; the office's other flow (SSH) is its own.
    let office = rule("tcp", 22, 22, "CidrIp: 10.0.0.0/8");
    let d = diff(
        &web(&[rule("tcp", 443, 443, "CidrIp: 0.0.0.0/0"), office.clone()]),
        &web(&[rule("tcp", 443, 443, "CidrIp: 10.0.0.0/8"), office]),
    );
    let blocks = [
        "0.0.0.0/5",
        "8.0.0.0/7",
        "11.0.0.0/8",
        "12.0.0.0/6",
        "16.0.0.0/4",
        "32.0.0.0/3",
        "64.0.0.0/2",
        "128.0.0.0/1",
    ];
    let expected: Vec<String> = blocks
        .iter()
        .map(|b| format!("{b} -> app/Server tcp/443 (app/Web Properties.SecurityGroupIngress[0])"))
        .collect();
    assert_eq!(text(&d.closed), expected);
    assert_eq!(d.opened, []);
}

// ---------------------------------------------------------------------------------------
// (7) Removing a group's inline egress gives it EC2's allow-all egress.

#[test]
fn removing_inline_egress_opens_the_default_allow_all() {
    let app =
        |egress: Option<&[String]>| template(&[group("App", &[], egress), instance("Server", &["!Ref App"])]);
    let d = diff(&app(Some(&[rule("tcp", 443, 443, "CidrIp: 0.0.0.0/0")])), &app(None));
    let to = |range: &str, ports: &str| format!("app/Server -> {range} {ports} (app/App {DEFAULT})");
    assert_eq!(
        text(&d.opened),
        [
            to("0.0.0.0/0", "tcp/0-442"),
            to("0.0.0.0/0", "tcp/444-65535"),
            to("0.0.0.0/0", "udp/all"),
            to("0.0.0.0/0", "icmp/all"),
            to("0.0.0.0/0", "icmpv6/all"),
            to("0.0.0.0/0", "proto/others"),
            to("::/0", "all"),
        ]
    );
    assert_eq!(d.closed, []);
    // And back: the same flows close, with the old side's cause.
    let back = diff(&app(None), &app(Some(&[rule("tcp", 443, 443, "CidrIp: 0.0.0.0/0")])));
    assert_eq!(text(&back.closed), text(&d.opened));
    assert_eq!(back.opened, []);
}

// ---------------------------------------------------------------------------------------
// (8) A group no workload joins is an endpoint of its own.

#[test]
fn rules_of_a_memberless_group_are_flows_of_that_group() {
    let cache = |ingress: &[String]| {
        template(&[
            group("App", &[], None),
            group("Cache", ingress, Some(&[NO_EGRESS.into()])),
            instance("Server", &["!Ref App"]),
        ])
    };
    let redis = rule("tcp", 6379, 6379, "SourceSecurityGroupId: !Ref App");
    assert_eq!(
        table(&cache(std::slice::from_ref(&redis))),
        [
            format!("app/Server -> group app/Cache tcp/6379 (app/Cache Properties.SecurityGroupIngress[0]; app/App {DEFAULT})"),
            format!("app/Server -> 0.0.0.0/0 all (app/App {DEFAULT})"),
            format!("app/Server -> ::/0 all (app/App {DEFAULT})"),
        ]
    );
    let d = diff(
        &cache(std::slice::from_ref(&redis)),
        &cache(&[redis, rule("tcp", 6380, 6380, "CidrIp: 10.0.0.0/8")]),
    );
    assert_eq!(
        text(&d.opened),
        ["10.0.0.0/8 -> group app/Cache tcp/6380 (app/Cache Properties.SecurityGroupIngress[1])"]
    );
    assert_eq!(d.opened[0].to, Endpoint::Group { stack: "app".into(), logical_id: "Cache".into() });
}

// ---------------------------------------------------------------------------------------
// Outside peers, readings, unreadable rules.

#[test]
fn outside_peers_are_endpoints() {
    let yaml = format!(
        "Parameters:
  SharedGroup: {{ Type: AWS::EC2::SecurityGroup::Id }}
  OfficeCidr: {{ Type: String }}
{}  OnShared:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {{ GroupId: !Ref SharedGroup, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.0.0.0/8 }}
",
        template(&[
            group(
                "App",
                &[
                    rule("tcp", 22, 22, "CidrIp: !Ref OfficeCidr"),
                    rule("tcp", 443, 443, "SourcePrefixListId: pl-123"),
                    rule("tcp", 8080, 8080, "SourceSecurityGroupId: sg-0123"),
                ],
                Some(&[rule("tcp", 5432, 5432, "DestinationSecurityGroupId: !Ref SharedGroup")]),
            ),
            instance("Server", &["!Ref App"]),
        ])
    );
    assert_eq!(
        table(&yaml),
        [
            "app/Server -> outside group parameter SharedGroup of app tcp/5432 (app/App Properties.SecurityGroupEgress[0])",
            // The suite puts a rule on a group it does not create (RF101): a flow between
            // two outside endpoints.
            "10.0.0.0/8 -> outside group parameter SharedGroup of app tcp/5432 (app/OnShared Properties)",
            "prefix list pl-123 -> app/Server tcp/443 (app/App Properties.SecurityGroupIngress[1])",
            "outside group sg-0123 -> app/Server tcp/8080 (app/App Properties.SecurityGroupIngress[2])",
            "parameter OfficeCidr of app (known at deployment) -> app/Server tcp/22 (app/App Properties.SecurityGroupIngress[0])",
        ]
    );
}

#[test]
fn every_reading_of_a_rule_is_possible_and_unreadable_ports_allow_nothing() {
    let yaml = format!(
        "Parameters:
  Env: {{ Type: String }}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
{}",
        template(&[
            group(
                "Dns",
                &[
                    rule("!If [IsProd, tcp, udp]", 53, 53, "CidrIp: 10.0.0.0/8"),
                    "{ IpProtocol: tcp, FromPort: abc, ToPort: 80, CidrIp: 10.0.0.0/8 }".into(),
                ],
                Some(&[NO_EGRESS.into()]),
            ),
            instance("Resolver", &["!Ref Dns"]),
        ])
    );
    assert_eq!(
        table(&yaml),
        [
            "10.0.0.0/8 -> app/Resolver tcp/53 (app/Dns Properties.SecurityGroupIngress[0])",
            "10.0.0.0/8 -> app/Resolver udp/53 (app/Dns Properties.SecurityGroupIngress[0])",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Generated suites: the flow table and its differences agree with `reach`.

const CIDRS: [&str; 4] = ["10.0.0.0/16", "0.0.0.0/0", "10.0.1.0/24", "192.168.0.0/16"];
const CIDRS6: [&str; 2] = ["::/0", "2001:db8::/32"];
const STACKS: usize = 2;
const GROUPS: usize = 3;
const INSTANCES: usize = 3;

#[derive(Debug, Clone, Copy)]
enum P {
    Tcp(u16, u16),
    Udp(u16, u16),
    Icmp(i32),
    Icmpv6(i32),
    All,
    Gre,
    /// `!If [IsProd, tcp, udp]` on one port: two readings.
    TcpOrUdp(u16),
    /// `FromPort: abc`: CloudFormation rejects it.
    Unreadable,
}

impl P {
    fn yaml(self) -> String {
        match self {
            P::Tcp(a, b) => format!("IpProtocol: tcp, FromPort: {a}, ToPort: {b}"),
            P::Udp(a, b) => format!("IpProtocol: udp, FromPort: {a}, ToPort: {b}"),
            P::Icmp(t) => format!("IpProtocol: icmp, FromPort: {t}, ToPort: -1"),
            P::Icmpv6(t) => format!("IpProtocol: icmpv6, FromPort: {t}, ToPort: -1"),
            P::All => "IpProtocol: '-1'".into(),
            P::Gre => "IpProtocol: '47'".into(),
            P::TcpOrUdp(p) => format!("IpProtocol: !If [IsProd, tcp, udp], FromPort: {p}, ToPort: {p}"),
            P::Unreadable => "IpProtocol: tcp, FromPort: abc, ToPort: 80".into(),
        }
    }
}

/// A group as a rule peer or membership names it.
#[derive(Debug, Clone, Copy)]
enum G {
    /// Group `i` of stack `s` (a `!Ref` in its own stack, an import elsewhere).
    Suite(usize, usize),
    /// The stack's `Shared` parameter (no value): a group outside the suite.
    Parameter,
    /// A literal id outside the suite.
    Literal(usize),
}

#[derive(Debug, Clone, Copy)]
enum Peer {
    Cidr(usize),
    Cidr6(usize),
    Group(G),
    PrefixList,
    /// `CidrIp: !Ref Office` (no value): known at deployment.
    Office,
}

#[derive(Debug, Clone)]
struct SgRule {
    /// The group it is on: (group, inline); standalone rules may be on any group.
    on: G,
    inline: bool,
    egress: bool,
    p: P,
    peer: Peer,
}

#[derive(Debug, Clone)]
struct StackSpec {
    /// Whether each group declares inline egress (a placeholder plus its rules).
    inline_egress: [bool; GROUPS],
    rules: Vec<SgRule>,
    /// The groups of each instance (none: no instance).
    instances: [Vec<G>; INSTANCES],
}

#[derive(Debug, Clone)]
struct Spec {
    stacks: Vec<StackSpec>,
}

fn p() -> impl Strategy<Value = P> {
    let port = prop::sample::select(vec![0u16, 22, 80, 443, 1024, 5432, 65535]);
    prop_oneof![
        4 => (port.clone(), port.clone()).prop_map(|(a, b)| P::Tcp(a.min(b), a.max(b))),
        2 => (port.clone(), port.clone()).prop_map(|(a, b)| P::Udp(a.min(b), a.max(b))),
        1 => prop::sample::select(vec![-1, 0, 8]).prop_map(P::Icmp),
        1 => prop::sample::select(vec![-1, 128]).prop_map(P::Icmpv6),
        2 => Just(P::All),
        1 => Just(P::Gre),
        1 => port.prop_map(P::TcpOrUdp),
        1 => Just(P::Unreadable),
    ]
}

fn g() -> impl Strategy<Value = G> + Clone {
    prop_oneof![
        6 => (0..STACKS, 0..GROUPS).prop_map(|(s, i)| G::Suite(s, i)),
        1 => Just(G::Parameter),
        1 => (0..2usize).prop_map(G::Literal),
    ]
}

fn peer() -> impl Strategy<Value = Peer> {
    prop_oneof![
        3 => (0..CIDRS.len()).prop_map(Peer::Cidr),
        1 => (0..CIDRS6.len()).prop_map(Peer::Cidr6),
        5 => g().prop_map(Peer::Group),
        1 => Just(Peer::PrefixList),
        1 => Just(Peer::Office),
    ]
}

fn stack_spec(s: usize) -> impl Strategy<Value = StackSpec> {
    let own = (0..GROUPS).prop_map(move |i| G::Suite(s, i));
    let rule = (prop_oneof![4 => own, 1 => g()], any::<bool>(), any::<bool>(), p(), peer()).prop_map(
        |(on, inline, egress, p, peer)| {
            // Only the stack's own groups hold inline rules.
            let inline = inline && matches!(on, G::Suite(..));
            SgRule { on, inline, egress, p, peer }
        },
    );
    let members = || prop::collection::vec(g(), 0..3);
    (any::<[bool; GROUPS]>(), prop::collection::vec(rule, 0..10), [members(), members(), members()])
        .prop_map(|(inline_egress, rules, instances)| StackSpec { inline_egress, rules, instances })
        .prop_map(move |mut spec| {
            // Inline rules of another stack's group are written standalone.
            for r in &mut spec.rules {
                if matches!(r.on, G::Suite(t, _) if t != s) {
                    r.inline = false;
                }
            }
            spec
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (stack_spec(0), stack_spec(1)).prop_map(|(a, b)| Spec { stacks: vec![a, b] })
}

fn group_id(i: usize) -> String {
    format!("Grp{i}")
}

/// How stack `s` names a group.
fn group_value(s: usize, g: G) -> String {
    match g {
        G::Suite(t, i) if t == s => format!("!Ref {}", group_id(i)),
        G::Suite(t, i) => format!("!ImportValue s{t}-{}", group_id(i)),
        G::Parameter => "!Ref Shared".into(),
        G::Literal(i) => format!("sg-000{i}"),
    }
}

fn peer_yaml(s: usize, peer: Peer, egress: bool) -> String {
    match peer {
        Peer::Cidr(c) => format!("CidrIp: {}", CIDRS[c]),
        Peer::Cidr6(c) => format!("CidrIpv6: '{}'", CIDRS6[c]),
        Peer::Group(g) if egress => format!("DestinationSecurityGroupId: {}", group_value(s, g)),
        Peer::Group(g) => format!("SourceSecurityGroupId: {}", group_value(s, g)),
        Peer::PrefixList if egress => "DestinationPrefixListId: pl-0042".into(),
        Peer::PrefixList => "SourcePrefixListId: pl-0042".into(),
        Peer::Office => "CidrIp: !Ref Office".into(),
    }
}

impl Spec {
    /// The templates, by stack name.
    fn yaml(&self) -> Vec<(String, String)> {
        self.stacks.iter().enumerate().map(|(s, spec)| (format!("s{s}"), stack_yaml(s, spec))).collect()
    }

    fn suite(&self) -> Suite {
        let yaml = self.yaml();
        let refs: Vec<(&str, &str)> = yaml.iter().map(|(s, y)| (s.as_str(), y.as_str())).collect();
        suite(&refs)
    }
}

fn stack_yaml(s: usize, spec: &StackSpec) -> String {
    let mut out = String::from(
        "Parameters:\n  Shared: { Type: AWS::EC2::SecurityGroup::Id }\n  Office: { Type: String }\n  Env: { Type: String }\n\
         Conditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n",
    );
    for i in 0..GROUPS {
        let inline = |egress: bool| -> Vec<String> {
            spec.rules
                .iter()
                .filter(|r| {
                    r.inline && r.egress == egress && matches!(r.on, G::Suite(t, j) if t == s && j == i)
                })
                .map(|r| format!("{{ {}, {} }}", r.p.yaml(), peer_yaml(s, r.peer, r.egress)))
                .collect()
        };
        let mut egress = inline(true);
        let egress = if spec.inline_egress[i] || !egress.is_empty() {
            egress.push(NO_EGRESS.into());
            Some(egress)
        } else {
            None
        };
        out += &group(&group_id(i), &inline(false), egress.as_deref());
    }
    for (k, r) in spec.rules.iter().enumerate().filter(|(_, r)| !r.inline) {
        let ty = if r.egress { "Egress" } else { "Ingress" };
        out += &format!(
            "  Rule{k}:\n    Type: AWS::EC2::SecurityGroup{ty}\n    Properties: {{ GroupId: {}, {}, {} }}\n",
            group_value(s, r.on),
            r.p.yaml(),
            peer_yaml(s, r.peer, r.egress)
        );
    }
    for (k, groups) in spec.instances.iter().enumerate() {
        if !groups.is_empty() {
            let values: Vec<String> = groups.iter().map(|&g| group_value(s, g)).collect();
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            out += &instance(&format!("Inst{k}"), &values);
        }
    }
    out += "Outputs:\n";
    for i in 0..GROUPS {
        out += &format!(
            "  Out{i}:\n    Value: !Ref {}\n    Export: {{ Name: s{s}-{} }}\n",
            group_id(i),
            group_id(i)
        );
    }
    out
}

/// The endpoints of a model that `reach` can be asked about — workloads and groups no
/// workload joins — with the groups `reach` is given for them.
fn inside_endpoints(m: &Model<'_>) -> BTreeMap<Endpoint, Vec<Obj>> {
    let mut out = BTreeMap::new();
    for w in m.workloads.iter().filter(|w| !w.groups.is_empty()) {
        let name =
            Endpoint::Workload { stack: m.stack_name(w.at.stack).into(), logical_id: w.at.id.to_string() };
        out.insert(name, w.groups.clone());
    }
    for g in &m.groups {
        let obj = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
        if !m.workloads.iter().any(|w| w.groups.contains(&obj)) {
            let name =
                Endpoint::Group { stack: m.stack_name(g.at.stack).into(), logical_id: g.at.id.to_string() };
            out.insert(name, vec![obj]);
        }
    }
    out
}

/// Packets worth asking about: each rule boundary of the generator and beyond.
const PACKETS: [(Protocol, i32); 14] = [
    (Protocol::Tcp, 0),
    (Protocol::Tcp, 22),
    (Protocol::Tcp, 23),
    (Protocol::Tcp, 443),
    (Protocol::Tcp, 5432),
    (Protocol::Tcp, 65535),
    (Protocol::Udp, 53),
    (Protocol::Udp, 1024),
    (Protocol::Icmp, 8),
    (Protocol::Icmp, 3),
    (Protocol::Icmpv6, 128),
    (Protocol::Icmpv6, 1),
    (Protocol::Other(47), 0),
    (Protocol::Other(50), 0),
];

const ADDRESSES: [&str; 6] = ["10.0.1.9", "10.0.200.1", "192.168.3.4", "8.8.8.8", "2001:db8::1", "fd00::1"];

/// Whether `flows` (by endpoint pair) hold a flow from `from` to `to` that carries the
/// packet.
fn holds(
    flows: &BTreeMap<(Endpoint, Endpoint), Vec<Flow>>,
    from: &Endpoint,
    to: &Endpoint,
    (protocol, port): (Protocol, i32),
) -> bool {
    flows.get(&(from.clone(), to.clone())).is_some_and(|fs| fs.iter().any(|f| f.ports.covers(protocol, port)))
}

fn by_pair(flows: &[Flow]) -> BTreeMap<(Endpoint, Endpoint), Vec<Flow>> {
    let mut out: BTreeMap<(Endpoint, Endpoint), Vec<Flow>> = BTreeMap::new();
    for f in flows {
        out.entry((f.from.clone(), f.to.clone())).or_default().push(f.clone());
    }
    out
}

/// Whether a flow through ranges carries a packet from or to `address`.
fn holds_address(
    flows: &[Flow],
    member: &Endpoint,
    address: IpAddr,
    outbound: bool,
    packet: (Protocol, i32),
) -> bool {
    flows.iter().any(|f| {
        let (mine, range) = if outbound { (&f.from, &f.to) } else { (&f.to, &f.from) };
        mine == member
            && matches!(range, Endpoint::Range(net) if net.contains(&address))
            && f.ports.covers(packet.0, packet.1)
    })
}

/// `reach` at the group layer: endpoints with groups and no subnet or address.
fn reach_groups(m: &Model<'_>, from: &[Obj], to: &[Obj], (protocol, port): (Protocol, i32)) -> bool {
    let end = |groups: &[Obj]| reach::Endpoint { groups: groups.to_vec(), subnet: None, address: None };
    reach(m, &end(from), &end(to), protocol, port).allowed
}

fn reach_address(
    m: &Model<'_>,
    groups: &[Obj],
    address: IpAddr,
    outbound: bool,
    (protocol, port): (Protocol, i32),
) -> bool {
    let member = reach::Endpoint { groups: groups.to_vec(), subnet: None, address: None };
    let outside = reach::Endpoint::internet(address);
    let (from, to) = if outbound { (&member, &outside) } else { (&outside, &member) };
    reach(m, from, to, protocol, port).allowed
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(200);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    /// Every (workload or memberless group, same, protocol, port) the flow table allows
    /// is what `reach` allows at the group layer, and so for ranges by address.
    #[test]
    fn the_flow_table_agrees_with_reach(s in spec()) {
        let suite = s.suite();
        let m = Model::build(&suite);
        let flows = flow_table(&m);
        let pairs = by_pair(&flows);
        let inside = inside_endpoints(&m);
        for (from, from_groups) in &inside {
            for (to, to_groups) in &inside {
                for packet in PACKETS {
                    prop_assert_eq!(
                        holds(&pairs, from, to, packet),
                        reach_groups(&m, from_groups, to_groups, packet),
                        "{} -> {} {:?}\n{:#?}", from, to, packet, flows.iter().map(Flow::to_string).collect::<Vec<_>>()
                    );
                }
            }
            for address in ADDRESSES {
                let address: IpAddr = address.parse().unwrap();
                for outbound in [true, false] {
                    for packet in PACKETS {
                        prop_assert_eq!(
                            holds_address(&flows, from, address, outbound, packet),
                            reach_address(&m, from_groups, address, outbound, packet),
                            "{} {} {} {:?}", from, if outbound { "to" } else { "from" }, address, packet
                        );
                    }
                }
            }
        }
        // Sorted, and no flow twice.
        let keys: Vec<_> = flows.iter().map(|f| (&f.from, &f.to, f.ports)).collect();
        prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
        // Every flow names a rule.
        prop_assert!(flows.iter().all(|f| !f.rules.is_empty()));
    }

    /// A suite compared with itself (read twice) changes no flow.
    #[test]
    fn diff_of_a_suite_with_itself_is_empty(s in spec()) {
        let (a, b) = (s.suite(), s.suite());
        prop_assert_eq!(diff_flows(&Model::build(&a), &Model::build(&b)), FlowDiff::default());
    }

    /// Opened flows are what `reach` allows in the new suite and not the old, closed
    /// ones the reverse, packet by packet.
    #[test]
    fn diff_agrees_with_reach(old in spec(), new in spec(), drop_one in any::<Option<prop::sample::Index>>()) {
        // Either two unrelated suites of the same names, or one rule fewer.
        let new = match drop_one {
            Some(i) if !old.stacks[0].rules.is_empty() => {
                let mut n = old.clone();
                let k = i.index(n.stacks[0].rules.len());
                n.stacks[0].rules.remove(k);
                n
            }
            _ => new,
        };
        let (a, b) = (old.suite(), new.suite());
        let (ma, mb) = (Model::build(&a), Model::build(&b));
        let d = diff_flows(&ma, &mb);
        let (opened, closed) = (by_pair(&d.opened), by_pair(&d.closed));
        let (ia, ib) = (inside_endpoints(&ma), inside_endpoints(&mb));
        let names: BTreeSet<&Endpoint> = ia.keys().chain(ib.keys()).collect();
        let allowed = |m: &Model<'_>, i: &BTreeMap<Endpoint, Vec<Obj>>, from: &Endpoint, to: &Endpoint, packet| {
            match (i.get(from), i.get(to)) {
                (Some(f), Some(t)) => reach_groups(m, f, t, packet),
                _ => false,
            }
        };
        for &from in &names {
            for &to in &names {
                for packet in PACKETS {
                    let (was, is) = (allowed(&ma, &ia, from, to, packet), allowed(&mb, &ib, from, to, packet));
                    prop_assert_eq!(holds(&opened, from, to, packet), is && !was, "opened {} -> {} {:?}", from, to, packet);
                    prop_assert_eq!(holds(&closed, from, to, packet), was && !is, "closed {} -> {} {:?}", from, to, packet);
                }
            }
            for address in ADDRESSES {
                let address: IpAddr = address.parse().unwrap();
                for outbound in [true, false] {
                    for packet in PACKETS {
                        let at = |m: &Model<'_>, i: &BTreeMap<Endpoint, Vec<Obj>>| {
                            i.get(from).is_some_and(|g| reach_address(m, g, address, outbound, packet))
                        };
                        let (was, is) = (at(&ma, &ia), at(&mb, &ib));
                        prop_assert_eq!(holds_address(&d.opened, from, address, outbound, packet), is && !was);
                        prop_assert_eq!(holds_address(&d.closed, from, address, outbound, packet), was && !is);
                    }
                }
            }
        }
        // No flow is both opened and closed.
        for f in &d.opened {
            prop_assert!(!d.closed.iter().any(|c| c.from == f.from && c.to == f.to && c.ports == f.ports));
        }
    }

    /// Renaming every group changes no flow of a workload: only the flows of groups
    /// no workload joins (endpoints named after the group) change.
    #[test]
    fn renaming_groups_changes_no_flow_of_a_workload(s in spec()) {
        let renamed: Vec<(String, String)> =
            s.yaml().into_iter().map(|(stack, y)| (stack, y.replace("Grp", "Renamed"))).collect();
        let refs: Vec<(&str, &str)> = renamed.iter().map(|(s, y)| (s.as_str(), y.as_str())).collect();
        let (a, b) = (s.suite(), suite(&refs));
        let d = diff_flows(&Model::build(&a), &Model::build(&b));
        let of_group = |f: &Flow| matches!(f.from, Endpoint::Group { .. }) || matches!(f.to, Endpoint::Group { .. });
        prop_assert!(d.opened.iter().chain(&d.closed).all(of_group), "{:#?}", d);
    }
}

/// The generated suites are not trivial: flows of every kind appear.
#[test]
fn the_generated_suites_exercise_every_kind_of_flow() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen = BTreeMap::new();
    for _ in 0..100 {
        let s = spec().new_tree(&mut runner).unwrap().current();
        let suite = s.suite();
        for f in flow_table(&Model::build(&suite)) {
            let kind = |e: &Endpoint| match e {
                Endpoint::Workload { .. } => "workload",
                Endpoint::Group { .. } => "group",
                Endpoint::Range(IpNet::V4(_)) => "v4",
                Endpoint::Range(IpNet::V6(_)) => "v6",
                Endpoint::PrefixList(_) => "prefix list",
                Endpoint::OutsideGroup(_) => "outside group",
                Endpoint::Undecided(_) => "undecided",
            };
            *seen.entry((kind(&f.from), kind(&f.to))).or_insert(0) += 1;
        }
    }
    eprintln!("{seen:#?}");
    for pair in [
        ("workload", "workload"),
        ("workload", "group"),
        ("group", "workload"),
        ("v4", "workload"),
        ("workload", "v6"),
        ("prefix list", "workload"),
        ("workload", "outside group"),
        ("outside group", "workload"),
        ("undecided", "workload"),
        ("v4", "outside group"),
        ("outside group", "outside group"),
    ] {
        assert!(seen.get(&pair).is_some_and(|&n| n >= 3), "{pair:?}: {seen:#?}");
    }
}

// ---------------------------------------------------------------------------------------
// 1,001 stacks: the scale example's shape.

/// The network stack: the shared bots group (which, when `dense`, admits every bot on
/// 8080: every bot may call every other) and the chat history database's group, which
/// no workload joins here.
fn network_yaml(dense: bool) -> String {
    let bots_in =
        if dense { vec![rule("tcp", 8080, 8080, "SourceSecurityGroupId: !Ref Bots")] } else { vec![] };
    format!(
        "{}Outputs:
  Bots: {{ Value: !Ref Bots, Export: {{ Name: network-Bots }} }}
  ChatDb: {{ Value: !Ref ChatDb, Export: {{ Name: network-ChatDb }} }}
",
        template(&[
            group("Bots", &bots_in, Some(&[NO_EGRESS.into()])),
            group(
                "ChatDb",
                &[rule("tcp", 5432, 5432, "SourceSecurityGroupId: !Ref Bots")],
                Some(&[NO_EGRESS.into()]),
            ),
        ])
    )
}

/// A bot stack: its own group (egress to the database, the chat API and, when `dense`,
/// the other bots) and one ECS service in {own group, shared bots group}.
fn bot_yaml(dense: bool, https: bool) -> String {
    let mut egress = vec![rule("tcp", 5432, 5432, "DestinationSecurityGroupId: !ImportValue network-ChatDb")];
    if https {
        egress.push(rule("tcp", 443, 443, "CidrIp: 0.0.0.0/0"));
    }
    if dense {
        egress.push(rule("tcp", 8080, 8080, "DestinationSecurityGroupId: !ImportValue network-Bots"));
    }
    template(&[
        group("Own", &[], Some(&egress)),
        "  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: chat
      TaskDefinition: bot
      NetworkConfiguration:
        AwsvpcConfiguration:
          SecurityGroups: [!Ref Own, !ImportValue network-Bots]
          Subnets: [subnet-1]
"
        .into(),
    ])
}

/// The network stack and bots 0 to 999; when `change`, bot 999 gone, bot 1000 added and
/// bot 500 without its HTTPS rule.
fn scale_suite(dense: bool, change: bool) -> Suite {
    let mut suite = Suite::new();
    suite.read("network", "network.yaml", &network_yaml(dense)).unwrap();
    let (with, without) = (bot_yaml(dense, true), bot_yaml(dense, false));
    let bots: Vec<usize> = if change { (0..999).chain([1000]).collect() } else { (0..1000).collect() };
    for i in bots {
        let yaml = if change && i == 500 { &without } else { &with };
        let name = format!("bot-{i:05}");
        suite.read(&name, &format!("{name}.yaml"), yaml).unwrap();
    }
    suite
}

#[test]
fn a_thousand_and_one_stacks_diff_quickly() {
    for dense in [false, true] {
        let t0 = Instant::now();
        let (old, new) = (scale_suite(dense, false), scale_suite(dense, true));
        let t1 = Instant::now();
        let (a, b) = (Model::build(&old), Model::build(&new));
        let t2 = Instant::now();
        let same = diff_flows(&a, &a);
        let t3 = Instant::now();
        let d = diff_flows(&a, &b);
        let t4 = Instant::now();
        let ms = |x: Instant, y: Instant| (y - x).as_secs_f64() * 1000.0;
        println!(
            "{} stacks ({}): read {:.1} ms, models {:.1} ms, diff X X {:.1} ms, diff {:.1} ms ({} opened, {} closed)",
            old.templates().len(),
            if dense { "every bot admits every bot" } else { "scale example" },
            ms(t0, t1),
            ms(t1, t2),
            ms(t2, t3),
            ms(t3, t4),
            d.opened.len(),
            d.closed.len(),
        );
        assert!(same.is_empty());
        if !dense {
            // Each bot to the database and to the Internet.
            assert_eq!(flow_table(&a).len(), 2 * 1000);
        }
        // Bot 999 left (its flows close), bot 1000 came (its flows open), bot 500 lost
        // its HTTPS egress. Counted by hand: to the database, to the Internet, and when
        // dense to each of the 1,000 bots (itself included) and from the 999 others.
        let per_bot = if dense { 2 + 1000 + 999 } else { 2 };
        assert_eq!(d.opened.len(), per_bot, "{:#?}", &d.opened[..5.min(d.opened.len())]);
        assert_eq!(d.closed.len(), per_bot + 1);
        assert!(text(&d.closed).contains(
            &"bot-00500/Service -> 0.0.0.0/0 tcp/443 (bot-00500/Own Properties.SecurityGroupEgress[1])"
                .to_string()
        ));
        assert!(text(&d.opened).contains(
            &"bot-01000/Service -> group network/ChatDb tcp/5432 (bot-01000/Own Properties.SecurityGroupEgress[0]; network/ChatDb Properties.SecurityGroupIngress[0])".to_string()
        ));
        // A million flows: listed in release builds only (seconds in a debug build).
        if dense && !cfg!(debug_assertions) {
            let t5 = Instant::now();
            let table = flow_table(&a);
            let t6 = Instant::now();
            let n = table.len();
            drop(table);
            println!(
                "  flow table: {n} flows in {:.1} ms (freed in {:.1} ms)",
                ms(t5, t6),
                ms(t6, Instant::now())
            );
            assert_eq!(n, 1000 * 1000 + 2 * 1000);
        }
    }
}
