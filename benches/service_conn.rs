//! What the benches' writer processes share: the wall clock they log in and
//! a service's connection (WAL, `synchronous=NORMAL`, busy timeout 5 s,
//! SQLite's own busy handler).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

/// Microseconds since the epoch.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// A service's connection to `path`.
pub fn connect(path: &Path) -> Connection {
    let c = Connection::open(path).expect("the writer's connection");
    c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .expect("writer pragmas");
    c.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    c
}
