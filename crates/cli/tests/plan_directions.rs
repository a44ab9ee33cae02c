//! `ringfence audit --plan` on a rule on a foreign group, for every direction (ingress,
//! egress) and peer (the template's own group, a group of another stack, a group of the
//! same owner, an address range), on a group of the suite and on one outside it
//! (`tests/suites/directions`; issue #13, item 10). Each plan keeps the stacks'
//! dependency: a stack names the groups of the stacks it imports from, never of one that
//! imports from it; and names its role groups after the group. The code of every plan
//! compiles (`tests/plan_code.rs` builds this suite's too).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// `ringfence audit --plan [--format json] FOLDER`, run in the crate's folder.
fn run_plan(folder: &Path, json: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ringfence"));
    command.args(["audit", "--plan"]).arg(folder).current_dir(env!("CARGO_MANIFEST_DIR"));
    if json {
        command.args(["--format", "json"]);
    }
    let out = command.output().expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "RF101 findings fail the audit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const SUITE: &str = "tests/suites/directions";

/// The text plan of the suite's rule `resource` (its block, up to the blank line).
fn plan(resource: &str) -> String {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(|| run_plan(Path::new(SUITE), false));
    let start = text
        .find(&format!("\norders/{resource} ("))
        .unwrap_or_else(|| panic!("no plan of {resource}:\n{text}"));
    let block = &text[start + 1..];
    block[..block.find("\n\n").map_or(block.len(), |end| end + 1)].to_owned()
}

/// The stacks of a plan's code that name a group another stack of it creates:
/// (the stack that names it, the stack that creates it).
fn names_across(assumes: &str, snippet: &str) -> BTreeSet<(String, String)> {
    let mut stacks = BTreeSet::new();
    let mut creator: BTreeMap<String, String> = BTreeMap::new();
    let mut uses = BTreeSet::new();
    for line in assumes.lines().chain(snippet.lines()) {
        let line = line.split(" // ").next().unwrap();
        if let Some(rest) = line.strip_prefix("let mut ") {
            stacks.insert(rest.split(' ').next().unwrap().to_owned());
            continue;
        }
        // `let VAR = STACK.call(…)` or `STACK.call(…)`.
        let (var, call) = match line.strip_prefix("let ").and_then(|l| l.split_once(" = ")) {
            Some((var, call)) => (Some(var), call),
            None => (None, line),
        };
        let Some((stack, args)) = call.split_once('.') else { continue };
        if !stacks.contains(stack) {
            continue;
        }
        if let (Some(var), true) = (var, args.starts_with("security_group(") || args.starts_with("vpc(")) {
            creator.insert(var.to_owned(), stack.to_owned());
        }
        for named in args.split('&').skip(1) {
            let named: String = named.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            uses.insert((stack.to_owned(), named));
        }
    }
    uses.into_iter()
        .filter_map(|(user, var)| creator.get(&var).filter(|c| **c != user).map(|c| (user, c.clone())))
        .collect()
}

#[test]
fn no_plan_names_a_group_of_a_stack_that_imports_from_it() {
    let doc: Value = serde_json::from_str(&run_plan(Path::new(SUITE), true)).unwrap();
    let plans = doc["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 11);
    // Who may name whose groups: what each stack imports, and the owner outside the suite.
    let imports: BTreeSet<(&str, &str)> =
        BTreeSet::from([("orders", "platform"), ("orders", "reporting"), ("reporting", "platform")]);
    let mut shapes = BTreeSet::new();
    for p in plans {
        shapes.insert(p["shape"].as_str().unwrap().to_owned());
        let across = names_across(p["assumes"].as_str().unwrap(), p["snippet"].as_str().unwrap());
        for (user, creator) in &across {
            assert!(
                creator == "owner" || imports.contains(&(user.as_str(), creator.as_str())),
                "{user} names a group of {creator}, which does not import from it:\n{p:#}"
            );
        }
    }
    assert_eq!(shapes, BTreeSet::from(["client".into(), "server".into(), "owner".into()]));
    // The check sees a reversed reference: what the plan wrote before for MonitoringToApp.
    let reversed = names_across(
        "let mut orders = app.stack(\"orders\")?;\nlet mut platform = app.stack(\"platform\")?;\nlet monitoring = platform.security_group(&vpc, \"monitoring\", \"Prometheus scrapers\")?;\nlet orders_app = orders.security_group(&vpc, \"orders-app\", \"Orders service tasks\")?;\norders.share(&orders_app)?;\n",
        "platform.allow_egress(&monitoring, Peer::group(&orders_app), Port::tcp(9100), \"metrics of orders\")?;\n",
    );
    assert_eq!(reversed, BTreeSet::from([("platform".to_owned(), "orders".to_owned())]));
}

/// The suite, with `platform` importing from `reporting` (and not the other way): the lower
/// owner is now reporting, and the rule on orders-db from reporting makes platform serve it.
#[test]
fn the_lower_owner_is_the_stack_the_other_imports_from() {
    let dir = tempfile::tempdir().unwrap();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join(SUITE);
    let platform = std::fs::read_to_string(suite.join("platform.yaml")).unwrap().replace(
        "Outputs:",
        "  DbFromReportingJobs:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !GetAtt DbSG.GroupId\n      IpProtocol: tcp\n      FromPort: 5433\n      ToPort: 5433\n      SourceSecurityGroupId: !ImportValue reporting-ReportingSG\n      Description: report archive\nOutputs:",
    );
    let reporting = std::fs::read_to_string(suite.join("reporting.yaml")).unwrap();
    let reporting = reporting
        .replace("!ImportValue platform-MonitoringSG", "10.9.0.0/16")
        .replace("SourceSecurityGroupId", "CidrIp");
    let orders = "Resources:\n  DbFromReporting:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !ImportValue platform-DbSG\n      IpProtocol: tcp\n      FromPort: 5432\n      ToPort: 5432\n      SourceSecurityGroupId: !ImportValue reporting-ReportingSG\n      Description: order reports\n";
    for (name, text) in
        [("platform.yaml", platform.as_str()), ("reporting.yaml", &reporting), ("orders.yaml", orders)]
    {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let text = run_plan(dir.path(), false);
    let layout: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("  ring-fenced"))
        .take_while(|l| *l != "  assumes:")
        .collect();
    assert_eq!(
        layout,
        [
            "  ring-fenced (server):",
            "    - template platform serves reporting (created by reporting), which reaches its group orders-db on tcp/5432",
            "    - template platform: ingress tcp/5432 from reporting (created by reporting) on its own group orders-db (a rule on a group it creates)",
            "    - template reporting: lets reporting out to the role group `reporting-targets` on tcp/5432 (egress on its own group), a group it creates and shares",
            "    - template platform: its workloads join `reporting-targets` beside orders-db",
            "    - template orders: drops DbFromReporting, a rule between groups it does not create",
        ],
        "{text}"
    );
    let doc: Value = serde_json::from_str(&run_plan(dir.path(), true)).unwrap();
    let p = &doc["plans"][0];
    let across = names_across(p["assumes"].as_str().unwrap(), p["snippet"].as_str().unwrap());
    assert_eq!(across, BTreeSet::from([("platform".to_owned(), "reporting".to_owned())]), "{p:#}");
}

/// Role groups are named after the group, never after a phrase: a parameter
/// `DatabaseSecurityGroup` gives `database-clients`, a CDK logical id its words.
#[test]
fn role_groups_are_named_after_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let app = "Parameters:\n  DatabaseSecurityGroup:\n    Type: AWS::EC2::SecurityGroup::Id\n    Description: the database\nResources:\n  AppSG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupName: app\n      GroupDescription: App tasks\n  DbFromApp:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref DatabaseSecurityGroup\n      IpProtocol: tcp\n      FromPort: 5432\n      ToPort: 5432\n      SourceSecurityGroupId: !GetAtt AppSG.GroupId\n      Description: app data\n  CacheFromApp:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !ImportValue shared-CacheSG\n      IpProtocol: tcp\n      FromPort: 6379\n      ToPort: 6379\n      SourceSecurityGroupId: !GetAtt AppSG.GroupId\n      Description: sessions\n";
    let shared = "Resources:\n  SessionCacheSecurityGroup7FF5D55A:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: Session cache\nOutputs:\n  Cache:\n    Value: !GetAtt SessionCacheSecurityGroup7FF5D55A.GroupId\n    Export: {Name: shared-CacheSG}\n";
    std::fs::write(dir.path().join("app.yaml"), app).unwrap();
    std::fs::write(dir.path().join("shared.yaml"), shared).unwrap();
    let doc: Value = serde_json::from_str(&run_plan(dir.path(), true)).unwrap();
    let roles: BTreeMap<&str, Vec<&str>> = doc["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let layout = p["layout"].as_array().unwrap();
            let roles = layout.iter().filter_map(|l| l.as_str().unwrap().split('`').nth(1)).collect();
            (p["resource"].as_str().unwrap(), roles)
        })
        .collect();
    assert_eq!(
        roles,
        BTreeMap::from([
            ("CacheFromApp", vec!["session-cache-clients", "session-cache-clients"]),
            ("DbFromApp", vec!["database-clients", "database-clients"]),
        ])
    );
}

