//! The phase of a migration and the one thing the operator should do next,
//! derived from a [`MigrationState`] alone.

use super::MigrationState;
use crate::engine::new_side::MigrationStatus;
use crate::engine::plan::quoted::Disclosure;
use crate::engine::record::MarkerStatus;
use crate::engine::revert::WindowState;

/// Where a migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    NotStarted,
    Copying,
    Recording,
    Draining,
    Drained,
    CutOver,
    Complete,
    /// The files are one migration that cannot go on (see
    /// [`super::Broken`]): only `reset` acts on it.
    Broken,
    /// Cut over with a revert window open: the new database records its
    /// writes, the old one is a standby kept equal to their inverse.
    Standby,
    /// A revert froze the new database and has not finished.
    Reverting,
    /// Reverted: the old database serves again.
    Reverted,
    /// Cut over and cleaned up; the old database still refuses writes.
    Retired,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::NotStarted => "not started",
            Phase::Copying => "copying",
            Phase::Recording => "recording",
            Phase::Draining => "draining",
            Phase::Drained => "drained",
            Phase::CutOver => "cut over",
            Phase::Complete => "complete",
            Phase::Broken => "broken",
            Phase::Standby => "standby",
            Phase::Reverting => "reverting",
            Phase::Reverted => "reverted",
            Phase::Retired => "retired",
        }
    }

    /// The agent replays the log in the background in this phase.
    pub fn catches_up(self) -> bool {
        self == Phase::Recording
    }
}

/// The phase and the next step; while a replay is stopped by rows that
/// break the new schema, the next step is to fix them (issue 22: `status`
/// said "run `mig drain`", which stopped at the same rows again).
pub(super) fn derive(s: &MigrationState, d: Disclosure) -> (Phase, String) {
    let (phase, next) = derive_from_files(s);
    if let Some(next) = drifted(s, phase) {
        return (phase, next);
    }
    let blocked = s.new.as_ref().and_then(|n| n.replay_blocked.as_ref());
    match blocked {
        Some(b) if matches!(phase, Phase::Recording | Phase::Draining) => (
            phase,
            format!("the catch-up is stopped: {}; fix those rows in the old database (the catch-up then goes on, and `mig drain` with it), or `mig reset` and migrate with a mapping that accepts them", b.for_caller(d)),
        ),
        _ => (phase, next),
    }
}

/// The old catalog changed since recording began (a column added by the
/// service's own upgrade, a table created, a trigger dropped): `drain` and
/// `cutover` refuse it, so the next step is the way out they name, never
/// the step they refuse.
fn drifted(s: &MigrationState, phase: Phase) -> Option<String> {
    if let Some(n) = s.new.as_ref().filter(|n| !n.changed.is_empty()) {
        return Some(super::new_drift::refusal(&n.changed));
    }
    let drift = &s.old.as_ref()?.drift;
    if drift.is_empty() {
        return None;
    }
    let what = drift.join(", ");
    if let Some(advice) = crate::engine::record::views_only_advice(drift) {
        return Some(format!(
            "the old database was changed outside the recorded path ({what}); {advice}"
        ));
    }
    match phase {
        Phase::Recording | Phase::Draining => Some(format!(
            "the old database was changed outside the recorded path ({what}): run `mig reset` and migrate again"
        )),
        Phase::Drained => Some(format!(
            "the old database was changed outside the recorded path after drain ({what}): undo the change and rerun `mig drain`, or `mig reset` and migrate again"
        )),
        _ => None,
    }
}

