//! `Assembly::warnings` lists the active warnings and nothing else: not the notes, not a
//! suppressed warning.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::analyze::Severity;
use ringfence::{App, NaclRule, Peer, Port, SubnetGroup, VpcSpec};

#[test]
fn warnings_are_the_active_warnings() {
    let app = App::new("n");
    let mut s = app.stack("net").unwrap();
    let vpc = s
        .vpc(
            "main",
            VpcSpec::new("10.0.0.0/16")
                .unwrap()
                .subnets(SubnetGroup::isolated("data", 24))
                .subnets(SubnetGroup::public("public", 24)),
        )
        .unwrap();
    let acl = s.network_acl(&vpc, "data").unwrap();
    s.associate_nacl(&acl, &vpc.subnet_group("data").unwrap()).unwrap();
    // The public subnets stay on the default ACL: RF503, a note.
    // Allowed in, with no return traffic allowed out: RF501, a warning, on each entry.
    let office = Peer::ipv4("192.0.2.0/24").unwrap();
    s.nacl_entry(&acl, NaclRule::allow_in(100, office.clone(), Port::POSTGRES, "Office to the database"))
        .unwrap();
    s.nacl_entry(&acl, NaclRule::allow_in(110, office, Port::MYSQL, "Office to the old database")).unwrap();

    let assembly = app.synth().unwrap();
    let warnings: Vec<_> = assembly.warnings().map(|f| (f.check, f.severity)).collect();
    assert_eq!(
        warnings,
        [("RF501", Severity::Warning), ("RF501", Severity::Warning)],
        "{:#?}",
        assembly.findings()
    );
    assert!(
        assembly.findings().iter().any(|f| f.severity == Severity::Info),
        "notes are findings, not warnings"
    );

    s.suppress(&acl, "RF501", "The office replies through the VPN, which this ACL does not see").unwrap();
    let assembly = app.synth().unwrap();
    assert_eq!(assembly.warnings().count(), 0);
    assert_eq!(
        assembly.findings().iter().filter(|f| f.check == "RF501" && f.suppressed.is_some()).count(),
        2
    );
}
