//! The replay guard (`agent/engine/replay_guard.rs`): a replay batch that
//! would merge a row away under a UNIQUE constraint of the new schema, or
//! replay a NULL key, fails in that batch and commits nothing; a stale row
//! giving way is not a merge; once the old data is fixed, the same entries
//! replay and the runbook ends equal to the oracle.

use std::path::{Path, PathBuf};

use mig::engine::ops::{self, CatchUp, DrainOptions, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use mig::engine::EngineError;
use rusqlite::Connection;

use crate::support::oracle::{self, Oracle};
use crate::support::runbook::{run, spec};

/// An old database from `sql` (WAL), migrated to `schema`.
fn migrated(dir: &Path, sql: &str, schema: &str) -> (Connection, DatabaseSpec, PathBuf, PathBuf) {
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    let conn = Connection::open(&old).expect("old db");
    conn.execute_batch(&format!("PRAGMA journal_mode = WAL; {sql}"))
        .expect("old schema");
    let schema = SchemaFile::parse("schema.sql", schema).expect("schema");
    let spec = spec(&old, &new);
    // Some cases keep the old schema on purpose (the keys are the point).
    let opts = MigrateOptions {
        allow_same_schema: true,
        ..Default::default()
    };
    run(|ctx| ops::migrate(&spec, &schema, &opts, ctx)).expect("migrate");
    (conn, spec, old, new)
}

fn slice(spec: &DatabaseSpec, entries: u64) -> Result<CatchUp, EngineError> {
    ops::catch_up_slice(spec, Default::default(), entries)
        .map(|s| s.expect("a recording migration"))
}

fn finish(spec: &DatabaseSpec) {
    run(|ctx| ops::drain(spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(spec, &ops::CutoverOptions::default()).expect("cutover");
}

fn checkpoint(new: &Path) -> i64 {
    Connection::open(new)
        .expect("new db")
        .query_row(
            "SELECT coalesce((SELECT n FROM _migration_progress WHERE item = 'replay'), 0)",
            [],
            |r| r.get(0),
        )
        .expect("checkpoint")
}

const PERSON: &str = "CREATE TABLE Person (id INTEGER PRIMARY KEY, email TEXT);
    INSERT INTO Person VALUES (1, 'ann@x.org'), (2, 'bo@x.org');";
const PERSON_SCHEMA: &str =
    "-- mig:set email = lower(email)\nCREATE TABLE Person (id INTEGER PRIMARY KEY, email TEXT UNIQUE);";
const PERSON_ORACLE: Oracle<'static> = Oracle {
    transform: "CREATE TABLE p AS SELECT id, lower(email) AS email FROM old.Person;",
    checks: &[(
        "SELECT quote(id), quote(email) FROM main.p ORDER BY id",
        "SELECT quote(id), quote(email) FROM new.Person ORDER BY id",
    )],
};

#[test]
fn replayed_duplicate_of_a_new_unique_value_fails_its_batch_naming_the_lost_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, spec, old, new) = migrated(dir.path(), PERSON, PERSON_SCHEMA);
    conn.execute("INSERT INTO Person VALUES (3, 'ANN@X.ORG')", [])
        .expect("the service writes a duplicate under lower()");
    let before = checkpoint(&new);
    let err = slice(&spec, 100).expect_err("the batch would merge row 1 into row 3");
    assert!(matches!(err, EngineError::Verification(_)), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("the row(s) of Person with key 1 would be lost"),
        "{msg}"
    );
    assert_eq!(checkpoint(&new), before, "a refused batch commits nothing");
    // Fixed in the old database: the same entries replay.
    conn.execute("UPDATE Person SET email = 'ann3@x.org' WHERE id = 3", [])
        .expect("fix");
    assert_eq!(slice(&spec, 100).expect("replays once fixed").pending, 0);
    finish(&spec);
    assert_eq!(oracle::compare(&old, &new, &PERSON_ORACLE), 3);
}

#[test]
fn stale_row_giving_way_to_a_moved_unique_value_is_not_a_merge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, spec, old, new) = migrated(dir.path(), PERSON, PERSON_SCHEMA);
    // Bo takes Ann's address, then Ann moves on: replayed one entry at a
    // time, Bo's row arrives while Ann's new row still holds the address.
    conn.execute("UPDATE Person SET email = 'ann@x.org' WHERE id = 2", [])
        .expect("bo");
    conn.execute("UPDATE Person SET email = 'ann@y.org' WHERE id = 1", [])
        .expect("ann");
    let first = slice(&spec, 1).expect("a stale row gives way");
    assert_eq!((first.applied, first.pending), (1, 1));
    assert_eq!(
        slice(&spec, 1).expect("the stale row is replayed").pending,
        0
    );
    finish(&spec);
    assert_eq!(oracle::compare(&old, &new, &PERSON_ORACLE), 2);
}

#[test]
fn merge_in_a_renumbered_table_names_the_old_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, spec, old, new) = migrated(
        dir.path(),
        "CREATE TABLE Item (Sku TEXT PRIMARY KEY, Name TEXT NOT NULL) WITHOUT ROWID;
         INSERT INTO Item VALUES ('S-1', 'lamp'), ('S-2', 'desk');",
        "-- mig:from Item\n-- mig:set sku = Sku\n-- mig:set name = Name\n\
         CREATE TABLE item (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL UNIQUE);",
    );
    conn.execute("INSERT INTO Item VALUES ('S-3', 'lamp')", [])
        .expect("a second lamp");
    let err = slice(&spec, 100).expect_err("S-1 would be merged into S-3");
    assert!(
        err.to_string()
            .contains("of item with old key 'S-1' would be lost"),
        "{err}"
    );
    conn.execute("DELETE FROM Item WHERE Sku = 'S-3'", [])
        .expect("fix");
    slice(&spec, 100).expect("replays once fixed");
    finish(&spec);
    let items = Oracle {
        transform: "CREATE TABLE i AS SELECT Sku AS sku, Name AS name FROM old.Item;",
        checks: &[(
            "SELECT quote(sku), quote(name) FROM main.i ORDER BY sku",
            "SELECT quote(sku), quote(name) FROM new.item ORDER BY sku",
        )],
    };
    assert_eq!(oracle::compare(&old, &new, &items), 2);
}

#[test]
fn null_key_written_while_recording_fails_replay_until_the_row_has_a_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, spec, old, new) = migrated(
        dir.path(),
        "CREATE TABLE Product (Code TEXT PRIMARY KEY, Title TEXT);
         INSERT INTO Product VALUES ('P-1', 'lamp');",
        "CREATE TABLE Product (Code TEXT PRIMARY KEY, Title TEXT);",
    );
    conn.execute("INSERT INTO Product VALUES (NULL, 'keyless')", [])
        .expect("SQLite allows a NULL key here");
    let err = slice(&spec, 100).expect_err("a NULL key cannot be replayed");
    let msg = err.to_string();
    assert!(msg.contains("whose PRIMARY KEY (Code) is NULL"), "{msg}");
    conn.execute("UPDATE Product SET Code = 'P-2' WHERE Code IS NULL", [])
        .expect("fix");
    slice(&spec, 100).expect("replays once the row has a key");
    finish(&spec);
    let products = Oracle {
        transform: "CREATE TABLE p AS SELECT Code, Title FROM old.Product;",
        checks: &[(
            "SELECT quote(Code), quote(Title) FROM main.p ORDER BY Code",
            "SELECT quote(Code), quote(Title) FROM new.Product ORDER BY Code",
        )],
    };
    assert_eq!(oracle::compare(&old, &new, &products), 2);
}
