//! A writer in its own process: this test binary started again, running
//! only [`service_writer_main`] with the database, the statements and the
//! rate in its environment. It plays a service: one statement per IMMEDIATE
//! transaction, `?1` a random number in `1..=max`, statements taken in
//! turn, paced to a rate; writes refused because the database is draining
//! are counted, any other error ends it with a failure. It stops when the
//! test creates its stop file (or its folder is gone), printing its counts.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, TransactionBehavior};

use super::writer::REFUSALS;

const DB: &str = "MIG_WRITER_DB";
const SQL: &str = "MIG_WRITER_SQL";
const MAX: &str = "MIG_WRITER_MAX";
const RATE: &str = "MIG_WRITER_RATE";
const STOP: &str = "MIG_WRITER_STOP";
/// The line prefix the child reports with (libtest prints around it).
const REPORT: &str = "rate-writer-report:";

/// What the writer committed and had refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub committed: u64,
    /// Refused by mig: old draining, then standby or retired after cutover.
    pub refused: u64,
}

pub struct ServiceWriter {
    child: Child,
    stdout: BufReader<ChildStdout>,
    stop: PathBuf,
}

impl ServiceWriter {
    /// Starts the writer on `db` and returns once it has committed its
    /// first transaction. `statements` are separated by `;` and read `?1`.
    pub fn start(db: &Path, statements: &str, max: u64, per_second: u32) -> ServiceWriter {
        let stop = db.with_extension("writer-stop");
        let exe = std::env::current_exe().expect("test binary");
        let mut child = Command::new(exe)
            .args([
                "--exact",
                "support::service_writer::service_writer_main",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DB, db)
            .env(SQL, statements)
            .env(MAX, max.to_string())
            .env(RATE, per_second.to_string())
            .env(STOP, &stop)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the writer process");
        let stdout = BufReader::new(child.stdout.take().expect("writer stdout"));
        let mut w = ServiceWriter {
            child,
            stdout,
            stop,
        };
        let first = w.next_report();
        assert_eq!(first, "started", "writer process: {first}");
        w
    }

    /// The next report line of the child (blocking: it arrives when the
    /// child has something to say).
    fn next_report(&mut self) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.stdout.read_line(&mut line).expect("writer output");
            assert!(n > 0, "the writer process ended without reporting");
            // libtest may have started the line ("test … ... ").
            if let Some(at) = line.find(REPORT) {
                return line[at + REPORT.len()..].trim().to_string();
            }
        }
    }

    /// Stops the writer and returns its counts.
    pub fn stop(mut self) -> Counts {
        std::fs::write(&self.stop, b"stop").expect("stop file");
        let report = self.next_report();
        let status = self.child.wait().expect("writer exit");
        assert!(status.success(), "writer process failed: {report}");
        let mut counts = Counts::default();
        for part in report.split_whitespace() {
            if let Some(n) = part.strip_prefix("committed=") {
                counts.committed = n.parse().expect("count");
            } else if let Some(n) = part.strip_prefix("refused=") {
                counts.refused = n.parse().expect("count");
            }
        }
        counts
    }
}

impl Drop for ServiceWriter {
    fn drop(&mut self) {
        // A test that failed before `stop`: end the child it started.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The child's entry point; does nothing unless started by
/// [`ServiceWriter::start`].
#[test]
#[ignore = "the writer process of tests that start one (support/service_writer.rs), not a test"]
fn service_writer_main() {
    let Some(db) = std::env::var_os(DB).map(PathBuf::from) else {
        return;
    };
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} unset"));
    let statements: Vec<String> = var(SQL)
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let max: u64 = var(MAX).parse().expect(MAX);
    let rate: u32 = var(RATE).parse().expect(RATE);
    let stop = PathBuf::from(var(STOP));
    let mut conn = Connection::open(&db).expect("writer connection");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy");
    let mut rng = StdRng::seed_from_u64(21);
    let pace = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let mut counts = Counts::default();
    let mut next = Instant::now();
    for i in 0.. {
        if stop.exists() || !db.exists() {
            break;
        }
        let sql = &statements[i % statements.len()];
        let n = rng.random_range(1..=max.max(1)) as i64;
        let done = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .and_then(|tx| {
                tx.execute(sql, [n])?;
                tx.commit()
            });
        match done {
            Ok(()) => counts.committed += 1,
            Err(e) if REFUSALS.iter().any(|r| e.to_string().contains(r)) => counts.refused += 1,
            Err(e) => panic!("writer: {sql}: {e}"),
        }
        if counts.committed == 1 && counts.refused == 0 {
            println!("{REPORT} started");
        }
        // A steady rate, as a service has: the next write is due one
        // period after the last was due.
        next += pace;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    println!(
        "{REPORT} committed={} refused={}",
        counts.committed, counts.refused
    );
}
