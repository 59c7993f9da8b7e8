//! The key-mode matrix (issue 21): every key mode of
//! `tests/support/key_modes.rs` copied and replayed at each size, the
//! modes of one size measured one after the other in each repetition so
//! machine noise hits them alike. Copy: the copy's own seconds (the
//! engine's per-table figures, no setup) per row; replay: a backlog of
//! recorded writes caught up, entries per second. Both as a ratio to the
//! first mode (the rowid preserved), and per mode the marginal cost per row
//! between sizes (flat when linear).
//!
//! Also issue 21's countries case: a 755,360-row child whose references are
//! translated through a renumbered 8,130-row parent, against the same
//! child copied with the parent keeping its keys.

use std::path::{Path, PathBuf};
use std::time::Instant;

use mig::engine::copy::{self, Chunking, TableStats};
use mig::engine::open::{self, Busy};
use mig::engine::ops::{self, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::plan;
use mig::engine::schema::SchemaFile;
use mig::engine::{replay, Control, Ctx, EngineError, Event};
use rusqlite::Connection;

use super::{fig, quiet, remove_db, stats, Figure};

// The tests' modes; the oracle's fields and the lookup by name serve them.
#[allow(dead_code)]
#[path = "../tests/support/key_modes.rs"]
mod modes;

use modes::{Mode, MODES};

/// Log entries replayed per measurement.
const ENTRIES: u64 = 20_000;

/// One mode at one size, one repetition.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    copy_seconds: f64,
    /// This thread's CPU time for the copy: what stays stable while other
    /// processes load the machine.
    copy_cpu: f64,
    rows: u64,
    replay_seconds: f64,
    entries: u64,
}

fn spec(old: &Path, new: &Path) -> DatabaseSpec {
    DatabaseSpec {
        old: Some(old.to_path_buf()),
        new: Some(new.to_path_buf()),
        project: None,
    }
}

/// The old database of `mode` at `rows` rows, generated once per size.
fn template(dir: &Path, mode: &Mode, rows: u64) -> PathBuf {
    let path = dir.join(format!("keys-{}-{rows}.db", mode.name));
    if !path.exists() {
        let c = Connection::open(&path).expect("template");
        c.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; {} BEGIN; {} COMMIT; PRAGMA wal_checkpoint(TRUNCATE);",
            mode.old,
            mode.fill_sql(1, rows)
        ))
        .expect("generate");
    }
    path
}

/// The copy of every table, timed alone.
struct Copied {
    /// The engine's figures: rows and wall seconds per table.
    tables: Vec<TableStats>,
    /// This thread's CPU time for the whole copy.
    cpu: f64,
}

/// The real migrate creates the new database and starts recording, and is
/// stopped after its first chunk (one row); the copy then runs on this
/// thread, timed (wall per table, CPU for all); the migrate resumed
/// finishes (indexes, catch-up). No plan pre-check or setup in the figures.
fn timed_copy(spec: &DatabaseSpec, schema: &SchemaFile) -> Copied {
    let control = Control::default();
    let one_row = MigrateOptions {
        chunking: Chunking::Fixed(1),
        ..MigrateOptions::default()
    };
    let mut stop = |e: Event| {
        if matches!(e, Event::Copy { .. }) {
            control.cancel();
        }
    };
    let mut ctx = Ctx {
        control: &control,
        sink: &mut stop,
    };
    let first = ops::migrate(spec, schema, &one_row, &mut ctx);
    assert!(matches!(first, Err(EngineError::Cancelled(_))), "{first:?}");
    let (old, new) = (
        spec.old.as_deref().expect("old"),
        spec.new.as_deref().expect("new"),
    );
    let (scratch, hash) = schema.reflect().expect("reflect");
    open::attach_old(&scratch, old).expect("attach");
    let plan = plan::build(&scratch, schema, &hash, plan::Depth::Full).expect("plan");
    let mut work = open::work(new, Some(old), Busy::default()).expect("work");
    // As migrate does: unsynced under the marker, which its resume syncs.
    let durability = mig::engine::unsynced::begin(new).expect("unsynced marker");
    open::begin_bulk_load(&work, durability).expect("bulk load");
    let cpu = cpu_time::ThreadTime::now();
    let tables =
        quiet(|ctx| copy::copy_all(&mut work, &plan, Chunking::Adaptive, ctx)).expect("copy");
    let cpu = cpu.elapsed().as_secs_f64();
    open::end_bulk_load(&work, durability).expect("bulk load end");
    drop(work);
    quiet(|ctx| ops::migrate(spec, schema, &MigrateOptions::default(), ctx)).expect("resume");
    Copied { tables, cpu }
}

