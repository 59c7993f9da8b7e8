//! The runbook's rules as named checks on a [`MigrationState`], each with
//! its one message (what is wrong, naming the files, and what to do).
//! Commands call them before they open anything for writing.

use std::path::Path;

use super::read::OldFile;
use super::MigrationState;
use crate::engine::error::{EngineError, Result};
use crate::engine::new_side::{Identity, MigrationStatus};
use crate::engine::record::{Marker, MarkerStatus};
use crate::engine::schema::short_hash;

/// The command a check is made for, as its messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Migrate,
    Drain,
    Verify,
    Cutover,
    CleanupOld,
    Reset,
    Revert,
    Finalize,
    ReleaseOld,
}

impl Step {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Step::Migrate => "migrate",
            Step::Drain => "drain",
            Step::Verify => "verify",
            Step::Cutover => "cutover",
            Step::CleanupOld => "cleanup-old",
            Step::Reset => "reset",
            Step::Revert => "revert",
            Step::Finalize => "finalize",
            Step::ReleaseOld => "release-old",
        }
    }
}

/// Whether cutover requires the migration to be certified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verification {
    /// Refuse unless a full verify (or drain's verify stage) certified it.
    #[default]
    Required,
    /// Cut over anyway (`--skip-verify`), and record that in the new database.
    Skip,
}

/// Whether the service's writes reach the old database now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// Recording: writes are accepted and logged.
    Flowing,
    /// Draining: the triggers refuse writes.
    Refused,
}

/// What drain starts from.
#[derive(Debug, Clone)]
pub struct DrainStart {
    pub identity: Identity,
    pub writes: Writes,
    /// A full verification of this migration is recorded.
    pub certified: bool,
}

/// What cutover may do about verification.
#[derive(Debug, Clone)]
pub struct Certification {
    pub identity: Identity,
    /// Certified (false: cutting over with `--skip-verify`).
    pub certified: bool,
    /// When the certifying verification ran (empty when not certified).
    pub verified_at: String,
}

pub(super) fn precondition(m: String) -> EngineError {
    EngineError::Precondition(m)
}

/// A completed step run again: it says so, changes nothing and succeeds.
pub(super) fn already_done(m: String) -> EngineError {
    EngineError::AlreadyDone(m)
}

fn not_drained(detail: &str) -> EngineError {
    precondition(format!(
        "drain is not complete: {detail}; rerun `mig drain`, then recheck `mig status`"
    ))
}

fn missing(what: &str, p: &Path) -> EngineError {
    EngineError::File(format!(
        "{what} {} does not exist; check the path",
        p.display()
    ))
}

impl MigrationState {
    /// Refuses a migration that cannot go on (see [`super::Broken`]).
    pub fn require_whole(&self) -> Result<()> {
        match &self.broken {
            Some(b) => Err(precondition(b.message.clone())),
            None => Ok(()),
        }
    }

    /// The old database, which must exist.
    pub fn require_old(&self) -> Result<&OldFile> {
        let path = self.old_path()?;
        self.old.as_ref().ok_or_else(|| match self.foreign_new() {
            // The new path names a database mig did not make: swapped.
            Some(swapped) if swapped.contains("look swapped") => EngineError::File(swapped),
            _ => missing("old database", path),
        })
    }

    /// The old database's marker, which must exist. A reverted migration's
    /// old database has none: say it was reverted, as every other step does.
    fn require_marker(&self, step: Step) -> Result<&Marker> {
        let old = self.require_old()?;
        if old.marker.is_none() {
            self.require_not_reverted(step)?;
        }
        old.marker.as_ref().ok_or_else(|| precondition(format!(
            "the old database {} has no migration tables (_migration_marker is missing); verify the command order: migrate -> drain -> {}",
            old.path.display(),
            if step == Step::Drain { "cutover" } else { step.as_str() }
        )))
    }

    /// Refuses a reverted migration (its old database serves again).
    pub(super) fn require_not_reverted(&self, step: Step) -> Result<()> {
        match self.new.as_ref() {
            Some(n) if n.status == Some(MigrationStatus::Reverted) && step == Step::Revert => {
                Err(already_done(format!(
                    "{} is already reverted: the old database serves again; nothing to do",
                    n.path.display()
                )))
            }
            Some(n) if n.status == Some(MigrationStatus::Reverted) => Err(reverted(&n.path, step)),
            _ => Ok(()),
        }
    }

    /// Refuses a new database that is cut over, before anything else is
    /// asked of the old one (which may be cleaned up by now).
    fn require_not_cut_over(&self, step: Step) -> Result<()> {
        if self.cut_over() {
            self.require_migrating(step)?;
        }
        Ok(())
    }

