//! The writes refused at the cutover of renumbered keys (`--only
//! cutover-keys`): one table of `--rows` rows, renumbered from a rowid key
//! (`Note`) or with its old key kept as a column (`Product.Code` →
//! `product.code UNIQUE`), `mig drain --cutover` with and without a revert
//! window, this build's `mig` alternated with `--baseline` (an earlier
//! build) in one run, each on a fresh copy of the generated database.
//!
//! The service is a writer process of its own (this bench binary again
//! with `--keys-writer`): one insert per ms on the old database (WAL,
//! `synchronous=NORMAL`, busy timeout 5 s, SQLite's own busy handler), and
//! once a write is refused and the new database says ready, the same
//! insert there. *reported*: drain's `refusedMs`; *felt*: from the start
//! of the first write the old database did not accept to the end of the
//! first one the new database did; *longest before*: the longest single
//! write the old database accepted during the drain (what the steps
//! before the freeze made a write wait). The first write on the new
//! database is traced (`writer.rs`: its busy handler's tries, its prepare,
//! a checkpoint in its commit); *after ready*: from drain's announcement
//! that the new database is ready to drain's exit (the id mapping's
//! removal, without a window).

mod writer;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rusqlite::Connection;

use crate::service_conn::now_us;
pub use writer::writer_from_env;
use writer::{Attempt, KeysWriter};

use super::{fig, remove_db, stats, Figure};

/// The table under test.
#[derive(Debug, Clone, Copy)]
enum Table {
    /// Renumbered from a rowid key (`Note` → `note.id`).
    Renumbered,
    /// Renumbered, its old key kept as a column (`Product.Code` →
    /// `product.code UNIQUE`).
    KeptKey,
}

impl Table {
    fn label(self) -> &'static str {
        match self {
            Table::Renumbered => "renumbered",
            Table::KeptKey => "kept key",
        }
    }

    fn old_sql(self, rows: u64) -> String {
        let n = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})"
        );
        match self {
            Table::Renumbered => format!(
                "CREATE TABLE Note (Body TEXT NOT NULL, Pinned INTEGER NOT NULL DEFAULT 0);
                 {n} INSERT INTO Note(Body, Pinned) SELECT 'note ' || i, i % 2 FROM n;"
            ),
            Table::KeptKey => format!(
                "CREATE TABLE Product (Code TEXT PRIMARY KEY, Title TEXT NOT NULL, Price REAL NOT NULL);
                 {n} INSERT INTO Product SELECT printf('SKU-%08d', i), 'Product ' || i, i * 1.25 FROM n;"
            ),
        }
    }

    fn schema(self) -> &'static str {
        match self {
            Table::Renumbered => "-- mig:from Note\nCREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0);\n",
            Table::KeptKey => "-- mig:from Product\nCREATE TABLE product (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL, price REAL NOT NULL);\n",
        }
    }

    /// The service's write, the same on both schemas (`?1`: a number no
    /// other write of the run uses).
    fn write(self) -> &'static str {
        match self {
            Table::Renumbered => "INSERT INTO Note(Body) VALUES ('writer ' || ?1)",
            Table::KeptKey => {
                "INSERT INTO Product(Code, Title, Price) VALUES ('W-' || ?1, 'writer', 1.0)"
            }
        }
    }
}

/// One drain's figures, ms (drain in s).
struct Sample {
    reported: f64,
    felt: f64,
    /// Of `felt`: how long the first write not accepted waited before the
    /// old database refused it (a lock wait: the freeze taking its lock).
    first_refused: f64,
    /// Of `felt`: how long the first write the new database accepted took
    /// (a lock wait there: anything mig still held on the new database).
    first_new: f64,
    /// That write traced: its busy handler's calls, what preparing it
    /// took (ms), whether its commit ran a checkpoint.
    first_new_trace: (i32, f64, bool),
    /// From drain's announcement that the new database is ready to its
    /// exit (s): what runs after the outage (the id mapping's removal).
    after_ready_s: f64,
    longest_before: f64,
    /// drain's step (its `--json` timeline) when that write started.
    longest_during: String,
    drain_s: f64,
}

/// Runs every (table, window, build) at each size, alternating builds.
pub fn run(
    dir: &Path,
    rows: &[u64],
    reps: usize,
    baseline: Option<&Path>,
    figures: &mut Vec<Figure>,
) {
    let this = PathBuf::from(env!("CARGO_BIN_EXE_mig"));
    let mut builds: Vec<(&str, PathBuf)> = vec![("this build", this)];
    if let Some(b) = baseline {
        builds.push(("baseline", b.to_path_buf()));
    }
    println!("\n| rows | table | window | build | reported ms | felt ms | of which: first refused write, first new write, ms | first new write: busy tries, prepare ms, checkpoint | longest write before the freeze, ms (drain's step then) | drain s | after ready s |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for &n in rows {
        for table in [Table::KeptKey, Table::Renumbered] {
            let base = dir.join(format!("keys-{}-{n}.db", table.label().replace(' ', "-")));
            generate(&base, table, n);
            for window in ["0", "30m"] {
                let mut per_build: Vec<Vec<Sample>> = builds.iter().map(|_| Vec::new()).collect();
                for rep in 0..reps {
                    for k in 0..builds.len() {
                        // Alternated: machine noise hits both builds alike.
                        let i = (k + rep) % builds.len();
                        let (name, bin) = &builds[i];
                        let s = one(dir, &base, table, window, bin);
                        println!(
                            "| {n} | {} | {window} | {name} | {:.1} | {:.1} | {:.1}, {:.1} | {}, {:.2}, {} | {:.1} ({}) | {:.1} | {:.2} |",
                            table.label(),
                            s.reported,
                            s.felt,
                            s.first_refused,
                            s.first_new,
                            s.first_new_trace.0,
                            s.first_new_trace.1,
                            if s.first_new_trace.2 { "yes" } else { "no" },
                            s.longest_before,
                            s.longest_during,
                            s.drain_s,
                            s.after_ready_s
                        );
                        per_build[i].push(s);
                    }
                }
                for ((name, _), samples) in builds.iter().zip(per_build) {
                    let what = |w: &str| {
                        format!(
                            "{} {} window {window} ({name}), {w}",
                            table.label(),
                            "drain --cutover"
                        )
                    };
                    let mut push = |w: &str, mut v: Vec<f64>| {
                        let (median, min, max) = stats(&mut v);
                        figures.push(fig("cutover keys", n, &what(w), median, min, max, ""));
                    };
                    push("reported ms", samples.iter().map(|s| s.reported).collect());
                    push("felt ms", samples.iter().map(|s| s.felt).collect());
                    push(
                        "first new write ms",
                        samples.iter().map(|s| s.first_new).collect(),
                    );
                    push(
                        "after ready s",
                        samples.iter().map(|s| s.after_ready_s).collect(),
                    );
                    push(
                        "longest write before the freeze ms",
                        samples.iter().map(|s| s.longest_before).collect(),
                    );
                }
            }
        }
    }
}

