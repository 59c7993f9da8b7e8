//! `mig migrate` end to end (issue 20): the release `mig` binary timed the
//! way a user times it, process start to exit, against SQLite's one-shot
//! limit run in a process of its own (this bench binary again, with
//! `--limit-child OLD NEW`), alternated in one run. mig's per-step
//! breakdown comes from its own `--json` event timeline; its peak memory is
//! the kernel's high-water mark (VmHWM) of the `mig` process. Beside each
//! wall ratio the CPU ratio (user + system of each process, from the
//! kernel's accounting of reaped children) and the load average: on a
//! shared machine the wall ratio carries the load's noise, the CPU ratio
//! shows where mig spends more than the limit.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use super::data::{self, Variant};
use super::peak::{load_average, reaped_children_cpu, wait_with_peak};
use super::{fig, index_build, remove_db, stats, Figure};

/// How often the `mig` process's VmHWM is read while it runs.
const MEMORY_POLL: Duration = Duration::from_millis(5);

/// The index-build candidates' figures, in `index_build::compare`'s order.
const INDEX_CANDIDATES: [&str; 6] = [
    "index builds, sorter threads / none, wall",
    "index builds, sorter threads / none, CPU",
    "index builds, 2 MiB / 16 MiB runs, wall",
    "index builds, 2 MiB / 16 MiB runs, CPU",
    "index builds, threads + 8 MiB runs / none, wall",
    "index builds, threads + 8 MiB runs / none, CPU",
];

/// One `mig migrate` run: wall seconds, seconds per step, peak memory.
struct MigRun {
    wall: f64,
    /// User + system CPU seconds of the process.
    cpu: f64,
    steps: Vec<(String, f64)>,
    peak_mib: f64,
}

/// The limit, inside the child process: one ATTACH + one `INSERT … SELECT`
/// per table in one transaction, journal and sync off, indexes after. Like
/// the `sqlite3` shell, it exits without waiting for the disk.
pub fn limit_child(old: &Path, new: &Path, variant: Variant) {
    let c = limit_rows_of(old, new, variant);
    c.execute_batch(&variant.indexes()).expect("indexes");
}

/// The limit's tables and rows (journal and sync off, one transaction),
/// before its indexes: the connection, for the caller to build them.
pub fn limit_rows(old: &Path, new: &Path) -> Connection {
    limit_rows_of(old, new, Variant::Plain)
}

