//! The migration plan: for every new table, where its rows come from, how
//! each column is computed, whether keys survive or are renumbered, and in
//! what order tables are copied. Built from the target schema reflected in a
//! scratch database with the old database attached read-only; writes nothing.
//!
//! Which old columns an expression reads is learned from SQLite's authorizer
//! while the expression is compiled, never by parsing it ourselves.

pub mod assess;
mod build;
mod catalogs;
pub(crate) mod checks;
pub mod deps;
pub mod estimate;
pub(crate) mod expr_text;
mod fixed;
mod keys;
mod mapped;
pub mod precheck;
pub mod quoted;
mod references;
mod replaced;
pub mod risk;
pub mod same;
pub mod sample;
mod table;
pub mod values;

use std::collections::BTreeSet;

use super::catalog::{q, Affinity};
use super::owners::{LeftToOwner, OwnedTable};

pub(crate) use build::partial_schema;
pub use build::{build, build_leaving, Depth};
use build::{Builder, Reads};
pub use catalogs::Catalogs;
pub(crate) use keys::{null_key_count_sql, null_key_message};
pub use keys::{nullable_composite_key, old_key};

/// How the old database identifies a row: what the triggers log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OldKey {
    /// A rowid table: the rowid (possibly aliased by an INTEGER PRIMARY KEY).
    Rowid { alias: Option<String> },
    /// A WITHOUT ROWID table: its primary key columns, in index order.
    Columns(Vec<KeyColumn>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyColumn {
    pub name: String,
    pub desc: bool,
    pub collation: String,
    /// How the old column converts values: `_id_mapping` stores this key
    /// column with the same affinity, so a reference compares as SQLite's
    /// own foreign keys would.
    pub affinity: Affinity,
}

impl OldKey {
    pub fn width(&self) -> usize {
        match self {
            OldKey::Rowid { .. } => 1,
            OldKey::Columns(c) => c.len(),
        }
    }

    /// SQL expressions naming the key on the old table (qualified by `alias`).
    pub fn exprs(&self, alias: &str) -> Vec<String> {
        match self {
            OldKey::Rowid { .. } => vec![format!("{alias}.rowid")],
            OldKey::Columns(cols) => cols
                .iter()
                .map(|c| format!("{alias}.{}", q(&c.name)))
                .collect(),
        }
    }

    /// The collation each key column compares with (BINARY for the rowid):
    /// `_id_mapping` lookups must match keys the way the old table does.
    pub fn collations(&self) -> Vec<String> {
        match self {
            OldKey::Rowid { .. } => vec!["BINARY".to_string()],
            OldKey::Columns(cols) => cols.iter().map(|c| c.collation.clone()).collect(),
        }
    }

    /// The affinity of each key column (INTEGER for the rowid).
    pub fn affinities(&self) -> Vec<Affinity> {
        match self {
            OldKey::Rowid { .. } => vec![Affinity::Integer],
            OldKey::Columns(cols) => cols.iter().map(|c| c.affinity).collect(),
        }
    }

    /// Names a key-only expression may read.
    pub(crate) fn readable_names(&self) -> Vec<String> {
        match self {
            OldKey::Rowid { alias } => {
                let mut v = vec!["rowid".to_string(), "oid".into(), "_rowid_".into()];
                v.extend(alias.iter().cloned());
                v
            }
            OldKey::Columns(cols) => cols.iter().map(|c| c.name.clone()).collect(),
        }
    }
}

/// `expr`, compared with `collation` (nothing added for BINARY).
pub(crate) fn collate(expr: &str, collation: &str) -> String {
    if collation.eq_ignore_ascii_case("BINARY") {
        expr.to_string()
    } else {
        format!("{expr} COLLATE {}", q(collation))
    }
}

/// A reference to a renumbered table: the old key it names, as expressions
/// over the old row, translated through that table's id mapping.
///
/// One probe per column of the parent's old key, in the key's order: a
/// single-column reference (`state_id`) or a composite one (PROJ's
/// `datum_auth_name, datum_code`). A NULL in any probe gives NULL, as SQL's
/// MATCH SIMPLE treats a composite foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The renumbered (new) table.
    pub parent: String,
    /// The old key, one expression over the old row per key column.
    pub probes: Vec<String>,
    /// The collation of each of the parent's old key columns (how the
    /// lookup compares).
    pub collations: Vec<String>,
}

