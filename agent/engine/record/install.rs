//! Starting to record on the old database: `_migration_marker`,
//! `_migration_log`, the helper view the triggers refuse through
//! (`triggers::REFUSAL`) and every table's recording triggers, in one
//! write transaction and one schema change: the triggers are written as
//! schema rows (`bulk.rs`), so a service's write waits for those inserts
//! and then reloads the schema once, not once per paced transaction.
//!
//! The copy reads no row before every table records. The transaction
//! records in the marker's catalog the triggers it created, so a trigger
//! later dropped is drift. With the test-only `MIG_PACED_STEPS` the
//! triggers go in several transactions, so the crash suite can cut an
//! install short: one never created is not drift, and the next `migrate`
//! creates the missing ones before it copies ([`install`] again).

use std::collections::HashSet;
use std::time::Instant;

use rusqlite::Connection;

use super::bulk::{self, SchemaRow};
use super::triggers::{refusal_helper, trigger_defs, Logging, Recorder, REFUSAL};
use super::{
    catalog_listing, catalog_listing_leaving, drift, drift_error, mig_triggers, read_marker,
    schema_version, MarkerStatus, MARKER_STATUSES,
};
use crate::engine::catalog::Catalog;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::failpoint;
use crate::engine::lock;
use crate::engine::plan::Plan;

pub struct InstallSpec<'a> {
    /// Its `left_to_owner` tables get no trigger and are recorded as such.
    pub plan: &'a Plan,
    pub migration_id: &'a str,
    pub new_path: &'a str,
    /// The old database file's inode (see [`super::Marker::inode`]).
    pub inode: Option<u64>,
}

/// What [`install`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Installed {
    /// Recording triggers created (0: every table recorded already).
    pub triggers: u32,
    /// Write transactions it took (each one schema change).
    pub transactions: u32,
    /// The longest any of them held the write lock.
    pub longest_hold: std::time::Duration,
}

/// Starts recording, or completes a start cut short: with no marker,
/// creates it, the log and every table's triggers; with one (recording),
/// creates the triggers it does not have yet. Either way every table
/// records when it returns.
pub fn install(conn: &Connection, spec: &InstallSpec<'_>) -> Result<Installed> {
    let todo = planned(conn, spec)?;
    if !todo.fresh && todo.rows.is_empty() {
        return Ok(Installed::default());
    }
    let mut batch = Recording {
        spec,
        fresh: todo.fresh,
        version: todo.version,
    };
    // One transaction, but for the crash suite's cut-short installs.
    let per_batch = failpoint::paced_steps().unwrap_or(usize::MAX).max(1);
    let (mut next, mut transactions): (usize, u32) = (0, 0);
    let mut longest_hold = std::time::Duration::ZERO;
    loop {
        let end = next.saturating_add(per_batch).min(todo.rows.len());
        let held = one_transaction(conn, &mut batch, &todo.rows[next..end])?;
        longest_hold = longest_hold.max(held);
        transactions += 1;
        next = end;
        if next == todo.rows.len() {
            tracing::info!(
                triggers = todo.rows.len(),
                transactions,
                longest_hold_ms = longest_hold.as_secs_f64() * 1000.0,
                "recording installed on the old database"
            );
            return Ok(Installed {
                triggers: todo.rows.len() as u32,
                transactions,
                longest_hold,
            });
        }
        // A service's writes get through between the transactions.
        std::thread::sleep(crate::engine::paced::free_for(held));
    }
}

/// One install transaction: its checks, `rows` written, its bookkeeping,
/// one schema change, the commit; returns how long it held the lock.
fn one_transaction(
    conn: &Connection,
    batch: &mut Recording<'_>,
    rows: &[SchemaRow],
) -> Result<std::time::Duration> {
    let what = || "starting to record on the old database".to_string();
    let tx = lock::begin_immediate(conn).ctx(what)?;
    let locked = Instant::now();
    batch.before(&tx)?;
    bulk::insert_in(&tx, rows)?;
    let names: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    batch.after(&tx, &names)?;
    batch.version = bulk::changed_in(&tx)?;
    failpoint::hit("record.mid-install");
    tx.commit().ctx(what)?;
    let held = locked.elapsed();
    failpoint::hit("record.after-batch");
    Ok(held)
}

