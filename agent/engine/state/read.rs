//! Reading what each file says about a migration, through connections that
//! only read (`open::old_ro`, `open::new_ro`), returned with what they read
//! so that a command's steps can go on with them once the state is proven
//! (`session.rs`); nothing else opens the files before that. The new
//! database is read first: the old side's pending entries are counted from
//! its checkpoint.

use std::path::Path;

use rusqlite::Connection;

use super::files;
use crate::engine::certificate::{self, Certificate};
use crate::engine::error::{classify, Result};
use crate::engine::new_side::{self, Identity, MigrationStatus};
use crate::engine::open::{self, Busy};
use crate::engine::record::{self, Marker};
use crate::engine::replay_blocked;

/// What the old database says.
#[derive(Debug, Clone)]
pub struct OldFile {
    pub path: std::path::PathBuf,
    /// The inode of the file read (see `files::inode`).
    pub inode: Option<u64>,
    pub marker: Option<Marker>,
    /// Rows in `_migration_log` (`None`: no log table).
    pub log_entries: Option<u64>,
    /// The newest log sequence number (0 when empty or absent).
    pub log_max: u64,
    /// Entries after the new database's checkpoint, and the oldest one's age.
    pub pending: u64,
    pub lag_seconds: f64,
    /// Recording triggers present.
    pub triggers: u64,
    /// Changes to the catalog since recording started (empty without a
    /// marker).
    pub drift: Vec<String>,
    /// Guard triggers (standby or retired; they outlive cleanup-old).
    pub guards: u64,
    /// A revert window's bookkeeping: the reverse checkpoint and the one a
    /// reverse verify certified.
    pub revert: Option<(u64, Option<u64>)>,
    /// The last reverse log entry carried back, as the old side recorded it.
    pub revert_tip: Option<crate::engine::revert::continuity::Tip>,
    /// Reverse rows the old schema refused.
    pub conflicts: Vec<crate::engine::revert::store::Conflict>,
    /// `PRAGMA journal_mode`, lowercase: a file switched out of WAL since
    /// `migrate` makes every read of it hold off the service's commits.
    pub journal_mode: String,
}

/// What the new database says.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub path: std::path::PathBuf,
    pub status: Option<MigrationStatus>,
    pub identity: Option<Identity>,
    /// `_migration_progress` (`None`: absent, as after cutover).
    pub progress: Option<Progress>,
    /// Verification recorded for this file's own migration.
    pub certificate: Certificate,
    pub id_mapping_rows: Option<u64>,
    /// The revert window, if one was ever opened.
    pub window: Option<crate::engine::revert::Window>,
    /// Why the last replay batch stopped, if none went through since
    /// (`replay_blocked`).
    pub replay_blocked: Option<replay_blocked::Blocked>,
    /// A `_migration_marker` in this file: it is an old database that
    /// records a migration (`--old` and `--new` swapped, see `prove`).
    pub marker: Option<Marker>,
    /// Changes to its catalog since the copy finished, against the schema
    /// it was built from (`new_drift`; checked while migrating only).
    pub changed: Vec<String>,
}

/// The new database's `_migration_progress`.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Rows in the table.
    pub rows: u64,
    /// The replay checkpoint: every log entry up to it is applied.
    pub checkpoint: u64,
    /// Every table and index copied.
    pub copied: bool,
    /// The checkpoint a completed drain verified at.
    pub drained_at: Option<u64>,
    pub tables: Vec<TableCopy>,
}

/// Copy progress of one table.
#[derive(Debug, Clone, Default)]
pub struct TableCopy {
    pub table: String,
    pub rows: u64,
    pub done: bool,
}

impl NewFile {
    /// The replay checkpoint (0 without progress).
    pub fn checkpoint(&self) -> u64 {
        self.progress.as_ref().map_or(0, |p| p.checkpoint)
    }

    /// Anything was copied or replayed into this file.
    pub fn has_work(&self) -> bool {
        self.progress
            .as_ref()
            .is_some_and(|p| p.checkpoint > 0 || !p.tables.is_empty())
    }
}

