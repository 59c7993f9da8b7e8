//! `status`: where a migration stands and the one thing to do next, as the
//! report the service sends. Read-only; everything comes from the
//! [`MigrationState`], which refuses two files that are not one migration.

use std::path::PathBuf;

use crate::engine::certificate::Certificate;
use crate::engine::error::{EngineError, Result};
use crate::engine::new_side;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::quoted::Disclosure;
use crate::engine::record::{self, MarkerStatus};
use crate::engine::schema;
use crate::engine::state::{MigrationState, OldFile, Phase, TableCopy};

#[derive(Debug, Clone)]
pub struct Status {
    pub old_path: Option<PathBuf>,
    pub new_path: Option<PathBuf>,
    pub phase: Phase,
    pub next_step: String,
    pub old_exists: bool,
    pub marker: Option<MarkerStatus>,
    pub log_entries: Option<u64>,
    pub triggers: u64,
    pub new_exists: bool,
    pub migration: Option<new_side::MigrationStatus>,
    pub schema_hash: String,
    pub pending: Option<u64>,
    pub lag_seconds: f64,
    pub cutover_complete: bool,
    pub id_mapping_rows: Option<u64>,
    pub progress_rows: Option<u64>,
    pub checkpoint: u64,
    pub copy_complete: bool,
    pub drained: bool,
    pub tables: Vec<TableCopy>,
    pub warnings: Vec<String>,
    /// Verification recorded in the new database (default: none).
    pub certificate: Certificate,
    /// While the old database refuses writes and the new one is not ready:
    /// for how long writes have been refused, in ms.
    pub writes_refused_ms: Option<f64>,
    /// The revert window, if one was ever opened.
    pub window: Option<WindowStatus>,
    /// Guard triggers refusing writes on the old database.
    pub old_guards: u64,
    /// The next step as a viewer may read it (no old keys).
    viewer_next_step: String,
}

impl Status {
    /// The report as `d` may read it: a viewer's next step names no old
    /// keys (a stopped replay's rows are for an operator to fix), nor do
    /// the revert window's conflicts.
    pub fn for_caller(mut self, d: Disclosure) -> Status {
        if d == Disclosure::CountsOnly {
            self.next_step = std::mem::take(&mut self.viewer_next_step);
            // A conflict's table and constraint, not the row's key.
            for c in self.window.iter_mut().flat_map(|w| w.conflicts.iter_mut()) {
                c.key = "(key withheld from viewers)".into();
                c.key_values.clear();
            }
        }
        self
    }
}

/// A revert window as status shows it.
#[derive(Debug, Clone)]
pub struct WindowStatus {
    pub window: crate::engine::revert::Window,
    /// Reverse log entries not yet carried back.
    pub pending: u64,
    pub conflicts: Vec<crate::engine::revert::store::Conflict>,
    /// Why the window can no longer carry writes back, if so.
    pub broken: Option<String>,
}

/// What the agent that will run the steps accepts of the old database's
/// journal (its `allow_rollback_journal`): status warns only about what
/// that agent's drain would refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OldJournal {
    /// WAL only: a rollback journal is warned about (drain refuses it).
    #[default]
    WalOnly,
    /// A rollback journal accepted: its cost was chosen, no warning.
    RollbackAllowed,
}

impl OldJournal {
    pub fn allowing(rollback: bool) -> Self {
        if rollback {
            OldJournal::RollbackAllowed
        } else {
            OldJournal::WalOnly
        }
    }
}

pub fn status(spec: &DatabaseSpec, busy: Busy) -> Result<Status> {
    status_under(spec, busy, OldJournal::WalOnly)
}

/// [`status`] as seen by an agent accepting `journal`.
pub fn status_under(spec: &DatabaseSpec, busy: Busy, journal: OldJournal) -> Result<Status> {
    Ok(report(&MigrationState::read(spec, busy)?, journal))
}

/// `mig status`'s answer: [`status_under`], but a database neither of whose
/// files exists is an error, not a report saying "not started" with exit 0
/// (a CI job reads the exit code): it names the file looked for and how to
/// point elsewhere. A listing of databases keeps reporting such a one.
pub fn status_of_files(spec: &DatabaseSpec, busy: Busy, journal: OldJournal) -> Result<Status> {
    let st = MigrationState::read(spec, busy)?;
    if st.old.is_none() && st.new.is_none() {
        return Err(EngineError::File(match &st.located.old {
            // The wording of every command's missing file (a fleet names
            // a tenant removed mid-rollout by it).
            Some(p) => format!("old database {} {}", p.display(), open::MISSING),
            None => st.located.old_path().err().map_or_else(
                || "no old database given; pass --old".to_string(),
                |e| e.to_string(),
            ),
        }));
    }
    Ok(report(&st, journal))
}

