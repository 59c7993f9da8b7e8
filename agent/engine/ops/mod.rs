//! The runbook's operations, each a function over a
//! [`DatabaseSpec`](crate::engine::paths::DatabaseSpec): read the
//! [`MigrationState`](crate::engine::state::MigrationState) (which proves
//! the two files are one migration), pass its checks, do the work, report.

mod catchup;
mod cleanup_old;
mod create_new;
mod cutover;
mod drain;
mod freeze_retry;
mod migrate;
mod migrate_precheck;
mod migrate_undo;
mod plan;
mod reset;
mod revert;
mod verify;
mod window;

pub use crate::engine::state::CloseWindow;
pub use catchup::{catch_up_slice, claim, resumable, CatchUp, Resumable};
pub use cleanup_old::{cleanup_old, cleanup_old_check, cleanup_old_with, CleanupReport, Release};
pub use cutover::{cutover, CutoverOptions, CutoverReport};
pub use drain::{
    drain, drain_gated, AfterDrain, BeforeCutover, DrainOptions, DrainSummary, TimeoutPolicy,
    VerifyFirst, VerifyStage,
};
pub use migrate::{migrate, new_migration_id, MigrateOptions, MigrateSummary};
pub use plan::{plan, PlanOptions, PlanOutcome};
pub use reset::{reset, reset_with, DiscardedRows, ResetMode, ResetOptions, ResetReport};
pub use revert::{revert, Conflicts, RevertOptions, RevertSummary};
pub use verify::{verify, QueryFile, VerifyOptions, VerifySummary, CHUNK_ROWS};
pub use window::{
    finalize, require_asked_window, settle, window_slice, ClosedBy, FinalizeReport, ReverseSlice,
};

pub use crate::engine::state::{locate, project_schema, Verification};

use crate::engine::error::{EngineError, Result};
use crate::engine::new_side;
use crate::engine::open;
use crate::engine::schema::SchemaFile;

/// The plan a migration in progress was built from: its recorded schema,
/// re-planned against the old database (`work`'s attached `old`).
pub(crate) fn recorded_plan(
    work: &rusqlite::Connection,
    id: &new_side::Identity,
) -> Result<crate::engine::plan::Plan> {
    let schema = SchemaFile::parse(&id.schema_file, &id.schema_sql)?;
    let (scratch, hash) = schema.reflect()?;
    // `work` has the old database attached and outlives `scratch`.
    open::attach_old_beside(&scratch, work)?;
    let plan = crate::engine::plan::build(
        &scratch,
        &schema,
        &hash,
        crate::engine::plan::Depth::MappingOnly,
    )?;
    if !plan.blockers.is_empty() {
        return Err(EngineError::Drift(format!(
            "the recorded schema no longer maps onto the old database: {}; run `mig reset` and migrate again",
            plan.blockers.join("; ")
        )));
    }
    Ok(plan)
}
