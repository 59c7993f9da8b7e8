//! The tenant scenario's fixed cost (issue 16): `migrate`, `drain` and
//! `cutover` of one tiny database in process — the engine functions an agent
//! runs, default options — alternated with SQLite's own one-shot copies of
//! the same file (`VACUUM INTO`, and `ATTACH` + one `INSERT … SELECT` per
//! table), medians, with the time from each engine step to the next.
//! Beside the ratio of medians: the median of the alternated pairs' ratios,
//! wall and CPU (this process's user + system time across each side), and
//! the load average, since the machine is shared.

use std::path::Path;
use std::time::Instant;

use cpu_time::ProcessTime;

use mig::engine::ops::{self, CutoverOptions, DrainOptions, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use mig::engine::{Control, Ctx, Event};
use rusqlite::Connection;
use serde::Serialize;

use crate::fleet_agents::{seed, NEW_SCHEMA};

#[derive(Serialize, Debug, Default)]
pub struct FixedCost {
    pub rows: u64,
    pub reps: usize,
    pub migrate_ms: f64,
    pub drain_ms: f64,
    pub cutover_ms: f64,
    pub mig_total_ms: f64,
    pub vacuum_into_ms: f64,
    pub attach_insert_ms: f64,
    pub ratio_to_vacuum_into: f64,
    pub ratio_to_attach_insert: f64,
    /// Median over the repetitions of mig's total / `VACUUM INTO`, wall.
    pub pairs_ratio_to_vacuum_into: f64,
    /// The same with CPU time (user + system) on each side.
    pub pairs_cpu_ratio_to_vacuum_into: f64,
    pub mig_total_cpu_ms: f64,
    pub vacuum_into_cpu_ms: f64,
    /// The 1-minute load average, median over the repetitions.
    pub load_average: f64,
    /// Median milliseconds from each engine step to the next (`migrate:`
    /// and `drain:` prefixed; the first entry of each is its start).
    pub steps_ms: Vec<(String, f64)>,
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
pub fn fixed_cost(dir: &Path, customers: u64, reps: usize) -> FixedCost {
    let work = dir.join("fixed");
    std::fs::create_dir_all(&work).expect("fixed-cost folder");
    let template = work.join("template.db");
    seed(&template, customers);
    let schema = SchemaFile::parse("schema.sql", NEW_SCHEMA).expect("the shop's new schema");
    let (mut mig, mut migrate, mut drain, mut cutover) = (vec![], vec![], vec![], vec![]);
    let (mut vacuum, mut attach) = (vec![], vec![]);
    let (mut pairs, mut cpu_pairs, mut mig_cpu, mut vacuum_cpu, mut load) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut steps: Vec<(String, Vec<f64>)> = vec![];
    for i in 0..reps.max(3) {
        let old = work.join(format!("old-{i}.db"));
        std::fs::copy(&template, &old).expect("copying the tenant");
        let copy = work.join(format!("vacuum-{i}.db"));
        let (t, cpu) = (Instant::now(), ProcessTime::now());
        let c = Connection::open(&old).expect("open");
        c.execute("VACUUM INTO ?1", [copy.to_str().expect("path")])
            .expect("VACUUM INTO");
        drop(c);
        vacuum.push(ms(t));
        vacuum_cpu.push(cpu.elapsed().as_secs_f64() * 1000.0);
        attach.push(attach_insert(&old, &work.join(format!("attach-{i}.db"))));
        let spec = DatabaseSpec {
            old: Some(old.clone()),
            new: Some(work.join(format!("new-{i}.db"))),
            project: None,
        };
        let (t, cpu) = (Instant::now(), ProcessTime::now());
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
        let total_cpu = cpu.elapsed().as_secs_f64() * 1000.0;
        pairs.push(total / vacuum[vacuum.len() - 1]);
        cpu_pairs.push(total_cpu / vacuum_cpu[vacuum_cpu.len() - 1]);
        mig_cpu.push(total_cpu);
        load.push(crate::peak::load_average());
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
        pairs_ratio_to_vacuum_into: median(&mut pairs),
        pairs_cpu_ratio_to_vacuum_into: median(&mut cpu_pairs),
        mig_total_cpu_ms: median(&mut mig_cpu),
        vacuum_into_cpu_ms: median(&mut vacuum_cpu),
        load_average: median(&mut load),
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
