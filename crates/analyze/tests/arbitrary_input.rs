//! Any input gives a template or an error that says where, never a panic, and what is
//! read is kept: a bounded, stable-Rust counterpart of the cargo-fuzz targets in `fuzz/`
//! (which need nightly).
//!
//! - (a) arbitrary bytes, arbitrary Unicode, YAML-punctuation soup and byte-level
//!   mutations of the legacy chat-platform templates go into `Template::parse`,
//!   `from_json` and `from_yaml`. Each gives a template or an error with a position: a
//!   syntax error's line and column are inside the text (the one error serde_yaml gives
//!   without a location, several YAML documents in one text, is `(0, 0)`), a shape
//!   error's path starts at a section of the document. `parse` answers as the JSON or
//!   the YAML reader does. A template read, written out as JSON, reads back as the same
//!   template.
//! - (b) structure-aware suites: up to four templates generated from a grammar of EC2
//!   network resources, their properties sometimes well-formed and sometimes not (wrong
//!   types, missing keys, intrinsics in short and long form, nested and malformed),
//!   exports and imports between the templates, parameters with defaults and given
//!   values; rendered as block YAML, flow YAML or JSON, now and then broken on purpose.
//!   A document broken on purpose (a resource that is no map, a bad logical id, a
//!   section that is no map…) whose unbroken form reads is an error at the part broken,
//!   never a template with the part dropped. Every group, rule, subnet, NACL entry,
//!   route, association and workload of a template that reads is in the model once, at
//!   its resource. `Model::build`, `analyze`, `diagram::dot`, `diagram::mermaid` and
//!   `reach` between random endpoints do not panic; diagrams are whole, and a reach
//!   answer is allowed exactly when each of its steps is.
//! - (c) every finding names a check of `CHECKS` and a template of the suite.
//!
//! About 10 s (16 s of CPU) on 2 cores in a debug build; `PROPTEST_CASES=N` runs N
//! cases per property instead, for a longer local run (`fuzz/README.md` has results).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use ringfence_analyze::reach::{reach, Endpoint, Layer};
use ringfence_analyze::{analyze, diagram, Location, Model, Obj, Protocol, Suite, CHECKS};
use ringfence_cfn::{LogicalId, ReadError, Template, Value};

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(default_cases);
    // No regression files: this test may write only where it lives, and a failure prints
    // the minimal input anyway.
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Every reader on one text, whatever the text: each gives a template or an error that
/// says where (see [`assert_located`]); `parse` gives what the reader of one of the two
/// formats gives; and what is read is kept: the template written out as JSON reads back
/// as the same template.
fn read_all(text: &str) {
    let parsed = Template::parse(text);
    let json = Template::from_json(text);
    let yaml = Template::from_yaml(text);
    for e in [&parsed, &json, &yaml].into_iter().filter_map(|r| r.as_ref().err()) {
        assert_located(text, e);
    }
    assert!(parsed == json || parsed == yaml, "parse: {parsed:?}\njson: {json:?}\nyaml: {yaml:?}");
    for t in [&parsed, &json, &yaml].into_iter().filter_map(|r| r.as_ref().ok()) {
        let written = t.to_json();
        assert_eq!(written.len(), t.json_len());
        match Template::from_json(&written) {
            Ok(again) => assert_eq!(&again, t, "{written}"),
            Err(e) => panic!("{e}\n{written}"),
        }
    }
}