/// Reads the new database; returns the connection it read through.
pub fn new_file(path: &Path, busy: Busy) -> Result<(NewFile, Connection)> {
    let conn = open::new_ro(path, busy)?;
    let identity = new_side::read_identity(&conn, "main")?;
    let certificate = match &identity {
        Some(id) => certificate::read(&conn, "main", &id.migration_id)?,
        None => Certificate::default(),
    };
    let progress = match new_side::count_rows(&conn, "main", "_migration_progress")? {
        Some(rows) => Some(progress(&conn, rows, path)?),
        None => None,
    };
    let replay_blocked = match progress {
        Some(_) => replay_blocked::read(&conn)?,
        None => None,
    };
    let status = new_side::read_status(&conn, "main")?;
    let changed = match (&identity, &progress, status) {
        (Some(id), Some(p), Some(MigrationStatus::Migrating)) if p.copied => {
            super::new_drift::changes(&conn, id)?
        }
        _ => Vec::new(),
    };
    let file = NewFile {
        path: path.to_path_buf(),
        status,
        identity,
        progress,
        certificate,
        id_mapping_rows: crate::engine::mapping::count_rows(&conn)?,
        window: crate::engine::revert::window::read(&conn, "main")?,
        replay_blocked,
        marker: record::read_marker(&conn, "main")?,
        changed,
    };
    Ok((file, conn))
}

fn progress(conn: &Connection, rows: u64, path: &Path) -> Result<Progress> {
    let checkpoint = new_side::checkpoint(conn)?;
    let drain = new_side::get(conn, "drain", 0)?;
    Ok(Progress {
        rows,
        checkpoint,
        // Complete once `migrate`'s final sync removed the unsynced marker
        // (`unsynced.rs`): a run killed before it has not finished.
        copied: new_side::get(conn, "copy", 0)?.is_some_and(|i| i.done)
            && !crate::engine::unsynced::marker(path).exists(),
        drained_at: drain.filter(|d| d.done).map(|d| d.n),
        tables: tables(conn)?,
    })
}

fn tables(conn: &Connection) -> Result<Vec<TableCopy>> {
    let err = |e| classify("reading copy progress".into(), e);
    let mut stmt = conn
        .prepare("SELECT substr(item, 6), n, done FROM _migration_progress WHERE item LIKE 'copy:%' ORDER BY rowid")
        .map_err(err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(TableCopy {
                table: r.get(0)?,
                rows: r.get::<_, i64>(1)?.max(0) as u64,
                done: r.get(2)?,
            })
        })
        .map_err(err)?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(err)
}

/// Reads the old database; `checkpoint` is the new one's, for `pending`.
/// Returns the connection it read through.
pub fn old_file(path: &Path, busy: Busy, checkpoint: u64) -> Result<(OldFile, Connection)> {
    let conn = open::old_ro(path, busy)?;
    record::refuse_foreign(&conn, "main")?;
    let marker = record::read_marker(&conn, "main")?;
    let drift = match &marker {
        Some(m) => record::drift(&m.catalog, &record::catalog_listing(&conn, "main")?),
        None => Vec::new(),
    };
    let (pending, lag_seconds) = match &marker {
        Some(_) => record::pending(&conn, "main", checkpoint)?,
        None => (0, 0.0),
    };
    let file = OldFile {
        path: path.to_path_buf(),
        inode: files::inode(path),
        log_entries: new_side::count_rows(&conn, "main", "_migration_log")?,
        log_max: record::log_max(&conn, "main")?,
        triggers: record::trigger_count(&conn, "main")?,
        guards: crate::engine::guard::count(&conn, "main")?,
        revert: crate::engine::revert::store::checkpoint(&conn, "main")?,
        revert_tip: crate::engine::revert::continuity::tip(&conn, "main")?,
        conflicts: conflicts(&conn)?,
        journal_mode: conn
            .pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0))
            .map_err(|e| classify("reading the old journal mode".into(), e))?
            .to_ascii_lowercase(),
        marker,
        pending,
        lag_seconds,
        drift,
    };
    Ok((file, conn))
}

/// The conflicts table's rows, whatever its key width.
fn conflicts(conn: &Connection) -> Result<Vec<crate::engine::revert::store::Conflict>> {
    use crate::engine::revert::store;
    if !record::has_table(conn, "main", store::CONFLICTS)? {
        return Ok(Vec::new());
    }
    let width: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('_mig_revert_conflict') WHERE name GLOB 'k[0-9]*'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| classify("reading revert conflicts".into(), e))?;
    store::conflicts(conn, "main", width.max(0) as usize)
}

/// The print of the new database's reverse log entry `seq` (see
/// `revert::continuity`).
pub fn reverse_print(path: &Path, busy: Busy, seq: u64) -> Result<Option<String>> {
    let conn = open::new_ro(path, busy)?;
    crate::engine::revert::continuity::print_at(&conn, "main", seq)
}
