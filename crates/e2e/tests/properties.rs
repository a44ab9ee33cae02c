//! Property tests over generated apps: the invariants of DESIGN.md hold for every app,
//! not only the examples. The generator and the model every call is checked against are
//! in `app_gen` (what they cover is listed there).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod app_gen;
mod support;

use std::collections::{BTreeMap, BTreeSet};

use app_gen::{app_spec, build, stack_name, synth_as_expected, AppSpec, Built, Choice, Edit, Options};
use proptest::prelude::*;
use proptest::sample::Index;
use ringfence::{
    App, Assembly, Attributes, Error, GatewayService, NaclRule, Peer, Port, Props, SecurityGroup, Vpc,
    VpcSpec,
};
use serde_json::Value;

/// Options under which every generated app synthesizes: everything shared, every
/// world-open port accepted.
const VALID: Options = Options { share_all: true, suppress_all_world: true, edit: Edit::None };

fn valid(edit: Edit) -> Options {
    Options { edit, ..VALID }
}

fn json_of(a: &Assembly) -> Vec<(String, String)> {
    a.stacks().iter().map(|s| (s.name.to_string(), s.template.to_json())).collect()
}

/// Asserts two lists of templates are equal, saying which differ and how (not printing
/// them whole).
fn same_templates(a: &[(String, String)], b: &[(String, String)]) -> Result<(), TestCaseError> {
    let names = |x: &[(String, String)]| x.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    prop_assert_eq!(names(a), names(b));
    for ((n, x), (_, y)) in a.iter().zip(b) {
        if x != y {
            let (x, y): (Value, Value) = (serde_json::from_str(x).unwrap(), serde_json::from_str(y).unwrap());
            prop_assert!(
                false,
                "template of {} differs: {:?}; outside the sections equal: {}",
                n,
                diff(&x, &y),
                rest(&x) == rest(&y)
            );
        }
    }
    Ok(())
}

