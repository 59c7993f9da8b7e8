//! `revert` beside a new service that keeps writing, in a process of its
//! own (`support::revert_writer`): a writer faster than reverse replay is
//! refused with one line naming both rates and nothing changes (the window
//! stays open, the new database keeps taking writes, a later revert
//! completes equal to the inverse of the new database); a row written
//! beyond its table's verify is checked by key (tampered with, the revert
//! refuses); and a long revert keeps the new database's WAL bounded while
//! the writer writes throughout, every write carried back.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use mig::engine::error::EngineError;
use mig::engine::ops::{self, RevertOptions, RevertSummary};
use mig::engine::Event;

use crate::engine_revert::{cut_over_with_window, Files};
use crate::support::revert_case as case;
use crate::support::revert_writer::{self, RevertWriterSpec};
use crate::support::runbook::run_with;
use crate::support::writer_process::{Outcome, WriterProcess};

/// One statement of the fast writer: 1,000 notes, written with no pause
/// (38,000-55,000 writes/s in a debug build under load, against reverse
/// replay's 8,000-30,000 entries/s: tests/engine_revert_scale.rs).
const FAST_NEW: &str =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
     INSERT INTO note(body, pinned) SELECT 'service ' || ?1 || '.' || i, i % 2 FROM n";
const ONE_NEW: &str = "INSERT INTO note(body, pinned) VALUES ('service ' || ?1, ?1 % 2)";
const ONE_OLD: &str = "INSERT INTO Note(Body, Pinned) VALUES ('old service ' || ?1, ?1 % 2)";

/// Longer than any revert here takes (a few seconds each in a debug build
/// under load, now that replay is linear; before, they never ended).
const REVERT_BOUND: Duration = Duration::from_secs(60);

fn writer(f: &Files, new_sql: &str, pause_us: u64) -> WriterProcess {
    let spec = RevertWriterSpec {
        old: &f.old,
        new: &f.new,
        old_sql: ONE_OLD,
        new_sql,
    };
    let mut w = revert_writer::start_paced(f.dir.path(), &spec, pause_us);
    w.wait_for(Outcome::Ok, 20);
    w
}

/// Runs revert on a thread of its own, with `hook` on its events; panics
/// if it has not ended within [`REVERT_BOUND`].
fn revert_within(
    f: &Files,
    opts: RevertOptions,
    hook: impl FnMut(&Event) + Send + 'static,
) -> Result<RevertSummary, EngineError> {
    let (tx, rx) = mpsc::channel();
    let spec = f.spec.clone();
    std::thread::spawn(move || {
        let r = run_with(hook, |ctx| ops::revert(&spec, &opts, ctx));
        let _ = tx.send(r);
    });
    rx.recv_timeout(REVERT_BOUND)
        .unwrap_or_else(|_| panic!("revert did not end within {REVERT_BOUND:?} beside the writer"))
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// The old service's rows written after the revert are not the new
/// database's: set aside, then old = the inverse of new (the oracle).
fn assert_inverse(f: &Files) {
    let conn = rusqlite::Connection::open(&f.old).expect("open old.db");
    conn.execute("DELETE FROM Note WHERE Body LIKE 'old service %'", [])
        .expect("set the old service's rows aside");
    case::assert_old_is_inverse(&f.old, &f.new, f.dir.path());
}

#[test]
fn revert_beside_a_writer_faster_than_its_replay_refuses_naming_both_rates_then_completes_once_it_slows(
) {
    let f = cut_over_with_window(71);
    let mut w = writer(&f, FAST_NEW, 0);
    let err = revert_within(&f, RevertOptions::default(), |_| {}).expect_err("outrun");
    let line = err.to_string();
    assert!(matches!(err, EngineError::FreezeTimeout(_)), "{err:?}");
    assert!(
        line.contains("writes faster than revert carries its writes back")
            && line.contains("writes/s against")
            && line.contains("the window stays open")
            && !line.contains('\n'),
        "{line}"
    );
    // Nothing changed: the new database still takes every write, the old
    // one is still a standby.
    let ok = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, ok + 20);
    let log = w.stop();
    assert_eq!(log.count(Outcome::Refused), 0, "{log:?}");
    let standby = rusqlite::Connection::open(&f.old)
        .and_then(|c| c.execute(ONE_OLD, [1]))
        .expect_err("the old database stays a standby");
    assert!(standby.to_string().contains("standby"), "{standby}");
    // The writer gone, the same revert completes: every write carried back.
    let s = revert_within(&f, RevertOptions::default(), |_| {}).expect("revert");
    assert!(s.entries_replayed > 0, "{s:?}");
    case::assert_old_is_inverse(&f.old, &f.new, f.dir.path());
}

