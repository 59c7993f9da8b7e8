//! `cleanup-old`: drop the old database's migration tables and triggers
//! once the new database is cut over, in one transaction that checks the
//! marker is still what the state read.

use crate::engine::error::Result;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::record::{self, Guard, Removed};
use crate::engine::state::{locate, MigrationState};

pub fn cleanup_old(spec: &DatabaseSpec, busy: Busy) -> Result<Removed> {
    let st = MigrationState::claim(locate(spec, busy), busy)?;
    let expected = st.require_cleanable()?;
    let mut conn = open::old_rw(st.old_path()?, busy)?;
    record::remove(&mut conn, Guard::Unchanged(expected))
}
