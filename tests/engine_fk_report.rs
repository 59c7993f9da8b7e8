//! Drain's foreign-key report (`agent/engine/fk_ledger.rs`): checked in
//! full before the freeze, then only over the rows replay writes or
//! removes — so a dangling reference written into the freeze's tail is
//! reported, one resolved before the freeze is not, and the children of a
//! parent deleted in the tail are counted where an index finds them and
//! named as unchecked where none does.

use std::path::Path;

use mig::engine::ops::{self, DrainOptions, DrainSummary, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use mig::engine::Event;
use rusqlite::Connection;

use crate::support::oracle::{self, Oracle};
use crate::support::runbook::{run, run_with, spec};

const OLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE Customer (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE Orders (id INTEGER PRIMARY KEY, customer_id INTEGER, note TEXT);
CREATE TABLE Line (order_id INTEGER, no INTEGER, qty INTEGER, PRIMARY KEY (order_id, no)) WITHOUT ROWID;
INSERT INTO Customer VALUES (1, 'ann'), (2, 'bo'), (3, 'cy');
INSERT INTO Orders VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 99, 'dangling since before');
INSERT INTO Line VALUES (1, 1, 5), (2, 1, 6), (3, 1, 7), (3, 2, 8);";

/// Orders.customer_id has no index in the new schema; Line.order_id leads
/// Line's primary key.
const NEW: &str = "CREATE TABLE Customer (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE Orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES Customer(id), note TEXT);
CREATE TABLE Line (order_id INTEGER REFERENCES Orders(id), no INTEGER, qty INTEGER, PRIMARY KEY (order_id, no)) WITHOUT ROWID;";

const SAME: Oracle<'static> = Oracle {
    transform: "CREATE TABLE c AS SELECT * FROM old.Customer; CREATE TABLE o AS SELECT * FROM old.Orders; CREATE TABLE l AS SELECT * FROM old.Line;",
    checks: &[
        (
            "SELECT quote(id), quote(name) FROM main.c ORDER BY id",
            "SELECT quote(id), quote(name) FROM new.Customer ORDER BY id",
        ),
        (
            "SELECT quote(id), quote(customer_id), quote(note) FROM main.o ORDER BY id",
            "SELECT quote(id), quote(customer_id), quote(note) FROM new.Orders ORDER BY id",
        ),
        (
            "SELECT quote(order_id), quote(no), quote(qty) FROM main.l ORDER BY 1, 2",
            "SELECT quote(order_id), quote(no), quote(qty) FROM new.Line ORDER BY 1, 2",
        ),
    ],
};

fn migrated(dir: &Path) -> (Connection, DatabaseSpec) {
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    let conn = Connection::open(&old).expect("old db");
    conn.execute_batch(OLD).expect("old schema");
    let schema = SchemaFile::parse("schema.sql", NEW).expect("schema");
    let spec = spec(&old, &new);
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    (conn, spec)
}

/// Drains, running `at_freeze` on the service's connection right before
/// writes are refused: what it writes is the tail the freeze replays.
fn drain_with_tail(spec: &DatabaseSpec, mut at_freeze: impl FnMut() + Send) -> DrainSummary {
    run_with(
        |e| {
            if matches!(e, Event::Step { step: "freeze", .. }) {
                at_freeze();
            }
        },
        |ctx| ops::drain(spec, &DrainOptions::default(), ctx),
    )
    .expect("drain")
}

fn finish(spec: &DatabaseSpec) {
    ops::cutover(spec, &ops::CutoverOptions::default()).expect("cutover");
    let (old, new) = (
        spec.old.as_ref().expect("old"),
        spec.new.as_ref().expect("new"),
    );
    oracle::compare(old, new, &SAME);
}

#[test]
fn dangling_reference_written_into_the_tail_is_reported_and_one_resolved_before_the_freeze_is_not()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, spec) = migrated(dir.path());
    // Order 4's customer arrives while writes flow: resolved before the freeze.
    conn.execute("INSERT INTO Customer VALUES (99, 'late')", [])
        .expect("customer 99");
    let summary = drain_with_tail(&spec, move || {
        conn.execute_batch(
            "INSERT INTO Orders VALUES (5, 77, 'tail: no customer 77');
             INSERT INTO Line VALUES (500, 1, 1);",
        )
        .expect("tail writes");
    });
    assert_eq!(
        summary.warnings,
        vec![
            "1 row(s) of \"Orders\" in the new database reference a missing parent (foreign key); fix them before the new service enables foreign keys".to_string(),
            "1 row(s) of \"Line\" in the new database reference a missing parent (foreign key); fix them before the new service enables foreign keys".to_string(),
        ]
    );
    finish(&spec);
}

#[test]
fn parent_deleted_in_the_tail_counts_indexed_children_and_names_the_unindexed_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, spec) = migrated(dir.path());
    let summary = drain_with_tail(&spec, move || {
        conn.execute_batch("DELETE FROM Customer WHERE id = 2; DELETE FROM Orders WHERE id = 3;")
            .expect("tail deletes");
    });
    assert_eq!(
        summary.warnings,
        vec![
            // Order 4 (customer 99) dangled before the migration.
            "1 row(s) of \"Orders\" in the new database reference a missing parent (foreign key); fix them before the new service enables foreign keys".to_string(),
            "2 row(s) of \"Line\" in the new database reference a missing parent (foreign key); fix them before the new service enables foreign keys".to_string(),
            "1 row(s) of \"Customer\" were deleted during the freeze, and rows of \"Orders\" that may reference them were not checked (no index on \"Orders\"(customer_id)); run `PRAGMA foreign_key_check(\"Orders\")` on the new database".to_string(),
        ]
    );
    finish(&spec);
}

/// What makes the freeze short: inside it nothing reads the whole new
/// database. A row removed from the new database behind mig's back at the
/// freeze (no log entry: nothing replay would touch) is neither counted
/// nor checked there; `mig verify` after drain is the check that sees it.
#[test]
fn checks_inside_the_freeze_read_only_the_tail_not_the_whole_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (conn, spec) = migrated(dir.path());
    let new = crate::support::fixture::behind_migs_back(spec.new.as_ref().expect("new"));
    new.pragma_update(None, "foreign_keys", false)
        .expect("a connection that does not enforce foreign keys");
    let summary = drain_with_tail(&spec, move || {
        new.execute("DELETE FROM Customer WHERE id = 1", [])
            .expect("behind mig's back");
        conn.execute("INSERT INTO Orders VALUES (6, 55, 'tail')", [])
            .expect("tail write");
    });
    // Order 6 (tail) and order 4 (before) are reported; order 1, whose
    // customer vanished outside any replay, is not: no full check ran.
    assert_eq!(
        summary.warnings,
        vec!["2 row(s) of \"Orders\" in the new database reference a missing parent (foreign key); fix them before the new service enables foreign keys".to_string()]
    );
    let err = run(|ctx| {
        ops::verify(
            &spec,
            &ops::VerifyOptions {
                repair: mig::engine::verify::Repair::CheckOnly,
                ..Default::default()
            },
            ctx,
        )
    })
    .expect_err("verify compares every row");
    assert!(err.to_string().contains("Customer"), "{err}");
}
