//! Crash sequences that found bugs, named after what they guard.

use super::harness::{show, Step, World};
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
    let left = w.new.with_file_name(orphan);
    // What the killed process left, before anything opens the new file: a
    // hot journal (the bulk load's commits are unsynced, so its header is
    // valid at once) is rolled back by the next reader, `status` and
    // `reset` included, and would be gone by the time reset is killed.
    let out = w
        .command(Step::Migrate)
        .env("MIG_FAILPOINT", kill_at)
        .output()
        .expect("run mig");
    assert!(
        !out.status.success(),
        "migrate was not killed: {}",
        show(&out)
    );
    let bytes = std::fs::read(&left).unwrap_or_default();
    assert!(
        !bytes.is_empty(),
        "the killed migrate left no {orphan} to orphan"
    );
    w.killed_at(Step::Reset, "reset.mid-delete@1");
    assert!(!w.new.exists(), "reset was not killed between files");
    // The state of the bug: the new database deleted, its journal or WAL
    // still there (as a reset killed between the two leaves it).
    std::fs::write(&left, &bytes).expect("putting the orphan back");
    w.ok(Step::Reset);
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    w.ok(Step::Drain);
    w.ok(Step::Cutover);
    writer.stop();
    w.assert_matches();
    // A journal rolled back into the fresh file leaves its rows right but
    // its pages wrong ("page N is never used"): only the check sees that.
    let check: String = rusqlite::Connection::open(&w.new)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .expect("integrity_check");
    assert_eq!(check, "ok", "the new database after the orphan");
}