/// The template's own group reaches the foreign group: it lets its group out, the owner admits
/// a role group the template's workloads join.
#[test]
fn ingress_from_the_templates_own_group_is_a_client() {
    assert_eq!(
        plan("DbFromApp"),
        r#"orders/DbFromApp (orders.yaml, line 23)
  today: orders/DbFromApp declares ingress tcp/5432 from group orders-app on orders-db (created by platform), a group it does not create
  ring-fenced (client):
    - template orders is a client of orders-db (created by platform): its group orders-app reaches it on tcp/5432
    - template orders: egress tcp/5432 from its own group orders-app to orders-db (created by platform) (a rule on a group it creates)
    - template platform: admits the role group `orders-db-clients` on tcp/5432 (ingress on its own group), a group it creates and shares
    - template orders: its workloads join `orders-db-clients` beside orders-app
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut orders = app.stack("orders")?;
    let mut platform = app.stack("platform")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let orders_db = platform.security_group(&vpc, "orders-db", "Orders database")?;
    platform.share(&orders_db)?;
  in ringfence:
    // template platform: the owner admits a role, never one client
    let orders_db_clients = platform.security_group(&vpc, "orders-db-clients", "Every workload that uses orders-db")?;
    platform.share(&orders_db_clients)?;
    platform.allow_ingress(&orders_db, Peer::group(&orders_db_clients), Port::tcp(5432), "orders in PostgreSQL")?;
    // template orders: its own group, egress only where it goes
    let own = orders.security_group(&vpc, "orders-app", "Orders service tasks")?; // AppSG today
    orders.allow_egress(&own, Peer::group(&orders_db), Port::tcp(5432), "orders in PostgreSQL")?;
    let tasks = orders.group_set("tasks", [&own, &orders_db_clients])?;
"#
    );
}

