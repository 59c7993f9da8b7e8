//! `plan`: what a migration to a schema would do and what stops it — the
//! mapping, its blockers, the risk assessment, what a revert window could
//! carry back — read from the schema and the old database; writes nothing.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::engine::error::{Result, SqlContext};
use crate::engine::open::{self, Busy};
use crate::engine::owners::LeftToOwner;
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::quoted::Disclosure;
use crate::engine::plan::{self, Plan};
use crate::engine::schema::SchemaFile;
use crate::engine::state::{locate_for_schema, Located, MigrationState};

#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub plan: Plan,
    pub old: PathBuf,
    pub new: PathBuf,
    /// Everything that stops `migrate` (the plan's blockers, constraint
    /// violations and the files' state).
    pub blockers: Vec<String>,
    /// Risk, dependencies, the constraint pre-check and estimates.
    pub assessment: plan::assess::Assessment,
    /// What a revert window could carry back, per new table.
    pub revert: Vec<crate::engine::revert::inverse::TableRevert>,
    /// A migration to this schema is already cut over: `migrate` has
    /// nothing to do.
    pub cut_over: bool,
}

impl PlanOutcome {
    pub fn can_migrate(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// What `plan` may accept and leave alone.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub busy: Busy,
    /// Accept an old database in rollback-journal mode (no blocker for it).
    pub allow_rollback_journal: bool,
    /// Old tables another tool owns (besides the built-in ones); a
    /// migration in progress adds the list it recorded.
    pub left_to_owner: LeftToOwner,
    /// Whether the report may quote old rows' keys and values.
    pub disclosure: Disclosure,
}

/// Reads the schema and the old database; writes nothing.
pub fn plan(spec: &DatabaseSpec, schema: &SchemaFile, opts: &PlanOptions) -> Result<PlanOutcome> {
    let (scratch, hash) = schema.reflect()?;
    let (old, new) = locate_for_schema(spec, &hash)?;
    let st = MigrationState::read_located(Located::pair(old.clone(), new.clone()), opts.busy)?;
    let state_blockers = st.plan_blockers(&hash, &schema.file_name)?;
    let old_ro = open::old_ro(&old, opts.busy)?;
    open::waits(&scratch, opts.busy)?;
    open::attach_old(&scratch, &old)?;
    let left = recorded_and(&st, &opts.left_to_owner);
    let mut plan = plan::build_leaving(&scratch, schema, &hash, plan::Depth::Full, &left)?;
    plan.warnings.extend(already_cut_over(&st));
    let mut blockers = plan.blockers.clone();
    let mut assessment = plan::assess::assess(&scratch, &plan, &new)?;
    assessment.for_caller(&plan, opts.disclosure);
    let revert = crate::engine::revert::build(&scratch, &plan, schema)?.report;
    blockers.extend(assessment.blockers());
    if !opts.allow_rollback_journal {
        blockers.extend(journal_blocker(&old_ro, &old, Blocks::CopyChunks)?);
    }
    blockers.extend(state_blockers);
    if !new.exists() {
        blockers.extend(folder_blocker(spec, &new));
    }
    Ok(PlanOutcome {
        plan,
        old,
        new,
        blockers,
        assessment,
        revert,
        cut_over: st.cut_over(),
    })
}

/// The new database's folder as `migrate` would refuse it (missing, for a
/// typed `--new`; a file in its path): the same line, so `plan` never says
/// "can migrate: yes" to a `migrate` refused at once.
fn folder_blocker(spec: &DatabaseSpec, new: &Path) -> Option<String> {
    use super::create_new::{folder_refusal, Folder, FolderRefusal};
    match folder_refusal(new, Folder::for_spec(spec))? {
        FolderRefusal::NotAFolder(why) | FolderRefusal::Missing(why) => Some(why),
    }
}

/// A migration to this schema already cut over: `migrate` has nothing to
/// do, so a plan of its copy must not read as work still to come (a
/// second operator, or a fleet plan over every tenant, planned it again).
fn already_cut_over(st: &MigrationState) -> Option<String> {
    let new = st.new_path().ok()?;
    st.cut_over().then(|| {
        format!(
            "the migration to this schema is already cut over: {} is ready and `mig migrate` has nothing to do (`mig status` says what is left)",
            new.display()
        )
    })
}

/// `configured`, and the tables a migration in progress recorded as left to
/// their owner.
pub(super) fn recorded_and(st: &MigrationState, configured: &LeftToOwner) -> LeftToOwner {
    match st.marker() {
        Some(m) => configured.merged(&LeftToOwner::from_recorded(&m.catalog)),
        None => configured.clone(),
    }
}

/// What an old database outside WAL mode would block: a reader there holds
/// off the service's commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Blocks {
    /// `migrate`'s copy chunks.
    CopyChunks,
    /// `drain`'s catch-up and verify, the old database having left WAL
    /// since `migrate` (a maintenance script, a tool's own default).
    DrainReads,
}

/// What stops a migration of an old database not in WAL mode, unless
/// `--allow-rollback-journal` accepts it.
pub(super) fn journal_blocker(
    old: &Connection,
    path: &Path,
    blocks: Blocks,
) -> Result<Option<String>> {
    let mode: String = old
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .ctx(|| "reading the old journal mode".into())?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(None);
    }
    // Quoted as the shell needs it: a path with a space or a quote in it
    // pasted as shown would name another file.
    let shown = path.to_string_lossy();
    let quoted = shlex::try_quote(&shown).unwrap_or(shown.clone());
    let what = match blocks {
        Blocks::CopyChunks => "every copy chunk would block the service's writers",
        Blocks::DrainReads => {
            "it left WAL since `mig migrate`, and drain's catch-up and verify would block the service's writers"
        }
    };
    Ok(Some(format!(
        "the old database {shown} uses journal_mode={mode}: {what}; switch it to WAL on the database's host (`sqlite3 {quoted} 'PRAGMA journal_mode=WAL'`, once, while the service is stopped or idle) or pass --allow-rollback-journal (on an agent: allow_rollback_journal = true)"
    )))
}
