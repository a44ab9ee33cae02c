//! AWS's length limits are inclusive: a text of exactly the limit is accepted, one
//! character more is refused with the construct and the length in the error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::{App, Error, Peer, Port, VpcSpec};

#[test]
fn a_description_of_exactly_the_limit_is_accepted_and_one_more_is_refused() {
    let app = App::new("limits");
    let mut net = app.stack("network").unwrap();
    let vpc = net.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap()).unwrap();
    let at_limit = "d".repeat(255);
    let db = net.security_group(&vpc, "db", &at_limit).unwrap();
    net.allow_ingress(&db, Peer::ipv4("10.0.0.0/16").unwrap(), Port::POSTGRES, &at_limit).unwrap();

    let over = "d".repeat(256);
    let e = net.security_group(&vpc, "cache", &over).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidDescription { construct, .. } if construct == "network/cache"),
        "{e:?}"
    );
    assert!(e.to_string().contains("is 256 characters long, AWS allows 255"), "{e}");
    let e = net.allow_ingress(&db, Peer::ipv4("10.1.0.0/16").unwrap(), Port::POSTGRES, &over).unwrap_err();
    assert!(e.to_string().contains("is 256 characters long, AWS allows 255"), "{e}");
}

#[test]
fn a_construct_id_of_exactly_64_characters_is_accepted_and_65_is_refused() {
    let app = App::new("limits");
    let id = "s".repeat(64);
    app.stack(&id).unwrap();
    let Err(e) = app.stack(&"s".repeat(65)) else { panic!("a 65-character id was accepted") };
    assert!(
        matches!(&e, Error::InvalidConstructId { problem, .. } if problem == "is 65 characters long"),
        "{e:?}"
    );
}
