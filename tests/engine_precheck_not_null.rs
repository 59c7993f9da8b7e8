//! The pre-check's NOT NULL of a new column computed with `||`: proven
//! from the old table's own NOT NULL columns without reading a row, and
//! still counted over the rows when any operand may be NULL.

use rusqlite::Connection;

use crate::engine_plan::case;

/// The NOT NULL violations the plan counted, as `constraint rows blocks`.
fn not_null_lines(old_sql: &str, new_sql: &str) -> Vec<String> {
    let p = case(old_sql, new_sql).plan();
    p.assessment
        .constraints
        .iter()
        .filter(|c| c.constraint.starts_with("NOT NULL") && c.rows > 0)
        .map(|c| format!("{} {} {}", c.constraint, c.rows, c.blocks))
        .collect()
}

const NEW: &str = "-- mig:set label = First || ' <' || Email || '>'
CREATE TABLE person (id INTEGER PRIMARY KEY, label TEXT NOT NULL);";

#[test]
fn a_concatenation_with_a_nullable_old_column_is_still_counted_and_blocks() {
    let old = "CREATE TABLE person (id INTEGER PRIMARY KEY, First TEXT NOT NULL, Email TEXT);
        INSERT INTO person VALUES (1, 'a', 'a@x'), (2, 'b', NULL), (3, 'c', NULL);";
    assert_eq!(
        not_null_lines(old, NEW),
        vec!["NOT NULL(label) 2 true".to_string()]
    );
}

/// The old table declares both operands NOT NULL, so the check reads no
/// row: shown by a file whose rows break that declaration (written with
/// `writable_schema`, which SQLite's own `integrity_check` calls
/// corruption) passing it, where a scan counted the row.
#[test]
fn a_concatenation_of_not_null_old_columns_is_proven_without_reading_rows() {
    let old = "CREATE TABLE person (id INTEGER PRIMARY KEY, First TEXT NOT NULL, Email TEXT);
        INSERT INTO person VALUES (1, 'a', 'a@x'), (2, 'b', NULL);";
    let c = case(old, NEW);
    let db = Connection::open(&c.old).expect("old");
    db.execute_batch(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = 'CREATE TABLE person (id INTEGER PRIMARY KEY, First TEXT NOT NULL, Email TEXT NOT NULL)' WHERE name = 'person';
         PRAGMA writable_schema = OFF;",
    )
    .expect("declare Email NOT NULL");
    drop(db);
    let p = c.plan();
    let label: Vec<_> = p
        .assessment
        .constraints
        .iter()
        .filter(|c| c.constraint == "NOT NULL(label)")
        .map(|c| (c.rows, c.blocks))
        .collect();
    assert_eq!(label, vec![(0, false)]);
}
