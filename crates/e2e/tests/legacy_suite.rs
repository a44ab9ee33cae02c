//! The legacy chat platform (`legacy/chat-platform/`): hand-written CloudFormation of the
//! kind teams really have, read as one suite. Every finding the analysis reports over it
//! is asserted: check, severity, template, logical id, property path and suppression.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ringfence::analyze::{analyze, Finding, Report, Severity, Suite};
use ringfence::cfn::Template;

/// The id the deployment pipeline passes to every bot stack as `SharedBotsSecurityGroup`
/// (the network stack's `SharedBotsSG` output).
const SHARED_BOTS_SG: &str = "sg-0b7a1c2d3e4f50617";

/// The bot stacks that take the shared group as a parameter.
const TAKE_SHARED_GROUP: &[&str] = &["bot-dice", "bot-trivia", "bot-weather"];

/// Every template of the folder, by stack name (the file stem).
const TEMPLATES: &[&str] =
    &["bot-dice", "bot-moderation", "bot-trivia", "bot-weather", "chat-history-db", "network"];

const WEATHER_REASON: &str = "Moves to a weather-clients role group in CHAT-1423; until then bots reach the forecast API through the shared group";

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../legacy/chat-platform")
}

/// Every file of the folder; templates are the `.yaml` and `.json` ones.
fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(folder()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

fn is_template(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "json"))
}

/// The suite as read from disk, stack name = file stem; parameter values as given.
fn suite_with(parameters: bool) -> Suite {
    let mut suite = Suite::new();
    for path in files().into_iter().filter(|p| is_template(p)) {
        let text = std::fs::read_to_string(&path).unwrap();
        let template = Template::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        suite.add(stem, name, template);
    }
    if parameters {
        for t in suite.templates_mut() {
            if TAKE_SHARED_GROUP.contains(&t.stack.as_str()) {
                t.parameters.insert("SharedBotsSecurityGroup".into(), SHARED_BOTS_SG.into());
            }
        }
    }
    suite
}

fn report() -> Report {
    analyze(&suite_with(true))
}

type Row = (&'static str, Severity, String, String, String, Option<String>);

fn row(f: &Finding) -> Row {
    (f.check, f.severity, f.template.clone(), f.logical_id.clone(), f.path.clone(), f.suppressed.clone())
}

/// An expected finding: check, severity, template, logical id, path, suppression reason.
type Expected = (&'static str, Severity, &'static str, &'static str, &'static str, Option<&'static str>);

/// Every finding expected over the suite, suppressed ones included. Nothing else may be
/// reported.
const EXPECTED: &[Expected] = &[
    // network
    ("RF301", Severity::Error, "network", "BastionSG", "Properties.SecurityGroupIngress[0]", None),
    ("RF501", Severity::Warning, "network", "DataInPostgresFromOfficeVpn", "Properties", None),
    ("RF502", Severity::Warning, "network", "DataInDenyPostgresFromPublic", "Properties", None),
    ("RF503", Severity::Info, "network", "PublicSubnetA", "Properties", None),
    ("RF503", Severity::Info, "network", "PublicSubnetB", "Properties", None),
    ("RF503", Severity::Info, "network", "PrivateSubnetA", "Properties", None),
    ("RF503", Severity::Info, "network", "PrivateSubnetB", "Properties", None),
    // bot-dice
    ("RF101", Severity::Error, "bot-dice", "DiceApiFromBots", "Properties", None),
    ("RF202", Severity::Warning, "bot-dice", "DiceBotSG", "Properties", None),
    // the suppression without a reason suppresses nothing
    ("RF202", Severity::Warning, "bot-dice", "DiceApiFromBots", "Properties", None),
    ("RF900", Severity::Warning, "bot-dice", "DiceApiFromBots", "Metadata.ringfence.suppress", None),
    // bot-trivia
    ("RF101", Severity::Error, "bot-trivia", "TriviaApiFromBots", "Properties", None),
    ("RF103", Severity::Error, "bot-trivia", "TriviaApiFromBots", "Properties", None),
    ("RF303", Severity::Error, "bot-trivia", "TriviaBotSG", "Properties", None),
    // bot-weather
    ("RF101", Severity::Error, "bot-weather", "WeatherApiFromBots", "Properties", Some(WEATHER_REASON)),
    ("RF201", Severity::Warning, "bot-weather", "WeatherWebhookSG", "Properties", None),
    ("RF302", Severity::Error, "bot-weather", "WeatherWebhookSG", "Properties.SecurityGroupIngress[1]", None),
    (
        "RF202",
        Severity::Warning,
        "bot-weather",
        "WeatherWebhookSG",
        "Properties.SecurityGroupIngress[1]",
        None,
    ),
    // bot-moderation
    ("RF101", Severity::Error, "bot-moderation", "ScreeningFromBots", "Properties", None),
    // chat-history-db (JSON)
    ("RF101", Severity::Error, "chat-history-db", "ReportingIntoDatabase", "Properties", None),
    ("RF102", Severity::Error, "chat-history-db", "RouteToReporting", "Properties", None),
    ("RF102", Severity::Error, "chat-history-db", "DataInPostgresFromReporting", "Properties", None),
    ("RF102", Severity::Error, "chat-history-db", "DataOutReturnToReporting", "Properties", None),
];

/// The one finding of `check` at `template`/`id`/`path`.
fn the<'r>(report: &'r Report, check: &str, template: &str, id: &str, path: &str) -> &'r Finding {
    let found: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.check == check && f.template == template && f.logical_id == id && f.path == path)
        .collect();
    assert_eq!(found.len(), 1, "{check} at {template}/{id} {path}: {found:#?}");
    found[0]
}

