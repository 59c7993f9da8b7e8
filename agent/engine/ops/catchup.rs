//! Background work on a recording database: replay a bounded slice of the
//! log (so a later drain has only the tail left), and find what an agent
//! restart interrupted (so the agent can resume it).

use crate::engine::error::Result;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::replay;
use crate::engine::schema::SchemaFile;
use crate::engine::state::{locate, owner, MigrationState, Resume};
use crate::engine::EngineError;

use super::recorded_plan;

/// One slice of background replay.
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchUp {
    pub applied: u64,
    pub pending: u64,
}

/// A database's state, claimed for one of the agent's background slices;
/// `None` while another mig process works on it (the slice waits its turn).
pub(super) fn claim_for_slice(spec: &DatabaseSpec, busy: Busy) -> Result<Option<MigrationState>> {
    match MigrationState::claim(locate(spec, busy), busy) {
        Ok(st) => Ok(Some(st)),
        Err(EngineError::InUse(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replays at most `max_entries` recorded changes if the database is
/// recording with its copy complete; `None` when there is nothing to do in
/// this phase, or another mig process works on the database. Safe beside
/// any other replay: batches serialise on the new database's write lock and
/// re-read the checkpoint inside it.
pub fn catch_up_slice(
    spec: &DatabaseSpec,
    busy: Busy,
    max_entries: u64,
) -> Result<Option<CatchUp>> {
    let Some(st) = claim_for_slice(spec, busy)? else {
        return Ok(None);
    };
    if !st.may_catch_up() {
        return Ok(None);
    }
    let (Some(id), Ok(old), Ok(new)) = (st.identity(), st.old_path(), st.new_path()) else {
        return Ok(None);
    };
    let mut work = open::work(new, Some(old), busy)?;
    let plan = recorded_plan(&work, id)?;
    crate::engine::mapping::upgrade_legacy(&mut work, &plan)?;
    let b = replay::batch(&mut work, &plan, max_entries)?;
    Ok(Some(CatchUp {
        applied: b.applied,
        pending: b.log_max.saturating_sub(b.checkpoint),
    }))
}

/// What an agent restart interrupted: a copy to resume (with the schema
/// recorded in the new database) or a drain to finish; `None` otherwise.
pub fn resumable(spec: &DatabaseSpec, busy: Busy) -> Result<Option<Resumable>> {
    let st = MigrationState::read(spec, busy)?;
    Ok(match st.resume() {
        Some(Resume::Migrate(id)) => Some(Resumable::Migrate(SchemaFile::parse(
            &id.schema_file,
            &id.schema_sql,
        )?)),
        Some(Resume::Drain) => Some(Resumable::Drain),
        Some(Resume::Revert) => Some(Resumable::Revert),
        None => None,
    })
}

/// An interrupted job to start again.
#[derive(Debug, Clone)]
pub enum Resumable {
    Migrate(SchemaFile),
    Drain,
    /// A revert whose new database refuses writes.
    Revert,
}

/// Claims `spec`'s old database for this process as long as the claim is
/// held (an agent holds its databases for its whole life, so that no other
/// mig process works on them meanwhile).
pub fn claim(spec: &DatabaseSpec, busy: Busy) -> Result<Option<owner::Claim>> {
    match locate(spec, busy).old {
        Some(old) => owner::claim(&old),
        None => Ok(None),
    }
}
