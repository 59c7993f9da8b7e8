//! Test harness: temp folders, a fixture database, a concurrent writer, and
//! the oracle that computes the expected new tables with plain SQL.

pub mod agent;
pub mod fixture;
pub mod oracle;
pub mod writer;