#[test]
fn the_folder_holds_the_templates_and_the_readme() {
    let names: Vec<String> =
        files().iter().map(|p| p.file_name().unwrap().to_str().unwrap().to_owned()).collect();
    let stems: Vec<String> = files()
        .iter()
        .filter(|p| is_template(p))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(stems, TEMPLATES, "{names:?}");
    assert_eq!(names.len(), TEMPLATES.len() + 1, "only README.md besides the templates: {names:?}");
    assert!(names.contains(&"README.md".to_owned()));
    assert!(names.iter().any(|n| n.ends_with(".json")), "at least one JSON template");
    let suite = suite_with(false);
    let network = &suite.templates().iter().find(|t| t.stack == "network").unwrap().template;
    assert!(network.resources.len() > 30, "a real network, not a toy");
}

#[test]
fn every_finding_is_expected_and_every_expected_finding_is_reported() {
    let report = report();
    let mut actual: Vec<Row> = report.findings.iter().map(row).collect();
    let mut expected: Vec<Row> = EXPECTED
        .iter()
        .map(|(c, s, t, id, p, sup)| {
            (*c, *s, (*t).to_owned(), (*id).to_owned(), (*p).to_owned(), sup.map(str::to_owned))
        })
        .collect();
    actual.sort();
    expected.sort();
    let missing: Vec<&Row> = expected.iter().filter(|e| !actual.contains(e)).collect();
    let unexpected: Vec<&Finding> = report.findings.iter().filter(|f| !expected.contains(&row(f))).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
    assert_eq!(actual, expected, "no finding is reported twice");
    for f in &report.findings {
        assert_eq!(
            f.source,
            format!("{}.{}", f.template, if f.template == "chat-history-db" { "json" } else { "yaml" })
        );
        assert!(!f.message.is_empty() && !f.hint.is_empty(), "{f}");
    }
}

