//! `migrate`: create the new database, start recording on the
//! old one, copy every row, build the deferred indexes, catch up.
//!
//! Order matters for safety: recording starts before the first row is read,
//! so every write the copy may miss is in the log. A `migrate` interrupted at
//! any point resumes from what the two files say.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::Connection;

use super::create_new::{create_new_db, prepare_folder, Folder, NewDb};
use super::migrate_precheck::{checked_plan, Precheck};
use super::migrate_undo::{undo_fresh_start, withdraw};
use super::plan::{journal_blocker, Blocks};
use crate::engine::bulk_load;
use crate::engine::copy::{self, TableStats};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::guard::{self, GuardKind};
use crate::engine::open::{self, Busy};
use crate::engine::owners::LeftToOwner;
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::quoted::QuotedText;
use crate::engine::plan::same::SAME_SCHEMA;
use crate::engine::plan::{DataLoss, Plan};
use crate::engine::record;
use crate::engine::schema::SchemaFile;
use crate::engine::state::{absolute, files, locate_for_schema, Located, Session, Start};
use crate::engine::unsynced::{self, Durability};
use crate::engine::write_back::WriteBack;
use crate::engine::{new_side, replay, Ctx, Event};

#[derive(Debug, Clone, Default)]
pub struct MigrateOptions {
    /// Proceed although old tables or columns are not carried over.
    pub accept_data_loss: bool,
    /// Free text stored with the migration (e.g. a fleet rollout id).
    pub label: String,
    pub busy: Busy,
    /// Accept an old database in rollback-journal mode.
    pub allow_rollback_journal: bool,
    /// Rows per copy chunk (adaptive unless fixed).
    pub chunking: copy::Chunking,
    /// Old tables another tool owns (besides the built-in ones); a resumed
    /// migration adds the list it recorded.
    pub left_to_owner: LeftToOwner,
    /// The id a fresh migration takes (so the agent can name it in its
    /// audit line before the job starts); `None`: a random one.
    pub fresh_migration_id: Option<String>,
    /// Start although the schema is the old database's own (a rebuild).
    pub allow_same_schema: bool,
}

#[derive(Debug, Clone)]
pub struct MigrateSummary {
    pub tables: Vec<TableStats>,
    pub rows: u64,
    pub seconds: f64,
    pub new_path: PathBuf,
    pub schema_hash: String,
    pub resumed: bool,
    pub indexes_built: u32,
}