/// The install's triggers, planned in one read of the old database.
struct Todo {
    rows: Vec<SchemaRow>,
    /// No marker yet: the first transaction creates it.
    fresh: bool,
    /// The schema version the rows were planned (and compiled) at.
    version: i64,
}

/// The triggers to create, read without a lock: all of them with no
/// marker, the missing ones with one (after checking it still records and
/// nothing it recorded changed); each compiled by SQLite on this schema
/// ([`bulk::validate`]).
fn planned(conn: &Connection, spec: &InstallSpec<'_>) -> Result<Todo> {
    let what = || "reading the old database's catalog".to_string();
    let tx = conn.unchecked_transaction().ctx(what)?;
    let marker = read_marker(&tx, "main")?;
    let existing: HashSet<String> = match &marker {
        None => HashSet::new(),
        Some(m) => {
            require_recording(Some(m.status))?;
            let changes = drift(&m.catalog, &catalog_listing(&tx, "main")?);
            if !changes.is_empty() {
                return Err(drift_error(&changes));
            }
            mig_triggers(&tx)?.into_iter().collect()
        }
    };
    let mut old = Catalog::read(&tx, "main")?;
    old.leave(&spec.plan.left_to_owner);
    let sourced = spec.plan.source_tables();
    let recorder = Recorder::forward();
    let mut rows = Vec::new();
    for t in &old.tables {
        let logging = if sourced.iter().any(|s| s.eq_ignore_ascii_case(&t.name)) {
            Logging::Logged
        } else {
            Logging::GuardOnly
        };
        for d in trigger_defs(t, &spec.plan.tracking_key(t), logging, &recorder) {
            if !existing.contains(&d.name) {
                rows.push(SchemaRow::new(d.name, &t.name, &d.sql)?);
            }
        }
    }
    bulk::validate(&tx, &rows)?;
    let version = schema_version(&tx)?;
    tx.finish().ctx(what)?;
    Ok(Todo {
        rows,
        fresh: marker.is_none(),
        version,
    })
}

/// One install's transactions: the first of a fresh one creates the
/// marker and the log; each checks first that the schema is the one its
/// triggers were compiled on (or the last commit left).
struct Recording<'a> {
    spec: &'a InstallSpec<'a>,
    fresh: bool,
    /// The schema version the last commit left (or the plan was read at).
    version: i64,
}

impl Recording<'_> {
    fn before(&mut self, tx: &Connection) -> Result<()> {
        let now = schema_version(tx)?;
        let changed = || {
            EngineError::Precondition(
                "the old database's schema changed while migrate was starting to record; run `mig migrate` again".into(),
            )
        };
        if self.fresh {
            if now != self.version {
                return Err(changed());
            }
            create_tables_in(tx, self.spec.plan.key_width)?;
            // With no marker nothing records through a helper left behind
            // (a database put back from a copy taken mid-migration, its
            // recording removed by hand): made anew, naming this new path.
            tx.execute_batch(&format!("DROP VIEW IF EXISTS {REFUSAL}"))
                .ctx(|| format!("dropping a {REFUSAL} left behind"))?;
            return create_helper_in(tx, self.spec.new_path);
        }
        let marker = read_marker(tx, "main")?;
        require_recording(marker.as_ref().map(|m| m.status))?;
        if now != self.version {
            // What changed, if it is drift; else another mig's install.
            let recorded = marker.map(|m| m.catalog).unwrap_or_default();
            let changes = drift(&recorded, &catalog_listing(tx, "main")?);
            if !changes.is_empty() {
                return Err(drift_error(&changes));
            }
            return Err(changed());
        }
        // An install an older mig began and cut short has no helper: the
        // triggers created now refuse through it.
        if !has_helper(tx)? {
            create_helper_in(tx, self.spec.new_path)?;
            super::rerecord_tables_like_in(tx, REFUSAL)?;
            // And the marker's trigger keeping its row, on the marker.
            super::rerecord_tables_like_in(tx, "_migration_marker")?;
        }
        Ok(())
    }

    fn after(&mut self, tx: &Connection, changed: &[String]) -> Result<()> {
        if self.fresh {
            insert_marker_in(tx, self.spec)?;
            self.fresh = false;
        } else {
            super::record_triggers_in(tx, changed)?;
        }
        Ok(())
    }
}