impl Translation {
    /// The new key the reference translates to (NULL when it has none yet).
    pub(crate) fn lookup(&self) -> String {
        super::mapping::lookup(&self.parent, &self.probes, &self.collations)
    }

    /// `p0 IS NULL OR p1 IS NULL …`: the reference names no parent.
    pub(crate) fn is_null(&self) -> String {
        self.probes
            .iter()
            .map(|p| format!("({p}) IS NULL"))
            .collect::<Vec<_>>()
            .join(" OR ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    Preserved,
    Renumbered,
    NewEmpty,
    /// The schema asks for a key mig cannot give this table (a blocker says
    /// why): never copied, and no reference is translated through it.
    Refused,
}

/// Where a new column's values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSource {
    /// The old column of the same name, unchanged.
    Copy(SourceColumn),
    /// An old column of another name, unchanged.
    Rename(SourceColumn),
    Computed,
    Default,
    Null,
    Generated,
    /// A renumbered table's new INTEGER PRIMARY KEY: assigned by mig.
    Surrogate,
    /// The schema leaves open where the column comes from (a blocker says
    /// what to write): never copied.
    Refused,
}

impl ColumnSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            ColumnSource::Copy(_) => "copy",
            ColumnSource::Rename(_) => "rename",
            ColumnSource::Computed => "computed",
            ColumnSource::Default => "default",
            ColumnSource::Null => "null",
            ColumnSource::Generated => "generated",
            ColumnSource::Surrogate => "surrogate",
            ColumnSource::Refused => "refused",
        }
    }

    /// The old column a copy or a rename takes unchanged.
    pub fn old_column(&self) -> Option<&SourceColumn> {
        match self {
            ColumnSource::Copy(c) | ColumnSource::Rename(c) => Some(c),
            _ => None,
        }
    }
}

/// The old column a copied or renamed new column takes its values from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceColumn {
    /// As the old catalog spells it.
    pub name: String,
    /// `"Src"."col"`, the column's expression over the old row: qualified
    /// with the old table so no subquery's own column can capture it.
    pub quoted: String,
}

