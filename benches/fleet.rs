//! The fleet benchmark (issue 6): N real agents on loopback, one
//! `mig fleet rollout --yes --concurrency C` over all of them, and what the
//! client costs on top of the agents' own work — wall time, peak memory
//! and orchestration overhead per database. It reports; it asserts nothing
//! about time.
//!
//! `cargo bench --bench fleet -- --agents 50 --concurrency 10 --rows 200`
//!
//! Definitions (also printed with the results):
//! - wall: from spawning `mig` to its exit (process start, fleet file,
//!   plan of every target, rollout, summary).
//! - agent work of a target: the span of its migrate job plus the span of
//!   its drain job, each from the job's started event to its completed
//!   event as the agent stamped them (read back with `Watch` from seq 0).
//!   Plan and cutover RPCs are not recorded by the agents afterwards, so
//!   their agent-side time counts as overhead (this overstates overhead).
//! - agents' work on the critical path: max(sum of work / C, largest
//!   work) — the shortest any scheduler could finish with C at once. It is
//!   a lower bound, so the overhead derived from it is an upper bound.
//! - overhead per database: (wall − critical path) / databases.
//! - client peak memory: VmHWM from `/proc/<pid>/status`, polled every
//!   `--poll-ms` while `mig` runs. VmHWM is the kernel's high-water mark of
//!   resident memory, so polling cannot miss a peak — only growth in the
//!   last interval before exit.

// Tests, benchmarks and examples play the service, the oracle and third
// parties: they open database files directly (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use serde::Serialize;

mod fleet_agents;
mod fleet_fixed;
mod fleet_tenants;
mod fleet_writers;
mod mode;
#[path = "peak.rs"]
mod peak;
mod spawn;

use fleet_agents::{JobSpan, Site, NEW_SCHEMA};
use peak::wait_with_peak;

/// Overhead goal per database, milliseconds.
const GOAL_OVERHEAD_MS: f64 = 50.0;
/// Client peak memory goal, MiB.
const GOAL_PEAK_MIB: f64 = 100.0;

#[derive(Parser, Debug)]
struct Args {
    /// Agents to start, one database each.
    #[arg(long, default_value_t = 50)]
    agents: usize,
    /// The rollout's `--concurrency`.
    #[arg(long, default_value_t = 10)]
    concurrency: usize,
    /// Customers (and orders) per database; order lines are twice that.
    #[arg(long, default_value_t = 200)]
    rows: u64,
    /// How often the client's /proc status is read, milliseconds.
    #[arg(long, default_value_t = 5)]
    poll_ms: u64,
    /// Where to write the machine-readable results.
    #[arg(long, default_value = "target/fleet-bench.json")]
    out: PathBuf,
    /// Folder for certificates, databases, logs and the fleet file
    /// (default: a temporary folder, removed at the end).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The tenant scenario: each agent serves a folder of this many small
    /// databases, and one rollout covers all of them (0: one database per
    /// agent, the scenario above).
    #[arg(long, default_value_t = 0)]
    tenants: usize,
    /// The tenant scenario at development size: 2 agents x 100 tenants,
    /// concurrency 8, 4 writers, killed after 50 cut-overs, 5 fixed-cost runs.
    #[arg(long)]
    quick: bool,
    /// Tenant scenario: tenants written to while the rollout runs.
    #[arg(long, default_value_t = 20)]
    writers: usize,
    /// Tenant scenario: SIGKILL the client after this many cut-overs, then
    /// run the rollout again (0: one uninterrupted run).
    #[arg(long, default_value_t = 0)]
    kill_after: usize,
    /// Tenant scenario: runs of the fixed-cost comparison.
    #[arg(long, default_value_t = 30)]
    fixed_reps: usize,
    /// Only the tenant scenario's fixed cost of one tiny database (no
    /// agents, no rollout): `--fixed-reps` runs, printed as JSON.
    #[arg(long)]
    fixed_only: bool,
    // `cargo bench` passes --bench; accept and ignore it.
    #[arg(long, hide = true)]
    bench: bool,
}

/// One target's figures.
#[derive(Serialize, Debug)]
struct TargetFigures {
    target: String,
    state: String,
    /// The client's own duration for the target (its summary's seconds).
    client_seconds: f64,
    agent_work_seconds: f64,
    jobs: Vec<JobSpan>,
}

