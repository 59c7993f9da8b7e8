//! The benchmark suite (issue 5): mig against SQLite's own limit, measured
//! alternately in one run so machine noise hits both sides alike. Every
//! figure that matters is a ratio.
//!
//! `cargo bench --bench bench -- --rows 100000,1000000 --reps 3 --out bench.json`
//! `cargo bench --bench bench -- --key-modes-only --key-rows 20000,100000 --key-big-rows 0 --reps 1`
//! (the key-mode matrix alone, quick)
//! `cargo bench --bench bench -- --only end-to-end --quick` while developing.
//! `cargo bench --bench bench -- --only cutover-keys --rows 1000000 --reps 2 --baseline OLD_MIG`
//! (the refusal at the cutover of renumbered keys, before/after; `--quick`:
//! 100k rows, one repetition)

// Tests, benchmarks and examples play the service, the oracle and third
// parties: they open database files directly (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use mig::engine::open::Busy;
use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use mig::engine::{Control, Ctx, Event};
use rusqlite::Connection;
use serde::Serialize;

mod bench_guard;
mod cutover_keys;
mod data;
mod end_to_end;
mod index_build;
mod key_modes;
mod mode;
#[path = "peak.rs"]
mod peak;
mod recording;
mod revert;
#[path = "service_conn.rs"]
mod service_conn;

#[derive(Parser, Debug)]
struct Args {
    /// Total rows per generated database (comma-separated sizes).
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
    rows: Vec<u64>,
    /// Repetitions per scenario (medians are reported).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Single-row write transactions per batch in the recording scenario.
    #[arg(long, default_value_t = 2000)]
    writes: usize,
    /// Where to write the machine-readable results.
    #[arg(long, default_value = "target/bench.json")]
    out: PathBuf,
    /// Folder for the generated databases (default: a temporary folder).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Rows of the revert window scenarios (write cost, reverse replay,
    /// revert's outage).
    #[arg(long, default_value_t = 1_000_000)]
    revert_rows: u64,
    /// Only the copy scenarios (skip recording, replay, drain, cutover).
    #[arg(long)]
    copy_only: bool,
    /// Print each step of mig's copy with its elapsed time (where it goes).
    #[arg(long)]
    trace: bool,
    /// Sizes of the key-mode matrix, every mode (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
    key_rows: Vec<u64>,
    /// Larger sizes for the renumbered key modes and the baseline (0: none).
    #[arg(long, value_delimiter = ',', default_value = "10000000")]
    key_big_rows: Vec<u64>,
    /// Only the key-mode matrix and the translated-child case.
    #[arg(long)]
    key_modes_only: bool,
    /// Skip the key-mode matrix.
    #[arg(long)]
    no_key_modes: bool,
    /// Only this scenario: `mig migrate` end to end against the limit's
    /// process, the recording triggers' write cost, or the revert window's
    /// scenarios.
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// Development size: 100k rows, one repetition.
    #[arg(long)]
    quick: bool,
    /// Another `mig` binary (an earlier build) run alternately with this
    /// one in the end-to-end scenario: before/after in one run.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Internal: run the cutover-keys scenario's writer process and exit.
    #[arg(long, hide = true)]
    keys_writer: bool,
    /// The end-to-end scenario's new schema adds a UNIQUE index and two
    /// CHECKs over existing columns (the constraint pre-check's case).
    #[arg(long)]
    constraints: bool,
    /// Internal: run the limit in this process on OLD NEW and exit.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], hide = true)]
    limit_child: Option<Vec<PathBuf>>,
    // `cargo bench` passes --bench; accept and ignore it.
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    EndToEnd,
    Recording,
    /// The revert window scenarios alone (`--revert-rows`).
    Revert,
    /// The writes refused by `drain --cutover` on renumbered keys, with
    /// and without a window (`--rows`, `--baseline`).
    CutoverKeys,
}