/// The marker must say recording (another mig may have moved it on).
fn require_recording(status: Option<MarkerStatus>) -> Result<()> {
    match status {
        Some(MarkerStatus::Recording) => Ok(()),
        _ => Err(EngineError::Precondition(
            "the old database's marker is no longer recording; another mig is working on it: check `mig status`".into(),
        )),
    }
}

/// `_migration_marker` and `_migration_log` (keys `width` wide).
fn create_tables_in(tx: &Connection, width: usize) -> Result<()> {
    let keys: Vec<String> = (0..width).map(|i| format!("k{i}")).collect();
    let olds: Vec<String> = (0..width).map(|i| format!("o{i}")).collect();
    tx.execute_batch(&format!(
        "CREATE TABLE _migration_marker(\n  id INTEGER PRIMARY KEY CHECK (id = 1),\n  status TEXT NOT NULL CHECK (status IN ({})),\n  migration_id TEXT NOT NULL,\n  new_path TEXT NOT NULL,\n  schema_hash TEXT NOT NULL,\n  started_at TEXT NOT NULL,\n  updated_at TEXT NOT NULL,\n  catalog TEXT NOT NULL,\n  inode INTEGER\n);\n\
         CREATE TABLE _migration_log(seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, at REAL NOT NULL, {}, {});",
        MARKER_STATUSES,
        keys.join(", "),
        olds.join(", ")
    ))
    .ctx(|| "creating _migration_marker and _migration_log".into())
}

/// The helper view the recording triggers refuse through
/// ([`refusal_helper`]), its refusals naming `new_path`, and the marker's
/// trigger keeping its row (`triggers::MARKER_KEPT`).
fn create_helper_in(tx: &Connection, new_path: &str) -> Result<()> {
    tx.execute_batch(&refusal_helper(new_path))
        .ctx(|| format!("creating {REFUSAL}, the recording's refusals"))
}

/// Whether the old database has the helper view and its trigger.
fn has_helper(tx: &Connection) -> Result<bool> {
    let n: i64 = tx
        .query_row(
            "SELECT count(*) FROM main.sqlite_schema WHERE name = ?1 AND type IN ('view', 'trigger')",
            [REFUSAL],
            |r| r.get(0),
        )
        .ctx(|| format!("looking for {REFUSAL}"))?;
    Ok(n == 2)
}

/// The marker row, recording the catalog as the first transaction leaves
/// it (its triggers in it).
fn insert_marker_in(tx: &Connection, spec: &InstallSpec<'_>) -> Result<()> {
    let left = &spec.plan.left_to_owner;
    let catalog = catalog_listing_leaving(tx, "main", left)? + &left.recorded_lines();
    tx.execute(
        "INSERT INTO _migration_marker(id, status, migration_id, new_path, schema_hash, started_at, updated_at, catalog, inode) \
         VALUES (1, 'recording', ?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?4, ?5)",
        rusqlite::params![spec.migration_id, spec.new_path, spec.plan.schema_hash, catalog, spec.inode.map(|i| i as i64)],
    )
    .ctx(|| "writing _migration_marker".into())?;
    Ok(())
}
