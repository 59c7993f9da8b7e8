//! Reverse replay's work per entry does not grow with the batch or the
//! table, for every single-table key mode of `support::key_modes::MODES`
//! (real files cut over with a revert window through the engine API, a
//! backlog of updates, inserts, deletes and key changes written to the new
//! database, carried back on revert's own connection): SQLite VM steps per
//! entry (a progress handler, no timing) at 8,000 entries over 8,000 rows
//! against 1,000 over 1,000, in one batch each. A lookup that cannot use
//! an index (a revert map's untyped key probed with INTEGER affinity, a
//! temp table's key probed likewise, a row-value `NOT IN`) makes the work
//! per entry grow with the table or the batch: before the fix, 43,000 to
//! 140,000 steps per entry on a 20,000-row renumbered table. After each
//! replay the old database is checked against the mode's oracle (its
//! forward mapping gives the new database's rows).
//!
//! `MIG_REVERT_SCALE=10000,50000,200000` also prints entries/s and steps
//! per entry at those backlogs (rows = half the entries, at least 20,000):
//! the figures of docs/benchmarks.md.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use mig::engine::open::{self, Busy};
use mig::engine::revert::apply::{self, Retry, BATCH};

use crate::support::key_modes::{mode, Mode};
use crate::support::oracle::{self, Oracle};
use crate::support::runbook::{cut_over_keeping_a_window, spec};

const SMALL: u64 = 1_000;
const LARGE: u64 = 8_000;
/// Steps per entry at LARGE may be at most this many times SMALL's (a
/// B-tree one level deeper, temp B-trees' n log n); a scan per entry is 8x.
const FLAT: f64 = 2.0;
/// VM instructions per progress callback.
const PER_CALL: u64 = 100;

struct Window {
    _dir: tempfile::TempDir,
    old: PathBuf,
    new: PathBuf,
}

/// `rows` rows of `m`'s old table, migrated and cut over with a window.
fn cut_over(m: &Mode, rows: u64) -> Window {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    rusqlite::Connection::open(&old)
        .and_then(|c| {
            c.execute_batch(&format!(
                "PRAGMA journal_mode = WAL; {} {}",
                m.old,
                m.fill_sql(1, rows)
            ))
        })
        .expect("old database");
    let spec = spec(&old, &new);
    cut_over_keeping_a_window(&spec, m.new).expect("cutover");
    Window {
        _dir: dir,
        old,
        new,
    }
}

/// An update that changes the new row's key.
fn key_change(m: &Mode) -> &'static str {
    match m.name {
        "rowid-preserved" | "rowid-to-integer-pk" | "no-pk-renumbered" => "id = id + 100000000",
        "no-pk-kept" => "rowid = rowid + 100000000",
        "null-composite-pk" | "composite-pk" => "n = coalesce(n, 0) + 100000000",
        _ => "sku = sku || '-m'",
    }
}

/// About `entries` reverse log entries on a table of `rows` rows: half
/// updates (a row updated more than once when they outnumber half the
/// rows), a quarter inserts, an eighth deletes, an eighth key changes.
fn write(w: &Window, m: &Mode, rows: u64, entries: u64) {
    let mut sql = String::from("BEGIN;");
    let (mut updated, half) = (0, entries / 2);
    while updated < half {
        let n = (half - updated).min(rows / 2);
        let from = rows / 4;
        sql.push_str(&format!(
            "UPDATE item SET name = name || '!' WHERE qty > {from} AND qty <= {};",
            from + n
        ));
        updated += n;
    }
    sql.push_str(&m.fill_sql(rows + 1, rows + entries / 4));
    let (eighth, del, mov) = (entries / 8, rows / 8, rows * 3 / 4);
    sql.push_str(&format!(
        "DELETE FROM item WHERE qty > {del} AND qty <= {};\
         UPDATE item SET {} WHERE qty > {mov} AND qty <= {};COMMIT;",
        del + eighth,
        key_change(m),
        mov + eighth
    ));
    rusqlite::Connection::open(&w.new)
        .and_then(|c| c.execute_batch(&sql))
        .expect("the new service's writes");
}

struct Replay {
    entries: u64,
    steps: u64,
    secs: f64,
}

