//! The one place SQLite connections are opened, with every pragma mig relies
//! on set here and explained.
//!
//! Three kinds of connection exist:
//! - [`old_rw`]: the old database, read-write, used only for mig's own tables
//!   and triggers (never for the service's tables);
//! - [`old_ro`] (and [`new_ro`]): a database for reading only (`query_only`),
//!   for plan, status and the checks before a step;
//! - [`work`]: the new database with the old one attached read-only as `old`,
//!   for copy and replay. Triggers and foreign keys are off on it, so the new
//!   schema's triggers never fire for copied rows.

// The one module allowed to open database files (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::error::{EngineError, Result, SqlContext};
use super::unsynced::Durability;

mod attach;
mod bulk;
mod handed;
use attach::attach_read_only;
pub use attach::{attach_old, attach_old_under};
pub use bulk::{begin_bulk_load, end_bulk_load};
pub use handed::{attach_old_beside, old_rw_from, work_from, Pair};

/// Schema name under which the old database is attached to a work connection.
pub const OLD: &str = "old";

/// How long a statement waits for another connection's lock before failing.
#[derive(Debug, Clone, Copy)]
pub struct Busy(pub Duration);

impl Default for Busy {
    fn default() -> Self {
        Busy(Duration::from_secs(10))
    }
}

/// How a missing database file ends its one line (the fleet client
/// recognises it in a target that existed when its rollout started).
pub const MISSING: &str = "does not exist; check the path";

/// The first 16 bytes of every SQLite database file.
const HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses a path that is not an existing file, or that names the `-wal`,
/// `-shm` or `-journal` file beside a database (a tab completion away while
/// the service has it open) and is no database itself: SQLite would take an
/// empty one (a WAL just checkpointed, a persisted journal) for an empty
/// database, and mig would write its tables into the service's journal.
fn must_exist(path: &Path, what: &str) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => match super::paths::sidecar_beside(path) {
            Some((suffix, db)) if !starts_with_header(path) => Err(EngineError::File(format!(
                "{what} {} is the {suffix} file SQLite keeps beside the database {}, not a database; pass {} itself",
                path.display(),
                db.display(),
                db.display()
            ))),
            _ => Ok(()),
        },
        Ok(_) => Err(EngineError::File(format!(
            "{what} {} is not a file; pass the database file's path",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(EngineError::File(format!(
            "{what} {} {MISSING}",
            path.display()
        ))),
        Err(e) => Err(EngineError::File(format!(
            "{what} {} cannot be read: {e}; check its permissions",
            path.display()
        ))),
    }
}

fn starts_with_header(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == HEADER)
}

/// Reads the header so that "not a database" and "corrupt" surface here,
/// with the file named, instead of in the middle of a later step.
fn probe(conn: &Connection, path: &Path, what: &str) -> Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .ctx(|| format!("reading {what} {}", path.display()))?;
    Ok(())
}

fn base_flags() -> OpenFlags {
    // URI: needed to attach the old database with `mode=ro`.
    // NO_MUTEX: each connection is used by one thread at a time.
    OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX
}

/// The old database, read-write, for mig's own tables and triggers.
pub fn old_rw(path: &Path, busy: Busy) -> Result<Connection> {
    must_exist(path, "old database")?;
    let conn = Connection::open_with_flags(path, base_flags() | OpenFlags::SQLITE_OPEN_READ_WRITE)
        .ctx(|| format!("opening old database {}", path.display()))?;
    // The service holds locks too: wait for them instead of failing at once
    // (steps that take the write lock poll for it: see `lock.rs`).
    conn.busy_timeout(busy.0)
        .ctx(|| "setting busy timeout".into())?;
    probe(&conn, path, "old database")?;
    Ok(conn)
}

/// The old database, for reading only (plan, status, checks). Never
/// writes, never leaves a file behind: see [`reader`].
pub fn old_ro(path: &Path, busy: Busy) -> Result<Connection> {
    reader(path, "old database", busy)
}

/// The new database, for reading only (status, verify, the decisions of
/// migrate).
///
/// A process killed in the middle of a write can leave a WAL that needs
/// recovery, which a read-only connection cannot apply (a hot rollback
/// journal from the bulk load is rolled back by [`reader`]'s read-write
/// open). Then the file is opened read-write once, which makes SQLite
/// restore the last commit (what any writer opening it does first; no
/// committed data changes), and read again.
pub fn new_ro(path: &Path, busy: Busy) -> Result<Connection> {
    match reader(path, "new database", busy) {
        Err(EngineError::Sqlite { source, .. }) if needs_writer_recovery(&source) => {
            let rw =
                Connection::open_with_flags(path, base_flags() | OpenFlags::SQLITE_OPEN_READ_WRITE)
                    .ctx(|| format!("opening new database {}", path.display()))?;
            rw.busy_timeout(busy.0)
                .ctx(|| "setting busy timeout".into())?;
            probe(&rw, path, "new database")?;
            drop(rw);
            reader(path, "new database", busy)
        }
        other => other,
    }
}

