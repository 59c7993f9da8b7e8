//! The new service's writer during `mig revert`, in a process of its own
//! (started through [`WriterProcess`], logging as its writer does). It
//! writes one row per statement to the new database; a refusal saying the
//! new database is being reverted is logged `refused` and it tries again
//! there; the refusal saying it was reverted (naming the old database) is
//! logged `refused` too, and from then on it writes to the old database,
//! as the old service coming back does. Its first write accepted there is
//! logged `ready`, later ones `ok`; a write the old database still refuses
//! (a standby) is `refused`. So the log's last outage runs from the first
//! write the new database did not take to the first the old one took.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use super::writer_process::{now_us, retry_soon, WriterProcess, ENV_LOG, ENV_STOP};

const ENV_OLD: &str = "MIG_TEST_REVERT_WRITER_OLD";
const ENV_NEW: &str = "MIG_TEST_REVERT_WRITER_NEW";
const ENV_OLD_SQL: &str = "MIG_TEST_REVERT_WRITER_OLD_SQL";
const ENV_NEW_SQL: &str = "MIG_TEST_REVERT_WRITER_NEW_SQL";

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

/// Starts the writer; `dir` holds its log and stop file.
pub fn start(dir: &Path, spec: &RevertWriterSpec<'_>) -> WriterProcess {
    let vars = [
        (ENV_OLD, spec.old.as_os_str().to_owned()),
        (ENV_NEW, spec.new.as_os_str().to_owned()),
        (ENV_OLD_SQL, spec.old_sql.into()),
        (ENV_NEW_SQL, spec.new_sql.into()),
    ];
    WriterProcess::spawn(dir, "support::revert_writer::revert_writer_entry", &vars)
}

/// A service's connection: retries a locked write every 0.1 ms (the wait
/// it reports is the time the lock was held), NORMAL sync in WAL mode.
fn connect(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("the writer's connection");
    conn.busy_handler(Some(retry_soon)).expect("busy handler");
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
    let mut log = std::fs::File::create(env(ENV_LOG)).expect("the writer's log");
    let (mut on_old, mut back) = (false, false);
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
            Ok(_) if on_old && !back => {
                back = true;
                "ready"
            }
            Ok(_) => "ok",
            Err(e) if !on_old && e.to_string().contains(REVERTED) => {
                on_old = true;
                "refused"
            }
            Err(e) if !on_old && e.to_string().contains(REVERTING) => "refused",
            Err(e) if on_old && e.to_string().contains(STANDBY) => "refused",
            Err(e) => panic!("a write failed unexpectedly: {e}"),
        };
        let line = format!("{started} {} {word} {wrote}\n", now_us());
        log.write_all(line.as_bytes()).expect("logging an attempt");
        std::thread::sleep(Duration::from_micros(100));
    }
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
