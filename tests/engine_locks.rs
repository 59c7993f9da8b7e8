//! mig's locks on the old database against a service that writes in a
//! tight loop (no pause between IMMEDIATE transactions). SQLite's busy
//! handler backs off to 100 ms sleeps and such a service re-takes the lock
//! within microseconds, so mig used to wait 6–16 s to start recording on a
//! WAL database and never got through on a rollback-journal one; it now
//! polls for the lock (`engine::lock`). Each test gives mig a 5 s busy
//! timeout, which the old behaviour exceeded.

use std::time::Duration;

use mig::engine::open::Busy;
use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::schema::SchemaFile;
use rusqlite::Connection;

use crate::support::runbook::{run, spec};
use crate::support::writer::Writer;
use crate::support::{fixture, oracle};

const BUSY: Busy = Busy(Duration::from_secs(5));

/// The whole runbook with the writer never pausing; `journal` is the old
/// database's journal mode.
fn runbook_against_tight_loop(journal: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let conn = fixture::create_old(&old, 12_000);
    let mode: String = conn
        .query_row(&format!("PRAGMA journal_mode = {journal}"), [], |r| {
            r.get(0)
        })
        .expect("journal mode");
    assert_eq!(mode, journal);
    drop(conn);
    let spec = spec(&old, &new);
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    let writer = Writer::tight_loop(old.clone(), 5);
    writer.wait_committed(50);
    let opts = MigrateOptions {
        busy: BUSY,
        allow_rollback_journal: journal != "wal",
        ..Default::default()
    };
    run(|ctx| ops::migrate(&spec, &schema, &opts, ctx)).expect("migrate gets its locks");
    writer.wait_committed(writer.committed() + 50);
    let drain = DrainOptions {
        busy: BUSY,
        allow_rollback_journal: journal != "wal",
        ..Default::default()
    };
    run(|ctx| ops::drain(&spec, &drain, ctx)).expect("drain gets its locks");
    let stats = writer.stop();
    ops::cutover(
        &spec,
        &ops::CutoverOptions {
            busy: BUSY,
            ..Default::default()
        },
    )
    .expect("cutover");
    oracle::compare(&old, &new, &fixture::ORACLE);
    ops::cleanup_old(&spec, BUSY, ops::Release::Keep).expect("cleanup-old");
    assert!(stats.committed > 100, "{stats:?}");
    let journal_now: String = Connection::open(&old)
        .and_then(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
        .expect("journal mode");
    assert_eq!(journal_now, journal, "mig changed the old journal mode");
}

#[test]
fn wal_database_migrates_within_the_busy_timeout_against_a_tight_loop_writer() {
    runbook_against_tight_loop("wal");
}

#[test]
fn rollback_journal_database_migrates_within_the_busy_timeout_against_a_tight_loop_writer() {
    runbook_against_tight_loop("delete");
}