/// A connection that only reads, leaving the files as it found them.
///
/// Without a `-wal` beside the database, or with an empty one, it is opened
/// read-write (never create) with `query_only` on: a read-only connection
/// to a WAL database creates `-wal` and `-shm` and cannot remove them on
/// close, so a refused command or a `status` would leave two files behind,
/// while a read-write connection that closes last removes them (the WAL is
/// empty). With a `-wal` holding frames (a service running, or a crash), it
/// is opened read-only: closing it then never checkpoints or deletes that
/// WAL.
/// SQLite opens a write-protected file read-only either way.
/// A `-wal` the last other connection checkpointed away between the look
/// and the open leaves the read-only connection with an empty `-wal` it
/// could never remove: it is then opened again read-write.
fn reader(path: &Path, what: &str, busy: Busy) -> Result<Connection> {
    must_exist(path, what)?;
    if wal_has_content(path) {
        let conn = reader_with(path, what, busy, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        if wal_has_content(path) {
            return Ok(conn);
        }
    }
    reader_with(path, what, busy, OpenFlags::SQLITE_OPEN_READ_WRITE)
}

fn reader_with(path: &Path, what: &str, busy: Busy, access: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, base_flags() | access)
        .ctx(|| format!("opening {what} {}", path.display()))?;
    // Statements cannot write through this connection, whatever they are.
    conn.pragma_update(None, "query_only", true)
        .ctx(|| "setting query_only".into())?;
    conn.busy_timeout(busy.0)
        .ctx(|| "setting busy timeout".into())?;
    probe(&conn, path, what)?;
    Ok(conn)
}

/// A fresh file for the new database (it must not exist yet).
pub fn create_new(path: &Path, busy: Busy) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        base_flags() | OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .ctx(|| format!("creating new database {}", path.display()))?;
    conn.busy_timeout(busy.0)
        .ctx(|| "setting busy timeout".into())?;
    limit_for_tests(&conn)?;
    Ok(conn)
}

/// The fault suite's full-volume stand-in (`failpoint::new_db_max_pages`);
/// nothing in a shipped build.
fn limit_for_tests(conn: &Connection) -> Result<()> {
    if let Some(pages) = super::failpoint::new_db_max_pages() {
        conn.pragma_update(None, "max_page_count", pages)
            .ctx(|| "setting max_page_count".into())?;
    }
    Ok(())
}

/// An in-memory database to reflect the target schema into.
pub fn scratch() -> Result<Connection> {
    let conn = Connection::open_in_memory().ctx(|| "opening an in-memory database".into())?;
    // The schema's own triggers must never fire while we reflect it.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)
        .ctx(|| "disabling triggers".into())?;
    // `plan` times the real copy statements here.
    super::mapping::register(&conn)?;
    // An attached database waits for locks as mig's other connections do
    // (rusqlite's own default is 5 s); `plan` and `migrate` set the caller's.
    waits(&conn, Busy::default())?;
    Ok(conn)
}

/// Sets how long `conn`'s statements wait for another connection's lock:
/// a scratch connection reading an attached database takes the caller's.
pub fn waits(conn: &Connection, busy: Busy) -> Result<()> {
    conn.busy_timeout(busy.0)
        .ctx(|| "setting busy timeout".into())
}

/// The new database with the old one attached read-only as `old`.
pub fn work(new: &Path, old: Option<&Path>, busy: Busy) -> Result<Connection> {
    let conn = work_file(new)?;
    configure_work(&conn, busy)?;
    if let Some(old) = old {
        attach_old(&conn, old)?;
    }
    Ok(conn)
}

/// The new database for `migrate` inside its unsynced window
/// (`unsynced.rs`: the marker is on disk), with the old one attached
/// read-only as `old`: straight into the bulk load's rollback journal with
/// its commits unsynced ([`begin_bulk_load`]), never through WAL first, so
/// opening it writes nothing and syncs nothing. `old_rw`, `migrate`'s
/// recording connection to the old database, outlives it
/// ([`attach_old_under`]).
pub fn work_unsynced(
    new: &Path,
    (old, old_rw): (&Path, &Connection),
    busy: Busy,
) -> Result<Connection> {
    let conn = work_file(new)?;
    configure_writer(&conn, busy)?;
    begin_bulk_load(&conn, Durability::Deferred)?;
    attach_old_under(&conn, old, old_rw)?;
    Ok(conn)
}