fn derive_from_files(s: &MigrationState) -> (Phase, String) {
    if let Some(b) = &s.broken {
        return (Phase::Broken, b.message.clone());
    }
    let new = s
        .located
        .new
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let status = s.new.as_ref().and_then(|n| n.status);
    let marker = s.marker().map(|m| m.status);
    let copied = s.copied();
    let pending = s.old.as_ref().map_or(0, |o| o.pending);
    let certified = s.certified();
    let unverified = match s.new.as_ref() {
        Some(n) if n.certificate.cutover_skipped_verify_at.is_some() => {
            "cut over without verification; "
        }
        _ => "",
    };
    if let Some(r) = after_cutover(s, status, &new) {
        return r;
    }
    match (status, marker) {
        (Some(MigrationStatus::Reverted), _) => unreachable_reverted(),
        (Some(MigrationStatus::Migrating), Some(MarkerStatus::Standby | MarkerStatus::Retired)) => (
            Phase::Drained,
            "the old database refuses writes as if cut over, but the new one is not: run `mig cutover`".to_string(),
        ),
        (Some(MigrationStatus::Ready), Some(_)) => (
            Phase::CutOver,
            format!("{unverified}move traffic to the new service; once it serves, `mig cleanup-old` removes the migration tables from the old database"),
        ),
        (Some(MigrationStatus::Ready), None) => (Phase::Complete, format!("{unverified}nothing left to do")),
        (Some(MigrationStatus::Migrating), _) if !copied => {
            (Phase::Copying, "the copy is running or was interrupted: `mig migrate` resumes it".to_string())
        }
        (Some(MigrationStatus::Migrating), Some(MarkerStatus::Draining)) if pending == 0 && s.drained() && certified => {
            (Phase::Drained, "run `mig cutover` (the copy is verified)".to_string())
        }
        (Some(MigrationStatus::Migrating), Some(MarkerStatus::Draining)) if pending == 0 && s.drained() => (
            Phase::Drained,
            "the copy is not verified: run `mig verify`, then `mig cutover` (or `mig cutover --skip-verify` to go on without verification)".to_string(),
        ),
        (Some(MigrationStatus::Migrating), Some(MarkerStatus::Draining)) => {
            (Phase::Draining, format!("writes are refused; run `mig drain` to replay the {pending} pending entries"))
        }
        (Some(MigrationStatus::Migrating), Some(MarkerStatus::Recording)) => (
            Phase::Recording,
            format!(
                "deploy the new service on {new} (it waits while the status is migrating), then run `mig drain`{}",
                if certified { " (the copy is verified)" } else { " (it verifies the copy first, while writes flow)" }
            ),
        ),
        (Some(MigrationStatus::Migrating), None) => (
            Phase::Copying,
            "the old database is not recording: `mig migrate` installs recording and resumes, or `mig reset` abandons".to_string(),
        ),
        (None, Some(_)) => (
            Phase::Copying,
            format!("the old database records for a new database that is missing ({new}): `mig migrate` recreates it, or `mig reset` stops recording"),
        ),
        (None, None) => (Phase::NotStarted, not_started(s)),
    }
}

/// What to do before a migration starts: plan it, unless the old database
/// is not there to migrate (a path's typo, here or in agent.toml).
fn not_started(s: &MigrationState) -> String {
    match (&s.old, &s.located.old) {
        (None, Some(p)) => format!(
            "the old database {} does not exist: check the path (`--old`, or `old` of this database in agent.toml), then run `mig plan`",
            p.display()
        ),
        _ => "run `mig plan`, then `mig migrate`".to_string(),
    }
}

/// The phases after cutover that a revert window or the retired guard
/// decide; `None` for the others.
fn after_cutover(
    s: &MigrationState,
    status: Option<MigrationStatus>,
    new: &str,
) -> Option<(Phase, String)> {
    let old = s
        .located
        .old
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let window = s.new.as_ref().and_then(|n| n.window.as_ref());
    let state = window.map(|w| w.state);
    Some(match (status, state) {
        (Some(MigrationStatus::Reverted), _) => (
            Phase::Reverted,
            format!("reverted: the old database {old} serves again (its service writes there); {new} is kept as a record and refuses writes; when you no longer need it, `mig reset` deletes it (then `mig migrate` can start again)"),
        ),
        (Some(MigrationStatus::Ready), Some(WindowState::Reverting)) => (
            Phase::Reverting,
            format!("a revert froze {new} (its writes are refused) and did not finish: run `mig revert` to finish it"),
        ),
        (Some(MigrationStatus::Ready), Some(WindowState::Open)) if s.window_broken.is_some() => {
            (Phase::Standby, s.window_broken.clone().unwrap_or_default())
        }
        (Some(MigrationStatus::Ready), Some(WindowState::Open)) => {
            let w = window?;
            let pending = s.reverse_pending();
            let conflicts = s.old.as_ref().map_or(0, |o| o.conflicts.len());
            let tail = if conflicts > 0 {
                format!("; {conflicts} row(s) of {new} do not fit the old schema (see conflicts): fix them in {new}, or revert with --discard-conflicts")
            } else {
                String::new()
            };
            if w.expired() {
                (Phase::Standby, format!("the revert window ended at {}: `mig finalize` closes it (the agent does this by itself){tail}", w.closes_at))
            } else {
                (Phase::Standby, format!(
                    "revert window open until {} ({} left, {pending} writes not yet carried back): `mig revert` goes back to {old} without losing a write; `mig finalize` closes the window{tail}",
                    w.closes_at,
                    human(w.seconds_left)
                ))
            }
        }
        (Some(MigrationStatus::Ready), _) if s.marker().is_none() && s.old.as_ref().is_some_and(|o| o.guards > 0) => (
            Phase::Retired,
            format!("nothing left to do; the old database {old} refuses writes (retired): delete it once nothing reads it, or `mig release-old` to accept writes there again"),
        ),
        _ => return None,
    })
}

fn unreachable_reverted() -> (Phase, String) {
    (Phase::Reverted, "reverted".into())
}

/// `90s`, `12m`, `3h 5m`.
pub(super) fn human(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        _ => format!("{}h {}m", s / 3600, (s % 3600) / 60),
    }
}
