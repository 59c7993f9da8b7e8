//! The write outage on a database of many small tables (1,000 tables of 5
//! rows, each given a column): nothing mig holds a write lock for while a
//! service writes may grow with the table count. A writer in its own
//! process writes to three of the tables throughout; mig's figure agrees
//! with the refusal it felt (`drain --cutover`, and `drain` then
//! `cutover`; what it felt includes its readiness check on the new
//! database, which parses the schema there), the new database's migrating
//! guards are gone with the cutover's commit (a killed cutover keeps them
//! all; the next one removes them). Each test
//! checks the oracle. The longest wait of any write at each step is
//! printed (`--nocapture`): the figures of docs/benchmarks.md's "many
//! tables".

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use crate::cli::harness::{mig_with_env, Project};
use crate::outage::{drain_summary, files};
use crate::support::oracle::{self, Oracle};
use crate::support::writer_process::{
    AfterReady, Outcome, WriterLog, WriterProcess, WriterSpec, NEXT_WRITE,
};

/// The tables of the old database: 1,000, or `MIG_TEST_MANY_TABLES` (the
/// benchmarks' 100 and 5,000).
fn tables() -> usize {
    std::env::var("MIG_TEST_MANY_TABLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000)
}
const ROWS: usize = 5;

/// The service's writes, taking turns: the first, a middle and the last table.
fn writes() -> String {
    [0, tables() / 2, tables() - 1]
        .map(|i| format!("INSERT INTO t{i}(v) VALUES ('w' || ?1)"))
        .join(NEXT_WRITE)
}

/// An old database of [`tables()`] tables of [`ROWS`] rows, and the schema
/// that gives each a column.
fn many_tables() -> Project {
    let p = Project::empty("many-tables");
    let conn = Connection::open(p.path("old.db")).expect("old.db");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    let mut old = String::from("BEGIN;\n");
    let mut schema = String::new();
    for i in 0..tables() {
        old.push_str(&format!(
            "CREATE TABLE t{i}(id INTEGER PRIMARY KEY, v TEXT);\n\
             WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {ROWS}) \
             INSERT INTO t{i}(v) SELECT 'r' || k FROM n;\n"
        ));
        schema.push_str(&format!(
            "CREATE TABLE t{i}(id INTEGER PRIMARY KEY, v TEXT, extra TEXT);\n"
        ));
    }
    old.push_str("COMMIT;");
    conn.execute_batch(&old).expect("the old tables");
    p.write("schema.sql", &schema);
    p
}

/// Every table of the new database against `SELECT id, v, NULL` over the
/// final old one.
fn assert_oracle(p: &Project) {
    let transform: String = (0..tables())
        .map(|i| format!("CREATE TABLE t{i} AS SELECT id, v, NULL AS extra FROM old.t{i};\n"))
        .collect();
    let row = "quote(id) || '|' || quote(v) || '|' || quote(extra)";
    let checks: Vec<(String, String)> = (0..tables())
        .map(|i| {
            (
                format!("SELECT {row} FROM main.t{i} ORDER BY id"),
                format!("SELECT {row} FROM new.t{i} ORDER BY id"),
            )
        })
        .collect();
    let checks: Vec<(&str, &str)> = checks
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let oracle = Oracle {
        transform: &transform,
        checks: &checks,
    };
    let compared = oracle::compare(&p.path("old.db"), &p.path("new.db"), &oracle);
    assert!(compared >= tables() * ROWS, "{compared} rows compared");
}

fn migrating_guards(db: &Path) -> i64 {
    Connection::open(db)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_mig\\_migrating\\_%' ESCAPE '\\'",
                [],
                |r| r.get(0),
            )
        })
        .expect("counting the migrating guards")
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Runs `mig args` in `p`; returns (start µs, end µs, stdout).
fn step(p: &Project, args: &[&str], env: &[(&str, &str)]) -> (i64, i64, String) {
    let start = now_us();
    let run = mig_with_env(&p.dir, args, env);
    let end = now_us();
    assert_eq!(run.code, 0, "{args:?}: {run:#?}");
    (start, end, run.stdout)
}

/// The longest any write the writer started in `[from, to]` waited (ms).
fn longest_wait(log: &WriterLog, (from, to): (i64, i64)) -> f64 {
    log.attempts
        .iter()
        .filter(|(s, _, _)| (from..=to).contains(s))
        .map(|(s, e, _)| (e - s) as f64 / 1000.0)
        .fold(0.0, f64::max)
}

fn writer(p: &Project, after: AfterReady) -> WriterProcess {
    let sql = writes();
    let mut w = WriterProcess::start_then(
        &p.dir,
        &WriterSpec {
            old: &p.path("old.db"),
            new: &p.path("new.db"),
            sql: &sql,
            pace: Duration::from_micros(100),
        },
        after,
    );
    w.wait_for(Outcome::Ok, 20);
    w
}

