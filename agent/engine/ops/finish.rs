//! The last steps: `cutover` (new database ready), `cleanup-old` (drop the
//! old database's migration tables) and `reset` (undo everything before
//! cutover).

use std::time::Instant;

use super::super::error::{EngineError, Result, SqlContext};
use super::super::open::{self, Busy};
use super::super::paths::DatabaseSpec;
use super::super::record::{self, MarkerStatus, Removed};
use super::super::{certificate, meta};
use super::locate;
use super::migrate::remove_db_files;

/// Whether cutover requires the migration to be certified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verification {
    /// Refuse unless a full verify (or drain's verify stage) certified it.
    #[default]
    Required,
    /// Cut over anyway (`--skip-verify`), and record that in the new database.
    Skip,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CutoverOptions {
    pub busy: Busy,
    pub verification: Verification,
}

#[derive(Debug, Clone)]
pub struct CutoverReport {
    pub millis: f64,
    /// Certified before cutover (false: cut over with --skip-verify).
    pub certified: bool,
    /// When the certifying verification ran (empty when not certified).
    pub verified_at: String,
    pub id_mapping_removed: bool,
    pub progress_removed: bool,
    pub new_path: std::path::PathBuf,
}

fn not_drained(detail: &str) -> EngineError {
    EngineError::Precondition(format!(
        "Drain is not complete: {detail}; rerun `mig drain`, then recheck `mig status`"
    ))
}

pub fn cutover(spec: &DatabaseSpec, opts: &CutoverOptions) -> Result<CutoverReport> {
    let busy = opts.busy;
    let loc = locate(spec, busy);
    let new = loc.new_path()?.clone();
    let mut conn = open::work(&new, None, busy)?;
    match meta::read_status(&conn, "main")? {
        None => return Err(EngineError::Precondition(format!(
            "{} has no _migration_status: it was not created by `mig migrate`; verify the command order: migrate -> drain -> cutover",
            new.display()
        ))),
        Some(meta::MigrationStatus::Ready) => return Err(EngineError::Precondition(format!(
            "{} is already cut over (ready); nothing to do", new.display()
        ))),
        Some(meta::MigrationStatus::Migrating) => {}
    }
    let checkpoint = meta::checkpoint(&conn)?;
    let drained = meta::get(&conn, "drain", 0)?;
    // When the old database can be read, it must agree: refusing writes, and
    // nothing logged beyond what was replayed.
    if let Some(old) = loc.old.as_ref().filter(|p| p.exists()) {
        let old_ro = open::old_ro(old, busy)?;
        match record::read_marker(&old_ro, "main")? {
            Some(m) if m.status == MarkerStatus::Recording => {
                return Err(not_drained("the old database is still recording writes"))
            }
            Some(m) => {
                let pending = record::log_max(&old_ro, "main")?.saturating_sub(checkpoint);
                if pending > 0 {
                    return Err(not_drained(&format!("{pending} log entries are pending replay")));
                }
                // Writes are refused only through the recording triggers: a
                // table created (or a trigger dropped) after the freeze could
                // hold rows the new database never saw.
                let changes = record::drift(&m.catalog, &record::catalog_listing(&old_ro, "main")?);
                if !changes.is_empty() {
                    return Err(EngineError::Drift(format!(
                        "the old database was changed outside the recorded path after drain ({}); rows written there are not in the new database: undo the change and rerun `mig drain`, or `mig reset` and migrate again",
                        changes.join(", ")
                    )));
                }
            }
            None => {
                return Err(EngineError::Precondition(format!(
                    "the old database {} has no migration tables; verify the command order: migrate -> drain -> cutover",
                    old.display()
                )))
            }
        }
    }
    match drained {
        Some(d) if d.done && d.n == checkpoint => {}
        _ => {
            return Err(not_drained(
                "the replay has not been completed with writes refused",
            ))
        }
    }
    let id = meta::read_identity(&conn, "main")?.ok_or_else(|| {
        EngineError::Precondition(format!(
            "{} has no _schema_identity; it was not created by `mig migrate`",
            new.display()
        ))
    })?;
    let cert = certificate::read(&conn, "main", &id.migration_id)?;
    if !cert.certified() && opts.verification == Verification::Required {
        return Err(EngineError::Precondition(format!(
            "the migration is not certified: {}; run `mig verify` (a full comparison of every table), or pass --skip-verify to cut over without verification",
            if cert.drain_skipped_verify_at.is_some() {
                "drain ran with --skip-verify"
            } else {
                "no full verify has succeeded"
            }
        )));
    }
    let started = Instant::now();
    let tx = conn.transaction().ctx(|| "cutting over".into())?;
    if !cert.certified() {
        certificate::record_skip(&tx, &id.migration_id, certificate::Skipped::Cutover)?;
    }
    tx.execute_batch(
        "UPDATE _migration_status SET status = 'ready', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1;\n\
         UPDATE _schema_identity SET ready_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1;\n\
         DROP TABLE IF EXISTS _id_mapping;\n\
         DROP TABLE IF EXISTS _migration_progress;",
    )
    .ctx(|| "cutting over".into())?;
    crate::engine::failpoint::hit("cutover.before-commit");
    tx.commit().ctx(|| "committing the cutover".into())?;
    crate::engine::failpoint::hit("cutover.after-commit");
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    Ok(CutoverReport {
        millis,
        certified: cert.certified(),
        verified_at: cert.verified.map(|v| v.at).unwrap_or_default(),
        id_mapping_removed: true,
        progress_removed: true,
        new_path: new,
    })
}