/// An error says where: a syntax error a line and column inside the text (or `(0, 0)`,
/// the reader's "no position", when the YAML parser gives none), a document of the wrong
/// shape the path of the part that is wrong.
fn assert_located(text: &str, e: &ReadError) {
    match e {
        ReadError::Syntax { line: 0, column, message } => {
            // The one error serde_yaml gives without a location.
            assert!(message.contains("more than one document"), "no position: {message}\n{text:?}");
            assert_eq!(*column, 0, "{message}");
        }
        ReadError::Syntax { line, column, message } => {
            // Parsers place an error at the end of the text one past its last line or
            // character, and serde_json before the first character of an empty line;
            // serde_json counts columns in bytes, serde_yaml in characters, and YAML
            // also breaks lines at `\r`, NEL, LS and PS.
            let breaks = |c: char| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
            let lines = text.split(breaks).count();
            assert!(*line <= lines + 1, "line {line} of {lines}: {message}\n{text:?}");
            // JSON breaks lines at `\n` only: a line YAML breaks at NEL is one to JSON.
            let widest = [text.split(breaks).map(str::len).max(), text.split('\n').map(str::len).max()]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(0);
            assert!(*column <= widest + 1, "column {column}, widest line {widest}: {message}\n{text:?}");
        }
        ReadError::Shape { path, message } => {
            // The path starts at a section of the document (or is the document itself).
            let section = path.split('.').next().unwrap_or_default();
            assert!(
                !message.is_empty()
                    && (path == "(document)" || (!section.is_empty() && text.contains(section))),
                "{e:?}\n{text:?}"
            );
        }
        other => panic!("a new kind of error: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// (a) Arbitrary text into the readers.

const LEGACY: &[&str] = &[
    "bot-dice.yaml",
    "bot-moderation.yaml",
    "bot-trivia.yaml",
    "bot-weather.yaml",
    "chat-history-db.json",
    "network.yaml",
];

fn legacy(name: &str) -> Vec<u8> {
    let path = format!("{}/../../legacy/chat-platform/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One byte-level edit of a text.
#[derive(Debug, Clone)]
enum Edit {
    Delete(Index, u8),
    Insert(Index, Vec<u8>),
    Replace(Index, u8),
    /// Copies a stretch of the text elsewhere (repeats keys, nests blocks).
    Duplicate(Index, Index, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to YAML and JSON, and some that break UTF-8.
    let byte = prop_oneof![
        4 => select(b" \n\t-:{}[],'\"!&*?|>#%@`\\.$0123456789".as_slice()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        any::<(Index, u8)>().prop_map(|(i, n)| Edit::Delete(i, n % 16 + 1)),
        (any::<Index>(), proptest::collection::vec(byte.clone(), 1..6)).prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), byte).prop_map(|(i, b)| Edit::Replace(i, b)),
        any::<(Index, Index, u8)>().prop_map(|(a, b, n)| Edit::Duplicate(a, b, n)),
    ]
}

fn apply(text: &mut Vec<u8>, e: &Edit) {
    if text.is_empty() {
        return;
    }
    let len = text.len();
    match e {
        Edit::Delete(i, n) => {
            let at = i.index(len);
            text.drain(at..(at + usize::from(*n)).min(len));
        }
        Edit::Insert(i, bytes) => {
            let at = i.index(len + 1);
            text.splice(at..at, bytes.iter().copied());
        }
        Edit::Replace(i, b) => text[i.index(len)] = *b,
        Edit::Duplicate(from, to, n) => {
            let at = from.index(len);
            let piece: Vec<u8> = text[at..(at + usize::from(*n)).min(len)].to_vec();
            let to = to.index(len + 1);
            text.splice(to..to, piece);
        }
    }
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn arbitrary_bytes_read_or_fail(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_all(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_unicode_reads_or_fails(text in any::<String>()) {
        read_all(&text);
        // And as a value of a well-formed template, where the text is a scalar.
        let props = "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n";
        read_all(&format!("{props}      GroupDescription: {text}\n"));
        read_all(&format!("{{\"Resources\": {text}}}"));
    }

    #[test]
    fn yaml_and_json_punctuation_reads_or_fails(
        text in "[-{}\\[\\],:?!&*|>'\"#%@`~ \n\t.$/<>=A-Za-z0-9_]{0,256}",
    ) {
        read_all(&text);
        read_all(&format!("{{{text}"));
    }

    #[test]
    fn mutated_legacy_templates_read_or_fail(
        file in select(LEGACY),
        edits in proptest::collection::vec(edit(), 1..8),
        queries in proptest::collection::vec(query(), 0..4),
    ) {
        let mut bytes = legacy(file);
        for e in &edits {
            apply(&mut bytes, e);
        }
        let text = String::from_utf8_lossy(&bytes);
        // A template that still reads goes through the whole analysis with the network,
        // which keeps (and checks) every resource of both.
        read_all(&text);
        if let Ok(t) = Template::parse(&text) {
            let mut suite = Suite::new();
            let network = String::from_utf8_lossy(&legacy("network.yaml")).into_owned();
            suite.add("network", "network.yaml", Template::parse(&network).unwrap());
            suite.add("mutant", file, t);
            audit(&suite, &queries);
        }
    }
}

// ---------------------------------------------------------------------------------------
// (b) Structure-aware suites.

/// A document before it is written out: JSON and YAML data plus intrinsics, whose
/// short or long form is decided when it is rendered.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    /// Wider than i64 and u64, so that out-of-range numbers are written too.
    Int(i128),
    /// A number written as is, e.g. `1e400`.
    Float(&'static str),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
    /// An intrinsic by its short name (`Ref`, `GetAtt`, `Sub`, …) and its argument.
    Fn(&'static str, Box<Node>),
}

fn s(text: &str) -> Node {
    Node::Str(text.to_owned())
}

fn f(name: &'static str, arg: Node) -> Node {
    Node::Fn(name, Box::new(arg))
}

fn list(items: Vec<Node>) -> Node {
    Node::List(items)
}

/// A map; a key given twice keeps its first value (YAML rejects duplicate keys, which
/// part (a) covers).
fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Node {
    let mut out: Vec<(String, Node)> = Vec::new();
    for (k, v) in entries {
        let k = k.into();
        if !out.iter().any(|(o, _)| *o == k) {
            out.push((k, v));
        }
    }
    Node::Map(out)
}

fn get_mut<'n>(node: &'n mut Node, key: &str) -> Option<&'n mut Node> {
    match node {
        Node::Map(m) => m.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// Stack names; the first is the default of the `NetworkStackName` parameter.
const STACKS: &[&str] = &["net", "app", "db", "edge"];
/// Logical ids of resources; every template uses them, in order.
const IDS: &[&str] = &["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];
const PARAMS: &[&str] = &["NetworkStackName", "Shared", "Env"];
const ATTRS: &[&str] = &["GroupId", "VpcId", "Id", "CidrBlock", "", "Group.Id"];
const LITERALS: &[&str] = &[
    "sg-0123abcd",
    "sg-0b7a1c2d3e4f50617",
    "vpc-1",
    "subnet-1",
    "acl-1",
    "rtb-1",
    "igw-1",
    "nat-1",
    "pl-1",
    "",
];

const SG: &str = "AWS::EC2::SecurityGroup";
const INGRESS: &str = "AWS::EC2::SecurityGroupIngress";
const EGRESS: &str = "AWS::EC2::SecurityGroupEgress";
const VPC: &str = "AWS::EC2::VPC";
const SUBNET: &str = "AWS::EC2::Subnet";
/// A subnet tagged private or isolated (its type is `SUBNET`; see `base`).
const PRIVATE_SUBNET: &str = "AWS::EC2::Subnet#private";
const NACL: &str = "AWS::EC2::NetworkAcl";
const ENTRY: &str = "AWS::EC2::NetworkAclEntry";
const NACL_ASSOC: &str = "AWS::EC2::SubnetNetworkAclAssociation";
const TABLE: &str = "AWS::EC2::RouteTable";
const ROUTE: &str = "AWS::EC2::Route";
const TABLE_ASSOC: &str = "AWS::EC2::SubnetRouteTableAssociation";
const IGW: &str = "AWS::EC2::InternetGateway";
const SERVICE: &str = "AWS::ECS::Service";
const INSTANCE: &str = "AWS::EC2::Instance";

/// Resources as they come together in templates, with how often the grammar picks each
/// bundle: a group and its rules, a NACL with its entries and association, a route table
/// with its route and association; and lone resources that name other templates'
/// objects.
const BUNDLES: &[(u32, &[&str])] = &[
    (3, &[SG]),
    (2, &[SG, INGRESS, EGRESS]),
    (2, &[INGRESS]),
    (1, &[EGRESS]),
    (2, &[NACL, ENTRY, ENTRY, ENTRY, NACL_ASSOC]),
    (1, &[ENTRY]),
    (2, &[SUBNET]),
    (1, &[SUBNET, SUBNET]),
    (1, &[NACL_ASSOC]),
    (2, &[TABLE, ROUTE, TABLE_ASSOC]),
    (2, &[VPC, IGW, PRIVATE_SUBNET, TABLE, ROUTE, TABLE_ASSOC]),
    (1, &[ROUTE]),
    (1, &[IGW]),
    (2, &[SERVICE]),
    (2, &[INSTANCE]),
    (1, &[VPC]),
    (1, &["Custom::Thing"]),
];

/// Every intrinsic the reader knows, and some it does not.
const FNS: &[&str] = &[
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "GetAZs",
    "Cidr",
    "ImportValue",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "Base64",
    "Length",
    "ToJsonString",
    "Transform",
];

/// Includes `i64::MAX`: as a NACL entry's `PortRange.To` it once made `reach` overflow
/// (fuzz/regressions/audit_suite-reach-nacl-port-range-overflow.yaml).
const INTS: &[i128] = &[
    i64::MAX as i128,
    -1,
    0,
    1,
    6,
    8,
    17,
    22,
    53,
    58,
    80,
    86,
    100,
    252,
    443,
    1024,
    3389,
    5432,
    32767,
    32768,
    65535,
    65536,
    -2,
    -65536,
    4_294_967_296,
    i64::MIN as i128,
    i64::MAX as i128 - 1,
    u64::MAX as i128,
];
/// Port (or ICMP type and code) ranges as people write them.
const PORT_PAIRS: &[(i128, i128)] = &[
    (22, 22),
    (443, 443),
    (5432, 5432),
    (3389, 3389),
    (6379, 6379),
    (0, 65535),
    (1024, 65535),
    (32768, 65535),
    (-1, -1),
    (8, -1),
    (8, 0),
    (252, 86),
    (80, 8080),
    (1, 1024),
];
const FLOATS: &[&str] = &["1.5", "6.0", "443.0", "-0.0", "2e-9"];
/// Numbers neither i64 nor u64 nor a finite f64 holds: JSON rejects `1e400`, YAML
/// rejects `18446744073709551616`, so a template holding one does not read at all.
const OUT_OF_RANGE: &[Node] = &[Node::Int(u64::MAX as i128 + 1), Node::Float("1e400"), Node::Float("-1e309")];
const STRINGS: &[&str] = &[
    "",
    " ",
    "tcp",
    "-1",
    "allow",
    "true",
    "no",
    "~",
    "443",
    "0x1BB",
    "10.0.0.0/16",
    "0.0.0.0/0",
    "::/0",
    "not a cidr",
    "${AWS::StackName}",
    "${AWS::StackName}-G",
    "${",
    "${}",
    "${Missing}",
    "${!Literal}",
    "${Env}-${AWS::Region}",
    "allow-all",
    "web-443",
    "bot-00042",
    "managed by terraform",
    "Security Group",
    "A.GroupId",
    "private",
    "é ü 中文 🚀",
    "line1\nline2",
    "quote\" and back\\slash",
    "tab\there",
    ".nan",
    "Fn::GetAtt",
];
const V4: &[&str] = &[
    "10.0.0.0/16",
    "10.0.0.0/24",
    "10.0.1.0/24",
    "10.0.0.128/25",
    "0.0.0.0/0",
    "0.0.0.0/0",
    "255.255.255.255/32",
];
const BAD_V4: &[&str] =
    &["10.0.0.1/24", "10.0.0.0/33", "10.0.0.0", "300.1.1.1/8", "", "::/0", "2001:db8::/32"];
const V6: &[&str] = &["::/0", "2001:db8::/32", "2001:db8::1/128", "fe80::/10"];
const BAD_V6: &[&str] = &["::/129", "10.0.0.0/8", "2001:db8::", ""];
const PROTOS: &[&str] = &["tcp", "tcp", "tcp", "udp", "icmp", "-1", "6", "17"];
const BAD_PROTOS: &[&str] = &["icmpv6", "58", "all", "TCP", "gre", "47", "", "-2", "999"];

/// What a template declares (its resources' ids and types, so that references name a
/// resource of the type a property wants), and how sloppy it is: the percentage of
/// values that are wrong or malformed.
#[derive(Debug, Clone, Default)]
struct Ctx {
    resources: Vec<(&'static str, &'static str)>,
    sloppy: u32,
}

/// The resource type of a grammar type (`AWS::EC2::Subnet#private` is a subnet).
fn base(ty: &str) -> &str {
    ty.split('#').next().unwrap_or(ty)
}

impl Ctx {
    fn of(&self, ty: &str) -> Vec<&'static str> {
        self.resources.iter().filter(|(_, t)| base(t) == ty).map(|(id, _)| *id).collect()
    }

    /// `good` mostly, `bad` as often as the template is sloppy.
    fn pick(&self, good: BoxedStrategy<Node>, bad: BoxedStrategy<Node>) -> BoxedStrategy<Node> {
        let sloppy = self.sloppy.clamp(1, 99);
        proptest::strategy::Union::new_weighted(vec![(100 - sloppy, good), (sloppy, bad)]).boxed()
    }

    fn pick_text(&self, good: &'static [&'static str], bad: &'static [&'static str]) -> BoxedStrategy<Node> {
        self.pick(select(good).prop_map(s).boxed(), select(bad).prop_map(s).boxed())
    }

    /// How likely an optional property is present.
    fn presence(&self) -> f64 {
        0.9 - f64::from(self.sloppy) / 200.0
    }
}

/// The name under which a template exports a resource of type `ty`, after the stack
/// name; importers ask for the same.
fn suffix(ty: &str) -> &'static str {
    match ty {
        SG => "G",
        VPC => "Vpc",
        SUBNET => "Subnet",
        NACL => "Acl",
        TABLE => "Table",
        IGW => "Igw",
        _ => "X",
    }
}

fn int() -> BoxedStrategy<Node> {
    prop_oneof![200 => select(INTS).prop_map(Node::Int), 1 => select(OUT_OF_RANGE)].boxed()
}

fn text() -> BoxedStrategy<Node> {
    prop_oneof![
        4 => select(STRINGS).prop_map(s),
        1 => "\\PC{0,12}".prop_map(Node::Str),
        1 => (1usize..400).prop_map(|n| Node::Str("x".repeat(n))),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Node> {
    prop_oneof![
        Just(Node::Null),
        any::<bool>().prop_map(Node::Bool),
        int(),
        select(FLOATS).prop_map(Node::Float),
        text(),
    ]
    .boxed()
}

/// The name of something a `Ref` names: a resource, a parameter, a pseudo parameter, or
/// nothing valid.
fn ref_name() -> BoxedStrategy<&'static str> {
    prop_oneof![
        8 => select(IDS),
        2 => select(PARAMS),
        1 => select(&["AWS::StackName", "AWS::Region", "AWS::NoValue", "bad-id", "", "Missing"][..]),
    ]
    .boxed()
}

/// A well-formed reference to resource `id`.
fn ref_to(id: &'static str) -> BoxedStrategy<Node> {
    prop_oneof![
        3 => Just(f("Ref", s(id))),
        1 => Just(f("GetAtt", s(&format!("{id}.GroupId")))),
        1 => Just(f("GetAtt", list(vec![s(id), s("GroupId")]))),
    ]
    .boxed()
}

/// A reference to any resource of the same template, well-formed or not.
fn local_ref() -> BoxedStrategy<Node> {
    prop_oneof![
        4 => ref_name().prop_map(|i| f("Ref", s(i))),
        2 => (select(IDS), select(ATTRS)).prop_map(|(i, a)| f("GetAtt", s(&format!("{i}.{a}")))),
        2 => (select(IDS), select(ATTRS)).prop_map(|(i, a)| f("GetAtt", list(vec![s(i), s(a)]))),
        // `!GetAtt` without a dot, with one item, with a number, with a nested intrinsic.
        1 => select(IDS).prop_map(|i| f("GetAtt", s(&format!("{i}GroupId")))),
        1 => select(IDS).prop_map(|i| f("GetAtt", list(vec![s(i)]))),
        1 => Just(f("GetAtt", list(vec![Node::Int(1), s("GroupId")]))),
        1 => select(IDS).prop_map(|i| f("GetAtt", list(vec![f("Ref", s(i)), s("GroupId")]))),
        1 => Just(f("Ref", list(vec![s("A")]))),
    ]
    .boxed()
}

/// The name of an export of a resource of type `ty`, as an importer computes it: well
/// formed (`good`) or not.
fn import_name(ty: &str, good: bool) -> BoxedStrategy<Node> {
    let want = suffix(ty);
    let x = prop_oneof![6 => Just(want), 1 => select(&["G", "Subnet", "Acl", "Table", "Vpc", "X"][..])];
    if good {
        return prop_oneof![
            4 => x.clone().prop_map(|x| f("Sub", s(&format!("${{NetworkStackName}}-{x}")))),
            3 => x.clone().prop_map(|x| s(&format!("net-{x}"))),
            1 => (select(STACKS), x.clone()).prop_map(|(st, x)| s(&format!("{st}-{x}"))),
            1 => x.clone().prop_map(|x| f("Sub", s(&format!("${{AWS::StackName}}-{x}")))),
            2 => x.clone().prop_map(|x| f(
                "Sub",
                list(vec![s(&format!("${{Net}}-{x}")), map([("Net", f("Ref", s("NetworkStackName")))])]),
            )),
            2 => x.prop_map(|x| f("Join", list(vec![s("-"), list(vec![f("Ref", s("NetworkStackName")), s(x)])]))),
        ]
        .boxed();
    }
    prop_oneof![
        Just(f("Ref", s("Shared"))),
        // An import of an import.
        x.prop_map(|x| f("ImportValue", s(&format!("net-{x}")))),
        Just(f("Sub", s("${Unterminated-G"))),
        Just(f("Sub", s("${}-G"))),
        Just(f("Sub", Node::Int(3))),
        Just(f("Sub", list(vec![s("${X}"), s("not a map")]))),
        Just(f("Sub", list(vec![s("${X}"), map([("X", f("ImportValue", s("net-G")))])]))),
        Just(list(vec![])),
        Just(Node::Null),
    ]
    .boxed()
}

/// A literal id, mostly of the kind a property of type `ty` takes.
fn literal(ty: &str) -> BoxedStrategy<Node> {
    let own: &'static [&'static str] = match ty {
        SG => &["sg-0123abcd", "sg-0b7a1c2d3e4f50617"],
        VPC => &["vpc-1"],
        SUBNET => &["subnet-1", "subnet-2"],
        NACL => &["acl-1"],
        TABLE => &["rtb-1"],
        IGW => &["igw-1", "nat-1", "vpce-1"],
        _ => &["pl-1"],
    };
    prop_oneof![3 => select(own).prop_map(s), 1 => select(LITERALS).prop_map(s)].boxed()
}

/// A value naming an object of type `ty`: one of the template's own, an import, a
/// literal id; or, as often as the template is sloppy, something less well-formed.
fn reference(ctx: &Ctx, ty: &str) -> BoxedStrategy<Node> {
    let own = ctx.of(ty);
    let mut good: Vec<(u32, BoxedStrategy<Node>)> =
        vec![(2, literal(ty)), (4, import_name(ty, true).prop_map(|n| f("ImportValue", n)).boxed())];
    if !own.is_empty() {
        good.push((10, select(own).prop_flat_map(ref_to).boxed()));
    }
    let good = proptest::strategy::Union::new_weighted(good).boxed();
    let index = prop_oneof![
        select(&[0i128, 1, 7, -1][..]).prop_map(Node::Int),
        select(&["1", "x", ""][..]).prop_map(s),
        Just(Node::Float("1.5")),
    ];
    let bad = prop_oneof![
        4 => local_ref(),
        3 => import_name(ty, false).prop_map(|n| f("ImportValue", n)),
        1 => (index, proptest::collection::vec(good.clone(), 0..3))
            .prop_map(|(i, items)| f("Select", list(vec![i, list(items)]))),
        1 => good.clone().prop_map(|v| f("Select", list(vec![v]))),
        1 => (good.clone(), good.clone()).prop_map(|(a, b)| f("If", list(vec![s("IsProd"), a, b]))),
        1 => (good.clone(), good.clone()).prop_map(|(a, b)| f("If", list(vec![a, b]))),
        1 => any_value(),
    ];
    ctx.pick(good, bad.boxed())
}

/// A list of references (sometimes more than an interface takes), or one that is not a
/// list.
fn references(ctx: &Ctx, ty: &str) -> BoxedStrategy<Node> {
    let good = proptest::collection::vec(reference(ctx, ty), 0..8).prop_map(list).boxed();
    let bad = prop_oneof![
        reference(ctx, ty),
        Just(f("Split", list(vec![s(","), f("ImportValue", s("net-Ids"))]))),
        any_value(),
    ];
    ctx.pick(good, bad.boxed())
}

/// Anything: data, references, and intrinsics of any name over any argument.
fn any_value() -> BoxedStrategy<Node> {
    prop_oneof![3 => leaf(), 1 => local_ref(), 1 => import_name(SG, false).prop_map(|n| f("ImportValue", n))]
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(list),
                proptest::collection::vec((select(KEYS).prop_map(str::to_owned), inner.clone()), 0..4)
                    .prop_map(map),
                (select(FNS), inner.clone()).prop_map(|(n, a)| f(n, a)),
                (select(FNS), proptest::collection::vec(inner, 0..4)).prop_map(|(n, a)| f(n, list(a))),
            ]
        })
        .boxed()
}

/// Keys that properties, rules and sections use, for random maps.
const KEYS: &[&str] = &[
    "GroupId",
    "CidrIp",
    "FromPort",
    "ToPort",
    "IpProtocol",
    "Description",
    "Key",
    "Value",
    "Name",
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::ImportValue",
    "Fn::Select",
    "Condition",
    "x",
    "",
];

/// Where a rule's traffic comes from or goes to: each key on its own, or all of them.
const PEERS: &[&[&str]] = &[
    &["CidrIp"],
    &["CidrIp"],
    &["CidrIpv6"],
    &["SourceSecurityGroupId"],
    &["DestinationSecurityGroupId"],
    &["SourceSecurityGroupName"],
    &["SourcePrefixListId"],
    &["DestinationPrefixListId"],
    &[],
    &[
        "CidrIp",
        "CidrIpv6",
        "SourceSecurityGroupId",
        "DestinationSecurityGroupId",
        "SourcePrefixListId",
        "DestinationPrefixListId",
    ],
];

/// The keys of a resource type's properties (a rule's peer and ports come apart).
fn keys_of(ty: &str) -> &'static [&'static str] {
    match ty {
        SG => {
            &["GroupName", "GroupDescription", "VpcId", "SecurityGroupIngress", "SecurityGroupEgress", "Tags"]
        }
        INGRESS | EGRESS => &["GroupId", "IpProtocol", "Description"],
        NACL | TABLE => &["VpcId", "Tags"],
        ENTRY => &[
            "NetworkAclId",
            "RuleNumber",
            "Protocol",
            "RuleAction",
            "Egress",
            "CidrBlock",
            "PortRange",
            "Icmp",
        ],
        SUBNET => &["VpcId", "CidrBlock", "SubnetTags", "AvailabilityZone"],
        PRIVATE_SUBNET => &["VpcId", "CidrBlock", "PrivateTags"],
        ROUTE => &["RouteTableId", "DestinationCidrBlock", "Gateway"],
        NACL_ASSOC => &["SubnetId", "NetworkAclId"],
        TABLE_ASSOC => &["SubnetId", "RouteTableId"],
        SERVICE => &["NetworkConfiguration", "Cluster", "ServiceName"],
        INSTANCE => &["SecurityGroupIds", "SecurityGroups", "SubnetId", "NetworkInterfaces"],
        VPC => &["CidrBlock", "Tags"],
        _ => &["Anything"],
    }
}

/// `FromPort` and `ToPort` (or `From` and `To`): a range people write, or as often as
/// the template is sloppy, random numbers, one of them, or none.
fn port_pair(ctx: &Ctx, from: &'static str, to: &'static str) -> BoxedStrategy<Node> {
    let pair = move |(a, b): (Node, Node)| map([(from, a), (to, b)]);
    let good = select(PORT_PAIRS).prop_map(move |(a, b)| pair((Node::Int(a), Node::Int(b)))).boxed();
    let bad = prop_oneof![
        select(PORT_PAIRS).prop_map(move |(a, b)| pair((s(&a.to_string()), s(&b.to_string())))),
        (int(), int()).prop_map(pair),
        (int(), any_value()).prop_map(pair),
        int().prop_map(move |a| map([(from, a)])),
        Just(map::<&str>([])),
    ];
    ctx.pick(good, bad.boxed())
}

fn tags() -> BoxedStrategy<Node> {
    let tag = (
        prop_oneof![
            4 => select(&["Name", "ringfence:subnet-kind", "aws-cdk:subnet-type", "Owner"][..]).prop_map(s),
            1 => any_value(),
        ],
        prop_oneof![
            4 => select(&["allow-all", "web-443", "bots-prod", "private", "Isolated", "public", "open", "", "x"][..])
                .prop_map(s),
            1 => any_value(),
        ],
    )
        .prop_map(|(k, v)| map([("Key", k), ("Value", v)]));
    prop_oneof![6 => proptest::collection::vec(tag, 0..3).prop_map(list), 1 => any_value()].boxed()
}

/// A map of `keys`, each present as often as the template is careful, and now and then
/// a key that does not belong.
fn props(ctx: &Ctx, keys: &'static [&'static str]) -> BoxedStrategy<Node> {
    let p = ctx.presence();
    let parts: Vec<BoxedStrategy<Option<(String, Node)>>> = keys
        .iter()
        .map(|k| {
            // Pseudo keys: what a property holds depends on its resource.
            let name = match *k {
                "SubnetTags" | "PrivateTags" => "Tags",
                other => other,
            };
            proptest::option::weighted(p, typed(ctx, k).prop_map(move |v| (name.to_owned(), v))).boxed()
        })
        .collect();
    let extra = proptest::option::weighted(f64::from(ctx.sloppy) / 100.0, (select(KEYS), any_value()));
    (parts, extra)
        .prop_map(|(parts, extra)| {
            let mut entries = Vec::new();
            for (k, v) in parts.into_iter().flatten() {
                match (k.as_str(), v) {
                    // A pseudo key whose value is the keys to add.
                    ("Gateway", Node::Map(m)) => entries.extend(m),
                    (_, v) => entries.push((k, v)),
                }
            }
            entries.extend(extra.map(|(k, v)| (k.to_owned(), v)));
            map(entries)
        })
        .boxed()
}