/// [`limit_rows`] for the schema `variant`.
fn limit_rows_of(old: &Path, new: &Path, variant: Variant) -> Connection {
    let c = Connection::open(new).expect("open limit db");
    c.execute_batch("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        .expect("pragmas");
    c.execute_batch(&variant.tables()).expect("tables");
    c.execute("ATTACH ?1 AS old", [old.to_str().expect("utf-8 path")])
        .expect("attach");
    c.execute_batch(&format!("BEGIN; {} COMMIT;", data::LIMIT_TRANSFORM))
        .expect("transform");
    c
}

/// The limit's process: seconds from spawning it to its exit, and to its
/// file synced to the disk afterwards; its CPU seconds.
struct LimitRun {
    wall: f64,
    synced: f64,
    cpu: f64,
}

fn limit_process(old: &Path, new: &Path, variant: Variant) -> LimitRun {
    remove_db(new);
    let cpu_before = reaped_children_cpu();
    let t = Instant::now();
    let mut limit = Command::new(std::env::current_exe().expect("bench binary"));
    if variant == Variant::Constraints {
        limit.arg("--constraints");
    }
    let status = limit
        .arg("--limit-child")
        .args([old, new])
        .stdin(Stdio::null())
        .status()
        .expect("spawning the limit");
    let wall = t.elapsed().as_secs_f64();
    let cpu = reaped_children_cpu() - cpu_before;
    assert!(status.success(), "the limit's process failed: {status}");
    std::fs::File::open(new)
        .and_then(|f| f.sync_all())
        .expect("sync limit db");
    LimitRun {
        wall,
        synced: t.elapsed().as_secs_f64(),
        cpu,
    }
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Runs `mig --json migrate` on the local files and follows its VmHWM.
fn mig_process(bin: &Path, dir: &Path, old: &Path, new: &Path) -> MigRun {
    let out = dir.join("migrate.jsonl");
    let stdout = std::fs::File::create(&out).expect("creating migrate.jsonl");
    let began_ms = unix_ms();
    let t = Instant::now();
    let child = Command::new(bin)
        .arg("--json")
        .arg("migrate")
        .arg("--old")
        .arg(old)
        .arg("--new")
        .arg(new)
        .arg("--schema")
        .arg(dir.join("schema.sql"))
        .stdin(Stdio::null())
        .stdout(stdout)
        .spawn()
        .expect("spawning mig");
    let waited = wait_with_peak(child, MEMORY_POLL);
    let (status, peak_kib) = (waited.status, waited.peak_kib);
    let wall = waited.ended.duration_since(t).as_secs_f64();
    // The exit in wall-clock milliseconds, for the timeline's last step.
    let ended_ms = unix_ms() - waited.ended.elapsed().as_millis() as i64;
    assert!(status.success(), "mig migrate failed: {status}");
    let lines = std::fs::read_to_string(&out).expect("reading migrate.jsonl");
    MigRun {
        wall,
        cpu: waited.cpu_s,
        steps: timeline(&lines, began_ms, ended_ms),
        peak_mib: peak_kib as f64 / 1024.0,
    }
}

/// Seconds per step from the event stream: a step lasts from its event to
/// the next step's; "start" is process start to the job's first event
/// (process, in-process agent, job), "plan + pre-check" the job's start
/// to its first step, "exit" the job's last event to process exit.
fn timeline(jsonl: &str, began_ms: i64, ended_ms: i64) -> Vec<(String, f64)> {
    let mut marks: Vec<(String, i64)> = vec![("start".into(), began_ms)];
    for v in jsonl
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    {
        let Some(at) = v["unixMs"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v["unixMs"].as_i64())
        else {
            continue;
        };
        let label = if v.get("started").is_some() {
            "plan + pre-check".to_string()
        } else if let Some(step) = v["phase"]["step"].as_str() {
            step.to_string()
        } else if v.get("completed").is_some() {
            "exit".to_string()
        } else {
            continue;
        };
        if marks.last().is_some_and(|(l, _)| *l != label) {
            marks.push((label, at));
        }
    }
    marks.push(("end".into(), ended_ms));
    let mut steps: Vec<(String, f64)> = Vec::new();
    for w in marks.windows(2) {
        let secs = (w[1].1 - w[0].1) as f64 / 1000.0;
        match steps.iter_mut().find(|(l, _)| *l == w[0].0) {
            Some((_, s)) => *s += secs,
            None => steps.push((w[0].0.clone(), secs)),
        }
    }
    steps
}

/// Every repetition's figures at one size.
#[derive(Default)]
struct Samples {
    /// mig's wall time over the limit's, one per alternated pair.
    ratio: Vec<f64>,
    /// mig's CPU time over the limit's, one per alternated pair.
    cpu_ratio: Vec<f64>,
    mig_cpu_s: Vec<f64>,
    limit_cpu_s: Vec<f64>,
    /// The 1-minute load average at each pair.
    load: Vec<f64>,
    durable: Vec<f64>,
    limit_s: Vec<f64>,
    peak: Vec<f64>,
    baseline: Vec<f64>,
    /// mig's wall time over the baseline's in the same repetition.
    paired: Vec<f64>,
    index: [Vec<f64>; 6],
    steps: Vec<(String, Vec<f64>)>,
    /// The baseline build's steps, for the breakdown before and after.
    baseline_steps: Vec<(String, Vec<f64>)>,
}

/// Adds one run's seconds per step to `into`.
fn add_steps(into: &mut Vec<(String, Vec<f64>)>, run: &MigRun) {
    for (label, s) in &run.steps {
        match into.iter_mut().find(|(l, _)| l == label) {
            Some((_, v)) => v.push(*s),
            None => into.push((label.clone(), vec![*s])),
        }
    }
}

impl Samples {
    /// One mig run against the limit's run `lim`.
    fn add(&mut self, m: &MigRun, lim: &LimitRun) {
        let (l, l_synced) = (lim.wall, lim.synced);
        let load = load_average();
        eprintln!(
            "  end to end: mig migrate {:.3}s, {:.3}s CPU (peak {:.1} MiB), limit {l:.3}s ({l_synced:.3}s synced), {:.3}s CPU; load {load:.1}",
            m.wall, m.cpu, m.peak_mib, lim.cpu
        );
        for (label, s) in &m.steps {
            eprintln!("    {label:<20} {s:8.3}s");
        }
        add_steps(&mut self.steps, m);
        self.ratio.push(m.wall / l);
        self.cpu_ratio.push(m.cpu / lim.cpu);
        self.mig_cpu_s.push(m.cpu);
        self.limit_cpu_s.push(lim.cpu);
        self.load.push(load);
        self.durable.push(m.wall / l_synced);
        self.limit_s.push(l);
        self.peak.push(m.peak_mib);
    }

    fn report(mut self, rows: u64, figures: &mut Vec<Figure>) {
        let goal = if rows >= 1_000_000 {
            "<= 1.0"
        } else {
            "<= 1.2"
        };
        let mut push = |what: &str, v: &mut Vec<f64>, goal: &str| {
            if !v.is_empty() {
                let (m, lo, hi) = stats(v);
                figures.push(fig("end to end", rows, what, m, lo, hi, goal));
            }
        };
        push(
            "time ratio mig migrate / limit (wall, median of alternated pairs)",
            &mut self.ratio,
            goal,
        );
        push(
            "CPU ratio mig migrate / limit (user + sys, median of pairs)",
            &mut self.cpu_ratio,
            "-",
        );
        push("mig CPU seconds", &mut self.mig_cpu_s, "-");
        push("limit CPU seconds (process)", &mut self.limit_cpu_s, "-");
        push("load average (1 min)", &mut self.load, "-");
        push(
            "time ratio mig migrate / limit + fsync",
            &mut self.durable,
            "-",
        );
        push("time ratio baseline mig / limit", &mut self.baseline, "-");
        push(
            "time ratio mig migrate / baseline, same repetition",
            &mut self.paired,
            "-",
        );
        push("limit seconds (process)", &mut self.limit_s, "-");
        push("mig peak memory MiB (VmHWM)", &mut self.peak, "-");
        for (what, v) in INDEX_CANDIDATES.iter().zip(&mut self.index) {
            push(what, v, "-");
        }
        for (label, v) in &mut self.steps {
            push(&format!("step seconds: {label}"), v, "-");
        }
        for (label, v) in &mut self.baseline_steps {
            push(&format!("baseline step seconds: {label}"), v, "-");
        }
    }
}

/// Alternates the limit's process and `mig migrate` (and the `baseline`
/// build, if any) `reps` times at each size; ratios, the limit's seconds,
/// mig's steps, peak memory and the index-build candidates.
pub fn run(
    dir: &Path,
    (sizes, variant): (&[u64], Variant),
    reps: usize,
    baseline: Option<&Path>,
    figures: &mut Vec<Figure>,
) {
    std::fs::write(dir.join("schema.sql"), variant.schema()).expect("schema.sql");
    for &rows in sizes {
        one_size(dir, (rows, variant), reps, baseline).report(rows, figures);
    }
}

fn one_size(
    dir: &Path,
    (rows, variant): (u64, Variant),
    reps: usize,
    baseline: Option<&Path>,
) -> Samples {
    let bin = Path::new(env!("CARGO_BIN_EXE_mig"));
    let old = dir.join(format!("e2e-old-{rows}.db"));
    let new = dir.join(format!("e2e-new-{rows}.db"));
    let limit_db = dir.join(format!("e2e-limit-{rows}.db"));
    remove_db(&old);
    eprintln!("end to end: generating {rows} rows ...");
    data::generate(&old, rows);
    let mut samples = Samples::default();
    for rep in 0..reps {
        let lim = limit_process(&old, &limit_db, variant);
        let l = lim.wall;
        remove_db(&new);
        // Every other repetition the baseline runs first, so neither build
        // always follows the limit.
        let mut before = None;
        if rep % 2 == 1 {
            before = run_baseline(baseline, dir, &old, &new, l, &mut samples);
        }
        let after = mig_process(bin, dir, &old, &new);
        samples.add(&after, &lim);
        for (v, r) in samples.index.iter_mut().zip(index_build::compare(&new)) {
            v.push(r);
        }
        reset(&old, &new);
        if rep % 2 == 0 {
            before = run_baseline(baseline, dir, &old, &new, l, &mut samples);
        }
        if let Some(before) = before {
            samples.paired.push(after.wall / before);
        }
    }
    remove_db(&limit_db);
    remove_db(&old);
    samples
}

/// The baseline build, if there is one: its time over the limit's `l`
/// seconds and its steps; returns its wall seconds.
fn run_baseline(
    bin: Option<&Path>,
    dir: &Path,
    old: &Path,
    new: &Path,
    l: f64,
    samples: &mut Samples,
) -> Option<f64> {
    let bin = bin?;
    let before = mig_process(bin, dir, old, new);
    eprintln!("  end to end: baseline mig migrate {:.3}s", before.wall);
    reset(old, new);
    samples.baseline.push(before.wall / l);
    add_steps(&mut samples.baseline_steps, &before);
    Some(before.wall)
}

/// Removes the migration: the new files, the old database's triggers, log
/// and marker (the library's own `reset`).
fn reset(old: &Path, new: &Path) {
    let spec = mig::engine::paths::DatabaseSpec {
        old: Some(old.to_path_buf()),
        new: Some(new.to_path_buf()),
        project: None,
    };
    mig::engine::ops::reset(
        &spec,
        mig::engine::open::Busy::default(),
        mig::engine::ops::ResetMode::Apply,
    )
    .expect("reset");
}