    /// A new database that is not there: not created yet, a typo, or
    /// removed; the old database's marker tells which when it is known.
    fn missing_new(&self, path: &Path) -> EngineError {
        let p = path.display();
        EngineError::File(match self.marker() {
            None if self.old.is_some() => format!(
                "the new database {p} does not exist and the old database has no migration: run `mig migrate` first (it creates the new database)"
            ),
            None => format!(
                "the new database {p} does not exist: run `mig migrate` first (it creates it), or, if migrate ran, check the path (the --new it was given)"
            ),
            // A marker naming another new database is refused before
            // this (`prove.rs`): this one is the file migrate created.
            Some(_) => format!(
                "the new database {p} does not exist, though the old database records for it (deleted or moved?): put it back, or `mig migrate` recreates it (`mig reset` stops recording)"
            ),
        })
    }

    /// The identity of a new database that exists and is not cut over.
    fn require_migrating(&self, step: Step) -> Result<&Identity> {
        let path = self.new_path()?;
        let new = self.new.as_ref().ok_or_else(|| self.missing_new(path))?;
        let p = path.display();
        match new.status {
            None => return Err(precondition(format!(
                "{p} has no _migration_status: it was not created by `mig migrate`; verify the command order: migrate -> drain -> cutover"
            ))),
            Some(MigrationStatus::Ready) => return Err(match step {
                Step::Verify => precondition(format!("{p} is already cut over (ready); verify runs between migrate and cutover")),
                Step::Cutover | Step::Drain => already_done(format!("{p} is already drained and cut over (ready); nothing to do")),
                _ => precondition(format!("{p} is already cut over (ready); nothing to {}", step.as_str())),
            }),
            Some(MigrationStatus::Reverted) => return Err(reverted(path, step)),
            Some(MigrationStatus::Migrating) => {}
        }
        new.identity.as_ref().ok_or_else(|| {
            precondition(format!(
                "{p} has no _schema_identity; it was not created by `mig migrate`"
            ))
        })
    }

    /// A whole migration, not cut over, whose copy has finished.
    fn require_copied(&self, step: Step) -> Result<&Identity> {
        self.require_whole()?;
        let id = self.require_migrating(step)?;
        if !self.copied() {
            return Err(precondition(format!(
                "the copy has not finished; re-run `mig migrate` to resume it, then {}",
                step.as_str()
            )));
        }
        Ok(id)
    }

    /// The old catalog is still the one recording started with: a table
    /// created or a trigger dropped since could hold unrecorded writes.
    fn require_unchanged_catalog(&self, step: Step) -> Result<()> {
        self.require_unchanged_new()?;
        let drift = self
            .old
            .as_ref()
            .map(|o| o.drift.as_slice())
            .unwrap_or_default();
        if drift.is_empty() {
            return Ok(());
        }
        if let Some(advice) = crate::engine::record::views_only_advice(drift) {
            return Err(EngineError::Drift(format!(
                "the old database was changed outside the recorded path ({}); {advice}",
                drift.join(", ")
            )));
        }
        Err(EngineError::Drift(match step {
            Step::Cutover => format!(
                "the old database was changed outside the recorded path after drain ({}); rows written there are not in the new database: undo the change and rerun `mig drain`, or `mig reset` and migrate again",
                drift.join(", ")
            ),
            _ => format!(
                "the old database was changed outside the recorded path ({}); writes may have gone unrecorded: run `mig reset` and migrate again",
                drift.join(", ")
            ),
        }))
    }

    /// The new database's catalog is still the schema it was built from:
    /// cutover would make another schema ready under its hash.
    fn require_unchanged_new(&self) -> Result<()> {
        match self.new.as_ref().map(|n| n.changed.as_slice()) {
            Some(changed) if !changed.is_empty() => {
                Err(precondition(super::new_drift::refusal(changed)))
            }
            _ => Ok(()),
        }
    }

    /// `drain`: a whole, copied migration whose old database records or
    /// drains, with its catalog unchanged.
    pub fn require_drainable(&self) -> Result<DrainStart> {
        self.require_not_cut_over(Step::Drain)?;
        self.require_whole()?;
        let marker = self.require_marker(Step::Drain)?;
        let identity = self.require_copied(Step::Drain)?.clone();
        self.require_unchanged_catalog(Step::Drain)?;
        Ok(DrainStart {
            identity,
            writes: match marker.status {
                MarkerStatus::Recording => Writes::Flowing,
                MarkerStatus::Draining | MarkerStatus::Standby | MarkerStatus::Retired => {
                    Writes::Refused
                }
            },
            certified: self.certified(),
        })
    }

    /// `verify`: a whole, copied migration not cut over, its old catalog
    /// unchanged (what drain requires too).
    pub fn require_verifiable(&self) -> Result<&Identity> {
        let id = self.require_copied(Step::Verify)?;
        // A changed catalog (a table rebuilt without mig's triggers) can
        // compare equal now and still lose later writes: never certify it.
        self.require_unchanged_catalog(Step::Verify)?;
        Ok(id)
    }

