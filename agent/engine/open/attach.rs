//! Attaching a database read-only to a connection, leaving its folder as
//! found (no `-wal` or `-shm` left behind by the attach).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use super::{reader, wal_has_content, Busy, OLD};
use crate::engine::error::{EngineError, Result, SqlContext};

/// Attaches the old database read-only: a transaction that writes the new
/// database then takes only a read snapshot of the old one, and can never
/// block the service's writers.
pub fn attach_old(conn: &Connection, old: &Path) -> Result<()> {
    attach_read_only(conn, old, OLD, "old database")
}

/// [`attach_old`] for a connection that closes while `old_rw`, the
/// caller's own read-write connection to the same file, stays open
/// (`migrate`'s scratch and work connections beside its recording
/// connection): that one closes last and removes the `-wal` and `-shm` the
/// attach made, so no reader is opened and kept for it (an open, a read
/// of the old catalog and a close fewer per attach). With `old_rw` read
/// only it is [`attach_old`].
pub fn attach_old_under(conn: &Connection, old: &Path, old_rw: &Connection) -> Result<()> {
    let read_only = old_rw
        .is_readonly(rusqlite::MAIN_DB)
        .ctx(|| "reading how the old database was opened".into())?;
    match read_only {
        true => attach_old(conn, old),
        false => attach(conn, old, OLD, "old database"),
    }
}

/// Attaches `path` read-only as `schema`, leaving its directory as found.
///
/// A read-only attach of a WAL database creates `-wal` and `-shm` when none
/// exist, and closing it can never remove them (it cannot checkpoint). So,
/// without a `-wal` holding frames, a [`reader`] opened first (read-write, `query_only`) is
/// kept with `conn`, owned by a function registered on it: SQLite destroys
/// a connection's functions after it has closed its databases, so that
/// reader closes after the attach, and as the last connection to the file
/// removes the empty WAL and shm. A service holding the file keeps them
/// instead (the reader is not last), and with a `-wal` holding frames
/// nothing is kept, as [`reader`] opens read-only then (unless that `-wal`
/// was checkpointed away before the attach read: then the reader is opened
/// after it, read-write, and kept the same way). The reader waits
/// for locks as long as `conn` does (its caller's busy timeout).
pub(super) fn attach_read_only(
    conn: &Connection,
    path: &Path,
    schema: &str,
    what: &str,
) -> Result<()> {
    let closer = if wal_has_content(path) {
        None
    } else {
        Some(reader(path, what, busy_of(conn)?)?)
    };
    attach(conn, path, schema, what)?;
    // The `-wal` checkpointed away between the look and the attach: the
    // attach made an empty one, which a reader opened now removes last.
    let closer = match closer {
        None if !wal_has_content(path) => Some(reader(path, what, busy_of(conn)?)?),
        kept => kept,
    };
    if let Some(closer) = closer {
        let keep = move |_: &rusqlite::functions::Context<'_>| {
            let _owned = &closer;
            Ok(0i64)
        };
        conn.create_scalar_function(
            format!("mig_closes_after_{schema}").as_str(),
            0,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8,
            keep,
        )
        .ctx(|| format!("keeping {what} {} tidy on close", path.display()))?;
    }
    Ok(())
}

/// How long `conn` waits for another connection's lock.
fn busy_of(conn: &Connection) -> Result<Busy> {
    let ms: i64 = conn
        .pragma_query_value(None, "busy_timeout", |r| r.get(0))
        .ctx(|| "reading the busy timeout".into())?;
    Ok(Busy(Duration::from_millis(ms.max(0) as u64)))
}

/// Attaches `path` read-only as `schema` and reads its catalog (a file
/// that is not a database fails here, named).
pub(super) fn attach(conn: &Connection, path: &Path, schema: &str, what: &str) -> Result<()> {
    let uri = format!("file:{}?mode=ro", uri_path(path)?);
    conn.execute(&format!("ATTACH DATABASE ?1 AS {schema}"), [uri])
        .ctx(|| format!("attaching {what} {}", path.display()))?;
    conn.query_row(
        &format!("SELECT count(*) FROM {schema}.sqlite_schema"),
        [],
        |r| r.get::<_, i64>(0),
    )
    .ctx(|| format!("reading {what} {}", path.display()))?;
    Ok(())
}

fn uri_path(path: &Path) -> Result<String> {
    let abs: PathBuf = std::path::absolute(path).map_err(|source| EngineError::Io {
        context: "resolving",
        path: path.to_path_buf(),
        source,
    })?;
    let s = abs.to_string_lossy();
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    Ok(out)
}
