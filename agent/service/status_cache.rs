//! `Status` for many pollers: concurrent requests for one database share a
//! single computation, and a result is reused for [`TTL`] unless a step or
//! job started or ended since (the registry's generation).
//!
//! Computing a status opens both databases and counts rows; a hundred
//! dashboards polling at once would otherwise queue a hundred of those on
//! two cores. A reused result is at most [`TTL`] old, and never older than
//! the last step that changed the phase: `mig cutover` followed by
//! `mig status` always shows the cutover.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::proto as pb;

/// How long a computed status serves later requests.
pub const TTL: Duration = Duration::from_millis(100);

/// Above this many databases cached, stale entries are dropped: the cache
/// holds what is being polled now, not a report per database served.
const KEEP: usize = 64;

struct Entry {
    at: Instant,
    generation: u64,
    report: pb::StatusReport,
}

#[derive(Default)]
pub struct StatusCache {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Entry>>>>>,
}

impl StatusCache {
    /// The cached report of `database` if fresh for `generation`, else the
    /// one `compute` returns (which is cached; errors are not).
    pub async fn get<E, F, Fut>(
        &self,
        database: &str,
        generation: u64,
        compute: F,
    ) -> Result<pb::StatusReport, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<pb::StatusReport, E>>,
    {
        let slot = {
            // A poisoned map only ever held complete entries.
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(slots.entry(database.to_string()).or_default())
        };
        // Held while computing: the other callers wait for this result
        // instead of computing their own.
        let mut entry = slot.lock().await;
        if let Some(e) = entry
            .as_ref()
            .filter(|e| e.generation == generation && e.at.elapsed() < TTL)
        {
            return Ok(e.report.clone());
        }
        let at = Instant::now();
        let report = compute().await?;
        *entry = Some(Entry {
            at,
            generation,
            report: report.clone(),
        });
        drop(entry);
        self.evict();
        Ok(report)
    }

    /// Drops the entries nobody waits for and no request could reuse.
    fn evict(&self) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() <= KEEP {
            return;
        }
        slots.retain(|_, slot| {
            Arc::strong_count(slot) > 1
                || slot
                    .try_lock()
                    .map_or(true, |e| e.as_ref().is_some_and(|e| e.at.elapsed() < TTL))
        });
    }
}