/// The foreign group reaches the template's own group (issue #13, item 10): the template
/// admits it, the owner lets its group out to a role group the template's workloads join;
/// the owner never names the template's group.
#[test]
fn egress_to_the_templates_own_group_is_a_server() {
    assert_eq!(
        plan("MonitoringToApp"),
        r#"orders/MonitoringToApp (orders.yaml, line 33)
  today: orders/MonitoringToApp declares egress tcp/9100 to group orders-app on monitoring (created by platform), a group it does not create
  ring-fenced (server):
    - template orders serves monitoring (created by platform), which reaches its group orders-app on tcp/9100
    - template orders: ingress tcp/9100 from monitoring (created by platform) on its own group orders-app (a rule on a group it creates)
    - template platform: lets monitoring out to the role group `monitoring-targets` on tcp/9100 (egress on its own group), a group it creates and shares
    - template orders: its workloads join `monitoring-targets` beside orders-app
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut orders = app.stack("orders")?;
    let mut platform = app.stack("platform")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let monitoring = platform.security_group(&vpc, "monitoring", "Prometheus scrapers")?;
    platform.share(&monitoring)?;
  in ringfence:
    // template platform: the owner lets its group out to a role, never to one server
    let monitoring_targets = platform.security_group(&vpc, "monitoring-targets", "Every workload that monitoring reaches")?;
    platform.share(&monitoring_targets)?;
    platform.allow_egress(&monitoring, Peer::group(&monitoring_targets), Port::tcp(9100), "metrics of orders")?;
    // template orders: its own group admits monitoring
    let own = orders.security_group(&vpc, "orders-app", "Orders service tasks")?; // AppSG today
    orders.allow_ingress(&own, Peer::group(&monitoring), Port::tcp(9100), "metrics of orders")?;
    let tasks = orders.group_set("tasks", [&own, &monitoring_targets])?;
"#
    );
}

