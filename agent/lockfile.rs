//! A lock file that names its holder: an exclusive `flock` on a small file
//! holding one line about who holds it, taken at once or refused with that
//! line. The kernel releases a `flock` when its holder dies, so a killed
//! holder leaves a file that locks again (its line tells the next holder it
//! took over). On release the file is emptied and removed while still
//! locked, and only if its path still names the locked file; a lock taken
//! on a file its holder removed in between is taken again on the path's
//! file, so two processes never hold two files of one path.
//!
//! Used by the agent's claim on an old database (`engine::state::owner`)
//! and the fleet's one command per fleet file (the client's `fleet::lock`);
//! each caller words its own refusal. Knows nothing of SQLite or mig's
//! layers.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Opens before [`Taken::Replaced`]: holders keep releasing (removing) the
/// file between our open and our lock.
const ATTEMPTS: usize = 8;

/// Held until dropped (or the process ends).
#[derive(Debug)]
pub struct HolderLock {
    file: File,
    path: PathBuf,
}

/// What [`try_take`] found.
#[derive(Debug)]
pub enum Taken {
    /// Locked, with this holder's line written; `previous` is what the
    /// file said before (a killed holder's line, or empty).
    Held { lock: HolderLock, previous: String },
    /// Another process holds it; its line (empty while it is starting).
    HeldBy(String),
    /// The file keeps being removed under us: holders are starting and
    /// ending as we try.
    Replaced,
    /// The file system has no locks.
    NoLocks,
}

/// Takes the lock at `path` (creating the file) and writes `holder` into
/// it, or says who holds it. Never waits.
pub fn try_take(path: &Path, holder: &str) -> io::Result<Taken> {
    for _ in 0..ATTEMPTS {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(Taken::HeldBy(read_line(&mut file))),
            Err(TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
                return Ok(Taken::NoLocks)
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        // The previous holder may have removed the file between our open
        // and our lock: then the lock is on a file nobody else will find.
        if !still_at(&file, path) {
            continue;
        }
        let previous = read_line(&mut file);
        file.set_len(0)?;
        file.rewind()?;
        file.write_all(holder.as_bytes())?;
        let lock = HolderLock {
            file,
            path: path.to_path_buf(),
        };
        return Ok(Taken::Held { lock, previous });
    }
    Ok(Taken::Replaced)
}

impl HolderLock {
    /// Makes the holder's line durable (it survives a machine crash).
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_all()
    }
}

/// What the file says, trimmed (empty when unreadable).
fn read_line(file: &mut File) -> String {
    let mut text = String::new();
    if file.rewind().is_ok() && file.read_to_string(&mut text).is_ok() {
        return text.trim().to_string();
    }
    String::new()
}

/// Whether `path` still names `file` (not removed by a holder meanwhile).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for HolderLock {
    fn drop(&mut self) {
        // Emptied first, so a file that cannot be removed reads as
        // released, not as a killed holder's. Removed while still locked,
        // so no other process can lock this file and then find it gone
        // (it checks `still_at`).
        let _ = self.file.set_len(0);
        if still_at(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_reads_the_first_and_a_release_leaves_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        let Taken::Held { lock, previous } = try_take(&path, "first").expect("take") else {
            panic!("not taken");
        };
        assert_eq!(previous, "");
        // A second descriptor is a second holder, even in one process.
        match try_take(&path, "second").expect("take") {
            Taken::HeldBy(who) => assert_eq!(who, "first"),
            other => panic!("{other:?}"),
        }
        drop(lock);
        assert!(!path.exists(), "a released lock leaves its file");
        // A killed holder's file (no lock on it) is taken over, its line read.
        std::fs::write(&path, "killed").expect("write");
        let Taken::Held { previous, .. } = try_take(&path, "third").expect("take") else {
            panic!("not taken");
        };
        assert_eq!(previous, "killed");
    }
}
