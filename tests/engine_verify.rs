//! `verify`: passes while the service keeps writing, finds a row changed
//! behind the tool's back in the new database (naming table and key), and
//! repairs it by recopying the chunk unless asked only to check.

use std::path::{Path, PathBuf};

use mig::engine::ops::{self, DrainOptions, MigrateOptions, VerifyOptions, VerifySummary};
use mig::engine::schema::SchemaFile;
use mig::engine::verify::Repair;
use mig::engine::EngineError;
use rusqlite::Connection;

use crate::support::runbook::{run, spec};
use crate::support::writer::Writer;
use crate::support::{fixture, oracle};

/// The shop fixture, migrated and recording.
fn migrated(dir: &Path, customers: i64) -> (PathBuf, PathBuf) {
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    drop(fixture::create_old(&old, customers));
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    run(|ctx| ops::migrate(&spec(&old, &new), &schema, &MigrateOptions::default(), ctx))
        .expect("migrate");
    (old, new)
}

fn verify(old: &Path, new: &Path, repair: Repair) -> Result<VerifySummary, EngineError> {
    let opts = VerifyOptions {
        chunk_rows: 64,
        repair,
        ..VerifyOptions::default()
    };
    run(|ctx| ops::verify(&spec(old, new), &opts, ctx))
}

/// A change to the new database that no log entry explains.
fn behind_the_back(new: &Path, sql: &str) {
    let conn = crate::support::fixture::behind_migs_back(new);
    assert_eq!(conn.execute(sql, []).expect(sql), 1, "{sql}");
}

fn drain_and_compare(old: &Path, new: &Path) {
    run(|ctx| ops::drain(&spec(old, new), &DrainOptions::default(), ctx)).expect("drain");
    oracle::assert_matches(old, new);
}

#[test]
fn verify_passes_while_a_writer_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 600);
    let writer = Writer::start(old.clone(), 7);
    writer.wait_committed(20);
    let s = verify(&old, &new, Repair::CheckOnly).expect("verify under writes");
    let stats = writer.stop();
    assert!(stats.committed >= 20);
    assert_eq!(s.tables.len(), 4, "{s:?}");
    assert_eq!((s.differences, s.chunks_recopied), (0, 0), "{s:?}");
    assert!(s.rows >= 600 * 3, "{s:?}");
    assert!(s.chunks > 4, "several chunks per table: {s:?}");
    assert!(
        s.entries_replayed > 0,
        "the writer's entries were replayed: {s:?}"
    );
    drain_and_compare(&old, &new);
    // After drain, a final check over the frozen old database.
    let again = verify(&old, &new, Repair::CheckOnly).expect("verify after drain");
    assert_eq!(again.chunks_recopied, 0);
}

#[test]
fn check_only_names_table_and_key_of_a_row_changed_in_the_new_db() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 300);
    behind_the_back(&new, "UPDATE customer SET email = 'x' WHERE id = 7");
    let err = verify(&old, &new, Repair::CheckOnly).expect_err("a changed row must fail");
    let EngineError::Verification(msg) = &err else {
        panic!("expected a verification error, got {err:?}");
    };
    let msg = msg.to_string();
    assert!(msg.contains("table customer"), "{msg}");
    assert!(msg.contains("at key 7;"), "{msg}");
}

#[test]
fn recopy_repairs_a_changed_row_and_ends_equal_to_the_oracle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 300);
    behind_the_back(&new, "UPDATE customer SET email = 'x' WHERE id = 7");
    let writer = Writer::start(old.clone(), 11);
    writer.wait_committed(10);
    let s = verify(&old, &new, Repair::Recopy).expect("verify repairs");
    writer.stop();
    let customer = s
        .tables
        .iter()
        .find(|t| t.table == "customer")
        .expect("customer");
    assert_eq!(customer.chunks_recopied, 1, "{s:?}");
    assert_eq!(s.differences, 0);
    verify(&old, &new, Repair::CheckOnly).expect("equal after the repair");
    drain_and_compare(&old, &new);
}

#[test]
fn renumbered_table_is_compared_through_its_old_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 200);
    behind_the_back(
        &new,
        "UPDATE product SET title = 'tampered' WHERE code = 'P-00003'",
    );
    let err = verify(&old, &new, Repair::CheckOnly).expect_err("a changed product must fail");
    let msg = err.to_string();
    assert!(msg.contains("table product"), "{msg}");
    assert!(
        msg.contains("'P-00003'"),
        "the old key names the row: {msg}"
    );
    verify(&old, &new, Repair::Recopy).expect("recopy repairs it");
    drain_and_compare(&old, &new);
}

#[test]
fn extra_and_missing_rows_are_found_and_repaired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 200);
    behind_the_back(
        &new,
        "INSERT INTO customer(id, full_name) VALUES (9999, 'ghost')",
    );
    behind_the_back(&new, "DELETE FROM tag WHERE order_id = 5 AND label = 'b'");
    let err = verify(&old, &new, Repair::CheckOnly).expect_err("must fail");
    assert!(err.to_string().contains("9999"), "{err}");
    let s = verify(&old, &new, Repair::Recopy).expect("repairs both");
    assert!(s.rows_repaired >= 2, "{s:?}");
    verify(&old, &new, Repair::CheckOnly).expect("equal after the repair");
    drain_and_compare(&old, &new);
}