    /// `cutover`: drained at the current checkpoint, the old database
    /// refusing writes with nothing pending and its catalog unchanged.
    pub fn require_drained(&self) -> Result<()> {
        self.require_migrating(Step::Cutover)?;
        self.require_whole()?;
        let marker = self.require_marker(Step::Cutover)?;
        if marker.status == MarkerStatus::Recording {
            return Err(precondition(format!(
                "drain has not run: the old database is still recording writes; {}, then `mig cutover`",
                if self.copied() {
                    "run `mig drain` first (it verifies if needed)"
                } else {
                    "the copy has not finished: re-run `mig migrate` to resume it, then `mig drain`"
                }
            )));
        }
        let pending = self.old.as_ref().map_or(0, |o| o.pending);
        if pending > 0 {
            return Err(not_drained(&format!(
                "{pending} log entries are pending replay"
            )));
        }
        self.require_unchanged_catalog(Step::Cutover)?;
        if !self.drained() {
            return Err(not_drained(
                "the replay has not been completed with writes refused",
            ));
        }
        Ok(())
    }

    /// `cutover`: certified, or the operator chose to go on without it.
    pub fn require_certified_or_skip(&self, v: Verification) -> Result<Certification> {
        let identity = self.require_migrating(Step::Cutover)?.clone();
        let cert = self
            .new
            .as_ref()
            .map(|n| n.certificate.clone())
            .unwrap_or_default();
        if !cert.certified() && v == Verification::Required {
            return Err(precondition(format!(
                "the migration is not certified: {}; run `mig verify` (a full comparison of every table), or pass --skip-verify to cut over without verification",
                if cert.drain_skipped_verify_at.is_some() {
                    "drain ran with --skip-verify"
                } else {
                    "no full verify has succeeded"
                }
            )));
        }
        Ok(Certification {
            identity,
            certified: cert.certified(),
            verified_at: cert.verified.map(|v| v.at).unwrap_or_default(),
        })
    }

    /// `cleanup-old`: migration tables to remove, and the new database cut
    /// over (dropping the triggers before would let writes through that it
    /// never sees). Returns the marker status the removal expects.
    pub fn require_cleanable(&self) -> Result<Option<MarkerStatus>> {
        self.require_not_reverted(Step::CleanupOld)?;
        let old = self.require_old()?;
        if old.marker.is_none() && old.triggers == 0 && old.log_entries.is_none() {
            if old.guards > 0 {
                return Err(already_done(format!(
                    "the old database {} is already cleaned up (retired: {} guard triggers refuse its writes); nothing to do: delete it once nothing reads it, or `mig release-old` to accept writes there again",
                    old.path.display(),
                    old.guards
                )));
            }
            if self.cut_over() {
                return Err(already_done(format!(
                    "the old database {} is already cleaned up and released (it accepts writes); nothing to do",
                    old.path.display()
                )));
            }
            if self.located.new.is_none() || self.located.new_from_project {
                // Only the old file speaks, and it holds nothing to clean
                // up: what the command would leave is already there.
                return Err(already_done(format!(
                    "the old database {} has no migration tables and no guard triggers (cleaned up and released already, or never migrated): nothing to clean up; nothing to do",
                    old.path.display()
                )));
            }
            return Err(precondition(format!(
                "the old database {} has no migration tables (already cleaned up, or never migrated); verify the command order: migrate -> drain -> cutover -> cleanup-old",
                old.path.display()
            )));
        }
        self.require_whole()?;
        let Some(m) = &old.marker else {
            return Ok(None);
        };
        if m.status == MarkerStatus::Recording {
            return Err(precondition("the old database is still in recording mode: its writes still need replaying; finish `mig drain` + `mig cutover` first".into()));
        }
        if self
            .new
            .as_ref()
            .is_some_and(|n| n.status == Some(MigrationStatus::Migrating))
        {
            return Err(precondition(format!(
                "the new database {} is not cut over yet: run `mig cutover` first, or `mig reset` to abandon the migration",
                m.new_path
            )));
        }
        Ok(Some(m.status))
    }

    /// `migrate` and `plan` with schema `hash` (from `file`): the schema a
    /// migration in progress was started with.
    pub fn require_schema(&self, hash: &str, file: &str) -> Result<()> {
        let recorded = self
            .marker()
            .map(|m| (&m.schema_hash, &m.migration_id))
            .or_else(|| self.identity().map(|i| (&i.schema_hash, &i.migration_id)));
        match recorded {
            Some((h, id)) if h != hash => Err(EngineError::NotOneMigration(format!(
                "{} is not the schema of migration {id} (that is schema {}, {} is {}): pass the schema file the migration was started with (its text is recorded in the new database), or `mig reset` to abandon it",
                file,
                short_hash(h),
                file,
                short_hash(hash)
            ))),
            _ => Ok(()),
        }
    }
}

/// A step asked of a reverted migration: the old database serves again and
/// the reverted new file is kept as a record, never overwritten; the one
/// line names the commands that migrate again (the fleet says the same
/// with `mig fleet reset`).
fn reverted(new: &Path, step: Step) -> EngineError {
    precondition(format!(
        "{} was reverted: the old database serves again and this file is kept as a record of the writes it took; nothing to {}: to migrate again, `mig reset` deletes it, then run `mig migrate`",
        new.display(),
        step.as_str()
    ))
}
