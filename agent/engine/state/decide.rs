//! The decisions of commands that choose among several actions from what
//! both files say: what `migrate` does with each file, what `plan` reports
//! as blocking, what `reset` removes, and what the agent's background work
//! may do (catch up, resume after a restart).

use std::path::PathBuf;

use super::checks::{already_done, precondition};
use super::{MigrationState, Phase};
use crate::engine::error::Result;
use crate::engine::new_side::{Identity, MigrationStatus};
use crate::engine::record::MarkerStatus;

/// What `migrate` does with each file, decided from what both say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Nothing exists: a new migration.
    Fresh,
    /// The old database records; the new file is gone: recreate it.
    Recreate { migration_id: String },
    /// The new file exists with nothing copied; recording never started
    /// (killed in between).
    InstallOnly { migration_id: String },
    /// Both files of a migration in progress.
    Resume,
}

/// What `reset` removes.
#[derive(Debug, Clone, Default)]
pub struct ResetPlan {
    /// The old database whose migration tables and triggers go.
    pub drop_recording: Option<PathBuf>,
    /// The new database to delete (never one that is cut over).
    pub delete_new: Option<PathBuf>,
    /// One line per action, for the report.
    pub actions: Vec<String>,
}

/// What an agent resumes after a restart.
#[derive(Debug, Clone)]
pub enum Resume {
    /// The copy, with the schema the migration was started with.
    Migrate(Identity),
    /// A drain whose old database refuses writes.
    Drain,
    /// A revert whose new database refuses writes.
    Revert,
}

impl MigrationState {
    /// `migrate`: what to do with each file.
    pub fn migrate_start(&self, hash: &str, file: &str) -> Result<Start> {
        let new = self.new_path()?.display().to_string();
        if self.cut_over() && self.identity().is_some_and(|i| i.schema_hash == hash) {
            return Err(already_done(format!(
                "{new} is already migrated and cut over (ready); nothing to do"
            )));
        }
        if self.cut_over() {
            return Err(precondition(format!(
                "{new} is already cut over (ready); there is nothing to migrate{}",
                if self.marker().is_some() {
                    ": once the new service serves, `mig cleanup-old` removes the migration tables from the old database"
                } else {
                    ""
                }
            )));
        }
        self.require_not_reverted(super::checks::Step::Migrate)?;
        self.require_whole()?;
        self.require_schema(hash, file)?;
        if self.copied()
            && self
                .new
                .as_ref()
                .is_some_and(|n| n.status == Some(MigrationStatus::Migrating))
        {
            return Err(already_done(format!(
                "the copy into {new} is already complete; nothing to do: {}",
                if self.drained() {
                    "run `mig cutover`"
                } else {
                    "run `mig drain` when the new service is deployed"
                }
            )));
        }
        if let Some(m) = self.marker().filter(|m| m.status == MarkerStatus::Draining) {
            return Err(precondition(format!(
                "the old database is draining for the migration into {}; run `mig drain` to finish it (or `mig reset` to abandon it)",
                m.new_path
            )));
        }
        Ok(match (self.marker(), self.identity()) {
            (Some(_), Some(_)) => Start::Resume,
            (Some(m), None) => Start::Recreate {
                migration_id: m.migration_id.clone(),
            },
            (None, Some(id)) => Start::InstallOnly {
                migration_id: id.migration_id.clone(),
            },
            (None, None) if self.new.is_some() => {
                return Err(precondition(self.foreign_new().unwrap_or_default()))
            }
            (None, None) => Start::Fresh,
        })
    }

    /// `plan`: what stops `migrate` in the files' state (the pair itself
    /// was proven when the state was read).
    pub fn plan_blockers(&self, hash: &str, file: &str) -> Result<Vec<String>> {
        self.require_schema(hash, file)?;
        let broken = self.broken.iter().map(|b| b.message.clone());
        Ok(broken.chain(self.foreign_new()).collect())
    }

