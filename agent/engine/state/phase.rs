//! The phase of a migration and the one thing the operator should do next,
//! derived from a [`MigrationState`] alone.

use super::MigrationState;
use crate::engine::meta::MigrationStatus;
use crate::engine::record::MarkerStatus;

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
        }
    }

    /// The agent replays the log in the background in this phase.
    pub fn catches_up(self) -> bool {
        self == Phase::Recording
    }
}

/// The phase and the next step.
pub(super) fn derive(s: &MigrationState) -> (Phase, String) {
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
    match (status, marker) {
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
        (None, None) => (Phase::NotStarted, "run `mig plan`, then `mig migrate`".to_string()),
    }
}
