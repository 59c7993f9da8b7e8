//! Test harness: temp folders, fixture databases, a concurrent writer, the
//! oracle that computes the expected new tables with plain SQL, and a
//! runner for engine operations.

pub mod fixture;
pub mod oracle;
pub mod runbook;
pub mod writer;
