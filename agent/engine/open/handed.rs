//! Connections handed on instead of opened again: a command's state
//! read's connections made writable once its checks passed
//! (`state::Session`), and attachments beside a connection that already
//! has the file attached.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::attach::attach;
use super::{configure_work, old_rw, work, Busy, OLD};
use crate::engine::error::{Result, SqlContext};

/// A command's two writable connections, made from the ones its state
/// read opened (`state::Session`) where they can write. `work` is declared
/// first, so it closes first: `old`, read-write, then closes after the
/// read-only attach and, as the last connection, removes the `-wal` and
/// `-shm` it made (the job `attach_read_only`'s kept reader does
/// elsewhere). Kept together so that order cannot be undone.
pub struct Pair {
    /// The new database with the old one attached read-only as `old`
    /// (see `open::work`).
    pub work: Connection,
    /// The old database read-write (see `open::old_rw`).
    pub old: Connection,
}

impl Pair {
    /// `old` (read-write, on `old_path`) with the new database at `new`
    /// attaching it: the state read's `reader` of `new` made writable, or
    /// opened anew.
    pub fn beside(
        (old, old_path): (Connection, &Path),
        (reader, new): (Option<Connection>, &Path),
        busy: Busy,
    ) -> Result<Pair> {
        let work = work_from(reader, new, busy)?;
        attach(&work, old_path, OLD, "old database")?;
        Ok(Pair { work, old })
    }
}

/// The new database as `open::work` opens it without an attachment, from
/// the state read's `reader` of it when that can write (see [`writable`]).
pub fn work_from(reader: Option<Connection>, new: &Path, busy: Busy) -> Result<Connection> {
    crate::engine::unsynced::refuse_if_rebooted(new)?;
    let Some(conn) = reader.map(writable).transpose()?.flatten() else {
        return work(new, None, busy);
    };
    configure_work(&conn, busy)?;
    Ok(conn)
}

/// The old database read-write (see `open::old_rw`), from the state
/// read's `reader` of it when that can write.
pub fn old_rw_from(reader: Option<Connection>, path: &Path, busy: Busy) -> Result<Connection> {
    match reader.map(writable).transpose()?.flatten() {
        Some(conn) => Ok(conn),
        None => old_rw(path, busy),
    }
}

/// A reader's connection (`open::reader`) allowed to write (`query_only`
/// off) when it was opened read-write; `None` (the connection closed) when
/// it was opened read-only because a `-wal` held frames, or holds a
/// transaction: the caller opens the file anew, as before the state read
/// kept its connections.
fn writable(reader: Connection) -> Result<Option<Connection>> {
    let read_only = reader
        .is_readonly(rusqlite::MAIN_DB)
        .ctx(|| "reading how a database was opened".into())?;
    if read_only || !reader.is_autocommit() {
        return Ok(None);
    }
    reader
        .pragma_update(None, "query_only", false)
        .ctx(|| "setting query_only".into())?;
    Ok(Some(reader))
}

/// `open::attach_old` for a connection that closes while `attached`,
/// which has the same file attached as `old`, stays open (the recorded
/// plan's scratch beside the work connection): that one's attach, or the
/// connection keeping it, is the one that closes last, so no reader is
/// kept here.
pub fn attach_old_beside(conn: &Connection, attached: &Connection) -> Result<PathBuf> {
    let path: String = attached
        .query_row(
            "SELECT file FROM pragma_database_list WHERE name = ?1",
            [OLD],
            |r| r.get(0),
        )
        .ctx(|| "locating the attached old database".into())?;
    let path = PathBuf::from(path);
    attach(conn, &path, OLD, "old database")?;
    Ok(path)
}
