//! The old database's step after cutover (standby or retired), split so
//! that nothing it does under the old database's write lock grows with the
//! schema: [`SettlePlan::read`] reads the triggers that will refuse (the
//! recording triggers carrying the refusals, or guards drain armed) and lists the
//! catalog before the lock (cutover reads it before the new database's
//! commit, `drain --cutover` before its freeze), and inside the lock
//! [`SettlePlan::check_in`] compares only the schema version with the
//! plan's. While it is the same, [`settle_in`] switches the marker and
//! records the planned listing with the revert window's bookkeeping
//! patched in; a schema changed since the plan takes the full path
//! (re-checking the guards, listing the catalog under the lock).

use rusqlite::Connection;

use super::{armed, carried, install_in, set_marker_in, switch_marker_in, GuardKind};
use crate::engine::catalog::names_with_prefix;
use crate::engine::error::{Result, SqlContext};
use crate::engine::owners::LeftToOwner;
use crate::engine::record::{self, MarkerStatus};

/// The prefix of the revert window's bookkeeping tables on the old database.
const STORE_PREFIX: &str = "_mig_revert_";

/// What the old side's settle reads before its lock, at one schema version.
pub struct SettlePlan {
    /// The triggers that will refuse once the marker switches: the
    /// recording triggers carrying the refusals ([`carried`]), or the
    /// guards an older mig's drain armed ([`armed`]).
    armed: Option<u32>,
    /// The old database's schema version when read.
    version: i64,
    /// The catalog listing to record (as `record_catalog_in` makes it).
    listing: String,
    /// The revert window's tables present.
    store_tables: Vec<String>,
}

/// The plan checked inside the settle's transaction.
pub enum Checked<'p> {
    /// The schema is the one the plan read.
    Current(&'p SettlePlan),
    /// The schema changed since (or no guards were armed): read it again.
    Changed(&'p SettlePlan),
}

impl SettlePlan {
    /// Reads the plan in one read transaction (guards, version and
    /// listing agree). Reads only; takes no write lock.
    pub fn read(conn: &Connection) -> Result<SettlePlan> {
        let what = || "reading the old database before its cutover step".to_string();
        let tx = conn.unchecked_transaction().ctx(what)?;
        let plan = SettlePlan {
            armed: refusing_ahead(&tx)?,
            version: super::schema_version(&tx)?,
            listing: listing_now(&tx)?,
            store_tables: names_with_prefix(&tx, "table", STORE_PREFIX)?,
        };
        tx.finish().ctx(what)?;
        Ok(plan)
    }

    /// Inside the settle's write transaction, before it changes anything:
    /// one pragma, whatever the schema's size.
    pub fn check_in(&self, tx: &Connection) -> Result<Checked<'_>> {
        let current = self.armed.is_some() && super::schema_version(tx)? == self.version;
        Ok(match current {
            true => Checked::Current(self),
            false => Checked::Changed(self),
        })
    }
}

impl Checked<'_> {
    /// The revert window's tables present now.
    pub fn store_tables(&self, tx: &Connection) -> Result<Vec<String>> {
        match self {
            Checked::Current(plan) => Ok(plan.store_tables.clone()),
            Checked::Changed(_) => names_with_prefix(tx, "table", STORE_PREFIX),
        }
    }
}

/// The old side after cutover, inside the caller's write transaction
/// (after the revert window's bookkeeping was created or dropped there):
/// the marker moves to standby or retired (from any of `from`). With the
/// guards armed and the schema as planned, that is all, besides recording
/// the planned listing with the bookkeeping's tables as they are now; with
/// the schema changed, the refusing triggers are re-checked and the catalog
/// listed here; with none ready (a drain by an older mig) guards are
/// installed here, replacing mig's other triggers. Returns the triggers
/// now refusing writes.
pub fn settle_in(
    tx: &Connection,
    checked: &Checked<'_>,
    (kind, other_path): (GuardKind, &str),
    from: &[MarkerStatus],
) -> Result<u32> {
    let to = match kind {
        GuardKind::Standby => MarkerStatus::Standby,
        GuardKind::Retired | GuardKind::Migrating => MarkerStatus::Retired,
    };
    let plan = match checked {
        Checked::Current(plan) => {
            switch_marker_in(tx, from, to)?;
            let listing = record::listing_with_tables_like(tx, &plan.listing, STORE_PREFIX)?;
            record_listing_in(tx, &listing)?;
            return Ok(plan.armed.unwrap_or_default());
        }
        Checked::Changed(plan) => plan,
    };
    if let Some(n) = plan
        .armed
        .filter(|&n| refusing_ahead(tx).is_ok_and(|now| now == Some(n)))
    {
        switch_marker_in(tx, from, to)?;
        record_listing_in(tx, &listing_now(tx)?)?;
        return Ok(n);
    }
    let n = install_in(tx, kind, other_path)?;
    set_marker_in(tx, from, to)?;
    Ok(n)
}

/// The triggers that refuse once the marker switches, ready on every
/// table: the guards an older mig's drain armed, or else the recording
/// triggers carrying the refusals.
fn refusing_ahead(conn: &Connection) -> Result<Option<u32>> {
    match armed(conn)? {
        Some(n) => Ok(Some(n)),
        None => carried(conn),
    }
}

/// The old catalog as it is now, keeping the tables left to their owner
/// that the marker recorded (so later drift checks still leave them out).
pub(super) fn listing_now(conn: &Connection) -> Result<String> {
    let recorded = record::read_marker(conn, "main")?.map(|m| m.catalog);
    let left = LeftToOwner::from_recorded(recorded.as_deref().unwrap_or(""));
    Ok(record::catalog_listing_leaving(conn, "main", &left)? + &left.recorded_lines())
}

/// Records `listing` as the old catalog in the marker.
pub(super) fn record_listing_in(tx: &Connection, listing: &str) -> Result<()> {
    tx.execute(
        "UPDATE _migration_marker SET catalog = ?1 WHERE id = 1",
        [listing],
    )
    .ctx(|| "recording the old catalog".into())?;
    Ok(())
}
