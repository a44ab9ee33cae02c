//! What the engine cannot decide before deployment is said, never dropped (issue 13,
//! items 3, 5, 7 and 9): conditions decided by parameters and `Fn::If` branches
//! chosen; undecided ones keep both branches; rules whose peer is known only at
//! deployment stay in every check, and "may be open to the world" when their
//! parameter accepts it; descriptions built with functions count as written; rule
//! words in CamelCase names are found.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence_analyze::{analyze, ports_text, Model, Obj, Resolver, RulePeer, Suite};
use ringfence_cfn::{ConditionName, LogicalId};

fn suite_of(yaml: &str) -> Suite {
    let mut suite = Suite::new();
    suite.read("web", "web.yaml", yaml).unwrap();
    suite
}

fn findings(suite: &Suite, check: &str) -> Vec<(String, String, String)> {
    analyze(suite)
        .of(check)
        .iter()
        .map(|f| (f.logical_id.clone(), f.path.clone(), f.message.clone()))
        .collect()
}

const CONDITIONS: &str = "
Parameters:
  Env: {Type: String, Default: dev}
  Os: {Type: String, AllowedValues: [linux, windows]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  IsWindows: !Equals [!Ref Os, windows]
  ProdWindows: !And [!Condition IsProd, !Condition IsWindows]
  DevOrWindows: !Or [!Condition IsDev, !Condition IsWindows]
  InUsEast: !Equals [!Ref AWS::Region, us-east-1]
Resources:
  Admin:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: administration
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: !If [IsWindows, 3389, 22]
          ToPort: !If [IsWindows, 3389, 22]
          CidrIp: 0.0.0.0/0
          Description: admin from anywhere
        - !If
          - IsProd
          - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: prod only}
          - !Ref AWS::NoValue
      SecurityGroupEgress: !If
        - IsWindows
        - - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0, Description: updates}
        - - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0, Description: packages}
          - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0, Description: packages}
";

#[test]
fn conditions_are_decided_by_given_values_and_defaults_and_otherwise_undecided() {
    let mut suite = suite_of(CONDITIONS);
    let decided = |suite: &Suite| -> Vec<Option<bool>> {
        let r = Resolver::new(suite);
        ["IsProd", "IsDev", "IsWindows", "ProdWindows", "DevOrWindows", "InUsEast", "Missing"]
            .iter()
            .map(|c| r.condition(0, &ConditionName::new(*c).unwrap()))
            .collect()
    };
    // Env defaults to dev; Os has no default; the Region is known only at deployment.
    assert_eq!(decided(&suite), [Some(false), Some(true), None, Some(false), Some(true), None, None]);
    suite.templates_mut()[0].parameters.insert("Env".into(), "prod".into());
    suite.templates_mut()[0].parameters.insert("Os".into(), "windows".into());
    assert_eq!(decided(&suite), [Some(true), Some(false), Some(true), Some(true), Some(true), None, None]);
}

#[test]
fn undecided_if_keeps_both_branches_and_decided_if_keeps_one() {
    // Undecided Os: the admin rule is read once per branch (never as every port, nor
    // as none), the egress list is both branches' rules; dev: the prod-only rule is not
    // there.
    let suite = suite_of(CONDITIONS);
    let model = Model::build(&suite);
    let rules: Vec<(String, String, String)> =
        model.rules.iter().map(|r| (r.at.path.to_string(), ports_text(r.ports), r.when_text())).collect();
    let row = |path: &str, ports: &str, when: &str| (path.to_string(), ports.to_string(), when.to_string());
    assert_eq!(
        rules,
        [
            row("Properties.SecurityGroupIngress[0]", "tcp/22", " (when IsWindows is false)"),
            row("Properties.SecurityGroupIngress[0]", "tcp/3389", " (when IsWindows is true)"),
            row("Properties.SecurityGroupEgress.Fn::If[1][0]", "tcp/443", " (when IsWindows is true)"),
            row("Properties.SecurityGroupEgress.Fn::If[2][0]", "tcp/80", " (when IsWindows is false)"),
            row("Properties.SecurityGroupEgress.Fn::If[2][1]", "tcp/443", " (when IsWindows is false)"),
        ]
    );
    assert!(model.rules[0].is_first_reading() && !model.rules[1].is_first_reading());
    // The two branches' tcp/443 rules are never deployed together: no duplicate.
    assert!(model.rules[2].excludes(&model.rules[4]) && !model.rules[3].excludes(&model.rules[4]));
    // Undecided, the admin rule may open SSH or RDP: each said, with its condition.
    let rf: Vec<String> = findings(&suite, "RF301").into_iter().map(|f| f.2).collect();
    assert_eq!(
        rf,
        [
            "may open 22 (SSH) to the whole Internet (when IsWindows is false)",
            "may open 3389 (RDP) to the whole Internet (when IsWindows is true)"
        ]
    );
    // Read twice, the rule is still one rule: no duplicate (RF103).
    assert!(findings(&suite, "RF103").is_empty());

    // Given --param values, each Fn::If is decided: RDP only, and the prod rule is there.
    let mut suite = suite_of(CONDITIONS);
    suite.templates_mut()[0].parameters.insert("Env".into(), "prod".into());
    suite.templates_mut()[0].parameters.insert("Os".into(), "windows".into());
    let model = Model::build(&suite);
    let rules: Vec<(String, String)> =
        model.rules.iter().map(|r| (r.at.path.to_string(), ports_text(r.ports))).collect();
    assert_eq!(
        rules,
        [
            ("Properties.SecurityGroupIngress[0]".into(), "tcp/3389".into()),
            ("Properties.SecurityGroupIngress[1].Fn::If[1]".into(), "tcp/443".into()),
            ("Properties.SecurityGroupEgress.Fn::If[1][0]".into(), "tcp/443".into()),
        ]
    );
    let rf = findings(&suite, "RF301");
    assert_eq!(rf.len(), 1);
    assert_eq!(rf[0].2, "opens 3389 (RDP) to the whole Internet");
}