/// Carries the whole backlog back in batches of `batch`, counting VM steps.
fn replay(w: &Window, batch: u64) -> Replay {
    let new = rusqlite::Connection::open(&w.new).expect("open new.db");
    let id = mig::engine::new_side::read_identity(&new, "main")
        .expect("identity")
        .expect("a migration");
    let (_, inv) = mig::engine::revert::inverse_of(&id, &w.old).expect("inverse");
    let mut work = open::revert_work(&w.old, &w.new, Busy::default()).expect("work");
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    work.progress_handler(
        PER_CALL as i32,
        Some(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            false
        }),
    );
    let began = Instant::now();
    let mut entries = 0;
    loop {
        let b = apply::batch(&mut work, &inv, batch, Retry::Touched).expect("batch");
        entries += b.applied;
        if b.applied == 0 {
            break;
        }
    }
    assert_eq!(
        apply::batch(&mut work, &inv, batch, Retry::All)
            .expect("conflicts")
            .conflicts,
        0,
        "no write conflicts with the old schema"
    );
    Replay {
        entries,
        steps: calls.load(Ordering::Relaxed) * PER_CALL,
        secs: began.elapsed().as_secs_f64(),
    }
}

/// Cut over, write, carry back, compare with the oracle.
fn measure(m: &Mode, rows: u64, entries: u64) -> Replay {
    let w = cut_over(m, rows);
    write(&w, m, rows, entries);
    let r = replay(&w, BATCH);
    assert!(r.entries >= entries * 9 / 10, "{} entries", r.entries);
    oracle::compare(
        &w.old,
        &w.new,
        &Oracle {
            transform: m.transform,
            checks: m.checks,
        },
    );
    eprintln!(
        "{}: {} entries over {rows} rows: {:.0} entries/s, {:.0} VM steps/entry",
        m.name,
        r.entries,
        r.entries as f64 / r.secs,
        r.steps as f64 / r.entries as f64
    );
    r
}

fn check(name: &str) {
    let m = mode(name);
    let per = |r: &Replay| r.steps as f64 / r.entries as f64;
    let (small, large) = (measure(m, SMALL, SMALL), measure(m, LARGE, LARGE));
    assert!(
        per(&large) <= per(&small) * FLAT,
        "{name}: {:.0} VM steps per entry at {LARGE} entries over {LARGE} rows vs {:.0} at {SMALL} ({:.1}x): reverse replay's work grows with the batch or the table",
        per(&large),
        per(&small),
        per(&large) / per(&small)
    );
    if let Ok(sizes) = std::env::var("MIG_REVERT_SCALE") {
        for n in sizes
            .split(',')
            .filter_map(|s| s.trim().parse::<u64>().ok())
        {
            measure(m, (n / 2).max(20_000), n);
        }
    }
}

macro_rules! key_mode_guards {
    ($($test:ident => $mode:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($mode);
            }
        )*
    };
}

key_mode_guards! {
    reverse_replay_work_per_entry_is_flat_with_the_rowid_preserved => "rowid-preserved",
    reverse_replay_work_per_entry_is_flat_with_the_rowid_kept_as_an_integer_primary_key => "rowid-to-integer-pk",
    reverse_replay_work_per_entry_is_flat_without_a_primary_key_kept => "no-pk-kept",
    reverse_replay_work_per_entry_is_flat_with_a_null_composite_key_tracked_by_rowid => "null-composite-pk",
    reverse_replay_work_per_entry_is_flat_with_a_text_key_kept => "text-pk",
    reverse_replay_work_per_entry_is_flat_with_a_composite_key_kept => "composite-pk",
    reverse_replay_work_per_entry_is_flat_for_a_without_rowid_table => "without-rowid",
    reverse_replay_work_per_entry_is_flat_with_a_nocase_key_kept => "nocase-pk",
    reverse_replay_work_per_entry_is_flat_with_a_text_key_renumbered => "text-renumbered",
    reverse_replay_work_per_entry_is_flat_with_a_nocase_key_renumbered => "nocase-renumbered",
    reverse_replay_work_per_entry_is_flat_without_a_primary_key_renumbered => "no-pk-renumbered",
}
