//! The cutover-keys bench's writer process (`--keys-writer`): the service,
//! one insert per ms on the old database with SQLite's own busy handler,
//! then on the new one once a refusal says it is ready, each attempt
//! logged with its wall-clock start and end (µs); the writes on the new
//! database traced (busy handler calls, prepare time, checkpoint).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::service_conn::{connect, now_us};

#[path = "../../tests/support/sqlite_backoff.rs"]
mod sqlite_backoff;
use sqlite_backoff::{sqlite_backoff, TRIES};

const ENV_OLD: &str = "MIG_BENCH_KEYS_OLD";
const ENV_NEW: &str = "MIG_BENCH_KEYS_NEW";
const ENV_SQL: &str = "MIG_BENCH_KEYS_SQL";
const ENV_LOG: &str = "MIG_BENCH_KEYS_LOG";
const ENV_STOP: &str = "MIG_BENCH_KEYS_STOP";

/// One logged attempt: wall-clock µs at its start and end; on the new
/// database its trace (busy handler calls, prepare ms, checkpointed).
pub(super) struct Attempt {
    pub start: i64,
    pub end: i64,
    pub outcome: String,
    pub trace: (i32, f64, bool),
}

/// The writer process; killed on drop if not stopped.
pub(super) struct KeysWriter {
    child: Option<Child>,
    log: PathBuf,
    stop: PathBuf,
}

impl KeysWriter {
    pub(super) fn start(dir: &Path, old: &Path, new: &Path, sql: &str) -> KeysWriter {
        let (log, stop) = (dir.join("keys-writer.log"), dir.join("keys-writer.stop"));
        let _ = std::fs::remove_file(&log);
        let _ = std::fs::remove_file(&stop);
        let exe = std::env::current_exe().expect("the bench binary's path");
        let child = Command::new(exe)
            .args(["--bench", "--keys-writer"])
            .env(ENV_OLD, old)
            .env(ENV_NEW, new)
            .env(ENV_SQL, sql)
            .env(ENV_LOG, &log)
            .env(ENV_STOP, &stop)
            .stdin(Stdio::null())
            .spawn()
            .expect("starting the writer process");
        KeysWriter {
            child: Some(child),
            log,
            stop,
        }
    }

    pub(super) fn read(&self) -> Vec<Attempt> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut f = l.split(' ');
                let (start, end) = (f.next()?.parse().ok()?, f.next()?.parse().ok()?);
                let outcome = f.next()?.to_string();
                let mut n = || f.next().and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
                let prepare_ms = n() as f64 / 1000.0;
                let trace = (n() as i32, prepare_ms, n() == 1);
                Some(Attempt {
                    start,
                    end,
                    outcome,
                    trace,
                })
            })
            .collect()
    }

    /// Polls the log until `done` holds (60 s at most).
    pub(super) fn wait(&self, done: impl Fn(&[Attempt]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(&self.read()) {
            assert!(
                Instant::now() < deadline,
                "the writer did not get there in 60 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub(super) fn stop(mut self) -> Vec<Attempt> {
        std::fs::write(&self.stop, b"").expect("stop file");
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
        self.read()
    }
}

impl Drop for KeysWriter {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One write on the new database, traced: what preparing it took (µs: a
/// schema reload, its triggers compiled), its busy handler's calls (lock
/// waits), and whether the database file changed during it (1: its commit
/// ran a checkpoint).
fn new_write(conn: &Connection, file: &Path, sql: &str, id: &str) -> String {
    let modified = || std::fs::metadata(file).and_then(|m| m.modified()).ok();
    // Counted from here (the readiness checks before went through it).
    TRIES.store(0, Ordering::SeqCst);
    let (before, started) = (modified(), Instant::now());
    let mut stmt = conn.prepare(sql).expect("preparing the new write");
    let prepared = started.elapsed().as_micros();
    stmt.execute([id])
        .expect("a write on the ready new database");
    let tries = TRIES.swap(0, Ordering::SeqCst);
    let checkpointed = u8::from(modified() != before);
    format!("{prepared} {tries} {checkpointed}")
}

/// The writer process's body (`--keys-writer`); returns at the stop file.
pub fn writer_from_env() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
    let (old, new) = (
        connect(Path::new(&var(ENV_OLD))),
        connect(Path::new(&var(ENV_NEW))),
    );
    new.busy_handler(Some(sqlite_backoff))
        .expect("the new database's busy handler");
    let new_file = PathBuf::from(var(ENV_NEW));
    let (sql, stop) = (var(ENV_SQL), PathBuf::from(var(ENV_STOP)));
    let mut log = std::fs::File::create(var(ENV_LOG)).expect("the writer's log");
    let salt = now_us();
    let (mut on_new, mut n) = (false, 0i64);
    while !stop.exists() {
        n += 1;
        let id = format!("{salt}-{n}");
        let started = now_us();
        if on_new {
            let trace = new_write(&new, &new_file, &sql, &id);
            writeln!(log, "{started} {} new-ok {trace}", now_us()).expect("logging an attempt");
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        let outcome = match old.execute(&sql, [&id]) {
            Ok(_) => "old-ok",
            Err(e) if e.to_string().contains("migration") => {
                on_new = new
                    .query_row("SELECT status FROM _migration_status", [], |r| {
                        r.get::<_, String>(0)
                    })
                    .is_ok_and(|s| s == "ready");
                if on_new {
                    "ready"
                } else {
                    "refused"
                }
            }
            _ => "failed",
        };
        writeln!(log, "{started} {} {outcome}", now_us()).expect("logging an attempt");
        std::thread::sleep(Duration::from_millis(1));
    }
}