#[test]
fn many_tables_drain_cutover_reports_the_refusal_a_writer_process_saw() {
    let p = many_tables();
    let mut w = writer(&p, AfterReady::Stop);
    let migrate = step(&p, &files("migrate", &["--schema", "schema.sql"]), &[]);
    let drain = step(&p, &files("drain", &["--cutover", "--json"]), &[]);
    w.wait_for(Outcome::Ready, 1);
    let log = w.stop();
    let summary = drain_summary(&drain.2);
    let reported = summary["refusedMs"].as_f64().expect("refusedMs");
    eprintln!(
        "{} tables, longest write: migrate {:.1} ms, drain --cutover {:.1} ms",
        tables(),
        longest_wait(&log, (migrate.0, migrate.1)),
        longest_wait(&log, (drain.0, drain.1))
    );
    crate::outage::assert_reported_matches(&log, reported);
    assert_eq!(migrating_guards(&p.path("new.db")), 0);
    assert_oracle(&p);
}

/// `drain` then `cutover` while a writer process writes to three of the
/// tables: writes go on during drain (none fails, some go through), and
/// once drain returns every table has three triggers ready to refuse
/// after cutover (the recording triggers carrying the refusals, or guards
/// drain armed for a recording by an older mig), mig's figure agrees with
/// the refusal the writer felt, and the oracle. Printed: how long drain
/// took, the longest accepted write during it, and whether it changed the
/// old schema (with the refusals carried it does not).
#[test]
fn many_tables_drain_then_cutover_reports_the_refusal_a_writer_process_saw() {
    let p = many_tables();
    let mut w = writer(&p, AfterReady::Stop);
    let migrate = step(&p, &files("migrate", &["--schema", "schema.sql"]), &[]);
    let version = schema_version(&p.path("old.db"));
    let drain = step(&p, &files("drain", &[]), &[]);
    w.wait_for(Outcome::Refused, 1);
    let drain_changed_schema = schema_version(&p.path("old.db")) != version;
    assert_eq!(refusing_ahead(&p.path("old.db")), 3 * tables() as i64);
    let cutover = step(&p, &["cutover", "--new", "new.db", "--json"], &[]);
    w.wait_for(Outcome::Ready, 1);
    let log = w.stop();
    let report: serde_json::Value = serde_json::from_str(cutover.2.trim()).expect("JSON");
    let reported = report["writesRefusedMs"].as_f64().expect("writesRefusedMs");
    let (accepted, longest) = accepted_writes(&log, (drain.0, drain.1));
    eprintln!(
        "{} tables: migrate took {:.0} ms, its longest write {:.1} ms; drain took {:.0} ms (old schema changed: {drain_changed_schema}), the longest accepted write waited {longest:.1} ms ({accepted} writes); refused to the end of cutover, the longest write {:.1} ms; mig's figure {reported:.1} ms",
        tables(),
        (migrate.1 - migrate.0) as f64 / 1000.0,
        longest_wait(&log, (migrate.0, migrate.1)),
        (drain.1 - drain.0) as f64 / 1000.0,
        longest_wait(&log, (drain.1, cutover.1))
    );
    assert!(accepted > 0, "no write went through while drain ran");
    crate::outage::assert_reported_matches(&log, reported);
    assert_eq!(migrating_guards(&p.path("new.db")), 0);
    assert_oracle(&p);
}

/// The writes the writer started in `[from, to]` that were accepted, and
/// the longest of them (ms).
fn accepted_writes(log: &WriterLog, (from, to): (i64, i64)) -> (usize, f64) {
    let waits: Vec<f64> = log
        .attempts
        .iter()
        .filter(|(s, _, o)| (from..=to).contains(s) && *o == Outcome::Ok)
        .map(|(s, e, _)| (e - s) as f64 / 1000.0)
        .collect();
    (waits.len(), waits.iter().copied().fold(0.0, f64::max))
}

/// The old database's triggers that will refuse once cutover switches
/// the marker: recording triggers carrying the refusals, or guards drain
/// armed (inert until then).
fn refusing_ahead(db: &Path) -> i64 {
    Connection::open(db)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND (instr(sql, ?1) > 0 OR instr(sql, ?2) > 0 OR name LIKE '\\_mig\\_guard\\_%' ESCAPE '\\' AND sql LIKE '%IN (''standby'', ''retired'')%')",
                [mig::engine::record::CARRIED, mig::engine::record::CARRIED_INLINE],
                |r| r.get(0),
            )
        })
        .expect("counting the triggers ready to refuse")
}

fn schema_version(db: &Path) -> i64 {
    Connection::open(db)
        .and_then(|c| c.pragma_query_value(None, "schema_version", |r| r.get(0)))
        .expect("the schema version")
}