#[test]
fn findings_come_by_template_most_severe_first() {
    let report = report();
    let order: BTreeMap<&str, usize> = TEMPLATES.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let keys: Vec<(usize, std::cmp::Reverse<Severity>)> =
        report.findings.iter().map(|f| (order[f.template.as_str()], std::cmp::Reverse(f.severity))).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn the_suppressed_finding_is_listed_with_its_reason_and_not_counted() {
    let report = report();
    let f = the(&report, "RF101", "bot-weather", "WeatherApiFromBots", "Properties");
    assert_eq!(f.suppressed.as_deref(), Some(WEATHER_REASON));
    assert!(f.to_string().contains("(suppressed: Moves to a weather-clients role group"), "{f}");
    assert!(report.active().all(|a| a != f));
    assert_eq!(report.findings.iter().filter(|f| f.suppressed.is_some()).count(), 1);
    assert_eq!(report.of("RF101").len(), 4);
    assert!(report.of("RF101").iter().all(|f| f.template != "bot-weather"));
    assert_eq!(report.active().count(), EXPECTED.len() - 1);
    assert_eq!(report.count(Severity::Error), 11);
    assert_eq!(report.count(Severity::Warning), 7);
    assert_eq!(report.count(Severity::Info), 4);
}

#[test]
fn a_suppression_without_a_reason_suppresses_nothing() {
    let report = report();
    let rf900 = the(&report, "RF900", "bot-dice", "DiceApiFromBots", "Metadata.ringfence.suppress");
    assert_eq!(rf900.severity, Severity::Warning);
    assert!(rf900.message.contains("RF202"), "{}", rf900.message);
    let rf202 = the(&report, "RF202", "bot-dice", "DiceApiFromBots", "Properties");
    assert_eq!(rf202.suppressed, None);
    assert!(report.of("RF202").contains(&rf202));
}

#[test]
fn rules_on_the_shared_group_are_the_rollback_hazard() {
    let report = report();
    // Passed in as a parameter (its value given for the deployment): a group outside the suite.
    for (stack, id) in [("bot-dice", "DiceApiFromBots"), ("bot-trivia", "TriviaApiFromBots")] {
        let f = the(&report, "RF101", stack, id, "Properties");
        assert!(f.message.contains(SHARED_BOTS_SG) && f.message.contains("an ingress rule"), "{}", f.message);
    }
    // Imported: resolved through the export to the network stack's group.
    let f = the(&report, "RF101", "bot-moderation", "ScreeningFromBots", "Properties");
    assert!(f.message.contains("`SharedBotsSG`, created by template network"), "{}", f.message);
    let f = the(&report, "RF101", "chat-history-db", "ReportingIntoDatabase", "Properties");
    assert!(f.message.contains("`DatabaseSG`, created by template network"), "{}", f.message);
}

#[test]
fn the_copied_rule_is_a_duplicate_across_templates() {
    let report = report();
    let f = the(&report, "RF103", "bot-trivia", "TriviaApiFromBots", "Properties");
    assert_eq!(f.severity, Severity::Error, "across templates, so an error");
    assert!(f.message.contains("bot-dice/DiceApiFromBots"), "{}", f.message);
    // The weather bot's rule on the same group differs by port, the moderation bot's by
    // group as far as the analysis can tell (import vs. parameter value).
    assert_eq!(report.findings.iter().filter(|f| f.check == "RF103").count(), 1);
}

#[test]
fn hygiene_findings_say_what_is_wrong() {
    let report = report();
    let f = the(&report, "RF201", "bot-weather", "WeatherWebhookSG", "Properties");
    assert!(f.message.contains("allow-https-8443") && f.message.contains("`allow`"), "{}", f.message);
    let f = the(&report, "RF301", "network", "BastionSG", "Properties.SecurityGroupIngress[0]");
    assert!(f.message.contains("22 (SSH)"), "{}", f.message);
    let f = the(&report, "RF302", "bot-weather", "WeatherWebhookSG", "Properties.SecurityGroupIngress[1]");
    assert!(f.message.contains("all traffic"), "{}", f.message);
    let f = the(&report, "RF303", "bot-trivia", "TriviaBotSG", "Properties");
    assert!(f.message.contains("2 standalone egress rule(s)"), "{}", f.message);
    let f = the(&report, "RF202", "bot-dice", "DiceBotSG", "Properties");
    assert!(f.message.contains("group has no description"), "{}", f.message);
}

#[test]
fn nacl_and_route_findings_name_the_entries() {
    let report = report();
    let f = the(&report, "RF501", "network", "DataInPostgresFromOfficeVpn", "Properties");
    assert!(f.message.contains("192.168.100.0/24") && f.message.contains("tcp/5432"), "{}", f.message);
    let f = the(&report, "RF502", "network", "DataInDenyPostgresFromPublic", "Properties");
    assert!(f.message.contains("rule 110 never matches: rule 100 already allows"), "{}", f.message);
    let f = the(&report, "RF102", "chat-history-db", "RouteToReporting", "Properties");
    assert!(f.message.contains("network/DataRouteTable"), "{}", f.message);
    for id in ["DataInPostgresFromReporting", "DataOutReturnToReporting"] {
        let f = the(&report, "RF102", "chat-history-db", id, "Properties");
        assert!(f.message.contains("entry 130") && f.message.contains("network/DataNacl"), "{}", f.message);
    }
    // The reporting entries added elsewhere still count as the data NACL's: the inbound
    // one has its return path, so it is no RF501.
    assert!(report.findings.iter().all(|f| !(f.check == "RF501" && f.template == "chat-history-db")));
}

#[test]
fn without_parameter_values_the_shared_group_is_a_parameter() {
    let report = analyze(&suite_with(false));
    for (stack, id) in [
        ("bot-dice", "DiceApiFromBots"),
        ("bot-trivia", "TriviaApiFromBots"),
        ("bot-weather", "WeatherApiFromBots"),
    ] {
        let f = the(&report, "RF101", stack, id, "Properties");
        assert!(
            f.message.contains("parameter `SharedBotsSecurityGroup` (the shared-group rollback hazard)"),
            "{}",
            f.message
        );
    }
}
