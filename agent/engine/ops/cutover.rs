//! `cutover`: the new database becomes ready (`_migration_status` →
//! `ready`), in one transaction that also drops the progress table, once
//! the state proves the migration drained and certified (or the operator
//! skips verification, which is recorded). The guards that refused writes
//! while it was migrating go inert with that commit and are dropped after
//! it, outside the outage, in short transactions (`guard::migrating`). With a revert window the same
//! transaction starts the new database's reverse recording (and the id
//! mapping is kept); without one the mapping is removed after the outage,
//! in paced transactions (`mapping::retire`). Then, in a transaction of
//! its own, the old database becomes a standby (window) or retired: its
//! writes stay refused, with a message naming the new database.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::Connection;

use super::window::OldSettle;
use crate::engine::certificate;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::guard;
use crate::engine::lock;
use crate::engine::mapping::{self, retire::Left};
use crate::engine::new_side::Identity;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::record;
use crate::engine::revert::{inverse_of, window, Inverse};
use crate::engine::state::{locate, Certification, MigrationState, OldSide, Session, Verification};

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
    /// Just after the old side's commit (`None`: only the old side was
    /// done): where the outage a service sees ends, on either database (the
    /// old one's lock, held by that step, is free again).
    pub committed: Option<Instant>,
}

pub fn cutover(spec: &DatabaseSpec, opts: &CutoverOptions) -> Result<CutoverReport> {
    let busy = opts.busy;
    let mut session = Session::claim(locate(spec, busy), busy)?;
    let st = &session.state;
    if st.cut_over() && st.old_side_pending().is_some() {
        super::window::settle(st, busy)?;
        sweep_after_cutover(&open::work(st.new_path()?, None, busy)?);
        return Ok(CutoverReport {
            old_side_only: true,
            ..report_of(st, 0.0)
        });
    }
    if st.cut_over() && mapping_left(st) {
        // A cutover killed while it removed the id mapping: finish that.
        let conn = open::work(st.new_path()?, None, busy)?;
        guard::migrating::sweep(&conn)?;
        let left = mapping::retire::remove_paced(&conn)?;
        return Ok(CutoverReport {
            old_side_only: true,
            id_mapping_removed: left == Left::Nothing,
            ..report_of(st, 0.0)
        });
    }
    st.require_window_if_asked(opts.revert_window_secs)?;
    st.require_drained()?;
    let ready = Ready::check(st, opts.verification, opts.revert_window_secs, busy)?;
    let refused_since = st.marker().map(|m| m.updated_at.clone());
    // The state read's connection to the new database, once checked.
    let conn = session.work(busy)?;
    let millis = ready.commit(&conn)?;
    let report = ready.finish(&conn, (millis, refused_since), None)?;
    let left = sweep_after_cutover(&conn);
    Ok(CutoverReport {
        id_mapping_removed: left == Some(Left::Nothing),
        ..report
    })
}

/// Whether a cut-over state's new database still holds an id mapping that
/// nothing needs (no revert window open): a removal cut short.
fn mapping_left(st: &MigrationState) -> bool {
    let kept_for_window = st.window_open();
    let rows = st.new.as_ref().and_then(|n| n.id_mapping_rows);
    rows.is_some() && !kept_for_window
}

/// After a cutover, outside the outage (the new service writes from
/// readiness on): drops the new database's inert migrating guards, then
/// removes the id mapping once nothing needs it, each in short paced
/// transactions. Cannot fail the cutover, which is done: leftovers refuse
/// nothing and change no row the service sees, `mig status` shows them,
/// and the next `mig cutover`, `cleanup-old` or the agent's window round
/// removes them. Returns what is left of the mapping (`None`: not known,
/// the removal failed).
pub(crate) fn sweep_after_cutover(conn: &Connection) -> Option<Left> {
    let _leftovers_dropped_later = guard::migrating::sweep(conn);
    mapping::retire::remove_paced(conn).ok()
}

/// The old database as `drain --cutover`'s freeze left it: a connection,
/// the schema version the freeze checked, and the write lock it holds
/// (on the old side's step's connection) until that step commits.
pub(crate) type OldFrozen<'c> = (&'c Connection, i64, Option<lock::HeldLock<'c>>);

