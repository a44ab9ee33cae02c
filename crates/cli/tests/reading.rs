//! `ringfence audit` over what the reader cannot fully read (issue 11): unknown tags,
//! duplicate keys and ports that are no numbers are RF001 findings at their lines; the
//! size quota counts the file's bytes; lines stay right deep in large templates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;
use std::process::Command;

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }
}

fn ringfence<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence")).args(args).output().expect("the binary runs");
    Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
    }
}

/// The 1-based line of the first line of `text` that, trimmed, starts with `start`.
fn line_of(text: &str, start: &str) -> usize {
    text.lines().position(|l| l.trim_start().starts_with(start)).unwrap_or_else(|| panic!("no line {start}"))
        + 1
}

/// SARIF results as (rule, logical id, start line).
fn sarif_lines(dir: &Path) -> Vec<(String, String, Option<u64>)> {
    let run = ringfence(&["audit".as_ref(), dir.as_os_str(), "--format".as_ref(), "sarif".as_ref()]);
    run.json()["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let location = &r["locations"][0];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                location["logicalLocations"][0]["name"].as_str().unwrap_or("").to_owned(),
                location["physicalLocation"]["region"]["startLine"].as_u64(),
            )
        })
        .collect()
}

const WEB_YAML: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: !Frobnicate web-production
      GroupDescription: Web servers
      VpcId: vpc-0123456789abcdef0
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: abc
          ToPort: 22
          CidrIp: 0.0.0.0/0
          Description: administration
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: api}
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0, Description: api}
  Server:
    Type: AWS::EC2::Instance
    Properties:
      SecurityGroupIds: [!Ref Web]
";

const DB_JSON: &str = r#"{
  "Resources": {
    "Db": {
      "Type": "AWS::EC2::SecurityGroup",
      "Properties": {
        "GroupDescription": "Database servers",
        "VpcId": "vpc-0123456789abcdef0",
        "SecurityGroupIngress": [
          {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "10.0.0.0/8", "Description": "app"}
        ],
        "SecurityGroupEgress": [{"IpProtocol": "-1", "CidrIp": "10.0.0.0/8", "Description": "inside"}],
        "GroupDescription": "Database servers, written twice"
      }
    }
  }
}
"#;

