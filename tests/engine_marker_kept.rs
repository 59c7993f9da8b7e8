//! The marker's row is what every recording trigger's refusal reads (the
//! helper view's one `CASE … FROM _migration_marker`): with it deleted by
//! hand nothing would be refused, so a service's writes would go on, and
//! be recorded, while mig drains or after cutover. The marker keeps its
//! row (a trigger refusing the delete), its CHECKs keep `id` and `status`
//! to what mig writes, and a status edited past them is refused as a
//! standby's; a service writing in its own process sees each.

use std::path::Path;
use std::time::Duration;

use mig::engine::ops::{self, DrainOptions};
use mig::engine::record::{read_marker, MarkerStatus, MARKER_KEPT_MESSAGE};
use rusqlite::Connection;

use crate::engine_refusals::migrated_to;
use crate::support::runbook::run;
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

/// The service's write, one audit row per attempt.
const WRITE: &str = "INSERT INTO audit(what) VALUES ('writer ' || ?1)";

fn logged(old: &Path) -> i64 {
    let conn = Connection::open(old).expect("old");
    conn.query_row(
        "SELECT count(*) FROM _migration_log WHERE tbl = 'audit'",
        [],
        |r| r.get(0),
    )
    .expect("the log")
}

/// A hand edit's connection, as a sqlite3 shell opens the file.
fn by_hand(old: &Path) -> Connection {
    let conn = Connection::open(old).expect("old");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy");
    conn
}

/// Deleting the marker's row by hand is refused with its line and changes
/// nothing: the writer's writes go on being recorded (the log grows by
/// each), and drain still refuses them afterwards. A status set past the
/// CHECK (`ignore_check_constraints`) and an `id` moved are refused by the
/// CHECKs; forced past them, the service's next write is refused.
#[test]
fn a_hand_delete_of_the_marker_row_is_refused_and_a_status_forced_past_its_check_refuses_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let new = dir.path().join("new.db");
    let (old, spec) = migrated_to(dir.path(), &new);
    let spec_w = WriterSpec {
        old: &old,
        new: &new,
        sql: WRITE,
        pace: Duration::from_millis(1),
    };
    let mut w = WriterProcess::start(dir.path(), &spec_w);
    w.wait_for(Outcome::Ok, 5);
    let hand = by_hand(&old);
    let deleted = hand.execute("DELETE FROM _migration_marker", []);
    let err = deleted.expect_err("the marker's row was deleted");
    assert!(err.to_string().contains(MARKER_KEPT_MESSAGE), "{err}");
    let marker = read_marker(&hand, "main").expect("marker");
    assert_eq!(marker.map(|m| m.status), Some(MarkerStatus::Recording));
    for edit in [
        "UPDATE _migration_marker SET status = 'junk'",
        "UPDATE _migration_marker SET id = 2",
    ] {
        let err = hand.execute(edit, []).expect_err(edit);
        assert!(
            err.to_string().contains("CHECK constraint failed"),
            "{edit}: {err}"
        );
    }
    // Every write since is recorded: the writer's accepted writes and the
    // log's audit entries grow together.
    let before = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, before + 5);
    let log = w.stop();
    assert_eq!(logged(&old), log.count(Outcome::Ok) as i64);
    // Forced past the CHECK: the standby's refusal (the `ELSE` arm).
    hand.execute_batch(
        "PRAGMA ignore_check_constraints = ON; UPDATE _migration_marker SET status = 'junk'; PRAGMA ignore_check_constraints = OFF;",
    )
    .expect("a status past the CHECK");
    let mut w = WriterProcess::start(dir.path(), &spec_w);
    w.wait_for(Outcome::Refused, 1);
    let log = w.stop();
    assert_eq!(log.count(Outcome::Ok), 0, "a write went through");
    hand.execute_batch(
        "PRAGMA ignore_check_constraints = ON; UPDATE _migration_marker SET status = 'recording'; PRAGMA ignore_check_constraints = OFF;",
    )
    .expect("recording again");
    drop(hand);
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    let service = Connection::open(&old).expect("service");
    let refused = service
        .execute(WRITE, [0])
        .expect_err("a write after drain");
    assert!(refused.to_string().contains("draining"), "{refused}");
}
