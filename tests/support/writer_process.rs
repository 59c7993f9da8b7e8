//! A service's writer in a process of its own: this test binary run again
//! with one test selected ([`writer_process_entry`]), configured through
//! the environment. On its own connection it writes one row per
//! transaction to the old database at a steady pace; when a write is
//! refused because the old database drains, it asks the new database
//! whether it is ready (`_migration_status`), as a service waiting for
//! readiness does, and once it is, it stops writing to the old one.
//!
//! Every attempt is logged with the wall-clock times (µs) it started and
//! ended, one line each, flushed, so a test reads what the service saw:
//! `ok`, `refused` (refused, and the new database not ready when asked
//! afterwards) or `ready`; then when its write returned (what follows is
//! the readiness check, on a fresh connection to the new database), read
//! by whoever looks at the log to tell a wait on the old database's lock
//! from a slow readiness check.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

/// The texts of the writes mig refuses on the old database: while it
/// drains, and after the cutover (retired, or a standby in a revert window).
const REFUSED_BY_MIG: [&str; 3] = [
    "draining for a migration",
    "retired by a migration",
    "standby of a cut-over migration",
];

const ENV_OLD: &str = "MIG_TEST_WRITER_OLD";
const ENV_NEW: &str = "MIG_TEST_WRITER_NEW";
const ENV_SQL: &str = "MIG_TEST_WRITER_SQL";
pub(super) const ENV_LOG: &str = "MIG_TEST_WRITER_LOG";
pub(super) const ENV_STOP: &str = "MIG_TEST_WRITER_STOP";
const ENV_PACE: &str = "MIG_TEST_WRITER_PACE_US";
const ENV_AFTER_READY: &str = "MIG_TEST_WRITER_AFTER_READY";
/// Set: SQLite's own busy handler (`sqlite_backoff`) instead of
/// [`retry_soon`], and the schema version after each write logged.
const ENV_OBSERVE: &str = "MIG_TEST_WRITER_OBSERVE";

/// What the writer does once it saw the new database ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterReady {
    /// Stops writing, as a service moved to the new database.
    Stop,
    /// Goes on writing to the old database (each refusal logged `ready`),
    /// so a test sees how long the steps after cutover make a write wait.
    KeepWriting,
}

/// Separates the writes of a [`WriterSpec`] that take turns.
pub const NEXT_WRITE: &str = "\n-- next write\n";

/// What a writer process does.
pub struct WriterSpec<'a> {
    pub old: &'a Path,
    pub new: &'a Path,
    /// One write; `?1` is the attempt's number. Several writes joined by
    /// [`NEXT_WRITE`] take turns: attempt n runs write (n - 1) mod count.
    pub sql: &'a str,
    /// Pause between attempts.
    pub pace: Duration,
}

/// One attempt as the writer saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Refused, and the new database was not ready when asked after.
    Refused,
    /// The new database was ready when asked after a refusal.
    Ready,
}

/// A running writer process; killed on drop if not stopped.
pub struct WriterProcess {
    child: Option<Child>,
    log: PathBuf,
    stop: PathBuf,
}

impl WriterProcess {
    /// Starts the process; `dir` holds its log and stop file.
    pub fn start(dir: &Path, spec: &WriterSpec<'_>) -> WriterProcess {
        Self::start_then(dir, spec, AfterReady::Stop)
    }

    /// [`Self::start`], doing `after` once the new database is ready.
    pub fn start_then(dir: &Path, spec: &WriterSpec<'_>, after: AfterReady) -> WriterProcess {
        let vars = [
            (ENV_OLD, spec.old.as_os_str().to_owned()),
            (ENV_NEW, spec.new.as_os_str().to_owned()),
            (ENV_SQL, spec.sql.into()),
            (ENV_PACE, spec.pace.as_micros().to_string().into()),
            (ENV_AFTER_READY, format!("{after:?}").into()),
        ];
        Self::spawn(dir, "support::writer_process::writer_process_entry", &vars)
    }