const PEERS: &str = "
Parameters:
  AnyCidr: {Type: String}
  OfficeCidr:
    Type: String
    AllowedPattern: '10\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}/\\d{1,2}'
  SampleCidr:
    Type: String
    MinLength: 9
    MaxLength: 18
    AllowedPattern: '(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})'
  ListedCidr: {Type: String, AllowedValues: [10.1.0.0/16, 10.2.0.0/16]}
Resources:
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: database
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: !Ref AnyCidr}
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: !Ref OfficeCidr, Description: office}
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref SampleCidr, Description: admin}
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: !Ref ListedCidr, Description: listed}
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: !ImportValue office-cidr, Description: imported}
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, Description: no peer}
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.0.0.0/33, Description: no range}
";

#[test]
fn rules_with_peers_known_only_at_deployment_stay_in_every_check() {
    let suite = suite_of(PEERS);
    let model = Model::build(&suite);
    assert_eq!(model.rules.len(), 7, "no rule is dropped");
    let any = LogicalId::new("AnyCidr").unwrap();
    assert_eq!(model.rules[0].peer, RulePeer::Undecided(Obj::Parameter { stack: 0, name: any }));
    assert!(
        matches!(&model.rules[4].peer, RulePeer::Undecided(Obj::Unknown(what)) if what.contains("office-cidr"))
    );
    assert_eq!((&model.rules[5].peer, &model.rules[6].peer), (&RulePeer::None, &RulePeer::None));

    // The description check reads the rule whose peer is a parameter.
    let rf202 = findings(&suite, "RF202");
    assert_eq!(
        rf202.iter().map(|f| f.1.as_str()).collect::<Vec<_>>(),
        ["Properties.SecurityGroupIngress[0]"]
    );

    // May be open to the world: a parameter with no constraint, and one whose pattern
    // (the usual "any CIDR" pattern of public samples) accepts 0.0.0.0/0; not one whose
    // pattern or allowed values exclude it.
    let rf301 = findings(&suite, "RF301");
    assert_eq!(
        rf301.iter().map(|f| (f.1.as_str(), f.2.as_str())).collect::<Vec<_>>(),
        [
            (
                "Properties.SecurityGroupIngress[0]",
                "may open 5432 (PostgreSQL) to the whole Internet: its peer is parameter AnyCidr of web, which accepts 0.0.0.0/0"
            ),
            (
                "Properties.SecurityGroupIngress[2]",
                "may open 22 (SSH) to the whole Internet: its peer is parameter SampleCidr of web, which accepts 0.0.0.0/0"
            ),
        ]
    );

    // The others are said to be undecided, once per peer; the imported one too.
    let rf002 = findings(&suite, "RF002");
    let paths: Vec<&str> = rf002.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Properties.SecurityGroupIngress[1]",
            "Properties.SecurityGroupIngress[3]",
            "Properties.SecurityGroupIngress[4]"
        ]
    );
    assert!(rf002[0].2.contains("parameter OfficeCidr of web, known only at deployment"), "{}", rf002[0].2);

    // No peer, and a range that is none: each rule admits nothing, and is said so.
    let rf001 = findings(&suite, "RF001");
    assert_eq!(
        rf001.iter().map(|f| (f.1.as_str(), f.2.as_str())).collect::<Vec<_>>(),
        [
            (
                "Properties.SecurityGroupIngress[5]",
                "the ingress rule names no source: it admits no traffic, and CloudFormation rejects it"
            ),
            (
                "Properties.SecurityGroupIngress[6].CidrIp",
                "CidrIp is `10.0.0.0/33`, not a range: the rule admits no traffic, and CloudFormation rejects it"
            ),
        ]
    );
}

#[test]
fn a_rule_list_computed_another_way_is_said_not_dropped() {
    let yaml = "
Parameters:
  Rules: {Type: String}
Mappings:
  Ports: {web: {rules: []}}
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress: !FindInMap [Ports, web, rules]
";
    let suite = suite_of(yaml);
    let rf002 = findings(&suite, "RF002");
    assert_eq!(
        rf002,
        [(
            "Web".to_string(),
            "Properties.SecurityGroupIngress".to_string(),
            "SecurityGroupIngress is an Fn::FindInMap, known only at deployment: its ingress rules are not checked".to_string()
        )]
    );
}