#[derive(Serialize, Debug)]
struct Results {
    agents: usize,
    concurrency: usize,
    rows: u64,
    machine: String,
    wall_seconds: f64,
    client_peak_mib: f64,
    agent_work_sum_seconds: f64,
    critical_path_seconds: f64,
    overhead_ms_per_database: f64,
    mean_target_latency_overhead_ms: f64,
    goal_overhead_ms_per_database: f64,
    goal_client_peak_mib: f64,
    method: Vec<&'static str>,
    targets: Vec<TargetFigures>,
}

/// What one run of `mig` produced.
struct Rollout {
    wall: Duration,
    peak_kib: u64,
    stdout: String,
}

fn main() {
    if mode::skipped("fleet") {
        return;
    }
    let args = Args::parse();
    assert!(
        args.agents > 0 && args.concurrency > 0,
        "--agents and --concurrency must be at least 1"
    );
    let tmp = tempfile::tempdir().expect("creating a temporary folder");
    let dir = args.dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("creating --dir");
    if args.fixed_only {
        let fixed = fleet_fixed::fixed_cost(&dir, scenario(&args).customers, args.fixed_reps);
        println!("{}", serde_json::to_string_pretty(&fixed).expect("json"));
        return;
    }
    if args.tenants > 0 || args.quick {
        fleet_tenants::run(&scenario(&args), &dir);
        return;
    }

    let started = Instant::now();
    let site = Site::start(&dir, args.agents, args.rows);
    println!(
        "started {} agents ({} rows each) in {:.1}s",
        args.agents,
        args.rows,
        started.elapsed().as_secs_f64()
    );
    std::fs::write(dir.join("schema.sql"), NEW_SCHEMA).expect("writing schema.sql");
    std::fs::write(dir.join("fleet.toml"), site.fleet_toml()).expect("writing fleet.toml");

    let run = rollout(&dir, args.concurrency, Duration::from_millis(args.poll_ms));
    let summary = summary(&run.stdout);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let mut targets = Vec::with_capacity(site.agents.len());
    for (i, agent) in site.agents.iter().enumerate() {
        let name = format!("t{i:03}");
        let (state, client_seconds) = summary
            .iter()
            .find(|(t, _, _)| *t == name)
            .map(|(_, s, secs)| (s.clone(), *secs))
            .unwrap_or_else(|| panic!("{name} is missing from the rollout summary"));
        let jobs: Vec<JobSpan> = fleet_agents::job_ids(agent)
            .iter()
            .map(|job| runtime.block_on(fleet_agents::job_span(&site, agent, job)))
            .collect();
        targets.push(TargetFigures {
            agent_work_seconds: jobs.iter().map(|j| j.span_seconds).sum(),
            target: name,
            state,
            client_seconds,
            jobs,
        });
    }
    drop(site);

    let results = figures(&args, &run, targets);
    report(&results);
    let json = serde_json::to_string_pretty(&results).expect("results as JSON");
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent).expect("creating the results folder");
    }
    std::fs::write(&args.out, json).expect("writing the results");
    println!("results: {}", args.out.display());
    let not_cut_over = results
        .targets
        .iter()
        .filter(|t| t.state != "cut over")
        .count();
    if not_cut_over > 0 {
        eprintln!("{not_cut_over} target(s) not cut over: the figures are not valid");
        std::process::exit(1);
    }
}

/// The tenant scenario the flags ask for (`--quick`: development size).
fn scenario(a: &Args) -> fleet_tenants::Scenario {
    let quick = a.quick;
    fleet_tenants::Scenario {
        agents: if quick { 2 } else { a.agents },
        tenants: if quick { 100 } else { a.tenants },
        customers: 250,
        concurrency: if quick { 8 } else { a.concurrency },
        writers: if quick { 4 } else { a.writers },
        kill_after: if quick { 50 } else { a.kill_after },
        fixed_reps: if quick { 5 } else { a.fixed_reps },
        poll: Duration::from_millis(a.poll_ms),
        out: if a.out == Path::new("target/fleet-bench.json") {
            PathBuf::from("target/fleet-tenants-bench.json")
        } else {
            a.out.clone()
        },
    }
}