/// `migrate` installs 3,000 recording triggers on the old database while
/// a writer process writes to three of its tables: no write of the
/// service fails (a schema changed under it too often fails with "database
/// schema has changed"; the writer panics on any error), every table
/// records, and after `drain --cutover` the new database equals the
/// oracle over the final old one (no write between two install
/// transactions lost). The longest write during migrate is printed.
#[test]
fn many_tables_migrate_records_every_table_while_a_writer_process_writes() {
    let p = many_tables();
    let mut w = writer(&p, AfterReady::Stop);
    let migrate = step(&p, &files("migrate", &["--schema", "schema.sql"]), &[]);
    let recording = Connection::open(p.path("old.db"))
        .and_then(|c| {
            c.query_row(
                "SELECT count(DISTINCT tbl_name) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\' AND name NOT LIKE '\\_mig\\_guard\\_%' ESCAPE '\\' AND name <> ?1",
                [mig::engine::record::REFUSAL],
                |r| r.get::<_, i64>(0),
            )
        })
        .expect("counting the recorded tables");
    assert_eq!(recording, tables() as i64);
    let during = w.log();
    eprintln!(
        "{} tables: migrate took {:.0} ms, the longest write waited {:.1} ms ({} writes)",
        tables(),
        (migrate.1 - migrate.0) as f64 / 1000.0,
        longest_wait(&during, (migrate.0, migrate.1)),
        during
            .attempts
            .iter()
            .filter(|(s, _, _)| (migrate.0..=migrate.1).contains(s))
            .count()
    );
    step(&p, &files("drain", &["--cutover"]), &[]);
    w.wait_for(Outcome::Ready, 1);
    w.stop();
    assert_oracle(&p);
}

/// Every step of the runbook with a revert window, the writer writing to
/// the old database throughout (refused from the drain on): the longest
/// wait of a write at each step, printed; the guards gone, the oracle.
#[test]
fn many_tables_every_step_of_the_runbook_with_a_writer_on_the_old_database() {
    let p = many_tables();
    let w = writer(&p, AfterReady::KeepWriting);
    let steps: [(&str, Vec<&str>); 5] = [
        ("migrate", files("migrate", &["--schema", "schema.sql"])),
        ("drain", files("drain", &[])),
        (
            "cutover (standby)",
            vec!["cutover", "--new", "new.db", "--revert-window", "1h"],
        ),
        ("finalize", files("finalize", &[])),
        ("cleanup-old", files("cleanup-old", &[])),
    ];
    let mut spans = Vec::new();
    for (name, args) in &steps {
        let (start, end, _) = step(&p, args, &[]);
        spans.push((*name, start, end));
    }
    let log = w.stop();
    for (name, start, end) in spans {
        eprintln!(
            "{} tables: {name} took {:.0} ms, the longest write waited {:.1} ms",
            tables(),
            (end - start) as f64 / 1000.0,
            longest_wait(&log, (start, end))
        );
    }
    assert_eq!(migrating_guards(&p.path("new.db")), 0);
    assert_oracle(&p);
}

