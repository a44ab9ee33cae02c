//! What a change does to the deployment (`ringfence diff`, issue #14): hand-written
//! before/after suites, each class of `ringfence_analyze::changes` with its exact answer.

use ringfence_analyze::changes::{
    self, compare, deploy_order, Action, Carried, DeploymentChanges, Failure, FailureKind, StackChanges, Step,
};
use ringfence_analyze::{Model, Suite};

fn suite(stacks: &[(&str, &str)]) -> Suite {
    let mut s = Suite::new();
    for (name, text) in stacks {
        s.read(name, &format!("{name}.yaml"), text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    s
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// (stack, resource, kind) of each failure.
fn kinds(f: &[Failure]) -> Vec<(&str, &str, &'static str)> {
    f.iter().map(|f| (f.stack.as_str(), f.resource.as_str(), f.kind.as_str())).collect()
}

fn steps(order: &[Step]) -> Vec<(&str, Action)> {
    order.iter().map(|s| (s.stack.as_str(), s.action)).collect()
}

const NETWORK: &str = r#"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web servers
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/16, Description: clients}
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: database, VpcId: !Ref Vpc}
  DbFromWeb:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !Ref Db, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref Web, Description: web to db}
  WebServer:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-12345678, SecurityGroupIds: [!Ref Web]}
Outputs:
  WebId:
    Value: !Ref Web
    Export: {Name: network-web}
  VpcId:
    Value: !Ref Vpc
    Export: {Name: network-vpc}
"#;

/// A bot that reads the web group with `Fn::GetStackOutput`.
const WEAK_BOT: &str = r#"
Resources:
  Own:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: weak bot, VpcId: !ImportValue network-vpc}
  ToWeb:
    Type: AWS::EC2::SecurityGroupEgress
    Properties:
      GroupId: !Ref Own
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      DestinationSecurityGroupId: !GetStackOutput {StackName: network, OutputName: WebId}
      Description: bot to web
"#;

/// A bot that imports the web group's export and admits itself on it.
const IMPORT_BOT: &str = r#"
Resources:
  Own:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: import bot, VpcId: !ImportValue network-vpc}
  WebFromBot:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !ImportValue network-web
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      SourceSecurityGroupId: !Ref Own
      Description: bot to web
"#;

fn network_with(from: &str, to: &str) -> String {
    assert!(NETWORK.contains(from), "{from}");
    NETWORK.replacen(from, to, 1)
}

#[test]
fn a_suite_against_itself_changes_nothing() {
    let s = suite(&[("network", NETWORK), ("weak-bot", WEAK_BOT), ("import-bot", IMPORT_BOT)]);
    let c = compare(&s, &s);
    assert_eq!(
        c,
        DeploymentChanges {
            stacks: StackChanges {
                unchanged: names(&["import-bot", "network", "weak-bot"]),
                ..StackChanges::default()
            },
            replacements: vec![],
            failures: vec![],
            order: Ok(vec![]),
        }
    );
    assert!(c.stacks.is_empty());
}

#[test]
fn stacks_are_compared_by_name_in_any_order() {
    let old = suite(&[("network", NETWORK), ("weak-bot", WEAK_BOT), ("old-bot", IMPORT_BOT)]);
    let changed = network_with("GroupDescription: database", "GroupDescription: chat database");
    // Another order of the templates, and of the keys inside one: no change for that.
    let reordered = WEAK_BOT.replace(
        "      IpProtocol: tcp\n      FromPort: 443\n",
        "      FromPort: 443\n      IpProtocol: tcp\n",
    );
    assert_ne!(reordered, WEAK_BOT);
    let new = suite(&[("new-bot", IMPORT_BOT), ("weak-bot", &reordered), ("network", &changed)]);
    assert_eq!(
        changes::stack_changes(&old, &new),
        StackChanges {
            added: names(&["new-bot"]),
            removed: names(&["old-bot"]),
            changed: names(&["network"]),
            unchanged: names(&["weak-bot"]),
        }
    );
    // Given parameter values are part of the deployment.
    let mut with_value = old.clone();
    with_value.templates_mut()[1].parameters.insert("Unused".into(), "1".into());
    assert_eq!(changes::stack_changes(&old, &with_value).changed, names(&["weak-bot"]));
}

