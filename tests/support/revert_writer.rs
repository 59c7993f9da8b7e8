//! The new service's writer during `mig revert`, in a process of its own
//! (started through [`WriterProcess`], logging as its writer does). It
//! writes one row per statement to the new database; a refusal saying the
//! new database is being reverted is logged `refused` and it tries again
//! there; the refusal saying it was reverted (naming the old database) is
//! logged `ready` — the new database refuses for good from then on, and
//! the service is told where to write, as the drain writer's readiness
//! seen — and from then on it writes to the old database, as the old
//! service coming back does (`ok`; a write the old database still refuses,
//! a standby, is `refused`). So the log's last outage runs from the first
//! write the new database did not take to the refusal that sent the writer
//! to the old database; the first write there follows at the writer's own
//! pace.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use rusqlite::Connection;

use super::writer_process::{now_us, retry_soon, WriterProcess, ENV_LOG, ENV_STOP};

const ENV_OLD: &str = "MIG_TEST_REVERT_WRITER_OLD";
const ENV_NEW: &str = "MIG_TEST_REVERT_WRITER_NEW";
const ENV_OLD_SQL: &str = "MIG_TEST_REVERT_WRITER_OLD_SQL";
const ENV_NEW_SQL: &str = "MIG_TEST_REVERT_WRITER_NEW_SQL";
const ENV_WAITING: &str = "MIG_TEST_REVERT_WRITER_WAITING";
const ENV_PAUSE_US: &str = "MIG_TEST_REVERT_WRITER_PAUSE_US";

/// The file the writer creates once a wait on a lock has lasted
/// [`LONG_WAIT_US`] (again if removed while it still waits).
pub const WAITING_FILE: &str = "writer.waiting";
/// A wait this long (µs) is signalled through [`WAITING_FILE`].
pub const LONG_WAIT_US: i64 = 20_000;

/// The current attempt's lock wait: when it began and when the busy
/// handler last ran (µs, 0: not waiting), and its longest step so far.
static WAIT_BEGAN: AtomicI64 = AtomicI64::new(0);
static LAST_CALL: AtomicI64 = AtomicI64::new(0);
static STEP: AtomicI64 = AtomicI64::new(0);
static WAITING: OnceLock<PathBuf> = OnceLock::new();

/// The refusals of the new database while revert holds it, and after.
const REVERTING: &str = "is being reverted by mig";
const REVERTED: &str = "was reverted by mig";
/// The old database's refusal while it is still a standby.
const STANDBY: &str = "standby of a cut-over migration";

/// What the writer writes: `?1` is the attempt's number.
pub struct RevertWriterSpec<'a> {
    pub old: &'a Path,
    pub new: &'a Path,
    pub old_sql: &'a str,
    pub new_sql: &'a str,
}

/// The pause between two attempts, µs, unless [`start_paced`] says.
const PAUSE_US: u64 = 100;

/// Starts the writer, pausing `pause_us` µs between two attempts; `dir`
/// holds its log and stop file.
pub fn start_paced(dir: &Path, spec: &RevertWriterSpec<'_>, pause_us: u64) -> WriterProcess {
    let vars = [
        (ENV_PAUSE_US, pause_us.to_string().into()),
        (ENV_WAITING, dir.join(WAITING_FILE).into_os_string()),
        (ENV_OLD, spec.old.as_os_str().to_owned()),
        (ENV_NEW, spec.new.as_os_str().to_owned()),
        (ENV_OLD_SQL, spec.old_sql.into()),
        (ENV_NEW_SQL, spec.new_sql.into()),
    ];
    WriterProcess::spawn(dir, "support::revert_writer::revert_writer_entry", &vars)
}