/// A cutover killed right before its commit leaves every migrating guard
/// refusing writes to the new database; the next cutover removes them all
/// with the commit that makes it ready: no `_mig_migrating_*` trigger is
/// left, the new service's write goes through, status sees no drift, and
/// SQLite's integrity check finds the file sound.
#[test]
fn many_tables_cutover_removes_every_migrating_guard_with_its_commit_and_a_killed_one_keeps_them_all(
) {
    let p = many_tables();
    step(&p, &files("migrate", &["--schema", "schema.sql"]), &[]);
    step(&p, &files("drain", &[]), &[]);
    let killed = mig_with_env(
        &p.dir,
        &["cutover", "--new", "new.db"],
        &[("MIG_FAILPOINT", "cutover.before-commit")],
    );
    assert_ne!(killed.code, 0, "{killed:#?}");
    assert_eq!(migrating_guards(&p.path("new.db")), 3 * tables() as i64);
    let refused = Connection::open(p.path("new.db"))
        .and_then(|c| c.execute("INSERT INTO t7(v, extra) VALUES ('too early', 'x')", []))
        .expect_err("a migrating guard refuses writes before cutover");
    assert!(refused.to_string().contains("migrat"), "{refused}");
    step(&p, &["cutover", "--new", "new.db"], &[]);
    assert_eq!(migrating_guards(&p.path("new.db")), 0);
    assert_oracle(&p);
    let new = Connection::open(p.path("new.db")).expect("new.db");
    new.execute("INSERT INTO t7(v, extra) VALUES ('new service', 'x')", [])
        .expect("the new database takes writes after cutover");
    let (triggers, check): (i64, String) = new
        .query_row(
            "SELECT (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_migrating\\_%' ESCAPE '\\'), \
             (SELECT group_concat(integrity_check) FROM pragma_integrity_check)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("reading the new catalog");
    assert_eq!((triggers, check.as_str()), (0, "ok"));
    let status = step(&p, &files("status", &[]), &[]).2;
    assert!(!status.contains("drift"), "{status}");
}

/// A cleanup-old killed after its first paced transaction: every table of
/// the old database still refuses writes (retired), `status` sees no drift,
/// and the next `cleanup-old` finishes it: the marker gone, an
/// unconditional retired guard on each write of each table.
#[test]
fn many_tables_cleanup_old_killed_between_its_transactions_keeps_refusing_and_is_finished_by_the_next(
) {
    let p = many_tables();
    step(&p, &files("migrate", &["--schema", "schema.sql"]), &[]);
    step(&p, &files("drain", &["--cutover"]), &[]);
    let killed = mig_with_env(
        &p.dir,
        &files("cleanup-old", &[]),
        &[("MIG_FAILPOINT", "cleanup.after-batch")],
    );
    assert_ne!(killed.code, 0, "{killed:#?}");
    let old = Connection::open(p.path("old.db")).expect("old.db");
    for i in [0, tables() / 2, tables() - 1] {
        let refused = old
            .execute(&format!("INSERT INTO t{i}(v) VALUES ('late')"), [])
            .expect_err("a retired table refuses writes");
        assert!(refused.to_string().contains("retired"), "{refused}");
    }
    let status = step(&p, &files("status", &[]), &[]).2;
    assert!(!status.contains("drift"), "{status}");
    step(&p, &files("cleanup-old", &[]), &[]);
    let (marker, guards): (i64, i64) = old
        .query_row(
            "SELECT (SELECT count(*) FROM sqlite_schema WHERE name = '_migration_marker'), \
             (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_guard\\_%' ESCAPE '\\' AND sql NOT LIKE '%_migration_marker%')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("reading the old catalog");
    assert_eq!((marker, guards), (0, 3 * tables() as i64));
    assert_oracle(&p);
}

/// `migrate` changes the old schema once while a service writes: a
/// writer process with SQLite's own busy handler sees the schema version
/// change at most once from before migrate to after it (so it reloads
/// the schema once; the paced install made it reload after each of its
/// transactions, 23 at 1,000 tables), and every table records. Printed
/// (`MIG_TEST_MANY_TABLES` for other sizes): how long migrate took, the
/// writer's longest write and 99th percentile during it, and how many
/// schema changes it saw.
#[test]
fn many_tables_migrate_changes_the_schema_a_writer_process_sees_once() {
    let p = many_tables();
    let sql = writes();
    let mut w = WriterProcess::start_observing(
        &p.dir,
        &WriterSpec {
            old: &p.path("old.db"),
            new: &p.path("new.db"),
            sql: &sql,
            pace: Duration::from_micros(100),
        },
    );
    w.wait_for(Outcome::Ok, 20);
    let migrate = step(&p, &files("migrate", &["--schema", "schema.sql"]), &[]);
    let seen = w.log().attempts.len();
    w.wait_for(Outcome::Ok, seen + 20);
    let log = w.stop();
    assert_eq!(
        log.versions.len(),
        log.attempts.len(),
        "a version each write"
    );
    let changes = log.versions.windows(2).filter(|v| v[0] != v[1]).count();
    let mut waits: Vec<f64> = log
        .attempts
        .iter()
        .filter(|(s, _, _)| (migrate.0..=migrate.1).contains(s))
        .map(|(s, e, _)| (e - s) as f64 / 1000.0)
        .collect();
    waits.sort_by(f64::total_cmp);
    let p99 = waits.get(waits.len() * 99 / 100).copied().unwrap_or(0.0);
    eprintln!(
        "{} tables: migrate took {:.0} ms; the writer's longest write {:.1} ms, p99 {p99:.1} ms ({} writes); schema changes it saw: {changes}",
        tables(),
        (migrate.1 - migrate.0) as f64 / 1000.0,
        waits.last().copied().unwrap_or(0.0),
        waits.len(),
    );
    assert_eq!(recorded_tables(&p.path("old.db")), tables() as i64);
    assert!(
        changes <= 1,
        "the writer saw the schema change {changes} times"
    );
}

/// The old database's tables with recording triggers.
fn recorded_tables(db: &Path) -> i64 {
    Connection::open(db)
        .and_then(|c| {
            c.query_row(
                "SELECT count(DISTINCT tbl_name) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\' AND name NOT LIKE '\\_mig\\_guard\\_%' ESCAPE '\\' AND name <> ?1",
                [mig::engine::record::REFUSAL],
                |r| r.get::<_, i64>(0),
            )
        })
        .expect("counting the recorded tables")
}