#[test]
fn a_group_replaced_without_a_fixed_name_takes_the_rules_and_workloads_that_name_it() {
    let old = suite(&[("network", NETWORK), ("weak-bot", WEAK_BOT), ("import-bot", IMPORT_BOT)]);
    let new_network = network_with("GroupDescription: web servers", "GroupDescription: chat web servers");
    let new = suite(&[("network", &new_network), ("weak-bot", WEAK_BOT), ("import-bot", IMPORT_BOT)]);
    let (om, nm) = (Model::build(&old), Model::build(&new));
    let r = changes::replacements(&om, &nm);
    let found: Vec<(&str, &str, &str, bool)> =
        r.iter().map(|r| (r.stack.as_str(), r.resource.as_str(), r.reason.as_str(), r.fails)).collect();
    assert_eq!(
        found,
        [
            // SourceSecurityGroupId is create-only and names the new group.
            ("network", "DbFromWeb", "SourceSecurityGroupId: names Web, which is replaced", false),
            ("network", "Web", "GroupDescription: `web servers` → `chat web servers`", true),
        ]
    );
    assert_eq!(r[0].resource_type, "AWS::EC2::SecurityGroupIngress");
    assert!(r[0].message.contains("without a gap"), "{}", r[0].message);
    let web = &r[1];
    assert_eq!(web.failure, Some(FailureKind::ExportInUse));
    assert_eq!(web.changes[0].property, "GroupDescription");
    assert_eq!(web.changes[0].old.as_deref(), Some("`web servers`"));
    let along: Vec<(&str, &str, &str, Carried)> = web
        .takes_along
        .iter()
        .map(|t| (t.stack.as_str(), t.resource.as_str(), t.resource_type.as_str(), t.how))
        .collect();
    assert_eq!(
        along,
        [
            ("import-bot", "WebFromBot", "AWS::EC2::SecurityGroupIngress", Carried::Blocks),
            ("network", "DbFromWeb", "AWS::EC2::SecurityGroupIngress", Carried::Updated),
            ("network", "WebServer", "AWS::EC2::Instance", Carried::Updated),
            ("weak-bot", "ToWeb", "AWS::EC2::SecurityGroupEgress", Carried::Stale),
        ]
    );
    assert!(
        web.message.ends_with("\"Export network-web cannot be updated as it is in use by import-bot\", so the update of network fails and rolls back"),
        "{}",
        web.message
    );

    // The export of the group's id cannot change while import-bot imports it; the weak
    // reader keeps the old id.
    let f = changes::failures(&om, &nm);
    assert_eq!(kinds(&f), [("network", "WebId", "export-in-use"), ("weak-bot", "ToWeb", "weak-reference")]);
    assert_eq!(
        f[0].message,
        "Export network-web cannot be updated as it is in use by import-bot (WebFromBot): its value is network/Web, which this change replaces (a new physical id); the update of network fails and rolls back"
    );
    assert_eq!(
        f[0].avoid,
        "two steps: deploy import-bot with the value passed another way (a parameter, or Fn::GetStackOutput), then network; import-bot may import network-web again afterwards"
    );
    assert!(f[1].kind.is_warning());
    assert_eq!(f[1].avoid, "update weak-bot after network (any update reads the output again)");

    // Without the importer, the replacement goes through.
    let old = suite(&[("network", NETWORK), ("weak-bot", WEAK_BOT)]);
    let new = suite(&[("network", &new_network), ("weak-bot", WEAK_BOT)]);
    let c = compare(&old, &new);
    assert!(!c.replacements[1].fails);
    assert_eq!(kinds(&c.failures), [("weak-bot", "ToWeb", "weak-reference")]);
    assert_eq!(steps(&c.order.unwrap()), [("network", Action::Update)]);
}