/// A security group rule, inline or standalone: its own keys, one peer (or all), a
/// port range.
fn rule(ctx: &Ctx, keys: &'static [&'static str]) -> BoxedStrategy<Node> {
    let peer_ctx = ctx.clone();
    (
        props(ctx, keys),
        select(PEERS).prop_flat_map(move |peer| props(&peer_ctx, peer)),
        port_pair(ctx, "FromPort", "ToPort"),
    )
        .prop_map(|(base, peer, ports)| match (base, peer, ports) {
            (Node::Map(mut m), Node::Map(peer), Node::Map(ports)) => {
                for (k, v) in peer.into_iter().chain(ports) {
                    if !m.iter().any(|(o, _)| *o == k) {
                        m.push((k, v));
                    }
                }
                Node::Map(m)
            }
            (base, _, _) => base,
        })
        .boxed()
}

fn typed(ctx: &Ctx, key: &str) -> BoxedStrategy<Node> {
    match key {
        "IpProtocol" | "Protocol" => ctx.pick(
            prop_oneof![4 => select(PROTOS).prop_map(s), 1 => select(&[6i128, -1, 17][..]).prop_map(Node::Int)]
                .boxed(),
            prop_oneof![select(BAD_PROTOS).prop_map(s), int()].boxed(),
        ),
        "FromPort" | "ToPort" => ctx.pick(select(PORT_PAIRS).prop_map(|(a, _)| Node::Int(a)).boxed(), int()),
        "RuleNumber" => ctx.pick(select(&[100i128, 100, 110, 120, 200, 32766][..]).prop_map(Node::Int).boxed(), int()),
        "CidrIp" | "CidrBlock" | "DestinationCidrBlock" => ctx.pick_text(V4, BAD_V4),
        "CidrIpv6" | "Ipv6CidrBlock" | "DestinationIpv6CidrBlock" => ctx.pick_text(V6, BAD_V6),
        "GroupId" | "SourceSecurityGroupId" | "DestinationSecurityGroupId" | "SourceSecurityGroupName" => {
            reference(ctx, SG)
        }
        "VpcId" => reference(ctx, VPC),
        "SubnetId" => reference(ctx, SUBNET),
        "NetworkAclId" => reference(ctx, NACL),
        "RouteTableId" => reference(ctx, TABLE),
        "SourcePrefixListId" | "DestinationPrefixListId" | "Cluster" => reference(ctx, "AWS::EC2::PrefixList"),
        "GroupName" => ctx.pick(
            select(&["web-prod", "allow-all", "web-443", "bot-00042", "db open", ""][..]).prop_map(s).boxed(),
            reference(ctx, SG),
        ),
        "SecurityGroupIngress" | "SecurityGroupEgress" => {
            let r = rule(ctx, &["IpProtocol", "Description"]);
            let good = prop_oneof![
                6 => proptest::collection::vec(r.clone(), 0..4).prop_map(list),
                // The same rule twice, as copy and paste makes it.
                1 => (r.clone(), proptest::collection::vec(r, 0..2)).prop_map(|(r, mut rest)| {
                    rest.push(r.clone());
                    rest.push(r);
                    list(rest)
                }),
            ];
            ctx.pick(good.boxed(), any_value())
        }
        "SecurityGroupIds" | "SecurityGroups" | "GroupSet" => references(ctx, SG),
        "Subnets" => references(ctx, SUBNET),
        "NetworkConfiguration" => (references(ctx, SG), references(ctx, SUBNET), any::<bool>())
            .prop_map(|(g, n, public)| {
                map([(
                    "AwsvpcConfiguration",
                    map([
                        ("SecurityGroups", g),
                        ("Subnets", n),
                        ("AssignPublicIp", s(if public { "ENABLED" } else { "DISABLED" })),
                    ]),
                )])
            })
            .boxed(),
        "NetworkInterfaces" => proptest::collection::vec(
            (references(ctx, SG), reference(ctx, SUBNET)).prop_map(|(g, n)| map([("GroupSet", g), ("SubnetId", n)])),
            0..3,
        )
        .prop_map(list)
        .boxed(),
        "PortRange" => port_pair(ctx, "From", "To"),
        "Icmp" => port_pair(ctx, "Type", "Code"),
        // A route's target: one gateway key, or several.
        "Gateway" => (
            select(
                &["GatewayId", "GatewayId", "GatewayId", "NatGatewayId", "EgressOnlyInternetGatewayId", "VpcPeeringConnectionId"][..],
            ),
            reference(ctx, IGW),
        )
            .prop_map(|(k, v)| map([(k, v)]))
            .boxed(),
        "Egress" => ctx.pick(
            any::<bool>().prop_map(Node::Bool).boxed(),
            select(&["true", "false", "yes", "True"][..]).prop_map(s).boxed(),
        ),
        "RuleAction" => ctx.pick_text(&["allow", "allow", "deny"], &["ALLOW", "x", ""]),
        "Description" | "GroupDescription" => prop_oneof![
            3 => text(),
            1 => select(&["", "  ", "managed by terraform", "Security Group"][..]).prop_map(s),
            1 => select(STRINGS).prop_map(|t| f("Sub", s(t))),
        ]
        .boxed(),
        "Tags" => tags(),
        "PrivateTags" => (
            select(&["ringfence:subnet-kind", "aws-cdk:subnet-type"][..]),
            select(&["private", "Private", "isolated"][..]),
        )
            .prop_map(|(k, v)| list(vec![map([("Key", s(k)), ("Value", s(v))])]))
            .boxed(),
        "SubnetTags" => prop_oneof![
            (
                select(&["ringfence:subnet-kind", "aws-cdk:subnet-type"][..]),
                select(&["private", "Private", "isolated", "public", "other"][..]),
            )
                .prop_map(|(k, v)| list(vec![map([("Key", s(k)), ("Value", s(v))])])),
            tags(),
        ]
        .boxed(),
        _ => any_value(),
    }
}

