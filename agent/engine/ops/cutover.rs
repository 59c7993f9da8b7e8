//! `cutover`: the new database becomes ready (`_migration_status` →
//! `ready`), in one transaction that also drops the progress table and the
//! guards that refused writes while it was migrating, once
//! the state proves the migration drained and certified (or the operator
//! skips verification, which is recorded). With a revert window the same
//! transaction starts the new database's reverse recording (and keeps the
//! id mapping); without one it drops the mapping. Then, in a transaction
//! of its own, the old database becomes a standby (window) or retired: its
//! writes stay refused, with a message naming the new database.

use std::path::Path;
use std::time::Instant;

use rusqlite::Connection;

use crate::engine::certificate;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::guard::{self, GuardKind};
use crate::engine::new_side::Identity;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::record;
use crate::engine::revert::{inverse_of, window, Inverse};
use crate::engine::state::{locate, Certification, MigrationState, OldSide, Verification};

#[derive(Debug, Clone, Copy, Default)]
pub struct CutoverOptions {
    pub busy: Busy,
    pub verification: Verification,
    /// Seconds the revert window stays open (0: no window).
    pub revert_window_secs: u64,
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
    /// When the revert window ends (empty: no window).
    pub revert_window_closes_at: String,
    /// Only the old side was left to do (a cutover killed after its commit).
    pub old_side_only: bool,
    /// How long writes had been refused when the new database became ready:
    /// from the freeze (the marker's switch to draining) to just after this
    /// commit. `None` when the old database could not be read.
    pub writes_refused_ms: Option<f64>,
    /// Just after the commit that made the new database ready (`None`: only
    /// the old side was done): where the outage a service sees ends.
    pub committed: Option<Instant>,
}

pub fn cutover(spec: &DatabaseSpec, opts: &CutoverOptions) -> Result<CutoverReport> {
    let busy = opts.busy;
    let st = MigrationState::claim(locate(spec, busy), busy)?;
    if st.cut_over() && st.old_side_pending().is_some() {
        super::window::settle(&st, busy)?;
        return Ok(CutoverReport {
            old_side_only: true,
            ..report_of(&st, 0.0)
        });
    }
    st.require_window_if_asked(opts.revert_window_secs)?;
    st.require_drained()?;
    let cert = st.require_certified_or_skip(opts.verification)?;
    let (new, old) = (st.new_path()?.to_path_buf(), st.old_path()?.to_path_buf());
    let inv = window_inverse(&cert.identity, &old, opts.revert_window_secs)?;
    let refused_since = st.marker().map(|m| m.updated_at.clone());
    let mut conn = open::work(&new, None, busy)?;
    let started = Instant::now();
    commit_ready(
        &mut conn,
        &cert,
        inv.as_ref(),
        (&old, opts.revert_window_secs),
    )?;
    let committed = Instant::now();
    let millis = (committed - started).as_secs_f64() * 1000.0;
    // The outage a service sees ends here, before the old side is settled.
    let writes_refused_ms = refused_since.and_then(|since| record::ms_since(&since));
    let side = if inv.is_some() {
        OldSide::Standby
    } else {
        OldSide::Retire
    };
    super::window::settle_old(&old, &new, side, inv.as_ref(), busy)?;
    let mut report = report_of(&MigrationState::read(spec, busy)?, millis);
    report.certified = cert.certified;
    report.verified_at = cert.verified_at;
    report.writes_refused_ms = writes_refused_ms;
    report.committed = Some(committed);
    Ok(report)
}

/// The cutover's one transaction on the new database: status `ready`
/// (and a `--skip-verify` recorded), progress dropped, then a revert
/// window opened over `(old, window_secs)` or the id mappings dropped.
fn commit_ready(
    conn: &mut Connection,
    cert: &Certification,
    inv: Option<&Inverse>,
    (old, window_secs): (&Path, u64),
) -> Result<()> {
    let tx = conn.transaction().ctx(|| "cutting over".into())?;
    if !cert.certified {
        certificate::record_skip(
            &tx,
            &cert.identity.migration_id,
            certificate::Skipped::Cutover,
        )?;
    }
    tx.execute_batch(
        "UPDATE _migration_status SET status = 'ready', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1;\n\
         UPDATE _schema_identity SET ready_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1;\n\
         DROP TABLE IF EXISTS _migration_progress;",
    )
    .ctx(|| "cutting over".into())?;
    // Ready: the new service's writes go through from this commit on.
    guard::drop_in(&tx, GuardKind::Migrating)?;
    match inv {
        Some(inv) => window::open_in(
            &tx,
            inv,
            &window::OpenSpec {
                window_secs,
                old_path: &old.display().to_string(),
                migration_id: &cert.identity.migration_id,
            },
        )?,
        None => crate::engine::mapping::drop_all(&tx)?,
    }
    crate::engine::failpoint::hit("cutover.before-commit");
    tx.commit().ctx(|| "committing the cutover".into())?;
    crate::engine::failpoint::hit("cutover.after-commit");
    Ok(())
}

/// The inverse mapping a revert window of `secs` needs (none for 0), or
/// why the migration cannot have one. Reads only the schema; `drain
/// --cutover` asks it before its freeze.
pub(super) fn window_inverse(id: &Identity, old: &Path, secs: u64) -> Result<Option<Inverse>> {
    if secs == 0 {
        return Ok(None);
    }
    let (_, inv) = inverse_of(id, old)?;
    if !inv.revertible() {
        return Err(EngineError::Precondition(format!(
            "cannot open a revert window: {}; add the `-- mig:revert` lines `mig plan` names, or cut over without --revert-window",
            inv.problems().join("; ")
        )));
    }
    Ok(Some(inv))
}

/// The report of a cutover as the files now say (both sides cut over).
fn report_of(st: &MigrationState, millis: f64) -> CutoverReport {
    let new = st.new.as_ref();
    CutoverReport {
        millis,
        certified: new.is_some_and(|n| n.certificate.certified()),
        verified_at: new
            .and_then(|n| n.certificate.verified.as_ref())
            .map(|v| v.at.clone())
            .unwrap_or_default(),
        id_mapping_removed: new.is_some_and(|n| n.id_mapping_rows.is_none()),
        progress_removed: true,
        new_path: st.located.new.clone().unwrap_or_default(),
        revert_window_closes_at: st.window().map(|w| w.closes_at.clone()).unwrap_or_default(),
        old_side_only: false,
        writes_refused_ms: None,
        committed: None,
    }
}
