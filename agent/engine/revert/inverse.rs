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
//!
//! This file holds the types and the walk over the plan's tables; how one
//! table's inverse is built is `builder.rs`.

use rusqlite::Connection;

use super::builder::TableBuilder;
use crate::engine::catalog::Catalog;
use crate::engine::plan::{OldKey, Plan};
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
            "add the `-- mig:revert` lines `mig plan` names to the schema file and migrate again (`mig reset` first: a migration keeps the schema it started with), or cut over without --revert-window"
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
