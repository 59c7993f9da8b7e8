//! One old table's inverse, built from its forward plan: each old column
//! from a `mig:revert` line, a copy or rename, a translated reference, or
//! kept (dropped by the new schema); the old key's source; the new-only
//! columns and the computed ones revert verifies forward. Problems (what
//! the schema must still say) go into the table's report.

use rusqlite::Connection;

use super::expr::{compile, describe, mentions, reads_only};
use super::inverse::{ColumnValue, KeySource, OldColumn, TableInverse, TableRevert, ROW};
use crate::engine::catalog::{q, Table};
use crate::engine::plan::{
    nullable_composite_key, old_key, ColumnSource, KeyMode, OldKey, Plan, TablePlan,
};

/// The columns the indexes of `t` read; all of them when one reads an
/// expression or has a WHERE clause.
fn indexed(t: &Table) -> Vec<String> {
    let opaque = t
        .indexes
        .iter()
        .any(|i| i.partial || i.columns.iter().any(|c| c.name.is_none()));
    if opaque {
        return t.columns.iter().map(|c| c.name.clone()).collect();
    }
    let mut names: Vec<String> = t
        .indexes
        .iter()
        .flat_map(|i| i.columns.iter().filter_map(|c| c.name.clone()))
        .collect();
    names.sort();
    names.dedup();
    names
}

pub(super) struct TableBuilder<'a> {
    pub(super) conn: &'a Connection,
    pub(super) plan: &'a Plan,
    pub(super) t: &'a TablePlan,
    pub(super) ot: &'a Table,
    pub(super) nt: &'a Table,
    pub(super) reverts: &'a [crate::engine::schema::SetDirective],
}