fn generate(base: &Path, table: Table, rows: u64) {
    if base.exists() {
        return;
    }
    eprintln!("generating {rows} rows ({}) ...", table.label());
    let c = Connection::open(base).expect("open base");
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; BEGIN; {} COMMIT; PRAGMA wal_checkpoint(TRUNCATE);",
        table.old_sql(rows)
    ))
    .expect("generate");
}

/// One run on a fresh copy: migrate, the writer, `drain --cutover`.
fn one(dir: &Path, base: &Path, table: Table, window: &str, bin: &Path) -> Sample {
    let (old, new, schema) = (
        dir.join("keys-old.db"),
        dir.join("keys-new.db"),
        dir.join("keys-schema.sql"),
    );
    remove_db(&old);
    remove_db(&new);
    std::fs::copy(base, &old).expect("copying the database");
    std::fs::write(&schema, table.schema()).expect("schema");
    let files = |cmd: &str| -> Command {
        let mut c = Command::new(bin);
        c.arg(cmd).arg("--old").arg(&old).arg("--new").arg(&new);
        c
    };
    let out = files("migrate")
        .arg("--schema")
        .arg(&schema)
        .output()
        .expect("mig migrate");
    assert!(
        out.status.success(),
        "migrate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let writer = KeysWriter::start(dir, &old, &new, table.write());
    writer.wait(|log| log.iter().filter(|a| a.outcome == "old-ok").count() >= 200);
    let started = Instant::now();
    let began_us = now_us();
    let out = files("drain")
        .args(["--cutover", "--revert-window", window, "--json"])
        .output()
        .expect("mig drain");
    let (drain_s, ended_ms) = (started.elapsed().as_secs_f64(), now_us() / 1000);
    assert!(
        out.status.success(),
        "drain: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.wait(|log| log.iter().any(|a| a.outcome == "new-ok"));
    let log = writer.stop();
    let reported = reported_ms(&String::from_utf8_lossy(&out.stdout));
    let first_new = log
        .iter()
        .position(|a| a.outcome == "new-ok")
        .expect("a write on the new database");
    let last_old = log[..first_new]
        .iter()
        .rposition(|a| a.outcome == "old-ok")
        .expect("a write on the old one");
    let felt = (log[first_new].end - log[last_old + 1].start) as f64 / 1000.0;
    let took = |a: &Attempt| (a.end - a.start) as f64 / 1000.0;
    let longest = log[..=last_old]
        .iter()
        .filter(|a| a.start >= began_us && a.outcome == "old-ok")
        .max_by_key(|a| a.end - a.start);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ready_ms = ready_at(&stdout).unwrap_or(ended_ms);
    Sample {
        reported,
        felt,
        first_refused: took(&log[last_old + 1]),
        first_new: took(&log[first_new]),
        first_new_trace: log[first_new].trace,
        after_ready_s: (ended_ms - ready_ms) as f64 / 1000.0,
        longest_before: longest.map_or(0.0, |a| (a.end - a.start) as f64 / 1000.0),
        longest_during: longest.map_or_else(String::new, |a| step_at(&stdout, a.start / 1000)),
        drain_s,
    }
}

/// The step drain's `--json` timeline was in at `ms` (unix ms).
fn step_at(stdout: &str, ms: i64) -> String {
    let mut step = "start".to_string();
    for v in stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    {
        let at = v["unixMs"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v["unixMs"].as_i64());
        match (at, v["phase"]["step"].as_str()) {
            (Some(at), _) if at > ms => break,
            (Some(_), Some(s)) => step = s.to_string(),
            _ => {}
        }
    }
    step
}

/// When drain's `--json` timeline announced the new database ready (unix ms).
fn ready_at(stdout: &str) -> Option<i64> {
    stdout
        .lines()
        .filter(|l| l.contains("is ready; writes were refused"))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| {
            let at = &v["unixMs"];
            at.as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| at.as_i64())
        })
}

/// drain's `refusedMs` from its `--json` event lines.
fn reported_ms(stdout: &str) -> f64 {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|e| e.get("completed")?.get("drain")?.get("refusedMs")?.as_f64())
        .unwrap_or_else(|| panic!("no refusedMs in drain's output:\n{stdout}"))
}
