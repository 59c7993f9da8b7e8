//! The engine's error type: one variant per outcome a caller can act on.
//!
//! Messages are written for the operator: what is wrong and what to do. The
//! service layer maps each variant to a gRPC code in one exhaustive `match`.

use std::path::{Path, PathBuf};

use super::plan::quoted::{Disclosure, QuotedText};

/// A location in the schema file, for messages like `schema.sql:12:5`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaPos {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SchemaPos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column > 0 {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The schema file or one of its `-- mig:` directives is wrong.
    #[error("{pos}: {message}")]
    Schema { pos: SchemaPos, message: String },

    /// The plan cannot run (unknown table, NOT NULL without source, ...).
    /// Each entry is one complete line (the pre-check's name old keys).
    #[error("{}", join(.0, Disclosure::Values))]
    PlanBlocked(Vec<QuotedText>),

    /// A file the command needs is missing or unusable.
    #[error("{0}")]
    File(String),

    /// The databases are in the wrong phase for this command.
    #[error("{0}")]
    Precondition(String),

    /// Rows stop the step (a replay, a revert) until they are fixed; the
    /// line names their keys for an operator.
    #[error("{0}")]
    RowsBlock(QuotedText),

    /// The step was already done: what it would make true holds, and
    /// nothing was changed. Re-running a completed step is not a failure.
    #[error("{0}")]
    AlreadyDone(String),

    /// The two files a command was given are not one migration (see
    /// `state::prove`), or the schema is not the migration's.
    #[error("{0}")]
    NotOneMigration(String),

    /// Another mig process works on the old database (see `state::owner`).
    #[error("{0}")]
    InUse(String),

    /// Another process holds a lock longer than the busy timeout.
    #[error("{0}")]
    Busy(String),

    /// The disk (or the database's size limit) is full.
    #[error("{0}")]
    DiskFull(String),

    /// The job was cancelled by the operator.
    #[error("cancelled: {0}")]
    Cancelled(String),

    /// The old database changed outside the recorded path.
    #[error("{0}")]
    Drift(String),

    /// After the final replay the new database does not hold what the
    /// mapping gives from the old one (rows lost or merged).
    #[error("{0}")]
    Verification(QuotedText),

    /// A drain could not replay the tail within its freeze limit; the old
    /// database is back to recording.
    #[error("{0}")]
    FreezeTimeout(String),

    /// SQLite reported something we did not expect: a bug or a damaged file.
    #[error("{context}: {source}")]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },

    #[error("{context} {path}: {source}")]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl EngineError {
    /// The message as `d` may read it: a viewer's names no row values (see
    /// [`QuotedText`]); every other variant quotes none.
    pub fn for_caller(&self, d: Disclosure) -> String {
        match self {
            EngineError::PlanBlocked(lines) => join(lines, d),
            EngineError::RowsBlock(t) | EngineError::Verification(t) => t.for_caller(d).to_string(),
            other => other.to_string(),
        }
    }
}

/// Lines as one, as `d` may read them.
fn join(lines: &[QuotedText], d: Disclosure) -> String {
    let lines: Vec<&str> = lines.iter().map(|l| l.for_caller(d)).collect();
    lines.join("; ")
}

/// Attaches a short description of what was being done to a SQLite error,
/// and turns the errors an operator can act on into their own variants.
pub trait SqlContext<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> SqlContext<T> for std::result::Result<T, rusqlite::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| classify(context(), source))
    }
}

/// Maps SQLite result codes an operator can act on to their variants.
pub fn classify(context: String, source: rusqlite::Error) -> EngineError {
    use rusqlite::ErrorCode;
    if let Some(name) = missing_collation(&source) {
        return EngineError::Precondition(format!(
            "{context}: the database uses collation `{name}`, which its application defines on its own connections; mig has only SQLite's built-in collations ({BUILT_IN_COLLATIONS}) and cannot read, copy or index by `{name}` without that definition; nothing was changed: move the columns to a built-in collation with the application first (or leave this database to the application's own migration tool)"
        ));
    }
    let code = source.sqlite_error_code();
    match code {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => EngineError::Busy(format!(
            "{context}: the database stayed locked by another connection for longer than the busy timeout; retry when the lock is released, or raise --busy-timeout-ms (agents: busy_timeout_ms)"
        )),
        Some(ErrorCode::DiskFull) => EngineError::DiskFull(format!(
            "{context}: disk full (or the database reached its size limit); free space on the new database's volume and re-run the same command: it resumes"
        )),
        Some(ErrorCode::NotADatabase) => EngineError::File(format!(
            "{context}: the file is not a SQLite database (or is encrypted); check the path"
        )),
        Some(ErrorCode::DatabaseCorrupt) => EngineError::File(format!(
            "{context}: the database file is corrupt; restore it from a backup before migrating"
        )),
        Some(ErrorCode::CannotOpen) => EngineError::File(format!(
            "{context}: cannot open the database file; check that it exists and is readable and writable"
        )),
        Some(ErrorCode::ReadOnly) => EngineError::File(format!(
            "{context}: the database is read-only; mig needs write access to the file and its folder"
        )),
        _ => EngineError::Sqlite { context, source },
    }
}

/// SQLite's own collations; any other name is an application's
/// (`sqlite3_create_collation` on the service's connections, e.g. Anki's
/// `unicase`), unknown to mig's connections.
pub const BUILT_IN_COLLATIONS: &str = "BINARY, NOCASE, RTRIM";

/// The collation SQLite could not find, when that is what `e` says.
pub fn missing_collation(e: &rusqlite::Error) -> Option<String> {
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.as_str(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.as_str(),
        _ => return None,
    };
    msg.strip_prefix("no such collation sequence: ")
        .map(str::to_owned)
}

impl EngineError {
    /// A [`EngineError::DiskFull`] met while writing the new database,
    /// restated for the operator: which file, roughly how much more space it
    /// needs, and that re-running `rerun` resumes. Other errors pass through.
    pub fn on_new_database(self, old: &Path, new: &Path, rerun: &str) -> EngineError {
        match self {
            EngineError::DiskFull(_) => EngineError::DiskFull(disk_full_message(old, new, rerun)),
            other => other,
        }
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// Bytes of a database: its main file and its WAL (missing files count 0).
fn db_bytes(path: &Path) -> u64 {
    let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    len(path) + len(&PathBuf::from(format!("{}-wal", path.display())))
}

/// The new database ends up about as large as the old one (the same rows
/// under another schema); what it still lacks, plus a tenth for indexes
/// and the WAL, is the estimate. At least 1 MiB.
fn disk_full_message(old: &Path, new: &Path, rerun: &str) -> String {
    let old_bytes = db_bytes(old);
    let new_bytes = db_bytes(new);
    let needed = old_bytes.saturating_sub(new_bytes) + old_bytes / 10;
    let needed_mib = ((needed as f64 / MIB).ceil() as u64).max(1);
    format!(
        "disk full writing the new database {}: about {needed_mib} MiB more needed (old database is {:.1} MiB); free space and re-run `{rerun}` — it resumes",
        new.display(),
        old_bytes as f64 / MIB
    )
}
