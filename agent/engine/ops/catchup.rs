//! Background work on a recording database: replay a bounded slice of the
//! log (so a later drain has only the tail left), and find the schema an
//! interrupted migration was started with (so an agent can resume it).

use super::super::error::Result;
use super::super::open::{self, Busy};
use super::super::paths::DatabaseSpec;
use super::super::record::{self, MarkerStatus};
use super::super::schema::SchemaFile;
use super::super::{meta, replay};
use super::{locate, recorded_plan};

/// One slice of background replay.
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchUp {
    pub applied: u64,
    pub pending: u64,
}

/// Replays at most `max_entries` recorded changes if the database is
/// recording with its copy complete; `None` when there is nothing to do in
/// this phase. Safe beside any other replay: batches serialise on the new
/// database's write lock and re-read the checkpoint inside it.
pub fn catch_up_slice(
    spec: &DatabaseSpec,
    busy: Busy,
    max_entries: u64,
) -> Result<Option<CatchUp>> {
    let loc = locate(spec, busy);
    let (Some(old), Some(new)) = (loc.old, loc.new) else {
        return Ok(None);
    };
    if !old.exists() || !new.exists() {
        return Ok(None);
    }
    let old_ro = open::old_ro(&old, busy)?;
    match record::read_marker(&old_ro, "main")? {
        Some(m) if m.status == MarkerStatus::Recording => {}
        _ => return Ok(None),
    }
    drop(old_ro);
    let mut work = open::work(&new, Some(&old), busy)?;
    if meta::read_status(&work, "main")? != Some(meta::MigrationStatus::Migrating)
        || !meta::flag(&work, "copy")?
    {
        return Ok(None);
    }
    let Some(id) = meta::read_identity(&work, "main")? else {
        return Ok(None);
    };
    let plan = recorded_plan(&work, &id)?;
    let b = replay::batch(&mut work, &plan, max_entries)?;
    Ok(Some(CatchUp {
        applied: b.applied,
        pending: b.log_max.saturating_sub(b.checkpoint),
    }))
}

/// The schema file recorded in the new database by `migrate`, if any.
pub fn recorded_schema(spec: &DatabaseSpec, busy: Busy) -> Result<Option<SchemaFile>> {
    let loc = locate(spec, busy);
    let Some(new) = loc.new.filter(|p| p.exists()) else {
        return Ok(None);
    };
    let conn = open::new_ro(&new, busy)?;
    match meta::read_identity(&conn, "main")? {
        Some(id) => Ok(Some(SchemaFile::parse(&id.schema_file, &id.schema_sql)?)),
        None => Ok(None),
    }
}
