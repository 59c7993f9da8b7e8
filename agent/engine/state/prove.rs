//! The proof that two files are one migration, run on every read of a
//! [`super::MigrationState`] before any command looks at anything else, and
//! the states of one migration that cannot go on ([`Broken`]).
//!
//! One migration means: the old database's marker and the new database's
//! identity name the same `migration_id`; the new file is the one the marker
//! recorded (`new_path`), the old file the one the identity recorded
//! (`old_path`), by path or as another name of the same file; and the old
//! file is the inode recording was installed on, not a copy carrying its
//! marker. Files are not followed when moved: the service, the agent's
//! configuration and the other file all name the recorded path.

use std::path::Path;

use super::files::{self, Sameness};
use super::locate::Located;
use super::read::{NewFile, OldFile};
use crate::engine::error::{EngineError, Result};
use crate::engine::new_side::MigrationStatus;
use crate::engine::record::{Marker, MarkerStatus};

/// Why one migration's files cannot go on; every command but `reset` (and
/// `status`, which says so) refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub kind: BrokenKind,
    /// One line: what happened and what to do.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokenKind {
    /// The old file is not the one recording started on (a copy or a
    /// backup put in its place).
    OldReplaced,
    /// The old log ends before what the new database already replayed (the
    /// old database was restored from a backup while recording).
    LogBehind,
    /// The new database holds copied rows, the old one records nothing.
    NotRecording,
    /// The old database refuses writes for a new database that is missing.
    NewMissing,
    /// The old database the new one was migrated from is missing.
    OldMissing,
}

fn d(p: &Path) -> String {
    p.display().to_string()
}

/// Refuses a pair that is not one migration.
pub(super) fn same_migration(
    loc: &Located,
    old: Option<&OldFile>,
    new: Option<&NewFile>,
) -> Result<()> {
    let marker = old.and_then(|o| o.marker.as_ref());
    let identity = new.and_then(|n| n.identity.as_ref());
    let old_name = loc.old.as_deref().map(d).unwrap_or_default();
    let new_name = loc.new.as_deref().map(d).unwrap_or_default();
    swapped(loc, marker, new, &old_name, &new_name)?;
    if let (Some(m), Some(id)) = (marker, identity) {
        if m.migration_id != id.migration_id {
            return Err(EngineError::NotOneMigration(format!(
                "{old_name} and {new_name} are not one migration: {old_name} records migration {} into {}, {new_name} belongs to migration {} from {}; pass the files of one migration (--old {} with {new_name}, or --new {} with {old_name})",
                m.migration_id, m.new_path, id.migration_id, id.old_path, id.old_path, m.new_path
            )));
        }
    }
    if let (Some(m), Some(given)) = (marker, loc.new.as_deref()) {
        let found = files::compare(given, &m.new_path);
        if found != Sameness::Same {
            return Err(other_new(&old_name, given, m, found));
        }
    }
    if let (Some(id), Some(given)) = (identity, loc.old.as_deref()) {
        let found = files::compare(given, &id.old_path);
        if found != Sameness::Same {
            return Err(other_old(
                &new_name,
                given,
                &id.old_path,
                &id.migration_id,
                found,
            ));
        }
    }
    if let (Some(m), Some(n)) = (marker, new) {
        if n.identity.is_none() || n.status.is_none() {
            return Err(EngineError::NotOneMigration(format!(
                "{new_name} exists but was not created by the migration recording on {old_name} ({}); move it away (`mig migrate` recreates it), or run `mig reset`",
                m.migration_id
            )));
        }
    }
    Ok(())
}

/// `--old` and `--new` swapped: the file given as new is the old database
/// of a migration into the file given as old, not yet retired (a retired
/// one may be the target of a migration back, refused elsewhere).
fn swapped(
    loc: &Located,
    marker: Option<&Marker>,
    new: Option<&NewFile>,
    old_name: &str,
    new_name: &str,
) -> Result<()> {
    let their = new.and_then(|n| n.marker.as_ref());
    let their = their.filter(|m| m.status != MarkerStatus::Retired);
    if let (None, Some(m), Some(given)) = (marker, their, loc.old.as_deref()) {
        if files::compare(given, &m.new_path) == Sameness::Same {
            return Err(EngineError::NotOneMigration(format!(
                "--old {old_name} and --new {new_name} are swapped: {new_name} is the old database of migration {} into {old_name} ({}); pass --old {new_name} --new {old_name}",
                m.migration_id,
                m.status.as_str()
            )));
        }
    }
    Ok(())
}