/// Opens the new database read-write, refusing one another boot left
/// unsynced.
fn work_file(new: &Path) -> Result<Connection> {
    must_exist(new, "new database")?;
    super::unsynced::refuse_if_rebooted(new)?;
    let conn = Connection::open_with_flags(new, base_flags() | OpenFlags::SQLITE_OPEN_READ_WRITE)
        .ctx(|| format!("opening new database {}", new.display()))?;
    probe(&conn, new, "new database")?;
    Ok(conn)
}

/// Pragmas for a connection that writes copied and replayed rows.
pub fn configure_work(conn: &Connection, busy: Busy) -> Result<()> {
    configure_writer(conn, busy)?;
    // WAL: commits append, readers (status) never block the copy.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
        .ctx(|| "setting WAL mode on the new database".into())?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(EngineError::File(format!(
            "the new database cannot use WAL mode (it reports {mode}); put it on a local filesystem"
        )));
    }
    // NORMAL in WAL mode: a power loss can drop the last commits but never
    // corrupts; every commit carries its own progress checkpoint, so a lost
    // commit is simply copied or replayed again.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .ctx(|| "setting synchronous".into())?;
    // 32 MiB of page cache (negative: KiB): enough for replay and verify,
    // bounded whatever the database size.
    conn.pragma_update(None, "cache_size", WORK_CACHE_KIB)
        .ctx(|| "setting cache size".into())?;
    Ok(())
}

/// What every connection writing copied or replayed rows needs, whatever
/// its journal.
fn configure_writer(conn: &Connection, busy: Busy) -> Result<()> {
    conn.busy_timeout(busy.0)
        .ctx(|| "setting busy timeout".into())?;
    // Copied rows must not fire the new schema's triggers: the old database
    // already holds their effects.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)
        .ctx(|| "disabling triggers".into())?;
    // Parents and children are replayed in log order, not constraint order;
    // the old database's own consistency carries over and is checked after drain.
    conn.pragma_update(None, "foreign_keys", false)
        .ctx(|| "disabling foreign keys".into())?;
    // The copy statements stop at a reference the id mapping lacks.
    super::mapping::register(conn)?;
    limit_for_tests(conn)
}

/// A read-only connection met a hot journal or a WAL to recover.
fn needs_writer_recovery(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if [
                rusqlite::ffi::SQLITE_READONLY_ROLLBACK,
                rusqlite::ffi::SQLITE_READONLY_RECOVERY,
                rusqlite::ffi::SQLITE_READONLY_CANTINIT,
            ]
            .contains(&f.extended_code)
    )
}

/// Page cache of a work connection, in KiB (negative: SQLite's unit).
const WORK_CACHE_KIB: i64 = -32768;

/// A `-wal` with content beside `path`: a service's (running, or it
/// crashed), which a reader must not checkpoint or delete. An empty one
/// (what a reader of a WAL database creates) holds nothing to checkpoint,
/// so the last connection to close removes it without changing a byte.
fn wal_has_content(path: &Path) -> bool {
    std::fs::metadata(format!("{}-wal", path.display())).is_ok_and(|m| m.len() > 0)
}

/// `synchronous=NORMAL` on a connection to the old database, for mig's
/// steps there that the next command redoes if a power cut loses their
/// commit (the old side's settle after cutover: the state then says the
/// old side is pending, and the database still refuses writes). In WAL mode
/// the commit then appends to the WAL without waiting for an fsync while
/// it holds the service's write lock; a rollback journal still syncs.
pub fn relax_sync(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "synchronous", "NORMAL")
        .ctx(|| "setting synchronous".into())
}

/// The old database read-write with the new one attached read-only as
/// `new`: reverse replay and revert. Triggers are off on this connection
/// only (SQLite's per-connection switch): mig's writes pass the standby's
/// guard, which keeps refusing every other connection, and the old
/// schema's own triggers do not fire twice for effects the new database
/// already carries. Foreign keys off, as on a work connection.
pub fn revert_work(old: &Path, new: &Path, busy: Busy) -> Result<Connection> {
    let conn = old_rw(old, busy)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)
        .ctx(|| "disabling triggers".into())?;
    conn.pragma_update(None, "foreign_keys", false)
        .ctx(|| "disabling foreign keys".into())?;
    conn.pragma_update(None, "cache_size", WORK_CACHE_KIB)
        .ctx(|| "setting cache size".into())?;
    attach_read_only(&conn, new, "new", "new database")?;
    Ok(conn)
}