pub fn migrate(
    spec: &DatabaseSpec,
    schema: &SchemaFile,
    opts: &MigrateOptions,
    ctx: &mut Ctx<'_>,
) -> Result<MigrateSummary> {
    let started = Instant::now();
    let (scratch, hash) = schema.reflect()?;
    let (old, new) = locate_for_schema(spec, &hash)?;
    let (old_abs, new_abs) = (absolute(&old)?, absolute(&new)?);
    // Grown at the job's start, the heap serves the plan's and the
    // creation's allocations too, without a system call each.
    crate::engine::heap::grow_ahead_for(&old);
    // Claimed before anything reads the new file: a bulk load left
    // unsynced by an earlier boot may have torn it (`unsynced.rs`).
    let _claimed = crate::engine::state::owner::claim(&old)?;
    if unsynced::discard_if_rebooted(&new)? {
        (ctx.sink)(Event::Notice {
            warn: true,
            message: format!("{} was being written when the machine stopped (its writes were not synced yet); it was deleted and the copy starts again from the old database", new.display()),
        });
    }
    // Held until `migrate` returns: one mig process per old database.
    // Its reader of the old database becomes the recording's read-write
    // connection once the checks passed (`state::Session`).
    let mut session = Session::claim(Located::pair(old.clone(), new.clone()), opts.busy)?;
    let start = session.state.migrate_start(&hash, &schema.file_name)?;
    let old_rw = session.old_rw(opts.busy)?;
    session.close_new();
    let st = &session.state;
    if !opts.allow_rollback_journal {
        if let Some(b) = journal_blocker(&old_rw, &old, Blocks::CopyChunks)? {
            return Err(EngineError::Precondition(b));
        }
    }
    let (plan, precheck) =
        checked_plan(scratch, schema, &hash, (&old, &old_rw), (st, &start), opts)?;
    refuse_data_loss(&plan, opts)?;
    // Only a fresh start: a migration already under way was allowed.
    if plan.same_schema && !opts.allow_same_schema && matches!(start, Start::Fresh) {
        return Err(EngineError::Precondition(SAME_SCHEMA.to_string()));
    }
    for w in &plan.warnings {
        (ctx.sink)(Event::Notice {
            warn: true,
            message: w.clone(),
        });
    }
    let migration_id = migration_id(&start, opts);
    let id = new_side::Identity {
        schema_hash: hash.clone(),
        migration_id: migration_id.clone(),
        old_path: old_abs.to_string_lossy().into_owned(),
        schema_file: schema.file_name.clone(),
        schema_sql: schema.source.clone(),
        label: opts.label.clone(),
        created_at: String::new(),
    };
    let run = Run {
        old,
        new,
        new_abs,
        schema,
        plan,
        start,
        opts,
    };
    // Opened once every check has passed, before the new file exists:
    // from here to `finish` the new database's writes are unsynced.
    if matches!(run.start, Start::Fresh | Start::Recreate { .. }) {
        let folder = Folder::for_spec(spec);
        prepare_folder(&run.new, folder).map_err(|e| run.on_new(e))?;
    }
    let durability = unsynced::begin(&run.new)?;
    let ran = run.create_and_copy(old_rw, (&id, &migration_id), (durability, precheck), ctx);
    let (tables, indexes_built) = match ran {
        Ok((tables, indexes_built, syncing)) => {
            // The index pages' sync, begun when the builds ended, first:
            // an error it met is returned, and the marker stays.
            syncing.finish()?;
            unsynced::finish(&run.new)?;
            (tables, indexes_built)
        }
        Err(e) => {
            // No new file created: the marker guards nothing. Otherwise it
            // stays (the safe side; a failed bulk load settled it itself,
            // `bulk_load::run`): a sync that failed once must not be
            // retried into a marker's removal, and the next `migrate`
            // finishes what this one left.
            unsynced::abandon(&run.new).ok();
            return Err(e);
        }
    };
    let rows = tables.iter().map(|t| t.rows).sum();
    Ok(MigrateSummary {
        tables,
        rows,
        seconds: started.elapsed().as_secs_f64(),
        new_path: run.new_abs,
        schema_hash: hash,
        resumed: matches!(run.start, Start::Resume | Start::InstallOnly { .. }),
        indexes_built,
    })
}

/// Refuses a plan that loses old tables or columns unless accepted.
fn refuse_data_loss(plan: &Plan, opts: &MigrateOptions) -> Result<()> {
    if plan.data_loss.is_empty() || opts.accept_data_loss {
        return Ok(());
    }
    let partial = crate::engine::plan::partial_schema(&plan.data_loss, &plan.tables)
        .map_or(String::new(), |p| format!(" ({p})"));
    Err(EngineError::Precondition(format!(
        "migrate would lose data: {} would not be carried over{partial}; run `mig plan` to review, then re-run with --accept-data-loss if that is intended",
        lost_list(&plan.data_loss)
    )))
}

/// How many losses the refusal names before it counts the rest: the line
/// stays one a terminal shows (a delta file as the schema listed 173
/// tables in 6.7 kB); `mig plan` lists them all.
const LOSSES_NAMED: usize = 5;

/// The first [`LOSSES_NAMED`] losses, and how many more.
fn lost_list(lost: &[DataLoss]) -> String {
    let named: Vec<String> = lost
        .iter()
        .take(LOSSES_NAMED)
        .map(DataLoss::describe)
        .collect();
    match lost.len().saturating_sub(LOSSES_NAMED) {
        0 => named.join(", "),
        more => format!("{} and {more} more", named.join(", ")),
    }
}