fn other_new(old: &str, given: &Path, m: &Marker, found: Sameness) -> EngineError {
    let (g, rec, id) = (d(given), &m.new_path, &m.migration_id);
    EngineError::NotOneMigration(match found {
        Sameness::Moved => format!(
            "{g} is not where {old} recorded the new database of its migration {id} ({rec}): a moved or renamed new database is not followed; move it back to {rec}"
        ),
        Sameness::Other if given.exists() => format!(
            "{g} is not the new database of {old}'s migration {id} (that is {rec}, another file); pass --new {rec}"
        ),
        _ => format!(
            "{old} is already recording a migration ({id}, schema {}) into {rec}, not into {g}: pass --new {rec} to go on with it, or finish it (`mig reset` abandons it) before starting another",
            crate::engine::schema::short_hash(&m.schema_hash)
        ),
    })
}

fn other_old(new: &str, given: &Path, rec: &str, id: &str, found: Sameness) -> EngineError {
    let g = d(given);
    EngineError::NotOneMigration(match found {
        Sameness::Moved => format!(
            "{g} is not where {new}'s migration {id} recorded its old database ({rec}): a moved or renamed old database is not followed (the service and the recording name that path); move it back to {rec}"
        ),
        _ if given.exists() => format!(
            "{g} is not the database {new} was migrated from (migration {id}, from {rec}, another file; a copy of it is not the file the service writes to): pass --old {rec}"
        ),
        _ => format!(
            "{g} is not the database {new} was migrated from (migration {id}, from {rec}); pass --old {rec}"
        ),
    })
}

/// A migration whose files agree but cannot go on, if so. Only while it is
/// not cut over: after cutover the old file no longer matters to the new one.
pub(super) fn broken(
    loc: &Located,
    old: Option<&OldFile>,
    new: Option<&NewFile>,
) -> Option<Broken> {
    let migrating = new.is_some_and(|n| n.status == Some(MigrationStatus::Migrating));
    if new.is_some() && !migrating {
        return None;
    }
    let old_name = loc.old.as_deref().map(d).unwrap_or_default();
    let new_name = loc.new.as_deref().map(d).unwrap_or_default();
    let broken = |kind, message| Some(Broken { kind, message });
    let marker = old.and_then(|o| o.marker.as_ref());
    if let (Some(o), Some(m)) = (old, marker) {
        if m.inode.is_some() && o.inode.is_some() && m.inode != o.inode {
            return broken(BrokenKind::OldReplaced, format!(
                "{old_name} is not the file migration {} started recording on (its inode changed: a copy, or a backup put in its place), so writes recorded in the original may be missing from it: `mig reset` abandons the migration{}, then migrate again",
                m.migration_id,
                if new.is_some() { format!(" (deletes {new_name})") } else { String::new() }
            ));
        }
    }
    match (old, marker, new) {
        (Some(o), Some(_), Some(n)) if o.log_max < n.checkpoint() => broken(BrokenKind::LogBehind, format!(
            "{old_name}'s log ends at entry {} but {new_name} has replayed up to entry {}: the old database was replaced (a backup restored?) while recording, and writes the new database holds are gone from it; `mig reset` abandons the migration, then migrate again",
            o.log_max, n.checkpoint()
        )),
        (Some(_), None, Some(n)) if n.has_work() => broken(BrokenKind::NotRecording, format!(
            "{new_name} holds rows copied from {old_name}, but {old_name} records no migration: it was replaced by a copy from before the migration, or its recording was removed (an interrupted `mig reset`?), so writes since are not in {new_name}; `mig reset` deletes {new_name}, then migrate again"
        )),
        (Some(_), Some(m), None) if m.status == MarkerStatus::Draining => broken(BrokenKind::NewMissing, format!(
            "{old_name} refuses writes for its migration into {}, which does not exist: if that file was moved, move it back; otherwise `mig reset` lets writes through again",
            m.new_path
        )),
        (None, _, Some(_)) if loc.old.is_some() => broken(BrokenKind::OldMissing, format!(
            "{old_name}, the old database {new_name} was migrated from, does not exist: if it was moved, move it back; otherwise `mig reset` deletes {new_name}"
        )),
        _ => None,
    }
}
