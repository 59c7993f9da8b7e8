//! `mig verify --queries FILE.sql`: a query baseline. Each read-only query
//! of the file runs on the old and on the new database, alternately and
//! several times; the medians give a ratio, and a query more than
//! [`SLOWER_RATIO`] times slower on the new database (a lost index, most
//! likely) is flagged.
//!
//! The file is split into statements by SQLite itself (`rusqlite::Batch`,
//! which prepares one statement and goes on from its tail), never by `;`,
//! so strings, comments and trigger-like bodies cannot mislead it. A
//! `-- mig:old <sql>` comment line (one or more, joined) directly above a
//! query is the old database's version of it, for renamed tables or
//! columns. Only statements SQLite calls read-only (`Statement::readonly`)
//! run, on read-only connections; anything else refuses the whole file
//! before a query runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::{Batch, Connection, Statement};

use crate::engine::error::{EngineError, Result, SchemaPos, SqlContext};
use crate::engine::{Ctx, Event};

/// Timed runs per query and database unless the request says otherwise.
pub const RUNS: u32 = 5;
/// A query slower than this ratio (new / old) is flagged.
pub const SLOWER_RATIO: f64 = 2.0;
/// ...and only when it is also slower by this many milliseconds: below
/// that, timer and cache noise can double a sub-millisecond query.
pub const NOISE_MS: f64 = 0.2;
/// A query stops being repeated once its runs took this long in total.
const BUDGET_SECS: f64 = 10.0;
/// One run longer than this is interrupted (and the baseline fails), so a
/// runaway query cannot hold the job past cancel or shutdown.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// One query of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// 1-based position in the file.
    pub number: u32,
    /// The line it starts on (1-based).
    pub line: u32,
    /// The query for the new database.
    pub sql: String,
    /// The query for the old database (the same unless `-- mig:old`).
    pub old_sql: String,
}

/// The baseline of one query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTiming {
    pub number: u32,
    pub line: u32,
    pub sql: String,
    pub old_sql: String,
    pub old_ms: f64,
    pub new_ms: f64,
    pub ratio: f64,
    pub slower: bool,
    pub rows: u64,
    pub runs: u32,
}

/// A query the file must not hold: `file:line: what` (INVALID_ARGUMENT).
fn refused(file: &str, line: u32, what: String) -> EngineError {
    EngineError::Schema {
        pos: SchemaPos {
            file: file.to_string(),
            line: line as usize,
            column: 0,
        },
        message: what,
    }
}

/// Splits `text` into its queries, preparing each on `new` (so a query the
/// new schema cannot run is refused with SQLite's reason).
pub fn split(new: &Connection, file: &str, text: &str) -> Result<Vec<Query>> {
    identifiers_only(new)?;
    let mut batch = Batch::new(new, text);
    let mut queries = Vec::new();
    let mut offset = 0usize;
    loop {
        let number = queries.len() as u32 + 1;
        let stmt = match batch.next() {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(e) => {
                return Err(refused(
                    file,
                    line_at(text, offset),
                    format!("query {number} (at or after this line) does not prepare on the new database: {e}"),
                ))
            }
        };
        let whole = stmt.expanded_sql().unwrap_or_default();
        let start = match text
            .get(offset..)
            .and_then(|rest| rest.find(whole.as_str()))
        {
            Some(i) => offset + i,
            None => offset,
        };
        let (old_override, body, body_at) = directives(&whole);
        let line = line_at(text, start + body_at);
        check(&stmt, file, number, line, "new")?;
        for sql in std::iter::once(&body).chain(old_override.as_ref()) {
            if !is_query(sql) {
                return Err(refused(
                    file,
                    line,
                    format!("query {number} is not a SELECT, WITH or VALUES query; the query file may hold only queries"),
                ));
            }
        }
        offset = start + whole.len();
        queries.push(Query {
            number,
            line,
            old_sql: old_override.unwrap_or_else(|| body.clone()),
            sql: body,
        });
    }
    Ok(queries)
}

/// SQLite calls ATTACH, DETACH and some PRAGMAs read-only too (they change
/// no file), but ATTACH would let a request open any path on the agent's
/// host: only plain queries may run.
fn is_query(sql: &str) -> bool {
    let first: String = sql
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    ["SELECT", "WITH", "VALUES"]
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
}

fn check(stmt: &Statement<'_>, file: &str, number: u32, line: u32, side: &str) -> Result<()> {
    if stmt.parameter_count() > 0 {
        return Err(refused(
            file,
            line,
            format!("query {number} has parameters; write the values into it"),
        ));
    }
    if !stmt.readonly() {
        return Err(refused(
            file,
            line,
            format!("query {number} is not read-only on the {side} database; the query file may hold only queries (SELECT, WITH …)"),
        ));
    }
    Ok(())
}