#[test]
fn a_group_replaced_with_its_fixed_name_fails_and_a_renamed_one_does_not() {
    let named =
        network_with("GroupDescription: database,", "GroupDescription: database, GroupName: chat-db,");
    let old = suite(&[("network", &named)]);
    let described = named.replace("GroupDescription: database,", "GroupDescription: chat history database,");
    let c = compare(&old, &suite(&[("network", &described)]));
    assert_eq!(
        c.replacements.iter().map(|r| (r.resource.as_str(), r.fails)).collect::<Vec<_>>(),
        [("Db", true)]
    );
    assert_eq!(c.replacements[0].failure, Some(FailureKind::ReplacementFails));
    assert_eq!(kinds(&c.failures), [("network", "Db", "replacement-fails")]);
    assert!(
        c.failures[0].message.contains("GroupName `chat-db` stays the same"),
        "{}",
        c.failures[0].message
    );
    assert!(c.failures[0].avoid.starts_with("change GroupName in the same update"));

    // A new name and a new description: replaced beside the old group, no failure. The
    // rule on the group (GroupId: !Ref Db) is replaced with it.
    let renamed = described.replace("GroupName: chat-db", "GroupName: chat-history-db");
    let c = compare(&old, &suite(&[("network", &renamed)]));
    let found: Vec<(&str, &str, bool)> =
        c.replacements.iter().map(|r| (r.resource.as_str(), r.reason.as_str(), r.fails)).collect();
    assert_eq!(
        found,
        [
            (
                "Db",
                "GroupDescription: `database` → `chat history database`; GroupName: `chat-db` → `chat-history-db`",
                false
            ),
            ("DbFromWeb", "GroupId: names Db, which is replaced", false),
        ]
    );
    assert_eq!(c.failures, []);
}

#[test]
fn a_standalone_rule_replaced_by_the_rule_ec2_holds_is_a_duplicate() {
    let old = suite(&[("network", NETWORK)]);
    // 5432 written as text, and a new description: the same rule, updated in place.
    let same = network_with("FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref Web, Description: web to db", "FromPort: '5432', ToPort: 5432, SourceSecurityGroupId: !Ref Web, Description: web servers to the database");
    let c = compare(&old, &suite(&[("network", &same)]));
    assert_eq!((c.replacements.len(), c.failures.len()), (0, 0));

    // IpProtocol 6 is tcp: a create-only property changes, EC2's rule does not.
    let protocol = network_with("GroupId: !Ref Db, IpProtocol: tcp", "GroupId: !Ref Db, IpProtocol: '6'");
    let c = compare(&old, &suite(&[("network", &protocol)]));
    assert_eq!(c.replacements[0].reason, "IpProtocol: `tcp` → `6`");
    assert_eq!(
        (c.replacements[0].fails, c.replacements[0].failure),
        (true, Some(FailureKind::DuplicateRule))
    );
    assert_eq!(kinds(&c.failures), [("network", "DbFromWeb", "duplicate-rule")]);
    assert!(c.failures[0].message.contains("InvalidPermission.Duplicate"), "{}", c.failures[0].message);

    // Another port: another rule, created before the old one goes.
    let port = network_with("FromPort: 5432, ToPort: 5432", "FromPort: 5433, ToPort: 5433");
    let c = compare(&old, &suite(&[("network", &port)]));
    assert_eq!(c.replacements[0].reason, "FromPort: `5432` → `5433`; ToPort: `5432` → `5433`");
    assert!(!c.replacements[0].fails);
    assert_eq!(c.failures, []);
}