pub fn cleanup_old(spec: &DatabaseSpec, busy: Busy) -> Result<Removed> {
    let loc = locate(spec, busy);
    let old = loc.old_path()?.clone();
    let mut conn = open::old_rw(&old, busy)?;
    let marker = record::read_marker(&conn, "main")?;
    if marker.is_none()
        && record::trigger_count(&conn, "main")? == 0
        && !record::has_table(&conn, "main", "_migration_log")?
    {
        return Err(EngineError::Precondition(format!(
            "the old database {} has no migration tables (already cleaned up, or never migrated); verify the command order: migrate -> drain -> cutover -> cleanup-old",
            old.display()
        )));
    }
    // Dropping the triggers before cutover would let writes through that
    // the new database never sees.
    if let Some(m) = &marker {
        if m.status == MarkerStatus::Draining {
            let new = std::path::Path::new(&m.new_path);
            if new.exists() {
                let c = open::new_ro(new, busy)?;
                if meta::read_status(&c, "main")? == Some(meta::MigrationStatus::Migrating) {
                    return Err(EngineError::Precondition(format!(
                        "the new database {} is not cut over yet: run `mig cutover` first, or `mig reset` to abandon the migration",
                        new.display()
                    )));
                }
            }
        }
    }
    record::remove(
        &mut conn,
        &[MarkerStatus::Recording],
        "Old database is still in recording mode: its writes still need replaying; finish `mig drain` + `mig cutover` first",
    )
}

#[derive(Debug, Clone, Default)]
pub struct ResetReport {
    pub dry_run: bool,
    pub actions: Vec<String>,
}

pub fn reset(spec: &DatabaseSpec, busy: Busy, dry_run: bool) -> Result<ResetReport> {
    let loc = locate(spec, busy);
    let mut actions = Vec::new();
    let mut marker_id = None;
    let mut old_conn = None;
    if let Some(old) = loc.old.as_ref().filter(|p| p.exists()) {
        let conn = open::old_rw(old, busy)?;
        let marker = record::read_marker(&conn, "main")?;
        marker_id = marker.as_ref().map(|m| m.migration_id.clone());
        let triggers = record::trigger_count(&conn, "main")?;
        let log = record::has_table(&conn, "main", "_migration_log")?;
        if marker.is_some() || triggers > 0 || log {
            let entries = meta::count_rows(&conn, "main", "_migration_log")?.unwrap_or(0);
            actions.push(format!(
                "drop {triggers} recording trigger(s), _migration_log ({entries} entries) and _migration_marker from {}",
                old.display()
            ));
            old_conn = Some(conn);
        }
    }
    let mut delete_new = None;
    if let Some(new) = loc.new.as_ref().filter(|p| p.exists()) {
        let conn = open::new_ro(new, busy)?;
        let status = meta::read_status(&conn, "main")?;
        let identity = meta::read_identity(&conn, "main")?;
        match (status, identity) {
            (Some(meta::MigrationStatus::Ready), _) => {
                return Err(EngineError::Precondition(format!(
                    "{} is already cut over (ready) and may hold new writes; reset works only before cutover — roll back by routing traffic to the old service, keeping both files",
                    new.display()
                )))
            }
            (Some(meta::MigrationStatus::Migrating), Some(id)) => {
                if marker_id.as_ref().is_some_and(|m| *m != id.migration_id) {
                    return Err(EngineError::Precondition(format!(
                        "{} belongs to a different migration than the old database's; check --old and --new",
                        new.display()
                    )));
                }
                actions.push(format!("delete the new database {} (not cut over)", new.display()));
                delete_new = Some(new.clone());
            }
            _ => {
                return Err(EngineError::Precondition(format!(
                    "refusing to delete {}: it was not created by `mig migrate`",
                    new.display()
                )))
            }
        }
    }
    if actions.is_empty() {
        actions.push("nothing to reset: no migration tables and no new database found".into());
    }
    if dry_run {
        return Ok(ResetReport { dry_run, actions });
    }
    if let Some(mut conn) = old_conn {
        record::remove(&mut conn, &[], "")?;
    }
    if let Some(new) = delete_new {
        crate::engine::failpoint::hit("reset.before-delete-new");
        remove_db_files(&new)?;
    }
    Ok(ResetReport { dry_run, actions })
}