fn metadata() -> BoxedStrategy<Node> {
    let ids: Vec<&'static str> = CHECKS.iter().map(|c| c.id).chain(["RF999", ""]).collect();
    let item = (select(ids), proptest::option::of(select(&["", "  ", "accepted: CHAT-1423"][..]))).prop_map(
        |(id, reason)| {
            let mut m = vec![("id".to_owned(), s(id))];
            if let Some(r) = reason {
                m.push(("reason".to_owned(), s(r)));
            }
            Node::Map(m)
        },
    );
    prop_oneof![
        4 => proptest::collection::vec(item, 0..3)
            .prop_map(|items| map([("ringfence", map([("suppress", list(items))]))])),
        1 => any_value().prop_map(|v| map([("ringfence", v)])),
    ]
    .boxed()
}

fn resource(ctx: &Ctx, ty: &'static str) -> BoxedStrategy<Node> {
    let depends_on = prop_oneof![
        select(IDS).prop_map(s),
        proptest::collection::vec(select(IDS).prop_map(s), 0..3).prop_map(list),
        Just(Node::Int(3)),
    ];
    let properties = match ty {
        INGRESS | EGRESS => rule(ctx, keys_of(ty)),
        _ => props(ctx, keys_of(ty)),
    };
    (
        ctx.pick(properties, prop_oneof![Just(Node::Null), Just(map::<&str>([]))].boxed()),
        proptest::option::weighted(0.15, metadata()),
        proptest::option::weighted(0.1, depends_on),
        proptest::option::weighted(0.05, Just(s("IsProd"))),
    )
        .prop_map(move |(properties, metadata, depends, condition)| {
            let mut m = vec![("Type".to_owned(), s(base(ty))), ("Properties".to_owned(), properties)];
            m.extend(metadata.map(|v| ("Metadata".to_owned(), v)));
            m.extend(depends.map(|v| ("DependsOn".to_owned(), v)));
            m.extend(condition.map(|v| ("Condition".to_owned(), v)));
            Node::Map(m)
        })
        .boxed()
}