impl SourceColumn {
    pub(crate) fn new(old_table: &str, name: &str) -> SourceColumn {
        SourceColumn {
            name: name.to_string(),
            quoted: format!("{}.{}", q(old_table), q(name)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ColumnPlan {
    pub name: String,
    /// Expression over the old row; `None` when the column is not written.
    pub expr: Option<String>,
    pub source: ColumnSource,
    /// The value is an old key of a renumbered (new) table, translated
    /// through its id mapping.
    pub translate: Option<Translation>,
    /// A NOT NULL column with a constant DEFAULT: a NULL the mapping gives
    /// becomes that DEFAULT (as SQLite's REPLACE does on insert), written
    /// as `coalesce(expr, DEFAULT)` so copy, replay and verify agree.
    pub null_default: Option<String>,
}

impl ColumnPlan {
    /// The value written for this column, given its expression `e`.
    pub fn finish(&self, e: String) -> String {
        match &self.null_default {
            Some(d) => format!("coalesce({e}, {d})"),
            None => e,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TablePlan {
    pub name: String,
    /// The old table (as the old catalog spells it).
    pub source: Option<String>,
    pub old_key: Option<OldKey>,
    pub key_mode: KeyMode,
    pub columns: Vec<ColumnPlan>,
    /// Preserved tables whose new rowid is not a declared column: the
    /// expression giving it (the old rowid).
    pub rowid_expr: Option<String>,
    /// New key columns (declared primary key, or `rowid`) and, for preserved
    /// tables, the expression computing each from the old key.
    pub new_key: Vec<(String, String)>,
    /// A preserved rowid table whose new rowid is the old rowid, value for
    /// value (an unchanged rowid or INTEGER PRIMARY KEY): the last rowid a
    /// copy chunk inserts is the last old key it copied.
    pub rowid_kept: bool,
    pub without_rowid: bool,
    pub rows: u64,
    pub deferred_indexes: Vec<String>,
    /// A renumbered table whose declared key is set by `mig:set` to values
    /// that read no old column (Alembic's `version_num = '…'`): its key
    /// columns. Fine for one row; more would collide (the constraint
    /// pre-check refuses them).
    pub constant_key: Vec<String>,
}

impl TablePlan {
    /// Columns the copy writes, in order, with their expressions (rowid first
    /// when the plan sets it).
    pub fn written(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(e) = &self.rowid_expr {
            out.push(("rowid".to_string(), e.clone()));
        }
        for c in &self.columns {
            if let Some(e) = &c.expr {
                let e = match &c.translate {
                    Some(tr) => tr.lookup(),
                    None => e.clone(),
                };
                out.push((c.name.clone(), c.finish(e)));
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct DataLoss {
    pub old_table: String,
    /// `None`: the whole table.
    pub old_column: Option<String>,
    pub rows: u64,
    /// Why the rows could not be counted (SQLite's message, e.g. `no such
    /// module: vec0`); `rows` is 0 then, and any there are would be lost.
    pub unread: Option<String>,
}

impl DataLoss {
    /// `table t (3 rows)`, `column t.c (2 values)`, or what could not be read.
    pub fn describe(&self) -> String {
        match (&self.old_column, &self.unread) {
            (None, Some(why)) => format!("table {} (rows unknown: {why})", self.old_table),
            (None, None) => format!("table {} ({} rows)", self.old_table, self.rows),
            (Some(c), _) => format!("column {}.{c} ({} values)", self.old_table, self.rows),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub schema_hash: String,
    /// Copy order: parents before children.
    pub tables: Vec<TablePlan>,
    pub data_loss: Vec<DataLoss>,
    pub warnings: Vec<String>,
    pub blockers: Vec<String>,
    /// Key columns in `_migration_log` and `_id_mapping`.
    pub key_width: usize,
    pub views: Vec<String>,
    pub triggers: Vec<String>,
    /// What belongs to other tools and is left to them (`owners.rs`).
    pub left_to_owner: LeftToOwner,
    /// The old tables it covers, as `plan` lists them.
    pub owned_tables: Vec<OwnedTable>,
    /// Old tables tracked by their rowid though they declare a primary key
    /// (`keys::rowid_tracked`).
    pub rowid_tracked: Vec<String>,
    /// The target schema is the old database's own and the plan copies it
    /// unchanged: nothing to migrate (`same.rs`); `migrate` refuses it
    /// unless allowed.
    pub same_schema: bool,
    /// The catalogs it was built from, for the checks that follow on the
    /// same connection (`catalogs.rs`).
    pub(crate) catalogs: std::sync::Arc<Catalogs>,
}

impl Plan {
    pub fn table(&self, name: &str) -> Option<&TablePlan> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// New tables fed by old table `old`.
    pub fn fed_by<'a>(&'a self, old: &'a str) -> impl Iterator<Item = &'a TablePlan> + 'a {
        self.tables.iter().filter(move |t| {
            t.source
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(old))
        })
    }

    /// Old tables that feed at least one new table, each once.
    pub fn source_tables(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.tables
            .iter()
            .filter_map(|t| t.source.clone())
            .filter(|s| seen.insert(s.to_ascii_lowercase()))
            .collect()
    }

    pub fn total_rows(&self) -> u64 {
        self.tables
            .iter()
            .filter(|t| t.source.is_some())
            .map(|t| t.rows)
            .sum()
    }
}
