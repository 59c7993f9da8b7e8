//! Building a [`Plan`]: every new table's mapping read from the target
//! schema (`main`) and the old database (`old`) on one connection, in copy
//! order, with the blockers, warnings and data loss found on the way. The
//! catalogs read here stay with the plan (`catalogs.rs`).

use std::collections::HashSet;
use std::sync::Arc;

use rusqlite::Connection;

use super::catalogs::Catalogs;
use super::{checks, keys, same, DataLoss, OldKey, Plan, TablePlan};
use crate::engine::catalog::Catalog;
use crate::engine::error::{Result, SqlContext};
use crate::engine::owners::{is_pattern, names_match, LeftToOwner, OwnedTable};
use crate::engine::schema::SchemaFile;

/// Old columns read by an expression: (table, column), lowercased.
pub(super) type Reads = HashSet<(String, String)>;

/// How much of the plan to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Everything, rows counted (plan, migrate, rehearse).
    Full,
    /// The mapping only: replay, revert and the agent's background work.
    MappingOnly,
}

/// Builds the plan. `conn` holds the reflected target schema as `main` and
/// the old database attached as `old`.
pub fn build(
    conn: &Connection,
    schema: &SchemaFile,
    schema_hash: &str,
    depth: Depth,
) -> Result<Plan> {
    build_leaving(conn, schema, schema_hash, depth, &LeftToOwner::default())
}

/// [`build`], leaving the configured tables of `left` (and the built-in
/// ones) to their owner: not copied, not counted as data loss.
pub fn build_leaving(
    conn: &Connection,
    schema: &SchemaFile,
    schema_hash: &str,
    depth: Depth,
    left: &LeftToOwner,
) -> Result<Plan> {
    let count = depth == Depth::Full;
    let mut catalogs = Catalogs::read(conn)?;
    let target = catalogs.target.clone();
    let mut old = catalogs.old.clone();
    old.leave(left);
    let rowid_tracked = keys::rowid_tracked(&old, &target, schema);
    let mut b = Builder {
        conn,
        schema,
        old: &old,
        rowid_tracked: rowid_tracked.clone(),
        blockers: Vec::new(),
        warnings: Vec::new(),
        reads: Reads::new(),
        count,
    };
    let mut tables = Vec::new();
    for t in &target.tables {
        let Some(stmt) = schema.table(&t.name) else {
            continue;
        };
        tables.push(b.table(t, stmt, &target)?);
    }
    b.translate_foreign_keys(&mut tables, &target);
    let tables = copy_order(tables, &target);
    let key_width = tables
        .iter()
        .filter_map(|t| t.old_key.as_ref())
        .map(OldKey::width)
        .max()
        .unwrap_or(1)
        .max(1);
    // The copy statements read the mapping of renumbered tables: give the
    // scratch database those tables so they compile.
    crate::engine::mapping::create(conn, &tables)?;
    catalogs.still_current(conn)?;
    for t in &tables {
        b.validate_insert(t);
    }
    let data_loss = b.data_loss(&tables)?;
    b.warnings.extend(partial_schema(&data_loss, &tables));
    let same_schema = data_loss.is_empty() && same::same_as_old(conn, &tables, left)?;
    if same_schema {
        b.warnings.push(same::SAME_SCHEMA.to_string());
    }
    if count {
        b.warnings.extend(schema.quoted_strings()?);
    }
    b.warnings
        .extend(checks::header_warnings(conn, &schema.file_name)?);
    for v in &old.virtual_tables {
        b.warnings.push(format!("old virtual table {v} is not carried over (mig cannot record writes to virtual tables): recreate it after cutover (and repopulate it from the old database if data loss lists it), or leave it to its owner with --ignore-table {v}"));
    }
    b.shadow_tables_in_schema(&tables, &old.virtual_tables)?;
    let owned_tables = left.tables_in(conn, "old")?;
    b.warnings.extend(unmatched_ignores(left, &owned_tables));
    b.blockers.extend(left_and_declared(&owned_tables, &tables));
    let views = target.views.iter().map(|v| v.name.clone()).collect();
    let triggers = target.triggers.iter().map(|v| v.name.clone()).collect();
    Ok(Plan {
        schema_hash: schema_hash.to_string(),
        tables,
        data_loss,
        warnings: b.warnings,
        blockers: b.blockers,
        key_width,
        views,
        triggers,
        left_to_owner: left.clone(),
        owned_tables,
        rowid_tracked,
        same_schema,
        catalogs: Arc::new(catalogs),
    })
}

/// A schema that keeps fewer old tables than it drops (found by the
/// Synapse run: one of its delta files, 2 `CREATE TABLE`s, as `--schema`
/// dropped 173 of 175 tables, and the data-loss list was the only sign):
/// said in one line, as the likely mistake it is.
pub(crate) fn partial_schema(lost: &[DataLoss], tables: &[TablePlan]) -> Option<String> {
    let dropped = lost.iter().filter(|l| l.old_column.is_none()).count();
    let kept: HashSet<String> = tables
        .iter()
        .filter_map(|t| t.source.as_deref())
        .map(str::to_ascii_lowercase)
        .collect();
    (dropped > kept.len()).then(|| {
        format!(
            "the schema keeps {} of the old database's {} tables and drops the other {dropped}: the schema file must be the whole new schema (every table the new database has), not only what changes",
            kept.len(),
            kept.len() + dropped
        )
    })
}