/// An old table with an index on `sku`, 50k rows, migrated to a renamed
/// table whose schema forgot the index.
fn migrated_without_the_sku_index(dir: &Path) -> (PathBuf, PathBuf) {
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    let conn = Connection::open(&old).expect("old");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE item (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, qty INTEGER);
         CREATE INDEX item_sku ON item(sku);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
         INSERT INTO item SELECT i, 'sku-' || i, i % 97 FROM n;",
    )
    .expect("old db");
    let schema = SchemaFile::parse(
        "schema.sql",
        "-- mig:from item\nCREATE TABLE stock (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, qty INTEGER);",
    )
    .expect("schema");
    run(|ctx| ops::migrate(&spec(&old, &new), &schema, &MigrateOptions::default(), ctx))
        .expect("migrate");
    (old, new)
}

const QUERIES: &str = "-- by key: as fast on both
-- mig:old SELECT qty FROM item WHERE id = 777;
SELECT qty FROM stock WHERE id = 777;

-- by sku: the new schema lost item_sku; the ';' in the string is no separator
-- mig:old SELECT sum(qty) FROM item WHERE sku = 'sku-25000' OR sku = 'x;y';
SELECT sum(qty) FROM stock WHERE sku = 'sku-25000' OR sku = 'x;y';
";

fn with_queries(sql: &str) -> VerifyOptions {
    VerifyOptions {
        queries: Some(ops::QueryFile {
            name: "q.sql".into(),
            sql: sql.into(),
            runs: 5,
        }),
        ..VerifyOptions::default()
    }
}

#[test]
fn queries_flag_a_query_slower_because_the_new_schema_dropped_an_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated_without_the_sku_index(dir.path());
    let s = run(|ctx| ops::verify(&spec(&old, &new), &with_queries(QUERIES), ctx))
        .expect("verify with queries");
    assert!(s.certified, "{s:?}");
    assert_eq!(s.queries.len(), 2, "{:#?}", s.queries);
    let (by_key, by_sku) = (&s.queries[0], &s.queries[1]);
    assert_eq!((by_key.line, by_sku.line), (3, 7));
    assert_eq!(
        by_sku.old_sql,
        "SELECT sum(qty) FROM item WHERE sku = 'sku-25000' OR sku = 'x;y'"
    );
    assert_eq!((by_key.rows, by_sku.rows, by_sku.runs), (1, 1, 5));
    assert!(
        by_sku.slower,
        "a full scan of 50k rows vs an index lookup: {by_sku:?}"
    );
    assert!(!by_key.slower, "a primary-key lookup on both: {by_key:?}");
}

#[test]
fn queries_that_write_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated_without_the_sku_index(dir.path());
    let before = std::fs::read(&new).expect("new");
    let err = run(|ctx| {
        ops::verify(
            &spec(&old, &new),
            &with_queries("SELECT 1;\nUPDATE stock SET qty = 0;"),
            ctx,
        )
    })
    .expect_err("a writing statement must be refused");
    assert!(matches!(err, EngineError::Schema { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("q.sql:2: query 2 is not read-only"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&new).expect("new"),
        before,
        "nothing ran, nothing changed"
    );
}

/// Verify's time left is estimated from bytes: each table's rows weigh
/// their measured width plus a per-row cost, so a table of 4 KB blobs is
/// not priced at the pace of a narrow table before it.
#[test]
fn verify_progress_counts_bytes_by_each_tables_row_width() {
    use mig::engine::verify::ROW_COST_BYTES;
    use mig::engine::{Event, WorkBytes};
    let conn = Connection::open_in_memory().expect("memory");
    conn.execute_batch(
        "CREATE TABLE narrow(id INTEGER PRIMARY KEY, n INTEGER);
         CREATE TABLE wide(id INTEGER PRIMARY KEY, b BLOB);
         WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 3000)
         INSERT INTO narrow SELECT x, 7 FROM i;
         WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 50)
         INSERT INTO wide SELECT x, zeroblob(4096) FROM i;",
    )
    .expect("tables");
    let tables = [("narrow", "narrow"), ("wide", "wide")];
    let mut progress =
        mig::engine::verify::Progress::count_in(&conn, "main", tables.into_iter()).expect("count");
    // A row of `narrow`: an id of 1 to 4 digits' text and a 1-byte integer.
    let narrow = progress.row_bytes()[0].1;
    assert!(
        (ROW_COST_BYTES + 2..=ROW_COST_BYTES + 6).contains(&narrow),
        "{narrow}"
    );
    let wide = progress.row_bytes()[1].1;
    assert!(
        (ROW_COST_BYTES + 4096..=ROW_COST_BYTES + 4100).contains(&wide),
        "{wide}"
    );

    let mut events = Vec::new();
    let control = mig::engine::Control::default();
    let mut sink = |e: Event| events.push(e);
    let mut ctx = mig::engine::Ctx {
        control: &control,
        sink: &mut sink,
    };
    progress.report(&mut ctx, "narrow", 3000, mig::engine::verify::Chunk::Last);
    progress.report(&mut ctx, "wide", 10, mig::engine::verify::Chunk::More);
    let bytes: Vec<WorkBytes> = events
        .iter()
        .filter_map(|e| match e {
            Event::Verify { bytes, .. } => Some(*bytes),
            _ => None,
        })
        .collect();
    let total = 3000 * narrow + 50 * wide;
    assert_eq!(
        bytes,
        [
            WorkBytes {
                done: 3000 * narrow,
                total,
                table_left: 0
            },
            WorkBytes {
                done: 3000 * narrow + 10 * wide,
                total,
                table_left: 40 * wide
            },
        ]
    );
    // Rows alone would put the wide table's 40 rows left at 1.3% of the
    // work (40 of 3,050); in bytes they are over a third of it.
    assert!(40 * wide * 3 > total, "{wide} vs {narrow}");
}