#[track_caller]
fn synth_valid(spec: &AppSpec, edit: Edit) -> (Built, Assembly) {
    let b = build(spec, valid(edit));
    let a = b.app.synth().unwrap_or_else(|e| panic!("{edit:?}: {e}"));
    (b, a)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Every call of a generated acyclic app does what the model says (the specific
    /// error for every invalid combination); synthesis fails with exactly the unshared
    /// references and world-open ports the model expects, and otherwise keeps every
    /// invariant the oracle checks. The same app with everything shared and accepted
    /// always synthesizes, keeps every invariant, and synthesizes byte-identically twice.
    #[test]
    fn generated_apps_keep_every_invariant(spec in app_spec(true)) {
        let b = build(&spec, Options::default());
        if let Some(assembly) = synth_as_expected(&b) {
            support::assert_invariants(&assembly);
        }
        let (_, assembly) = synth_valid(&spec, Edit::None);
        support::assert_invariants(&assembly);
        // The analysis engine agrees: no ring-fencing finding on synthesized templates.
        let report = ringfence::analyze::analyze(&assembly.suite());
        for check in ["RF101", "RF102", "RF303"] {
            prop_assert!(report.of(check).is_empty(), "{:#?}", report.findings);
        }
        same_templates(&json_of(&assembly), &json_of(&synth_valid(&spec, Edit::None).1))?;
    }

    /// `ringfence diff` of a generated app against itself, synthesized twice, is empty;
    /// declaring two rules in the other order opens and closes no flow; leaving a rule
    /// out never opens one.
    #[test]
    fn diff_of_a_generated_app_against_itself_is_empty(spec in app_spec(true), i in 0usize..8) {
        let (_, a) = synth_valid(&spec, Edit::None);
        let d = a.diff(&synth_valid(&spec, Edit::None).1);
        prop_assert!(d.is_empty(), "{:#?}", d);
        let swapped = build(&spec, valid(Edit::SwapRules(i))).app.synth();
        if let Ok(b) = swapped {
            let d = a.diff(&b);
            prop_assert!(d.flows.is_empty(), "{:#?}", d.flows);
        }
        let skipped = build(&spec, valid(Edit::SkipRule(i))).app.synth();
        if let Ok(b) = skipped {
            let d = a.diff(&b);
            prop_assert!(d.flows.opened.is_empty(), "{:#?}", d.flows);
        }
    }

    /// Synthesis fails with cycle errors exactly when the stacks import from each other
    /// in a cycle, and then also with every other error the model expects.
    #[test]
    fn cycles_are_found_exactly(spec in app_spec(false)) {
        let b = build(&spec, Options::default());
        if let Some(assembly) = synth_as_expected(&b) {
            support::assert_invariants(&assembly);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Foreign attempts.

/// One attempt of stack `attacker` on an object of stack `victim` (or outside the app).
#[derive(Debug, Clone)]
struct Attempt {
    attacker: Index,
    victim: Index,
    kind: usize,
    pick: Index,
}

const ATTEMPT_KINDS: usize = 21;

/// How an attempt must be refused.
#[derive(Debug, Clone, PartialEq)]
enum Refusal {
    Foreign { stack: String, action: &'static str, object: String, owner: String },
    Target { construct: String, resource_type: String, property: &'static str },
    Param { stack: String, object: String, owner: String },
    App { stack: String, object: String },
}

fn refused_as<T: std::fmt::Debug>(r: Result<T, Error>, want: &Refusal) -> Result<(), TestCaseError> {
    let ok = match (&r, want) {
        (
            Err(Error::ForeignObject { stack, action, object, owner, .. }),
            Refusal::Foreign { stack: s, action: a, object: o, owner: w },
        ) => (stack, action, object, owner) == (s, a, o, w),
        (
            Err(Error::ForeignNetworkTarget { construct, resource_type, property, .. }),
            Refusal::Target { construct: c, resource_type: t, property: p },
        ) => (construct, resource_type, property) == (c, t, p),
        (
            Err(Error::ParameterOfOtherStack { stack, object, owner, .. }),
            Refusal::Param { stack: s, object: o, owner: w },
        ) => (stack, object, owner) == (s, o, w),
        (Err(Error::ForeignApp { stack, object }), Refusal::App { stack: s, object: o }) => {
            (stack, object) == (s, o)
        }
        _ => false,
    };
    prop_assert!(ok, "expected {:?}, got {:?}", want, r);
    Ok(())
}

/// A second app, whose handles no stack of the first may use.
struct OtherApp {
    _app: App,
    vpc: Vpc,
    group: SecurityGroup,
}

fn other_app() -> OtherApp {
    let app = App::new("other");
    let mut s = app.stack("o").unwrap();
    let vpc = s.vpc("main", VpcSpec::new("10.9.0.0/16").unwrap()).unwrap();
    let group = s.security_group(&vpc, "stranger", "A group of another app").unwrap();
    OtherApp { _app: app, vpc, group }
}

fn foreign(stack: usize, action: &'static str, object: &str, owner: &str) -> Refusal {
    Refusal::Foreign { stack: stack_name(stack), action, object: object.to_owned(), owner: owner.to_owned() }
}

/// Makes attempt `j` and checks it is refused as it must be; returns the kind it ended up
/// as (some fall back to another when the app has no object of the kind).
fn attempt(b: &mut Built, other: &OtherApp, j: usize, a: &Attempt) -> Result<usize, TestCaseError> {
    let n = b.stacks.len();
    let s = a.attacker.index(n);
    let victims: Vec<usize> = (0..n).filter(|&t| t != s).collect();
    let t = (!victims.is_empty()).then(|| victims[a.victim.index(victims.len())]);
    let id = format!("attempt{j}");
    // VPCs and NACLs of other stacks, the victim's first.
    let theirs = |b: &Built, t: Option<usize>| -> Option<(usize, Vpc)> {
        let vpcs: Vec<&(usize, Vpc)> =
            [&b.main, &b.second].into_iter().flatten().filter(|(o, _)| *o != s).collect();
        vpcs.iter().find(|(o, _)| Some(*o) == t).or(vpcs.first()).map(|&x| x.clone())
    };
    let their_nacl =
        b.nacls.iter().filter(|(o, _, _)| *o != s).max_by_key(|(o, _, _)| Some(*o) == t).cloned();
    let my_nacl = b.nacls.iter().find(|(o, _, _)| *o == s).cloned();
    let mut kind = a.kind.min(ATTEMPT_KINDS - 1);
    // Fallbacks: attempts that need what the app lacks become other attempts.
    loop {
        let needs_victim = !matches!(kind, 5 | 12 | 18 | 19);
        kind = match kind {
            _ if needs_victim && t.is_none() => 18,
            8..=10 if their_nacl.is_none() => 0,
            11 if my_nacl.is_none() || theirs(b, t).is_none() => 10,
            13 if theirs(b, t).is_none() => 12,
            20 if s == 0 || b.main.is_none() => 15,
            _ => break,
        };
    }
    let victim_group = |b: &Built| {
        let t = t.unwrap();
        b.groups[t][a.pick.index(b.groups[t].len())].clone()
    };
    let stack = b.stacks[s].as_mut().unwrap();
    match kind {
        0..=2 => {
            let g = victim_group(b);
            let stack = b.stacks[s].as_mut().unwrap();
            let (r, action) = match kind {
                0 => (
                    stack.allow_ingress(&g, Peer::any_ipv4(), Port::SSH, "attempt"),
                    "add an ingress rule to",
                ),
                1 => (
                    stack.allow_egress(&g, Peer::any_ipv4(), Port::HTTPS, "attempt"),
                    "add an egress rule to",
                ),
                _ => (stack.allow_all_outbound(&g, "attempt"), "add an egress rule to"),
            };
            refused_as(r, &foreign(s, action, g.path(), &stack_name(t.unwrap())))?;
        }
        3 => {
            let g = victim_group(b);
            let r = b.stacks[s].as_mut().unwrap().share(&g);
            refused_as(r, &foreign(s, "share", g.path(), &stack_name(t.unwrap())))?;
        }
        4 => {
            let t = t.unwrap();
            let vpc = [&b.main, &b.second].into_iter().flatten().find(|(o, _)| *o == t).cloned();
            let anchor = b.anchors[t].clone().unwrap();
            let stack = b.stacks[s].as_mut().unwrap();
            match vpc {
                Some((_, v)) => refused_as(stack.share(&v), &foreign(s, "share", v.path(), &stack_name(t)))?,
                None => {
                    refused_as(stack.share(&anchor), &foreign(s, "share", anchor.path(), &stack_name(t)))?
                }
            }
        }
        5 => {
            let v = Vpc::from_id("vpc-0a1b2c3d").unwrap();
            refused_as(stack.share(&v), &foreign(s, "share", "vpc-0a1b2c3d", "(outside this app)"))?;
        }
        6 => {
            let g = victim_group(b);
            let r = b.stacks[s].as_mut().unwrap().suppress(&g, "RF301", "attempt");
            refused_as(r, &foreign(s, "suppress a finding on", g.path(), &stack_name(t.unwrap())))?;
        }
        7 => {
            let t = t.unwrap();
            let action = "suppress a finding on";
            let nacl = b.nacls.iter().find(|(o, _, _)| *o == t).cloned();
            let vpc = [&b.main, &b.second].into_iter().flatten().find(|(o, _)| *o == t).cloned();
            let anchor = b.anchors[t].clone().unwrap();
            let stack = b.stacks[s].as_mut().unwrap();
            let owner = stack_name(t);
            match (nacl, vpc, a.pick.index(2)) {
                (Some((_, _, acl)), _, 0) => refused_as(
                    stack.suppress(&acl, "RF501", "attempt"),
                    &foreign(s, action, acl.path(), &owner),
                )?,
                (_, Some((_, v)), _) => {
                    let subnets = v.subnet_group("data").unwrap();
                    let r = stack.suppress(&subnets, "RF503", "attempt");
                    refused_as(r, &foreign(s, action, &subnets.describe(), &owner))?
                }
                _ => refused_as(
                    stack.suppress(&anchor, "RF202", "attempt"),
                    &foreign(s, action, anchor.path(), &owner),
                )?,
            }
        }
        8..=10 => {
            let (owner, which, acl) = their_nacl.unwrap();
            let (_, vpc) = b.vpc(which).cloned().unwrap();
            let stack = b.stacks[s].as_mut().unwrap();
            let rule = NaclRule::allow_in(300, Peer::any_ipv4(), Port::HTTPS, "attempt");
            let (r, action) = match kind {
                8 => (stack.nacl_entry(&acl, rule), "add an entry to"),
                9 => (stack.nacl_allow_with_return(&acl, rule), "add an entry to"),
                _ => (stack.associate_nacl(&acl, &vpc.subnet_group("data").unwrap()), "associate"),
            };
            refused_as(r, &foreign(s, action, acl.path(), &stack_name(owner)))?;
        }
        11 => {
            let (_, _, acl) = my_nacl.unwrap();
            let (owner, vpc) = theirs(b, t).unwrap();
            let r = b.stacks[s].as_mut().unwrap().associate_nacl(&acl, &vpc.subnet_group("data").unwrap());
            refused_as(
                r,
                &foreign(s, "associate a network ACL with subnets of", vpc.path(), &stack_name(owner)),
            )?;
        }
        12 => {
            let action = "create a network ACL in";
            match theirs(b, t) {
                Some((owner, vpc)) => {
                    let r = b.stacks[s].as_mut().unwrap().network_acl(&vpc, &id);
                    refused_as(r, &foreign(s, action, vpc.path(), &stack_name(owner)))?;
                }
                None => {
                    let vpc = Vpc::from_id("vpc-0a1b2c3d").unwrap();
                    let r = b.stacks[s].as_mut().unwrap().network_acl(&vpc, &id);
                    refused_as(r, &foreign(s, action, "vpc-0a1b2c3d", "(outside this app)"))?;
                }
            }
        }
        13 => {
            let (owner, vpc) = theirs(b, t).unwrap();
            let subnets = vpc.subnet_group("data").unwrap();
            let r = b.stacks[s].as_mut().unwrap().gateway_endpoint(&id, GatewayService::DynamoDb, &subnets);
            refused_as(r, &foreign(s, "add gateway endpoint routes to", vpc.path(), &stack_name(owner)))?;
        }
        14 => {
            // An escape-hatch resource whose targets name this stack's own objects where
            // it has them, except one that names the victim's.
            let types: Vec<_> = app_gen::escape_types()
                .into_iter()
                .filter(|(ty, targets)| !targets.is_empty() && !app_gen::GUARDED.contains(ty))
                .collect();
            let (ty, targets) = types[a.pick.index(types.len())];
            let foreign_at = a.victim.index(targets.len());
            let live = vec![true; n];
            let mut props = Props::new();
            let mut first_foreign = None;
            for (k, target) in targets.iter().enumerate() {
                let choice = if k == foreign_at { Choice::Other(a.victim) } else { Choice::Own };
                let (value, own) = app_gen::target_value(b, &live, s, target, choice);
                if !own && first_foreign.is_none() {
                    first_foreign = Some(target.property);
                }
                props = props.set(target.property, value);
            }
            let want = Refusal::Target {
                construct: format!("s{s}/{id}"),
                resource_type: ty.to_owned(),
                property: first_foreign.expect("the victim's object is foreign"),
            };
            refused_as(b.stacks[s].as_mut().unwrap().resource(&id, ty, props), &want)?;
        }
        15 => {
            let t = t.unwrap();
            let anchor = b.anchors[t].clone().unwrap();
            let r = b.stacks[s].as_mut().unwrap().resource_with(
                &id,
                "AWS::SNS::Topic",
                Props::new(),
                Attributes::new().depends_on(&anchor),
            );
            refused_as(r, &foreign(s, "wait for", anchor.path(), &stack_name(t)))?;
        }
        16 | 17 => {
            let t = t.unwrap();
            let param = b.params[t].clone().unwrap().0;
            let mine = b.groups[s][0].clone();
            let stack = b.stacks[s].as_mut().unwrap();
            let want =
                Refusal::Param { stack: stack_name(s), object: format!("s{t}/ptyped"), owner: stack_name(t) };
            if kind == 16 {
                refused_as(stack.allow_ingress(&mine, Peer::group(&param), Port::HTTPS, "attempt"), &want)?;
            } else {
                let members: [ringfence::GroupRef; 2] = [(&mine).into(), (&param).into()];
                refused_as(stack.group_set(&id, members), &want)?;
            }
        }
        18 => {
            let r = stack.allow_ingress(&other.group, Peer::any_ipv4(), Port::HTTPS, "attempt");
            refused_as(r, &Refusal::App { stack: stack_name(s), object: other.group.path().to_owned() })?;
            let r = stack.share(&other.vpc);
            refused_as(r, &Refusal::App { stack: stack_name(s), object: other.vpc.path().to_owned() })?;
        }
        19 => {
            let mine = b.groups[s][0].clone();
            let stack = b.stacks[s].as_mut().unwrap();
            let r = stack.allow_ingress(&mine, Peer::group(&other.group), Port::HTTPS, "attempt");
            refused_as(r, &Refusal::App { stack: stack_name(s), object: other.group.path().to_owned() })?;
        }
        _ => {
            let (_, main) = b.main.clone().unwrap();
            let r = b.stacks[s].as_mut().unwrap().resource_with(
                &id,
                "AWS::EC2::EIP",
                Props::new(),
                Attributes::new().after_internet_gateway(&main),
            );
            refused_as(r, &foreign(s, "wait for the internet gateway of", "s0/main", &stack_name(0)))?;
        }
    }
    Ok(kind)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// No stack can change another stack's objects through any mutating call: rules,
    /// sharing, suppressions, NACL entries and associations, NACLs and endpoints in
    /// another stack's VPC, escape-hatch resources whose schema-table targets name
    /// another stack's objects, waiting for another stack's resources, another stack's
    /// parameters, another app's handles. Each attempt is the specific typed error naming
    /// both sides, and changes nothing in any template. Referencing what the owner does
    /// not share is accepted by the call and refused by synthesis with NotShared alone.
    #[test]
    fn foreign_mutations_are_refused(
        spec in app_spec(true),
        attempts in prop::collection::vec(
            (any::<Index>(), any::<Index>(), 0..ATTEMPT_KINDS, any::<Index>())
                .prop_map(|(attacker, victim, kind, pick)| Attempt { attacker, victim, kind, pick }),
            1..6,
        ),
        leak in any::<(Index, Index, bool)>(),
    ) {
        let mut b = build(&spec, VALID);
        let before = b.app.synth().unwrap();
        let other = other_app();
        for (j, a) in attempts.iter().enumerate() {
            attempt(&mut b, &other, j, a)?;
        }
        let after = b.app.synth().unwrap();
        same_templates(&json_of(&before), &json_of(&after))?;
        prop_assert_eq!(before.manifest(), after.manifest());
        support::assert_invariants(&after);

        // A reference to an object the owner does not share (a stack's own escape-hatch
        // resource is never shared here) is refused at synthesis, with exactly one error.
        let n = b.stacks.len();
        if n >= 2 {
            let s = leak.0.index(n);
            let t = (s + 1 + leak.1.index(n - 1)) % n;
            let anchor = b.anchors[t].clone().unwrap();
            let value = if leak.2 { anchor.reference() } else { anchor.attr("Id") };
            b.stacks[s].as_mut().unwrap().resource("leak", "AWS::SNS::Topic", Props::new().set("TopicName", value)).unwrap();
            let errors = b.app.synth().unwrap_err().errors;
            match errors.as_slice() {
                [Error::NotShared { consumer, object, owner, .. }] => {
                    prop_assert_eq!(consumer, &stack_name(s));
                    prop_assert_eq!(object, &format!("s{t}/anchor"));
                    prop_assert_eq!(owner, &stack_name(t));
                }
                other => prop_assert!(false, "expected one NotShared, got {:?}", other),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Adding, removing and reordering constructs (DESIGN invariants 5 and 6).

fn documents(a: &Assembly) -> BTreeMap<String, Value> {
    support::documents(a)
}

const SECTIONS: [&str; 3] = ["Resources", "Outputs", "Parameters"];

/// The entries of the three sections of a template, as `Section/LogicalId`.
fn entries(doc: &Value) -> BTreeMap<String, &Value> {
    SECTIONS
        .iter()
        .flat_map(|sec| {
            doc[*sec].as_object().into_iter().flatten().map(move |(id, v)| (format!("{sec}/{id}"), v))
        })
        .collect()
}

/// What differs between two versions of a template.
#[derive(Debug, Default, PartialEq)]
struct Diff {
    removed: BTreeSet<String>,
    added: BTreeSet<String>,
    /// Same logical id, other content.
    changed: BTreeSet<String>,
}

fn diff(before: &Value, after: &Value) -> Diff {
    let (b, a) = (entries(before), entries(after));
    let mut d = Diff::default();
    for (id, v) in &b {
        match a.get(id) {
            None => d.removed.insert(id.clone()),
            Some(w) if w != v => d.changed.insert(id.clone()),
            Some(_) => false,
        };
    }
    d.added = a.keys().filter(|id| !b.contains_key(*id)).cloned().collect();
    d
}

/// Everything of a template but its three sections (Description, version, …).
fn rest(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(m) = doc.as_object_mut() {
        for sec in SECTIONS {
            m.remove(sec);
        }
    }
    doc
}

/// The logical id of the group named `s{s}{role}-test` in a template.
fn group_logical_id(doc: &Value, name: &str) -> String {
    support::group_id(doc, &format!("{name}-{}", app_gen::ENV))
}

/// The manifest's artifacts, by stack, each with its dependencies sorted.
fn artifacts(a: &Assembly) -> BTreeMap<String, Value> {
    let m: Value = serde_json::from_str(&a.manifest()).unwrap();
    m["artifacts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let mut v = v.clone();
            if let Some(deps) = v.get_mut("dependencies").and_then(Value::as_array_mut) {
                deps.sort_by_key(|d| d.as_str().unwrap_or_default().to_owned());
            }
            (k.clone(), v)
        })
        .collect()
}

/// Asserts that every template but `stack`'s is byte-identical, and every manifest entry
/// but `stack`'s identical; returns `stack`'s two documents.
fn only_stack_differs(
    before: &Assembly,
    after: &Assembly,
    stack: usize,
) -> Result<(Value, Value), TestCaseError> {
    let name = stack_name(stack);
    let (jb, ja) = (json_of(before), json_of(after));
    let names = |j: &[(String, String)]| j.iter().map(|(n, _)| n.clone()).collect::<BTreeSet<_>>();
    prop_assert_eq!(names(&jb), names(&ja));
    let ja: BTreeMap<_, _> = ja.into_iter().collect();
    for (n, b) in &jb {
        if *n != name {
            same_templates(&[(n.clone(), b.clone())], &[(n.clone(), ja[n].clone())])?;
        }
    }
    let (mb, mut ma) = (artifacts(before), artifacts(after));
    for (n, v) in &mb {
        if *n != name {
            prop_assert_eq!(Some(v), ma.get(n), "manifest entry of {}", n);
        }
    }
    ma.retain(|n, _| *n != name);
    prop_assert_eq!(mb.keys().filter(|n| **n != name).collect::<Vec<_>>(), ma.keys().collect::<Vec<_>>());
    let (db, da) = (documents(before), documents(after));
    prop_assert_eq!(rest(&db[&name]), rest(&da[&name]), "template of {} outside its sections", name);
    Ok((db[&name].clone(), da[&name].clone()))
}

/// Asserts that two assemblies have the same stacks with equal sections (logical ids and
/// content; file order aside), except the resources `changed_ok` allows to change, and
/// the same manifest (dependencies as sets).
fn same_but_order(
    before: &Assembly,
    after: &Assembly,
    changed_ok: &BTreeSet<String>,
) -> Result<(), TestCaseError> {
    let (db, da) = (documents(before), documents(after));
    prop_assert_eq!(db.keys().collect::<Vec<_>>(), da.keys().collect::<Vec<_>>());
    for (n, b) in &db {
        let d = diff(b, &da[n]);
        prop_assert!(d.removed.is_empty() && d.added.is_empty(), "{}: {:?}", n, d);
        prop_assert!(d.changed.is_subset(changed_ok), "{}: {:?}", n, d);
        prop_assert_eq!(rest(b), rest(&da[n]));
    }
    prop_assert_eq!(artifacts(before), artifacts(after));
    Ok(())
}

/// The standalone rules on group `group` (a logical id) among `ids`.
fn rules_on<'a>(doc: &Value, group: &str, ids: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    ids.into_iter()
        .filter(|id| {
            let r = &doc["Resources"][id.trim_start_matches("Resources/")];
            id.starts_with("Resources/")
                && matches!(
                    r["Type"].as_str(),
                    Some("AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress")
                )
                && r["Properties"]["GroupId"]["Fn::GetAtt"][0] == group
        })
        .cloned()
        .collect()
}

/// Which construct to add or remove.
#[derive(Debug, Clone)]
enum Change {
    Extra { stack: Index, pos: Index, shared: bool },
    Rule(Index),
    Escape(Index),
    Workload(Index),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => (any::<Index>(), any::<Index>(), any::<bool>()).prop_map(|(stack, pos, shared)| Change::Extra { stack, pos, shared }),
        3 => any::<Index>().prop_map(Change::Rule),
        1 => any::<Index>().prop_map(Change::Escape),
        1 => any::<Index>().prop_map(Change::Workload),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Adding or removing one construct (a group with its rules, a rule, an escape-hatch
    /// resource, a workload) renames no other resource and changes no other resource's
    /// content: every other logical id of every section keeps exactly its content, the
    /// other stacks' templates stay byte-identical, and so do their manifest entries.
    /// Each comparison holds both ways: `before -> after` adds, `after -> before` removes.
    #[test]
    fn adding_or_removing_a_construct_renames_nothing(spec in app_spec(true), change in change()) {
        let (base, before) = synth_valid(&spec, Edit::None);
        let n = spec.stacks.len();
        match change {
            Change::Extra { stack, pos, shared } => {
                let s = stack.index(n);
                let pos = pos.index(spec.stacks[s].groups.len() + 1);
                let (_, after) = synth_valid(&spec, Edit::Extra { stack: s, pos, shared });
                let (db, da) = only_stack_differs(&before, &after, s)?;
                let d = diff(&db, &da);
                prop_assert!(d.removed.is_empty() && d.changed.is_empty(), "{:?}", d);
                let extra = group_logical_id(&da, &format!("s{s}extra"));
                let first = group_logical_id(&da, &format!("s{s}g0"));
                let mut want: BTreeSet<String> = [format!("Resources/{extra}")].into();
                let rule = rules_on(&da, &first, &d.added);
                prop_assert_eq!(rule.len(), 1, "{:?}", d);
                prop_assert_eq!(&da["Resources"][rule[0].trim_start_matches("Resources/")]["Properties"]["SourceSecurityGroupId"]["Fn::GetAtt"][0], &Value::from(extra.clone()));
                want.insert(rule[0].clone());
                let outputs: Vec<&String> = d.added.iter().filter(|id| id.starts_with("Outputs/")).collect();
                prop_assert_eq!(outputs.len(), usize::from(shared), "{:?}", d);
                if let Some(o) = outputs.first() {
                    prop_assert_eq!(&da["Outputs"][o.trim_start_matches("Outputs/")]["Value"]["Fn::GetAtt"][0], &Value::from(extra.clone()));
                    want.insert((*o).clone());
                }
                prop_assert_eq!(d.added, want);
            }
            Change::Rule(i) => {
                prop_assume!(!spec.rules.is_empty());
                let i = i.index(spec.rules.len());
                let (skipped, after) = synth_valid(&spec, Edit::SkipRule(i));
                let Some((s, g, standalone, key)) = base.expect.rule_info[i].clone() else {
                    // Not accepted (or not attempted): leaving it out changes nothing.
                    same_templates(&json_of(&before), &json_of(&after))?;
                    prop_assert_eq!(before.manifest(), after.manifest());
                    return Ok(());
                };
                let (db, da) = only_stack_differs(&before, &after, s)?;
                let d = diff(&db, &da);
                let group = format!("Resources/{}", group_logical_id(&db, &format!("s{s}g{g}")));
                prop_assert!(d.added.is_empty(), "{:?}", d);
                // A later duplicate, refused while this rule was there, takes its place.
                let replaced = skipped.expect.rule_info.iter().flatten().any(|r| r.3 == key);
                if replaced {
                    prop_assert!(d.removed.is_empty() && d.changed.is_subset(&[group].into()), "{:?}", d);
                } else if standalone {
                    prop_assert!(d.changed.is_empty(), "{:?}", d);
                    prop_assert_eq!(d.removed.len(), 1, "{:?}", d);
                    prop_assert_eq!(rules_on(&db, group.trim_start_matches("Resources/"), &d.removed).len(), 1, "{:?}", d);
                } else {
                    prop_assert!(d.removed.is_empty(), "{:?}", d);
                    prop_assert_eq!(d.changed, [group].into());
                }
            }
            Change::Escape(i) => {
                prop_assume!(!spec.escapes.is_empty());
                let i = i.index(spec.escapes.len());
                let (_, after) = synth_valid(&spec, Edit::SkipEscape(i));
                let Some((s, id)) = base.expect.escape_ok[i].clone() else {
                    same_templates(&json_of(&before), &json_of(&after))?;
                    prop_assert_eq!(before.manifest(), after.manifest());
                    return Ok(());
                };
                let (db, da) = only_stack_differs(&before, &after, s)?;
                let d = diff(&db, &da);
                prop_assert!(d.added.is_empty() && d.changed.is_empty() && d.removed.len() == 1, "{} {:?}", id, d);
            }
            Change::Workload(s) => {
                let s = s.index(n);
                let (_, after) = synth_valid(&spec, Edit::SkipWorkload(s));
                if !spec.stacks[s].workload {
                    same_templates(&json_of(&before), &json_of(&after))?;
                    return Ok(());
                }
                let (db, da) = only_stack_differs(&before, &after, s)?;
                let d = diff(&db, &da);
                prop_assert!(d.added.is_empty() && d.changed.is_empty() && d.removed.len() == 1, "{:?}", d);
                let id = d.removed.iter().next().unwrap().trim_start_matches("Resources/").to_owned();
                prop_assert_eq!(&db["Resources"][&id]["Type"], "AWS::ECS::Service");
            }
        }
    }

    /// Reordering constructs renames nothing and changes no content: moving a group to
    /// another place among its stack's groups, or declaring two rules in the other order,
    /// leaves every logical id with exactly its content (only the order in the file may
    /// change, and the order of inline rules of a group that both rules are on).
    #[test]
    fn reordering_constructs_renames_nothing(spec in app_spec(true), at in any::<(Index, Index, Index, bool)>(), swap in any::<Index>()) {
        let n = spec.stacks.len();
        let s = at.0.index(n);
        let groups = spec.stacks[s].groups.len();
        let (p, q) = (at.1.index(groups + 1), at.2.index(groups + 1));
        let (_, a) = synth_valid(&spec, Edit::Extra { stack: s, pos: p, shared: at.3 });
        let (_, b) = synth_valid(&spec, Edit::Extra { stack: s, pos: q, shared: at.3 });
        same_but_order(&a, &b, &BTreeSet::new())?;

        if spec.rules.len() >= 2 {
            let i = swap.index(spec.rules.len() - 1);
            let (base, before) = synth_valid(&spec, Edit::None);
            let (_, after) = synth_valid(&spec, Edit::SwapRules(i));
            // Two rules on one group may swap places in its inline rules.
            let mut changed_ok = BTreeSet::new();
            if let (Some(x), Some(y)) = (&base.expect.rule_info[i], &base.expect.rule_info[i + 1]) {
                if (x.0, x.1) == (y.0, y.1) {
                    let doc = &documents(&before)[&stack_name(x.0)];
                    changed_ok.insert(format!("Resources/{}", group_logical_id(doc, &format!("s{}g{}", x.0, x.1))));
                }
            }
            same_but_order(&before, &after, &changed_ok)?;
        }
    }

    /// A stack that no other stack references (a consumer) can go: every other stack's
    /// template stays byte-identical and the manifest is the same but for its entry,
    /// whichever stack it is.
    #[test]
    fn a_consumer_leaving_changes_no_other_stack(spec in app_spec(true), pick in any::<Index>()) {
        a_consumer_leaves(&spec, &pick)?;
    }

    /// The same when stacks also import from stacks declared after them (acyclic apps):
    /// the other templates stay byte-identical, and the manifest too but for the
    /// consumer's entry, in the same order.
    #[test]
    fn a_consumer_leaving_changes_no_other_template_whichever_way_stacks_depend(spec in app_spec(false), pick in any::<Index>()) {
        a_consumer_leaves(&spec, &pick)?;
    }
}

/// Removes a stack no other stack references (one in the middle when there is one) and
/// compares: the other templates and manifest entries are identical, in the same order.
fn a_consumer_leaves(spec: &AppSpec, pick: &Index) -> Result<(), TestCaseError> {
    let n = spec.stacks.len();
    let base = build(spec, VALID);
    prop_assume!(!base.expect.has_cycle(n));
    let all = base.app.synth().unwrap_or_else(|e| panic!("{e}"));
    let leavers: Vec<usize> = (0..n).filter(|&k| !base.expect.referenced(k)).collect();
    prop_assert!(!leavers.is_empty(), "an acyclic app has a stack nobody references");
    if spec.backwards {
        prop_assert!(leavers.contains(&(n - 1)), "the last stack is never referenced");
    }
    if n == 1 {
        return Ok(());
    }
    // A stack in the middle when there is one: the last is the easy case.
    let middle: Vec<usize> = leavers.iter().copied().filter(|&k| k != n - 1).collect();
    let k = match middle.is_empty() {
        true => leavers[pick.index(leavers.len())],
        false => middle[pick.index(middle.len())],
    };
    let (_, fewer) = synth_valid(spec, Edit::SkipStack(k));
    let name = stack_name(k);
    let by_name = |mut j: Vec<(String, String)>| {
        j.retain(|(s, _)| *s != name);
        j
    };
    same_templates(&by_name(json_of(&all)), &by_name(json_of(&fewer)))?;
    let mut manifest: Value = serde_json::from_str(&all.manifest()).unwrap();
    manifest["artifacts"].as_object_mut().unwrap().shift_remove(&name);
    let fewer_manifest: Value = serde_json::from_str(&fewer.manifest()).unwrap();
    let keys = |m: &Value| m["artifacts"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    prop_assert_eq!(keys(&manifest), keys(&fewer_manifest));
    prop_assert_eq!(manifest, fewer_manifest);
    Ok(())
}

/// Found by the property above with forward imports: the deployment order was a
/// depth-first post-order, so a consumer that imports from a stack declared after
/// another pulled that stack forward, and once the consumer was gone the manifest listed
/// the remaining stacks in another order. The order now takes the first declared ready
/// stack each time.
#[test]
fn a_consumer_leaving_keeps_the_manifest_order_of_the_others() {
    let build = |with_consumer: bool| {
        let app = App::new("order");
        let mut s0 = app.stack("s0").unwrap();
        let vpc = s0.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap()).unwrap();
        s0.share(&vpc).unwrap();
        s0.security_group(&vpc, "base", "The network stack own group").unwrap();
        let mut consumer = with_consumer.then(|| app.stack("s1").unwrap());
        let mut s2 = app.stack("s2").unwrap();
        s2.security_group(&vpc, "two", "Tasks of s2").unwrap();
        let mut s3 = app.stack("s3").unwrap();
        let three = s3.security_group(&vpc, "three", "Tasks of s3").unwrap();
        s3.share(&three).unwrap();
        if let Some(s1) = consumer.as_mut() {
            let own = s1.security_group(&vpc, "one", "Tasks of s1").unwrap();
            s1.allow_egress(&own, Peer::group(&three), Port::HTTPS, "calls s3").unwrap();
        }
        app.synth().unwrap()
    };
    let (all, fewer) = (build(true), build(false));
    let others: Vec<&str> = all.deployment_order().into_iter().filter(|s| *s != "order-s1").collect();
    assert_eq!(others, fewer.deployment_order());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Any order of declaring a stack's groups and their rules gives the same resources.
    #[test]
    fn any_declaration_order_gives_the_same_resources(order in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle()) {
        let build = |order: &[usize]| {
            let app = App::new("r");
            let mut s = app.stack("s").unwrap();
            let vpc = s.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap()).unwrap();
            let mut groups = Vec::new();
            for &i in order {
                let g = s.security_group(&vpc, format!("g{i}").as_str(), "Generated role").unwrap();
                groups.push((i, g));
            }
            groups.sort_by_key(|(i, _)| *i);
            for &i in order {
                let (_, g) = &groups[i];
                let (_, peer) = &groups[(i + 1) % groups.len()];
                s.allow_ingress(g, Peer::group(peer), Port::tcp(1000 + i as u16), "from the next group").unwrap();
                s.allow_egress(g, Peer::ipv4("10.0.0.0/8").unwrap(), Port::HTTPS, "internal APIs").unwrap();
            }
            let assembly = app.synth().unwrap();
            let doc: Value = serde_json::from_str(&assembly.stacks()[0].template.to_json()).unwrap();
            doc["Resources"].as_object().unwrap().clone().into_iter().collect::<BTreeMap<_, _>>()
        };
        let straight: Vec<usize> = (0..6).collect();
        prop_assert_eq!(build(&straight), build(&order));
    }
}

/// The generator exercises every kind of call and outcome the model knows (so a change to
/// it cannot silently stop covering one).
#[test]
fn the_generator_covers_every_call() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let mut calls: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut kinds = BTreeSet::new();
    for backwards in [true, false] {
        let strategy = app_spec(backwards);
        for _ in 0..150 {
            let spec = strategy.new_tree(&mut runner).unwrap().current();
            let b = build(&spec, Options::default());
            for (k, v) in &b.expect.calls {
                *calls.entry(*k).or_default() += v;
            }
            kinds.insert(("cycle", b.expect.has_cycle(spec.stacks.len())));
            kinds.insert(("not shared", !b.expect.not_shared.is_empty()));
            kinds.insert(("world open", !b.expect.checks.is_empty()));
            kinds.insert(("second VPC", b.second.is_some()));
        }
    }
    for k in [
        "rule accepted",
        "ProtocolFamilyMismatch",
        "ParameterOfOtherStack",
        "CrossVpc",
        "DuplicateRule",
        "port error",
        "HostBitsSet",
        "InvalidResourceId",
        "CrossVpc set",
        "group set",
        "NACL associated",
        "NACL association refused",
        "NACL entry",
        "NACL entry refused",
        "NACL entry with return",
        "NACL entry with return refused",
        "NetworkResourceInEscapeHatch",
        "ForeignNetworkTarget",
        "escape on own targets",
        "escape without targets",
    ] {
        assert!(calls.get(k).copied().unwrap_or(0) >= 3, "{k}: {calls:#?}");
    }
    for kind in ["cycle", "not shared", "world open", "second VPC"] {
        assert!(kinds.contains(&(kind, true)) && kinds.contains(&(kind, false)), "{kind}: {kinds:?}");
    }

    // Every kind of foreign attempt is made as itself (not only as a fallback).
    let strategy = app_spec(true);
    let other = other_app();
    let mut made = BTreeSet::new();
    for _ in 0..40 {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let mut b = build(&spec, VALID);
        for kind in 0..ATTEMPT_KINDS {
            let mut pick = || any::<Index>().new_tree(&mut runner).unwrap().current();
            let a = Attempt { attacker: pick(), victim: pick(), kind, pick: pick() };
            made.insert(attempt(&mut b, &other, kind, &a).unwrap());
        }
    }
    assert_eq!(made, (0..ATTEMPT_KINDS).collect::<BTreeSet<_>>());
}