#[test]
fn a_row_written_beyond_its_tables_verify_is_checked_by_key_and_a_tampered_copy_refused() {
    let f = cut_over_with_window(72);
    let (new, old) = (f.new.clone(), f.old.clone());
    let (mut inserted, mut tampered) = (false, false);
    let err = revert_within(&f, RevertOptions::default(), move |e| match e {
        // After the first chunk of Note: the new service inserts a row
        // beyond the key Note's verify ends at.
        Event::Verify { table, .. } if table == "Note" && !inserted => {
            inserted = true;
            rusqlite::Connection::open(&new)
                .and_then(|c| c.execute(ONE_NEW.replace("'service '", "'beyond '").as_str(), [7]))
                .expect("the new service's write");
        }
        // Carried back by now; its old copy altered outside mig (triggers
        // off, as mig's own connection) before anything checks it.
        Event::Step { step, .. } if (*step == "check" || *step == "freeze") && !tampered => {
            tampered = true;
            let conn = rusqlite::Connection::open(&old).expect("open old.db");
            conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER,
                false,
            )
            .expect("triggers off");
            let n = conn
                .execute("UPDATE Note SET Pinned = 5 WHERE Body = 'beyond 7'", [])
                .expect("tamper");
            assert_eq!(n, 1, "the row was carried back before the check");
        }
        _ => {}
    });
    let err = err.expect_err("the tampered row is found");
    assert!(matches!(err, EngineError::Verification(_)), "{err:?}");
    assert!(err.to_string().contains("old table Note differs"), "{err}");
    // Refused before the freeze: the new database takes writes.
    rusqlite::Connection::open(&f.new)
        .and_then(|c| c.execute(ONE_NEW, [8]))
        .expect("the new database still takes writes");
}

#[test]
fn a_long_revert_beside_a_writer_keeps_the_new_wal_bounded_and_carries_back_every_write() {
    let f = cut_over_with_window(73);
    // A backlog and a table long enough for many batches and chunks (a
    // few seconds of replay and verify in a debug build), its WAL emptied:
    // what is measured is the WAL's growth during the revert.
    let conn = rusqlite::Connection::open(&f.new).expect("open new.db");
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
         INSERT INTO note(body, pinned) SELECT 'backlog ' || i, i % 2 FROM n;\
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .expect("the backlog");
    drop(conn);
    // One note every 2 ms at most: well under what replay carries back.
    let w = writer(&f, ONE_NEW, 2_000);
    let wal = f.new.with_extension("db-wal");
    let opts = RevertOptions {
        wal_restart_above: 1 << 20,
        ..Default::default()
    };
    let (tx, rx) = mpsc::channel();
    let s = revert_within(&f, opts, move |_| {
        let _ = tx.send(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    })
    .expect("revert");
    let peak = rx.try_iter().max().unwrap_or(0);
    let mut w = w;
    w.wait_for(Outcome::Ready, 1);
    w.wait_for(Outcome::Ok, w.log().count(Outcome::Ok) + 10);
    let log = w.stop();
    let written = log.count(Outcome::Ok);
    eprintln!(
        "new WAL peak {:.1} MiB; {} writes carried back, {} checked by key",
        peak as f64 / 1048576.0,
        s.entries_replayed,
        s.checked_by_key
    );
    assert!(peak > 0, "the WAL was never seen");
    assert!(
        peak < 8 << 20,
        "the new database's WAL reached {peak} bytes with a 1 MiB restart bound"
    );
    assert!(written > 100, "the writer wrote {written}");
    // Every write counted: one entry per note the backlog and the new
    // service inserted, all carried back by this revert.
    let notes = count(
        &f.new,
        "SELECT count(*) FROM note WHERE body LIKE 'backlog %' OR body LIKE 'service %'",
    );
    assert_eq!(s.entries_replayed as i64, notes, "{s:?}");
    assert_inverse(&f);
}
