//! Revert after cutover with the real `mig` binary, locally and through a
//! real `mig-agent` (mutual TLS), writers on both sides: the old service
//! before cutover, the new one during the window. The old database ends
//! equal to the hand-written inverse of the new one (`revert_case`), and
//! its service writes again; or, closed with `finalize`, it stays retired
//! through `cleanup-old` until `release-old`.

use crate::support::agent::TestAgent;
use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::harness::{Project, Run, FAILED};
use super::real_agent::as_who;

fn project() -> Project {
    let p = Project::empty("shop");
    case::create_old(&p.path("old.db"));
    p.write("schema.sql", case::SCHEMA);
    p
}

fn mig(p: &Project, base: &[String], args: &[&str]) -> Run {
    let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    p.mig(&all)
}

/// migrate (the old service writing) → drain → cutover with a window.
fn cut_over(p: &Project, base: &[String], seed: u64) {
    let writer = Writer::start_with(p.path("old.db"), seed, case::old_workload);
    writer.wait_committed(20);
    mig(p, base, &["migrate", "--accept-data-loss"]).ok();
    writer.wait_committed(writer.committed() + 40);
    mig(p, base, &["drain"]).ok();
    writer.wait_refused(writer.refused() + 1);
    writer.stop();
    mig(p, base, &["cutover", "--revert-window", "1h"])
        .ok()
        .line_starting("revert window: open until ");
    case::snapshot(&p.path("old.db"), &p.path("new.db"), &p.dir);
}

fn new_service(p: &Project, seed: u64, n: u64) {
    let writer = Writer::start_with(p.path("new.db"), seed, case::new_workload);
    writer.wait_committed(n);
    writer.stop();
}

fn revert_and_check(p: &Project, base: &[String]) {
    mig(p, base, &["status"])
        .ok()
        .line_starting("revert window: open until ");
    let out = mig(p, base, &["revert"]).ok();
    out.line_starting("reverted: ");
    out.line_starting("writes refused for ");
    let compared = case::assert_old_is_inverse(&p.path("old.db"), &p.path("new.db"), &p.dir);
    assert!(compared > 1_500, "compared {compared} rows");
    mig(p, base, &["status"]).ok().has_line("phase: reverted");
    p.sql(
        "old.db",
        "INSERT INTO Note(Body) VALUES ('the old service writes again')",
    );
}