fn parameter() -> BoxedStrategy<Node> {
    (
        prop_oneof![
            4 => select(&[
                "String",
                "AWS::EC2::SecurityGroup::Id",
                "List<AWS::EC2::Subnet::Id>",
                "AWS::SSM::Parameter::Value<String>",
            ][..])
            .prop_map(s),
            1 => leaf(),
        ],
        proptest::option::weighted(
            0.7,
            prop_oneof![
                4 => select(&["net", "app", "sg-0123abcd", "", "prod"][..]).prop_map(s),
                1 => Just(Node::Int(5)),
                1 => any_value(),
            ],
        ),
        proptest::option::weighted(0.1, proptest::collection::vec(leaf(), 0..3).prop_map(list)),
    )
        .prop_map(|(ty, default, allowed)| {
            let mut m = vec![("Type".to_owned(), ty)];
            m.extend(default.map(|v| ("Default".to_owned(), v)));
            m.extend(allowed.map(|v| ("AllowedValues".to_owned(), v)));
            Node::Map(m)
        })
        .boxed()
}

/// An output exporting resource `id` of type `ty` under the name importers ask for; or
/// as often as the template is sloppy, something else.
fn output(ctx: &Ctx, id: &'static str, ty: &'static str) -> BoxedStrategy<Node> {
    let x = suffix(base(ty));
    let good_name = prop_oneof![
        4 => Just(f("Sub", s(&format!("${{AWS::StackName}}-{x}")))),
        2 => select(STACKS).prop_map(move |st| s(&format!("{st}-{x}"))),
        2 => Just(f("Join", list(vec![s("-"), list(vec![f("Ref", s("AWS::StackName")), s(x)])]))),
        1 => Just(f("Sub", list(vec![s(&format!("${{S}}-{x}")), map([("S", f("Ref", s("AWS::StackName")))])]))),
    ];
    let bad_name = prop_oneof![
        Just(f("Sub", s(&format!("${{Env}}-{x}")))),
        Just(f("Sub", s("${AWS::StackName}-X"))),
        Just(f("GetAtt", s(&format!("{id}.Name")))),
        any_value(),
    ];
    let name = ctx.pick(good_name.boxed(), bad_name.boxed());
    let export = ctx.pick(
        name.prop_map(|n| map([("Name", n)])).boxed(),
        prop_oneof![Just(map::<&str>([])), any_value()].boxed(),
    );
    let value = ctx.pick(
        ref_to(id),
        prop_oneof![local_ref(), reference(&Ctx::default(), base(ty)), any_value()].boxed(),
    );
    (value, proptest::option::weighted(0.85, export))
        .prop_map(|(value, export)| {
            let mut m = vec![("Value".to_owned(), value)];
            m.extend(export.map(|e| ("Export".to_owned(), e)));
            Node::Map(m)
        })
        .boxed()
}

