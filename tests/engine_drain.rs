//! Drain's promises about the old database's writers: refused with a clear
//! message while draining, flowing again whenever a drain gives up (freeze
//! timeout, failed verification).

use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use mig::engine::open::Busy;
use mig::engine::ops::{self, DrainOptions, MigrateOptions, TimeoutPolicy, VerifyFirst};
use mig::engine::record::{self, DRAINING_MESSAGE};
use mig::engine::schema::SchemaFile;
use mig::engine::state::Phase;
use mig::engine::status;
use mig::engine::{EngineError, Event};
use rusqlite::Connection;

use crate::support::runbook::{run, run_with, spec};
use crate::support::writer::DRAINING;
use crate::support::{fixture, oracle};

/// A write a service would make, on its own connection.
fn service_write(old: &Path) -> rusqlite::Result<usize> {
    let conn = Connection::open(old)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute(
        "UPDATE Customer SET Email = 'late@x.org' WHERE CustomerId = 1",
        [],
    )
}

/// The shop fixture, migrated and recording.
fn migrated(dir: &Path, customers: i64) -> (std::path::PathBuf, std::path::PathBuf) {
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    drop(fixture::create_old(&old, customers));
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    run(|ctx| ops::migrate(&spec(&old, &new), &schema, &MigrateOptions::default(), ctx))
        .expect("migrate");
    (old, new)
}

#[test]
fn write_attempted_while_draining_fails_with_the_draining_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 50);
    service_write(&old).expect("a write while recording succeeds");
    // The first replay event after the freeze step comes with writes refused.
    let mut frozen = false;
    let mut during: Option<rusqlite::Result<usize>> = None;
    run_with(
        |e| match e {
            Event::Step { step: "freeze", .. } => frozen = true,
            Event::Replay { .. } if frozen && during.is_none() => {
                during = Some(service_write(&old))
            }
            _ => {}
        },
        |ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx),
    )
    .expect("drain");
    let err = during
        .expect("the drain froze and replayed")
        .expect_err("a write during the freeze must fail");
    assert!(err.to_string().contains(DRAINING_MESSAGE), "{err}");
    assert!(err.to_string().contains(DRAINING), "{err}");
    // After a successful drain writes stay refused: the new database takes over.
    let after = service_write(&old).expect_err("a write after drain must fail");
    assert!(after.to_string().contains(DRAINING), "{after}");
    ops::cutover(&spec(&old, &new), &ops::CutoverOptions::default()).expect("cutover");
    oracle::compare(&old, &new, &fixture::ORACLE);
}

#[test]
fn writes_flow_again_after_a_drain_that_timed_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 50);
    // More log entries than one replay batch, written after drain's verify
    // stage (which replays everything) and just before the freeze, so the
    // tail outlives the freeze.
    let bulk = || {
        Connection::open(&old)
            .expect("old")
            .execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
             INSERT INTO Tag(OrderId, Label, Weight) SELECT 1000 + i, 'bulk', i FROM n",
                [2 * mig::engine::replay::BATCH + 1],
            )
            .expect("bulk insert")
    };
    let opts = DrainOptions {
        freeze_limit: Duration::ZERO,
        catch_up_below: u64::MAX,
        policy: TimeoutPolicy::Stop,
        ..DrainOptions::default()
    };
    let mut refused_during_freeze = None;
    let mut frozen = false;
    let err = run_with(
        |e| match e {
            Event::Step { step: "freeze", .. } => {
                bulk();
                frozen = true
            }
            Event::Replay { .. } if frozen && refused_during_freeze.is_none() => {
                refused_during_freeze = Some(service_write(&old).is_err())
            }
            _ => {}
        },
        |ctx| ops::drain(&spec(&old, &new), &opts, ctx),
    )
    .expect_err("a zero freeze limit cannot replay the tail");
    assert!(matches!(err, EngineError::FreezeTimeout(_)), "{err}");
    assert!(err.to_string().contains("accepts writes again"), "{err}");
    assert_eq!(refused_during_freeze, Some(true));
    let st = status::status(&spec(&old, &new), Busy::default()).expect("status");
    assert_eq!(st.phase, Phase::Recording, "{st:?}");
    assert_eq!(
        service_write(&old).expect("writes flow after the timeout"),
        1
    );
    // And a later drain with room to work finishes the migration.
    run(|ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec(&old, &new), &ops::CutoverOptions::default()).expect("cutover");
    oracle::compare(&old, &new, &fixture::ORACLE);
}