/// The report of a state.
pub fn report(st: &MigrationState, journal: OldJournal) -> Status {
    let old = st.old.as_ref();
    let new = st.new.as_ref();
    let progress = new.and_then(|n| n.progress.as_ref());
    let migration = new.and_then(|n| n.status);
    let cutover_complete = st.cut_over();
    let pending = match (cutover_complete, old.filter(|o| o.marker.is_some())) {
        (true, _) => Some(0),
        (false, Some(o)) => Some(o.pending),
        (false, None) => None,
    };
    Status {
        old_path: st.located.old.clone(),
        new_path: st.located.new.clone(),
        phase: st.phase(),
        next_step: st.next_step(),
        viewer_next_step: st.next_step_for(Disclosure::CountsOnly),
        old_exists: old.is_some(),
        marker: st.marker().map(|m| m.status),
        log_entries: old.and_then(|o| o.log_entries),
        triggers: old.map_or(0, |o| o.triggers),
        new_exists: new.is_some(),
        migration,
        schema_hash: st
            .identity()
            .map(|id| schema::short_hash(&id.schema_hash).to_string())
            .unwrap_or_default(),
        pending,
        lag_seconds: if pending.is_some() && !cutover_complete {
            old.map_or(0.0, |o| o.lag_seconds)
        } else {
            0.0
        },
        cutover_complete,
        id_mapping_rows: new.and_then(|n| n.id_mapping_rows),
        progress_rows: progress.map(|p| p.rows),
        checkpoint: progress.map_or(0, |p| p.checkpoint),
        copy_complete: st.copied(),
        drained: st.drained(),
        tables: progress.map(|p| p.tables.clone()).unwrap_or_default(),
        warnings: warnings(st, old, journal),
        certificate: new.map(|n| n.certificate.clone()).unwrap_or_default(),
        // Once the new database took over, the outage a service sees is over.
        writes_refused_ms: st
            .marker()
            .filter(|m| m.status == MarkerStatus::Draining && !cutover_complete)
            .and_then(|m| record::ms_since(&m.updated_at)),
        window: st.window().map(|w| WindowStatus {
            window: w.clone(),
            pending: st.reverse_pending(),
            conflicts: old.map(|o| o.conflicts.clone()).unwrap_or_default(),
            broken: st.window_broken.clone(),
        }),
        old_guards: old.map_or(0, |o| o.guards),
    }
}

/// The old database records and takes writes: the phases whose reads of it
/// a rollback journal turns into waits for the service.
fn writes_flow(st: &MigrationState) -> bool {
    st.marker()
        .is_some_and(|m| m.status == MarkerStatus::Recording)
}

fn warnings(st: &MigrationState, old: Option<&OldFile>, journal: OldJournal) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(who) = old.and_then(|o| crate::engine::state::owner::held_elsewhere(&o.path)) {
        out.push(format!(
            "the old database is held by another mig process, {who}: commands that change it are refused meanwhile; run them through that process if it is an agent (`mig --agent …`), or wait for it to end"
        ));
    }
    match old {
        Some(o) if !o.drift.is_empty() => out.push(format!(
            "the old database was changed outside the recorded path ({}); drain will refuse: run `mig reset` and migrate again",
            o.drift.join(", ")
        )),
        Some(o)
            if o.journal_mode != "wal" && journal == OldJournal::WalOnly && writes_flow(st) =>
        {
            out.push(format!(
            "the old database uses journal_mode={} (not WAL): every read of it by the catch-up or verify holds off the service's writes; switch it back on the database's host (`sqlite3 {} 'PRAGMA journal_mode=WAL'`, while the service is stopped or idle): drain refuses it unless the rollback journal is allowed (--allow-rollback-journal; on an agent allow_rollback_journal = true)",
            o.journal_mode,
            shlex::try_quote(&o.path.to_string_lossy()).unwrap_or_default()
        ))
        }
        Some(_) => {}
        None => match (&st.located.old_why, &st.located.old) {
            (Some(why), _) => out.push(why.clone()),
            (None, Some(p)) => out.push(format!("old database {} does not exist", p.display())),
            (None, None) => {}
        },
    }
    out
}