/// A template: how sloppy it is decides how much of it is well-formed.
fn template_doc() -> BoxedStrategy<Node> {
    let bundles: Vec<(u32, Just<&'static [&'static str]>)> =
        BUNDLES.iter().map(|&(w, b)| (w, Just(b))).collect();
    (
        proptest::collection::vec(proptest::strategy::Union::new_weighted(bundles), 0..6),
        select(&[2u32, 2, 10, 40][..]),
    )
        .prop_flat_map(|(bundles, sloppy)| {
            let types = bundles.into_iter().flatten().copied();
            let ctx = Ctx { resources: IDS.iter().copied().zip(types).collect(), sloppy };
            let resources: Vec<BoxedStrategy<(&'static str, Node)>> = ctx
                .resources
                .iter()
                .map(|&(id, ty)| resource(&ctx, ty).prop_map(move |r| (id, r)).boxed())
                .collect();
            let outputs = if ctx.resources.is_empty() {
                Just(Vec::new()).boxed()
            } else {
                let out_ctx = ctx.clone();
                proptest::collection::vec(
                    select(ctx.resources.clone()).prop_flat_map(move |(id, ty)| output(&out_ctx, id, ty)),
                    0..5,
                )
                .boxed()
            };
            (
                proptest::option::weighted(0.4, text()),
                // Importers mostly take the network stack's name as a parameter, as the
                // legacy bots do.
                proptest::option::weighted(
                    0.6,
                    ctx.pick(
                        Just(map([("Type", s("String")), ("Default", s(STACKS[0]))])).boxed(),
                        parameter(),
                    ),
                ),
                proptest::collection::vec((select(PARAMS), parameter()), 0..3),
                resources,
                outputs,
                proptest::option::weighted(0.2, any_value()),
                any::<bool>(),
            )
        })
        .prop_map(|(description, network, parameters, resources, outputs, transform, version)| {
            let mut doc = Vec::new();
            if version {
                doc.push(("AWSTemplateFormatVersion".to_owned(), s("2010-09-09")));
            }
            doc.extend(description.map(|d| ("Description".to_owned(), d)));
            doc.extend(transform.map(|t| ("Transform".to_owned(), t)));
            let parameters: Vec<(&str, Node)> =
                network.map(|p| ("NetworkStackName", p)).into_iter().chain(parameters).collect();
            if !parameters.is_empty() {
                doc.push(("Parameters".to_owned(), map(parameters)));
            }
            doc.push((
                "Conditions".to_owned(),
                map([("IsProd", f("Equals", list(vec![f("Ref", s("Env")), s("prod")])))]),
            ));
            doc.push(("Resources".to_owned(), map(resources)));
            if !outputs.is_empty() {
                doc.push((
                    "Outputs".to_owned(),
                    map(outputs.into_iter().enumerate().map(|(i, o)| (format!("Out{i}"), o))),
                ));
            }
            Node::Map(doc)
        })
        .boxed()
}

/// A way to make a template unreadable: the reader must say so, not panic.
#[derive(Debug, Clone)]
enum Breakage {
    TypeNotString,
    PropertiesNotMap,
    ResourceNotMap,
    BadLogicalId(&'static str),
    SectionNotMap(&'static str),
    OutputWithoutValue,
    DocumentIsList,
    Truncate(Index),
}

fn breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        Just(Breakage::TypeNotString),
        Just(Breakage::PropertiesNotMap),
        Just(Breakage::ResourceNotMap),
        select(&["bad-id", "", "Ünïcode", "A.B"][..]).prop_map(Breakage::BadLogicalId),
        select(&["Resources", "Parameters", "Outputs", "Conditions"][..]).prop_map(Breakage::SectionNotMap),
        Just(Breakage::OutputWithoutValue),
        Just(Breakage::DocumentIsList),
        any::<Index>().prop_map(Breakage::Truncate),
    ]
}

fn first_entry_mut<'n>(doc: &'n mut Node, section: &str) -> Option<&'n mut (String, Node)> {
    match get_mut(doc, section) {
        Some(Node::Map(m)) => m.first_mut(),
        _ => None,
    }
}

fn break_doc(doc: &mut Node, b: &Breakage) {
    match b {
        Breakage::TypeNotString => {
            if let Some((_, r)) = first_entry_mut(doc, "Resources") {
                if let Some(t) = get_mut(r, "Type") {
                    *t = list(vec![s("AWS::EC2::SecurityGroup")]);
                }
            }
        }
        Breakage::PropertiesNotMap => {
            if let Some((_, r)) = first_entry_mut(doc, "Resources") {
                if let Some(p) = get_mut(r, "Properties") {
                    *p = s("oops");
                }
            }
        }
        Breakage::ResourceNotMap => {
            if let Some((_, r)) = first_entry_mut(doc, "Resources") {
                *r = Node::Int(3);
            }
        }
        Breakage::BadLogicalId(id) => {
            if let Some((k, _)) = first_entry_mut(doc, "Resources") {
                *k = (*id).to_owned();
            }
        }
        Breakage::SectionNotMap(section) => {
            if let Node::Map(m) = doc {
                m.retain(|(k, _)| k != section);
                m.push(((*section).to_owned(), list(vec![s("x")])));
            }
        }
        Breakage::OutputWithoutValue => {
            if let Some((_, Node::Map(o))) = first_entry_mut(doc, "Outputs") {
                o.retain(|(k, _)| k != "Value");
            }
        }
        Breakage::DocumentIsList => *doc = list(vec![doc.clone()]),
        Breakage::Truncate(_) => {}
    }
}

/// The path of the error a breakage must give, when the document has the part it breaks
/// (a truncated text may still read).
fn broken_at(doc: &Node, b: &Breakage) -> Option<String> {
    let first = |section: &str| match doc {
        Node::Map(m) => match m.iter().find(|(k, _)| k == section) {
            Some((_, Node::Map(entries))) => entries.first(),
            _ => None,
        },
        _ => None,
    };
    let has = |node: &Node, key: &str| matches!(node, Node::Map(m) if m.iter().any(|(k, _)| k == key));
    match b {
        Breakage::TypeNotString => {
            first("Resources").filter(|(_, r)| has(r, "Type")).map(|(id, _)| format!("Resources.{id}.Type"))
        }
        Breakage::PropertiesNotMap => first("Resources")
            .filter(|(_, r)| has(r, "Properties"))
            .map(|(id, _)| format!("Resources.{id}.Properties")),
        Breakage::ResourceNotMap => first("Resources").map(|(id, _)| format!("Resources.{id}")),
        Breakage::BadLogicalId(bad) => first("Resources").map(|_| format!("Resources.{bad}")),
        Breakage::SectionNotMap(section) => Some((*section).to_owned()),
        Breakage::OutputWithoutValue => {
            first("Outputs").filter(|(_, o)| has(o, "Value")).map(|(id, _)| format!("Outputs.{id}"))
        }
        Breakage::DocumentIsList => Some("(document)".to_owned()),
        Breakage::Truncate(_) => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    BlockYaml,
    FlowYaml,
    Json,
}

/// Writes a node out; `coins` decide, one after the other, between the short and the
/// long form of each intrinsic and between plain and quoted YAML scalars.
struct Writer<'c> {
    coins: &'c [bool],
    next: usize,
    /// Whether a short form may take a short form as its argument (`!ImportValue !Sub
    /// …`): invalid YAML, a node has one tag at most, but people write it.
    nested_tags: bool,
}

