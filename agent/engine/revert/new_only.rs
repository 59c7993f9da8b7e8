//! Columns only the new schema has (filled with their DEFAULT or NULL at
//! the copy, then written by the new service) that no old column is
//! computed from: a revert cannot carry their values back, since the old
//! table has no place for them. `plan` names them; `revert` counts the
//! values other than the column's DEFAULT and refuses to drop any unless
//! told to (`--drop-new-columns`).

use rusqlite::Connection;

use super::expr::mentions;
use super::inverse::{ColumnValue, Inverse, OldColumn};
use crate::engine::catalog::{q, Table};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::plan::{ColumnSource, TablePlan};

/// A new-only column and its DEFAULT (SQL text; `None`: NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOnlyColumn {
    pub name: String,
    pub default: Option<String>,
}

/// What `revert` does with values of new-only columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NewColumns {
    /// Refuse while any holds a value other than its DEFAULT (nothing changes).
    #[default]
    Refuse,
    /// Revert without them (`--drop-new-columns`): they stay in the new
    /// database only.
    Drop,
}

/// Values of one new-only column a revert does not carry back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedValues {
    pub table: String,
    pub column: String,
    /// Rows whose value is not the column's DEFAULT.
    pub values: u64,
}

/// The columns of new table `nt` (planned as `t`) whose values no old
/// column is computed from: filled with a DEFAULT or NULL by the copy, and
/// read by no inverse expression.
pub(super) fn find(t: &TablePlan, nt: &Table, columns: &[OldColumn]) -> Vec<NewOnlyColumn> {
    t.columns
        .iter()
        .filter(|c| matches!(c.source, ColumnSource::Default | ColumnSource::Null))
        .filter(|c| {
            !columns.iter().any(|o| match &o.value {
                ColumnValue::Expr(e) => mentions(e, &c.name),
                ColumnValue::Keep => false,
            })
        })
        .map(|c| NewOnlyColumn {
            name: c.name.clone(),
            default: nt.column(&c.name).and_then(|n| n.default.clone()),
        })
        .collect()
}

/// What `plan` says of a new-only column.
pub(super) fn note(column: &NewOnlyColumn, old_table: &str) -> String {
    format!(
        "new column {} is not carried back by a revert (old table {old_table} has no place for it): `mig revert` refuses while it holds values other than its DEFAULT, unless --drop-new-columns (they stay in the new database only)",
        column.name
    )
}

/// The values each new-only column holds other than its DEFAULT, counted
/// in `conn`'s `schema` (the new database); columns with none left out.
pub fn count(conn: &Connection, schema: &str, inv: &Inverse) -> Result<Vec<DroppedValues>> {
    let mut out = Vec::new();
    for t in &inv.tables {
        for c in &t.new_only {
            let default = c.default.as_deref().unwrap_or("NULL");
            let sql = format!(
                "SELECT count(*) FROM {}.{} WHERE {} IS NOT ({default})",
                q(schema),
                q(&t.new_table),
                q(&c.name)
            );
            let values: i64 = conn.query_row(&sql, [], |r| r.get(0)).ctx(|| {
                format!(
                    "counting the values of new column {}.{}",
                    t.new_table, c.name
                )
            })?;
            if values > 0 {
                out.push(DroppedValues {
                    table: t.new_table.clone(),
                    column: c.name.clone(),
                    values: values as u64,
                });
            }
        }
    }
    Ok(out)
}

/// `table.column (N values)`, for the refusal and the summary.
pub fn describe(d: &DroppedValues) -> String {
    format!(
        "{}.{} ({} value(s) other than its DEFAULT)",
        d.table, d.column, d.values
    )
}

/// The refusal naming every new-only column that holds values.
pub fn refusal(dropped: &[DroppedValues], new_path: &str) -> EngineError {
    let total: u64 = dropped.iter().map(|d| d.values).sum();
    let shown: Vec<String> = dropped.iter().map(describe).collect();
    EngineError::Precondition(format!(
        "revert refused: it would drop {total} value(s) of new columns the old schema has no place for: {}; nothing was changed: copy them out of {new_path} first if they matter (they stay there after a revert, until `mig reset` deletes it), then pass --drop-new-columns to revert without them",
        shown.join(", ")
    ))
}
