//! RF103 (the same rule declared twice on one group) over many rules: every repeat is
//! reported once, naming the first declaration, in the same template as a warning and
//! across templates as an error; rules EC2 tells apart are not repeats.

use ringfence_analyze::{analyze, Findings, Model, Severity, Suite};

fn rule(i: usize, cidr: &str, port: u16) -> String {
    format!("        - {{IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: {cidr}, Description: rule {i}}}\n")
}

#[test]
fn every_repeat_names_the_first_declaration() {
    // 300 rules on one group: 100 distinct ranges, each declared three times (the
    // second and third name the first), plus rules that differ only by port or by
    // host bits EC2 ignores (10.1.0.7/16 is 10.1.0.0/16).
    let mut net = String::from(
        "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:\n",
    );
    for i in 0..300 {
        net.push_str(&rule(i, &format!("10.{}.0.0/16", i % 100), 443));
    }
    net.push_str(&rule(300, "10.0.0.0/16", 8443));
    net.push_str(&rule(301, "10.1.0.7/16", 443));
    let mut suite = Suite::new();
    suite.read("net", "net.yaml", &net).unwrap();
    let report = analyze(&suite);
    let repeats = report.of("RF103");
    assert_eq!(repeats.len(), 201, "200 repeats of the 100 ranges, and 10.1.0.7/16");
    for f in &repeats {
        let i: usize = f.path["Properties.SecurityGroupIngress[".len()..f.path.len() - 1].parse().unwrap();
        let first = if i == 301 { 1 } else { i % 100 };
        assert!(
            f.message.contains(&format!("as net/Web Properties.SecurityGroupIngress[{first}]:")),
            "{i}: {}",
            f.message
        );
        assert_eq!(f.severity, Severity::Warning, "same template");
    }
    assert!(!repeats.iter().any(|f| f.path.ends_with("[300]")), "another port is another rule");
}

#[test]
fn a_repeat_in_another_template_is_an_error_and_findings_match_the_report() {
    let net = "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\nOutputs:\n  Web:\n    Value: !Ref Web\n    Export:\n      Name: net-web\n";
    let bot = |n: usize| {
        format!("Resources:\n  Admit{n}:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !ImportValue net-web\n      IpProtocol: tcp\n      FromPort: 443\n      ToPort: 443\n      CidrIp: 10.9.0.0/16\n      Description: bot {n}\n")
    };
    let mut suite = Suite::new();
    suite.read("net", "net.yaml", net).unwrap();
    for n in 0..3 {
        suite.read(&format!("bot{n}"), &format!("bot{n}.yaml"), &bot(n)).unwrap();
    }
    let report = analyze(&suite);
    let repeats = report.of("RF103");
    assert_eq!(repeats.iter().map(|f| f.template.as_str()).collect::<Vec<_>>(), ["bot1", "bot2"]);
    assert!(repeats
        .iter()
        .all(|f| f.severity == Severity::Error && f.message.contains("as bot0/Admit0 Properties")));
    // The compact findings are the report's, in its order.
    let model = Model::build(&suite);
    let found = Findings::of(&model);
    assert_eq!(found.len(), report.findings.len());
    assert!(found.iter().zip(&report.findings).all(|(a, b)| a.to_finding() == *b));
}