/// Copy and replay write with INSERT OR REPLACE (stale rows must give way),
/// so a UNIQUE constraint the old data breaks would silently merge rows; the
/// replay guard refuses the batch that would, while writes still flow, with
/// or without drain's verify stage. (Duplicates already in the old data are
/// refused by migrate's pre-check: this one is written by the service while
/// the migration records.)
#[test]
fn unique_constraint_the_old_data_breaks_is_refused_by_replay_and_writes_flow_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let conn = Connection::open(&old).expect("old");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE Person (id INTEGER PRIMARY KEY, email TEXT);
         INSERT INTO Person VALUES (1, 'Ann@X.org'), (3, 'bo@x.org');",
    )
    .expect("old db");
    let schema = SchemaFile::parse(
        "schema.sql",
        "-- mig:set email = lower(email)\nCREATE TABLE Person (id INTEGER PRIMARY KEY, email TEXT UNIQUE);",
    )
    .expect("schema");
    let spec = spec(&old, &new);
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    conn.execute("INSERT INTO Person VALUES (2, 'ann@x.org')", [])
        .expect("the service writes a duplicate while recording");
    for opts in [
        DrainOptions::default(),
        DrainOptions {
            verify_first: VerifyFirst::Skip,
            ..DrainOptions::default()
        },
    ] {
        let mut froze = false;
        let err = run_with(
            |e| froze |= matches!(e, Event::Step { step: "freeze", .. }),
            |ctx| ops::drain(&spec, &opts, ctx),
        )
        .expect_err("drain must refuse a replay that loses a row");
        assert!(matches!(err, EngineError::Verification(_)), "{err}");
        assert!(
            err.to_string()
                .contains("the row(s) of Person with key 1 would be lost"),
            "{err}"
        );
        assert!(!froze, "caught before any freeze ({opts:?})");
    }
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.phase, Phase::Recording, "{st:?}");
    conn.execute("INSERT INTO Person VALUES (4, 'cy@x.org')", [])
        .expect("writes flow after the failed drain");
    let cut =
        ops::cutover(&spec, &ops::CutoverOptions::default()).expect_err("cutover must refuse");
    assert!(cut.to_string().starts_with("drain has not run"), "{cut}");
}

/// The shop fixture's old tables (Customer, Product, Orders, Tag).
const TABLES: usize = 4;

/// The old database's schema, object by object with its SQL.
pub(crate) fn old_schema(old: &Path) -> Vec<(String, String)> {
    let conn = Connection::open(old).expect("old");
    let mut stmt = conn
        .prepare("SELECT name, coalesce(sql, '') FROM sqlite_schema ORDER BY name")
        .expect("schema");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("schema")
        .collect::<rusqlite::Result<_>>()
        .expect("schema")
}

/// Makes `old`'s recording look like one an older mig made: its triggers
/// refuse only while draining (no standby or retired refusal carried),
/// the marker's catalog recording them so (no drift).
pub(crate) fn as_recorded_by_an_older_mig(old: &Path) {
    let conn = Connection::open(old).expect("old");
    let carrying: Vec<(String, String)> = old_schema(old)
        .into_iter()
        .filter(|(_, sql)| sql.contains(record::CARRIED))
        .collect();
    assert!(!carrying.is_empty());
    let older = format!(
        "SELECT RAISE(ABORT, '{DRAINING_MESSAGE}') WHERE (SELECT status FROM _migration_marker WHERE id = 1) IS NOT 'recording';"
    );
    for (name, sql) in carrying {
        let sql = sql.replacen(record::CARRIED, &older, 1);
        conn.execute_batch(&format!("DROP TRIGGER \"{name}\"; {sql};"))
            .expect("the older trigger");
    }
    conn.execute_batch(&format!("DROP VIEW {}", record::REFUSAL))
        .expect("no helper view in an older recording");
    let listing = record::catalog_listing(&conn, "main").expect("listing");
    conn.execute("UPDATE _migration_marker SET catalog = ?1", [listing])
        .expect("recorded");
}

/// A recording made by an older mig (its triggers carry no standby or
/// retired refusal): drain arms the old database's guards while writes
/// still flow (inert: the service writes on, status shows no guard), so
/// cutover's step there changes no trigger or table — one row of the
/// marker — and the guards then refuse with the retired message.
#[test]
fn cutover_settles_the_old_database_by_one_marker_update_on_guards_drain_armed_for_an_older_recording(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 50);
    as_recorded_by_an_older_mig(&old);
    let spec = spec(&old, &new);
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    let armed = old_schema(&old);
    assert_eq!(
        armed
            .iter()
            .filter(|(n, _)| n.starts_with("_mig_guard_"))
            .count(),
        3 * TABLES,
        "three armed guards per table: {armed:?}"
    );
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.old_guards, 0, "armed guards refuse nothing yet");
    assert!(service_write(&old)
        .expect_err("drained")
        .to_string()
        .contains(DRAINING_MESSAGE));

    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    assert_eq!(old_schema(&old), armed, "cutover changed the old schema");
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.phase, Phase::CutOver, "{st:?}");
    assert_eq!(st.old_guards, 3 * TABLES as u64);
    let refused = service_write(&old).expect_err("retired").to_string();
    assert!(refused.contains("retired by a migration"), "{refused}");
    oracle::assert_matches(&old, &new);
}

