//! One EC2 vocabulary: the builder (`crates/ringfence`), the analyzer (`crates/analyze`)
//! and the command (`crates/cli`) spell no security group, rule or network ACL entry
//! property key, and no subnet-kind tag or suppression key, themselves: they write and
//! read them through `ringfence_cfn::ec2` and `ringfence_cfn::suppress`, where each is
//! defined once. Test modules (`#[cfg(test)]` to the end of a file) may spell them in
//! fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};

/// Keys and tags that live in `ringfence_cfn::ec2` / `suppress` only.
const FACTS: &[&str] = &[
    "FromPort",
    "ToPort",
    "IpProtocol",
    "CidrIp",
    "CidrIpv6",
    "SourceSecurityGroupId",
    "DestinationSecurityGroupId",
    "SourcePrefixListId",
    "DestinationPrefixListId",
    "SourceSecurityGroupName",
    "RuleNumber",
    "RuleAction",
    "PortRange",
    "Icmp",
    "Egress",
    "Protocol",
    "NetworkAclId",
    "CidrBlock",
    "AWS::EC2::VPC",
    "SecurityGroupIngress",
    "SecurityGroupEgress",
    "GroupDescription",
    "GroupName",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::Subnet",
    "ringfence:subnet-kind",
    "aws-cdk:subnet-type",
    "suppress",
    "255.255.255.255/32",
];

/// Literals that are not the fact they spell, with why.
const NOT_FACTS: &[(&str, &str, &str)] = &[
    // A word of a rule's logical id (`WebEgressTcp443ToCidr…`), not a property key.
    ("crates/ringfence/src/synth/ids.rs", "Egress", "logical-id word"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `"fact"` literal outside test modules: `(file, line, fact)`.
fn spelled(root: &Path) -> Vec<(String, usize, &'static str)> {
    let mut files = Vec::new();
    for krate in ["crates/ringfence/src", "crates/analyze/src", "crates/cli/src"] {
        rust_files(&root.join(krate), &mut files);
    }
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = file.strip_prefix(root).unwrap().display().to_string();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for fact in FACTS {
                if line.contains(&format!("\"{fact}\""))
                    && !NOT_FACTS.iter().any(|(f, l, _)| *f == rel && l == fact)
                {
                    found.push((rel.clone(), n + 1, *fact));
                }
            }
        }
    }
    found
}

#[test]
fn the_builder_the_analyzer_and_the_command_spell_no_ec2_fact() {
    let root = &Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let found = spelled(root);
    assert!(
        found.is_empty(),
        "spelled outside ringfence_cfn::ec2 (use its constants and functions): {found:#?}"
    );
}

#[test]
fn the_scan_finds_a_spelled_fact() {
    // The scan itself works: a copy of a source file with one key spelled is found.
    let dir = std::env::temp_dir().join(format!("ringfence-one-vocabulary-{}", std::process::id()));
    let src = dir.join("crates/analyze/src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(dir.join("crates/ringfence/src")).unwrap();
    std::fs::create_dir_all(dir.join("crates/cli/src")).unwrap();
    std::fs::write(
        src.join("x.rs"),
        "// \"FromPort\" in a comment\nfn f(m: &Map) { m.get(\"FromPort\"); }\n#[cfg(test)]\nmod tests { const T: &str = \"ToPort\"; }\n",
    )
    .unwrap();
    let found = spelled(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found, [("crates/analyze/src/x.rs".to_owned(), 2, "FromPort")]);
}