/// A group of a third stack (which imports from the owner) reaches the foreign group: that
/// stack is the client, and the template drops the rule.
#[test]
fn ingress_from_a_group_of_another_stack_makes_that_stack_a_client() {
    assert_eq!(
        plan("DbFromReporting"),
        r#"orders/DbFromReporting (orders.yaml, line 43)
  today: orders/DbFromReporting declares ingress tcp/5432 from group reporting on orders-db (created by platform), a group it does not create
  ring-fenced (client):
    - template reporting is a client of orders-db (created by platform): its group reporting reaches it on tcp/5432
    - template reporting: egress tcp/5432 from its own group reporting to orders-db (created by platform) (a rule on a group it creates)
    - template platform: admits the role group `orders-db-clients` on tcp/5432 (ingress on its own group), a group it creates and shares
    - template reporting: its workloads join `orders-db-clients` beside reporting
    - template orders: drops DbFromReporting, a rule between groups it does not create
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut platform = app.stack("platform")?;
    let mut reporting = app.stack("reporting")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let orders_db = platform.security_group(&vpc, "orders-db", "Orders database")?;
    platform.share(&orders_db)?;
  in ringfence:
    // template platform: the owner admits a role, never one client
    let orders_db_clients = platform.security_group(&vpc, "orders-db-clients", "Every workload that uses orders-db")?;
    platform.share(&orders_db_clients)?;
    platform.allow_ingress(&orders_db, Peer::group(&orders_db_clients), Port::tcp(5432), "order reports")?;
    // template reporting: its own group, egress only where it goes
    let own = reporting.security_group(&vpc, "reporting", "Reporting jobs")?; // ReportingSG today
    reporting.allow_egress(&own, Peer::group(&orders_db), Port::tcp(5432), "order reports")?;
    let tasks = reporting.group_set("tasks", [&own, &orders_db_clients])?;
"#
    );
}

