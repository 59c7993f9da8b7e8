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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mig::engine::ops::{self, CutoverOptions, DrainOptions, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use mig::engine::{Control, Ctx, Event};
use rusqlite::Connection;
use serde::Serialize;

use crate::fleet_agents::{seed, NEW_SCHEMA};

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
struct FixedCost {
    rows: u64,
    reps: usize,
    migrate_ms: f64,
    drain_ms: f64,
    cutover_ms: f64,
    mig_total_ms: f64,
    vacuum_into_ms: f64,
    attach_insert_ms: f64,
    ratio_to_vacuum_into: f64,
    ratio_to_attach_insert: f64,
    /// Median milliseconds from each engine step to the next (`migrate:`
    /// and `drain:` prefixed; the first entry of each is its start).
    steps_ms: Vec<(String, f64)>,
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
    writes_refused_draining: u64,
    fixed: FixedCost,
    method: Vec<&'static str>,
}

pub fn run(s: &Scenario, dir: &Path) {
    let fixed = fixed_cost(dir, s.customers, s.fixed_reps);
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
        writes_refused_draining: refused,
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

/// Runs `f` and times its steps: (step, ms until the next step or the end).
fn timed<T>(op: &str, f: impl FnOnce(&mut Ctx<'_>) -> T) -> (T, Vec<(String, f64)>) {
    let control = Control::default();
    let mut marks: Vec<(String, Instant)> = vec![(format!("{op}: start"), Instant::now())];
    let mut sink = |e: Event| {
        if let Event::Step { step, .. } = e {
            marks.push((format!("{op}: {step}"), Instant::now()));
        }
    };
    let out = f(&mut Ctx {
        control: &control,
        sink: &mut sink,
    });
    let end = Instant::now();
    let steps = marks
        .iter()
        .enumerate()
        .map(|(i, (name, at))| {
            let next = marks.get(i + 1).map_or(end, |m| m.1);
            (name.clone(), (next - *at).as_secs_f64() * 1000.0)
        })
        .collect();
    (out, steps)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The fixed cost of one tiny database, alternated with SQLite's own copy.
fn fixed_cost(dir: &Path, customers: u64, reps: usize) -> FixedCost {
    let work = dir.join("fixed");
    std::fs::create_dir_all(&work).expect("fixed-cost folder");
    let template = work.join("template.db");
    seed(&template, customers);
    let schema = SchemaFile::parse("schema.sql", NEW_SCHEMA).expect("the shop's new schema");
    let (mut mig, mut migrate, mut drain, mut cutover) = (vec![], vec![], vec![], vec![]);
    let (mut vacuum, mut attach) = (vec![], vec![]);
    let mut steps: Vec<(String, Vec<f64>)> = vec![];
    for i in 0..reps.max(3) {
        let old = work.join(format!("old-{i}.db"));
        std::fs::copy(&template, &old).expect("copying the tenant");
        let copy = work.join(format!("vacuum-{i}.db"));
        let t = Instant::now();
        let c = Connection::open(&old).expect("open");
        c.execute("VACUUM INTO ?1", [copy.to_str().expect("path")])
            .expect("VACUUM INTO");
        drop(c);
        vacuum.push(ms(t));
        attach.push(attach_insert(&old, &work.join(format!("attach-{i}.db"))));
        let spec = DatabaseSpec {
            old: Some(old.clone()),
            new: Some(work.join(format!("new-{i}.db"))),
            project: None,
        };
        let t = Instant::now();
        let (done, s1) = timed("migrate", |ctx| {
            ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)
        });
        done.expect("migrate");
        let m = ms(t);
        let (done, s2) = timed("drain", |ctx| {
            ops::drain(&spec, &DrainOptions::default(), ctx)
        });
        done.expect("drain");
        let d = ms(t) - m;
        for (name, v) in s1.into_iter().chain(s2) {
            match steps.iter_mut().find(|(n, _)| *n == name) {
                Some((_, all)) => all.push(v),
                None => steps.push((name, vec![v])),
            }
        }
        ops::cutover(&spec, &CutoverOptions::default()).expect("cutover");
        let total = ms(t);
        migrate.push(m);
        drain.push(d);
        cutover.push(total - m - d);
        mig.push(total);
    }
    let rows = customers * 41 / 10;
    let (total, v, a) = (median(&mut mig), median(&mut vacuum), median(&mut attach));
    FixedCost {
        rows,
        reps: reps.max(3),
        migrate_ms: median(&mut migrate),
        drain_ms: median(&mut drain),
        cutover_ms: median(&mut cutover),
        mig_total_ms: total,
        vacuum_into_ms: v,
        attach_insert_ms: a,
        ratio_to_vacuum_into: total / v,
        ratio_to_attach_insert: total / a,
        steps_ms: steps
            .into_iter()
            .map(|(n, mut v)| (n, median(&mut v)))
            .collect(),
    }
}

/// A new file with the old schema, every row copied by one `INSERT …
/// SELECT` per table through `ATTACH`, in one transaction.
fn attach_insert(old: &Path, new: &Path) -> f64 {
    let t = Instant::now();
    let c = Connection::open(new).expect("open");
    c.execute_batch(crate::fleet_agents::OLD_SCHEMA)
        .expect("old schema");
    c.execute("ATTACH ?1 AS old", [old.to_str().expect("path")])
        .expect("attach");
    let tables: Vec<String> = {
        let mut st = c
            .prepare("SELECT name FROM old.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .expect("tables");
        let names = st.query_map([], |r| r.get(0)).expect("tables");
        names.collect::<Result<_, _>>().expect("tables")
    };
    let mut sql = String::from("BEGIN;");
    for t in &tables {
        sql.push_str(&format!(
            "INSERT INTO main.\"{t}\" SELECT * FROM old.\"{t}\";"
        ));
    }
    sql.push_str("COMMIT;");
    c.execute_batch(&sql).expect("copy");
    drop(c);
    ms(t)
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
            .filter_map(|c| vm_hwm_kib(&format!("/proc/{}/status", c.id())))
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
                .filter(|v| v["fields"]["message"] == "job ended")
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

/// Service-like writers on the sample: one thread each, a small
/// transaction every 20 ms, refusals while draining counted.
struct Writers {
    stop: Arc<AtomicBool>,
    committed: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Writers {
    fn start(dbs: &[PathBuf]) -> Writers {
        let w = Writers {
            stop: Arc::default(),
            committed: Arc::default(),
            refused: Arc::default(),
            threads: vec![],
        };
        let threads = dbs
            .iter()
            .map(|db| {
                let (db, stop) = (db.clone(), Arc::clone(&w.stop));
                let (ok, no) = (Arc::clone(&w.committed), Arc::clone(&w.refused));
                std::thread::spawn(move || write_loop(&db, &stop, &ok, &no))
            })
            .collect();
        Writers { threads, ..w }
    }

    fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
        (
            self.committed.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
        )
    }
}

fn write_loop(db: &Path, stop: &AtomicBool, ok: &AtomicU64, refused: &AtomicU64) {
    let c = Connection::open(db).expect("writer connection");
    c.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let r = c.execute_batch(&format!(
            "BEGIN IMMEDIATE; INSERT INTO Customer(FirstName, LastName, Email, CreatedAt) VALUES ('W', 'Writer', 'w{i}-' || random() || '@x.org', '2026-03-01'); UPDATE Orders SET Status = 'paid' WHERE OrderId = {}; COMMIT;",
            1 + i % 50
        ));
        match r {
            Ok(()) => {
                ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                let _ = c.execute_batch("ROLLBACK");
                if e.to_string().contains("draining") {
                    refused.fetch_add(1, Ordering::Relaxed);
                } else {
                    panic!("writer on {}: {e}", db.display());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
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
        peak_kib = peak_kib.max(vm_hwm_kib(&format!("/proc/{pid}/status")).unwrap_or(0));
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

/// `VmHWM:   12345 kB` → 12345; None once the process is gone.
fn vm_hwm_kib(path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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
        "  writes                    {} committed, {} refused while draining",
        r.writes_committed, r.writes_refused_draining
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