fn measure(dir: &Path, mode: &Mode, rows: u64) -> Run {
    let (old, new) = (dir.join("keys-old.db"), dir.join("keys-new.db"));
    remove_db(&old);
    remove_db(&new);
    std::fs::copy(template(dir, mode, rows), &old).expect("copy template");
    let schema = SchemaFile::parse("schema.sql", mode.new).expect("schema");
    let spec = spec(&old, &new);
    let copied = timed_copy(&spec, &schema);
    let copy_seconds = copied.tables.iter().map(|t| t.seconds).sum();
    let rows = copied.tables.iter().map(|t| t.rows).sum();
    let writer = Connection::open(&old).expect("writer");
    writer
        .execute_batch(&format!(
            "BEGIN; {} COMMIT;",
            mode.writes_sql(rows, ENTRIES)
        ))
        .expect("writes");
    drop(writer);
    let (scratch, hash) = schema.reflect().expect("reflect");
    open::attach_old(&scratch, &old).expect("attach");
    let plan = plan::build(&scratch, &schema, &hash, plan::Depth::MappingOnly).expect("plan");
    let mut work = open::work(&new, Some(&old), Busy::default()).expect("work");
    let control = Control::default();
    let mut sink = |_: Event| {};
    let started = Instant::now();
    let entries = replay::catch_up(
        &mut work,
        &plan,
        0,
        &mut Ctx {
            control: &control,
            sink: &mut sink,
        },
    )
    .expect("catch up");
    let replay_seconds = started.elapsed().as_secs_f64();
    drop(work);
    ops::reset(&spec, Busy::default(), ops::ResetMode::Apply).expect("reset");
    Run {
        copy_seconds,
        copy_cpu: copied.cpu,
        rows,
        replay_seconds,
        entries,
    }
}

fn median(v: &[f64]) -> f64 {
    stats(&mut v.to_vec()).0
}

/// The matrix at `sizes` (every mode) and `big` (the renumbered modes and
/// the baseline), `reps` repetitions each.
pub fn matrix(dir: &Path, sizes: &[u64], big: &[u64], reps: usize) -> Vec<Figure> {
    let mut figures = Vec::new();
    // Per mode: (rows, median µs per copied row) by size.
    let mut per_row: Vec<Vec<(u64, f64)>> = vec![Vec::new(); MODES.len()];
    let all = sizes.iter().map(|s| (*s, false));
    for (rows, big_only) in all.chain(big.iter().map(|s| (*s, true))) {
        let chosen: Vec<usize> = (0..MODES.len())
            .filter(|&i| !big_only || i == 0 || MODES[i].renumbered)
            .collect();
        let mut runs: Vec<Vec<Run>> = vec![Vec::new(); MODES.len()];
        for rep in 0..reps {
            for &i in &chosen {
                let r = measure(dir, &MODES[i], rows);
                eprintln!(
                    "  keys {} {rows} #{rep}: copy {:.2}s ({} rows), replay {:.2}s ({} entries)",
                    MODES[i].name, r.copy_seconds, r.rows, r.replay_seconds, r.entries
                );
                runs[i].push(r);
            }
        }
        for &i in &chosen {
            let _ = std::fs::remove_file(dir.join(format!("keys-{}-{rows}.db", MODES[i].name)));
        }
        let base = &runs[0];
        for &i in &chosen {
            let m = &MODES[i];
            let us: Vec<f64> = runs[i]
                .iter()
                .map(|r| r.copy_seconds / r.rows.max(1) as f64 * 1e6)
                .collect();
            per_row[i].push((rows, median(&us)));
            // Ratios pair each repetition with the baseline's of the same round.
            let mut copy: Vec<f64> = runs[i]
                .iter()
                .zip(base)
                .map(|(r, b)| (r.copy_seconds / r.rows as f64) / (b.copy_seconds / b.rows as f64))
                .collect();
            let mut rate: Vec<f64> = runs[i]
                .iter()
                .zip(base)
                .map(|(r, b)| {
                    (r.replay_seconds / r.entries as f64) / (b.replay_seconds / b.entries as f64)
                })
                .collect();
            let mut cpu: Vec<f64> = runs[i]
                .iter()
                .zip(base)
                .map(|(r, b)| (r.copy_cpu / r.rows as f64) / (b.copy_cpu / b.rows as f64))
                .collect();
            let (c, clo, chi) = stats(&mut copy);
            let (p, plo, phi) = stats(&mut rate);
            let scenario = format!("keys {}", m.name);
            figures.push(fig(
                &scenario,
                rows,
                "copy µs per row",
                median(&us),
                median(&us),
                median(&us),
                "-",
            ));
            figures.push(fig(
                &scenario,
                rows,
                "copy cost / rowid-preserved",
                c,
                clo,
                chi,
                "<= 2",
            ));
            let (u, ulo, uhi) = stats(&mut cpu);
            let what = "copy CPU / rowid-preserved";
            figures.push(fig(&scenario, rows, what, u, ulo, uhi, "<= 2"));
            let eps: Vec<f64> = runs[i]
                .iter()
                .map(|r| r.entries as f64 / r.replay_seconds.max(1e-9))
                .collect();
            figures.push(fig(
                &scenario,
                rows,
                "replay entries per second",
                median(&eps),
                median(&eps),
                median(&eps),
                "-",
            ));
            figures.push(fig(
                &scenario,
                rows,
                "replay cost / rowid-preserved",
                p,
                plo,
                phi,
                "<= 2",
            ));
        }
    }
    for (i, sizes) in per_row.iter().enumerate() {
        let mut sorted = sizes.clone();
        sorted.sort_by_key(|(r, _)| *r);
        for pair in sorted.windows(2) {
            let ((r0, u0), (r1, u1)) = (pair[0], pair[1]);
            let marginal = (u1 * r1 as f64 - u0 * r0 as f64) / (r1 - r0) as f64;
            let scenario = format!("keys {}", MODES[i].name);
            figures.push(fig(
                &scenario,
                r1,
                &format!("marginal µs per row from {r0}"),
                marginal,
                marginal,
                marginal,
                "-",
            ));
            let growth = marginal / u0;
            figures.push(fig(
                &scenario,
                r1,
                &format!("marginal / µs per row at {r0}"),
                growth,
                growth,
                growth,
                "0.8..1.2",
            ));
        }
    }
    figures
}

