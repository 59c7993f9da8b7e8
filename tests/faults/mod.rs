//! Crash safety by fault injection: the real `mig` binary (`points.rs`) and
//! the real `mig-agent` (`agent_kill.rs`) are killed at every engine
//! failpoint (`mig::engine::failpoint::POINTS`, feature `failpoints`), and
//! `mig` at random moments (`random_kill.rs`), with a writer running on the
//! old database; the interrupted command is re-run, the runbook finished,
//! and the result compared with the oracle. `disk_full.rs` fills the new
//! database's volume (simulated) instead of killing. `revert.rs` kills `mig`
//! at the revert window's failpoints (standby setup, reverse replay, the
//! freeze and the flip, finalize) and checks the inverse.

mod agent_kill;
mod disk_full;
mod harness;
mod mapping_removal;
mod points;
mod random_kill;
mod reboot;
mod regressions;
mod revert;
mod revert_freeze_temp;