/// The `-- mig:old` override, the query without its leading comments, and
/// where that query starts in `whole`.
fn directives(whole: &str) -> (Option<String>, String, usize) {
    let mut old = Vec::new();
    let mut at = 0;
    for line in whole.split_inclusive('\n') {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("-- mig:old") {
            old.push(rest.trim().to_string());
        } else if !(t.is_empty() || t.starts_with("--")) {
            break;
        }
        at += line.len();
    }
    let body = whole[at..].trim().trim_end_matches(';').trim().to_string();
    let lead = whole[at..].len() - whole[at..].trim_start().len();
    let old = (!old.is_empty()).then(|| old.join(" ").trim_end_matches(';').trim().to_string());
    (old, body, at + lead)
}

fn line_at(text: &str, offset: usize) -> u32 {
    text.get(..offset.min(text.len()))
        .map_or(0, |s| s.matches('\n').count() as u32 + 1)
}

/// Turns off SQLite's legacy fallback that reads a double-quoted name no
/// column has as a string: `SELECT "OldName" FROM t` on the new database
/// would otherwise return the text `OldName` and be timed as if it worked.
/// Only on the read-only connections that run the query file.
fn identifiers_only(conn: &Connection) -> Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)
        .map(|_| ())
        .ctx(|| "turning off double-quoted string literals for the query baseline".into())
}

/// Times every query on `old` and `new` (both read-only connections):
/// one untimed run each to warm the caches, then `runs` timed runs each,
/// alternating which database goes first.
pub fn time_all(
    old: &Connection,
    new: &Connection,
    file: &str,
    queries: &[Query],
    runs: u32,
    ctx: &mut Ctx<'_>,
) -> Result<Vec<QueryTiming>> {
    identifiers_only(old)?;
    identifiers_only(new)?;
    let deadline = Deadline::install(&[old, new], RUN_LIMIT);
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        ctx.control.check()?;
        let mut o = old.prepare(&q.old_sql).map_err(|e| {
            refused(file, q.line, format!("query {} does not prepare on the old database: {e}; add a `-- mig:old <sql>` line above it", q.number))
        })?;
        check(&o, file, q.number, q.line, "old")?;
        let mut n = new.prepare(&q.sql).map_err(|e| {
            refused(
                file,
                q.line,
                format!(
                    "query {} does not prepare on the new database: {e}",
                    q.number
                ),
            )
        })?;
        let t = time_one(&mut o, &mut n, q, runs.max(1), &deadline, ctx)?;
        (ctx.sink)(Event::Notice {
            warn: t.slower,
            message: format!(
                "query {} (line {}): old {:.3} ms, new {:.3} ms, {:.2}x{}",
                t.number,
                t.line,
                t.old_ms,
                t.new_ms,
                t.ratio,
                if t.slower {
                    " — more than 2x slower on the new database (a lost index?)"
                } else {
                    ""
                }
            ),
        });
        out.push(t);
    }
    Ok(out)
}

fn time_one<'c>(
    o: &mut Statement<'c>,
    n: &mut Statement<'c>,
    q: &Query,
    runs: u32,
    deadline: &Deadline,
    ctx: &mut Ctx<'_>,
) -> Result<QueryTiming> {
    let ctx_of = |side: &str| {
        format!(
            "running query {} (line {}) on the {side} database (a run may take at most {} s)",
            q.number,
            q.line,
            RUN_LIMIT.as_secs()
        )
    };
    let step_all = |stmt: &mut Statement<'c>| {
        deadline.arm();
        step_all(stmt)
    };
    step_all(o).map_err(|e| EngineError::Precondition(format!("{}: {e}", ctx_of("old"))))?;
    let (_, rows) =
        step_all(n).map_err(|e| EngineError::Precondition(format!("{}: {e}", ctx_of("new"))))?;
    let (mut old_ms, mut new_ms) = (Vec::new(), Vec::new());
    let started = Instant::now();
    for i in 0..runs {
        ctx.control.check()?;
        let order: [bool; 2] = if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_old in order {
            let (stmt, into, side) = if is_old {
                (&mut *o, &mut old_ms, "old")
            } else {
                (&mut *n, &mut new_ms, "new")
            };
            let (ms, _) = step_all(stmt)
                .map_err(|e| EngineError::Precondition(format!("{}: {e}", ctx_of(side))))?;
            into.push(ms);
        }
        if started.elapsed().as_secs_f64() > BUDGET_SECS {
            break;
        }
    }
    let (old_med, new_med) = (median(&mut old_ms), median(&mut new_ms));
    let ratio = new_med / old_med.max(1e-6);
    Ok(QueryTiming {
        number: q.number,
        line: q.line,
        sql: q.sql.clone(),
        old_sql: q.old_sql.clone(),
        old_ms: old_med,
        new_ms: new_med,
        ratio,
        slower: ratio > SLOWER_RATIO && new_med - old_med > NOISE_MS,
        rows,
        runs: old_ms.len() as u32,
    })
}

