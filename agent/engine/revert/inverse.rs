//! The inverse mapping: for every old table a revert window carries writes
//! back into, how each old column is computed from the new row, and how
//! the old row's key is found. Derived from the forward plan where it is
//! invertible (copies, renames, preserved keys, translated references);
//! where it is not, the schema says how (`-- mig:revert OLDCOL = EXPR`, an
//! expression over the new row). Old columns the new schema dropped keep
//! their old values on updated rows and take their DEFAULT on new ones.
//!
//! Expressions are SQL over the new table's row as the innermost FROM
//! (bare column names resolve to it); a reference to the row from inside a
//! subquery uses the alias [`ROW`].

use rusqlite::Connection;

use super::expr::{compile, describe, mentions, reads_only};
use crate::engine::catalog::{q, Catalog, Table};
use crate::engine::plan::{
    nullable_composite_key, old_key, ColumnSource, KeyMode, OldKey, Plan, TablePlan,
};
use crate::engine::schema::SchemaFile;

/// The alias of the new row in the statements that compute old rows.
pub const ROW: &str = "_mig_n";

/// How the old row of a new row is keyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Computed from the new row's key alone (preserved keys): one
    /// expression per old key column, reading only the new key.
    OfNewKey(Vec<String>),
    /// Kept in a revert map (new key → old key) in the old database, seeded
    /// from the forward id mapping. `natural`: the old key computed from the
    /// new row (a renumbered table whose old key is still a column); `None`:
    /// new rows get the next key of the old table's own (rowid) key space.
    Mapped { natural: Option<Vec<String>> },
}

/// Where an old column's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnValue {
    /// An expression over the new row.
    Expr(String),
    /// The new schema dropped it: the old value on updated rows, the
    /// column's DEFAULT on rows inserted after cutover.
    Keep,
}

#[derive(Debug, Clone)]
pub struct OldColumn {
    pub name: String,
    pub value: ColumnValue,
    /// How the value was found, for `plan` (copy, rename, mig:revert, translated, kept).
    pub how: &'static str,
    /// What `plan` shows as the value (`price_cents / 100.0`, `code`).
    pub shown: String,
}

impl OldColumn {
    /// Computed exactly from the new row (a copy, rename or translated
    /// reference): verified as equal to it.
    pub fn exact(&self) -> bool {
        matches!(self.how, "copy" | "rename" | "translated back")
    }
}

/// One old table's inverse.
#[derive(Debug, Clone)]
pub struct TableInverse {
    pub new_table: String,
    pub old_table: String,
    /// What the reverse log records for a row of the new table.
    pub new_key: OldKey,
    /// The old table's own key.
    pub old_key: OldKey,
    /// The old table has a rowid beside a declared key (not WITHOUT
    /// ROWID): a row deleted and inserted again is given its rowid back.
    pub keeps_rowid: bool,
    /// Old columns an index of the old table reads (every column when an
    /// index reads an expression or is partial): updated in place only
    /// where their value changes, since each costs an index seek.
    pub indexed: Vec<String>,
    pub key: KeySource,
    /// Every writable old column (the rowid alias and key columns included).
    pub columns: Vec<OldColumn>,
    /// Old tables whose column holds this table's old key (a reference the
    /// forward mapping translated): (old child table, old column).
    pub children: Vec<(String, String)>,
    /// New columns no old column is computed from (`new_only`): a revert
    /// does not carry their values back.
    pub new_only: Vec<super::new_only::NewOnlyColumn>,
    /// New columns the forward mapping computes, with their expression over
    /// the old row: verified forward (the expression over the reverted old
    /// row gives the new value), since a `mig:revert` may lose what the
    /// new value does not hold (case, precision).
    pub computed: Vec<(String, String)>,
}

impl TableInverse {
    /// The name of the revert map of a [`KeySource::Mapped`] table.
    pub fn map_table(&self) -> String {
        format!("_mig_revert_map_{}", self.old_table)
    }

    /// Names of the old key columns as written (`rowid` for a rowid key).
    pub fn old_key_columns(&self) -> Vec<String> {
        match &self.old_key {
            OldKey::Rowid { .. } => vec!["rowid".into()],
            OldKey::Columns(c) => c.iter().map(|k| k.name.clone()).collect(),
        }
    }
}

/// Whether (and why not) a table can be reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRevert {
    pub new_table: String,
    pub old_table: Option<String>,
    /// Empty: revertible.
    pub problems: Vec<String>,
    /// A problem no `mig:revert` line can fix (an old table split in two).
    pub beyond_directives: bool,
    /// What is left behind (e.g. rows of a table the old schema has no place for).
    pub notes: Vec<String>,
    /// One line per old column: `Price = price_cents / 100.0 [mig:revert]`.
    pub columns: Vec<String>,
}

impl TableRevert {
    pub fn revertible(&self) -> bool {
        self.problems.is_empty()
    }

    /// "revertible", "needs mig:revert for Price" or "not revertible: …".
    pub fn verdict(&self) -> String {
        match self.problems.as_slice() {
            [] => "revertible".into(),
            p => p.join("; "),
        }
    }
}

/// The inverse of a plan.
#[derive(Debug, Clone, Default)]
pub struct Inverse {
    /// In the forward copy order (parents first).
    pub tables: Vec<TableInverse>,
    pub report: Vec<TableRevert>,
    /// Reverse log key columns.
    pub key_width: usize,
}

