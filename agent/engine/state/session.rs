//! A command's state read with the connections it read through, handed to
//! its steps instead of closed and opened again.
//!
//! A [`Session`] exists only once the files are proven one migration (it
//! is made by the same read as [`MigrationState`]); its connections only
//! read (`query_only`) until a step asks for a writable one, which the
//! command does after its checks, so a refused command writes nothing
//! and creates no file. A connection the read opened read-only (a `-wal`
//! holding frames beside the file) cannot write: the step's connection is
//! then opened anew, as before. The connections hold no transaction
//! between the read and the step (`open::writable` checks), so keeping
//! them pins no WAL snapshot and holds off no service write.

use rusqlite::Connection;

use super::{owner, Located, MigrationState};
use crate::engine::error::Result;
use crate::engine::open::{self, Busy, Pair};

/// The connections a state read went through, each `None` once handed on
/// (or when its file did not exist).
pub(super) struct Readers {
    old: Option<Connection>,
    new: Option<Connection>,
}

impl Readers {
    pub(super) fn new(old: Option<Connection>, new: Option<Connection>) -> Readers {
        Readers { old, new }
    }
}

/// A command's proven state and the connections it was read through.
pub struct Session {
    /// What both files say, proven to be one migration.
    pub state: MigrationState,
    readers: Readers,
}

impl Session {
    /// Claims the old database (see `owner.rs`), reads and proves the
    /// state, and keeps the connections it read through.
    pub fn claim(located: Located, busy: Busy) -> Result<Session> {
        let claim = match located.old.as_deref() {
            Some(old) => owner::claim(old)?,
            None => None,
        };
        let (mut state, readers) = MigrationState::read_keeping(located, busy)?;
        state.claim = claim;
        Ok(Session { state, readers })
    }

    /// The old database read-write (`open::old_rw`): the state read's
    /// connection, once the command's checks passed.
    pub fn old_rw(&mut self, busy: Busy) -> Result<Connection> {
        let path = self.state.old_path()?.to_path_buf();
        open::old_rw_from(self.readers.old.take(), &path, busy)
    }

    /// Closes the state read's connection to the new database, for a
    /// command that opens it its own way: `migrate`'s bulk load switches
    /// its journal mode, which no other connection may hold the file open
    /// for.
    pub fn close_new(&mut self) {
        self.readers.new = None;
    }

    /// The new database for writing (`open::work`, nothing attached).
    pub fn work(&mut self, busy: Busy) -> Result<Connection> {
        let path = self.state.new_path()?.to_path_buf();
        open::work_from(self.readers.new.take(), &path, busy)
    }

    /// The new database for writing with `old` (from [`Session::old_rw`])
    /// attached, the two kept in the order they must close.
    pub fn pair(&mut self, old: Connection, busy: Busy) -> Result<Pair> {
        let new = self.state.new_path()?.to_path_buf();
        let old_path = self.state.old_path()?.to_path_buf();
        Pair::beside((old, &old_path), (self.readers.new.take(), &new), busy)
    }
}