/// Old: 8,130 states without a key, 755,360 cities referencing their rowid.
fn countries(path: &Path) {
    remove_db(path);
    let c = Connection::open(path).expect("countries");
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE state(name TEXT NOT NULL, country_code TEXT NOT NULL);
         CREATE TABLE city(id INTEGER PRIMARY KEY, name TEXT NOT NULL, state_id INTEGER NOT NULL, latitude REAL, longitude REAL);
         BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8130)
         INSERT INTO state(rowid, name, country_code) SELECT i, 'State ' || i, 'C' || (i % 250) FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 755360)
         INSERT INTO city SELECT i, 'City ' || i, 1 + (i * 7919) % 8130, (i % 180) - 90.0, (i % 360) - 180.0 FROM n;
         COMMIT;",
    )
    .expect("countries data");
}

const TRANSLATED: &str = "CREATE TABLE state(id INTEGER PRIMARY KEY, name TEXT NOT NULL, country_code TEXT NOT NULL);
CREATE TABLE city(id INTEGER PRIMARY KEY, name TEXT NOT NULL, state_id INTEGER NOT NULL REFERENCES state(id), latitude REAL, longitude REAL);";

const UNTRANSLATED: &str = "-- mig:set id = rowid
CREATE TABLE state(id INTEGER PRIMARY KEY, name TEXT NOT NULL, country_code TEXT NOT NULL);
CREATE TABLE city(id INTEGER PRIMARY KEY, name TEXT NOT NULL, state_id INTEGER NOT NULL REFERENCES state(id), latitude REAL, longitude REAL);";

/// Seconds the copy of `city` took under `schema`, and this thread's CPU
/// time for the copy (the 8,130 states included).
fn city_copy(old: &Path, new: &Path, schema: &str) -> (f64, f64) {
    let schema = SchemaFile::parse("schema.sql", schema).expect("schema");
    let spec = spec(old, new);
    let copied = timed_copy(&spec, &schema);
    ops::reset(&spec, Busy::default(), ops::ResetMode::Apply).expect("reset");
    let wall = copied
        .tables
        .iter()
        .find(|t| t.table == "city")
        .map_or(0.0, |t| t.seconds);
    (wall, copied.cpu)
}

/// The countries case: city's copy, translated / untranslated.
pub fn translated_child(dir: &Path, reps: usize) -> Vec<Figure> {
    let (old, new) = (dir.join("countries.db"), dir.join("countries-new.db"));
    countries(&old);
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let (mut t, mut u) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let (a, a_cpu) = city_copy(&old, &new, TRANSLATED);
        let (b, b_cpu) = city_copy(&old, &new, UNTRANSLATED);
        eprintln!(
            "  countries: city copy translated {a:.2}s ({a_cpu:.2}s CPU), untranslated {b:.2}s ({b_cpu:.2}s CPU)"
        );
        wall.push(a / b);
        cpu.push(a_cpu / b_cpu);
        t.push(a);
        u.push(b);
    }
    remove_db(&old);
    let (m, lo, hi) = stats(&mut wall);
    let (c, clo, chi) = stats(&mut cpu);
    let what = "city copy translated / untranslated";
    let cpu_what = "copy CPU translated / untranslated";
    let (mt, mu) = (median(&t), median(&u));
    vec![
        fig("keys countries", 755_360, what, m, lo, hi, "<= 2"),
        fig("keys countries", 755_360, cpu_what, c, clo, chi, "<= 2"),
        fig(
            "keys countries",
            755_360,
            "city copy seconds, translated",
            mt,
            mt,
            mt,
            "-",
        ),
        fig(
            "keys countries",
            755_360,
            "city copy seconds, untranslated",
            mu,
            mu,
            mu,
            "-",
        ),
    ]
}