fn local() -> Vec<String> {
    ["--old", "old.db", "--new", "new.db"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn revert_with_local_mig_and_writers_on_both_sides_equals_the_inverse_of_the_new_database() {
    let p = project();
    let base = local();
    cut_over(&p, &base, 61);
    new_service(&p, 62, 300);
    revert_and_check(&p, &base);
}

#[test]
fn revert_through_a_real_agent_with_writers_on_both_sides_equals_the_inverse_of_the_new_database() {
    let p = project();
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let base = as_who(&agent, "operator");
    cut_over(&p, &base, 63);
    new_service(&p, 64, 300);
    revert_and_check(&p, &base);
}

#[test]
fn finalize_through_a_real_agent_retires_the_old_database_through_cleanup_old_until_release_old() {
    let p = project();
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let base = as_who(&agent, "operator");
    cut_over(&p, &base, 65);
    new_service(&p, 66, 100);
    mig(&p, &base, &["finalize"])
        .ok()
        .line_starting("revert window closed (finalize)");
    mig(&p, &base, &["revert"]).fails(FAILED, "revert failed: ");
    let refused = |when: &str| {
        let conn = rusqlite::Connection::open(p.path("old.db")).expect("open");
        let e = conn
            .execute("INSERT INTO Note(Body) VALUES ('straggler')", [])
            .expect_err(when);
        assert!(
            e.to_string().contains("retired") && e.to_string().contains("new.db"),
            "{when}: {e}"
        );
    };
    refused("after finalize");
    mig(&p, &base, &["cleanup-old"])
        .ok()
        .line_starting("old database retired: ");
    refused("after cleanup-old");
    mig(&p, &base, &["status"]).ok().has_line("phase: retired");
    mig(&p, &base, &["release-old", "--yes"])
        .ok()
        .line_starting("old database released: ");
    p.sql("old.db", "INSERT INTO Note(Body) VALUES ('released')");
    mig(&p, &base, &["status"]).ok().has_line("phase: complete");
}

/// `grpc.health`: a `Watch` already open on `mig.db.shop` and one on
/// `mig.db.shop.old` see the switch back when `mig revert` completes
/// through a real agent — the new database NOT_SERVING, the old one
/// SERVING. The agent reads no phase after its first round
/// (`MIG_SUPERVISE_INTERVAL_MS`), so only the revert's push can deliver it
/// (as the cutover's push delivers the statuses the watches start with).
#[test]
fn health_watch_sees_the_old_database_serving_again_when_revert_completes() {
    use tokio_stream::StreamExt;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::ServingStatus::{NotServing, Serving};

    let p = project();
    let mut agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    agent.kill();
    agent.spawn_with_env(&[("MIG_SUPERVISE_INTERVAL_MS", "3600000")]);
    let base = as_who(&agent, "operator");
    cut_over(&p, &base, 67);
    new_service(&p, 68, 100);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _in_rt = rt.enter();
    let mut health = HealthClient::new(agent.channel(&agent.certs, Some("viewer")));
    let mut watch = |service: &str| {
        let service = service.to_string();
        rt.block_on(health.watch(HealthCheckRequest { service }))
            .expect("health watch")
            .into_inner()
    };
    let (mut new_db, mut old_db) = (watch("mig.db.shop"), watch("mig.db.shop.old"));
    // Each status the stream pushes until `want`, against a deadline (not
    // a wait for time: nothing but the push would ever send it).
    let until = |s: &mut tonic::Streaming<_>, want: i32, when: &str| {
        let mut seen = vec![];
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(60), async {
                while let Some(m) = s.next().await {
                    let m: tonic_health::pb::HealthCheckResponse = m.expect("status");
                    seen.push(m.status);
                    if m.status == want {
                        return;
                    }
                }
            })
            .await
        })
        .unwrap_or_else(|_| panic!("{when}: no status {want} pushed; saw {seen:?}"));
        seen
    };
    assert_eq!(
        until(&mut new_db, Serving as i32, "after cutover"),
        [Serving as i32]
    );
    assert_eq!(
        until(&mut old_db, NotServing as i32, "after cutover"),
        [NotServing as i32]
    );
    mig(&p, &base, &["revert"]).ok().line_starting("reverted: ");
    assert_eq!(
        until(&mut new_db, NotServing as i32, "after revert"),
        [NotServing as i32]
    );
    assert_eq!(
        until(&mut old_db, Serving as i32, "after revert"),
        [Serving as i32]
    );
    case::assert_old_is_inverse(&p.path("old.db"), &p.path("new.db"), &p.dir);
}

/// A new row the `mig:revert` expressions cannot give back exactly (a
/// full name without a space: `FirstName` comes back empty) fails the
/// revert with one line naming the column, the count, its key and the two
/// ways on; the old
/// database stays a standby that refuses writes, and once the row is fixed
/// in the new database the same `mig revert` goes back without a loss.
#[test]
fn revert_of_a_row_the_inverse_cannot_give_back_names_it_and_succeeds_once_fixed() {
    let p = project();
    let base = local();
    cut_over(&p, &base, 67);
    new_service(&p, 68, 50);
    let id: i64 = rusqlite::Connection::open(p.path("new.db"))
        .expect("open new")
        .query_row("SELECT min(id) FROM customer", [], |r| r.get(0))
        .expect("a customer");
    p.sql(
        "new.db",
        &format!("UPDATE customer SET full_name = 'Cher' WHERE id = {id}"),
    );
    let run = mig(&p, &base, &["revert"]);
    let line = run.fails(FAILED, "revert failed: revert refused: ");
    let key = format!("(old table Customer, keys {id})");
    for part in [
        "the new service wrote 1 value(s) into customer.full_name that the old schema cannot hold",
        key.as_str(),
        "fix those rows in the new database (the fix is carried back) and run `mig revert` again, or `mig finalize`",
        "nothing was made writable",
    ] {
        assert!(line.contains(part), "no `{part}` in: {line}");
    }
    let conn = rusqlite::Connection::open(p.path("old.db")).expect("open old");
    let e = conn
        .execute("INSERT INTO Note(Body) VALUES ('too early')", [])
        .expect_err("the old database is still a standby");
    assert!(e.to_string().contains("new.db"), "{e}");
    drop(conn);
    p.sql(
        "new.db",
        &format!("UPDATE customer SET full_name = 'Cher Sarkisian' WHERE id = {id}"),
    );
    revert_and_check(&p, &base);
}
