//! Databases the engine was not designed for, as data: each case is an old
//! schema with seed rows, a target `schema.sql`, a service-like workload
//! and the oracle. `tests/engine_schemas.rs` runs them all through one
//! `check` helper.

pub mod legacy_app;
pub mod music_store;
pub mod shop_example;
pub mod strict_rewrite;

use super::oracle::Oracle;
use super::writer::Workload;

pub struct Case {
    /// Old schema and seed rows, run as one batch on an empty file.
    pub old: &'static str,
    /// The target `schema.sql`, with `-- mig:` directives.
    pub new: &'static str,
    /// The mapping drops old columns or tables on purpose.
    pub accept_data_loss: bool,
    /// One transaction of the service that keeps writing to the old database.
    pub workload: Workload,
    pub oracle: Oracle<'static>,
}
