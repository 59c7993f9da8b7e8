//! Human names for the contract's enums, as the runbook spells them
//! (`recording`, `migrating`, `cut over`). An unknown value, from a newer
//! agent, reads `unknown`.

use mig::proto::{JobKind, JobState, KeyMode, MarkerStatus, MigrationStatus, Phase, RiskLevel};

pub fn phase(v: i32) -> &'static str {
    match Phase::try_from(v) {
        Ok(Phase::NotStarted) => "not started",
        Ok(Phase::Copying) => "copying",
        Ok(Phase::Recording) => "recording",
        Ok(Phase::Draining) => "draining",
        Ok(Phase::Drained) => "drained",
        Ok(Phase::CutOver) => "cut over",
        Ok(Phase::Complete) => "complete",
        Ok(Phase::Broken) => "broken",
        Ok(Phase::Standby) => "standby (revert window open)",
        Ok(Phase::Reverting) => "reverting",
        Ok(Phase::Reverted) => "reverted",
        Ok(Phase::Retired) => "retired",
        Ok(Phase::Unspecified) | Err(_) => "unknown",
    }
}

/// `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`, as `mig plan` prints them.
pub fn risk_level(v: i32) -> &'static str {
    match RiskLevel::try_from(v) {
        Ok(RiskLevel::Low) => "LOW",
        Ok(RiskLevel::Medium) => "MEDIUM",
        Ok(RiskLevel::High) => "HIGH",
        Ok(RiskLevel::Critical) => "CRITICAL",
        Ok(RiskLevel::Unspecified) | Err(_) => "UNKNOWN",
    }
}

pub fn marker(v: i32) -> &'static str {
    match MarkerStatus::try_from(v) {
        Ok(MarkerStatus::None) => "none",
        Ok(MarkerStatus::Recording) => "recording",
        Ok(MarkerStatus::Draining) => "draining",
        Ok(MarkerStatus::Standby) => "standby",
        Ok(MarkerStatus::Retired) => "retired",
        Ok(MarkerStatus::Unspecified) | Err(_) => "unknown",
    }
}

pub fn migration(v: i32) -> &'static str {
    match MigrationStatus::try_from(v) {
        Ok(MigrationStatus::None) => "none",
        Ok(MigrationStatus::Migrating) => "migrating",
        Ok(MigrationStatus::Ready) => "ready",
        Ok(MigrationStatus::Reverted) => "reverted",
        Ok(MigrationStatus::Unspecified) | Err(_) => "unknown",
    }
}

pub fn job_kind(v: i32) -> &'static str {
    match JobKind::try_from(v) {
        Ok(JobKind::Migrate) => "migrate",
        Ok(JobKind::Drain) => "drain",
        Ok(JobKind::Verify) => "verify",
        Ok(JobKind::Revert) => "revert",
        Ok(JobKind::Unspecified) | Err(_) => "job",
    }
}

pub fn job_state(v: i32) -> &'static str {
    match JobState::try_from(v) {
        Ok(JobState::Running) => "running",
        Ok(JobState::Paused) => "paused",
        Ok(JobState::Completed) => "completed",
        Ok(JobState::Failed) => "failed",
        Ok(JobState::Cancelled) => "cancelled",
        Ok(JobState::Unspecified) | Err(_) => "unknown",
    }
}

pub fn key_mode(v: i32) -> &'static str {
    match KeyMode::try_from(v) {
        Ok(KeyMode::Preserved) => "keys preserved",
        Ok(KeyMode::Renumbered) => "renumbered through the id mapping",
        Ok(KeyMode::NewEmpty) => "new, starts empty",
        Ok(KeyMode::Refused) => "key refused, see blockers",
        Ok(KeyMode::Unspecified) | Err(_) => "unknown key mode",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_runbook() {
        assert_eq!(marker(MarkerStatus::Recording as i32), "recording");
        assert_eq!(migration(MigrationStatus::Migrating as i32), "migrating");
        assert_eq!(migration(MigrationStatus::Ready as i32), "ready");
        assert_eq!(phase(Phase::CutOver as i32), "cut over");
        assert_eq!(phase(99), "unknown");
    }
}
