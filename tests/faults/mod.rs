//! Crash safety by fault injection: the real `mig` binary is killed at every
//! engine failpoint (`mig::engine::failpoint::POINTS`, feature `failpoints`)
//! and at random moments, with a writer running on the old database; the
//! interrupted command is re-run, the runbook finished, and the result
//! compared with the oracle.

mod agent_kill;
mod disk_full;
mod harness;
mod points;
mod random_kill;
mod regressions;