    /// A file at the new path that no migration made (another tool's
    /// database, a backup, a replica, an empty file): `migrate` refuses it,
    /// so `plan` does too, and neither advises removing what may be in use.
    pub(super) fn foreign_new(&self) -> Option<String> {
        let new = self.new.as_ref()?;
        (self.marker().is_none() && self.identity().is_none()).then(|| match &self.located.old {
            // Old and new swapped (in agent.toml, or on the command line
            // of a migration not started): "pass another --new" would send
            // the operator after the wrong file.
            Some(old) if self.old.is_none() => format!(
                "the old database {} does not exist and the new database {} is one mig did not create: old and new look swapped; check --old and --new (on an agent: `old` and `new` of this database in agent.toml)",
                old.display(),
                new.path.display()
            ),
            _ => format!(
                "the new database {} already exists and mig did not create it; pass another --new (remove it only if nothing uses it: it may be another tool's database, a backup or a replica)",
                new.path.display()
            ),
        })
    }

    /// `reset`: what it removes. Never a new database that is cut over, or
    /// a file mig did not create.
    pub fn reset_plan(&self) -> Result<ResetPlan> {
        let mut plan = ResetPlan::default();
        // `--old` naming no file (a relative path from another folder):
        // "nothing to reset" would tell the operator the migration is gone.
        if self.old.is_none() && self.located.old.is_some() {
            self.require_old()?;
        }
        if let Some(old) = &self.old {
            if old.marker.is_some() || old.triggers > 0 || old.log_entries.is_some() {
                plan.actions.push(format!(
                    "drop {} recording trigger(s), _migration_log ({} entries) and _migration_marker from {}",
                    old.triggers,
                    old.log_entries.unwrap_or(0),
                    old.path.display()
                ));
                plan.drop_recording = Some(old.path.clone());
            }
        }
        if let Some(new) = &self.new {
            let p = new.path.display();
            match (new.status, &new.identity) {
                (Some(MigrationStatus::Ready), _) => {
                    // The old database refuses writes now: routing traffic
                    // back to it (the advice here before) fails every write.
                    let back = if self.window_open() {
                        "`mig revert` goes back to the old database without losing a write (the revert window is open)"
                    } else {
                        "the old database refuses writes (retired); `mig release-old` makes it writable again, without the writes the new database took since"
                    };
                    return Err(precondition(format!(
                        "{p} is already cut over (ready) and may hold new writes; reset works only before cutover: {back}"
                    )));
                }
                (Some(MigrationStatus::Reverted), Some(_)) => {
                    plan.actions.push(format!("delete the new database {p} (reverted; the old database holds every write)"));
                    plan.delete_new = Some(new.path.clone());
                }
                (Some(MigrationStatus::Migrating), Some(_)) => {
                    plan.actions
                        .push(format!("delete the new database {p} (not cut over)"));
                    plan.delete_new = Some(new.path.clone());
                }
                _ => {
                    return Err(precondition(format!(
                        "refusing to delete {p}: it was not created by `mig migrate`"
                    )))
                }
            }
        }
        if plan.actions.is_empty() {
            plan.actions
                .push("nothing to reset: no migration tables and no new database found".into());
        }
        Ok(plan)
    }

    /// The agent may replay a slice of the log in the background.
    pub fn may_catch_up(&self) -> bool {
        self.broken.is_none()
            && self
                .marker()
                .is_some_and(|m| m.status == MarkerStatus::Recording)
            && self
                .new
                .as_ref()
                .is_some_and(|n| n.status == Some(MigrationStatus::Migrating))
            && self.copied()
    }

    /// What an agent restart interrupted and should resume.
    pub fn resume(&self) -> Option<Resume> {
        match self.phase() {
            Phase::Copying => self.identity().cloned().map(Resume::Migrate),
            Phase::Draining => Some(Resume::Drain),
            Phase::Reverting => Some(Resume::Revert),
            _ => None,
        }
    }
}
