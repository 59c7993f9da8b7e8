//! The agent benchmark (issue 5, agent-level rows): real `mig-agent`
//! processes over mTLS on loopback — status latency under 100 concurrent
//! clients, streaming overhead, peak memory on a ≥ 1 GiB database, the
//! drain window after recording under load, the throttle, and the write
//! outage a service in its own process sees at 100k / 1M / 10M rows
//! (issue 12). It reports; it asserts nothing about time.
//!
//! `cargo bench --bench agent -- --dir target/agent-bench --out target/agent-bench.json`
//! (`--quick` for a short run; see `--help` for sizes, reps and durations)

// Tests, benchmarks and examples play the service, the oracle and third
// parties: they open database files directly (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use serde::Serialize;

mod agent_outage;
mod agent_site;
mod agent_tasks;
mod agent_throttle;
mod agent_writer;
mod mode;
mod outage_writer;
#[path = "service_conn.rs"]
mod service_conn;
mod spawn;
use agent_site::Agent;

#[derive(Parser, Debug, Clone)]
pub struct Args {
    /// Short run (< 3 min): 256 MiB big database, 1 rep, 10 s recording,
    /// 20 status calls per client; explicit flags still win.
    #[arg(long)]
    quick: bool,
    /// Size of the big database (memory, streaming and throttle), MiB (default
    /// 1024; 256 with --quick).
    #[arg(long)]
    big_mib: Option<u64>,
    /// Size of the small database (memory, status and drain), MiB.
    #[arg(long, default_value_t = 100)]
    small_mib: u64,
    /// Repetitions of the memory-free scenarios (status rounds, drains,
    /// throttle rotations; default 3, 1 with --quick).
    #[arg(long)]
    reps: Option<usize>,
    /// Concurrent status clients, each on its own TLS connection.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Status calls per client per round (default 100; 20 with --quick).
    #[arg(long)]
    calls: Option<usize>,
    /// Seconds of recording under load before each drain (default 60; 10
    /// with --quick).
    #[arg(long)]
    recording_secs: Option<u64>,
    /// Writes per second during recording before a drain.
    #[arg(long, default_value_t = 1000)]
    drain_rate: u32,
    /// Writes per second of the throttle scenario's writer.
    #[arg(long, default_value_t = 500)]
    throttle_rate: u32,
    /// Also run the throttle scenario with `max_write_wait_ms = N` in
    /// agent.toml (0: not run) — to test a tighter default.
    #[arg(long, default_value_t = 0)]
    tight_wait_ms: u64,
    /// The writers' `wal_autocheckpoint` in pages (0: the writer never
    /// checkpoints — a diagnostic of the throttle scenario's tail).
    #[arg(long, default_value_t = 1000)]
    writer_autocheckpoint: u32,
    /// Each status client's interval in the paced round, ms.
    #[arg(long, default_value_t = 1000)]
    status_interval_ms: u64,
    /// Calls per client in the paced status round.
    #[arg(long, default_value_t = 10)]
    paced_calls: usize,
    /// Alternated attached/detached pairs of the streaming scenario
    /// on the big database (default 8; 3 with --quick).
    #[arg(long)]
    stream_pairs: Option<usize>,
    /// Seconds of the throttle scenario's idle window (and of the
    /// recording-only window after the throttled copy).
    #[arg(long, default_value_t = 8)]
    idle_secs: u64,
    /// Rows of the outage scenario's databases (comma-separated; default
    /// 100000,1000000,10000000; 20000,200000 with --quick).
    #[arg(long, value_delimiter = ',')]
    outage_rows: Option<Vec<u64>>,
    /// Seconds the outage scenario's writer records before each drain.
    #[arg(long, default_value_t = 5)]
    outage_record_secs: u64,
    /// Writes per second of the outage scenario's writer process.
    #[arg(long, default_value_t = 1000)]
    outage_rate: u32,
    /// Scenarios to run (comma-separated):
    /// memory,streaming,status,drain,throttle,outage.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "memory,streaming,status,drain,throttle,outage"
    )]
    only: Vec<String>,
    /// Run as the outage scenario's writer process (started by the bench
    /// itself, configured through the environment).
    #[arg(long, hide = true)]
    outage_writer: bool,
    /// Where to write the machine-readable results.
    #[arg(long, default_value = "target/agent-bench.json")]
    out: PathBuf,
    /// Folder for certificates, databases and logs, reused between runs
    /// (the generated databases are kept; default: target/agent-bench).
    #[arg(long, default_value = "target/agent-bench")]
    dir: PathBuf,
    // `cargo bench` passes --bench; accept and ignore it.
    #[arg(long, hide = true)]
    bench: bool,
}