/// `drain --cutover`, inside its freeze, right after the drain committed
/// on the new database (every entry replayed, writes refused): `ready` was
/// checked before the freeze, while writes flowed, and `conn` opened then,
/// so nothing here reads the whole of either database. A change to the
/// old catalog during the freeze shows as a schema version other than
/// `frozen_version` (the freeze's, whose catalog was checked): only then
/// is the catalog listed and compared.
pub(crate) fn cutover_drained(
    (conn, (old_rw, frozen_version, held)): (&Connection, OldFrozen<'_>),
    ready: &Ready,
) -> Result<CutoverReport> {
    if record::schema_version(old_rw)? != frozen_version {
        let changes = record::changes_since_recorded(old_rw)?;
        if !changes.is_empty() {
            return Err(EngineError::Drift(format!(
                "the old database was changed outside the recorded path during the freeze ({}); rows written there are not in the new database: undo the change and rerun `mig drain`, or `mig reset` and migrate again",
                changes.join(", ")
            )));
        }
    }
    let millis = ready.commit(conn)?;
    ready.finish(conn, (millis, None), held)
}

/// A cutover checked and ready to commit: the certification (or the
/// recorded skip), the revert window's inverse, the two files, and the old
/// side's step prepared (read before any lock it takes).
pub(crate) struct Ready {
    cert: Certification,
    inv: Option<Inverse>,
    old: PathBuf,
    new: PathBuf,
    window_secs: u64,
    old_side: OldSettle,
}

impl Ready {
    /// Certified (or skipping, as `verification` says) and able to open a
    /// window of `window_secs`. Not whether it is drained: the caller's.
    /// Reads the old database's schema for its step after the commit (the
    /// caller's guards armed already, as drain arms them).
    pub(crate) fn check(
        st: &MigrationState,
        verification: Verification,
        window_secs: u64,
        busy: Busy,
    ) -> Result<Ready> {
        let cert = st.require_certified_or_skip(verification)?;
        let (new, old) = (st.new_path()?.to_path_buf(), st.old_path()?.to_path_buf());
        let inv = window_inverse(&cert.identity, &old, window_secs).map_err(|e| match e {
            // Drained, the old database refuses writes while the operator
            // reads this: say how they flow again.
            EngineError::Precondition(m) if st.drained() => EngineError::Precondition(format!(
                "{m}; meanwhile the old database refuses writes: `mig cutover` without --revert-window lets the service write on the new database now, `mig reset` on the old one"
            )),
            other => other,
        })?;
        if let Some(inv) = &inv {
            // The window's maps seeded while writes flow, in short
            // transactions: under the lock only what replay adds since.
            crate::engine::revert::seed::ahead(&open::revert_work(&old, &new, busy)?, inv)?;
        }
        let old_side = OldSettle::prepare(&old, &new, busy)?;
        Ok(Ready {
            cert,
            inv,
            old,
            new,
            window_secs,
            old_side,
        })
    }

    /// Before each freeze, after drain's catch-up: the revert maps seeded
    /// ahead take what replay changed since, so the lock copies only the
    /// freeze's tail.
    pub(crate) fn before_freeze(&self) -> Result<()> {
        match &self.inv {
            Some(inv) => self.old_side.refresh_seeding(inv),
            None => Ok(()),
        }
    }

    /// `drain --cutover`'s freeze on the old side's connection, its write
    /// lock kept for the old side's step (`OldSettle::freeze`).
    pub(crate) fn freeze_old(&self) -> Result<(Instant, i64, Option<lock::HeldLock<'_>>)> {
        self.old_side.freeze()
    }

    /// The new database's path (for the connection to commit on).
    pub(crate) fn new_path(&self) -> &Path {
        &self.new
    }

    /// Commits the new database ready; returns how long the transaction
    /// took (ms).
    fn commit(&self, conn: &Connection) -> Result<f64> {
        let started = Instant::now();
        commit_ready(
            conn,
            &self.cert,
            self.inv.as_ref(),
            (&self.old, self.window_secs),
        )?;
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    }

    /// After the commit: the old side settled, and the report. Writes
    /// were refused (`refused_since`: the marker's switch to draining, for
    /// the report) until the old side's commit: a write waiting on its
    /// lock goes on then, to be refused with the new database's name. The
    /// report is built from what this step knows and `conn` (no state read
    /// of both files again).
    fn finish(
        &self,
        conn: &Connection,
        (millis, refused_since): (f64, Option<String>),
        held: Option<lock::HeldLock<'_>>,
    ) -> Result<CutoverReport> {
        let side = match self.inv {
            Some(_) => OldSide::Standby,
            None => OldSide::Retire,
        };
        let settled = self.old_side.commit(side, self.inv.as_ref(), held)?;
        let since_settled = settled.committed.elapsed().as_secs_f64() * 1000.0;
        let writes_refused_ms = refused_since
            .and_then(|since| record::ms_since(&since))
            .map(|ms| ms - since_settled);
        hand_over_wal(conn)?;
        Ok(CutoverReport {
            millis,
            certified: self.cert.certified,
            verified_at: self.cert.verified_at.clone(),
            id_mapping_removed: crate::engine::mapping::count_rows(conn)?.is_none(),
            progress_removed: true,
            new_path: self.new.clone(),
            revert_window_closes_at: window::read(conn, "main")?
                .map(|w| w.closes_at)
                .unwrap_or_default(),
            old_side_only: false,
            writes_refused_ms,
            committed: Some(settled.committed),
        })
    }
}

/// Copies the new database's WAL into it while readers go on (a passive
/// checkpoint), right after the cutover: closing mig's last connection
/// checkpoints under an exclusive lock, and the new service, connecting at
/// readiness, would wait for that copy and its fsync. Best effort: a
/// reader can make it stop short, which only costs time at the close.
fn hand_over_wal(conn: &Connection) -> Result<()> {
    conn.query_row("PRAGMA main.wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .ctx(|| "checkpointing the new database after the cutover".into())
}

/// The cutover's one transaction on the new database: status `ready`
/// (and a `--skip-verify` recorded), progress dropped, and a revert
/// window opened over `(old, window_secs)` when asked. Nothing in it grows
/// with the database: the id mapping is removed after it.
fn commit_ready(
    conn: &Connection,
    cert: &Certification,
    inv: Option<&Inverse>,
    (old, window_secs): (&Path, u64),
) -> Result<()> {
    // Polled for: the new service's refused writes take the lock briefly.
    let tx = lock::begin_immediate(conn).ctx(|| "cutting over".into())?;
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
    // Ready: the new service's writes go through from this commit on, and
    // its connections read no guard (all removed with it).
    guard::migrating::drop_all_in(&tx)?;
    // Without a window the id mapping is removed after the commit, paced
    // (`sweep_after_cutover`).
    if let Some(inv) = inv {
        window::open_in(
            &tx,
            inv,
            &window::OpenSpec {
                window_secs,
                old_path: &old.display().to_string(),
                migration_id: &cert.identity.migration_id,
            },
        )?;
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
            "cannot open a revert window: {}; {}",
            inv.problems().join("; "),
            inv.fix()
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
