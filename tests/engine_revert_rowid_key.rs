//! Revert of a table whose old rowid became the new table's declared
//! `INTEGER PRIMARY KEY` (`-- mig:set id = rowid` over an old table with no
//! primary key), on real files through the engine API: the new key is the
//! old rowid, so each write the new service makes reaches the old row of
//! that rowid — a delete removes it, a key change moves it, a delete and
//! an insert of the same key in one batch leave one row with the new
//! values. Before the fix the inverse looked old rows up in a revert map
//! nothing seeds for a preserved key: every touched row was inserted again
//! under a fresh rowid and no old row was ever deleted (1,875 old rows
//! against 1,125 new ones in the key-mode guard). Each test compares the
//! old table with the new one read back (rowid = id), after revert.

use std::path::Path;

use mig::engine::ops::{self, RevertOptions};
use rusqlite::types::Value;

use crate::support::runbook::{rows, run, window_over, Window};

const OLD: &str = "CREATE TABLE item(sku TEXT NOT NULL, name TEXT, qty INT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
INSERT INTO item(rowid, sku, name, qty) SELECT i, 'SKU-' || i, 'name ' || i, i FROM n;";
const NEW: &str = "-- mig:set id = rowid
CREATE TABLE item(id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT, qty INT);";

/// Ten rows (rowids 1..=10) migrated and cut over with a revert window.
fn cut_over() -> Window {
    cut_over_to(NEW).expect("cutover")
}

/// Ten rows migrated to `schema`, cut over with a revert window.
fn cut_over_to(schema: &str) -> Result<Window, mig::engine::error::EngineError> {
    window_over(OLD, schema)
}

/// The new service's `sql` in one transaction, then revert; the old table
/// must hold exactly the new one's rows, each at its rowid.
fn write_and_revert(sql: &str) -> Window {
    let w = cut_over();
    rusqlite::Connection::open(&w.new)
        .and_then(|c| c.execute_batch(&format!("BEGIN; {sql} COMMIT;")))
        .expect("the new service writes");
    run(|ctx| ops::revert(&w.spec, &RevertOptions::default(), ctx)).expect("revert");
    assert_eq!(
        rows(
            &w.old,
            "SELECT rowid, sku, name, qty FROM item ORDER BY rowid"
        ),
        rows(&w.new, "SELECT id, sku, name, qty FROM item ORDER BY id"),
        "the old table is not the new one after revert"
    );
    w
}

fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
        .expect("count")
}

#[test]
fn revert_deletes_the_old_row_of_a_row_the_new_service_deleted_when_the_new_key_is_the_old_rowid() {
    let w = write_and_revert("DELETE FROM item WHERE id IN (3, 7);");
    assert_eq!(
        count(&w.old, "SELECT count(*) FROM item WHERE rowid IN (3, 7)"),
        0
    );
    assert_eq!(count(&w.old, "SELECT count(*) FROM item"), 8);
}

#[test]
fn revert_moves_the_old_row_to_the_new_rowid_when_the_new_service_changes_the_key() {
    let w = write_and_revert(
        "UPDATE item SET id = 1004 WHERE id = 4;
         DELETE FROM item WHERE id = 5;
         UPDATE item SET id = 5, name = 'was 6' WHERE id = 6;
         UPDATE item SET name = name || '!' WHERE id = 2;",
    );
    assert_eq!(
        rows(
            &w.old,
            "SELECT rowid, sku FROM item WHERE rowid IN (4, 5, 6, 1004) ORDER BY rowid"
        ),
        [
            [Value::Integer(5), Value::Text("SKU-6".into())],
            [Value::Integer(1004), Value::Text("SKU-4".into())]
        ]
    );
    assert_eq!(count(&w.old, "SELECT count(*) FROM item"), 9);
}

#[test]
fn revert_keeps_one_row_with_the_new_values_when_a_key_is_deleted_and_inserted_again_in_one_batch()
{
    let w = write_and_revert(
        "DELETE FROM item WHERE id = 5;
         INSERT INTO item(id, sku, name, qty) VALUES (5, 'SKU-5b', 'again', 50);
         INSERT INTO item(sku, name, qty) VALUES ('SKU-11', 'name 11', 11);",
    );
    assert_eq!(
        rows(&w.old, "SELECT sku, name, qty FROM item WHERE rowid = 5"),
        [[
            Value::Text("SKU-5b".into()),
            Value::Text("again".into()),
            Value::Integer(50)
        ]]
    );
    assert_eq!(count(&w.old, "SELECT count(*) FROM item"), 11);
}

/// A new key computed from the old rowid other than unchanged: nothing
/// finds the old row of a new key (no revert map is seeded for a
/// preserved key), so the window is refused, naming the key, rather than
/// opened to carry writes back onto fresh rowids.
#[test]
fn a_new_key_computed_from_the_old_rowid_but_not_equal_to_it_refuses_the_revert_window() {
    let schema = "-- mig:set id = rowid + 1000
CREATE TABLE item(id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT, qty INT);";
    let Err(e) = cut_over_to(schema) else {
        panic!("a revert window opened on a key mig cannot carry back");
    };
    let msg = e.to_string();
    assert!(
        msg.contains("cannot open a revert window") && msg.contains("id = rowid + 1000"),
        "{msg}"
    );
}