/// The id this run records: a fresh one, the one the files already carry,
/// or none when both files are in place (resume).
fn migration_id(start: &Start, opts: &MigrateOptions) -> String {
    match start {
        Start::Fresh => opts
            .fresh_migration_id
            .clone()
            .unwrap_or_else(new_migration_id),
        Start::Recreate { migration_id } | Start::InstallOnly { migration_id } => {
            migration_id.clone()
        }
        Start::Resume => String::new(),
    }
}

/// One `migrate` run, once its checks passed: the files, the plan and
/// where it starts from.
struct Run<'a> {
    old: PathBuf,
    new: PathBuf,
    new_abs: PathBuf,
    schema: &'a SchemaFile,
    plan: Plan,
    start: Start,
    opts: &'a MigrateOptions,
}

impl Run<'_> {
    /// Everything `migrate` writes, inside the unsynced window: the new
    /// file, the recording on the old one (committed as the service's
    /// settings make it durable), the copy and the catch-up.
    fn create_and_copy(
        &self,
        mut old_rw: Connection,
        (id, migration_id): (&new_side::Identity, &str),
        (durability, precheck): (Durability, Precheck),
        ctx: &mut Ctx<'_>,
    ) -> Result<(Vec<TableStats>, u32, WriteBack)> {
        self.create_or_resume(&old_rw, id, durability, ctx)?;
        self.start_recording(&mut old_rw, migration_id, ctx)?;
        let copied = match self.copy_and_catch_up(&old_rw, (durability, precheck), ctx) {
            Ok(Copied::Done(tables, indexes, syncing)) => Ok((tables, indexes, syncing)),
            Ok(Copied::Refused(violations)) => Err(withdraw(&self.new, &mut old_rw, violations)),
            Err(e) => Err(e),
        };
        // Closed after the copy's connection (idle since the recording's
        // commit: no lock, no read snapshot pinning the WAL), so the old
        // database's WAL is checkpointed, synced and removed once, by this
        // last writable connection, not between the steps as well.
        drop(old_rw);
        copied
    }

    /// A full volume while writing the new database: say which file, about
    /// how much more it needs, and that re-running resumes.
    fn on_new(&self, e: EngineError) -> EngineError {
        e.on_new_database(&self.old, &self.new, "mig migrate")
    }

    /// Creates the new database (fresh, or again after it was lost), or
    /// says the migration resumes into it.
    fn create_or_resume(
        &self,
        old_rw: &Connection,
        id: &new_side::Identity,
        durability: Durability,
        ctx: &mut Ctx<'_>,
    ) -> Result<()> {
        let new = &self.new;
        match &self.start {
            Start::Fresh | Start::Recreate { .. } => {
                (ctx.sink)(Event::Step {
                    step: "create",
                    message: format!("creating {}", new.display()),
                });
                let how = NewDb {
                    busy: self.opts.busy,
                    durability,
                };
                create_new_db(new, old_rw, self.schema, &self.plan, id, how)
                    .map_err(|e| self.on_new(e))?;
                crate::engine::failpoint::hit("migrate.after-create");
            }
            Start::InstallOnly { .. } | Start::Resume => {
                (ctx.sink)(Event::Step {
                    step: "resume",
                    message: format!("resuming the migration into {}", new.display()),
                });
            }
        }
        Ok(())
    }

    /// Installs the marker, the log and the triggers on the old database,
    /// or the triggers a start cut short did not create (`record::install`:
    /// paced transactions), then reports how many triggers record. Every
    /// table records before the copy reads a row.
    fn start_recording(
        &self,
        old_rw: &mut Connection,
        migration_id: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<()> {
        let old = &self.old;
        let spec = record::InstallSpec {
            plan: &self.plan,
            migration_id,
            new_path: &self.new_abs.to_string_lossy(),
            inode: files::inode(old),
        };
        if let Err(e) = record::install(old_rw, &spec) {
            if self.start == Start::Fresh {
                undo_fresh_start(&self.new, old_rw, migration_id)?;
            }
            return Err(e);
        }
        if matches!(self.start, Start::Fresh | Start::InstallOnly { .. }) {
            crate::engine::failpoint::hit("record.after-install");
        }
        let triggers = record::trigger_count(old_rw, "main")?;
        (ctx.sink)(Event::Step {
            step: "recording",
            message: format!(
                "recording writes on {} ({triggers} triggers)",
                old.display()
            ),
        });
        Ok(())
    }

    /// Copies every row, builds the deferred indexes and statistics, then
    /// replays what was written meanwhile; returns each table's copy and
    /// the indexes built, or the pre-check's refusal when it ran beside.
    fn copy_and_catch_up(
        &self,
        old_rw: &Connection,
        (durability, precheck): (Durability, Precheck),
        ctx: &mut Ctx<'_>,
    ) -> Result<Copied> {
        let plan = &self.plan;
        let on_new = |e| self.on_new(e);
        let busy = self.opts.busy;
        // `old_rw` closes after `work`: its attach keeps no reader of its own.
        let mut work = match durability {
            Durability::Deferred => open::work_unsynced(&self.new, (&self.old, old_rw), busy)?,
            Durability::EveryCommit => {
                let work = open::work(&self.new, None, busy)?;
                open::attach_old_under(&work, &self.old, old_rw)?;
                work
            }
        };
        crate::engine::mapping::upgrade_legacy(&mut work, plan).map_err(on_new)?;
        if matches!(self.start, Start::Resume | Start::InstallOnly { .. }) {
            // A file an older mig created has no guards yet.
            guard_new(&mut work, &self.old).map_err(on_new)?;
        }
        (ctx.sink)(Event::Step {
            step: "copy",
            message: format!(
                "copying {} rows in {} tables",
                plan.total_rows(),
                plan.tables.len()
            ),
        });
        let load = bulk_load::Load {
            schema: self.schema,
            plan,
            chunking: self.opts.chunking,
        };
        let running = precheck.start(plan, &self.old, work.get_interrupt_handle())?;
        let loaded = bulk_load::run(work, &self.new, &load, durability, ctx);
        // Joined before the copy's flag is set: a copy flagged complete
        // passed its pre-check (a resumed one without it checks again).
        if let Some(running) = running {
            let violations = running.finish()?;
            if !violations.is_empty() {
                drop(loaded);
                return Ok(Copied::Refused(violations));
            }
        }
        let bulk_load::Loaded {
            mut work,
            tables,
            indexes_built,
            syncing,
        } = loaded.map_err(on_new)?;
        // While the marker stands (until `finish`), the state reads the
        // copy as not complete: a run killed before its final sync resumes.
        new_side::set_flag(&work, "copy", tables.iter().map(|t| t.rows).sum()).map_err(on_new)?;
        crate::engine::failpoint::hit("migrate.after-copy");
        (ctx.sink)(Event::Step {
            step: "catch-up",
            message: "replaying writes recorded during the copy".into(),
        });
        if let Err(e) = replay::catch_up(&mut work, plan, replay::BATCH, ctx) {
            // Failed, not killed (a replay refusing rows the operator must
            // fix): the copy is complete, so it is synced and unmarked now
            // and `drain` says what to fix. Should the sync fail, the
            // marker stays (the safe side).
            drop(work);
            // Unmarked only if the index pages' sync met no error.
            if syncing.finish().is_ok() {
                unsynced::finish(&self.new).ok();
            }
            return Err(on_new(e));
        }
        Ok(Copied::Done(tables, indexes_built, syncing))
    }
}

/// How the copy ended.
enum Copied {
    /// Each table's copy, the indexes built and the index pages' sync
    /// still running.
    Done(Vec<TableStats>, u32, WriteBack),
    /// The pre-check beside the copy found these blocking violations.
    Refused(Vec<QuotedText>),
}

/// (Re)installs the new database's migrating guards, in a transaction of
/// their own.
fn guard_new(work: &mut Connection, old: &Path) -> Result<()> {
    let tx = work
        .transaction()
        .ctx(|| "guarding the new database".into())?;
    guard::install_in(&tx, GuardKind::Migrating, &absolute(old)?.to_string_lossy())?;
    tx.commit().ctx(|| "guarding the new database".into())
}

/// A new migration's id: 16 random hex digits.
pub fn new_migration_id() -> String {
    let bytes: [u8; 8] = rand::random();
    hex::encode(bytes)
}
