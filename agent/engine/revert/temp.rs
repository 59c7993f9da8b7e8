//! The temporary tables one table's reverse replay fills, each named for
//! the table (its place in the inverse) and created once per connection:
//! a batch empties and refills them, so it changes no temporary schema.
//!
//! Why: every change of the temporary schema (a `CREATE` or `DROP` of a
//! temporary table) expires every statement prepared on the connection and
//! runs SQLite's own nested statements on `sqlite_temp_master`. Measured
//! under revert's freeze on Roundup (release, a tail of one key a table):
//! a touched table's batch ran 23 statements, 14 of them temporary `DROP`s
//! and `CREATE`s, ~1.5 ms and ~1,400 VM steps; filling tables created
//! before the freeze ([`super::apply::ready`]), 29 statements, none a
//! schema change, ~1.0 ms and ~1,070 VM steps. What is left is preparing
//! the statements (about half of it) and running them.
//!
//! A connection must not outlive the inverse it replays through (each
//! operation opens its own): a table's temporary tables have the columns
//! its statements had when they were first created.

use rusqlite::Connection;

use crate::engine::error::{Result, SqlContext};

/// The temporary schema's version on `conn`: moves with every `CREATE` or
/// `DROP` of a temporary table or index.
pub fn schema_version(conn: &Connection) -> Result<i64> {
    conn.query_row("PRAGMA temp.schema_version", [], |r| r.get(0))
        .ctx(|| "reading the temporary schema's version".into())
}

/// Test-only: with the `failpoints` feature, `MIG_FREEZE_TEMP_SCHEMA=PATH`
/// gets a line per frozen section, the temporary schema's version at its
/// start and at its end, so a test can tell whether revert's freeze
/// changed the temporary schema. Nothing in a shipped build.
pub fn trace_frozen(conn: &Connection, at_start: i64) -> Result<()> {
    #[cfg(feature = "failpoints")]
    if let Ok(path) = std::env::var("MIG_FREEZE_TEMP_SCHEMA") {
        use std::io::Write;
        let line = format!("{at_start} {}\n", schema_version(conn)?);
        let io = |source| crate::engine::error::EngineError::Io {
            context: "tracing the freeze's temporary schema to",
            path: path.clone().into(),
            source,
        };
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .map_err(io)?;
    }
    #[cfg(not(feature = "failpoints"))]
    let _ = (conn, at_start);
    Ok(())
}

/// The names of table `i`'s temporary tables (`temp._mig_rev{i}_…`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Temp {
    pub(super) i: usize,
}

impl Temp {
    /// `temp._mig_rev{i}_{kind}`.
    pub(super) fn name(&self, kind: &str) -> String {
        format!("temp._mig_rev{}_{kind}", self.i)
    }

    /// Creates `kind` (once: with the columns and affinities `select`
    /// gives, no row) and fills it with `select`'s rows, with an index on
    /// `index` when one is named.
    pub(super) fn fill(&self, kind: &str, select: &str, index: Option<&str>) -> Fill {
        let name = self.name(kind);
        let mut create = format!("CREATE TABLE IF NOT EXISTS {name} AS {select} LIMIT 0;");
        if let Some(cols) = index {
            create.push_str(&format!(
                "\nCREATE INDEX IF NOT EXISTS temp._mig_rev{}_{kind}_key ON _mig_rev{}_{kind}({cols});",
                self.i, self.i
            ));
        }
        Fill {
            create,
            fill: format!("DELETE FROM {name}; INSERT INTO {name} {select};"),
        }
    }
}

/// A temporary table's creation (nothing when it exists) and its refill.
pub(super) struct Fill {
    pub(super) create: String,
    pub(super) fill: String,
}
