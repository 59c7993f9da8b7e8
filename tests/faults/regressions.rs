//! Crash sequences that found bugs, named after what they guard.

use super::harness::{Step, World};
use crate::support::writer::Writer;

/// Bug: `reset` deletes the new database before its `-wal`. Killed in
/// between (after a killed `migrate` left a WAL behind), the next `migrate`
/// renamed a fresh database into place beside that orphan WAL, and SQLite
/// replayed the stale frames into it.
#[test]
fn orphan_wal_left_by_a_killed_reset_is_not_replayed_into_the_next_new_db() {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), 41);
    writer.wait_committed(10);
    w.killed_at(Step::Migrate, "copy.after-chunk@2");
    let wal = w.new.with_file_name("new.db-wal");
    assert!(wal.exists(), "the killed migrate left no WAL to orphan");
    w.killed_at(Step::Reset, "reset.mid-delete@1");
    assert!(
        !w.new.exists() && wal.exists(),
        "reset was not killed between files"
    );
    w.ok(Step::Reset);
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    w.ok(Step::Drain);
    w.ok(Step::Cutover);
    writer.stop();
    w.assert_matches();
}
