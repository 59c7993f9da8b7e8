//! The revert window (issue 14), measured in the same run as the rest:
//! the new service's write cost while the window records its writes
//! against the same database without a window (a copy taken at cutover),
//! alternated; the reverse replay rate; and revert's outage as a writer
//! sees it (its last write accepted by the new database to its first
//! accepted by the old one), beside the figure revert reports.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mig::engine::open::Busy;
use mig::engine::ops::{self, CutoverOptions, DrainOptions, MigrateOptions, RevertOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

use super::{data, fig, quiet, remove_db, stats, Figure};

/// The benchmark schema with the lines that make it revertible.
fn schema() -> SchemaFile {
    let text = data::NEW_SCHEMA
        .replace(
            "-- mig:set email = lower(Email)\n",
            "-- mig:set email = lower(Email)\n-- mig:revert FirstName = substr(full_name, 1, instr(full_name, ' ') - 1)\n-- mig:revert LastName = substr(full_name, instr(full_name, ' ') + 1)\n-- mig:revert Email = email\n",
        )
        .replace(
            "-- mig:set amount_cents = CAST(round(Amount * 100) AS INTEGER)\n",
            "-- mig:set amount_cents = CAST(round(Amount * 100) AS INTEGER)\n-- mig:revert Amount = amount_cents / 100.0\n",
        );
    SchemaFile::parse("schema.sql", &text).expect("revert schema")
}

/// The new service's write mix: one write transaction each.
fn new_writes(c: &Connection, n: usize, seed: u64) -> rusqlite::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let max: i64 = c.query_row("SELECT max(id) FROM orders", [], |r| r.get(0))?;
    for _ in 0..n {
        let id = rng.random_range(1..=max);
        match rng.random_range(0..3) {
            0 => c.execute(
                "UPDATE orders SET amount_cents = amount_cents + 1 WHERE id = ?1",
                [id],
            )?,
            1 => c.execute(
                "INSERT INTO orders(customer_id, amount_cents, note) VALUES (?1, 100, 'new')",
                [id % 1000 + 1],
            )?,
            _ => c.execute(
                "UPDATE customer SET full_name = 'Ann ' || ?1 WHERE id = ?1",
                [id % 1000 + 1],
            )?,
        };
    }
    Ok(())
}

fn write_cost(path: &Path, n: usize, seed: u64) -> f64 {
    let c = Connection::open(path).expect("writer");
    c.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    c.busy_timeout(Duration::from_secs(10)).expect("busy");
    let t = Instant::now();
    new_writes(&c, n, seed).expect("new writes");
    t.elapsed().as_secs_f64() / n as f64
}

/// Migrates, drains and cuts over `rows` rows with a window; returns the spec.
fn cut_over(dir: &Path, rows: u64) -> (DatabaseSpec, std::path::PathBuf, std::path::PathBuf) {
    let (old, new) = (
        dir.join(format!("rv-old-{rows}.db")),
        dir.join(format!("rv-new-{rows}.db")),
    );
    remove_db(&old);
    remove_db(&new);
    data::generate(&old, rows);
    let spec = DatabaseSpec {
        old: Some(old.clone()),
        new: Some(new.clone()),
        project: None,
    };
    quiet(|ctx| ops::migrate(&spec, &schema(), &MigrateOptions::default(), ctx)).expect("migrate");
    quiet(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    let opts = CutoverOptions {
        revert_window_secs: 3600,
        ..Default::default()
    };
    ops::cutover(&spec, &opts).expect("cutover");
    (spec, old, new)
}

pub fn run(dir: &Path, rows: u64, writes: usize, reps: usize, figures: &mut Vec<Figure>) {
    eprintln!("revert window: {rows} rows ...");
    let (spec, old, new) = cut_over(dir, rows);
    // The same new database without a window: a copy taken now.
    let plain = dir.join("rv-plain.db");
    remove_db(&plain);
    Connection::open(&new)
        .and_then(|c| c.execute("VACUUM INTO ?1", [plain.to_str().expect("path")]))
        .expect("copy");
    Connection::open(&plain)
        .and_then(|c| {
            let names: Vec<String> = c
                .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_rev\\_%' ESCAPE '\\'")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for n in names {
                c.execute_batch(&format!("DROP TRIGGER \"{n}\""))?;
            }
            c.execute_batch("PRAGMA journal_mode = WAL")
        })
        .expect("plain copy");
    let mut ratio = vec![];
    for i in 0..reps.max(3) {
        let a = write_cost(&plain, writes, i as u64);
        let b = write_cost(&new, writes, i as u64);
        ratio.push(b / a);
    }
    let (m, lo, hi) = stats(&mut ratio);
    figures.push(fig(
        "revert window",
        rows,
        "new write cost during / after the window",
        m,
        lo,
        hi,
        "<= 1.5",
    ));

    write_cost(&new, 50_000, 77);
    let t = Instant::now();
    let mut applied = 0;
    while let Some(s) = ops::window_slice(&spec, Busy::default(), 20_000).expect("reverse replay") {
        applied += s.applied;
        if s.pending == 0 {
            break;
        }
    }
    let rate = applied as f64 / t.elapsed().as_secs_f64().max(1e-9);
    figures.push(fig(
        "reverse replay",
        rows,
        "entries carried back per second",
        rate,
        rate,
        rate,
        ">= 100000",
    ));

    let (seen, reported) = outage(&spec, &old, &new);
    figures.push(fig(
        "revert outage",
        rows,
        "writer-observed ms (new refused -> old accepts)",
        seen,
        seen,
        seen,
        "<= 100",
    ));
    figures.push(fig(
        "revert outage",
        rows,
        "ms revert reports (freeze -> old writable)",
        reported,
        reported,
        reported,
        "<= writer-observed",
    ));
    remove_db(&plain);
}

/// A service writing in a tight loop to the new database, switching to
/// the old one when refused, while revert runs: (what it saw, what revert
/// reported), in ms.
fn outage(spec: &DatabaseSpec, old: &Path, new: &Path) -> (f64, f64) {
    let started = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&started);
    let (old, new) = (old.to_path_buf(), new.to_path_buf());
    let service = std::thread::spawn(move || {
        let n = Connection::open(&new).expect("new");
        n.busy_timeout(Duration::from_secs(10)).expect("busy");
        let mut last_new = Instant::now();
        let mut i = 0_i64;
        loop {
            i += 1;
            match n.execute(
                "UPDATE orders SET amount_cents = amount_cents + 1 WHERE id = ?1",
                [i % 1000 + 1],
            ) {
                Ok(_) => {
                    last_new = Instant::now();
                    flag.store(true, Ordering::SeqCst);
                }
                Err(e) if e.to_string().contains("revert") => break,
                Err(e) => panic!("new service: {e}"),
            }
        }
        let o = Connection::open(&old).expect("old");
        o.busy_timeout(Duration::from_secs(10)).expect("busy");
        loop {
            match o.execute(
                "UPDATE orders SET Amount = Amount + 1 WHERE OrderId = 1",
                [],
            ) {
                Ok(_) => return last_new.elapsed().as_secs_f64() * 1000.0,
                Err(e) if e.to_string().contains("standby") => std::hint::spin_loop(),
                Err(e) => panic!("old service: {e}"),
            }
        }
    });
    while !started.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    let summary = quiet(|ctx| ops::revert(spec, &RevertOptions::default(), ctx)).expect("revert");
    let seen = service.join().expect("service");
    (seen, summary.refused_ms)
}
