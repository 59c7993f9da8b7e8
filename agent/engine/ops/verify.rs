//! `verify`: compares every sourced table of the new database with the
//! mapping of the old one, chunk by chunk, while the old database may still
//! be recording and the service writing (see `verify::table` for how each
//! chunk sees both sides at one log position).

use std::time::Instant;

use super::super::error::{EngineError, Result};
use super::super::open::{self, Busy};
use super::super::paths::DatabaseSpec;
use super::super::verify::{self, hash, Repair, TableReport};
use super::super::{meta, Ctx, Event};
use super::{locate, recorded_plan};

/// Old rows per compared chunk: small enough that each chunk's write lock
/// on the new database (which holds off replay) stays short.
pub const CHUNK_ROWS: u64 = 5_000;

#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub busy: Busy,
    /// Old rows per chunk (at least 1).
    pub chunk_rows: u64,
    pub repair: Repair,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            busy: Busy::default(),
            chunk_rows: CHUNK_ROWS,
            repair: Repair::Recopy,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerifySummary {
    pub tables: Vec<TableReport>,
    pub rows: u64,
    pub chunks: u64,
    pub chunks_recopied: u64,
    pub rows_repaired: u64,
    /// Differences left: always 0 in a summary (a remaining one is an error).
    pub differences: u64,
    pub entries_replayed: u64,
    pub seconds: f64,
}

pub fn verify(
    spec: &DatabaseSpec,
    opts: &VerifyOptions,
    ctx: &mut Ctx<'_>,
) -> Result<VerifySummary> {
    let started = Instant::now();
    let loc = locate(spec, opts.busy);
    let (old, new) = (loc.old_path()?.clone(), loc.new_path()?.clone());
    let mut work = open::work(&new, Some(&old), opts.busy)?;
    match meta::read_status(&work, "main")? {
        Some(meta::MigrationStatus::Migrating) => {}
        Some(meta::MigrationStatus::Ready) => {
            return Err(EngineError::Precondition(format!(
                "{} is already cut over (ready); verify runs between migrate and cutover",
                new.display()
            )))
        }
        None => {
            return Err(EngineError::Precondition(format!(
            "{} has no _migration_status: it was not created by `mig migrate`; run migrate first",
            new.display()
        )))
        }
    }
    let id = meta::read_identity(&work, "main")?.ok_or_else(|| {
        EngineError::Precondition(format!(
            "{} has no _schema_identity; it was not created by `mig migrate`",
            new.display()
        ))
    })?;
    if !meta::flag(&work, "copy")? {
        return Err(EngineError::Precondition(
            "the copy has not finished; re-run `mig migrate` to resume it, then verify".into(),
        ));
    }
    hash::register(&work)?;
    let plan = recorded_plan(&work, &id)?;
    (ctx.sink)(Event::Step {
        step: "verify",
        message: "comparing every table with the mapping of the old database".into(),
    });
    let mut summary = VerifySummary::default();
    for t in plan.tables.iter().filter(|t| t.source.is_some()) {
        let r = verify::table(
            &mut work,
            &plan,
            t,
            opts.chunk_rows.max(1),
            opts.repair,
            ctx,
        )?;
        summary.rows += r.rows;
        summary.chunks += r.chunks;
        summary.chunks_recopied += r.chunks_recopied;
        summary.rows_repaired += r.rows_repaired;
        summary.entries_replayed += r.entries_replayed;
        if r.chunks_recopied > 0 || r.rows_repaired > 0 {
            (ctx.sink)(Event::Notice {
                warn: true,
                message: format!(
                    "{}: {} chunk(s) differed and were recopied ({} row(s) repaired)",
                    r.table, r.chunks_recopied, r.rows_repaired
                ),
            });
        }
        summary.tables.push(r);
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
