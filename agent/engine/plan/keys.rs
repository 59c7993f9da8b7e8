//! Keys: how the old database identifies a row (what the triggers log),
//! whether a new table keeps its old keys or is renumbered, and which child
//! columns hold keys of a renumbered parent.

use std::collections::HashMap;

use super::{Builder, ColumnPlan, KeyColumn, KeyMode, OldKey, Plan, Reads};
use crate::engine::catalog::{q, Catalog, Table};
use crate::engine::error::{Result, SqlContext};
use crate::engine::schema::{SchemaFile, Statement};

/// A table's own key: its declared primary key, else the rowid.
///
/// A declared primary key is preferred over the rowid (except an INTEGER
/// PRIMARY KEY, which *is* the rowid): it is what foreign keys reference,
/// and it survives VACUUM. What a migration tracks an old table by is the
/// plan's [`super::Plan::tracking_key`], which may be the rowid instead.
pub fn old_key(table: &Table) -> OldKey {
    if table.without_rowid || (!table.pk.is_empty() && table.rowid_alias.is_none()) {
        old_key_columns(table)
    } else {
        OldKey::Rowid {
            alias: table.rowid_alias.clone(),
        }
    }
}

/// The declared primary key's columns, in index order.
pub(super) fn old_key_columns(table: &Table) -> OldKey {
    let cols = match table.pk_index() {
        Some(idx) => idx
            .columns
            .iter()
            .map(|c| {
                let name = c.name.clone().unwrap_or_default();
                KeyColumn {
                    affinity: table.affinity(&name),
                    name,
                    desc: c.desc,
                    collation: c.collation.clone(),
                }
            })
            .collect(),
        None => table
            .pk
            .iter()
            .map(|n| KeyColumn {
                name: n.clone(),
                desc: false,
                collation: "BINARY".into(),
                affinity: table.affinity(n),
            })
            .collect(),
    };
    OldKey::Columns(cols)
}

/// Whether a rowid table's declared composite primary key has a column
/// without NOT NULL (PROJ's `usage`: every row's key is NULL). SQLite lets
/// such a key hold NULLs, which no log entry, key range or replay could
/// name, while the rowid is never NULL: the plan tracks the table by its
/// rowid unless a new WITHOUT ROWID table needs the declared key
/// ([`rowid_tracked`]). Renumbered, such a table's id mapping is keyed by
/// the rowid, so a reference naming its composite key is refused
/// (`references.rs`) rather than translated wrong; a single-column key stays the
/// tracking key (references to it are translated by its value), and its
/// NULL rows are refused by the plan. Decided from the two schemas alone,
/// so every plan and the triggers agree.
pub fn nullable_composite_key(table: &Table) -> bool {
    !table.without_rowid
        && table.rowid_alias.is_none()
        && table.pk.len() > 1
        && table
            .pk
            .iter()
            .any(|k| table.column(k).is_none_or(|c| !c.notnull))
}

/// The old tables of `old` tracked by their rowid though they declare a
/// key: [`nullable_composite_key`], and no WITHOUT ROWID table of the new
/// schema takes their rows (it has no rowid to carry the rowid over).
pub(super) fn rowid_tracked(old: &Catalog, target: &Catalog, schema: &SchemaFile) -> Vec<String> {
    let fed_without_rowid = |o: &Table| {
        target.tables.iter().any(|t| {
            let from = schema
                .table(&t.name)
                .and_then(|s| s.directives.from.as_ref().map(|(f, _)| f.clone()))
                .unwrap_or_else(|| t.name.clone());
            t.without_rowid && from.eq_ignore_ascii_case(&o.name)
        })
    };
    old.tables
        .iter()
        .filter(|o| nullable_composite_key(o) && !fed_without_rowid(o))
        .map(|o| o.name.clone())
        .collect()
}

impl Plan {
    /// What the triggers log for old table `t`: its own key, or its rowid
    /// where the plan tracks it by rowid.
    pub fn tracking_key(&self, t: &Table) -> OldKey {
        if self
            .rowid_tracked
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&t.name))
        {
            OldKey::Rowid { alias: None }
        } else {
            old_key(t)
        }
    }
}

/// Whether `key`, the tracking key of `o`, is its rowid though `o` declares
/// a primary key.
pub(super) fn rowid_instead_of(o: &Table, key: &OldKey) -> bool {
    !o.pk.is_empty() && matches!(key, OldKey::Rowid { alias: None })
}