/// The foreign group reaches a group of a third stack: that stack serves it (and declares
/// its half already), and the template drops the rule.
#[test]
fn egress_to_a_group_of_another_stack_makes_that_stack_a_server() {
    assert_eq!(
        plan("MonitoringToReporting"),
        r#"orders/MonitoringToReporting (orders.yaml, line 53)
  today: orders/MonitoringToReporting declares egress tcp/9100 to group reporting on monitoring (created by platform), a group it does not create
  ring-fenced (server):
    - template reporting serves monitoring (created by platform), which reaches its group reporting on tcp/9100
    - template reporting: ingress tcp/9100 from monitoring (created by platform) on its own group reporting (a rule on a group it creates, which it declares already: ReportingFromMonitoring)
    - template platform: lets monitoring out to the role group `monitoring-targets` on tcp/9100 (egress on its own group), a group it creates and shares
    - template reporting: its workloads join `monitoring-targets` beside reporting
    - template orders: drops MonitoringToReporting, a rule between groups it does not create
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut platform = app.stack("platform")?;
    let mut reporting = app.stack("reporting")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let monitoring = platform.security_group(&vpc, "monitoring", "Prometheus scrapers")?;
    platform.share(&monitoring)?;
  in ringfence:
    // template platform: the owner lets its group out to a role, never to one server
    let monitoring_targets = platform.security_group(&vpc, "monitoring-targets", "Every workload that monitoring reaches")?;
    platform.share(&monitoring_targets)?;
    platform.allow_egress(&monitoring, Peer::group(&monitoring_targets), Port::tcp(9100), "metrics of reporting")?;
    // template reporting: its own group admits monitoring
    let own = reporting.security_group(&vpc, "reporting", "Reporting jobs")?; // ReportingSG today
    reporting.allow_ingress(&own, Peer::group(&monitoring), Port::tcp(9100), "metrics of reporting")?;
    let tasks = reporting.group_set("tasks", [&own, &monitoring_targets])?;
"#
    );
}

/// Both groups are the owner's: the owner declares the rule.
#[test]
fn ingress_from_a_group_of_the_same_owner_moves_to_the_owner() {
    assert_eq!(
        plan("DbFromMonitoring"),
        r#"orders/DbFromMonitoring (orders.yaml, line 63)
  today: orders/DbFromMonitoring declares ingress tcp/9187 from group monitoring on orders-db (created by platform), a group it does not create
  ring-fenced (owner):
    - no workload of template orders joins orders-db (created by platform) or is the rule's peer: the rule concerns those groups only
    - template platform: declares ingress tcp/9187 from group monitoring on its own group
    - template orders: drops DbFromMonitoring
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut platform = app.stack("platform")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let orders_db = platform.security_group(&vpc, "orders-db", "Orders database")?;
    let monitoring = platform.security_group(&vpc, "monitoring", "Prometheus scrapers")?;
  in ringfence:
    // template platform
    platform.allow_ingress(&orders_db, Peer::group(&monitoring), Port::tcp(9187), "database metrics")?;
"#
    );
}

/// Both groups are the owner's: the owner declares the rule.
#[test]
fn egress_to_a_group_of_the_same_owner_moves_to_the_owner() {
    assert_eq!(
        plan("MonitoringToDb"),
        r#"orders/MonitoringToDb (orders.yaml, line 72)
  today: orders/MonitoringToDb declares egress tcp/9187 to group orders-db on monitoring (created by platform), a group it does not create
  ring-fenced (owner):
    - no workload of template orders joins monitoring (created by platform) or is the rule's peer: the rule concerns those groups only
    - template platform: declares egress tcp/9187 to group orders-db on its own group
    - template orders: drops MonitoringToDb
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut platform = app.stack("platform")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let monitoring = platform.security_group(&vpc, "monitoring", "Prometheus scrapers")?;
    let orders_db = platform.security_group(&vpc, "orders-db", "Orders database")?;
  in ringfence:
    // template platform
    platform.allow_egress(&monitoring, Peer::group(&orders_db), Port::tcp(9187), "database metrics")?;
"#
    );
}

/// An address range: the rule concerns the foreign group only.
#[test]
fn ingress_from_an_address_range_moves_to_the_owner() {
    assert_eq!(
        plan("DbFromVpn"),
        r#"orders/DbFromVpn (orders.yaml, line 82)
  today: orders/DbFromVpn declares ingress tcp/5432 from 10.8.0.0/16 on orders-db (created by platform), a group it does not create
  ring-fenced (owner):
    - no workload of template orders joins orders-db (created by platform) or is the rule's peer: the rule concerns that group only
    - template platform: declares ingress tcp/5432 from 10.8.0.0/16 on its own group
    - template orders: drops DbFromVpn
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut platform = app.stack("platform")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let orders_db = platform.security_group(&vpc, "orders-db", "Orders database")?;
  in ringfence:
    // template platform
    platform.allow_ingress(&orders_db, Peer::ipv4("10.8.0.0/16")?, Port::tcp(5432), "administration over the VPN")?;
"#
    );
}

