//! `status`: where a migration stands, read from the two files alone, and
//! the one thing the operator should do next. Read-only.

use std::path::PathBuf;

use super::certificate::{self, Certificate};
use super::error::Result;
use super::open::{self, Busy};
use super::ops::locate;
use super::paths::DatabaseSpec;
use super::record::{self, MarkerStatus};
use super::{meta, schema};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    NotStarted,
    Copying,
    Recording,
    Draining,
    Drained,
    CutOver,
    Complete,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::NotStarted => "not started",
            Phase::Copying => "copying",
            Phase::Recording => "recording",
            Phase::Draining => "draining",
            Phase::Drained => "drained",
            Phase::CutOver => "cut over",
            Phase::Complete => "complete",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TableCopy {
    pub table: String,
    pub rows: u64,
    pub done: bool,
}

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
    pub migration: Option<meta::MigrationStatus>,
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
}

pub fn status(spec: &DatabaseSpec, busy: Busy) -> Result<Status> {
    let loc = locate(spec, busy);
    let mut s = Status {
        old_path: loc.old.clone(),
        new_path: loc.new.clone(),
        phase: Phase::NotStarted,
        next_step: String::new(),
        old_exists: false,
        marker: None,
        log_entries: None,
        triggers: 0,
        new_exists: false,
        migration: None,
        schema_hash: String::new(),
        pending: None,
        lag_seconds: 0.0,
        cutover_complete: false,
        id_mapping_rows: None,
        progress_rows: None,
        checkpoint: 0,
        copy_complete: false,
        drained: false,
        tables: Vec::new(),
        warnings: Vec::new(),
        certificate: Certificate::default(),
    };
    let mut catalog = None;
    if let Some(old) = loc.old.as_ref().filter(|p| p.exists()) {
        let conn = open::old_ro(old, busy)?;
        s.old_exists = true;
        let marker = record::read_marker(&conn, "main")?;
        s.marker = marker.as_ref().map(|m| m.status);
        s.log_entries = meta::count_rows(&conn, "main", "_migration_log")?;
        s.triggers = record::trigger_count(&conn, "main")?;
        if let Some(m) = &marker {
            let changes = record::drift(&m.catalog, &record::catalog_listing(&conn, "main")?);
            if !changes.is_empty() {
                s.warnings.push(format!(
                    "the old database was changed outside the recorded path ({}); drain will refuse: run `mig reset` and migrate again",
                    changes.join(", ")
                ));
            }
        }
        catalog = Some(conn);
    } else if let Some(why) = &loc.old_why {
        s.warnings.push(why.clone());
    } else if let Some(old) = &loc.old {
        s.warnings
            .push(format!("old database {} does not exist", old.display()));
    }
    if let Some(new) = loc.new.as_ref().filter(|p| p.exists()) {
        let conn = open::new_ro(new, busy)?;
        s.new_exists = true;
        s.migration = meta::read_status(&conn, "main")?;
        if let Some(id) = meta::read_identity(&conn, "main")? {
            s.schema_hash = schema::short_hash(&id.schema_hash).to_string();
            s.certificate = certificate::read(&conn, "main", &id.migration_id)?;
        }
        s.id_mapping_rows = meta::count_rows(&conn, "main", "_id_mapping")?;
        s.progress_rows = meta::count_rows(&conn, "main", "_migration_progress")?;
        if s.progress_rows.is_some() {
            s.checkpoint = meta::checkpoint(&conn)?;
            s.copy_complete = meta::flag(&conn, "copy")?;
            let drain = meta::get(&conn, "drain", 0)?;
            s.drained = drain.is_some_and(|d| d.done && d.n == s.checkpoint);
            let mut stmt = conn
                .prepare("SELECT substr(item, 6), n, done FROM _migration_progress WHERE item LIKE 'copy:%' ORDER BY rowid")
                .map_err(|e| super::error::classify("reading copy progress".into(), e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(TableCopy {
                        table: r.get(0)?,
                        rows: r.get::<_, i64>(1)?.max(0) as u64,
                        done: r.get(2)?,
                    })
                })
                .map_err(|e| super::error::classify("reading copy progress".into(), e))?;
            for r in rows {
                s.tables.push(
                    r.map_err(|e| super::error::classify("reading copy progress".into(), e))?,
                );
            }
        }
    }
    if s.migration == Some(meta::MigrationStatus::Ready) {
        s.cutover_complete = true;
        s.pending = Some(0);
    } else if let Some(conn) = &catalog {
        if s.marker.is_some() {
            let (n, lag) = record::pending(conn, "main", s.checkpoint)?;
            s.pending = Some(n);
            s.lag_seconds = lag;
        }
    }
    derive_phase(&mut s);
    Ok(s)
}

fn derive_phase(s: &mut Status) {
    let new = s
        .new_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let pending = s.pending.unwrap_or(0);
    let certified = s.certificate.certified();
    let unverified = if s.certificate.cutover_skipped_verify_at.is_some() {
        "cut over without verification; "
    } else {
        ""
    };
    let (phase, next) = match (s.migration, s.marker) {
        (Some(meta::MigrationStatus::Ready), Some(_)) => (
            Phase::CutOver,
            format!("{unverified}move traffic to the new service; once it serves, `mig cleanup-old` removes the migration tables from the old database"),
        ),
        (Some(meta::MigrationStatus::Ready), None) => (Phase::Complete, format!("{unverified}nothing left to do")),
        (Some(meta::MigrationStatus::Migrating), _) if !s.copy_complete => {
            (Phase::Copying, "the copy is running or was interrupted: `mig migrate` resumes it".to_string())
        }
        (Some(meta::MigrationStatus::Migrating), Some(MarkerStatus::Draining)) if pending == 0 && s.drained && certified => {
            (Phase::Drained, "run `mig cutover` (the copy is verified)".to_string())
        }
        (Some(meta::MigrationStatus::Migrating), Some(MarkerStatus::Draining)) if pending == 0 && s.drained => (
            Phase::Drained,
            "the copy is not verified: run `mig verify`, then `mig cutover` (or `mig cutover --skip-verify` to go on without verification)".to_string(),
        ),
        (Some(meta::MigrationStatus::Migrating), Some(MarkerStatus::Draining)) => {
            (Phase::Draining, format!("writes are refused; run `mig drain` to replay the {pending} pending entries"))
        }
        (Some(meta::MigrationStatus::Migrating), Some(MarkerStatus::Recording)) => (
            Phase::Recording,
            format!(
                "deploy the new service on {new} (it waits while the status is migrating), then run `mig drain`{}",
                if certified { " (the copy is verified)" } else { " (it verifies the copy first, while writes flow)" }
            ),
        ),
        (Some(meta::MigrationStatus::Migrating), None) => (
            Phase::Copying,
            "the old database is not recording: `mig migrate` installs recording and resumes, or `mig reset` abandons".to_string(),
        ),
        (None, Some(_)) => (
            Phase::Copying,
            format!("the old database records for a new database that is missing ({new}): `mig migrate` recreates it, or `mig reset` stops recording"),
        ),
        (None, None) => (Phase::NotStarted, "run `mig plan`, then `mig migrate`".to_string()),
    };
    s.phase = phase;
    s.next_step = next;
}
