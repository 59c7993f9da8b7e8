//! One fleet command that changes things at a time per fleet file: a lock
//! beside it (`<fleet>.rollout.lock`) held for the whole command. The lock
//! is the operating system's (`flock`), so it goes with its holder: a
//! rollout killed with `kill -9` or a crashed machine leaves nothing that
//! blocks the next one. The file also says who holds it (pid, host, command,
//! since), for the refusal. When the command ends, failed or not, the file
//! is deleted while still locked, and only if the path still names the
//! file locked; a lock taken on a file deleted meanwhile is dropped and
//! taken again on the path's file, so two commands never hold two files.
//! That lock file is `mig::lockfile`'s (shared with the agent's claim on an
//! old database); the holder's record and the refusal are the fleet's.

use std::path::{Path, PathBuf};

use mig::lockfile::{self, HolderLock, Taken};
use serde::{Deserialize, Serialize};

use crate::exit::{error, Exit};

/// Who holds the lock, as written into the file.
#[derive(Debug, Serialize, Deserialize)]
struct Holder {
    pid: u32,
    host: String,
    /// `mig fleet rollout`, …
    command: String,
    since_unix: u64,
}

/// Held until dropped (or the process ends).
#[derive(Debug)]
pub struct FleetLock {
    _lock: HolderLock,
    /// Said when the last holder ended without releasing it (killed).
    pub took_over: Option<String>,
}

/// `fleet.toml` → `fleet.rollout.lock`, beside it.
pub fn path_for(fleet_file: &Path) -> PathBuf {
    let stem = fleet_file
        .file_stem()
        .map_or_else(|| "fleet".into(), |s| s.to_string_lossy().into_owned());
    fleet_file.with_file_name(format!("{stem}.rollout.lock"))
}

/// Takes the fleet file's lock for `command`, or refuses in one line naming
/// who holds it (exit 6, busy) and what to do.
pub fn acquire(fleet_file: &Path, command: &str) -> anyhow::Result<FleetLock> {
    let path = path_for(fleet_file);
    let shown = path.display();
    let me = Holder {
        pid: std::process::id(),
        host: host(),
        command: command.to_string(),
        since_unix: unix_now(),
    };
    let text = serde_json::to_string(&me).unwrap_or_default();
    let cannot = |e: std::io::Error| error(Exit::Failed, format!("cannot lock {shown}: {e}"));
    match lockfile::try_take(&path, &text).map_err(cannot)? {
        Taken::Held { lock, previous } => {
            // The holder line outlives a machine crash: the next run says whose run it continues.
            lock.sync().map_err(cannot)?;
            Ok(FleetLock {
                _lock: lock,
                took_over: serde_json::from_str::<Holder>(&previous).ok().map(|h| format!(
                    "note: {} (pid {} on {}) ended without finishing; its jobs go on on the agents, this run continues from where they are",
                    h.command, h.pid, h.host
                )),
            })
        }
        Taken::HeldBy(who) => Err(refusal(&who, fleet_file)),
        Taken::Replaced => Err(error(
            Exit::Busy,
            format!("{shown} keeps being replaced while mig locks it: other fleet commands are starting and ending; try again"),
        )),
        Taken::NoLocks => Err(error(
            Exit::Failed,
            format!("cannot lock {shown}: the file system has no locks; keep the fleet file on a local disk"),
        )),
    }
}

/// The one line refusing a second command while another holds the lock.
fn refusal(holder: &str, fleet_file: &Path) -> anyhow::Error {
    let f = fleet_file.display();
    let who = match serde_json::from_str::<Holder>(holder) {
        Ok(h) => format!(
            "{} (pid {} on {}, since {}, {} ago)",
            h.command,
            h.pid,
            h.host,
            clock(h.since_unix),
            ago(h.since_unix)
        ),
        // Locked but not written yet: it is starting this instant.
        Err(_) => "another fleet command".to_string(),
    };
    error(
        Exit::Busy,
        format!("{who} is running on {f}: wait for it to end (`mig fleet status -f {f}` shows where each target is), or stop it (Ctrl-C, or kill its pid; jobs it started go on on the agents and a new run continues them)"),
    )
}

/// This machine's name, for the refusal another user reads.
fn host() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `2026-12-01T06:50:01Z`.
fn clock(unix: u64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix);
    humantime::format_rfc3339_seconds(at).to_string()
}

/// `3m 5s`.
fn ago(unix: u64) -> String {
    let secs = unix_now().saturating_sub(unix);
    humantime::format_duration(std::time::Duration::from_secs(secs)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_naming_the_first_and_the_lock_goes_with_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fleet = dir.path().join("fleet.toml");
        let first = acquire(&fleet, "mig fleet rollout").expect("first");
        assert!(first.took_over.is_none());
        let second = acquire(&fleet, "mig fleet rollout").expect_err("second");
        let line = crate::exit::message(&second);
        assert!(
            line.starts_with(&format!(
                "mig fleet rollout (pid {} on ",
                std::process::id()
            )),
            "{line}"
        );
        assert_eq!(crate::exit::classify(&second), Exit::Busy);
        drop(first);
        assert!(
            !path_for(&fleet).exists(),
            "a released lock leaves its file"
        );
        let third = acquire(&fleet, "mig fleet revert").expect("after release");
        assert!(third.took_over.is_none(), "a released lock reads as killed");
        assert_eq!(path_for(&fleet), dir.path().join("fleet.rollout.lock"));
    }
}
