//! The fleet benchmark's tenant scenario (issue 16): A agents, each serving
//! a folder of T small databases (`[[database_set]]`), writers on a sample
//! of them, and one `mig fleet rollout` of every database (`databases =
//! "*"`) by one client at a stated concurrency — optionally killed after K
//! cut-overs and run again. Plus the fixed cost of one tiny database
//! (migrate + drain + cutover in process, as an agent runs them) against
//! SQLite's own one-shot copy of it, measured alternately. It reports; it
//! asserts nothing about time.
//!
//! Definitions (printed with the results):
//! - agent job time: the `seconds` of every migrate and drain job in the
//!   agents' JSON logs (`job ended`); cutover, plan, status and listing
//!   calls are not jobs, so their agent-side time counts as the client's.
//! - client overhead: the client's CPU time (utime + stime from
//!   /proc/<pid>/stat, read until it exits) over the agent job time. On a
//!   shared 2-core machine this is what the client takes from the agents.
//! - latency added per database: (concurrency × wall − agent job time) /
//!   databases, the time a slot was not spent in an agent job.
//! - peak memory: VmHWM of the client (polled until exit) and of each agent
//!   (read before it is stopped).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::fleet_agents::{seed, NEW_SCHEMA};
use crate::fleet_writers::Writers;

/// Goals from the issue.
const GOAL_OVERHEAD: f64 = 0.05;
const GOAL_CLIENT_MIB: f64 = 200.0;
const GOAL_AGENT_MIB: f64 = 128.0;
const GOAL_FIXED_RATIO: f64 = 5.0;

/// What the tenant scenario is asked to do.
pub struct Scenario {
    pub agents: usize,
    pub tenants: usize,
    /// Customers per tenant: about four times as many rows in all.
    pub customers: u64,
    pub concurrency: usize,
    pub writers: usize,
    pub kill_after: usize,
    pub fixed_reps: usize,
    pub poll: Duration,
    pub out: PathBuf,
}

#[derive(Serialize, Debug, Default)]
struct Results {
    agents: usize,
    databases: usize,
    rows_per_database: u64,
    concurrency: usize,
    writers: usize,
    machine: String,
    wall_seconds: f64,
    databases_per_second: f64,
    agent_job_seconds: f64,
    client_cpu_seconds: f64,
    client_overhead_ratio: f64,
    latency_added_ms_per_database: f64,
    client_peak_mib: f64,
    agent_peak_mib_max: f64,
    cut_over: usize,
    killed_after: usize,
    jobs_run_twice: usize,
    writes_committed: u64,
    writes_refused_by_mig: u64,
    fixed: crate::fleet_fixed::FixedCost,
    method: Vec<&'static str>,
}

pub fn run(s: &Scenario, dir: &Path) {
    let fixed = crate::fleet_fixed::fixed_cost(dir, s.customers, s.fixed_reps);
    let t = Instant::now();
    let mut site = Site::start(dir, s);
    println!(
        "started {} agents x {} tenants ({} rows each) in {:.1}s",
        s.agents,
        s.tenants,
        s.customers * 41 / 10,
        t.elapsed().as_secs_f64()
    );
    let writers = Writers::start(&site.sample(s.writers));
    let mut runs = Vec::new();
    if s.kill_after > 0 {
        runs.push(rollout(dir, s, Some(s.kill_after)));
    }
    runs.push(rollout(dir, s, None));
    let (committed, refused) = writers.stop();
    let agent_peak = site.peak_mib();
    site.stop();
    let jobs = site.jobs();
    let last = runs.last().map(|r| r.stdout.clone()).unwrap_or_default();
    let mut r = Results {
        agents: s.agents,
        databases: s.agents * s.tenants,
        rows_per_database: s.customers * 41 / 10,
        concurrency: s.concurrency,
        writers: s.writers,
        machine: crate::machine(),
        wall_seconds: runs.iter().map(|r| r.wall.as_secs_f64()).sum(),
        client_cpu_seconds: runs.iter().map(|r| r.cpu_seconds).sum(),
        client_peak_mib: runs.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0,
        agent_peak_mib_max: agent_peak,
        agent_job_seconds: jobs.values().map(|j| j.seconds).sum(),
        cut_over: cut_over(&last),
        killed_after: s.kill_after,
        jobs_run_twice: jobs.values().filter(|j| j.completed > 1).count(),
        writes_committed: committed,
        writes_refused_by_mig: refused,
        fixed,
        method: vec![
            "agent job time: sum of `seconds` of migrate and drain jobs in the agents' logs",
            "client overhead: client CPU (utime+stime, /proc) / agent job time",
            "latency added per database: (concurrency x wall - agent job time) / databases",
            "peak memory: VmHWM of the client (polled) and of each agent (before stopping it)",
            "fixed cost: migrate + drain + cutover in process on a copy of one tenant, alternated with VACUUM INTO and ATTACH + INSERT ... SELECT of the same file; medians",
        ],
        ..Results::default()
    };
    r.databases_per_second = r.databases as f64 / r.wall_seconds.max(1e-9);
    r.client_overhead_ratio = r.client_cpu_seconds / r.agent_job_seconds.max(1e-9);
    r.latency_added_ms_per_database =
        (s.concurrency as f64 * r.wall_seconds - r.agent_job_seconds) / r.databases as f64 * 1000.0;
    report(&r);
    let json = serde_json::to_string_pretty(&r).expect("results as JSON");
    if let Some(parent) = s.out.parent() {
        std::fs::create_dir_all(parent).expect("creating the results folder");
    }
    std::fs::write(&s.out, json).expect("writing the results");
    println!("results: {}", s.out.display());
    if r.cut_over != r.databases || r.jobs_run_twice > 0 {
        eprintln!("not every database was cut over exactly once: the figures are not valid");
        std::process::exit(1);
    }
}

