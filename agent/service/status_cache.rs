//! `Status` for many pollers: concurrent requests for one database share a
//! single computation, and never one that started before they arrived.
//!
//! Computing a status opens both databases and counts rows; a hundred
//! dashboards polling at once would otherwise queue a hundred of those on
//! two cores. Requests that arrive while a computation runs wait for it to
//! end, and the first of them starts one more, which all of them share: at
//! most two computations per database run back to back however many poll.
//! A result is never served to a request that arrived before its
//! computation started, so a status always shows every write, step and job
//! that ended before it was asked for — a status read right after a service
//! wrote, or after `mig cutover`, counts that write and shows that cutover
//! (a reuse window of 100 ms once showed "0 writes not yet carried back"
//! computed before the new service's 49 writes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::proto as pb;

/// Above this many databases cached, idle entries are dropped: the cache
/// holds what is being polled now, not a report per database served.
const KEEP: usize = 64;

struct Entry {
    /// When its computation started (before it read either file).
    started: Instant,
    report: pb::StatusReport,
}

#[derive(Default)]
pub struct StatusCache {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Entry>>>>>,
}

impl StatusCache {
    /// The report of `database` computed by a `compute` that started after
    /// this call: another caller's if one started since, else this one's
    /// (which is kept for those waiting; errors are not).
    pub async fn get<E, F, Fut>(&self, database: &str, compute: F) -> Result<pb::StatusReport, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<pb::StatusReport, E>>,
    {
        let arrived = Instant::now();
        let slot = {
            // A poisoned map only ever held complete entries.
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(slots.entry(database.to_string()).or_default())
        };
        // Held while computing (tokio's mutex is fair: waiters are served
        // in arrival order), so the callers that arrive meanwhile wait for
        // this result, then share the next one.
        let mut entry = slot.lock().await;
        if let Some(e) = entry.as_ref().filter(|e| e.started >= arrived) {
            return Ok(e.report.clone());
        }
        let started = Instant::now();
        let report = compute().await?;
        *entry = Some(Entry {
            started,
            report: report.clone(),
        });
        drop(entry);
        self.evict();
        Ok(report)
    }

    /// Drops the entries nobody waits for: no later request could reuse
    /// them.
    fn evict(&self) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() <= KEEP {
            return;
        }
        slots.retain(|_, slot| Arc::strong_count(slot) > 1);
    }
}
