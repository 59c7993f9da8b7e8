//! `migrate`'s deferred syncs, and what makes them safe: from the new
//! database's creation through the copy, the index builds and the
//! catch-up, its writes are not synced (`synchronous=OFF`, no sync of the
//! created file), and one sync makes everything durable when `migrate`
//! ends.
//!
//! A process that dies (SIGKILL, OOM, a panic) loses nothing by it: its
//! writes are in the kernel's page cache, the next process reads them and
//! rolls a hot journal back, and the copy resumes at its last cursor. Only
//! an operating-system crash or a power loss can drop unsynced writes, and
//! then the new file may be torn anywhere, or missing. So the window is
//! announced on disk before it opens: `<new>.mig-unsynced` holds the
//! kernel's boot id, synced with its folder before the new file is created
//! (or, on a resume, before the first unsynced write) and removed after the
//! final sync. A `migrate` that finds it written by another boot deletes
//! the new database (nobody's data yet: the service never wrote to it) and
//! creates it again; the old database kept recording all along, or had not
//! started to (its own commits are synced as the service's settings say,
//! never deferred). Where no boot id can be read, every commit is synced
//! as before. Knows nothing of SQLite: callers set the pragma.

use std::path::{Path, PathBuf};

use super::error::{EngineError, Result};

/// Where the running kernel says which boot this is (Linux).
const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// The suffix of the file that marks a new database's unsynced writes.
pub const SUFFIX: &str = ".mig-unsynced";

/// How the bulk load's commits reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit synced (`synchronous=FULL`): no boot id to guard a
    /// deferred sync with.
    EveryCommit,
    /// Commits unsynced (`synchronous=OFF`) until [`finish`]; the marker
    /// file is on disk.
    Deferred,
}

/// The marker file of `new`.
pub fn marker(new: &Path) -> PathBuf {
    PathBuf::from(format!("{}{SUFFIX}", new.display()))
}

fn boot_id() -> Option<String> {
    let id = std::fs::read_to_string(BOOT_ID).ok()?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_string())
}

/// Before the new database is created (or, resuming, first written):
/// writes and syncs the marker (this boot's id), or says every commit must
/// be synced when the boot cannot be known.
pub fn begin(new: &Path) -> Result<Durability> {
    let Some(id) = boot_id() else {
        return Ok(Durability::EveryCommit);
    };
    let path = marker(new);
    std::fs::write(&path, format!("{id}\n")).map_err(|e| io("writing", &path, e))?;
    sync(&path)?;
    sync_folder(new)?;
    Ok(Durability::Deferred)
}

/// When `migrate` ends (and after a failed one): when the marker is there,
/// syncs the new database, its WAL if a connection left one, then its
/// rollback journal's last state (empty, or deleted by the switch back to
/// WAL: a stale journal brought back by a power loss would be rolled back
/// over synced pages), then removes the marker. Until the marker's removal
/// is on disk, a power loss still discards the file.
pub fn finish(new: &Path) -> Result<()> {
    let path = marker(new);
    if !path.exists() {
        return Ok(());
    }
    sync(new)?;
    for suffix in ["-wal", "-journal"] {
        let side = PathBuf::from(format!("{}{suffix}", new.display()));
        if side.exists() {
            sync(&side)?;
        }
    }
    sync_folder(new)?;
    remove(&path)?;
    sync_folder(new)
}

/// After the new database could not be created: removes the marker, which
/// guards nothing (no file of this run is left to discard).
pub fn abandon(new: &Path) -> Result<()> {
    if new.exists() {
        return Ok(());
    }
    remove(&marker(new))
}

/// Before anything reads the new database: if its bulk load was left
/// unsynced by another boot (an OS crash or power loss in the window),
/// deletes it with its journal, WAL and marker, so `migrate` creates it
/// anew. Returns whether it did. A marker of this boot is left alone: a
/// process of this boot may be writing, and the kernel holds its writes.
pub fn discard_if_rebooted(new: &Path) -> Result<bool> {
    let path = marker(new);
    let Ok(written) = std::fs::read_to_string(&path) else {
        return Ok(false);
    };
    match boot_id() {
        Some(now) if now == written.trim() => Ok(false),
        // No boot id now: this cannot be the boot that wrote one.
        _ => {
            for suffix in ["-journal", "-wal", "-shm", ""] {
                remove(Path::new(&format!("{}{suffix}", new.display())))?;
            }
            remove(&path)?;
            sync_folder(new)?;
            Ok(true)
        }
    }
}

/// Before mig writes a new database outside `migrate`: refuses one whose
/// bulk load another boot left unsynced (it may be torn; only `migrate`
/// discards it and copies again). A marker of this boot is a bulk load in
/// progress or killed, which the kernel's page cache keeps whole.
pub fn refuse_if_rebooted(new: &Path) -> Result<()> {
    let Ok(written) = std::fs::read_to_string(marker(new)) else {
        return Ok(());
    };
    if boot_id().is_some_and(|now| now == written.trim()) {
        return Ok(());
    }
    Err(EngineError::Precondition(format!(
        "{} was being bulk-loaded when the machine stopped (its writes were not synced yet), so it may be torn; run `mig migrate` again: it deletes it and copies again from the old database, which kept recording",
        new.display()
    )))
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io("removing", path, e)),
    }
}

fn sync(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("syncing", path, e))
}

fn sync_folder(file: &Path) -> Result<()> {
    match file.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => sync(dir),
        None => sync(Path::new(".")),
    }
}

fn io(context: &'static str, path: &Path, source: std::io::Error) -> EngineError {
    EngineError::Io {
        context,
        path: path.to_path_buf(),
        source,
    }
}
