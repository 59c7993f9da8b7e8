//! The outage scenario's service: a writer in a process of its own (this
//! bench binary run again with `--outage-writer`), on its own connection,
//! at a steady rate of single-row transactions on the old database (WAL,
//! `synchronous=NORMAL`, busy timeout 5 s, SQLite's own busy handler, as a
//! service has them). Like the new service the runbook deploys before the
//! drain, it holds a connection to the new database from the start; when a
//! write is refused because the old database drains it asks there whether
//! the new database is ready (`SELECT status FROM _migration_status`) and,
//! once it is, writes there. Every attempt is logged with the wall-clock
//! time after it (µs) and its outcome.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

use crate::service_conn::{connect, now_us};

const ENV_OLD: &str = "MIG_BENCH_WRITER_OLD";
const ENV_NEW: &str = "MIG_BENCH_WRITER_NEW";
const ENV_LOG: &str = "MIG_BENCH_WRITER_LOG";
const ENV_STOP: &str = "MIG_BENCH_WRITER_STOP";
const ENV_RATE: &str = "MIG_BENCH_WRITER_RATE";

/// One attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Committed on the old database.
    OldOk,
    /// Refused (draining), the new database not ready when asked after.
    Refused,
    /// Refused, and the new database ready when asked after.
    Ready,
    /// Committed on the new database.
    NewOk,
    /// Any other failure (e.g. busy past the timeout).
    Failed,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::OldOk => "old-ok",
            Outcome::Refused => "refused",
            Outcome::Ready => "ready",
            Outcome::NewOk => "new-ok",
            Outcome::Failed => "failed",
        }
    }
}

/// One attempt: wall-clock µs when it started and when it ended.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    pub start: i64,
    pub end: i64,
    pub outcome: Outcome,
}

/// The running writer process; killed on drop if not stopped.
pub struct OutsideWriter {
    child: Option<Child>,
    log: PathBuf,
    stop: PathBuf,
}

impl OutsideWriter {
    /// Starts the writer; its log is `<dir>/<label>.log`, kept for a look.
    pub fn start(dir: &Path, label: &str, old: &Path, new: &Path, rate: u32) -> OutsideWriter {
        let (log, stop) = (
            dir.join(format!("{label}.log")),
            dir.join(format!("{label}.stop")),
        );
        let _ = std::fs::remove_file(&log);
        let _ = std::fs::remove_file(&stop);
        let exe = std::env::current_exe().expect("the bench binary's path");
        let child = Command::new(exe)
            .args(["--bench", "--outage-writer"])
            .env(ENV_OLD, old)
            .env(ENV_NEW, new)
            .env(ENV_LOG, &log)
            .env(ENV_STOP, &stop)
            .env(ENV_RATE, rate.to_string())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawning the writer process");
        OutsideWriter {
            child: Some(child),
            log,
            stop,
        }
    }

    /// The attempts logged so far (complete lines only).
    pub fn log(&self) -> Vec<Attempt> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        complete
            .lines()
            .filter_map(|l| {
                let mut parts = l.split(' ');
                let (start, end, w) = (parts.next()?, parts.next()?, parts.next()?);
                let o = [
                    Outcome::OldOk,
                    Outcome::Refused,
                    Outcome::Ready,
                    Outcome::NewOk,
                    Outcome::Failed,
                ]
                .into_iter()
                .find(|o| o.word() == w)?;
                Some(Attempt {
                    start: start.parse().ok()?,
                    end: end.parse().ok()?,
                    outcome: o,
                })
            })
            .collect()
    }

    /// Waits (polling its log) until the writer logged `n` attempts with
    /// `outcome`.
    pub async fn wait_for(&self, outcome: Outcome, n: usize) {
        while self.log().iter().filter(|a| a.outcome == outcome).count() < n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn stop(mut self) -> Vec<Attempt> {
        std::fs::write(&self.stop, b"").expect("writing the stop file");
        if let Some(mut c) = self.child.take() {
            let status = c.wait().expect("reaping the writer process");
            assert!(status.success(), "the writer process failed: {status}");
        }
        let _ = std::fs::remove_file(&self.stop);
        self.log()
    }
}