/// 0: the held write has not started waiting; 1: its busy handler ran
/// (it waits on the lock); 2: it returned.
static HELD_WRITE: AtomicU8 = AtomicU8::new(0);

/// The held write's busy handler: records that it waits, retries every
/// 0.1 ms for up to 10 s.
fn held_write_waits(retries: i32) -> bool {
    let _ = HELD_WRITE.compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst);
    std::thread::sleep(Duration::from_micros(100));
    retries < 100_000
}

/// A service's write that arrives during `drain --cutover`'s freeze
/// waits on the old database's lock until the new database is ready, then
/// is refused naming it (retired), never with "draining": the service
/// asks for readiness once the new database reads without its migrating
/// guards. The write is seen waiting (its busy handler called) before the
/// freeze goes on.
#[test]
fn drain_cutover_holds_a_write_made_during_its_freeze_until_the_new_database_is_ready() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 50);
    let opts = DrainOptions {
        then: ops::AfterDrain::Cutover {
            revert_window_secs: 0,
        },
        ..DrainOptions::default()
    };
    let (mut frozen, mut writer) = (false, None);
    run_with(
        |e| match e {
            Event::Step { step: "freeze", .. } => frozen = true,
            Event::Replay { .. } if frozen && writer.is_none() => {
                let old = old.clone();
                writer = Some(std::thread::spawn(move || {
                    let conn = Connection::open(&old)?;
                    conn.busy_handler(Some(held_write_waits))?;
                    let r = conn.execute(
                        "UPDATE Customer SET Email = 'held@x.org' WHERE CustomerId = 1",
                        [],
                    );
                    HELD_WRITE.store(2, Ordering::SeqCst);
                    r
                }));
                // Until it waits on the lock (or, without the hold, is done).
                while HELD_WRITE.load(Ordering::SeqCst) == 0 {
                    std::thread::yield_now();
                }
                assert_eq!(
                    HELD_WRITE.load(Ordering::SeqCst),
                    1,
                    "the write did not wait"
                );
            }
            _ => {}
        },
        |ctx| ops::drain(&spec(&old, &new), &opts, ctx),
    )
    .expect("drain --cutover");
    let err = writer
        .expect("the drain froze and replayed")
        .join()
        .expect("the write's thread")
        .expect_err("a write held through the cutover is refused");
    assert!(err.to_string().contains("retired"), "{err}");
    assert!(!err.to_string().contains(DRAINING), "{err}");
    oracle::compare(&old, &new, &fixture::ORACLE);
}

/// A reader holding a snapshot of the new database (a report, a backup)
/// through `drain --cutover` does not make it wait: both of its WAL
/// checkpoints (before the freeze, after the cutover) are passive, and a
/// checkpoint that waited for readers would wait out the whole busy
/// timeout (20 s here) before going on. The reader still holds its
/// snapshot when the drain returns, well inside that timeout.
#[test]
fn drain_cutover_does_not_wait_for_a_reader_holding_the_new_database_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 200);
    for _ in 0..20 {
        service_write(&old).expect("a write while recording");
    }
    let reader = Connection::open(&new).expect("a reader of the new database");
    reader
        .execute_batch("BEGIN; SELECT count(*) FROM sqlite_schema;")
        .expect("the reader's snapshot");
    let busy = Busy(Duration::from_secs(20));
    let opts = DrainOptions {
        busy,
        then: ops::AfterDrain::Cutover {
            revert_window_secs: 0,
        },
        ..DrainOptions::default()
    };
    let started = std::time::Instant::now();
    run(|ctx| ops::drain(&spec(&old, &new), &opts, ctx)).expect("drain --cutover");
    let took = started.elapsed();
    assert!(!reader.is_autocommit(), "the reader's snapshot ended early");
    assert!(
        took < busy.0,
        "drain --cutover took {took:?}: it waited out the busy timeout for the reader"
    );
    reader.execute_batch("COMMIT").expect("the reader ends");
    oracle::compare(&old, &new, &fixture::ORACLE);
}
