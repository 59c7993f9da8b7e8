//! Columns only the new schema has (filled at the copy with their DEFAULT,
//! NULL or a `mig:set` that reads no old column, such as `time_ms = 0`;
//! then written by the new service) that no old column is computed from:
//! a revert cannot carry their values back, since the old table has no
//! place for them. `plan` names them; `revert` counts the values other
//! than the column's fill and refuses to drop any unless told to
//! (`--drop-new-columns`).

use rusqlite::Connection;

use super::expr::mentions;
use super::inverse::{ColumnValue, Inverse, OldColumn};
use crate::engine::catalog::{q, Table};
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::plan::{ColumnPlan, ColumnSource, TablePlan};

/// A new-only column and what the copy filled it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOnlyColumn {
    pub name: String,
    pub fill: Fill,
    /// The old table has a column of that name too, whose value a revert
    /// takes from its `mig:revert` (Alembic's `version_num`), not from it.
    pub in_old: bool,
}

/// What the copy wrote into a new-only column: the value a revert drops
/// without asking, since the old row held nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fill {
    /// Its DEFAULT (SQL text; `None`: NULL).
    Default(Option<String>),
    /// A `mig:set` expression that reads no old column (`0`).
    Set(String),
}

impl Fill {
    /// The fill as an SQL expression.
    fn sql(&self) -> &str {
        match self {
            Fill::Default(d) => d.as_deref().unwrap_or("NULL"),
            Fill::Set(e) => e,
        }
    }

    /// `its DEFAULT`, `0, its mig:set value`.
    fn shown(&self) -> String {
        match self {
            Fill::Default(_) => "its DEFAULT".into(),
            Fill::Set(e) => format!("{e}, its mig:set value"),
        }
    }
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
    /// Rows whose value is not the column's fill.
    pub values: u64,
    /// What they differ from, as [`describe`] shows it (`its DEFAULT`).
    pub other_than: String,
}

/// The columns of new table `nt` (planned as `t` from old table `ot`)
/// whose values no old column is computed from: filled with a DEFAULT,
/// NULL or an expression reading no old column (see [`fill`]), and read by
/// no inverse expression.
pub(super) fn find(
    t: &TablePlan,
    ot: &Table,
    nt: &Table,
    columns: &[OldColumn],
) -> Vec<NewOnlyColumn> {
    t.columns
        .iter()
        .filter(|c| {
            !columns.iter().any(|o| match &o.value {
                ColumnValue::Expr(e) => mentions(e, &c.name),
                ColumnValue::Keep => false,
            })
        })
        .filter_map(|c| {
            Some(NewOnlyColumn {
                name: c.name.clone(),
                fill: fill(c, ot, nt)?,
                in_old: ot.column(&c.name).is_some(),
            })
        })
        .collect()
}

/// What the copy fills new column `c` with when no old value reaches it:
/// its DEFAULT or NULL, or a `mig:set` that names no column of the old
/// row (nor its rowid) and translates no reference. `None`: the value
/// comes from the old row.
pub(super) fn fill(c: &ColumnPlan, ot: &Table, nt: &Table) -> Option<Fill> {
    match c.source {
        ColumnSource::Default | ColumnSource::Null => Some(Fill::Default(
            nt.column(&c.name).and_then(|n| n.default.clone()),
        )),
        ColumnSource::Computed if c.translate.is_none() => {
            let e = c.expr.as_deref()?;
            let reads_old = ["rowid", "oid", "_rowid_"]
                .into_iter()
                .chain(ot.columns.iter().map(|o| o.name.as_str()))
                .any(|o| mentions(e, o));
            (!reads_old).then(|| Fill::Set(c.finish(e.to_string())))
        }
        _ => None,
    }
}

/// What `plan` says of a new-only column.
pub(super) fn note(column: &NewOnlyColumn, old_table: &str) -> String {
    let what = if column.in_old {
        // Both tables have it: the copy sets it, mig:revert (or the old
        // column's DEFAULT) sets it back; the new side's own values stay.
        format!(
            "column {} is set at the copy and set again on the way back (old table {old_table} takes its value from mig:revert, not from the new row), so values written to it after cutover are not carried back",
            column.name
        )
    } else {
        format!(
            "new column {} is not carried back by a revert (old table {old_table} has no place for it)",
            column.name
        )
    };
    format!(
        "{what}: `mig revert` refuses while it holds values other than {}, unless --drop-new-columns (they stay in the new database only)",
        column.fill.shown()
    )
}

/// The values each new-only column holds other than its fill, counted
/// in `conn`'s `schema` (the new database); columns with none left out.
pub fn count(conn: &Connection, schema: &str, inv: &Inverse) -> Result<Vec<DroppedValues>> {
    let mut out = Vec::new();
    for t in &inv.tables {
        for c in &t.new_only {
            // The fill over the new row: a `mig:set` reads no old column.
            let sql = format!(
                "SELECT count(*) FROM {}.{} WHERE {} IS NOT ({})",
                q(schema),
                q(&t.new_table),
                q(&c.name),
                c.fill.sql()
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
                    other_than: c.fill.shown(),
                });
            }
        }
    }
    Ok(out)
}

/// `table.column (N values)`, for the refusal and the summary.
pub fn describe(d: &DroppedValues) -> String {
    format!(
        "{}.{} ({} value(s) other than {})",
        d.table, d.column, d.values, d.other_than
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