impl Drop for OutsideWriter {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// What the service saw, in ms: from the start of its first write that
/// did not succeed on the old database to the end of its first write
/// accepted by the new one; and the number of refused writes in between.
pub fn observed_window(log: &[Attempt]) -> Option<(f64, usize)> {
    let first_new = log.iter().position(|a| a.outcome == Outcome::NewOk)?;
    let last_old = log[..first_new]
        .iter()
        .rposition(|a| a.outcome == Outcome::OldOk)?;
    let first_failed = log.get(last_old + 1)?;
    let refused = log[last_old..first_new]
        .iter()
        .filter(|a| matches!(a.outcome, Outcome::Refused | Outcome::Ready))
        .count();
    Some((
        (log[first_new].end - first_failed.start) as f64 / 1000.0,
        refused,
    ))
}

/// Whether mig refused the write: the old database drains, or is retired
/// (or a standby) after the cutover.
fn refused_by_mig(error: &str) -> bool {
    [
        "draining for a migration",
        "retired by a migration",
        "standby of a cut-over migration",
    ]
    .iter()
    .any(|m| error.contains(m))
}

fn ready(new: &Connection) -> bool {
    new.query_row("SELECT status FROM _migration_status", [], |r| {
        r.get::<_, String>(0)
    })
    .is_ok_and(|s| s == "ready")
}

/// One single-row write that always changes a row (a no-op would pass
/// while writes are refused): 40% inserts, 60% updates of a generated row
/// (nothing deletes them). `title` names the text column (`Name` on the
/// old schema, `title` on the new one).
fn write_one(
    c: &Connection,
    rng: &mut StdRng,
    title: &str,
    max_id: i64,
) -> rusqlite::Result<usize> {
    let id = rng.random_range(1..=max_id);
    if rng.random_range(0..10) < 4 {
        c.execute(
            &format!("INSERT INTO item ({title}, Score, Note, Payload) VALUES ('w-' || ?1, 1.5, 'writer', randomblob(16))"),
            [id],
        )
    } else {
        c.execute("UPDATE item SET Score = Score + 1 WHERE rowid = ?1", [id])
    }
}

/// The writer process's body; returns when the stop file appears.
pub fn run_from_env() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
    let (old, new) = (PathBuf::from(var(ENV_OLD)), PathBuf::from(var(ENV_NEW)));
    let stop = PathBuf::from(var(ENV_STOP));
    let rate: u32 = var(ENV_RATE).parse().expect("rate");
    let mut log = std::fs::File::create(var(ENV_LOG)).expect("the writer's log");
    let old_conn = connect(&old);
    let max_id: i64 = old_conn
        .query_row("SELECT coalesce(max(rowid), 1) FROM item", [], |r| r.get(0))
        .expect("max id");
    let new_conn = connect(&new);
    let mut writing_new = false;
    let mut rng = StdRng::seed_from_u64(7);
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let mut next = Instant::now();
    while !stop.exists() {
        let started = now_us();
        let mut written = started;
        let outcome = if writing_new {
            match write_one(&new_conn, &mut rng, "title", max_id) {
                Ok(_) => Outcome::NewOk,
                Err(_) => Outcome::Failed,
            }
        } else {
            match write_one(&old_conn, &mut rng, "Name", max_id) {
                Ok(_) => Outcome::OldOk,
                Err(e) if refused_by_mig(&e.to_string()) => {
                    written = now_us();
                    writing_new = ready(&new_conn);
                    if writing_new {
                        Outcome::Ready
                    } else {
                        Outcome::Refused
                    }
                }
                Err(_) => Outcome::Failed,
            }
        };
        // The refused write's own end, before the readiness check: where
        // the time of a long attempt went.
        let line = format!("{started} {} {} {written}\n", now_us(), outcome.word());
        log.write_all(line.as_bytes()).expect("logging an attempt");
        next += interval;
        let now = Instant::now();
        match next.checked_duration_since(now) {
            Some(wait) => std::thread::sleep(wait),
            // Far behind (a long stall): do not burst to catch up.
            None if now - next > Duration::from_secs(1) => next = now,
            None => {}
        }
    }
}