/// Counts the targets the rollout's summary reports cut over.
fn cut_over(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "summary")
        .and_then(|v| {
            v["targets"]
                .as_array()
                .map(|t| t.iter().filter(|t| t["state"] == "cut over").count())
        })
        .unwrap_or(0)
}

/// The agents, each serving `home/tenants/*.db`.
struct Site {
    homes: Vec<PathBuf>,
    children: Vec<Child>,
}

impl Site {
    fn start(dir: &Path, s: &Scenario) -> Site {
        let certs = crate::fleet_agents::make_certs(dir);
        let template = dir.join("template.db");
        seed(&template, s.customers);
        let mut fleet = String::from(
            "[defaults]\nca = \"certs/ca.pem\"\ncert = \"certs/operator.pem\"\nkey = \"certs/operator-key.pem\"\nschema = \"schema.sql\"\n",
        );
        let mut site = Site {
            homes: vec![],
            children: vec![],
        };
        for a in 0..s.agents {
            let home = dir.join(format!("a{a:02}"));
            let tenants = home.join("tenants");
            std::fs::create_dir_all(&tenants).expect("tenants folder");
            for t in 0..s.tenants {
                std::fs::copy(&template, tenants.join(format!("t{t:05}.db"))).expect("tenant");
            }
            let config = format!(
                "listen = \"127.0.0.1:0\"\n\n[tls]\ncert = {:?}\nkey = {:?}\nclient_ca = {:?}\n\n[access]\noperators = [\"operator\"]\n\n[[database_set]]\ndir = \"tenants\"\npattern = \"*.db\"\n",
                certs.join("agent.pem"),
                certs.join("agent-key.pem"),
                certs.join("ca.pem"),
            );
            std::fs::write(home.join("agent.toml"), config).expect("agent.toml");
            let (child, port) = crate::spawn::agent(&home);
            fleet.push_str(&format!(
                "\n[[target]]\nname = \"a{a:02}\"\nagent = \"https://localhost:{port}\"\ndatabases = \"*\"\n"
            ));
            site.homes.push(home);
            site.children.push(child);
        }
        std::fs::write(dir.join("schema.sql"), NEW_SCHEMA).expect("schema.sql");
        std::fs::write(dir.join("fleet.toml"), fleet).expect("fleet.toml");
        site
    }

    /// `n` tenants spread over the agents.
    fn sample(&self, n: usize) -> Vec<PathBuf> {
        (0..n)
            .map(|i| {
                let home = &self.homes[i % self.homes.len()];
                home.join("tenants")
                    .join(format!("t{:05}.db", i / self.homes.len()))
            })
            .collect()
    }

    /// The largest agent VmHWM, MiB.
    fn peak_mib(&self) -> f64 {
        self.children
            .iter()
            .filter_map(|c| crate::peak::vm_hwm_kib(&format!("/proc/{}/status", c.id())))
            .max()
            .unwrap_or(0) as f64
            / 1024.0
    }

    fn stop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every (agent, database, kind): completed jobs and their seconds.
    fn jobs(&self) -> HashMap<String, Jobs> {
        let mut out: HashMap<String, Jobs> = HashMap::new();
        for home in &self.homes {
            let text = std::fs::read_to_string(home.join("agent.log")).expect("agent.log");
            for v in text
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|v| v["message"] == "job ended")
            {
                let f = &v["fields"];
                let kind = f["job"]
                    .as_str()
                    .unwrap_or("")
                    .split('-')
                    .next()
                    .unwrap_or("");
                let key = format!("{} {} {kind}", home.display(), f["database"]);
                let e = out.entry(key).or_default();
                e.seconds += f["seconds"].as_f64().unwrap_or(0.0);
                if f["outcome"]
                    .as_str()
                    .is_some_and(|o| o.contains("completed"))
                {
                    e.completed += 1;
                }
            }
        }
        out
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Default)]
struct Jobs {
    seconds: f64,
    completed: u32,
}