#[test]
fn an_export_dropped_while_imported_fails_unless_the_importer_lets_go_first() {
    let old = suite(&[("network", NETWORK), ("import-bot", IMPORT_BOT)]);
    let dropped = network_with("  WebId:\n    Value: !Ref Web\n    Export: {Name: network-web}\n", "");
    // The importer still imports it: no order works, and the importer cannot deploy.
    let c = compare(&old, &suite(&[("network", &dropped), ("import-bot", IMPORT_BOT)]));
    assert_eq!(
        kinds(&c.failures),
        [("import-bot", "WebFromBot", "missing-export"), ("network", "WebId", "export-in-use")]
    );
    assert_eq!(
        c.failures[1].message,
        "Export network-web cannot be deleted as it is in use by import-bot (WebFromBot): network no longer exports it; the update of network fails and rolls back"
    );
    assert_eq!(
        c.failures[1].avoid,
        "import-bot still imports network-web: keep the export in network, or remove the import from import-bot and deploy import-bot before network"
    );
    assert_eq!(
        c.failures[0].message,
        "imports network-web, which network exports before the change and no stack after it: import-bot cannot deploy again (No export named network-web found)"
    );

    // The importer lets go in the same change: it must deploy first (the CDK's order,
    // producer first, is the one that fails).
    let let_go = IMPORT_BOT.replace("GroupId: !ImportValue network-web", "GroupId: sg-0123456789abcdef0");
    let new = suite(&[("network", &dropped), ("import-bot", &let_go)]);
    let c = compare(&old, &new);
    assert_eq!(kinds(&c.failures), [("network", "WebId", "export-in-use")]);
    assert_eq!(
        c.failures[0].avoid,
        "deploy import-bot first (its new template no longer imports network-web), then network"
    );
    assert_eq!(
        steps(c.order.as_ref().unwrap()),
        [("import-bot", Action::Update), ("network", Action::Update)]
    );
    assert_eq!(c.order, Ok(deploy_order(&Model::build(&old), &Model::build(&new)).unwrap()));

    // The importer is deleted: delete it first.
    let c = compare(&old, &suite(&[("network", &dropped)]));
    assert_eq!(c.failures[0].avoid, "delete import-bot first, then deploy network");
    assert_eq!(steps(&c.order.unwrap()), [("import-bot", Action::Delete), ("network", Action::Update)]);
}

#[test]
fn an_import_of_an_export_no_stack_makes_cannot_deploy() {
    let bot = IMPORT_BOT.replace("!ImportValue network-web", "!ImportValue network-api");
    let c = compare(&suite(&[("network", NETWORK)]), &suite(&[("network", NETWORK), ("bot", &bot)]));
    assert_eq!(kinds(&c.failures), [("bot", "WebFromBot", "missing-export")]);
    assert_eq!(
        c.failures[0].message,
        "imports network-api, which no stack of the suite exports: bot cannot deploy unless a stack outside the suite exports it (No export named network-api found)"
    );
    // Imported before the change too, with no stack of the suite exporting it: it comes
    // from outside the suite, and nothing is reported.
    let old = suite(&[("network", NETWORK), ("bot", &bot)]);
    let changed = bot.replace("Description: bot to web", "Description: the bot to the web servers");
    assert_eq!(compare(&old, &suite(&[("network", NETWORK), ("bot", &changed)])).failures, []);
}

#[test]
fn a_rule_moved_between_stacks_is_a_duplicate_one_way_and_a_gap_the_other() {
    // The bot's rule on the web group moves into the network stack.
    let rule = "  WebFromOffice:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {GroupId: !REF, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 192.168.0.0/24, Description: DESC}\n";
    let bot =
        format!("{IMPORT_BOT}{}", rule.replace("!REF", "!ImportValue network-web").replace("DESC", "office"));
    let old = suite(&[("network", NETWORK), ("import-bot", &bot)]);
    let network = network_with(
        "  WebServer:\n",
        &format!(
            "{}  WebServer:\n",
            rule.replace("!REF", "!Ref Web").replace("DESC", "office, now owned by network")
        ),
    );
    let new = suite(&[("network", &network), ("import-bot", IMPORT_BOT)]);
    let c = compare(&old, &new);
    assert_eq!(kinds(&c.failures), [("network", "WebFromOffice", "duplicate-rule")]);
    assert_eq!(
        c.failures[0].message,
        "ingress tcp/443 from 192.168.0.0/24 on network/Web moves from import-bot/WebFromOffice to network/WebFromOffice: deployed before import-bot, network fails to create it (InvalidPermission.Duplicate: EC2 holds the rule import-bot declares, and a different description does not make another rule); deployed after, the group is without the rule from import-bot's update until network's"
    );
    assert!(c.failures[0]
        .avoid
        .starts_with("deploy import-bot first, then network right after, and accept the gap in between"));
    assert_eq!(steps(&c.order.unwrap()), [("import-bot", Action::Update), ("network", Action::Update)]);

    // Moved into the group's inline rules instead: the duplicate passes, and the rule is
    // lost if network goes first.
    let inline = network_with(
        "Description: clients}\n",
        "Description: clients}\n        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 192.168.0.0/24, Description: office}\n",
    );
    let c = compare(&old, &suite(&[("network", &inline), ("import-bot", IMPORT_BOT)]));
    assert_eq!(kinds(&c.failures), [("network", "Web", "duplicate-rule")]);
    assert!(
        c.failures[0].message.contains("leaving the group without a rule network declares"),
        "{}",
        c.failures[0].message
    );

    // Renamed within one stack: created before the old one is deleted.
    let renamed = bot.replace("WebFromOffice:", "WebFromTheOffice:");
    let c = compare(&old, &suite(&[("network", NETWORK), ("import-bot", &renamed)]));
    assert_eq!(kinds(&c.failures), [("import-bot", "WebFromTheOffice", "duplicate-rule")]);
    assert!(c.failures[0].avoid.starts_with("keep the logical id WebFromOffice"));
}

