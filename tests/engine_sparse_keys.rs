//! Verify's chunks hold `chunk_rows` rows however far apart the keys are.
//! The bug it guards: a rowid key's chunk was a span of `chunk_rows` key
//! values, so on sparse ids (an Anki collection's millisecond timestamps)
//! each chunk held one row and verify ran a transaction per row (3.8 s
//! instead of 0.2 s for 12,000 rows; 102 s on a 218k-row collection). For
//! every single-table key mode of `support::key_modes::MODES`, filled with
//! keys 86,413 apart, verify's own chunk count must be about rows /
//! chunk_rows (it was the row count), and the runbook still ends equal to
//! the oracle. The copy's chunks too: each holds exactly its chunk's rows
//! (the insert bounded by LIMIT where the rowid carries over, the N-th row
//! walked to elsewhere), whether or not the rows fill the last chunk.

use std::path::Path;

use mig::engine::copy::Chunking;
use mig::engine::ops::{self, DrainOptions, MigrateOptions, VerifyOptions};
use mig::engine::schema::SchemaFile;
use mig::engine::verify::Repair;
use mig::engine::Event;
use rusqlite::Connection;

use crate::support::key_modes::{Mode, MODES};
use crate::support::oracle::{self, Oracle};
use crate::support::runbook::{run, run_with, spec};

const ROWS: u64 = 600;
const CHUNK_ROWS: u64 = 50;
/// Anki's ids are millisecond timestamps: one a day apart, give or take.
const FIRST: u64 = 1_600_000_000_000;
const GAP: u64 = 86_413;

/// `fill` with `n(i)` running over `rows` sparse values instead of 1..=rows.
fn sparse_fill(m: &Mode, rows: u64) -> String {
    let cte = format!(
        "WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < {}), \
         n(i) AS (SELECT {FIRST} + j * {GAP} FROM k) ",
        rows - 1
    );
    m.fill
        .replace("{rows}", &cte)
        .replace("{to}", &(FIRST + (rows - 1) * GAP).to_string())
}

/// The modes of one table: a translated child's parent reference is built
/// from dense keys.
fn single_table(m: &Mode) -> bool {
    m.old.matches("CREATE TABLE").count() == 1
}

fn check_mode(m: &Mode) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let c = Connection::open(&old).expect("old");
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; {} BEGIN; {} COMMIT;",
        m.old,
        sparse_fill(m, ROWS)
    ))
    .unwrap_or_else(|e| panic!("{}: old rows: {e}", m.name));
    let schema = SchemaFile::parse("schema.sql", m.new).expect("schema");
    run(|ctx| ops::migrate(&spec(&old, &new), &schema, &MigrateOptions::default(), ctx))
        .unwrap_or_else(|e| panic!("{}: migrate: {e}", m.name));
    // The service writes after the copy: verify replays them first.
    c.execute_batch(&format!("BEGIN; {} COMMIT;", m.writes_sql(ROWS, 40)))
        .unwrap_or_else(|e| panic!("{}: writes: {e}", m.name));
    let rows: i64 = c
        .query_row("SELECT count(*) FROM item", [], |r| r.get(0))
        .expect("count");
    drop(c);
    let opts = VerifyOptions {
        chunk_rows: CHUNK_ROWS,
        repair: Repair::CheckOnly,
        ..VerifyOptions::default()
    };
    let s = run(|ctx| ops::verify(&spec(&old, &new), &opts, ctx))
        .unwrap_or_else(|e| panic!("{}: verify: {e}", m.name));
    let t = &s.tables[0];
    assert_eq!(t.rows, rows as u64, "{}: {s:?}", m.name);
    let expected = t.rows.div_ceil(CHUNK_ROWS);
    assert_eq!(
        t.chunks, expected,
        "{}: {} rows in chunks of {CHUNK_ROWS} rows",
        m.name, t.rows
    );
    run(|ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx))
        .unwrap_or_else(|e| panic!("{}: drain: {e}", m.name));
    compare(m, &old, &new);
}

fn compare(m: &Mode, old: &Path, new: &Path) {
    let o = Oracle {
        transform: m.transform,
        checks: m.checks,
    };
    assert!(
        oracle::compare(old, new, &o) > 0,
        "{}: nothing compared",
        m.name
    );
}

#[test]
fn verify_chunks_hold_chunk_rows_rows_on_sparse_keys_in_every_key_mode() {
    let modes: Vec<&Mode> = MODES.iter().filter(|m| single_table(m)).collect();
    assert!(modes.len() >= 9, "{} modes", modes.len());
    for m in modes {
        check_mode(m);
    }
}

/// Migrates `rows` sparse rows in fixed chunks of `CHUNK_ROWS`; returns the
/// rows each copy chunk of `item` brought (from the progress events).
fn copy_chunks(m: &Mode, dir: &Path, rows: u64) -> Vec<u64> {
    let (old, new) = (
        dir.join(format!("old{rows}.db")),
        dir.join(format!("new{rows}.db")),
    );
    let c = Connection::open(&old).expect("old");
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; {} BEGIN; {} COMMIT;",
        m.old,
        sparse_fill(m, rows)
    ))
    .unwrap_or_else(|e| panic!("{}: old rows: {e}", m.name));
    drop(c);
    let schema = SchemaFile::parse("schema.sql", m.new).expect("schema");
    let opts = MigrateOptions {
        chunking: Chunking::Fixed(CHUNK_ROWS),
        ..MigrateOptions::default()
    };
    let mut done = Vec::new();
    let hook = |e: &Event| {
        if let Event::Copy {
            table,
            table_rows_done,
            ..
        } = e
        {
            if table == "item" {
                done.push(*table_rows_done);
            }
        }
    };
    run_with(hook, |ctx| {
        ops::migrate(&spec(&old, &new), &schema, &opts, ctx)
    })
    .unwrap_or_else(|e| panic!("{}: migrate: {e}", m.name));
    run(|ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx))
        .unwrap_or_else(|e| panic!("{}: drain: {e}", m.name));
    compare(m, &old, &new);
    let mut last = 0;
    done.iter()
        .map(|d| {
            let n = d - last;
            last = *d;
            n
        })
        .collect()
}

#[test]
fn copy_chunks_hold_chunk_rows_rows_on_sparse_keys_in_every_key_mode() {
    let modes: Vec<&Mode> = MODES.iter().filter(|m| single_table(m)).collect();
    assert!(modes.len() >= 9, "{} modes", modes.len());
    for m in modes {
        let dir = tempfile::tempdir().expect("tempdir");
        // The last chunk full (the table ends exactly at a chunk's end) and not.
        for rows in [ROWS, ROWS + CHUNK_ROWS / 2] {
            let chunks = copy_chunks(m, dir.path(), rows);
            let full = rows / CHUNK_ROWS;
            assert_eq!(chunks.iter().sum::<u64>(), rows, "{}: {chunks:?}", m.name);
            assert!(
                chunks[..full as usize].iter().all(|&n| n == CHUNK_ROWS),
                "{}: {rows} rows in chunks {chunks:?}",
                m.name
            );
            assert!(
                chunks[full as usize..].len() <= 1,
                "{}: {rows} rows in chunks {chunks:?}",
                m.name
            );
        }
    }
}