#[derive(Serialize, Debug, Clone)]
struct Figure {
    scenario: String,
    rows: u64,
    what: String,
    median: f64,
    min: f64,
    max: f64,
    goal: String,
}

fn stats(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn quiet<T>(f: impl FnOnce(&mut Ctx<'_>) -> T) -> T {
    let control = Control::default();
    let mut sink = |_: Event| {};
    f(&mut Ctx {
        control: &control,
        sink: &mut sink,
    })
}

fn remove_db(p: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
}

/// The physical limit: one ATTACH + INSERT … SELECT per table in a single
/// transaction, journal and sync off, indexes built after.
/// Also returns the wall time once the file is synced to the disk: the
/// limit never waits for its writes to reach the disk, which a migration
/// that must survive a power loss cannot avoid.
fn limit_copy(old: &Path, new: &Path, trace: bool) -> (Timing, f64) {
    remove_db(new);
    let t = Timing::start();
    let c = end_to_end::limit_rows(old, new);
    if trace {
        eprintln!(
            "    limit: rows copied at {:.3}s",
            t.wall.elapsed().as_secs_f64()
        );
    }
    c.execute_batch(data::NEW_INDEXES).expect("indexes");
    drop(c);
    let took = t.stop();
    std::fs::File::open(new)
        .and_then(|f| f.sync_all())
        .expect("sync limit db");
    (took, t.wall.elapsed().as_secs_f64())
}

/// Wall time, and this thread's CPU time: the CPU figure is what stays
/// stable when other processes compete for the machine (it leaves out
/// waiting for the disk, which the wall figure includes).
#[derive(Debug, Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: f64,
}

struct Started {
    wall: Instant,
    cpu: cpu_time::ThreadTime,
}

impl Timing {
    fn start() -> Started {
        Started {
            wall: Instant::now(),
            cpu: cpu_time::ThreadTime::now(),
        }
    }
}

impl Started {
    fn stop(&self) -> Timing {
        Timing {
            wall: self.wall.elapsed().as_secs_f64(),
            cpu: self.cpu.elapsed().as_secs_f64(),
        }
    }
}

fn mig_copy(spec: &DatabaseSpec, schema: &SchemaFile, trace: bool) -> Timing {
    let timer = Timing::start();
    let t = timer.wall;
    if trace {
        let control = Control::default();
        let mut last = String::new();
        let mut sink = |e: Event| {
            let now = t.elapsed().as_secs_f64();
            let step = match e {
                Event::Step { step, message } => format!("{step}: {message}"),
                Event::Copy { table, .. } => format!("copy {table}"),
                _ => return,
            };
            if step != last {
                eprintln!("    {now:8.3}s  {step}");
                last = step;
            }
        };
        let mut ctx = Ctx {
            control: &control,
            sink: &mut sink,
        };
        ops::migrate(spec, schema, &MigrateOptions::default(), &mut ctx).expect("migrate");
        eprintln!("    {:8.3}s  done", t.elapsed().as_secs_f64());
    } else {
        quiet(|ctx| ops::migrate(spec, schema, &MigrateOptions::default(), ctx)).expect("migrate");
    }
    let took = timer.stop();
    ops::reset(spec, Busy::default(), ops::ResetMode::Apply).expect("reset");
    took
}

/// Seconds per single-row write transaction (insert, update, delete mix).
fn write_cost(path: &Path, n: usize, seed: u64) -> f64 {
    write_costs(path, n, seed).0
}

/// Wall and CPU seconds (this thread's user + system) per write of the mix.
fn write_costs(path: &Path, n: usize, seed: u64) -> (f64, f64) {
    let c = Connection::open(path).expect("writer");
    c.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    c.busy_timeout(Duration::from_secs(10)).expect("busy");
    let (t, cpu) = (Instant::now(), cpu_time::ThreadTime::now());
    data::write_mix(&c, n, seed);
    let per = |s: f64| s / n as f64;
    (
        per(t.elapsed().as_secs_f64()),
        per(cpu.elapsed().as_secs_f64()),
    )
}

/// The end-to-end scenario's new schema.
fn variant(args: &Args) -> data::Variant {
    match args.constraints {
        true => data::Variant::Constraints,
        false => data::Variant::Plain,
    }
}

fn main() {
    let mut args = Args::parse();
    if let Some([old, new]) = args.limit_child.as_deref() {
        end_to_end::limit_child(old, new, variant(&args));
        return;
    }
    if args.keys_writer {
        cutover_keys::writer_from_env();
        return;
    }
    if mode::skipped("bench") {
        return;
    }
    if args.quick {
        (args.rows, args.reps) = (vec![100_000], 1);
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = args.dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("bench dir");
    let schema = SchemaFile::parse("schema.sql", data::NEW_SCHEMA).expect("schema");
    let mut figures = Vec::new();
    let reps = args.reps.max(1);
    if args.key_modes_only {
        figures.extend(keys(&dir, &args, reps));
        report(&figures, &args.out);
        return;
    }
    if args.only == Some(Only::CutoverKeys) {
        cutover_keys::run(
            &dir,
            &args.rows,
            reps,
            args.baseline.as_deref(),
            &mut figures,
        );
        report(&figures, &args.out);
        return;
    }
    if args.only == Some(Only::Revert) {
        revert::run(&dir, args.revert_rows, args.writes, reps, &mut figures);
        report(&figures, &args.out);
        return;
    }
    if args.only != Some(Only::Recording) {
        end_to_end::run(
            &dir,
            (&args.rows, variant(&args)),
            reps,
            args.baseline.as_deref(),
            &mut figures,
        );
    }
    if args.only == Some(Only::EndToEnd) {
        report(&figures, &args.out);
        return;
    }
    // (rows, median mig seconds) per size, for the marginal cost per row.
    let mut medians: Vec<(u64, f64)> = Vec::new();
    let copy_sizes = if args.only.is_some() {
        &[][..]
    } else {
        &args.rows[..]
    };
    for &rows in copy_sizes {
        let old = dir.join(format!("old-{rows}.db"));
        let new = dir.join(format!("new-{rows}.db"));
        let limit_db = dir.join(format!("limit-{rows}.db"));
        remove_db(&old);
        remove_db(&new);
        eprintln!("generating {rows} rows ...");
        data::generate(&old, rows);
        let spec = DatabaseSpec {
            old: Some(old.clone()),
            new: Some(new.clone()),
            project: None,
        };
        let (mut ratio, mut cpu_ratio, mut durable_ratio, mut mig_s, mut lim_s) =
            (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..reps {
            let (l, durable) = limit_copy(&old, &limit_db, args.trace);
            let m = mig_copy(&spec, &schema, args.trace);
            eprintln!(
                "  copy: mig {:.2}s ({:.2}s CPU), limit {:.2}s ({:.2}s CPU)",
                m.wall, m.cpu, l.wall, l.cpu
            );
            ratio.push(m.wall / l.wall);
            cpu_ratio.push(m.cpu / l.cpu);
            durable_ratio.push(m.wall / durable);
            mig_s.push(m.wall);
            lim_s.push(l.wall);
        }
        remove_db(&limit_db);
        let (m, lo, hi) = stats(&mut ratio);
        figures.push(fig(
            "bulk copy",
            rows,
            "time ratio mig / limit",
            m,
            lo,
            hi,
            "<= 1.3",
        ));
        let (m, lo, hi) = stats(&mut durable_ratio);
        figures.push(fig(
            "bulk copy",
            rows,
            "time ratio mig / limit + final fsync",
            m,
            lo,
            hi,
            "-",
        ));
        let (m, lo, hi) = stats(&mut cpu_ratio);
        figures.push(fig(
            "bulk copy",
            rows,
            "CPU-time ratio mig / limit",
            m,
            lo,
            hi,
            "<= 1.3",
        ));
        medians.push((rows, stats(&mut mig_s.clone()).0));
        let per_row: Vec<f64> = mig_s.iter().map(|s| s / rows as f64 * 1e6).collect();
        let (m, lo, hi) = stats(&mut per_row.clone());
        figures.push(fig(
            "scaling",
            rows,
            "mig µs per row",
            m,
            lo,
            hi,
            "flat within 20%",
        ));
        let (m, lo, hi) = stats(&mut lim_s);
        figures.push(fig("bulk copy", rows, "limit seconds", m, lo, hi, "-"));
        remove_db(&old);
    }

    // The cost of each extra row between two sizes: flat when the copy is
    // linear (the per-row figure above also carries the fixed cost, which
    // dominates small databases).
    for pair in medians.windows(2) {
        let ((r0, t0), (r1, t1)) = (pair[0], pair[1]);
        if r1 > r0 {
            let marginal = (t1 - t0) / (r1 - r0) as f64 * 1e6;
            figures.push(fig(
                "scaling",
                r1,
                &format!("mig marginal µs per row from {r0}"),
                marginal,
                marginal,
                marginal,
                "flat within 20%",
            ));
        }
    }
    if args.copy_only {
        report(&figures, &args.out);
        return;
    }
    // Recording overhead, replay rate, drain window and cutover on a
    // 100k-row database: a plain copy, one with minimal key-logging
    // triggers, one recording, alternated.
    let rows = 100_000;
    let plain = dir.join("rec-plain.db");
    let minimal = dir.join("rec-minimal.db");
    let recorded = dir.join("rec-old.db");
    let new = dir.join("rec-new.db");
    for p in [&plain, &minimal, &recorded, &new] {
        remove_db(p);
    }
    data::generate(&plain, rows);
    data::generate(&minimal, rows);
    recording::install_minimal(&minimal);
    data::generate(&recorded, rows);
    let spec = DatabaseSpec {
        old: Some(recorded.clone()),
        new: Some(new.clone()),
        project: None,
    };
    quiet(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    let older = dir.join("rec-older.db");
    let older_new = dir.join("rec-older-new.db");
    for p in [&older, &older_new] {
        remove_db(p);
    }
    data::generate(&older, rows);
    let older_spec = DatabaseSpec {
        old: Some(older.clone()),
        new: Some(older_new.clone()),
        project: None,
    };
    quiet(|ctx| ops::migrate(&older_spec, &schema, &MigrateOptions::default(), ctx))
        .expect("migrate");
    recording::as_older_recording(&older);
    let mut carried = vec![];
    let (mut ratio, mut floor, mut above) = (vec![], vec![], vec![]);
    let (mut cpu_ratio, mut cpu_floor, mut cpu_above) = (vec![], vec![], vec![]);
    for i in 0..reps.max(3) {
        let a = write_costs(&plain, args.writes, i as u64);
        let m = write_costs(&minimal, args.writes, i as u64);
        let b = write_costs(&recorded, args.writes, i as u64);
        let o = write_costs(&older, args.writes, i as u64);
        eprintln!(
            "  write µs: plain {:.1} ({:.1} CPU), minimal trigger {:.1} ({:.1}), recording {:.1} ({:.1}), older recording {:.1} ({:.1}); load {:.1}",
            a.0 * 1e6,
            a.1 * 1e6,
            m.0 * 1e6,
            m.1 * 1e6,
            b.0 * 1e6,
            b.1 * 1e6,
            o.0 * 1e6,
            o.1 * 1e6,
            peak::load_average()
        );
        carried.push(b.0 / o.0);
        ratio.push(b.0 / a.0);
        floor.push(m.0 / a.0);
        above.push(b.0 / m.0);
        cpu_ratio.push(b.1 / a.1);
        cpu_floor.push(m.1 / a.1);
        cpu_above.push(b.1 / m.1);
    }
    for (what, v, goal) in [
        ("write cost with / without recording", &mut ratio, "<= 1.25"),
        ("write cost minimal trigger / none", &mut floor, "-"),
        (
            "write cost recording / minimal trigger",
            &mut above,
            "<= 1.1",
        ),
        ("write CPU with / without recording", &mut cpu_ratio, "-"),
        ("write CPU minimal trigger / none", &mut cpu_floor, "-"),
        ("write CPU recording / minimal trigger", &mut cpu_above, "-"),
        (
            "write cost recording / older recording (draining's refusal only)",
            &mut carried,
            "-",
        ),
    ] {
        let (m, lo, hi) = stats(v);
        figures.push(fig("recording overhead", rows, what, m, lo, hi, goal));
    }
    for p in [&minimal, &older, &older_new] {
        remove_db(p);
    }
    if args.only == Some(Only::Recording) {
        report(&figures, &args.out);
        return;
    }

    // Replay: a large backlog, then drain. Without drain's verify stage
    // (which would replay the backlog inside its chunks), so the figure is
    // the replay rate; the frozen copy is verified before cutover instead.
    write_cost(&recorded, 50_000, 99);
    let replay_only = DrainOptions {
        verify_first: ops::VerifyFirst::Skip,
        ..DrainOptions::default()
    };
    let drained = quiet(|ctx| ops::drain(&spec, &replay_only, ctx)).expect("drain");
    let rate = drained.entries_replayed as f64 / drained.seconds.max(1e-9);
    figures.push(fig(
        "replay",
        rows,
        "entries applied per second in drain",
        rate,
        rate,
        rate,
        ">= 100000",
    ));
    figures.push(bench_guard::cost(&dir, 200_000, reps));
    figures.push(fig(
        "drain window",
        rows,
        "freeze ms (writes refused)",
        drained.freeze_ms,
        drained.freeze_ms,
        drained.freeze_ms,
        "<= 100",
    ));
    quiet(|ctx| ops::verify(&spec, &ops::VerifyOptions::default(), ctx)).expect("verify");
    let cut = ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    figures.push(fig(
        "cutover",
        rows,
        "cutover ms",
        cut.millis,
        cut.millis,
        cut.millis,
        "<= 50",
    ));
    revert::run(&dir, args.revert_rows, args.writes, reps, &mut figures);

    if !args.no_key_modes {
        figures.extend(keys(&dir, &args, reps));
    }
    report(&figures, &args.out);
}

/// The key-mode matrix and the translated-child case (issue 21).
fn keys(dir: &Path, args: &Args, reps: usize) -> Vec<Figure> {
    let sizes: Vec<u64> = args.key_rows.iter().copied().filter(|r| *r > 0).collect();
    let big: Vec<u64> = args
        .key_big_rows
        .iter()
        .copied()
        .filter(|r| *r > 0)
        .collect();
    let mut figures = key_modes::matrix(dir, &sizes, &big, reps);
    figures.extend(key_modes::translated_child(dir, reps));
    figures
}

fn report(figures: &[Figure], out: &Path) {
    println!(
        "{:<20} {:>10}  {:<40} {:>12} {:>12} {:>12}  goal",
        "scenario", "rows", "measure", "median", "min", "max"
    );
    for f in figures {
        println!(
            "{:<20} {:>10}  {:<40} {:>12.3} {:>12.3} {:>12.3}  {}",
            f.scenario, f.rows, f.what, f.median, f.min, f.max, f.goal
        );
    }
    let json = serde_json::to_string_pretty(figures).expect("json");
    std::fs::write(out, json).expect("write results");
    eprintln!("results written to {}", out.display());
}

fn fig(
    scenario: &str,
    rows: u64,
    what: &str,
    median: f64,
    min: f64,
    max: f64,
    goal: &str,
) -> Figure {
    Figure {
        scenario: scenario.into(),
        rows,
        what: what.into(),
        median,
        min,
        max,
        goal: goal.into(),
    }
}
