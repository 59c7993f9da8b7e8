//! Revert after cutover: a bounded window in which the new database records
//! its own writes (`window.rs`) and the old database, a frozen standby
//! (`guard.rs`), is kept equal to the inverse of the new one by reverse
//! replay (`apply.rs`, bookkeeping in `store.rs`), through the inverse
//! mapping (`inverse.rs`); `verify.rs` checks old = inverse(new) before a
//! revert makes the old database writable again. The operations that use
//! these are `ops::revert`, `ops::finalize`, `ops::cutover` (which opens the
//! window) and `ops::cleanup_old` (which retires the old database).

pub mod apply;
mod builder;
pub mod continuity;
mod expr;
mod identity;
mod in_place;
pub mod inverse;
pub mod left_behind;
pub mod new_only;
pub mod owned;
mod rebuild;
pub mod seed;
pub mod seed_delta;
mod statements;
pub mod store;
pub mod temp;
mod unheld;
pub mod verify;
pub mod window;

use std::path::Path;

use rusqlite::Connection;

use super::catalog::Catalog;
use super::error::{EngineError, Result};
use super::new_side::Identity;
use super::open;
use super::plan::{self, Plan};
use super::schema::SchemaFile;

pub use inverse::Inverse;
pub use window::{Window, WindowState};

/// The forward plan a migration was built from and its inverse, from the
/// schema recorded in the new database and the old database's catalog.
pub fn inverse_of(id: &Identity, old: &Path) -> Result<(Plan, Inverse)> {
    let schema = SchemaFile::parse(&id.schema_file, &id.schema_sql)?;
    let (scratch, hash) = schema.reflect()?;
    open::attach_old(&scratch, old)?;
    let plan = plan::build(&scratch, &schema, &hash, plan::Depth::MappingOnly)?;
    if !plan.blockers.is_empty() {
        return Err(EngineError::Drift(format!(
            "the recorded schema no longer maps onto the old database: {}",
            plan.blockers.join("; ")
        )));
    }
    let inv = build(&scratch, &plan, &schema)?;
    Ok((plan, inv))
}

/// The inverse of `plan`; `conn` holds the new schema as `main` and the
/// old database as `old`.
pub fn build(conn: &Connection, plan: &Plan, schema: &SchemaFile) -> Result<Inverse> {
    let old = Catalog::read(conn, "old")?;
    let new = Catalog::read(conn, "main")?;
    Ok(inverse::build(conn, plan, schema, &old, &new))
}