impl Writer<'_> {
    fn flip(&mut self) -> bool {
        if self.coins.is_empty() {
            return true;
        }
        let c = self.coins[self.next % self.coins.len()];
        self.next += 1;
        c
    }

    fn quoted(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    /// Whether YAML can take `text` unquoted here (it may then read as a number, a
    /// boolean or null: intended).
    fn plain_ok(text: &str, in_flow: bool) -> bool {
        let ok = |c: char| c.is_ascii_alphanumeric() || "._/-~".contains(c) || (!in_flow && c == ':');
        !text.is_empty() && !text.starts_with(['-', ':']) && !text.ends_with(':') && text.chars().all(ok)
    }

    fn scalar(&mut self, text: &str, in_flow: bool, yaml: bool) -> String {
        if yaml && Self::plain_ok(text, in_flow) && self.flip() {
            text.to_owned()
        } else {
            Self::quoted(text)
        }
    }

    fn long_name(name: &str) -> String {
        match name {
            "Ref" | "Condition" => name.to_owned(),
            _ => format!("Fn::{name}"),
        }
    }

    /// JSON, or YAML in flow style.
    fn flow(&mut self, n: &Node, yaml: bool, in_flow: bool, out: &mut String) {
        self.flow_after_tag(n, yaml, in_flow, false, out);
    }

    fn flow_after_tag(&mut self, n: &Node, yaml: bool, in_flow: bool, after_tag: bool, out: &mut String) {
        match n {
            Node::Null => out.push_str("null"),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Int(i) => out.push_str(&i.to_string()),
            Node::Float(x) => out.push_str(x),
            Node::Str(t) => {
                let t = self.scalar(t, in_flow, yaml);
                out.push_str(&t);
            }
            Node::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.flow(item, yaml, true, out);
                }
                out.push(']');
            }
            Node::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let k = self.scalar(k, true, yaml);
                    out.push_str(&k);
                    out.push_str(": ");
                    self.flow(v, yaml, true, out);
                }
                out.push('}');
            }
            Node::Fn(name, arg) => {
                if yaml && (!after_tag || self.nested_tags) && self.flip() {
                    out.push('!');
                    out.push_str(name);
                    out.push(' ');
                    self.flow_after_tag(arg, yaml, in_flow, true, out);
                } else {
                    out.push('{');
                    out.push_str(&Self::quoted(&Self::long_name(name)));
                    out.push_str(": ");
                    self.flow(arg, yaml, true, out);
                    out.push('}');
                }
            }
        }
    }

    /// YAML in block style: maps and lists of maps in blocks, the rest in flow style.
    fn block(&mut self, entries: &[(String, Node)], indent: usize, out: &mut String) {
        for (k, v) in entries {
            out.push_str(&" ".repeat(indent));
            let k = self.scalar(k, false, true);
            out.push_str(&k);
            out.push(':');
            match v {
                Node::Map(m) if !m.is_empty() => {
                    out.push('\n');
                    self.block(m, indent + 2, out);
                }
                Node::List(items) if !items.is_empty() => {
                    out.push('\n');
                    for item in items {
                        match item {
                            Node::Map(m) if !m.is_empty() => {
                                let mut inner = String::new();
                                self.block(m, indent + 4, &mut inner);
                                out.push_str(&" ".repeat(indent + 2));
                                out.push_str("- ");
                                out.push_str(&inner[indent + 4..]);
                            }
                            other => {
                                out.push_str(&" ".repeat(indent + 2));
                                out.push_str("- ");
                                self.flow(other, true, false, out);
                                out.push('\n');
                            }
                        }
                    }
                }
                other => {
                    out.push(' ');
                    self.flow(other, true, false, out);
                    out.push('\n');
                }
            }
        }
    }

    fn document(&mut self, doc: &Node, format: Format) -> String {
        let mut out = String::new();
        match (format, doc) {
            (Format::BlockYaml, Node::Map(entries)) => self.block(entries, 0, &mut out),
            (Format::Json, _) => self.flow(doc, false, false, &mut out),
            (_, _) => self.flow(doc, true, false, &mut out),
        }
        out
    }
}

/// One template of a generated suite, and how it is written out.
#[derive(Debug, Clone)]
struct TemplateSpec {
    doc: Node,
    format: Format,
    coins: Vec<bool>,
    nested_tags: bool,
    breakage: Option<Breakage>,
}

impl TemplateSpec {
    fn text(&self) -> String {
        let mut doc = self.doc.clone();
        if let Some(b) = &self.breakage {
            break_doc(&mut doc, b);
        }
        let text =
            Writer { coins: &self.coins, next: 0, nested_tags: self.nested_tags }.document(&doc, self.format);
        match &self.breakage {
            Some(Breakage::Truncate(i)) => {
                let mut at = i.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text[..at].to_owned()
            }
            _ => text,
        }
    }

    /// Read as the format it was written in, every reader tried. A document broken on
    /// purpose whose unbroken form reads does not read: the error names the part that
    /// was broken (or is a syntax error, when the writer's choices for the broken
    /// document made text no parser reads).
    fn read(&self) -> Option<Template> {
        let text = self.text();
        read_all(&text);
        let r = match self.format {
            Format::Json => Template::from_json(&text),
            _ => Template::from_yaml(&text),
        };
        if let Some(expected) = self.breakage.as_ref().and_then(|b| broken_at(&self.doc, b)) {
            let whole = TemplateSpec { breakage: None, ..self.clone() };
            if whole.read().is_some() {
                match &r {
                    Err(ReadError::Shape { path, .. }) => {
                        assert!(
                            path.starts_with(&expected),
                            "{path}, not {expected}: {:?}\n{text}",
                            self.breakage
                        );
                    }
                    Err(ReadError::Syntax { .. }) => {}
                    other => {
                        panic!("{:?} gives {other:?}, not an error at {expected}\n{text}", self.breakage)
                    }
                }
            }
        }
        r.ok()
    }
}

fn template_spec() -> impl Strategy<Value = TemplateSpec> {
    (
        template_doc(),
        prop_oneof![5 => Just(Format::BlockYaml), 2 => Just(Format::FlowYaml), 3 => Just(Format::Json)],
        proptest::collection::vec(any::<bool>(), 1..12),
        proptest::bool::weighted(0.05),
        proptest::option::weighted(0.15, breakage()),
    )
        .prop_map(|(doc, format, coins, nested_tags, breakage)| TemplateSpec {
            doc,
            format,
            coins,
            nested_tags,
            breakage,
        })
}

/// One end of a reachability question.
#[derive(Debug, Clone)]
enum End {
    /// A group of the model, in a subnet of the model (or at a fixed address).
    Group(Index, Option<Index>),
    /// A workload of the model.
    Workload(Index),
    /// A host on the Internet.
    Internet(IpAddr),
    /// Groups and a subnet the model does not know.
    Foreign(u8, Option<IpAddr>),
}

const ADDRESSES: &[IpAddr] = &[
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)),
    IpAddr::V4(Ipv4Addr::new(10, 0, 1, 9)),
    IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)),
    IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    IpAddr::V4(Ipv4Addr::BROADCAST),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5)),
];

fn end() -> impl Strategy<Value = End> {
    prop_oneof![
        4 => (any::<Index>(), proptest::option::weighted(0.7, any::<Index>())).prop_map(|(g, n)| End::Group(g, n)),
        2 => any::<Index>().prop_map(End::Workload),
        1 => select(ADDRESSES).prop_map(End::Internet),
        1 => (any::<u8>(), proptest::option::of(select(ADDRESSES))).prop_map(|(k, a)| End::Foreign(k, a)),
    ]
}

const FLOW_PROTOS: &[Protocol] = &[
    Protocol::Tcp,
    Protocol::Udp,
    Protocol::Icmp,
    Protocol::Icmpv6,
    Protocol::All,
    Protocol::Other(47),
    Protocol::Other(0),
    Protocol::Other(255),
];
const FLOW_PORTS: &[i32] = &[-1, 0, 8, 22, 128, 443, 1024, 5432, 65535, 65536, i32::MIN, i32::MAX];

#[derive(Debug, Clone)]
struct Query {
    from: End,
    to: End,
    proto: Protocol,
    port: i32,
}

fn query() -> impl Strategy<Value = Query> {
    (end(), end(), select(FLOW_PROTOS), select(FLOW_PORTS)).prop_map(|(from, to, proto, port)| Query {
        from,
        to,
        proto,
        port,
    })
}

#[derive(Debug, Clone)]
struct SuiteSpec {
    templates: Vec<TemplateSpec>,
    /// Parameter values given for the deployment: template, parameter, value.
    given: Vec<(Index, &'static str, &'static str)>,
    queries: Vec<Query>,
}

fn suite_spec() -> impl Strategy<Value = SuiteSpec> {
    (
        proptest::collection::vec(template_spec(), 1..=4),
        proptest::collection::vec(
            (
                any::<Index>(),
                select(PARAMS),
                select(&["net", "app", "sg-0b7a1c2d3e4f50617", "", "10.0.0.0/8"][..]),
            ),
            0..3,
        ),
        proptest::collection::vec(query(), 0..6),
    )
        .prop_map(|(templates, given, queries)| SuiteSpec { templates, given, queries })
}

impl SuiteSpec {
    fn suite(&self) -> Suite {
        let mut suite = Suite::new();
        for (i, t) in self.templates.iter().enumerate() {
            if let Some(template) = t.read() {
                let ext = if t.format == Format::Json { "json" } else { "yaml" };
                suite.add(STACKS[i], &format!("{}.{ext}", STACKS[i]), template);
            }
        }
        let n = suite.templates().len();
        if n > 0 {
            for (i, name, value) in &self.given {
                suite.templates_mut()[i.index(n)].parameters.insert((*name).to_owned(), (*value).to_owned());
            }
        }
        suite
    }
}