    /// [`Self::start`] as a service with SQLite's own busy handler (what
    /// a `busy_timeout` installs), logging after each write the schema
    /// version its connection saw ([`WriterLog::versions`]): a change is a
    /// schema reload the service made.
    pub fn start_observing(dir: &Path, spec: &WriterSpec<'_>) -> WriterProcess {
        let vars = [
            (ENV_OLD, spec.old.as_os_str().to_owned()),
            (ENV_NEW, spec.new.as_os_str().to_owned()),
            (ENV_SQL, spec.sql.into()),
            (ENV_PACE, spec.pace.as_micros().to_string().into()),
            (ENV_AFTER_READY, format!("{:?}", AfterReady::Stop).into()),
            (ENV_OBSERVE, "1".into()),
        ];
        Self::spawn(dir, "support::writer_process::writer_process_entry", &vars)
    }

    /// Runs the test `entry` of this binary as the writer, with `vars` in
    /// its environment beside the log and stop files' paths (`ENV_LOG`,
    /// `ENV_STOP`); `dir` holds both.
    pub(super) fn spawn(
        dir: &Path,
        entry: &str,
        vars: &[(&str, std::ffi::OsString)],
    ) -> WriterProcess {
        let (log, stop) = (dir.join("writer.log"), dir.join("writer.stop"));
        let _ = std::fs::remove_file(&log);
        let _ = std::fs::remove_file(&stop);
        let exe = std::env::current_exe().expect("the test binary's path");
        let child = Command::new(exe)
            .args([
                "--exact",
                entry,
                "--ignored",
                "--test-threads=1",
                // Its panic (a write failed unexpectedly) reaches the test's stderr.
                "--nocapture",
            ])
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .env(ENV_LOG, &log)
            .env(ENV_STOP, &stop)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning the writer process");
        WriterProcess {
            child: Some(child),
            log,
            stop,
        }
    }

    /// What the writer logged so far.
    pub fn log(&self) -> WriterLog {
        WriterLog::read(&self.log)
    }