/// [`retry_soon`], measuring the wait (see the module doc).
fn retry_measured(retries: i32) -> bool {
    let now = now_us();
    if retries == 0 {
        WAIT_BEGAN.store(now, Ordering::SeqCst);
    } else {
        STEP.fetch_max(now - LAST_CALL.load(Ordering::SeqCst), Ordering::SeqCst);
    }
    LAST_CALL.store(now, Ordering::SeqCst);
    if now - WAIT_BEGAN.load(Ordering::SeqCst) >= LONG_WAIT_US {
        if let Some(f) = WAITING.get().filter(|f| !f.exists()) {
            std::fs::write(f, b"").expect("signalling a long wait");
        }
    }
    retry_soon(retries)
}

/// The longest step of the attempt that returned at `wrote` (0: it did not
/// wait), and a clean slate for the next.
fn take_step(wrote: i64) -> i64 {
    let last = LAST_CALL.swap(0, Ordering::SeqCst);
    let step = STEP.swap(0, Ordering::SeqCst);
    WAIT_BEGAN.store(0, Ordering::SeqCst);
    if last == 0 {
        0
    } else {
        step.max(wrote - last)
    }
}

/// A service's connection: retries a locked write every 0.1 ms (the wait
/// it reports is the time the lock was held), NORMAL sync in WAL mode.
fn connect(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("the writer's connection");
    conn.busy_handler(Some(retry_measured))
        .expect("busy handler");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("synchronous");
    conn
}

fn write_until_stopped(env: impl Fn(&str) -> String) {
    let (new, old) = (
        connect(&PathBuf::from(env(ENV_NEW))),
        connect(&PathBuf::from(env(ENV_OLD))),
    );
    let (new_sql, old_sql) = (env(ENV_NEW_SQL), env(ENV_OLD_SQL));
    let stop = PathBuf::from(env(ENV_STOP));
    let _ = WAITING.set(PathBuf::from(env(ENV_WAITING)));
    let mut log = std::fs::File::create(env(ENV_LOG)).expect("the writer's log");
    let pause = Duration::from_micros(env(ENV_PAUSE_US).parse().unwrap_or(PAUSE_US));
    let mut on_old = false;
    let mut n: i64 = 0;
    while !stop.exists() {
        n += 1;
        let started = now_us();
        let (conn, sql) = if on_old {
            (&old, &old_sql)
        } else {
            (&new, &new_sql)
        };
        let r = conn.execute(sql, [n]);
        let wrote = now_us();
        let word = match r {
            Ok(_) => "ok",
            Err(e) if !on_old && e.to_string().contains(REVERTED) => {
                on_old = true;
                "ready"
            }
            Err(e) if !on_old && e.to_string().contains(REVERTING) => "refused",
            Err(e) if on_old && e.to_string().contains(STANDBY) => "refused",
            Err(e) => panic!("a write failed unexpectedly: {e}"),
        };
        let step = take_step(wrote);
        let line = format!("{started} {} {word} {wrote} {step}\n", now_us());
        log.write_all(line.as_bytes()).expect("logging an attempt");
        std::thread::sleep(pause);
    }
}

/// An attempt that waited on a lock, in µs: when it started and returned,
/// and its busy handler's longest step.
#[derive(Debug, Clone, Copy)]
pub struct LockWait {
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

impl LockWait {
    pub fn ms(&self) -> f64 {
        (self.end - self.start) as f64 / 1000.0
    }
}

/// Every attempt logged in `dir` that waited on a lock, at or after
/// `from` (µs).
pub fn lock_waits(dir: &Path, from: i64) -> Vec<LockWait> {
    let text = std::fs::read_to_string(dir.join("writer.log")).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let n = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok());
            Some(LockWait {
                start: n(0)?,
                end: n(3)?,
                step: n(4)?,
            })
        })
        .filter(|w| w.step > 0 && w.start >= from)
        .collect()
}

/// The writer process's entry point: does nothing unless started by
/// [`start`].
#[test]
#[ignore = "the entry point of the writer process revert_writer::start runs"]
fn revert_writer_entry() {
    if std::env::var_os(ENV_NEW).is_some() {
        write_until_stopped(|k| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set")));
    }
}