#[test]
fn a_consumer_added_with_its_producer_deploys_after_it() {
    let old = suite(&[("network", NETWORK)]);
    let api = "Resources:\n  Api:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {GroupDescription: api, VpcId: !ImportValue network-vpc}\nOutputs:\n  Api:\n    Value: !Ref Api\n    Export: {Name: api-group}\n";
    let client = "Resources:\n  ToApi:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {GroupId: !ImportValue api-group, IpProtocol: tcp, FromPort: 8080, ToPort: 8080, CidrIp: 10.0.0.0/16, Description: clients to api}\n";
    // "a-client" comes first by name: only the dependency puts it after "api".
    let new = suite(&[("network", NETWORK), ("a-client", client), ("api", api)]);
    let c = compare(&old, &new);
    assert_eq!(kinds(&c.failures), [("a-client", "ToApi", "stack-order")]);
    assert_eq!(
        c.failures[0].message,
        "imports api-group, which api exports only from this change on: deployed before api, a-client fails (No export named api-group found)"
    );
    assert_eq!(c.failures[0].avoid, "deploy api first, then a-client");
    assert_eq!(steps(&c.order.unwrap()), [("api", Action::Create), ("a-client", Action::Create)]);
}

#[test]
fn stacks_that_come_to_import_each_other_are_a_cycle() {
    let api = "Resources:\n  Api:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {GroupDescription: api, VpcId: !ImportValue network-vpc}\nOutputs:\n  Api:\n    Value: !Ref Api\n    Export: {Name: api-group}\n";
    let old = suite(&[("network", NETWORK), ("api", api)]);
    let network = network_with(
        "  WebServer:\n",
        "  WebFromApi:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {GroupId: !Ref Web, IpProtocol: tcp, FromPort: 443, ToPort: 443, SourceSecurityGroupId: !ImportValue api-group, Description: api to web}\n  WebServer:\n",
    );
    let c = compare(&old, &suite(&[("network", &network), ("api", api)]));
    assert_eq!(kinds(&c.failures), [("api", "", "stack-order")]);
    assert_eq!(
        c.failures[0].message,
        "stacks api, network come to import each other's exports (network imports api-group from api; api imports network-vpc from network): neither can be deleted, nor its exports changed, while the other imports from it, and the suite cannot be created from scratch in any order"
    );
    // This update itself can go: the export it imports exists.
    assert_eq!(steps(&c.order.unwrap()), [("network", Action::Update)]);
}

