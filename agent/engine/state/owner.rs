//! One mig process at a time works on an old database: an exclusive
//! `flock` on `<old>.mig-lock`, taken by every command that writes (and for
//! its whole life by a `mig-agent` serving the database), refused at once
//! when another process holds it.
//!
//! Why a separate lock file: the lock cannot live on the database file
//! itself, because SQLite locks it with POSIX record locks, which a process
//! loses as soon as it closes *any* descriptor of that file (so opening and
//! closing the database to take or check a lock would drop SQLite's own),
//! and on NFS `flock` is emulated with the same record locks. A lease in the
//! marker would need a heartbeat and an expiry guess, and the marker does
//! not exist before `migrate`. A `flock` is released by the kernel when its
//! holder dies, so a killed process never leaves the database claimed.
//!
//! Within one process claims nest (the agent holds its databases and its
//! jobs claim them again); the registry of the agent keeps its own jobs
//! apart. The file is removed when the last claim ends; a file left by a
//! killed process holds no lock and is reused. Taking, naming and removing
//! the file is `crate::lockfile`'s; the claim and its refusal are here.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use crate::engine::error::{EngineError, Result};
use crate::lockfile::{self, HolderLock, Taken};

/// Suffix of the lock file beside the old database.
pub const SUFFIX: &str = ".mig-lock";

/// Holds the old database for this process until dropped (the last clone).
#[derive(Debug, Clone)]
pub struct Claim {
    _held: Arc<Held>,
}

/// The lock, removed with its file when the last claim ends.
#[derive(Debug)]
struct Held {
    _lock: HolderLock,
}

/// Lock files this process holds, by path.
static HELD: Mutex<Vec<(PathBuf, Weak<Held>)>> = Mutex::new(Vec::new());

/// Claims the old database at `old` for this process. `None` when there is
/// nothing to claim (the file does not exist: the command's own checks
/// refuse it) or the filesystem has no locks.
pub fn claim(old: &Path) -> Result<Option<Claim>> {
    let Ok(real) = std::fs::canonicalize(old) else {
        return Ok(None);
    };
    let path = PathBuf::from(format!("{}{SUFFIX}", real.display()));
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    held.retain(|(_, w)| w.strong_count() > 0);
    if let Some(h) = held
        .iter()
        .find(|(p, _)| *p == path)
        .and_then(|(_, w)| w.upgrade())
    {
        return Ok(Some(Claim { _held: h }));
    }
    let Some(lock) = lock(&path, old)? else {
        return Ok(None);
    };
    let h = Arc::new(Held { _lock: lock });
    held.push((path, Arc::downgrade(&h)));
    Ok(Some(Claim { _held: h }))
}

/// Who else holds `old` now, as its lock file names them (`pid N (mig-agent)`),
/// for `status`, which only reads: testing the lock by taking it would
/// refuse a command another process starts at that instant. A file left by
/// a killed holder names a process that is gone: `None`, as for this one.
pub fn held_elsewhere(old: &Path) -> Option<String> {
    let real = std::fs::canonicalize(old).ok()?;
    let who = std::fs::read_to_string(format!("{}{SUFFIX}", real.display())).ok()?;
    let who = who.trim();
    let pid: i32 = who
        .strip_prefix("pid ")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    if u32::try_from(pid).ok()? == std::process::id() {
        return None;
    }
    let pid = rustix::process::Pid::from_raw(pid)?;
    // EPERM: the process exists but belongs to another user.
    match rustix::process::test_kill_process(pid) {
        Ok(()) | Err(rustix::io::Errno::PERM) => Some(who.to_string()),
        Err(_) => None,
    }
}

/// Locks the lock file and writes who holds it (`crate::lockfile`).
fn lock(path: &Path, old: &Path) -> Result<Option<HolderLock>> {
    let taken = lockfile::try_take(path, &holder()).map_err(|source| EngineError::Io {
        context: "taking the lock",
        path: path.to_path_buf(),
        source,
    })?;
    match taken {
        Taken::Held { lock, .. } => Ok(Some(lock)),
        Taken::NoLocks => Ok(None),
        Taken::HeldBy(who) => Err(in_use(&who, old)),
        Taken::Replaced => Err(EngineError::InUse(format!(
            "{} keeps being claimed and released by other mig processes; retry when they are done",
            old.display()
        ))),
    }
}

/// This process, as another one's refusal names it.
fn holder() -> String {
    let program = std::env::args_os()
        .next()
        .map(PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "mig".into());
    format!("pid {} ({program})", std::process::id())
}

fn in_use(who: &str, old: &Path) -> EngineError {
    let who = if who.is_empty() {
        "another mig process".to_string()
    } else {
        format!("another mig process, {who}")
    };
    EngineError::InUse(format!(
        "{} is being migrated by {who}; only one mig process at a time may work on a database: run the command through that agent (`mig --agent …`), or wait for it to finish or stop it",
        old.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_nest_within_a_process_and_the_last_removes_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = dir.path().join("old.db");
        std::fs::write(&old, b"").expect("write");
        let lock_file = PathBuf::from(format!(
            "{}{SUFFIX}",
            std::fs::canonicalize(&old).expect("canonical").display()
        ));
        let first = claim(&old).expect("claim").expect("a claim");
        let second = claim(&old).expect("nested claim").expect("a claim");
        let text = std::fs::read_to_string(&lock_file).expect("lock file");
        assert!(
            text.starts_with(&format!("pid {} ", std::process::id())),
            "{text}"
        );
        drop(first);
        assert!(lock_file.exists(), "removed while still claimed");
        drop(second);
        assert!(!lock_file.exists(), "left behind");
        assert!(claim(&dir.path().join("none.db")).expect("claim").is_none());
    }
}
