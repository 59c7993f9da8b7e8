//! The two catalogs a plan was built from (the target schema as `main`,
//! the old database attached as `old`), kept with the plan so the checks
//! that follow on the same connection (the constraint pre-check, the
//! dependency, affinity and statistics reports, the assessment) do not read
//! them again: each read lists every table, column, index and trigger.
//!
//! A kept pair is used only while the connection shows the same files at
//! the same schema versions (`PRAGMA schema_version` moves with every change
//! to a schema, by any connection): another connection's files, or a schema
//! changed since, are read afresh.

use std::borrow::Cow;

use rusqlite::Connection;

use super::Plan;
use crate::engine::catalog::Catalog;
use crate::engine::error::{Result, SqlContext};

/// The target and old catalogs as one connection showed them.
#[derive(Debug, Clone)]
pub struct Catalogs {
    pub target: Catalog,
    /// The whole old catalog (tables left to their owner included).
    pub old: Catalog,
    seen: Seen,
}

/// Which files `main` and `old` were, at which schema versions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen(String, i64, i64);

impl Catalogs {
    /// Reads both catalogs of `conn`.
    pub fn read(conn: &Connection) -> Result<Catalogs> {
        let seen = seen(conn)?;
        Ok(Catalogs {
            target: Catalog::read(conn, "main")?,
            old: Catalog::read(conn, "old")?,
            seen,
        })
    }

    /// The catalogs of `conn`: the ones `plan` was built from while
    /// nothing changed, else read again.
    pub fn of<'p>(conn: &Connection, plan: &'p Plan) -> Result<Cow<'p, Catalogs>> {
        if seen(conn)? == plan.catalogs.seen {
            return Ok(Cow::Borrowed(&plan.catalogs));
        }
        Ok(Cow::Owned(Catalogs::read(conn)?))
    }

    /// Marks the pair as still current after the builder's own change to
    /// `main` (the id mapping's tables, `mapping::create`): internal
    /// tables, which no catalog lists.
    pub(super) fn still_current(&mut self, conn: &Connection) -> Result<()> {
        self.seen = seen(conn)?;
        Ok(())
    }
}

/// The files behind `main` and `old` (empty: in memory) and their schema
/// versions.
fn seen(conn: &Connection) -> Result<Seen> {
    let ctx = || "reading the schema versions".to_string();
    let files = conn
        .query_row(
            "SELECT group_concat(name || '=' || file, char(10)) FROM pragma_database_list",
            [],
            |r| r.get(0),
        )
        .ctx(ctx)?;
    // `PRAGMA old.schema_version`: the table-valued form ignores a schema
    // prefix and reads `main`'s.
    let version = |schema| conn.pragma_query_value(Some(schema), "schema_version", |r| r.get(0));
    Ok(Seen(
        files,
        version("main").ctx(ctx)?,
        version("old").ctx(ctx)?,
    ))
}