#[test]
fn descriptions_built_with_functions_count_as_written() {
    let yaml = "
Parameters:
  Team: {Type: String}
Conditions:
  Never: !Equals [a, b]
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Join [' ', [!Ref Team, web servers]]
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: !Sub '${Team} clients'}
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: !FindInMap [A, b, c]}
        - {IpProtocol: tcp, FromPort: 81, ToPort: 81, CidrIp: 10.0.0.0/8, Description: !If [Never, x, !Ref AWS::NoValue]}
        - {IpProtocol: tcp, FromPort: 82, ToPort: 82, CidrIp: 10.0.0.0/8, Description: ''}
";
    let suite = suite_of(yaml);
    let model = Model::build(&suite);
    assert_eq!(model.groups[0].description.as_deref(), Some("${Team} web servers"));
    assert_eq!(model.rules[0].description.as_deref(), Some("${Team} clients"));
    // The decided Fn::If writes no description, and the empty one is none either.
    let rf202 = findings(&suite, "RF202");
    assert_eq!(
        rf202.iter().map(|f| f.1.as_str()).collect::<Vec<_>>(),
        ["Properties.SecurityGroupIngress[2]", "Properties.SecurityGroupIngress[3]"]
    );
}

#[test]
fn rule_words_are_found_in_camel_case_names_and_in_logical_ids_of_unnamed_groups() {
    let group = |id: &str, name: Option<&str>| {
        let name = name.map_or(String::new(), |n| format!(", GroupName: {n}"));
        format!("  {id}:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {{GroupDescription: a role{name}}}\n")
    };
    let yaml = format!(
        "Resources:\n{}{}{}{}{}{}{}",
        group("G1", Some("AllowHttps")),
        group("G2", Some("webAllowSSH")),
        group("SGAllTrafficFromVPC", None),
        group("OpenSearchSecurityGroup", None),
        group("InstallServers", None),
        group("AllowAnything", Some("web-servers")),
        group("G7", Some("OpenVPNServers")),
    );
    let suite = suite_of(&yaml);
    let rf201 = findings(&suite, "RF201");
    let flagged: Vec<(&str, &str)> = rf201.iter().map(|f| (f.0.as_str(), f.2.as_str())).collect();
    assert_eq!(
        flagged,
        [
            ("G1", "group name `AllowHttps` contains `allow`: it says what the group allows, not what it encloses"),
            ("G2", "group name `webAllowSSH` contains `allow`: it says what the group allows, not what it encloses"),
            (
                "SGAllTrafficFromVPC",
                "group name `SGAllTrafficFromVPC` contains `all`: it says what the group allows, not what it encloses"
            ),
        ]
    );
}

#[test]
fn every_kind_of_computed_rule_list_is_named_and_only_groups_created_are_read() {
    let yaml = "
Parameters:
  Rules: {Type: String}
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  ByRef:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: a, SecurityGroupIngress: !Ref Rules}
  ByImport:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: b, SecurityGroupEgress: !ImportValue shared-rules}
  ByFunction:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: c, SecurityGroupIngress: {'Fn::ToJsonString': [a]}}
  ByText:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: d, SecurityGroupIngress: every port}
  NotCreated:
    Type: AWS::EC2::SecurityGroup
    Condition: IsProd
    Properties: {GroupDescription: e, SecurityGroupIngress: !Ref Rules}
  NotAGroup:
    Type: Custom::Firewall
    Properties: {ServiceToken: arn:aws:lambda:us-east-1:1:function:f, SecurityGroupIngress: !Ref Rules}
";
    let suite = suite_of(yaml);
    let rf002: Vec<(String, String)> =
        findings(&suite, "RF002").into_iter().map(|(id, _, message)| (id, message)).collect();
    let said = |list: &str, what: &str, dir: &str| {
        format!("{list} is {what}, known only at deployment: its {dir} rules are not checked")
    };
    assert_eq!(
        rf002,
        [
            ("ByFunction".to_string(), said("SecurityGroupIngress", "a function", "ingress")),
            ("ByImport".to_string(), said("SecurityGroupEgress", "an import", "egress")),
            ("ByRef".to_string(), said("SecurityGroupIngress", "a reference", "ingress")),
            (
                "ByText".to_string(),
                said("SecurityGroupIngress", "neither a rule nor a list of rules", "ingress")
            ),
        ]
    );
}

#[test]
fn rules_without_a_peer_are_found_standalone_and_inline_and_valid_ipv6_is_no_such_rule() {
    let yaml = "
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, Description: no peer}
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIpv6: '2001:db8::/32', Description: v6}
  Api:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: api}
  Loose:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: {GroupId: !Ref Api, IpProtocol: tcp, FromPort: 443, ToPort: 443, Description: nowhere}
";
    let found: Vec<(String, String)> =
        findings(&suite_of(yaml), "RF001").into_iter().map(|(id, path, _)| (id, path)).collect();
    assert_eq!(
        found,
        [
            ("Loose".to_string(), "Properties".to_string()),
            ("Web".to_string(), "Properties.SecurityGroupIngress[0]".to_string())
        ]
    );
}