/// An old table the operator left to its owner (`ignore_tables`) that
/// the schema also declares: mig would create it empty in the new database
/// and copy none of its rows (found by the Redmine run: Rails'
/// `ar_internal_metadata`). The two say opposite things, so neither is
/// guessed. Built-in owners (Litestream, `sqlite_stat*`) create and fill
/// their own tables again: a schema dump carrying one is not refused.
fn left_and_declared(owned: &[OwnedTable], tables: &[TablePlan]) -> Vec<String> {
    owned
        .iter()
        .filter(|o| crate::engine::owners::built_in_owner(&o.name).is_none())
        .filter(|o| tables.iter().any(|t| t.name.eq_ignore_ascii_case(&o.name)))
        .map(|o| format!("table {} is left to its owner (ignore_tables) and the schema declares it: mig would create it empty in the new database and copy none of its rows; remove it from ignore_tables to copy it, or from the schema to leave it to its owner", o.name))
        .collect()
}

/// A configured table to leave to its owner that the old database does not
/// have (a typo in `ignore_tables` or `--ignore-table` would otherwise
/// leave the intended table recorded, frozen and copied, unnoticed); a
/// glob matching none is said once, as what it will cover.
fn unmatched_ignores(left: &LeftToOwner, owned: &[OwnedTable]) -> Vec<String> {
    let mut seen = HashSet::new();
    left.configured()
        .iter()
        .filter(|c| seen.insert(c.to_ascii_lowercase()))
        .filter(|c| !owned.iter().any(|t| names_match(c, &t.name)))
        .map(|c| if is_pattern(c) {
            format!("ignore_tables pattern {c} matches no table of the old database now: a table created later whose name matches it is left to its owner (not recorded, copied or taken as drift)")
        } else {
            format!("ignore_tables names {c}, which the old database has no table of: nothing is left to its owner by that name; check the spelling (agent.toml, --ignore-table or the fleet file)")
        })
        .collect()
}

pub(super) struct Builder<'a> {
    pub(super) conn: &'a Connection,
    pub(super) schema: &'a SchemaFile,
    pub(super) old: &'a Catalog,
    pub(super) blockers: Vec<String>,
    pub(super) warnings: Vec<String>,
    /// Every old column any mapping reads.
    pub(super) reads: Reads,
    /// Old tables tracked by rowid though they declare a key.
    pub(super) rowid_tracked: Vec<String>,
    pub(super) count: bool,
}

impl Builder<'_> {
    /// A new table named like a shadow table of an old virtual table (a
    /// `sqlite3 .schema` dump keeps FTS's `x_content`, `x_segdir`, ... as
    /// plain `CREATE TABLE`s): mig would create it empty, and the
    /// `CREATE VIRTUAL TABLE` after cutover would then fail on its name
    /// (found by the Synapse run: `event_search_content`).
    fn shadow_tables_in_schema(&mut self, tables: &[TablePlan], virt: &[String]) -> Result<()> {
        let ctx = || "listing the old database's shadow tables".to_string();
        let mut list = self
            .conn
            .prepare("SELECT name FROM pragma_table_list WHERE schema = 'old' AND type = 'shadow'")
            .ctx(ctx)?;
        let shadows: Vec<String> = list
            .query_map([], |r| r.get(0))
            .ctx(ctx)?
            .collect::<std::result::Result<_, _>>()
            .ctx(ctx)?;
        for t in tables.iter().filter(|t| t.source.is_none()) {
            let Some(shadow) = shadows.iter().find(|s| s.eq_ignore_ascii_case(&t.name)) else {
                continue;
            };
            let lower = shadow.to_ascii_lowercase();
            let owner = virt
                .iter()
                .filter(|v| lower.starts_with(&format!("{}_", v.to_ascii_lowercase())))
                .max_by_key(|v| v.len())
                .map_or("an old virtual table".to_string(), |v| {
                    format!("old virtual table {v}")
                });
            let line = self.schema.table(&t.name).map_or(0, |s| s.line);
            self.blockers.push(format!(
                "{}: table {} is a shadow table of the {owner} (SQLite creates it with the virtual table): remove its CREATE TABLE from the schema file (a `sqlite3 .schema` dump lists it), or the virtual table cannot be created on the new database after cutover",
                self.at(line),
                t.name
            ));
        }
        Ok(())
    }

    pub(super) fn at(&self, line: usize) -> String {
        format!("{}:{}", self.schema.file_name, line)
    }
}

/// Parents before children (by the new schema's foreign keys); ties and
/// cycles keep schema order. Copy order does not affect correctness (foreign
/// keys are off while copying) but keeps the new file's layout natural.
fn copy_order(tables: Vec<TablePlan>, target: &Catalog) -> Vec<TablePlan> {
    let names: Vec<String> = tables.iter().map(|t| t.name.to_ascii_lowercase()).collect();
    let deps: Vec<HashSet<usize>> = tables
        .iter()
        .map(|t| {
            target
                .table(&t.name)
                .map(|tt| {
                    tt.foreign_keys
                        .iter()
                        .filter_map(|fk| {
                            names
                                .iter()
                                .position(|n| *n == fk.parent.to_ascii_lowercase())
                        })
                        .filter(|p| names[*p] != t.name.to_ascii_lowercase())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let mut done = vec![false; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    while order.len() < tables.len() {
        let ready = (0..tables.len()).find(|&i| !done[i] && deps[i].iter().all(|d| done[*d]));
        // A cycle: take the first remaining table in schema order.
        let next = ready
            .or_else(|| (0..tables.len()).find(|&i| !done[i]))
            .unwrap_or(0);
        done[next] = true;
        order.push(next);
    }
    let mut slots: Vec<Option<TablePlan>> = tables.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