/// One run of the real client.
struct Run {
    wall: Duration,
    cpu_seconds: f64,
    peak_kib: u64,
    stdout: String,
}

/// Runs `mig --json fleet rollout --yes`, sampling its /proc files; with
/// `kill_after`, SIGKILLs it once that many targets are cut over.
fn rollout(dir: &Path, s: &Scenario, kill_after: Option<usize>) -> Run {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mig"))
        .current_dir(dir)
        .args(["--json", "fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .args(["--concurrency", &s.concurrency.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawning mig");
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                return;
            }
        }
    });
    let (mut peak_kib, mut cpu, mut out, mut cut) = (0, 0.0, String::new(), 0);
    loop {
        peak_kib =
            peak_kib.max(crate::peak::vm_hwm_kib(&format!("/proc/{pid}/status")).unwrap_or(0));
        cpu = cpu_seconds(pid).unwrap_or(cpu);
        while let Ok(line) = lines_rx.try_recv() {
            if line.contains("\"state\":\"cut over\"") && line.contains("\"event\":\"state\"") {
                cut += 1;
            }
            out.push_str(&line);
            out.push('\n');
        }
        if kill_after.is_some_and(|k| cut >= k) {
            let _ = child.kill();
            let _ = child.wait();
            println!("killed the client after {cut} cut-overs");
            break;
        }
        if child.try_wait().expect("waiting for mig").is_some() {
            break;
        }
        std::thread::sleep(s.poll);
    }
    let _ = reader.join();
    while let Ok(line) = lines_rx.try_recv() {
        out.push_str(&line);
        out.push('\n');
    }
    Run {
        wall: t.elapsed(),
        cpu_seconds: cpu,
        peak_kib,
        stdout: out,
    }
}

/// utime + stime of a live process, in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn report(r: &Results) {
    let verdict = |ok: bool| if ok { "meets goal" } else { "MISSES goal" };
    println!(
        "tenant rollout: {} agents x {} databases ({} rows each), concurrency {}, {} writers ({})",
        r.agents,
        r.databases / r.agents.max(1),
        r.rows_per_database,
        r.concurrency,
        r.writers,
        r.machine
    );
    println!("  wall time                 {:>9.2} s ({} cut over, {} jobs run twice, client killed after {})", r.wall_seconds, r.cut_over, r.jobs_run_twice, r.killed_after);
    println!(
        "  databases per second      {:>9.1}",
        r.databases_per_second
    );
    println!(
        "  agent job time            {:>9.2} s (migrate + drain jobs)",
        r.agent_job_seconds
    );
    println!(
        "  client overhead           {:>9.3} (client CPU {:.2} s / agent job time)  goal <= {GOAL_OVERHEAD}: {}",
        r.client_overhead_ratio,
        r.client_cpu_seconds,
        verdict(r.client_overhead_ratio <= GOAL_OVERHEAD)
    );
    println!(
        "  latency added per db      {:>9.1} ms (a slot not in an agent job)",
        r.latency_added_ms_per_database
    );
    println!(
        "  client peak memory        {:>9.1} MiB  goal <= {GOAL_CLIENT_MIB}: {}",
        r.client_peak_mib,
        verdict(r.client_peak_mib <= GOAL_CLIENT_MIB)
    );
    println!(
        "  agent peak memory (max)   {:>9.1} MiB  goal <= {GOAL_AGENT_MIB}: {}",
        r.agent_peak_mib_max,
        verdict(r.agent_peak_mib_max <= GOAL_AGENT_MIB)
    );
    println!(
        "  writes                    {} committed, {} refused by mig (draining, then retired)",
        r.writes_committed, r.writes_refused_by_mig
    );
    let f = &r.fixed;
    println!(
        "  fixed cost ({} rows)     migrate {:.2} + drain {:.2} + cutover {:.2} = {:.2} ms; VACUUM INTO {:.2} ms, ATTACH+INSERT {:.2} ms",
        f.rows, f.migrate_ms, f.drain_ms, f.cutover_ms, f.mig_total_ms, f.vacuum_into_ms, f.attach_insert_ms
    );
    println!(
        "  fixed cost ratio          {:>9.2}x VACUUM INTO, {:.2}x ATTACH+INSERT  goal <= {GOAL_FIXED_RATIO}x: {}",
        f.ratio_to_vacuum_into,
        f.ratio_to_attach_insert,
        verdict(f.ratio_to_vacuum_into <= GOAL_FIXED_RATIO)
    );
    let steps: Vec<String> = f
        .steps_ms
        .iter()
        .map(|(n, v)| format!("{n} {v:.2}"))
        .collect();
    println!("  fixed cost by step (ms)   {}", steps.join(", "));
    for m in &r.method {
        println!("  - {m}");
    }
}