/// An address range: the rule concerns the foreign group only.
#[test]
fn egress_to_an_address_range_moves_to_the_owner() {
    assert_eq!(
        plan("MonitoringToInternet"),
        r#"orders/MonitoringToInternet (orders.yaml, line 91)
  today: orders/MonitoringToInternet declares egress tcp/443 to 0.0.0.0/0 (the Internet) on monitoring (created by platform), a group it does not create
  ring-fenced (owner):
    - no workload of template orders joins monitoring (created by platform) or is the rule's peer: the rule concerns that group only
    - template platform: declares egress tcp/443 to 0.0.0.0/0 (the Internet) on its own group
    - template orders: drops MonitoringToInternet
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut platform = app.stack("platform")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let monitoring = platform.security_group(&vpc, "monitoring", "Prometheus scrapers")?;
  in ringfence:
    // template platform
    platform.allow_egress(&monitoring, Peer::any_ipv4(), Port::tcp(443), "alert webhooks")?;
"#
    );
}

/// A group outside the suite (a parameter): its owner is the snippet's `owner`, and the role
/// group is named after the parameter (`SessionCacheSecurityGroup` → `session-cache-clients`).
#[test]
fn on_a_group_outside_the_suite_ingress_from_the_templates_own_group_is_a_client() {
    assert_eq!(
        plan("CacheFromApp"),
        r#"orders/CacheFromApp (orders.yaml, line 102)
  today: orders/CacheFromApp declares ingress tcp/6379 from group orders-app on the group passed as parameter SessionCacheSecurityGroup, a group it does not create
  ring-fenced (client):
    - template orders is a client of the group passed as parameter SessionCacheSecurityGroup: its group orders-app reaches it on tcp/6379
    - template orders: egress tcp/6379 from its own group orders-app to the group passed as parameter SessionCacheSecurityGroup (a rule on a group it creates)
    - the template that creates the group passed as parameter SessionCacheSecurityGroup: admits the role group `session-cache-clients` on tcp/6379 (ingress on its own group), a group it creates and shares
    - template orders: its workloads join `session-cache-clients` beside orders-app
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut orders = app.stack("orders")?;
    let mut owner = app.stack("owner")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let session_cache_security_group = owner.security_group(&vpc, "session-cache", "the group passed as parameter SessionCacheSecurityGroup")?;
    owner.share(&session_cache_security_group)?;
  in ringfence:
    // the template that creates the group passed as parameter SessionCacheSecurityGroup: the owner admits a role, never one client
    let session_cache_clients = owner.security_group(&vpc, "session-cache-clients", "Every workload that uses session-cache")?;
    owner.share(&session_cache_clients)?;
    owner.allow_ingress(&session_cache_security_group, Peer::group(&session_cache_clients), Port::tcp(6379), "sessions")?;
    // template orders: its own group, egress only where it goes
    let own = orders.security_group(&vpc, "orders-app", "Orders service tasks")?; // AppSG today
    orders.allow_egress(&own, Peer::group(&session_cache_security_group), Port::tcp(6379), "sessions")?;
    let tasks = orders.group_set("tasks", [&own, &session_cache_clients])?;
"#
    );
}