impl Builder<'_> {
    /// What old table `o` is tracked by in this migration.
    pub(super) fn tracking_key(&self, o: &Table) -> OldKey {
        if self
            .rowid_tracked
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&o.name))
        {
            OldKey::Rowid { alias: None }
        } else {
            old_key(o)
        }
    }

    /// Decides whether new keys are computed from old keys alone.
    pub(super) fn key_mode(
        &mut self,
        t: &Table,
        source: Option<&Table>,
        old_key: Option<&OldKey>,
        columns: &[ColumnPlan],
        col_reads: &HashMap<String, Reads>,
        stmt: &Statement,
    ) -> (KeyMode, Vec<(String, String)>, Option<String>) {
        let (Some(o), Some(key)) = (source, old_key) else {
            return (KeyMode::NewEmpty, Vec::new(), None);
        };
        let readable: Vec<String> = key
            .readable_names()
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let old_name = o.name.to_ascii_lowercase();
        let key_only = |r: &Reads| {
            !r.is_empty()
                && r.iter()
                    .all(|(tbl, col)| *tbl == old_name && readable.contains(col))
        };
        // A rowid-tracked composite key feeding a rowid table: the rowid
        // carries over and identifies the new row (its declared key can be NULL).
        let keep_rowid = rowid_instead_of(o, key) && !t.without_rowid && t.rowid_alias.is_none();
        let new_key_cols: Vec<String> = if t.pk.is_empty() || keep_rowid {
            vec!["rowid".into()]
        } else {
            t.pk.clone()
        };
        let mut new_key = Vec::new();
        let mut preserved = true;
        let mut rowid_expr = None;
        for k in &new_key_cols {
            if k == "rowid" {
                // No declared key: the rowid carries over when the old key is a rowid.
                if matches!(key, OldKey::Rowid { .. }) {
                    rowid_expr = Some("rowid".to_string());
                    new_key.push((k.clone(), "rowid".to_string()));
                } else {
                    preserved = false;
                }
                continue;
            }
            let plan = columns.iter().find(|c| c.name.eq_ignore_ascii_case(k));
            match (
                plan.and_then(|c| c.expr.clone()),
                col_reads.get(&k.to_ascii_lowercase()),
            ) {
                (Some(e), Some(r)) if key_only(r) => new_key.push((k.clone(), e)),
                _ => preserved = false,
            }
        }
        if preserved {
            return (KeyMode::Preserved, new_key, rowid_expr);
        }
        if t.without_rowid {
            self.blockers
                .push(without_rowid_message(&self.at(stmt.line), t, o));
            return (KeyMode::Refused, Vec::new(), None);
        }
        (
            KeyMode::Renumbered,
            vec![("rowid".into(), String::new())],
            None,
        )
    }

    /// SQLite lets a rowid table's non-INTEGER primary key hold NULLs
    /// (several, even). Such a row has no key mig can log, copy by range or
    /// replay, so the plan refuses until those rows are fixed.
    pub(super) fn null_keys(&mut self, o: &Table, key: &OldKey) -> Result<()> {
        let OldKey::Columns(cols) = key else {
            return Ok(());
        };
        if o.without_rowid || !self.count {
            return Ok(());
        }
        let n: i64 = self
            .conn
            .query_row(&null_key_count_sql("old", &o.name, cols), [], |r| r.get(0))
            .ctx(|| format!("looking for NULL keys in {}", o.name))?;
        if n > 0 {
            self.blockers
                .push(null_key_message(&o.name, cols, n as u64));
        }
        Ok(())
    }
}

/// Why a WITHOUT ROWID table keyed on anything but the old key is refused,
/// and the two ways out.
///
/// A replayed delete knows only the old key of the row that went; a new key
/// taken from other old columns (a natural key such as `code`) cannot be
/// computed from it, and a WITHOUT ROWID table has no rowid for the id
/// mapping to point at. A rowid table keyed on the same columns has one.
fn without_rowid_message(at: &str, t: &Table, o: &Table) -> String {
    format!(
        "{at}: WITHOUT ROWID table {t} takes its primary key ({}) from columns that are not the old primary key of {o}: a replayed delete knows only the old key, and a WITHOUT ROWID table has no rowid to renumber; set the key columns from the old key with mig:set, or declare {t} as a rowid table with the same PRIMARY KEY (mig renumbers its rowid and translates references through the id mapping) and rebuild it WITHOUT ROWID after cutover",
        t.pk.join(", "),
        t = t.name,
        o = o.name
    )
}

/// `SELECT count(*)` of the rows of `schema.table` with a NULL key column.
pub(crate) fn null_key_count_sql(schema: &str, table: &str, cols: &[KeyColumn]) -> String {
    let any_null: Vec<String> = cols
        .iter()
        .map(|c| format!("{} IS NULL", q(&c.name)))
        .collect();
    format!(
        "SELECT count(*) FROM {schema}.{} WHERE {}",
        q(table),
        any_null.join(" OR ")
    )
}

/// What to tell the operator about rows whose primary key is NULL.
pub(crate) fn null_key_message(table: &str, cols: &[KeyColumn], rows: u64) -> String {
    let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
    format!(
        "old table {table} has {rows} row(s) whose PRIMARY KEY ({}) is NULL (SQLite allows it for non-INTEGER keys); mig identifies rows by their key: give those rows a key or delete them (`SELECT rowid, * FROM {} WHERE {} IS NULL`), then run the command again",
        names.join(", "),
        q(table),
        q(&names[0])
    )
}