#[test]
fn orders_no_order_meets_ask_for_two_deployments() {
    // The bot stops importing the web group (it must deploy before network changes the
    // export) and starts importing a new export of network (it must deploy after).
    let old = suite(&[("network", NETWORK), ("import-bot", IMPORT_BOT)]);
    let network = network_with("Export: {Name: network-web}", "Export: {Name: network-web-v2}");
    let bot = IMPORT_BOT.replace("network-web", "network-web-v2");
    let c = compare(&old, &suite(&[("network", &network), ("import-bot", &bot)]));
    assert_eq!(
        kinds(&c.failures),
        [
            ("import-bot", "", "stack-order"),
            ("import-bot", "WebFromBot", "stack-order"),
            ("network", "WebId", "export-in-use"),
        ]
    );
    assert_eq!(
        c.failures[0].message,
        "no single order deploys this change: import-bot before network (import-bot stops importing network-web, which network drops or changes); network before import-bot (import-bot imports network-web-v2, new in network)"
    );
    assert_eq!(c.order, Err(names(&["import-bot", "network"])));
}

#[test]
fn a_weak_reference_to_a_removed_producer_is_left_stale() {
    let old = suite(&[("network", NETWORK), ("weak-bot", WEAK_BOT)]);
    let no_output = network_with("  WebId:\n    Value: !Ref Web\n    Export: {Name: network-web}\n", "");
    let c = compare(&old, &suite(&[("network", &no_output), ("weak-bot", WEAK_BOT)]));
    assert_eq!(kinds(&c.failures), [("weak-bot", "ToWeb", "weak-reference")]);
    assert_eq!(
        c.failures[0].message,
        "reads output WebId of network with Fn::GetStackOutput, a weak reference, and network no longer declares output WebId: CloudFormation lets it go without a word, weak-bot keeps the value it read, and its next update cannot read it"
    );
    // A producer deleted: the same, and CloudFormation deletes it without a word.
    let other = NETWORK.replace("network-", "net2-");
    let weak = WEAK_BOT.replace("network-vpc", "net2-vpc");
    let old = suite(&[("network", NETWORK), ("net2", &other), ("weak-bot", &weak)]);
    let c = compare(&old, &suite(&[("net2", &other), ("weak-bot", &weak)]));
    assert_eq!(kinds(&c.failures), [("weak-bot", "ToWeb", "weak-reference")]);
    assert!(c.failures[0].message.contains("and network is deleted"), "{}", c.failures[0].message);
    assert_eq!(steps(&c.order.unwrap()), [("network", Action::Delete)]);
    assert!(FailureKind::ALL.iter().filter(|k| k.is_warning()).eq([&FailureKind::WeakReference]));
}

