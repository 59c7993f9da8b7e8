//! The new database's guards while it says `migrating` (`_mig_migrating_*`):
//! conditional on the new database's own status row, so the commit that
//! makes it ready (or reverted) is also the moment they stop refusing —
//! cutover's transaction drops none of them. They are dropped afterwards
//! by [`sweep`], in transactions bounded in time, so the new service,
//! writing from readiness on, never waits long on the lock (SQLite's DROP
//! TRIGGER scans the whole schema, so dropping thousands in one transaction
//! takes seconds). A sweep cut short (mig or the agent killed) is finished
//! by the next one: the next cutover, finalize or cleanup-old, or the
//! agent's round over a cut-over database. An inert leftover refuses
//! nothing and is no part of the catalog mig compares (`_mig_*`).

use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::MIGRATING_PREFIX;
use crate::engine::catalog::{names_with_prefix, q, with_prefix};
use crate::engine::error::{Result, SqlContext};
use crate::engine::lock;
use crate::engine::new_side::{self, MigrationStatus};
use crate::engine::open::{self, Busy};

/// The condition of a migrating guard: the new database still says
/// migrating. Read in the statement the trigger fires for, so the commit
/// that changes the status switches every guard at once.
pub(super) const WHEN: &str =
    "WHEN (SELECT status FROM _migration_status WHERE id = 1) = 'migrating'";

/// What a sweep transaction may hold the new database's write lock for at
/// least (it stops dropping once past it, or past what reloading the
/// schema took; at least one trigger goes each time).
pub const SWEEP_HOLD: Duration = Duration::from_millis(5);

/// At most this many guards dropped in one sweep transaction: each commit
/// makes the service's connections read the schema again, so not one
/// trigger a commit either.
const SWEEP_BATCH: usize = 256;

/// Inside cutover's transaction: drops the migrating guards that are not
/// conditional (created by a mig before they were), which the status
/// switch would not make inert. Returns how many (0 for guards this mig
/// created: the transaction then changes no schema object for them).
pub fn drop_unconditional_in(tx: &Connection) -> Result<u32> {
    let guards = with_prefix(tx, "trigger", MIGRATING_PREFIX)?;
    let unconditional: Vec<&String> = guards
        .iter()
        .filter(|(_, sql)| !sql.contains(WHEN))
        .map(|(name, _)| name)
        .collect();
    for name in &unconditional {
        tx.execute_batch(&format!("DROP TRIGGER {}", q(name)))
            .ctx(|| format!("dropping trigger {name}"))?;
    }
    Ok(unconditional.len() as u32)
}

/// Drops the new database's migrating guards once it no longer says
/// migrating, in transactions that hold its write lock at most about
/// [`SWEEP_HOLD`] each. Idempotent; nothing happens while it migrates.
/// Returns how many were dropped.
pub fn sweep(conn: &Connection) -> Result<u32> {
    // Most calls find none: read before taking the write lock.
    if names_with_prefix(conn, "trigger", MIGRATING_PREFIX)?.is_empty() {
        return Ok(0);
    }
    let pace = lock::SchemaPace::new(open::new_ro(
        std::path::Path::new(conn.path().unwrap_or_default()),
        Busy::default(),
    )?);
    let (mut dropped, mut hold) = (0, SWEEP_HOLD);
    loop {
        let tx = lock::begin_immediate(conn).ctx(|| "dropping the inert guards".into())?;
        if new_side::read_status(&tx, "main")?.is_none_or(|s| s == MigrationStatus::Migrating) {
            return Ok(dropped);
        }
        let names = names_with_prefix(&tx, "trigger", MIGRATING_PREFIX)?;
        if names.is_empty() {
            return Ok(dropped);
        }
        let started = Instant::now();
        for name in names.iter().take(SWEEP_BATCH) {
            tx.execute_batch(&format!("DROP TRIGGER {}", q(name)))
                .ctx(|| format!("dropping trigger {name}"))?;
            dropped += 1;
            if started.elapsed() >= hold {
                break;
            }
        }
        tx.commit().ctx(|| "dropping the inert guards".into())?;
        crate::engine::failpoint::hit("sweep.after-batch");
        // The new service's writes get through between the transactions.
        let reload = pace
            .after_commit(started.elapsed())
            .ctx(|| "reading the new database's schema".into())?;
        hold = reload.max(SWEEP_HOLD);
    }
}
