//! SQLite's default busy handler (`sqliteDefaultBusyCallback`, what a
//! service's `busy_timeout` of 5 s installs), written out so a writer can
//! count its tries: a latency test or benchmark then tells a write that
//! waited on mig's lock from one that did not. Shared by the outage tests
//! and the cutover-keys benchmark (which includes this file by path).

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// The busy handler's tries of the current write (its calls), on this
/// process's one writing connection.
pub static TRIES: AtomicI32 = AtomicI32::new(0);

/// Sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms between
/// tries, 5 s in all, counting its calls in [`TRIES`].
pub fn sqlite_backoff(calls: i32) -> bool {
    const DELAYS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    TRIES.fetch_max(calls + 1, Ordering::SeqCst);
    let i = calls.max(0) as usize;
    let waited: u64 = DELAYS.iter().take(i).sum::<u64>() + 100 * i.saturating_sub(12) as u64;
    if waited >= 5_000 {
        return false;
    }
    std::thread::sleep(Duration::from_millis(DELAYS[i.min(11)]));
    true
}