/// A group outside the suite reaches the template's own group: `session-cache-targets`.
#[test]
fn on_a_group_outside_the_suite_egress_to_the_templates_own_group_is_a_server() {
    assert_eq!(
        plan("CacheToApp"),
        r#"orders/CacheToApp (orders.yaml, line 111)
  today: orders/CacheToApp declares egress tcp/8080 to group orders-app on the group passed as parameter SessionCacheSecurityGroup, a group it does not create
  ring-fenced (server):
    - template orders serves the group passed as parameter SessionCacheSecurityGroup, which reaches its group orders-app on tcp/8080
    - template orders: ingress tcp/8080 from the group passed as parameter SessionCacheSecurityGroup on its own group orders-app (a rule on a group it creates)
    - the template that creates the group passed as parameter SessionCacheSecurityGroup: lets that group out to the role group `session-cache-targets` on tcp/8080 (egress on its own group), a group it creates and shares
    - template orders: its workloads join `session-cache-targets` beside orders-app
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut orders = app.stack("orders")?;
    let mut owner = app.stack("owner")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let session_cache_security_group = owner.security_group(&vpc, "session-cache", "the group passed as parameter SessionCacheSecurityGroup")?;
    owner.share(&session_cache_security_group)?;
  in ringfence:
    // the template that creates the group passed as parameter SessionCacheSecurityGroup: the owner lets its group out to a role, never to one server
    let session_cache_targets = owner.security_group(&vpc, "session-cache-targets", "Every workload that session-cache reaches")?;
    owner.share(&session_cache_targets)?;
    owner.allow_egress(&session_cache_security_group, Peer::group(&session_cache_targets), Port::tcp(8080), "invalidation callbacks")?;
    // template orders: its own group admits session-cache
    let own = orders.security_group(&vpc, "orders-app", "Orders service tasks")?; // AppSG today
    orders.allow_ingress(&own, Peer::group(&session_cache_security_group), Port::tcp(8080), "invalidation callbacks")?;
    let tasks = orders.group_set("tasks", [&own, &session_cache_targets])?;
"#
    );
}

/// A group outside the suite and a group of a third stack: its owner cannot name a group of
/// the suite, so the third stack is the client.
#[test]
fn on_a_group_outside_the_suite_ingress_from_another_stack_makes_that_stack_a_client() {
    assert_eq!(
        plan("CacheFromReporting"),
        r#"orders/CacheFromReporting (orders.yaml, line 120)
  today: orders/CacheFromReporting declares ingress tcp/6379 from group reporting on the group passed as parameter SessionCacheSecurityGroup, a group it does not create
  ring-fenced (client):
    - template reporting is a client of the group passed as parameter SessionCacheSecurityGroup: its group reporting reaches it on tcp/6379
    - template reporting: egress tcp/6379 from its own group reporting to the group passed as parameter SessionCacheSecurityGroup (a rule on a group it creates)
    - the template that creates the group passed as parameter SessionCacheSecurityGroup: admits the role group `session-cache-clients` on tcp/6379 (ingress on its own group), a group it creates and shares
    - template reporting: its workloads join `session-cache-clients` beside reporting
    - template orders: drops CacheFromReporting, a rule between groups it does not create
  assumes:
    use ringfence::{App, Peer, Port, Vpc};
    let app = App::new("app");
    let mut reporting = app.stack("reporting")?;
    let mut owner = app.stack("owner")?;
    let vpc = Vpc::from_id(todo!("the VPC's id: default VPC"))?;
    let session_cache_security_group = owner.security_group(&vpc, "session-cache", "the group passed as parameter SessionCacheSecurityGroup")?;
    owner.share(&session_cache_security_group)?;
  in ringfence:
    // the template that creates the group passed as parameter SessionCacheSecurityGroup: the owner admits a role, never one client
    let session_cache_clients = owner.security_group(&vpc, "session-cache-clients", "Every workload that uses session-cache")?;
    owner.share(&session_cache_clients)?;
    owner.allow_ingress(&session_cache_security_group, Peer::group(&session_cache_clients), Port::tcp(6379), "session reports")?;
    // template reporting: its own group, egress only where it goes
    let own = reporting.security_group(&vpc, "reporting", "Reporting jobs")?; // ReportingSG today
    reporting.allow_egress(&own, Peer::group(&session_cache_security_group), Port::tcp(6379), "session reports")?;
    let tasks = reporting.group_set("tasks", [&own, &session_cache_clients])?;
"#
    );
}