    /// Waits until the writer logged `n` attempts with `outcome` (polling
    /// the log, not guessing a time); panics if the process ends first.
    pub fn wait_for(&mut self, outcome: Outcome, n: usize) {
        loop {
            if self.log().count(outcome) >= n {
                return;
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!("the writer process ended ({status}) before {n} {outcome:?} attempts");
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Stops the process and returns everything it logged.
    pub fn stop(mut self) -> WriterLog {
        std::fs::write(&self.stop, b"").expect("writing the stop file");
        if let Some(mut c) = self.child.take() {
            let status = c.wait().expect("reaping the writer process");
            assert!(status.success(), "the writer process failed: {status}");
        }
        WriterLog::read(&self.log)
    }
}

impl Drop for WriterProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A pause between two attempts longer than this (µs) is the writer's
/// process not running: its pace is 100 µs, a loop turn takes less.
pub const IDLE_US: i64 = 1_000;

/// The attempts a writer process logged, in order: (start µs, end µs,
/// outcome).
#[derive(Debug, Default)]
pub struct WriterLog {
    pub attempts: Vec<(i64, i64, Outcome)>,
    /// How long each readiness check the writer made right after it first
    /// saw the new database ready took (µs): the service's own cost of
    /// the check (opening the new database, parsing its schema) with
    /// nothing of the outage left in it.
    pub rechecks_us: Vec<i64>,
    /// The old database's schema version after each attempt, as the
    /// writer's connection saw it (a writer started with
    /// [`WriterProcess::start_observing`]; empty otherwise).
    pub versions: Vec<i64>,
}

/// The refusal a writer saw, in µs of wall-clock time.
#[derive(Debug, Clone, Copy)]
pub struct Outage {
    /// When the last write accepted before the first refusal started (it
    /// committed after that).
    pub last_ok: i64,
    /// When the first write that did not succeed started: the refusal as
    /// the service felt it runs from here to [`Outage::back`] (its waits on
    /// the old database's lock included).
    pub first_start: i64,
    /// Time between attempts inside the outage beyond [`IDLE_US`]: the
    /// writer's process not running (descheduled on a busy machine). mig
    /// can make a write wait, which happens inside an attempt, never this.
    pub idle: i64,
    /// When the first refusal ended, and the last one (each after the new
    /// database was asked, and was not ready).
    pub first_refused: i64,
    pub last_refused: i64,
    /// When the first write accepted after the refusals, or readiness
    /// seen, ended.
    pub back: i64,
}

impl Outage {
    /// From the first refusal to the last: the least the refusal lasted.
    pub fn refused_ms(&self) -> f64 {
        (self.last_refused - self.first_refused) as f64 / 1000.0
    }

    /// From the start of the last accepted write to the end of the next,
    /// or of readiness seen: the most the refusal lasted.
    pub fn gap_ms(&self) -> f64 {
        (self.back - self.last_ok) as f64 / 1000.0
    }

    /// From the start of the first write that did not succeed to the end
    /// of readiness seen (or of the next accepted write): the outage the
    /// service felt, as the outage benchmark's writer measures it.
    pub fn felt_ms(&self) -> f64 {
        (self.back - self.first_start) as f64 / 1000.0
    }

    /// [`Outage::felt_ms`] without the writer's idle time between attempts.
    pub fn active_ms(&self) -> f64 {
        (self.back - self.first_start - self.idle) as f64 / 1000.0
    }
}

impl WriterLog {
    fn read(path: &Path) -> WriterLog {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        // A line still being written has no newline yet.
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        let rechecks_us = complete
            .lines()
            .filter_map(|l| {
                let mut parts = l.split(' ');
                let (start, end, what) = (parts.next()?, parts.next()?, parts.next()?);
                let (start, end): (i64, i64) = (start.parse().ok()?, end.parse().ok()?);
                (what == RECHECK).then_some(end - start)
            })
            .collect();
        let attempts = complete
            .lines()
            .filter_map(|l| {
                let mut parts = l.split(' ');
                let (start, end, what) = (parts.next()?, parts.next()?, parts.next()?);
                let outcome = match what {
                    RECHECK => return None,
                    "ok" => Outcome::Ok,
                    "refused" => Outcome::Refused,
                    "ready" => Outcome::Ready,
                    other => panic!("the writer process logged {other:?}"),
                };
                Some((start.parse().ok()?, end.parse().ok()?, outcome))
            })
            .collect();
        let versions = complete
            .lines()
            .filter(|l| l.split(' ').nth(2).is_some_and(|w| w != RECHECK))
            .filter_map(|l| l.split(' ').nth(4)?.parse().ok())
            .collect();
        WriterLog {
            attempts,
            rechecks_us,
            versions,
        }
    }

    /// The longest readiness check the writer made once the new database
    /// was ready (ms; 0 without any): what its first check after the
    /// outage costs the service itself, not mig.
    pub fn readiness_check_ms(&self) -> f64 {
        self.rechecks_us.iter().copied().max().unwrap_or(0) as f64 / 1000.0
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.attempts
            .iter()
            .filter(|(_, _, o)| *o == outcome)
            .count()
    }

    /// Every stretch of refusals, each with the accepted write before it
    /// and the accepted write (or readiness) after it. A write refused
    /// once readiness is visible ends a stretch (or is one, of no length).
    pub fn outages(&self) -> Vec<Outage> {
        let mut out = Vec::new();
        let mut current: Option<Outage> = None;
        let mut last_ok = None;
        let mut last_end: Option<i64> = None;
        for &(start, t, o) in &self.attempts {
            let idle = last_end.map_or(0, |e| (start - e - IDLE_US).max(0));
            last_end = Some(t);
            let fresh = Outage {
                last_ok: last_ok.unwrap_or(t),
                first_start: start,
                idle: 0,
                first_refused: t,
                last_refused: t,
                back: t,
            };
            if o == Outcome::Refused {
                match current.as_mut() {
                    Some(c) => {
                        c.last_refused = t;
                        c.idle += idle;
                    }
                    None => current = Some(fresh),
                }
                continue;
            }
            let mut c = match current.take() {
                Some(mut c) => {
                    c.idle += idle;
                    c
                }
                None => fresh,
            };
            if o == Outcome::Ready || c.first_refused != t {
                c.back = t;
                out.push(c);
            }
            last_ok = Some(start);
        }
        out
    }
}

pub(super) fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Whether `new` says it is ready, as a service's readiness check asks.
fn ready(new: &Path) -> bool {
    let Ok(conn) = Connection::open_with_flags(new, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return false;
    };
    conn.query_row("SELECT status FROM _migration_status", [], |r| {
        r.get::<_, String>(0)
    })
    .is_ok_and(|s| s == "ready")
}

/// Readiness checks the writer repeats once it first saw the new database
/// ready, each logged as [`RECHECK`]: the check's own cost on a loaded
/// machine, which a test leaves out of the outage it holds mig to.
const RECHECKS: usize = 3;
const RECHECK: &str = "recheck";

/// The busy handler of the writer's connection: sleep 0.1 ms and retry,
/// for up to 10 s (100,000 retries).
pub(super) fn retry_soon(retries: i32) -> bool {
    std::thread::sleep(Duration::from_micros(100));
    retries < 100_000
}

/// The writer process's body (see the module doc).
fn write_until_stopped(env: impl Fn(&str) -> String) {
    let (old, new) = (PathBuf::from(env(ENV_OLD)), PathBuf::from(env(ENV_NEW)));
    let (sql, stop) = (env(ENV_SQL), PathBuf::from(env(ENV_STOP)));
    let pace = Duration::from_micros(env(ENV_PACE).parse().expect("pace"));
    let keep = env(ENV_AFTER_READY) == format!("{:?}", AfterReady::KeepWriting);
    let mut log = std::fs::File::create(env(ENV_LOG)).expect("the writer's log");
    let conn = Connection::open(&old).expect("the writer's connection");
    // Retries a locked write every 0.1 ms for up to 10 s, where SQLite's
    // own busy timeout sleeps in growing steps (up to 100 ms): a wait it
    // reports is then the time the lock was held, not the backoff's
    // oversleep, so the outage tests judge what mig holds. The outage
    // benchmark's writer keeps SQLite's default.
    let observe = std::env::var_os(ENV_OBSERVE).is_some();
    if observe {
        conn.busy_handler(Some(super::sqlite_backoff::sqlite_backoff))
            .expect("busy handler");
    } else {
        conn.busy_handler(Some(retry_soon)).expect("busy handler");
    }
    // Like many services: no foreign-key enforcement, and NORMAL sync in
    // WAL mode (durable at checkpoints, never corrupt).
    conn.pragma_update(None, "foreign_keys", false)
        .expect("foreign_keys");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("synchronous");
    let writes: Vec<&str> = sql.split(NEXT_WRITE).collect();
    let mut n: i64 = 0;
    let mut is_ready = false;
    let mut rechecked = false;
    while !stop.exists() {
        n += 1;
        let started = now_us();
        let mut wrote = 0;
        let outcome = if is_ready && !keep {
            None
        } else {
            let r = conn.execute(writes[(n as usize - 1) % writes.len()], [n]);
            wrote = now_us();
            match r {
                Ok(_) => Some(Outcome::Ok),
                Err(e) if REFUSED_BY_MIG.iter().any(|m| e.to_string().contains(m)) => {
                    is_ready = is_ready || ready(&new);
                    Some(if is_ready {
                        Outcome::Ready
                    } else {
                        Outcome::Refused
                    })
                }
                Err(e) => panic!("a write failed unexpectedly: {e}"),
            }
        };
        if let Some(o) = outcome {
            let word = match o {
                Outcome::Ok => "ok",
                Outcome::Refused => "refused",
                Outcome::Ready => "ready",
            };
            let ended = now_us();
            let version = match observe {
                true => format!(
                    " {}",
                    conn.pragma_query_value(None, "schema_version", |r| r.get::<_, i64>(0))
                        .expect("the schema version")
                ),
                false => String::new(),
            };
            let line = format!("{started} {ended} {word} {wrote}{version}\n");
            log.write_all(line.as_bytes()).expect("logging an attempt");
            if o == Outcome::Ready && !rechecked {
                rechecked = true;
                for _ in 0..RECHECKS {
                    let began = now_us();
                    ready(&new);
                    let line = format!("{began} {} {RECHECK} 0\n", now_us());
                    log.write_all(line.as_bytes()).expect("logging a recheck");
                }
            }
        }
        std::thread::sleep(pace);
    }
}

/// The writer process's entry point: does nothing unless started by
/// [`WriterProcess::start`].
#[test]
#[ignore = "the entry point of the writer process WriterProcess::start runs"]
fn writer_process_entry() {
    if std::env::var_os(ENV_OLD).is_some() {
        write_until_stopped(|k| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set")));
    }
}