fn chat_platform(edit: impl Fn(&str, String) -> String) -> Suite {
    let mut s = Suite::new();
    for file in [
        "bot-dice.yaml",
        "bot-moderation.yaml",
        "bot-trivia.yaml",
        "bot-weather.yaml",
        "chat-history-db.json",
        "network.yaml",
    ] {
        let path = format!("{}/../../legacy/chat-platform/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let stack = file.split('.').next().unwrap_or(file);
        s.read(stack, file, &edit(stack, text)).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    s
}

#[test]
fn the_chat_platform_against_itself_and_with_its_database_group_described_anew() {
    let old = chat_platform(|_, t| t);
    let c = compare(&old, &old);
    assert!(c.stacks.is_empty() && c.replacements.is_empty() && c.failures.is_empty(), "{c:#?}");
    assert_eq!(c.stacks.unchanged.len(), 6);
    assert_eq!(c.order, Ok(vec![]));

    // The database group's description changes: a replacement whose export two stacks
    // import.
    let new = chat_platform(|stack, t| {
        if stack == "network" {
            t.replacen(
                "GroupDescription: Chat history PostgreSQL",
                "GroupDescription: Chat history database",
                1,
            )
        } else {
            t
        }
    });
    let c = compare(&old, &new);
    assert_eq!(c.stacks.changed, names(&["network"]));
    let db = c.replacements.iter().find(|r| r.resource == "DatabaseSG").expect("DatabaseSG replaced");
    assert_eq!(db.reason, "GroupDescription: `Chat history PostgreSQL` → `Chat history database`");
    assert!(db.fails);
    let blocked: Vec<(&str, &str)> = db
        .takes_along
        .iter()
        .filter(|t| t.how == Carried::Blocks)
        .map(|t| (t.stack.as_str(), t.resource.as_str()))
        .collect();
    assert_eq!(
        blocked,
        [
            ("bot-trivia", "TriviaToDatabase"),
            ("chat-history-db", "ChatHistoryDb"),
            ("chat-history-db", "ReportingIntoDatabase")
        ]
    );
    let in_use: Vec<&str> = c
        .failures
        .iter()
        .filter(|f| f.kind == FailureKind::ExportInUse)
        .map(|f| f.message.split(" (").next().unwrap_or_default())
        .collect();
    assert_eq!(
        in_use,
        [
            "Export network-DatabaseSG cannot be updated as it is in use by bot-trivia",
            "Export network-DatabaseSG cannot be updated as it is in use by chat-history-db"
        ]
    );
}

#[test]
fn a_vpc_replaced_takes_its_groups_and_their_rules_and_every_export_of_them() {
    let old = suite(&[("network", NETWORK), ("import-bot", IMPORT_BOT)]);
    let new_network = network_with("CidrBlock: 10.0.0.0/16", "CidrBlock: 10.1.0.0/16");
    let c = compare(&old, &suite(&[("network", &new_network), ("import-bot", IMPORT_BOT)]));
    let found: Vec<(&str, &str, bool)> =
        c.replacements.iter().map(|r| (r.resource.as_str(), r.reason.as_str(), r.fails)).collect();
    assert_eq!(
        found,
        [
            ("Db", "VpcId: names Vpc, which is replaced", false),
            (
                "DbFromWeb",
                "GroupId: names Db, which is replaced; SourceSecurityGroupId: names Web, which is replaced",
                false
            ),
            // Both export their ids, and import-bot imports them before and after.
            ("Vpc", "CidrBlock: `10.0.0.0/16` → `10.1.0.0/16`", true),
            ("Web", "VpcId: names Vpc, which is replaced", true),
        ]
    );
    // The instance's SecurityGroupIds is no create-only property: it moves, in place.
    assert!(!c.replacements.iter().any(|r| r.resource == "WebServer"));
    assert_eq!(
        kinds(&c.failures),
        [("network", "VpcId", "export-in-use"), ("network", "WebId", "export-in-use")]
    );
    assert!(c.failures[0].message.contains("its value is network/Vpc, which this change replaces"));
}

#[test]
fn nested_create_only_properties_are_compared_where_the_schema_points() {
    // VPCEndpoint: `DnsOptions/PrivateDnsPreference` is create-only, `DnsOptions/DnsRecordIpType` is not.
    let endpoint = |preference: &str, record: &str| {
        format!("Resources:\n  Api:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: vpc-0123\n      ServiceName: com.amazonaws.us-east-1.execute-api\n      VpcEndpointType: Interface\n      DnsOptions: {{PrivateDnsPreference: {preference}, DnsRecordIpType: {record}}}\n")
    };
    let old = suite(&[("endpoints", &endpoint("ALL_DOMAINS", "ipv4"))]);
    let record = compare(&old, &suite(&[("endpoints", &endpoint("ALL_DOMAINS", "dualstack"))]));
    assert_eq!((record.stacks.changed.len(), record.replacements.len()), (1, 0));
    let preference = compare(&old, &suite(&[("endpoints", &endpoint("VERIFIED_DOMAINS_ONLY", "ipv4"))]));
    assert_eq!(
        preference.replacements.iter().map(|r| r.reason.as_str()).collect::<Vec<_>>(),
        ["DnsOptions/PrivateDnsPreference: `ALL_DOMAINS` → `VERIFIED_DOMAINS_ONLY`"]
    );
    // DnsOptions added with no create-only key: nothing create-only changes.
    let without = endpoint("X", "ipv4")
        .replace("      DnsOptions: {PrivateDnsPreference: X, DnsRecordIpType: ipv4}\n", "");
    let added = endpoint("X", "ipv4").replace("PrivateDnsPreference: X, ", "");
    let c = compare(&suite(&[("endpoints", &without)]), &suite(&[("endpoints", &added)]));
    assert_eq!((c.stacks.changed.len(), c.replacements.len()), (1, 0));
    assert_eq!(changes::CREATE_ONLY_SOURCE, "cfn-lint 1.58.0");
}
