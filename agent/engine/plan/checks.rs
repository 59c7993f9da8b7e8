//! Checks that need SQLite: compiling expressions under the authorizer to
//! learn what they read, compiling each table's copy statement, and finding
//! the old data no mapping carries over.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

use super::expr_text::{row_value, single_expression};
use super::{Builder, ColumnSource, DataLoss, KeyMode, Reads, TablePlan};
use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};
use crate::engine::schema::SchemaFile;

impl Builder<'_> {
    /// Compiles `SELECT (expr) FROM old.<table>` and returns the old columns
    /// it reads, or SQLite's error message.
    pub(super) fn compile(
        &self,
        expr: &str,
        old_table: &str,
    ) -> std::result::Result<Reads, String> {
        single_expression(expr)?;
        let (reads, selects) = self.authorized_reads(expr, old_table)?;
        // SQLite refuses aggregate and window functions in a WHERE clause: an
        // aggregate here would fold every row of a copy chunk into one.
        let per_row = format!("SELECT 1 FROM old.{} WHERE ({expr}) IS NULL", q(old_table));
        self.conn.prepare(&per_row).map_err(|e| {
            format!(
                "{}; mig:set computes one value per old row, so it cannot use aggregate or window functions",
                sqlite_message(e)
            )
        })?;
        self.deterministic(expr, old_table)?;
        // One SELECT is ours; any other is a subquery (window functions, also
        // rewritten into one, were refused above), which reads rows other
        // than the old row's own (even `count(*)` reports no column).
        if selects > 1 {
            return Err(format!(
                "the expression has a subquery; mig recomputes a row only when its own old row changes, so an expression may read only columns of {old_table}"
            ));
        }
        Ok(reads)
    }

    /// Prepares `SELECT (expr) FROM old.<table>` under SQLite's authorizer:
    /// the old columns it reads, and how many SELECTs it holds.
    fn authorized_reads(
        &self,
        expr: &str,
        old_table: &str,
    ) -> std::result::Result<(Reads, usize), String> {
        let reads = Arc::new(Mutex::new(Reads::new()));
        let sink = Arc::clone(&reads);
        let selects = Arc::new(Mutex::new(0_usize));
        let select_sink = Arc::clone(&selects);
        self.conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            if let AuthAction::Select = ctx.action {
                if let Ok(mut n) = select_sink.lock() {
                    *n += 1;
                }
            }
            if let AuthAction::Read {
                table_name,
                column_name,
            } = ctx.action
            {
                // SQLite also reports an unnamed read when it touches the rowid.
                if ctx.database_name == Some("old") && !column_name.is_empty() {
                    if let Ok(mut r) = sink.lock() {
                        r.insert((
                            table_name.to_ascii_lowercase(),
                            column_name.to_ascii_lowercase(),
                        ));
                    }
                }
            }
            Authorization::Allow
        }));
        let sql = format!("SELECT ({expr}) FROM old.{}", q(old_table));
        let result = self.conn.prepare(&sql).map(|_| ());
        self.conn
            .authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
        result.map_err(sqlite_message)?;
        let selects = selects.lock().map(|n| *n).unwrap_or(0);
        let reads = reads.lock().map(|r| r.clone()).unwrap_or_default();
        Ok((reads, selects))
    }

    /// Refuses an expression that is no function of the old row.
    ///
    /// SQLite refuses non-deterministic functions (random(), changes()) in
    /// an index expression when it compiles one. Their values could never
    /// verify: each copy or recopy computes others. Any other refusal of
    /// these probes (e.g. `rowid`) is not a reason to refuse.
    fn deterministic(&self, expr: &str, old_table: &str) -> std::result::Result<(), String> {
        // Plan and migrate refuse; replay and verify rebuild the plan of a
        // schema that passed, often (each catch-up tick): no need to probe.
        if !self.count {
            return Ok(());
        }
        let probe = format!(
            "EXPLAIN CREATE INDEX old.mig_determinism_probe ON {}(({expr}))",
            q(old_table)
        );
        let compiled = self
            .conn
            .prepare(&probe)
            .map(|_| ())
            .map_err(sqlite_message);
        // `datetime('now')` and CURRENT_TIMESTAMP are refused only when an
        // index evaluates them: build one over a one-row temp copy.
        let evaluated = compiled.and_then(|()| {
            let sql = format!(
                "CREATE TEMP TABLE mig_probe_row AS SELECT * FROM old.{t} LIMIT 1;
                 CREATE INDEX temp.mig_probe_index ON mig_probe_row(({expr}));",
                t = q(old_table)
            );
            let r = self.conn.execute_batch(&sql).map_err(sqlite_message);
            let _ = self
                .conn
                .execute_batch("DROP TABLE IF EXISTS temp.mig_probe_row");
            r
        });
        match evaluated {
            Err(msg) if msg.starts_with("non-deterministic") => Err(format!(
                "the expression is not a function of the old row ({msg}): a copied value would differ at every recopy and never verify; for the time of the copy, give the column a DEFAULT (e.g. DEFAULT CURRENT_TIMESTAMP) instead of a mig:set"
            )),
            _ => Ok(()),
        }
    }

    pub(super) fn validate_insert(&mut self, t: &TablePlan) {
        let Some(src) = &t.source else { return };
        if t.key_mode == KeyMode::Refused {
            return; // already a blocker
        }
        let stray = |c: &super::ColumnPlan| {
            c.translate.is_none() && c.expr.as_deref().and_then(row_value).is_some()
        };
        if t.columns.iter().any(stray) {
            return; // a row value that translates nothing: already a blocker
        }
        let written = t.written();
        if written.is_empty() {
            return;
        }
        let (cols, exprs) = crate::engine::chunk_sql::column_lists(&written);
        let sql = format!(
            "INSERT INTO main.{}({cols}) SELECT {exprs} FROM old.{}",
            q(&t.name),
            q(src)
        );
        if let Err(e) = self.conn.prepare(&sql) {
            // Reaching here means each expression compiled alone; report the whole.
            self.blockers.push(format!(
                "table {}: the copy statement does not compile: {e}",
                t.name
            ));
        }
    }

    pub(super) fn data_loss(&self, tables: &[TablePlan]) -> Result<Vec<DataLoss>> {
        let sourced: HashSet<String> = tables
            .iter()
            .filter_map(|t| t.source.as_ref())
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let mut out = Vec::new();
        for o in &self.old.tables {
            let lower = o.name.to_ascii_lowercase();
            let any_read = self.reads.iter().any(|(t, _)| *t == lower);
            if !sourced.contains(&lower) && !any_read {
                let rows = if self.count {
                    count_rows(self.conn, &o.name)?
                } else {
                    0
                };
                out.push(DataLoss {
                    old_table: o.name.clone(),
                    old_column: None,
                    rows,
                    unread: None,
                });
                continue;
            }
            for c in o.columns.iter().filter(|c| !c.generated) {
                if !self
                    .reads
                    .contains(&(lower.clone(), c.name.to_ascii_lowercase()))
                    && !set_by_user(tables, self.schema, &o.name, &c.name)
                {
                    let rows = if self.count {
                        count_non_null(self.conn, &o.name, &c.name)?
                    } else {
                        0
                    };
                    out.push(DataLoss {
                        old_table: o.name.clone(),
                        old_column: Some(c.name.clone()),
                        rows,
                        unread: None,
                    });
                }
            }
        }
        for v in &self.old.virtual_tables {
            if let Some(loss) = self.own_content(v)? {
                out.push(loss);
            }
        }
        Ok(out)
    }

    /// The rows an old virtual table holds itself, which the new database
    /// will not have (mig cannot record its writes, and schema.sql cannot
    /// create one): `None` for an index over another table's rows (FTS's
    /// `content=TABLE`), which can be rebuilt from them. Rows are 0 when not
    /// counted; a table whose module is not in this SQLite (an extension
    /// not loaded) cannot be counted: `unread` says so, never "0 rows".
    fn own_content(&self, name: &str) -> Result<Option<DataLoss>> {
        let sql: String = self
            .conn
            .query_row(
                "SELECT coalesce(sql, '') FROM old.sqlite_schema WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .ctx(|| format!("reading the definition of old virtual table {name}"))?;
        let flat: String = sql
            .to_ascii_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        // `content=''` (contentless) keeps only the index: nothing to
        // rebuild it from, so it is the table's own data.
        let external = flat
            .split("content=")
            .skip(1)
            .any(|v| !v.starts_with("''") && !v.starts_with("\"\""));
        if external {
            return Ok(None);
        }
        let counted = match self.count {
            true => self
                .conn
                .query_row(&format!("SELECT count(*) FROM old.{}", q(name)), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(sqlite_message),
            false => Ok(0),
        };
        Ok(Some(DataLoss {
            old_table: name.to_string(),
            old_column: None,
            rows: counted.as_ref().map_or(0, |n| (*n).max(0) as u64),
            unread: counted.err(),
        }))
    }
}

/// The header values a service may check (`PRAGMA user_version`, the file
/// format's `application_id`) that the old database has and the schema file
/// (`file_name`, as the operator named it) does not set: the new database
/// would have 0, and a service checking it would refuse the new database at
/// cutover.
pub(super) fn header_warnings(conn: &Connection, file_name: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for pragma in ["user_version", "application_id"] {
        let read = |schema: &str| -> Result<i64> {
            conn.pragma_query_value(Some(schema), pragma, |r| r.get(0))
                .ctx(|| format!("reading PRAGMA {schema}.{pragma}"))
        };
        let (old, new) = (read("old")?, read("main")?);
        if old != 0 && new == 0 {
            out.push(format!(
                "the old database has PRAGMA {pragma} = {old} and {file_name} sets none: the new database will have 0, which a service checking it refuses; add `PRAGMA {pragma} = N;` to {file_name}"
            ));
        }
    }
    Ok(out)
}

/// SQLite's own message for a statement that does not compile.
fn sqlite_message(e: rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg,
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg,
        other => other.to_string(),
    }
}