fn endpoint(m: &Model<'_>, end: &End) -> Option<Endpoint> {
    let local = |stack: usize, id: &LogicalId| Obj::Local { stack, id: id.clone() };
    match end {
        End::Group(g, subnet) => {
            let group = m.groups.get(g.index(m.groups.len().max(1)))?;
            let groups = vec![local(group.at.stack, &group.at.id)];
            match subnet.and_then(|i| m.subnets.get(i.index(m.subnets.len().max(1)))) {
                Some(s) => Some(Endpoint::in_subnet(m, groups, local(s.at.stack, &s.at.id))),
                None => Some(Endpoint { groups, subnet: None, address: Some(ADDRESSES[0]) }),
            }
        }
        End::Workload(w) => {
            let w = m.workloads.get(w.index(m.workloads.len().max(1)))?;
            Endpoint::workload(m, m.stack_name(w.at.stack), w.at.id.as_str())
        }
        End::Internet(address) => Some(Endpoint::internet(*address)),
        End::Foreign(kind, address) => {
            let mut groups = vec![Obj::External("sg-0123abcd".into()), Obj::Unknown("(import of x)".into())];
            if !m.resolver.suite().templates().is_empty() {
                groups.push(Obj::Parameter { stack: 0, name: LogicalId::new("Shared").unwrap() });
            }
            groups.truncate(usize::from(kind % 4));
            let subnet = ((kind & 4) != 0).then(|| Obj::External("subnet-1".into()));
            Some(Endpoint { groups, subnet, address: *address })
        }
    }
}

/// What is read is kept: every group, rule, subnet, NACL entry, route, association and
/// workload (of the types the model reads) of every template is in the model once, at its
/// resource, however malformed its properties, unless its Condition is decided false (a
/// rule that chooses with an undecided
/// `Fn::If` once per reading, exactly one of them its first).
fn assert_kept(suite: &Suite, model: &Model<'_>) {
    for (stack, t) in suite.templates().iter().enumerate() {
        for (id, r) in &t.template.resources {
            let here = |at: &Location| at.stack == stack && at.id == *id;
            let kept = match r.resource_type.as_str() {
                SG => model.groups.iter().filter(|g| here(&g.at)).count(),
                INGRESS | EGRESS => {
                    model.rules.iter().filter(|x| here(&x.at) && x.is_first_reading()).count()
                }
                SUBNET => model.subnets.iter().filter(|x| here(&x.at)).count(),
                ENTRY => model.nacl_entries.iter().filter(|x| here(&x.at)).count(),
                ROUTE => model.routes.iter().filter(|x| here(&x.at)).count(),
                NACL_ASSOC | TABLE_ASSOC => model.associations.iter().filter(|x| here(&x.at)).count(),
                SERVICE | INSTANCE => model.workloads.iter().filter(|x| here(&x.at)).count(),
                _ => continue,
            };
            // A resource whose Condition the parameters decide false is not created.
            let created = usize::from(model.resolver.creates(stack, r));
            assert_eq!(kept, created, "{}/{id} ({}) is in the model {kept} times", t.stack, r.resource_type);
        }
    }
}

/// What one audit went through, to show that the generated suites reach every part.
#[derive(Debug, Default)]
struct Stats {
    templates: usize,
    cross_stack: usize,
    checks: BTreeSet<&'static str>,
    layers: BTreeSet<String>,
    allowed: usize,
}

/// The whole audit of a suite, asserting (c) on the way.
fn audit(suite: &Suite, queries: &[Query]) -> Stats {
    let model = Model::build(suite);
    assert_kept(suite, &model);
    let report = analyze(suite);
    let mut stats = Stats { templates: suite.templates().len(), ..Stats::default() };
    for finding in &report.findings {
        assert!(!finding.check.is_empty(), "{finding}");
        assert!(CHECKS.iter().any(|c| c.id == finding.check), "unknown check: {finding}");
        assert!(
            suite.templates().iter().any(|t| t.stack == finding.template && t.source == finding.source),
            "unknown template: {finding}"
        );
        stats.checks.insert(finding.check);
    }
    // Imports that resolve to a resource of another template.
    for (i, t) in suite.templates().iter().enumerate() {
        for r in t.template.resources.values() {
            for v in r.properties.values() {
                v.walk(&mut |v| {
                    if matches!(v, Value::ImportValue(_))
                        && matches!(model.resolver.resolve(i, v), Obj::Local { stack, .. } if stack != i)
                    {
                        stats.cross_stack += 1;
                    }
                });
            }
        }
    }
    let dot = diagram::dot(&model);
    assert!(dot.starts_with("digraph") && dot.ends_with("}\n"));
    let chart = diagram::mermaid(&model);
    assert!(chart.starts_with("flowchart LR\n"));
    for q in queries {
        let (Some(from), Some(to)) = (endpoint(&model, &q.from), endpoint(&model, &q.to)) else { continue };
        let answer = reach(&model, &from, &to, q.proto, q.port);
        assert!(!answer.steps.is_empty());
        assert_eq!(answer.allowed, answer.steps.iter().all(|s| s.allowed), "{answer:?}");
        stats.allowed += usize::from(answer.allowed);
        stats.layers.extend(answer.steps.iter().map(|s| format!("{:?}", s.layer)));
    }
    stats
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn generated_suites_audit_without_panicking(spec in suite_spec()) {
        let suite = spec.suite();
        audit(&suite, &spec.queries);
    }
}

/// The grammar is not so broken that everything fails early: most templates read,
/// imports resolve across templates, most checks fire, reachability meets every layer.
#[test]
fn generated_suites_reach_every_part_of_the_analysis() {
    let mut runner = TestRunner::deterministic();
    let strategy = suite_spec();
    let (mut written, mut read, mut cross_stack, mut allowed) = (0, 0, 0, 0);
    let mut checks = BTreeSet::new();
    let mut layers = BTreeSet::new();
    for _ in 0..200 {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let suite = spec.suite();
        written += spec.templates.len();
        let stats = audit(&suite, &spec.queries);
        read += stats.templates;
        cross_stack += stats.cross_stack;
        allowed += stats.allowed;
        checks.extend(stats.checks);
        layers.extend(stats.layers);
    }
    println!(
        "{read} of {written} templates read; {cross_stack} cross-template imports resolved; {} checks found; \
         {allowed} flows allowed; layers met: {layers:?}",
        checks.len()
    );
    assert!(read * 10 >= written * 6, "only {read} of {written} templates read");
    assert!(cross_stack > 0, "no reference resolved to another template");
    assert!(allowed > 0, "no flow allowed");
    let all: BTreeSet<&str> = CHECKS.iter().map(|c| c.id).collect();
    let missing: Vec<&&str> = all.difference(&checks).collect();
    // RF401 (61 rules on a group), RF403 (a template over the quotas) and RF404 (2,501
    // groups) need suites larger than the grammar makes.
    assert!(
        missing.iter().all(|c| ["RF401", "RF403", "RF404"].contains(*c)),
        "checks never found: {missing:?}"
    );
    for layer in [
        Layer::GroupsOut,
        Layer::GroupsIn,
        Layer::SourceNaclOut,
        Layer::SourceNaclReturn,
        Layer::DestinationNaclIn,
        Layer::DestinationNaclReturn,
        Layer::Route,
    ] {
        assert!(layers.contains(&format!("{layer:?}")), "layer {layer:?} never reached: {layers:?}");
    }
}

/// Regression: `reach` computed `e.to + 1` for every NACL entry with ports, which
/// overflowed when an entry's `PortRange.To` was `i64::MAX` (found while writing the
/// fuzz targets, confirmed with `audit_suite`; input in
/// `fuzz/regressions/audit_suite-reach-nacl-port-range-overflow.yaml`).
#[test]
fn nacl_port_range_up_to_i64_max_does_not_panic_reach() {
    let yaml = "
Resources:
  Assoc:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: { SubnetId: subnet-1, NetworkAclId: acl-1 }
  Out:
    Type: AWS::EC2::NetworkAclEntry
    Properties: { NetworkAclId: acl-1, Egress: true, RuleNumber: 1, RuleAction: allow, Protocol: 6, CidrBlock: 0.0.0.0/0 }
  In:
    Type: AWS::EC2::NetworkAclEntry
    Properties: { NetworkAclId: acl-1, Protocol: 6, PortRange: { To: 9223372036854775807 } }
";
    let mut suite = Suite::new();
    suite.add("net", "net.yaml", Template::parse(yaml).unwrap());
    let model = Model::build(&suite);
    let from = Endpoint { groups: Vec::new(), subnet: Some(Obj::External("subnet-1".into())), address: None };
    let to = Endpoint::internet(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)));
    // Denied (entry `In` allows nothing back), but answered.
    let answer = reach(&model, &from, &to, Protocol::Tcp, 443);
    assert!(!answer.allowed, "{answer:?}");
}
