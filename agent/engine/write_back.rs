//! Early write-back of the new database while its bulk load runs unsynced:
//! a helper thread syncs the file every [`PERIOD`] (or, for a short load,
//! once when the copy ends: [`WriteBack::once`]), so the disk writes the
//! copied rows while the copy and the index builds go on, and the one sync
//! that ends the bulk load (`unsynced::finish`) waits only for the last
//! period's pages.
//!
//! Durability is not its job and does not change: the marker, the final
//! sync and its order stay in `unsynced.rs`. But a sync that fails here must
//! not be lost: the kernel reports a write-back error once, to the first
//! sync that sees it, so [`WriteBack::finish`] returns it to the caller.
//! Knows nothing of SQLite.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::error::{EngineError, Result};
use super::unsynced::Durability;

/// How often the helper syncs the new file: short enough that little is
/// left for the final sync, long enough that its cost (a flush of the
/// disk's cache each time) stays a few per second.
const PERIOD: Duration = Duration::from_millis(100);

/// The helper thread, while the bulk load runs; nothing when every commit
/// is synced anyway.
pub struct WriteBack {
    running: Option<(SyncSender<()>, JoinHandle<std::io::Result<()>>)>,
    path: std::path::PathBuf,
}

impl WriteBack {
    /// No helper: the bulk load is small enough that its final sync is
    /// short.
    pub fn none() -> WriteBack {
        WriteBack {
            running: None,
            path: std::path::PathBuf::new(),
        }
    }

    /// Starts syncing `new` every [`PERIOD`] when its commits are deferred.
    pub fn start(new: &Path, durability: Durability) -> Result<WriteBack> {
        WriteBack::spawn(new, durability, Some(PERIOD))
    }

    /// Syncs `new` once, now, on a helper thread, when its commits are
    /// deferred: a bulk load too short for the periodic helper starts the
    /// disk on the copied rows while its index builds run, and its final
    /// sync waits only for the pages written after.
    pub fn once(new: &Path, durability: Durability) -> Result<WriteBack> {
        WriteBack::spawn(new, durability, None)
    }

    /// The helper: a sync every `period`, or one at once (`None`), until
    /// stopped.
    fn spawn(new: &Path, durability: Durability, period: Option<Duration>) -> Result<WriteBack> {
        let path = new.to_path_buf();
        if durability == Durability::EveryCommit {
            return Ok(WriteBack::none());
        }
        let file = std::fs::File::open(new).map_err(|e| io("opening for write-back", new, e))?;
        // Capacity 0: the stop signal is a rendezvous, or the sender's drop.
        let (stop, stopped) = mpsc::sync_channel::<()>(0);
        let thread = std::thread::Builder::new()
            .name("mig-write-back".into())
            .spawn(move || {
                let Some(period) = period else {
                    file.sync_data()?;
                    // Whatever the signal (a stop or the sender's drop).
                    let _ = stopped.recv();
                    return Ok(());
                };
                loop {
                    match stopped.recv_timeout(period) {
                        Err(RecvTimeoutError::Timeout) => file.sync_data()?,
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
                    }
                }
            })
            .map_err(|e| io("starting the write-back of", new, e))?;
        Ok(WriteBack {
            running: Some((stop, thread)),
            path,
        })
    }

    /// Stops the helper; the first sync error it met, if any (the final
    /// sync would not see it again).
    pub fn finish(mut self) -> Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> Result<()> {
        let Some((stop, thread)) = self.running.take() else {
            return Ok(());
        };
        drop(stop);
        match thread.join() {
            Ok(synced) => synced.map_err(|e| io("syncing", &self.path, e)),
            Err(_) => Err(EngineError::Io {
                context: "syncing (the write-back thread panicked)",
                path: self.path.clone(),
                source: std::io::Error::other("write-back thread panicked"),
            }),
        }
    }
}

impl Drop for WriteBack {
    /// A bulk load that failed stops the helper too; its error, if any, is
    /// the caller's second concern (the marker stays unless the final sync
    /// succeeds).
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn io(context: &'static str, path: &Path, source: std::io::Error) -> EngineError {
    EngineError::Io {
        context,
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_file_written_while_the_helper_syncs_it_finishes_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("new.db");
        let mut f = std::fs::File::create(&path).expect("create");
        let helper = WriteBack::start(&path, Durability::Deferred).expect("start");
        let chunk = vec![7u8; 1 << 20];
        // Written over several periods, so the helper syncs mid-write.
        let until = std::time::Instant::now() + PERIOD * 3;
        let mut written = 0;
        while std::time::Instant::now() < until {
            f.write_all(&chunk).expect("write");
            written += chunk.len();
        }
        helper.finish().expect("no sync error");
        assert_eq!(
            std::fs::metadata(&path).expect("size").len(),
            written as u64
        );
    }

    #[test]
    fn a_file_synced_once_while_written_after_finishes_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("new.db");
        let mut f = std::fs::File::create(&path).expect("create");
        let chunk = vec![7u8; 1 << 20];
        f.write_all(&chunk).expect("write");
        let helper = WriteBack::once(&path, Durability::Deferred).expect("start");
        f.write_all(&chunk).expect("write after");
        helper.finish().expect("no sync error");
        assert_eq!(
            std::fs::metadata(&path).expect("size").len(),
            2 * chunk.len() as u64
        );
        let missing = dir.path().join("missing.db");
        let e = WriteBack::once(&missing, Durability::Deferred)
            .err()
            .expect("refused");
        assert!(e.to_string().contains("missing.db"), "{e}");
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("missing.db");
        let e = WriteBack::start(&path, Durability::Deferred)
            .err()
            .expect("refused");
        assert!(e.to_string().contains("missing.db"), "{e}");
    }

    #[test]
    fn synced_commits_start_no_helper() {
        let dir = tempfile::tempdir().expect("tempdir");
        // No file needed: nothing is opened when every commit is synced.
        let helper =
            WriteBack::start(&dir.path().join("none.db"), Durability::EveryCommit).expect("start");
        assert!(helper.running.is_none());
        helper.finish().expect("finish");
    }
}
