//! A user's infrastructure crate, as `tests/snapshot_recipe.rs` writes it (its
//! `src/lib.rs`): a network stack that shares a VPC and two groups, and two service
//! stacks. The test also compiles this file itself, to know what the snapshots must hold.

use ringfence::{App, Error, Peer, Port, VpcSpec};

/// Whether the service stacks admit the office on the admin port: the change the test
/// makes to the app (in the text of `src/lib.rs`) after the snapshots are taken.
pub const ADMIN: bool = false;

/// The app for one environment, as the crate's own test builds it.
pub fn build(env: &str) -> Result<App, Error> {
    build_with(env, ADMIN)
}

/// The app for one environment, with or without the admin port.
pub fn build_with(env: &str, admin: bool) -> Result<App, Error> {
    let app = App::new("shop").environment(env);
    let mut network = app.stack("network")?;
    let vpc = network.vpc("main", VpcSpec::new("10.20.0.0/16")?)?;
    let web = network.security_group(&vpc, "web", "Web tasks; the database admits this role")?;
    let db = network.security_group(&vpc, "orders-db", "Orders PostgreSQL")?;
    network.allow_ingress(&db, Peer::group(&web), Port::POSTGRES, "web tasks keep orders")?;
    for shared in [&web, &db] {
        network.share(shared)?;
    }
    network.share(&vpc)?;

    for (name, port) in [("storefront", Port::HTTPS), ("checkout", Port::tcp(8443))] {
        let mut stack = app.stack(name)?;
        let own = stack.security_group(&vpc, name, "Tasks of the service")?;
        stack.allow_ingress(&own, Peer::any_ipv4(), port, "customers")?;
        stack.allow_egress(&own, Peer::group(&db), Port::POSTGRES, "orders")?;
        if admin {
            let office = Peer::ipv4("198.51.100.0/24")?;
            stack.allow_ingress(&own, office, Port::tcp(9000), "office admin console")?;
        }
    }
    Ok(app)
}
