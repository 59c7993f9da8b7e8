//! A composite preserved key moved during the revert window: the old row
//! keeps the columns the new schema dropped (`Seat.Legacy`), as a
//! single-column key does. Before, a row whose composite key changed took
//! the old row at its new key: two seats that swapped places swapped their
//! dropped values, a seat moved to a free key lost its value to the
//! DEFAULT. One script (a swap, a key moved twice, the other key column
//! changed, a seat deleted and one inserted at its key, a key moved onto
//! one freed by a delete) is carried back in one reverse batch and in a
//! batch per write; the old table then equals the expected rows written by
//! hand from the script.

use mig::engine::open::Busy;
use mig::engine::ops::{self, CutoverOptions, DrainOptions, MigrateOptions, RevertOptions};
use mig::engine::schema::SchemaFile;
use rusqlite::Connection;

use crate::support::runbook::{run, spec};

const OLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE Seat (Hall INTEGER NOT NULL, No INTEGER NOT NULL, Label TEXT NOT NULL,
  Legacy TEXT NOT NULL DEFAULT 'legacy', PRIMARY KEY (Hall, No));
INSERT INTO Seat VALUES (1, 1, 'a', 'keep-a'), (1, 2, 'b', 'keep-b'), (1, 3, 'c', 'keep-c'),
  (1, 4, 'd', 'keep-d'), (1, 5, 'e', 'keep-e'), (1, 6, 'f', 'keep-f'), (1, 7, 'g', 'keep-g');";

const SCHEMA: &str = "-- mig:from Seat
CREATE TABLE seat (hall INTEGER NOT NULL, no INTEGER NOT NULL, label TEXT NOT NULL, PRIMARY KEY (hall, no));";

/// The new service's writes, in order.
const SCRIPT: &[&str] = &[
    // Two seats swap places (through a free key).
    "UPDATE seat SET no = 99 WHERE hall = 1 AND no = 1",
    "UPDATE seat SET no = 1 WHERE hall = 1 AND no = 2",
    "UPDATE seat SET no = 2 WHERE hall = 1 AND no = 99",
    // Moved twice.
    "UPDATE seat SET no = 30 WHERE hall = 1 AND no = 3",
    "UPDATE seat SET no = 31, label = 'c2' WHERE hall = 1 AND no = 30",
    // Deleted, and a new seat at its key.
    "DELETE FROM seat WHERE hall = 1 AND no = 4",
    "INSERT INTO seat VALUES (1, 4, 'new')",
    // The other key column changed.
    "UPDATE seat SET hall = 2 WHERE hall = 1 AND no = 5",
    // A key freed, another seat moved onto it.
    "DELETE FROM seat WHERE hall = 1 AND no = 6",
    "UPDATE seat SET no = 6 WHERE hall = 1 AND no = 7",
];

/// The old table after the revert: each seat with its own dropped value,
/// the new seat with the DEFAULT.
const EXPECTED: &[(i64, i64, &str, &str)] = &[
    (1, 1, "b", "keep-b"),
    (1, 2, "a", "keep-a"),
    (1, 4, "new", "legacy"),
    (1, 6, "g", "keep-g"),
    (1, 31, "c2", "keep-c"),
    (2, 5, "e", "keep-e"),
];

#[derive(Debug, Clone, Copy)]
enum Batches {
    One,
    EachWrite,
}

fn script_then_revert(batches: Batches) -> Vec<(i64, i64, String, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    Connection::open(&old)
        .and_then(|c| c.execute_batch(OLD))
        .expect("old database");
    let spec = spec(&old, &new);
    let schema = SchemaFile::parse("schema.sql", SCHEMA).expect("schema");
    let opts = MigrateOptions {
        accept_data_loss: true,
        ..Default::default()
    };
    run(|ctx| ops::migrate(&spec, &schema, &opts, ctx)).expect("migrate");
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    let window = CutoverOptions {
        revert_window_secs: 3600,
        ..Default::default()
    };
    ops::cutover(&spec, &window).expect("cutover");
    let conn = Connection::open(&new).expect("open new");
    for sql in SCRIPT {
        conn.execute(sql, [])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        if let Batches::EachWrite = batches {
            ops::window_slice(&spec, Busy::default(), 500).expect("reverse slice");
        }
    }
    run(|ctx| ops::revert(&spec, &RevertOptions::default(), ctx))
        .unwrap_or_else(|e| panic!("revert ({batches:?}): {e}"));
    let old = Connection::open(&old).expect("open old");
    let mut stmt = old
        .prepare("SELECT Hall, No, Label, Legacy FROM Seat ORDER BY 1, 2")
        .expect("read old");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .expect("old rows");
    rows
}

fn expected() -> Vec<(i64, i64, String, String)> {
    EXPECTED
        .iter()
        .map(|(h, n, l, g)| (*h, *n, l.to_string(), g.to_string()))
        .collect()
}

#[test]
fn composite_keys_moved_in_one_reverse_batch_keep_their_dropped_columns() {
    assert_eq!(script_then_revert(Batches::One), expected());
}

#[test]
fn composite_keys_moved_a_batch_per_write_keep_their_dropped_columns() {
    assert_eq!(script_then_revert(Batches::EachWrite), expected());
}