/// Interrupts a statement on the connections it is installed on once the
/// current run has taken longer than [`RUN_LIMIT`] (SQLite's progress
/// handler, called every few thousand virtual-machine steps).
struct Deadline {
    started: Instant,
    limit: Duration,
    /// Microseconds since `started` after which a run is interrupted.
    at_us: Arc<AtomicU64>,
}

impl Deadline {
    fn install(conns: &[&Connection], limit: Duration) -> Deadline {
        let d = Deadline {
            started: Instant::now(),
            limit,
            at_us: Arc::new(AtomicU64::new(u64::MAX)),
        };
        for c in conns {
            let (started, at) = (d.started, Arc::clone(&d.at_us));
            c.progress_handler(
                10_000,
                Some(move || started.elapsed().as_micros() as u64 > at.load(Ordering::Relaxed)),
            );
        }
        d
    }

    /// Starts the clock of one run.
    fn arm(&self) {
        let at = self.started.elapsed() + self.limit;
        self.at_us.store(at.as_micros() as u64, Ordering::Relaxed);
    }
}

/// Steps through every row; returns the milliseconds it took and the rows.
fn step_all(stmt: &mut Statement<'_>) -> rusqlite::Result<(f64, u64)> {
    let t = Instant::now();
    let mut rows = stmt.query([])?;
    let mut n = 0u64;
    while rows.next()?.is_some() {
        n += 1;
    }
    Ok((t.elapsed().as_secs_f64() * 1000.0, n))
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().expect("memory db");
        c.execute_batch("CREATE TABLE t(a, b TEXT); CREATE TABLE u(x);")
            .expect("schema");
        c
    }

    #[test]
    fn splits_by_sqlite_not_by_semicolons_and_keeps_old_overrides() {
        let text = "-- a comment\nSELECT 'a;b' FROM t;\n\n-- mig:old SELECT x FROM u\n-- mig:old   WHERE x > 1;\nSELECT a FROM t WHERE a > 1;\n/* trailing */\n";
        let q = split(&db(), "q.sql", text).expect("split");
        assert_eq!(q.len(), 2, "{q:#?}");
        assert_eq!(q[0].sql, "SELECT 'a;b' FROM t");
        assert_eq!((q[0].number, q[0].line), (1, 2));
        assert_eq!(q[0].old_sql, q[0].sql);
        assert_eq!(q[1].sql, "SELECT a FROM t WHERE a > 1");
        assert_eq!(q[1].old_sql, "SELECT x FROM u WHERE x > 1");
        assert_eq!(q[1].line, 6);
    }

    #[test]
    fn a_runaway_query_is_interrupted_at_the_run_limit() {
        let c = db();
        let d = Deadline::install(&[&c], Duration::from_millis(50));
        let mut stmt = c
            .prepare("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n")
            .expect("prepare");
        let started = Instant::now();
        d.arm();
        let err = step_all(&mut stmt).expect_err("an endless query must be interrupted");
        assert!(err.to_string().contains("interrupt"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        d.arm();
        let mut quick = c.prepare("SELECT 1").expect("prepare");
        assert_eq!(step_all(&mut quick).expect("a quick query runs").1, 1);
    }

    #[test]
    fn refuses_writes_and_parameters_naming_the_query() {
        let e = split(&db(), "q.sql", "SELECT 1;\nDELETE FROM t;").expect_err("write");
        assert!(
            e.to_string()
                .starts_with("q.sql:2: query 2 is not read-only"),
            "{e}"
        );
        let e = split(&db(), "q.sql", "SELECT a FROM t WHERE a = ?").expect_err("param");
        assert!(e.to_string().contains("has parameters"), "{e}");
        let e = split(&db(), "q.sql", "ATTACH 'other.db' AS o;").expect_err("attach");
        assert!(e.to_string().contains("query 1 is not a SELECT"), "{e}");
        let e = split(&db(), "q.sql", "-- mig:old PRAGMA foreign_keys;\nSELECT 1;")
            .expect_err("old pragma");
        assert!(
            e.to_string()
                .starts_with("q.sql:2: query 1 is not a SELECT"),
            "{e}"
        );
        let e = split(&db(), "q.sql", "SELECT nope FROM t").expect_err("prepare");
        assert!(e.to_string().contains("query 1"), "{e}");
    }
}
