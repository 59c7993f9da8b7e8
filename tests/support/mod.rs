//! Test harness: temp folders, fixture databases, a concurrent writer, the
//! oracle that computes the expected new tables with plain SQL, and a
//! runner for engine operations.

pub mod agent;
pub mod cases;
pub mod fixture;
pub mod key_modes;
pub mod oracle;
pub mod pki;
pub mod python;
pub mod random_ops;
pub mod rate;
pub mod revert_case;
pub mod revert_writer;
pub mod runbook;
pub mod service_writer;
pub mod sqlite_backoff;
pub mod tenant_site;
pub mod writer;
pub mod writer_process;
