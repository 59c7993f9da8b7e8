//! Rehearsal: the whole migration (migrate, drain, cutover, through the
//! real engine) on a private copy of the old database in a temporary
//! folder, reporting real durations, row counts, constraint violations and
//! the new database's size; the folder is deleted afterwards.
//!
//! The copy is `VACUUM INTO` from a read-only connection: one consistent
//! snapshot taken while the service keeps writing; the live old file (and
//! its `-wal`/`-shm`) is only read, and nothing is created at the live new
//! path. A copy taken from a database that is already recording has mig's
//! marker, log and triggers removed first.
//!
//! **Sampling** (`sample_percent` < 100, `sample.rs`): the largest tables
//! keep about that share of their rows, each table keeps every row a kept
//! row references, and tables under 1,000 rows stay whole; the rehearsal
//! reports what each table kept.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::config::DbConfig;

use super::catalog::q;
use super::error::{EngineError, Result, SqlContext};
use super::open::{self, Busy};
use super::ops::{self, DrainOptions, MigrateOptions};
use super::paths::DatabaseSpec;
use super::plan::{self, precheck::Checked};
use super::schema::SchemaFile;
use super::{record, Control, Ctx, Event};

mod sample;

pub use sample::{sample, SampledTable, SAMPLE_MIN_ROWS};

#[derive(Debug, Clone)]
pub struct RehearseOptions {
    /// Share of each table's rows to keep, in (0, 100]; 100 keeps all.
    pub sample_percent: f64,
    pub busy: Busy,
    pub allow_rollback_journal: bool,
}