#[test]
fn what_the_reader_cannot_read_is_rf001_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.yaml"), WEB_YAML).unwrap();
    std::fs::write(dir.path().join("db.json"), DB_JSON).unwrap();
    let folder = dir.path().display().to_string();

    let run = ringfence(&["audit", &folder]);
    assert_eq!(run.code, 1, "RF001 is an error\n{}{}", run.stdout, run.stderr);
    let out = &run.stdout;
    let tag = line_of(WEB_YAML, "GroupName:");
    let port = line_of(WEB_YAML, "FromPort: abc");
    let last = |text: &str, what: &str| {
        text.lines().enumerate().filter(|(_, l)| l.contains(what)).last().unwrap().0 + 1
    };
    let second_egress = last(WEB_YAML, "SecurityGroupEgress:");
    let second_description = last(DB_JSON, "\"GroupDescription\"");
    for expected in [
        format!("error   RF001 Web Properties.GroupName (line {tag})"),
        format!("error   RF001 Web Properties.SecurityGroupIngress[0].FromPort (line {port})"),
        format!("error   RF001 Web Properties.SecurityGroupEgress (line {second_egress})"),
        format!("error   RF001 Db Properties.GroupDescription (line {second_description})"),
    ] {
        assert!(out.contains(&expected), "no `{expected}` in\n{out}");
    }
    assert!(out.contains("FromPort is `abc`, not a number"), "{out}");
    assert!(out.contains("`!Frobnicate` is not a tag CloudFormation knows"), "{out}");
    assert!(out.contains("`SecurityGroupEgress` is given again in the same map (first at line 15)"), "{out}");
    // FromPort `abc` is not "all ports": no world-open finding for that rule.
    assert!(!out.contains("RF301") && !out.contains("RF302"), "{out}");
    // Both templates were read and audited, the rest as usual (the last egress list,
    // world-open HTTPS, is the one read).
    assert!(out.ends_with("in 2 templates\n"), "{out}");
    assert!(!out.contains("RF000"), "{out}");

    let doc = ringfence(&["audit", &folder, "--format", "json"]).json();
    let rf001: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "RF001")
        .map(|f| (f["resource"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rf001,
        [
            ("Db", "Properties.GroupDescription"),
            ("Web", "Properties.GroupName"),
            ("Web", "Properties.SecurityGroupEgress"),
            ("Web", "Properties.SecurityGroupIngress[0].FromPort"),
        ]
    );

    let sarif = sarif_lines(dir.path());
    let lines: Vec<(&str, Option<u64>)> =
        sarif.iter().filter(|(rule, ..)| rule == "RF001").map(|(_, id, line)| (id.as_str(), *line)).collect();
    let n = |l: usize| Some(u64::try_from(l).unwrap());
    assert_eq!(
        lines,
        [("Db", n(second_description)), ("Web", n(tag)), ("Web", n(second_egress)), ("Web", n(port))]
    );

    // `reach` still finds the group by its logical id (its name is unknown, not lost).
    let reach =
        ringfence(&["reach", &folder, "--from", "internet:203.0.113.9", "--to", "Web", "--port", "tcp/22"]);
    assert_eq!(reach.code, 0, "{}{}", reach.stdout, reach.stderr);
    assert!(reach.stdout.starts_with("denied: tcp/22"), "port 22 stays closed: {}", reach.stdout);
}

/// A minified template of `n` groups with `tags` tags each.
fn minified(n: usize, tags: usize) -> String {
    let groups: Vec<String> = (0..n)
        .map(|i| {
            let tags: Vec<String> = (0..tags).map(|t| format!(r#"{{"Key":"k{t}","Value":"v{t}"}}"#)).collect();
            format!(
                r#""Group{i:05}":{{"Type":"AWS::EC2::SecurityGroup","Properties":{{"GroupName":"app-{i:05}","GroupDescription":"application servers of shard {i}","VpcId":"vpc-0123456789abcdef0","SecurityGroupIngress":[{{"IpProtocol":"tcp","FromPort":8443,"ToPort":8443,"CidrIp":"10.0.0.0/8","Description":"clients of the shard"}}],"SecurityGroupEgress":[{{"IpProtocol":"-1","CidrIp":"10.0.0.0/8","Description":"inside"}}],"Tags":[{}]}}}}"#,
                tags.join(",")
            )
        })
        .collect();
    format!(r#"{{"AWSTemplateFormatVersion":"2010-09-09","Resources":{{{}}}}}"#, groups.join(","))
}

fn rf403(path: &Path) -> Vec<(String, String)> {
    let doc = ringfence(&["audit".as_ref(), path.as_os_str(), "--format".as_ref(), "json".as_ref()]).json();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "RF403")
        .map(|f| (f["severity"].as_str().unwrap().to_owned(), f["message"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn the_size_quota_counts_the_files_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // ~550 KB minified (about 1.4 MB once pretty-printed, which RF403 used to measure).
    let small = minified(400, 36);
    assert!((500_000..600_000).contains(&small.len()), "{}", small.len());
    let path = dir.path().join("app.json");
    std::fs::write(&path, &small).unwrap();
    assert_eq!(
        rf403(&path),
        [(
            "warning".to_owned(),
            format!("is {} bytes, over the 51,200 bytes CloudFormation accepts inline", small.len())
        )]
    );
    // Over 1 MB as written: an error.
    let big = minified(450, 100);
    assert!(big.len() > 1_048_576);
    std::fs::write(&path, &big).unwrap();
    assert_eq!(
        rf403(&path),
        [(
            "error".to_owned(),
            format!("is {} bytes; CloudFormation accepts at most 1 MB (1,048,576 bytes)", big.len())
        )]
    );
    // YAML counts its own bytes too.
    let yaml = "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: app\n      SecurityGroupEgress: [{IpProtocol: '-1', CidrIp: 10.0.0.0/8, Description: x}]\n      Tags:\n"
        .to_owned()
        + &"        - {Key: k, Value: v}\n".repeat(2_500);
    let path = dir.path().join("app.yaml");
    std::fs::write(&path, &yaml).unwrap();
    assert_eq!(
        rf403(&path),
        [(
            "warning".to_owned(),
            format!("is {} bytes, over the 51,200 bytes CloudFormation accepts inline", yaml.len())
        )]
    );
}

/// A template of `n` groups, JSON or YAML; group `world` admits SSH from the Internet
/// and group `bad` has a port that is no number.
fn many_groups(n: usize, world: usize, bad: usize, yaml: bool) -> String {
    let mut out = String::new();
    if yaml {
        out.push_str("Resources:\n");
    } else {
        out.push_str("{\n  \"Resources\": {\n");
    }
    for i in 0..n {
        let cidr = if i == world { "0.0.0.0/0" } else { "10.0.0.0/8" };
        let from = if i == bad { "\"eighty\"" } else { "22" };
        if yaml {
            out.push_str(&format!(
                "  Group{i:05}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: shard {i}\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: {from}\n          ToPort: 22\n          CidrIp: {cidr}\n          Description: administration\n      SecurityGroupEgress:\n        - {{IpProtocol: '-1', CidrIp: 10.0.0.0/8, Description: inside}}\n"
            ));
        } else {
            let sep = if i + 1 == n { "" } else { "," };
            out.push_str(&format!(
                "    \"Group{i:05}\": {{\n      \"Type\": \"AWS::EC2::SecurityGroup\",\n      \"Properties\": {{\n        \"GroupDescription\": \"shard {i}\",\n        \"SecurityGroupIngress\": [\n          {{\"IpProtocol\": \"tcp\",\n           \"FromPort\": {from},\n           \"ToPort\": 22, \"CidrIp\": \"{cidr}\", \"Description\": \"administration\"}}\n        ],\n        \"SecurityGroupEgress\": [{{\"IpProtocol\": \"-1\", \"CidrIp\": \"10.0.0.0/8\", \"Description\": \"inside\"}}]\n      }}\n    }}{sep}\n"
            ));
        }
    }
    if !yaml {
        out.push_str("  }\n}\n");
    }
    out
}

#[test]
fn lines_are_right_deep_in_large_templates() {
    for yaml in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let text = many_groups(6_000, 4_321, 5_998, yaml);
        let name = if yaml { "groups.yaml" } else { "groups.json" };
        std::fs::write(dir.path().join(name), &text).unwrap();
        let results = sarif_lines(dir.path());
        let key = |id: &str| if yaml { format!("{id}:") } else { format!("\"{id}\":") };
        let world = line_of(&text, &key("Group04321"));
        let bad_group = line_of(&text, &key("Group05998"));
        let bad_port =
            bad_group + text.lines().skip(bad_group).position(|l| l.contains("FromPort")).unwrap() + 1;
        let find = |rule: &str| {
            results
                .iter()
                .find(|(r, ..)| r == rule)
                .unwrap_or_else(|| panic!("no {rule}: {results:?}"))
                .clone()
        };
        let n = |l: usize| Some(u64::try_from(l).unwrap());
        assert_eq!(find("RF301"), ("RF301".into(), "Group04321".into(), n(world)), "{name}");
        assert_eq!(find("RF001"), ("RF001".into(), "Group05998".into(), n(bad_port)), "{name}");
        // Every finding of a resource points at the line declaring it.
        let declared: std::collections::HashMap<String, usize> = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let l = l.trim_start().trim_start_matches('"');
                let numbered = l.starts_with("Group") && l.as_bytes().get(5).is_some_and(u8::is_ascii_digit);
                numbered.then(|| (l[..10].to_owned(), i + 1))
            })
            .collect();
        assert_eq!(declared.len(), 6_000);
        let mut checked = 0;
        for (rule, id, line) in &results {
            if id.is_empty() || rule == "RF001" {
                continue;
            }
            assert_eq!(*line, n(declared[id]), "{name} {rule} {id}");
            checked += 1;
        }
        assert!(checked >= 6_000, "{checked}");
    }
}