/// Runs the real `mig` client and samples its VmHWM until it exits.
fn rollout(dir: &std::path::Path, concurrency: usize, poll: Duration) -> Rollout {
    let out = std::fs::File::create(dir.join("rollout.jsonl")).expect("creating rollout.jsonl");
    let err = std::fs::File::create(dir.join("rollout.err")).expect("creating rollout.err");
    let t = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_mig"))
        .current_dir(dir)
        .args(["--json", "fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .args(["--concurrency", &concurrency.to_string()])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawning mig");
    let peak::Waited {
        status, peak_kib, ..
    } = wait_with_peak(child, poll);
    let wall = t.elapsed();
    let stdout = std::fs::read_to_string(dir.join("rollout.jsonl")).expect("reading stdout");
    if !status.success() {
        let stderr = std::fs::read_to_string(dir.join("rollout.err")).unwrap_or_default();
        eprintln!("mig fleet rollout exited with {status}:\n{stderr}");
    }
    Rollout {
        wall,
        peak_kib,
        stdout,
    }
}

/// (target, state, seconds) from the rollout's `summary` JSON event.
fn summary(stdout: &str) -> Vec<(String, String, f64)> {
    let event = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "summary")
        .unwrap_or_else(|| panic!("no summary event in the rollout's output:\n{stdout}"));
    let targets = event["targets"].as_array().expect("summary targets");
    targets
        .iter()
        .map(|t| {
            (
                t["target"].as_str().unwrap_or("?").to_string(),
                t["state"].as_str().unwrap_or("?").to_string(),
                t["seconds"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

fn figures(args: &Args, run: &Rollout, targets: Vec<TargetFigures>) -> Results {
    let n = targets.len() as f64;
    let work: Vec<f64> = targets.iter().map(|t| t.agent_work_seconds).collect();
    let sum: f64 = work.iter().sum();
    let largest = work.iter().copied().fold(0.0, f64::max);
    let critical = (sum / args.concurrency as f64).max(largest);
    let wall = run.wall.as_secs_f64();
    let latency: f64 = targets
        .iter()
        .map(|t| t.client_seconds - t.agent_work_seconds)
        .sum();
    Results {
        agents: args.agents,
        concurrency: args.concurrency,
        rows: args.rows,
        machine: machine(),
        wall_seconds: wall,
        client_peak_mib: run.peak_kib as f64 / 1024.0,
        agent_work_sum_seconds: sum,
        critical_path_seconds: critical,
        overhead_ms_per_database: (wall - critical) / n * 1000.0,
        mean_target_latency_overhead_ms: latency / n * 1000.0,
        goal_overhead_ms_per_database: GOAL_OVERHEAD_MS,
        goal_client_peak_mib: GOAL_PEAK_MIB,
        method: vec![
            "wall: spawn of `mig --json fleet rollout -f fleet.toml --yes --concurrency C` to its exit",
            "agent work per target: migrate job span + drain job span (started to completed event, agent clock, via Watch from seq 0); plan and cutover count as overhead",
            "critical path: max(sum(agent work) / C, max(agent work)), a lower bound on any schedule",
            "overhead per database: (wall - critical path) / databases (an upper bound)",
            "target latency overhead: mean over targets of (client's per-target seconds - agent work)",
            "client peak memory: VmHWM of the mig process from /proc/<pid>/status, polled until exit",
        ],
        targets,
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

fn report(r: &Results) {
    let verdict = |ok: bool| if ok { "meets goal" } else { "MISSES goal" };
    println!(
        "fleet rollout: {} agents, concurrency {}, {} rows per database ({})",
        r.agents, r.concurrency, r.rows, r.machine
    );
    println!("  wall time                {:>9.2} s", r.wall_seconds);
    println!(
        "  agents' work             {:>9.2} s summed, {:.2} s on the critical path",
        r.agent_work_sum_seconds, r.critical_path_seconds
    );
    println!(
        "  overhead per database    {:>9.1} ms   goal < {GOAL_OVERHEAD_MS} ms: {}",
        r.overhead_ms_per_database,
        verdict(r.overhead_ms_per_database < GOAL_OVERHEAD_MS)
    );
    println!(
        "  client peak memory       {:>9.1} MiB  goal < {GOAL_PEAK_MIB} MiB: {}",
        r.client_peak_mib,
        verdict(r.client_peak_mib < GOAL_PEAK_MIB)
    );
    println!(
        "  per-target latency added {:>9.1} ms (mean client seconds - agent work)",
        r.mean_target_latency_overhead_ms
    );
    for m in &r.method {
        println!("  - {m}");
    }
}