/// Replay recomputes a new row only when its own old row changes, so an
/// expression may read nothing but that row.
pub(super) fn own_row_only(reads: Reads, old_table: &str) -> std::result::Result<Reads, String> {
    let own = old_table.to_ascii_lowercase();
    if let Some((other, _)) = reads.iter().find(|(t, _)| *t != own) {
        return Err(format!(
            "the expression reads old table {other}; mig recomputes a row only when its own old row changes, so an expression may read only columns of {old_table}"
        ));
    }
    Ok(reads)
}

pub(super) fn count_rows(conn: &Connection, old_table: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM old.{}", q(old_table)),
            [],
            |r| r.get(0),
        )
        .ctx(|| format!("counting rows of {old_table}"))?;
    Ok(n.max(0) as u64)
}

fn count_non_null(conn: &Connection, old_table: &str, column: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!("SELECT count({}) FROM old.{}", q(column), q(old_table)),
            [],
            |r| r.get(0),
        )
        .ctx(|| format!("counting values of {old_table}.{column}"))?;
    Ok(n.max(0) as u64)
}

/// Whether old column `table.column` is kept under its name, given its
/// new values by the user's own `mig:set` (Alembic's `version_num =
/// '…'`) and mapped back by a `mig:revert` of the same column: replaced
/// as the schema says, both ways, not dropped. A `mig:set` alone (say
/// `notes = NULL`) discards the old values: data loss, as before.
fn set_by_user(tables: &[TablePlan], schema: &SchemaFile, table: &str, column: &str) -> bool {
    tables
        .iter()
        .filter(|t| {
            t.source
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(table))
        })
        .any(|t| {
            let set = t.columns.iter().any(|c| {
                c.name.eq_ignore_ascii_case(column)
                    && c.source == ColumnSource::Computed
                    && c.expr.is_some()
            });
            let mapped_back = schema.table(&t.name).is_some_and(|st| {
                st.directives
                    .reverts
                    .iter()
                    .any(|r| r.column.eq_ignore_ascii_case(column))
            });
            set && mapped_back
        })
}