impl Inverse {
    pub fn revertible(&self) -> bool {
        self.report.iter().all(TableRevert::revertible)
    }

    /// What to do about the problems: `mig:revert` lines fix some; a
    /// table split in two has no way back through a window.
    pub fn fix(&self) -> &'static str {
        if self.report.iter().any(|r| r.beyond_directives) {
            "mig cannot carry writes back through this change, so cut over without --revert-window (a backup of the old database taken before cutover is then the way back)"
        } else {
            "add the `-- mig:revert` lines `mig plan` names, or cut over without --revert-window"
        }
    }

    /// Every reason the window cannot open, one line each.
    pub fn problems(&self) -> Vec<String> {
        self.report
            .iter()
            .flat_map(|r| {
                r.problems
                    .iter()
                    .map(move |p| format!("table {}: {p}", r.new_table))
            })
            .collect()
    }

    pub fn table(&self, new_table: &str) -> Option<&TableInverse> {
        self.tables
            .iter()
            .find(|t| t.new_table.eq_ignore_ascii_case(new_table))
    }
}

/// Builds the inverse of `plan`. `conn` holds the new schema as `main`
/// (for compiling `mig:revert` expressions).
pub fn build(
    conn: &Connection,
    plan: &Plan,
    schema: &SchemaFile,
    old: &Catalog,
    new: &Catalog,
) -> Inverse {
    let mut inv = Inverse::default();
    for t in &plan.tables {
        let Some(nt) = new.table(&t.name) else {
            continue;
        };
        let mut report = TableRevert {
            new_table: t.name.clone(),
            old_table: t.source.clone(),
            problems: Vec::new(),
            beyond_directives: false,
            notes: Vec::new(),
            columns: Vec::new(),
        };
        let Some(ot) = t.source.as_deref().and_then(|s| old.table(s)) else {
            report.notes.push(format!(
                "new table {}: rows written after cutover stay in the new database (the old schema has no place for them)",
                t.name
            ));
            inv.report.push(report);
            continue;
        };
        let fed: Vec<&str> = plan.fed_by(&ot.name).map(|f| f.name.as_str()).collect();
        if fed.len() > 1 {
            report.beyond_directives = true;
            report.problems.push(format!(
                "not revertible: old table {} feeds several new tables ({}); mig cannot merge them back",
                ot.name,
                fed.join(", ")
            ));
            inv.report.push(report);
            continue;
        }
        let reverts = schema
            .table(&t.name)
            .map(|s| s.directives.reverts.clone())
            .unwrap_or_default();
        let b = TableBuilder {
            conn,
            plan,
            t,
            ot,
            nt,
            reverts: &reverts,
        };
        if let Some(ti) = b.build(&mut report) {
            inv.tables.push(ti);
        }
        inv.report.push(report);
    }
    link_children(&mut inv, plan);
    inv.key_width = inv
        .tables
        .iter()
        .map(|t| t.new_key.width())
        .max()
        .unwrap_or(1)
        .max(1);
    inv
}

/// Old child columns holding a key of each mapped parent.
fn link_children(inv: &mut Inverse, plan: &Plan) {
    let mut links = Vec::new();
    for t in &plan.tables {
        let Some(src) = &t.source else { continue };
        for c in &t.columns {
            let (Some(tr), Some(old_col)) =
                (&c.translate, c.source.old_column().map(|o| o.name.clone()))
            else {
                continue;
            };
            links.push((tr.parent.clone(), src.clone(), old_col));
        }
    }
    for (parent, child, col) in links {
        if let Some(p) = inv
            .tables
            .iter_mut()
            .find(|p| p.new_table.eq_ignore_ascii_case(&parent))
        {
            p.children.push((child, col));
        }
    }
}

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

struct TableBuilder<'a> {
    conn: &'a Connection,
    plan: &'a Plan,
    t: &'a TablePlan,
    ot: &'a Table,
    nt: &'a Table,
    reverts: &'a [crate::engine::schema::SetDirective],
}

impl TableBuilder<'_> {
    fn build(&self, report: &mut TableRevert) -> Option<TableInverse> {
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
        let new_only = super::new_only::find(self.t, self.nt, &columns);
        report.notes.extend(
            new_only
                .iter()
                .map(|c| super::new_only::note(c, &self.ot.name)),
        );
        Some(TableInverse {
            new_only,
            new_table: self.t.name.clone(),
            old_table: self.ot.name.clone(),
            new_key,
            keeps_rowid: !self.ot.without_rowid && matches!(old_k, OldKey::Columns(_)),
            indexed: indexed(self.ot),
            old_key: old_k,
            key,
            columns,
            children: Vec::new(),
            computed: self
                .t
                .columns
                .iter()
                .filter(|c| c.source == ColumnSource::Computed && c.translate.is_none())
                .filter_map(|c| Some((c.name.clone(), c.expr.clone()?)))
                .collect(),
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
        let mapped = format!("(SELECT m.o0 FROM main.{map} AS m WHERE m.n0 = {outer})");
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
            OldKey::Rowid { alias: None } => (self.t.key_mode == KeyMode::Preserved
                && self.t.rowid_expr.as_deref() == Some("rowid"))
            .then(|| vec![format!("{ROW}.rowid")]),
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
