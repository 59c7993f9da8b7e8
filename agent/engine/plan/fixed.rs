//! A CHECK that refuses the value a column always gets. A new column the
//! old table does not feed takes its DEFAULT (or NULL) in every row the copy
//! and the catch-up write; a CHECK that reads only such columns and refuses
//! those values refuses every row. The pre-check over the old rows finds it
//! only when the table has rows: on an empty table `plan` said "can migrate:
//! yes" and the first row the service wrote while recording stopped the
//! catch-up, with advice (fix the old rows) that could not apply.
//!
//! The values are the ones SQLite itself would store: one row is inserted
//! into the scratch database's copy of the table (in memory, its triggers
//! disabled, CHECKs ignored, inside a savepoint rolled back), its other
//! NOT NULL and key columns given a placeholder, and each CHECK that reads
//! only the fixed columns is evaluated on it, so affinity, collation and
//! the DEFAULT's own expression are SQLite's.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

use super::mapped::{check_clauses, table_sql};
use super::{Builder, ColumnPlan, ColumnSource};
use crate::engine::catalog::{q, Affinity, Table};
use crate::engine::error::{Result, SqlContext};
use crate::engine::schema::Statement;

impl Builder<'_> {
    /// Blocks each CHECK of `t` that refuses the values its fixed columns
    /// (filled by DEFAULT or NULL, not from the old row) always take.
    pub(super) fn check_fixed_values(
        &mut self,
        t: &Table,
        columns: &[ColumnPlan],
        stmt: &Statement,
    ) -> Result<()> {
        let fixed: HashSet<String> = columns
            .iter()
            .filter(|c| matches!(c.source, ColumnSource::Default | ColumnSource::Null))
            .map(|c| c.name.to_ascii_lowercase())
            .collect();
        if fixed.is_empty() {
            return Ok(());
        }
        // Each CHECK reading only fixed columns, with the columns it reads.
        let reading: Vec<(String, HashSet<String>)> =
            check_clauses(&table_sql(self.conn, "main", &t.name)?)
                .into_iter()
                .filter_map(|e| reads_only(self.conn, &t.name, &e, &fixed).map(|r| (e, r)))
                .collect();
        if reading.is_empty() {
            return Ok(());
        }
        let checks: Vec<String> = reading.iter().map(|(e, _)| e.clone()).collect();
        for expr in refused(self.conn, t, &fixed, &checks)? {
            let reads = reading.iter().find(|(e, _)| *e == expr).map(|(_, r)| r);
            let cols = fixed_values(t, reads);
            self.blockers.push(format!(
                "{}: CHECK({expr}) of {} refuses the value{} every copied row gets ({cols}): the copy and the catch-up would stop at the first row of {} (the old table has no such column to fix); change the DEFAULT or the CHECK, or give the column a value with `-- mig:set <column> = <expression>` above CREATE TABLE {}",
                self.at(stmt.line),
                t.name,
                if cols.contains(", ") { "s" } else { "" },
                t.name,
                t.name
            ));
        }
        Ok(())
    }
}

/// The columns CHECK `expr` of `table` reads (lowercase), as SQLite's
/// authorizer reports them, when it reads some and all of them are in
/// `fixed`.
fn reads_only(
    conn: &Connection,
    table: &str,
    expr: &str,
    fixed: &HashSet<String>,
) -> Option<HashSet<String>> {
    let reads = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&reads);
    let lower = table.to_ascii_lowercase();
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        if let AuthAction::Read {
            table_name,
            column_name,
        } = ctx.action
        {
            if ctx.database_name == Some("main") && table_name.eq_ignore_ascii_case(&lower) {
                if let Ok(mut r) = sink.lock() {
                    // An unnamed read is the rowid: never a fixed column.
                    r.push(column_name.to_ascii_lowercase());
                }
            }
        }
        Authorization::Allow
    }));
    let compiled = conn
        .prepare(&format!("SELECT ({expr}) FROM main.{}", q(table)))
        .is_ok();
    conn.authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
    let reads = reads.lock().map(|r| r.clone()).unwrap_or_default();
    (compiled && !reads.is_empty() && reads.iter().all(|c| fixed.contains(c)))
        .then(|| reads.into_iter().collect())
}

/// The CHECKs among `checks` that the row SQLite stores for `t` refuses
/// (false, not NULL). Nothing when that row cannot be inserted (a
/// placeholder another constraint refuses): nothing is claimed then.
fn refused(
    conn: &Connection,
    t: &Table,
    fixed: &HashSet<String>,
    checks: &[String],
) -> Result<Vec<String>> {
    let ctx = || format!("checking the DEFAULTs of {} against its CHECKs", t.name);
    conn.execute_batch("SAVEPOINT mig_fixed; PRAGMA ignore_check_constraints = 1;")
        .ctx(ctx)?;
    let out = probe(conn, t, fixed, checks);
    conn.execute_batch(
        "PRAGMA ignore_check_constraints = 0; ROLLBACK TO mig_fixed; RELEASE mig_fixed;",
    )
    .ctx(ctx)?;
    Ok(out)
}

fn probe(conn: &Connection, t: &Table, fixed: &HashSet<String>, checks: &[String]) -> Vec<String> {
    let given: Vec<(String, &'static str)> = t
        .columns
        .iter()
        .filter(|c| !c.generated && !fixed.contains(&c.name.to_ascii_lowercase()))
        .filter(|c| c.notnull || c.pk > 0)
        .map(|c| (q(&c.name), placeholder(&c.decl_type, t.strict)))
        .collect();
    let insert = if given.is_empty() {
        format!("INSERT INTO main.{} DEFAULT VALUES", q(&t.name))
    } else {
        format!(
            "INSERT INTO main.{}({}) VALUES ({})",
            q(&t.name),
            given
                .iter()
                .map(|g| g.0.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            given.iter().map(|g| g.1).collect::<Vec<_>>().join(", ")
        )
    };
    if conn.execute(&insert, []).is_err() {
        return Vec::new();
    }
    checks
        .iter()
        .filter(|expr| {
            conn.query_row(
                &format!(
                    "SELECT count(*) FROM main.{} WHERE NOT ({expr})",
                    q(&t.name)
                ),
                [],
                |r| r.get::<_, i64>(0),
            )
            .is_ok_and(|n| n > 0)
        })
        .cloned()
        .collect()
}

/// A value any column of `decl_type` stores (a STRICT table checks types).
fn placeholder(decl_type: &str, strict: bool) -> &'static str {
    match Affinity::of(decl_type, strict) {
        Affinity::Text => "''",
        Affinity::Blob if strict && !decl_type.eq_ignore_ascii_case("ANY") => "x''",
        Affinity::Real => "0.0",
        _ => "0",
    }
}

/// `state = 'okay'`: the fixed columns the CHECK reads (`reads`, from
/// [`reads_only`]; a substring of its text would also name a column `a` in
/// `state IN ('ok')`) with the value each gets, as the schema's DEFAULT
/// writes it (`NULL` without one), in the table's order.
fn fixed_values(t: &Table, reads: Option<&HashSet<String>>) -> String {
    let shown: Vec<String> = t
        .columns
        .iter()
        .filter(|c| reads.is_some_and(|r| r.contains(&c.name.to_ascii_lowercase())))
        .map(|c| format!("{} = {}", c.name, c.default.as_deref().unwrap_or("NULL")))
        .collect();
    if shown.is_empty() {
        "its DEFAULTs".to_string()
    } else {
        shown.join(", ")
    }
}