#[derive(Debug, Clone, Default)]
pub struct RehearsalTable {
    pub table: String,
    pub old_rows: u64,
    pub new_rows: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Rehearsal {
    pub sample_percent: f64,
    pub succeeded: bool,
    /// Why the rehearsal failed, one line.
    pub error: Option<String>,
    pub snapshot_seconds: f64,
    pub migrate_seconds: f64,
    pub drain_seconds: f64,
    pub cutover_seconds: f64,
    pub rows_copied: u64,
    pub tables: Vec<RehearsalTable>,
    pub snapshot_bytes: u64,
    pub new_db_bytes: u64,
    /// Constraint violations found in the copy.
    pub violations: Vec<Checked>,
    /// What sampling kept of each old table, largest first (empty when
    /// the rehearsal copied every row).
    pub sample: Vec<SampledTable>,
}

/// A folder deleted when dropped, whatever happened inside it.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Rehearses the migration of `old` to `schema`. Errors only when the copy
/// cannot be made; a migration that fails on the copy is reported in
/// [`Rehearsal::error`].
pub fn rehearse(old: &Path, schema: &SchemaFile, opts: &RehearseOptions) -> Result<Rehearsal> {
    if !(opts.sample_percent > 0.0 && opts.sample_percent <= 100.0) {
        return Err(EngineError::Precondition(format!(
            "--sample {}% is out of range; give a percentage above 0 and at most 100",
            opts.sample_percent
        )));
    }
    let dir = TempDir(std::env::temp_dir().join(format!(
        "mig-rehearse-{}",
        hex::encode(rand::random::<[u8; 8]>())
    )));
    // The agent's alone: it holds a full copy of the old database.
    let private = std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(&dir.0);
    private.map_err(|source| EngineError::Io {
        context: "creating the rehearsal folder",
        path: dir.0.clone(),
        source,
    })?;
    let copy = dir.0.join("old.db");
    let new = dir.0.join("new.db");
    let mut r = Rehearsal {
        sample_percent: opts.sample_percent,
        ..Default::default()
    };
    let started = Instant::now();
    r.sample = snapshot(old, &copy, opts)?;
    r.snapshot_seconds = started.elapsed().as_secs_f64();
    r.snapshot_bytes = file_bytes(&copy);
    let spec = DatabaseSpec {
        old: Some(copy.clone()),
        new: Some(new.clone()),
        project: None,
    };
    r.violations = violations(&copy, schema)?;
    if let Err(e) = run(&spec, schema, opts, &mut r) {
        r.error = Some(e.to_string());
    } else {
        r.succeeded = true;
        r.tables = counts(&spec, schema, opts.busy)?;
    }
    r.new_db_bytes =
        file_bytes(&new) + file_bytes(&PathBuf::from(format!("{}-wal", new.display())));
    Ok(r)
}

/// migrate, drain, cutover on the copy, timing each.
fn run(
    spec: &DatabaseSpec,
    schema: &SchemaFile,
    opts: &RehearseOptions,
    r: &mut Rehearsal,
) -> Result<()> {
    let control = Control::default();
    let mut sink = |_: Event| {};
    let mut ctx = Ctx {
        control: &control,
        sink: &mut sink,
    };
    let migrate = MigrateOptions {
        // The plan lists the data loss; the rehearsal shows the rest.
        accept_data_loss: true,
        busy: opts.busy,
        allow_rollback_journal: true,
        // The plan says so; the rehearsal shows what a rebuild costs.
        allow_same_schema: true,
        ..Default::default()
    };
    let t = Instant::now();
    let summary = ops::migrate(spec, schema, &migrate, &mut ctx)?;
    r.migrate_seconds = t.elapsed().as_secs_f64();
    r.rows_copied = summary.rows;
    let drain = DrainOptions {
        busy: opts.busy,
        // The private copy's journal mode is not the service's.
        allow_rollback_journal: true,
        ..Default::default()
    };
    let t = Instant::now();
    ops::drain(spec, &drain, &mut ctx)?;
    r.drain_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    // Drain verified the copy first, so the rehearsal's cutover is a
    // certified one, as the live runbook's will be.
    ops::cutover(
        spec,
        &ops::CutoverOptions {
            busy: opts.busy,
            ..Default::default()
        },
    )?;
    r.cutover_seconds = t.elapsed().as_secs_f64();
    Ok(())
}

/// A consistent copy of `old` at `copy`, without mig's recording tables,
/// in WAL mode, sampled when asked (what each table kept).
fn snapshot(old: &Path, copy: &Path, opts: &RehearseOptions) -> Result<Vec<SampledTable>> {
    let src = open::old_ro(old, opts.busy)?;
    // `query_only` (set by every reader) refuses VACUUM INTO, which writes
    // only the copy: lifted for this one statement on this connection.
    src.pragma_update(None, "query_only", false)
        .ctx(|| "allowing VACUUM INTO".into())?;
    // Created empty and private first (VACUUM INTO fills an empty file):
    // SQLite would create it readable by all, and its WAL the same.
    std::os::unix::fs::OpenOptionsExt::mode(
        std::fs::OpenOptions::new().write(true).create_new(true),
        0o600,
    )
    .open(copy)
    .map_err(|source| EngineError::Io {
        context: "creating the rehearsal copy",
        path: copy.to_path_buf(),
        source,
    })?;
    src.execute("VACUUM INTO ?1", [copy.to_string_lossy()])
        .ctx(|| format!("copying {} for the rehearsal", old.display()))?;
    drop(src);
    let mut conn = open::old_rw(copy, opts.busy)?;
    // Sampling deletes rows: the copy's own triggers must not fire.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)
        .ctx(|| "disabling triggers on the rehearsal copy".into())?;
    record::remove(&mut conn, record::Guard::Any)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
        .ctx(|| "setting WAL mode on the rehearsal copy".into())?;
    if !mode.eq_ignore_ascii_case("wal") && !opts.allow_rollback_journal {
        return Err(EngineError::File(format!(
            "the rehearsal copy cannot use WAL mode (it reports {mode}); set TMPDIR to a local filesystem"
        )));
    }
    if opts.sample_percent >= 100.0 {
        return Ok(Vec::new());
    }
    // Sampling removes only rows nothing kept references; enforcement
    // (ON DELETE actions included) must not remove more.
    conn.pragma_update(None, "foreign_keys", false)
        .ctx(|| "disabling foreign keys on the rehearsal copy".into())?;
    sample::sample(&conn, opts.sample_percent)
}

/// The pre-check on the copy's rows: its violations.
fn violations(copy: &Path, schema: &SchemaFile) -> Result<Vec<Checked>> {
    let (scratch, hash) = schema.reflect()?;
    open::attach_old(&scratch, copy)?;
    let p = plan::build(&scratch, schema, &hash, plan::Depth::Full)?;
    let (checked, _) = plan::precheck::check(&scratch, &p)?;
    Ok(checked.into_iter().filter(|c| c.rows > 0).collect())
}

/// Rows per new table in the rehearsed new database, with its old table's.
fn counts(spec: &DatabaseSpec, schema: &SchemaFile, busy: Busy) -> Result<Vec<RehearsalTable>> {
    let (Some(old), Some(new)) = (&spec.old, &spec.new) else {
        return Ok(Vec::new());
    };
    let conn = open::new_ro(new, busy)?;
    open::attach_old(&conn, old)?;
    let (scratch, hash) = schema.reflect()?;
    open::attach_old(&scratch, old)?;
    let p = plan::build(&scratch, schema, &hash, plan::Depth::Full)?;
    let mut out = Vec::new();
    for t in &p.tables {
        let new_rows: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM main.{}", q(&t.name)),
                [],
                |r| r.get(0),
            )
            .ctx(|| format!("counting the rehearsed rows of {}", t.name))?;
        out.push(RehearsalTable {
            table: t.name.clone(),
            old_rows: t.rows,
            new_rows: new_rows.max(0) as u64,
        });
    }
    Ok(out)
}

fn file_bytes(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}