impl TableBuilder<'_> {
    pub(super) fn build(&self, report: &mut TableRevert) -> Option<TableInverse> {
        // An old table tracked by its rowid (its composite key can be NULL)
        // keeps that rowid in the new table: carried back by it too, when
        // the new key can be NULL as well. Otherwise the declared keys.
        let old_k = self.plan.tracking_key(self.ot);
        let by_rowid = matches!(old_k, OldKey::Rowid { alias: None }) && !self.ot.pk.is_empty();
        let new_key = if by_rowid && nullable_composite_key(self.nt) {
            OldKey::Rowid { alias: None }
        } else {
            old_key(self.nt)
        };
        for r in self.reverts {
            if self.ot.column(&r.column).is_none() {
                report.problems.push(format!(
                    "mig:revert {} (line {}): old table {} has no column {}",
                    r.column, r.line, self.ot.name, r.column
                ));
            }
        }
        let mut columns = Vec::new();
        let mut needs = Vec::new();
        for oc in self.ot.columns.iter().filter(|c| !c.generated) {
            match self.column(&oc.name, report) {
                Some(c) => {
                    report.columns.push(describe(&c));
                    columns.push(c);
                }
                None => needs.push(oc.name.clone()),
            }
        }
        if let Some(p) = self.rowid_lost(&old_k) {
            report.beyond_directives = true;
            report.problems.push(p);
        }
        let key = self.key(&old_k, &new_key, &columns, &mut needs);
        for n in &needs {
            if let Some(c) = columns.iter().position(|c| c.name.eq_ignore_ascii_case(n)) {
                columns.remove(c);
            }
        }
        if !needs.is_empty() {
            needs.dedup();
            report.problems.insert(
                0,
                format!(
                    "needs mig:revert for {} (the new schema does not keep {} as a copy)",
                    needs.join(", "),
                    if needs.len() == 1 { "it" } else { "them" }
                ),
            );
        }
        let key = key?;
        if !report.problems.is_empty() {
            return None;
        }
        let new_only = super::new_only::find(self.t, self.ot, self.nt, &columns);
        report.notes.extend(
            new_only
                .iter()
                .map(|c| super::new_only::note(c, &self.ot.name)),
        );
        let computed = self
            .t
            .columns
            .iter()
            .filter(|c| c.source == ColumnSource::Computed && c.translate.is_none())
            .filter(|c| !new_only.iter().any(|n| n.name == c.name))
            .filter_map(|c| Some((c.name.clone(), c.expr.clone()?)))
            .collect();
        Some(TableInverse {
            new_only,
            computed,
            new_table: self.t.name.clone(),
            old_table: self.ot.name.clone(),
            new_key,
            keeps_rowid: !self.ot.without_rowid && matches!(old_k, OldKey::Columns(_)),
            indexed: indexed(self.ot),
            old_key: old_k,
            key,
            columns,
            children: Vec::new(),
        })
    }

    /// Old column `name`: a `mig:revert`, a copy or rename, or kept; `None`
    /// when it is read by a computed column (its value would be lost).
    fn column(&self, name: &str, report: &mut TableRevert) -> Option<OldColumn> {
        if let Some(r) = self
            .reverts
            .iter()
            .find(|r| r.column.eq_ignore_ascii_case(name))
        {
            if let Err(m) = compile(self.conn, &self.t.name, &r.expr) {
                report.problems.push(format!(
                    "mig:revert {} = {} (line {}): {m}",
                    r.column, r.expr, r.line
                ));
            }
            return Some(OldColumn {
                name: name.to_string(),
                value: ColumnValue::Expr(format!("({})", r.expr)),
                how: "mig:revert",
                shown: r.expr.clone(),
            });
        }
        let copy = self.t.columns.iter().find(|c| {
            c.source
                .old_column()
                .is_some_and(|o| o.name.eq_ignore_ascii_case(name))
        });
        if let Some(c) = copy {
            return Some(match c.translate.as_ref().map(|tr| &tr.parent) {
                Some(parent) => OldColumn {
                    name: name.to_string(),
                    value: ColumnValue::Expr(self.translated(parent, &c.name)),
                    how: "translated back",
                    shown: format!("the old key of the {parent} row {}", c.name),
                },
                None => OldColumn {
                    name: name.to_string(),
                    value: ColumnValue::Expr(format!("{ROW}.{}", q(&c.name))),
                    how: if matches!(c.source, ColumnSource::Copy(_)) {
                        "copy"
                    } else {
                        "rename"
                    },
                    shown: c.name.clone(),
                },
            });
        }
        let read_by_computed = self.t.columns.iter().any(|c| {
            c.source == ColumnSource::Computed
                && c.expr.as_deref().is_some_and(|e| mentions(e, name))
        });
        if read_by_computed {
            return None;
        }
        Some(OldColumn {
            name: name.to_string(),
            value: ColumnValue::Keep,
            how: "kept (dropped by the new schema)",
            shown: String::new(),
        })
    }

    /// The old key of renumbered `parent` (new name) whose new key is the
    /// row's column `col`: the one the old database's parent row has (its
    /// revert map), so a child names the old row that is there even when
    /// the parent's own write was refused and discarded; else (a parent
    /// the old database never had, e.g. inserted in the window and
    /// refused) the parent's old key as a column of its new row.
    fn translated(&self, parent: &str, col: &str) -> String {
        let outer = format!("{ROW}.{}", q(col));
        let Some(p) = self.plan.table(parent) else {
            return "NULL".into();
        };
        let Some(psrc) = &p.source else {
            return "NULL".into();
        };
        let map = q(&format!("_mig_revert_map_{psrc}"));
        let mapped = format!("(SELECT m.o0 FROM main.{map} AS m WHERE m.n0 = +({outer}))");
        // The parent's old key as a column of its new row, when it is one.
        let natural = p.columns.iter().find_map(|c| {
            let old = c.source.old_column()?.name.clone();
            let key = p.old_key.as_ref()?;
            let is_key = match key {
                OldKey::Columns(cols) => cols.len() == 1 && cols[0].name.eq_ignore_ascii_case(&old),
                OldKey::Rowid { alias } => alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&old)),
            };
            (is_key && c.translate.is_none()).then(|| c.name.clone())
        });
        match natural {
            Some(pc) => format!(
                "coalesce({mapped}, (SELECT _mig_p.{} FROM new.{} AS _mig_p WHERE _mig_p.rowid = {outer}))",
                q(&pc),
                q(&p.name)
            ),
            None => mapped,
        }
    }

    /// A preserved table whose old key is a bare rowid: the new key that
    /// carries it unchanged, over the new row — the new rowid (no declared
    /// key), or the one key column the forward mapping sets to the old
    /// rowid (`mig:set id = rowid`). Without it the old row of a new key
    /// cannot be found: a revert map is seeded only for renumbered tables,
    /// so an empty one gave every touched row a fresh old rowid and left
    /// the rows it replaced (and those the new service deleted) in place.
    fn rowid_of_new_key(&self) -> Option<String> {
        if self.t.key_mode != KeyMode::Preserved {
            return None;
        }
        if self.t.rowid_expr.as_deref() == Some("rowid") {
            return Some(format!("{ROW}.rowid"));
        }
        match self.t.new_key.as_slice() {
            [(col, expr)] if self.is_old_rowid(expr) => Some(format!("{ROW}.{}", q(col))),
            _ => None,
        }
    }

    /// A preserved table whose old key is a bare rowid and whose new key
    /// is computed from it other than unchanged (`mig:set id = rowid +
    /// 1000`): no revert map is seeded for it and no `mig:revert` names a
    /// rowid, so the old row of a new key cannot be found.
    fn rowid_lost(&self, old_k: &OldKey) -> Option<String> {
        if !matches!(old_k, OldKey::Rowid { alias: None })
            || self.t.key_mode != KeyMode::Preserved
            || self.rowid_of_new_key().is_some()
        {
            return None;
        }
        let shown: Vec<String> = self
            .t
            .new_key
            .iter()
            .map(|(c, e)| format!("{c} = {e}"))
            .collect();
        Some(format!(
            "not revertible: the new key ({}) is computed from old table {}'s rowid, and mig cannot compute that rowid back from it; keep it as the key unchanged (`-- mig:set id = rowid`)",
            shown.join(", "),
            self.ot.name
        ))
    }

    /// `expr` is the old row's rowid itself (`rowid`, `oid`, `_rowid_`,
    /// bracketed or not, not a column of that name).
    fn is_old_rowid(&self, expr: &str) -> bool {
        let mut e = expr.trim();
        while let Some(inner) = e.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            e = inner.trim();
        }
        ["rowid", "oid", "_rowid_"]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(e))
            && self.ot.column(e).is_none()
    }

    /// How the old key is found; `None` (with `needs` extended) when it
    /// cannot be.
    fn key(
        &self,
        old_k: &OldKey,
        new_key: &OldKey,
        columns: &[OldColumn],
        needs: &mut Vec<String>,
    ) -> Option<KeySource> {
        let names: Vec<String> = match old_k {
            OldKey::Rowid { alias } => alias.iter().cloned().collect(),
            OldKey::Columns(c) => c.iter().map(|k| k.name.clone()).collect(),
        };
        let exprs: Option<Vec<String>> = match old_k {
            OldKey::Rowid { alias: None } => self.rowid_of_new_key().map(|e| vec![e]),
            _ => names
                .iter()
                .map(|n| {
                    columns
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case(n))
                        .and_then(|c| match &c.value {
                            ColumnValue::Expr(e) => Some(e.clone()),
                            ColumnValue::Keep => None,
                        })
                })
                .collect(),
        };
        let key_only = exprs
            .as_ref()
            .is_some_and(|ex| ex.iter().all(|e| reads_only(e, new_key)));
        match (self.t.key_mode, exprs) {
            (KeyMode::Preserved, Some(ex)) if key_only => Some(KeySource::OfNewKey(ex)),
            (_, Some(ex)) if new_key.width() == 1 || matches!(new_key, OldKey::Columns(_)) => {
                Some(KeySource::Mapped { natural: Some(ex) })
            }
            (_, None) if matches!(old_k, OldKey::Rowid { .. }) => {
                Some(KeySource::Mapped { natural: None })
            }
            _ => {
                needs.extend(names);
                None
            }
        }
    }
}