/// The effective settings of a run.
#[derive(Serialize, Debug, Clone)]
pub struct Settings {
    pub big_mib: u64,
    pub small_mib: u64,
    pub reps: usize,
    pub clients: usize,
    pub calls: usize,
    pub recording_secs: u64,
    pub drain_rate: u32,
    pub throttle_rate: u32,
    pub idle_secs: u64,
    pub tight_wait_ms: u64,
    pub status_interval_ms: u64,
    pub paced_calls: usize,
    pub stream_pairs: usize,
    pub writer_autocheckpoint: u32,
    pub outage_rows: Vec<u64>,
    pub outage_record_secs: u64,
    pub outage_rate: u32,
}

/// One row of the table.
#[derive(Serialize, Debug, Clone)]
pub struct Figure {
    pub scenario: &'static str,
    pub measure: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub goal: String,
    /// None: no goal for this row.
    pub met: Option<bool>,
    pub samples: Vec<f64>,
}

impl Figure {
    /// A row over `samples`; `goal` is (text, test on the median).
    pub fn new(
        scenario: &'static str,
        measure: impl Into<String>,
        mut samples: Vec<f64>,
        goal: Option<(&str, &dyn Fn(f64) -> bool)>,
    ) -> Figure {
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let median = percentile(&sorted, 50.0);
        samples.iter_mut().for_each(|v| *v = round3(*v));
        Figure {
            scenario,
            measure: measure.into(),
            median,
            min: sorted.first().copied().unwrap_or(f64::NAN),
            max: sorted.last().copied().unwrap_or(f64::NAN),
            goal: goal.map_or(String::new(), |g| g.0.to_string()),
            met: goal.map(|g| g.1(median)),
            samples,
        }
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Nearest-rank percentile of sorted values (NaN when empty).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Percentile of unsorted values.
pub fn pct(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    percentile(&v, p)
}

#[derive(Serialize)]
struct Results {
    machine: String,
    settings: Settings,
    seconds: f64,
    figures: Vec<Figure>,
    notes: Vec<String>,
}

/// Shared by the scenarios: where things live.
pub struct Site {
    pub dir: PathBuf,
    pub certs: PathBuf,
    pub small: PathBuf,
    pub big: PathBuf,
}

impl Site {
    /// A fresh agent (own folder, own log) serving `db` as `name`.
    /// `throttle`: the body of its `[throttle]` table (empty: defaults).
    pub fn agent(&self, label: &str, name: &str, db: &Path, throttle: &str) -> Agent {
        Agent::start(&self.certs, &self.dir.join(label), name, db, throttle)
    }
}

fn settings(a: &Args) -> Settings {
    let q = a.quick;
    Settings {
        big_mib: a.big_mib.unwrap_or(if q { 256 } else { 1024 }),
        small_mib: a.small_mib,
        reps: a.reps.unwrap_or(if q { 1 } else { 3 }).max(1),
        clients: a.clients.max(1),
        calls: a.calls.unwrap_or(if q { 20 } else { 100 }).max(1),
        recording_secs: a.recording_secs.unwrap_or(if q { 10 } else { 60 }),
        drain_rate: a.drain_rate.max(1),
        throttle_rate: a.throttle_rate.max(1),
        idle_secs: a.idle_secs.max(1),
        tight_wait_ms: a.tight_wait_ms,
        status_interval_ms: a.status_interval_ms.max(1),
        paced_calls: a.paced_calls.max(1),
        writer_autocheckpoint: a.writer_autocheckpoint,
        stream_pairs: a.stream_pairs.unwrap_or(if q { 3 } else { 8 }).max(1),
        outage_rows: a.outage_rows.clone().unwrap_or(if q {
            vec![20_000, 200_000]
        } else {
            vec![100_000, 1_000_000, 10_000_000]
        }),
        outage_record_secs: a.outage_record_secs,
        outage_rate: a.outage_rate.max(1),
    }
}

fn main() {
    if mode::skipped("agent") {
        return;
    }
    let args = Args::parse();
    if args.outage_writer {
        outage_writer::run_from_env();
        return;
    }
    let s = settings(&args);
    std::fs::create_dir_all(&args.dir).expect("creating --dir");
    // agent.toml paths are read relative to the config file: use absolute ones.
    let dir = std::path::absolute(&args.dir).expect("an absolute --dir");
    let started = Instant::now();
    let site = Site {
        certs: agent_site::make_certs(&dir),
        small: dir.join(format!("small-{}m.db", s.small_mib)),
        big: dir.join(format!("big-{}m.db", s.big_mib)),
        dir,
    };
    agent_site::ensure_database(&site.small, s.small_mib);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (mut figures, mut notes) = (Vec::new(), Vec::new());
    for scenario in &args.only {
        let t = Instant::now();
        let (f, n) = runtime.block_on(async {
            match scenario.as_str() {
                "memory" => agent_tasks::memory(&site, &s).await,
                "streaming" => agent_tasks::streaming(&site, &s).await,
                "status" => agent_tasks::status(&site, &s).await,
                "drain" => agent_tasks::drain(&site, &s).await,
                "throttle" => agent_throttle::throttle(&site, &s).await,
                "outage" => agent_outage::outage(&site, &s).await,
                other => panic!("unknown scenario {other:?} in --only"),
            }
        });
        println!(
            "{scenario}: done in {:.0}s",
            t.elapsed().as_secs_f64().round()
        );
        for x in &f {
            print_row(x);
        }
        figures.extend(f);
        notes.extend(n);
    }
    let results = Results {
        machine: machine(),
        settings: s,
        seconds: started.elapsed().as_secs_f64(),
        figures,
        notes,
    };
    report(&results);
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent).expect("creating the results folder");
    }
    let json = serde_json::to_string_pretty(&results).expect("results as JSON");
    std::fs::write(&args.out, json).expect("writing the results");
    println!("results: {}", args.out.display());
}

fn print_row(f: &Figure) {
    let met = match f.met {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "",
    };
    println!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        f.scenario,
        f.measure,
        fmt(f.median),
        fmt(f.min),
        fmt(f.max),
        f.goal,
        met
    );
}

fn fmt(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

fn report(r: &Results) {
    println!(
        "\nagent benchmark ({}; {:.0} s; {:?})",
        r.machine, r.seconds, r.settings
    );
    println!("| scenario | measure | median | min | max | goal | met |");
    println!("|---|---|---|---|---|---|---|");
    for f in &r.figures {
        print_row(f);
    }
    for n in &r.notes {
        println!("- {n}");
    }
}

/// `2 cpus, 23.5 GiB` from /proc, or what could be read.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(String::from("?"), |kib| {
            format!("{:.1} GiB", kib / 1024.0 / 1024.0)
        });
    format!("{cpus} cpus, {mem}")
}

/// Sleeps without blocking the runtime.
pub async fn pause(d: Duration) {
    tokio::time::sleep(d).await;
}
