//! Crash sequences that found bugs, named after what they guard.

use super::harness::{Step, World};
use crate::support::writer::Writer;

/// Bug: `reset` deletes the new database before its `-wal`. Killed in
/// between (after a killed `migrate` left a WAL behind), the next `migrate`
/// renamed a fresh database into place beside that orphan WAL, and SQLite
/// replayed the stale frames into it.
#[test]
fn orphan_wal_left_by_a_killed_reset_is_not_replayed_into_the_next_new_db() {
    // Killed after the bulk load: the new database is in WAL mode.
    orphan_is_not_replayed("migrate.after-copy", "new.db-wal");
}

/// The same with the rollback journal of the bulk load: killed inside an
/// index build's transaction, the new database has a hot journal, which
/// SQLite would roll back into a fresh file renamed in beside it.
#[test]
fn orphan_hot_journal_left_by_a_killed_reset_is_not_replayed_into_the_next_new_db() {
    orphan_is_not_replayed("index.mid-build@1", "new.db-journal");
}

fn orphan_is_not_replayed(kill_at: &str, orphan: &str) {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), 41);
    writer.wait_committed(10);
    w.killed_at(Step::Migrate, kill_at);
    let left = w.new.with_file_name(orphan);
    let size = std::fs::metadata(&left).map(|m| m.len()).unwrap_or(0);
    assert!(size > 0, "the killed migrate left no {orphan} to orphan");
    w.killed_at(Step::Reset, "reset.mid-delete@1");
    assert!(
        !w.new.exists() && left.exists(),
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
