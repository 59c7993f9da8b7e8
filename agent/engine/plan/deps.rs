//! Dependency analysis: the views, triggers and indexes of the old database
//! that read a table or column the new schema drops or renames, and the
//! foreign keys whose parent goes away — each named with what breaks.
//!
//! What an old object reads is learned from SQLite's authorizer while the
//! object is compiled against the old database (a view is selected from; a
//! trigger is compiled into an INSERT, UPDATE and DELETE of its table, and
//! the authorizer names the trigger responsible for each access), never by
//! parsing its SQL. An object the new schema defines again (same name), or
//! whose counterpart it has on the new names (`replaced`), is not listed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

use super::{replaced, ColumnSource, Plan};
use crate::engine::catalog::{lit, q, Catalog, TRIGGER_PREFIX};
use crate::engine::error::{Result, SqlContext};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// view | trigger | index | unique index | foreign key
    pub kind: &'static str,
    pub name: String,
    /// `table` or `table.column`.
    pub reads: String,
    pub message: String,
}

/// (accessor, table, column) seen by the authorizer; column "" for a whole table.
type Access = (String, String, String);

/// What the new schema takes away, and how to say it.
struct Gone {
    /// Lowercased old table → "dropped" / "renamed to x".
    tables: Vec<(String, String)>,
    /// Lowercased (table, column) → "dropped" / "renamed to t.x".
    columns: Vec<((String, String), String)>,
}

impl Gone {
    fn find(&self, table: &str, column: &str) -> Option<(String, &str)> {
        let t = table.to_ascii_lowercase();
        if let Some((_, how)) = self.tables.iter().find(|(n, _)| *n == t) {
            return Some((format!("table {table}"), how));
        }
        let c = column.to_ascii_lowercase();
        self.columns
            .iter()
            .find(|((tt, cc), _)| *tt == t && *cc == c && !c.is_empty())
            .map(|(_, how)| (format!("{table}.{column}"), how.as_str()))
    }
}

/// Old objects the new schema breaks. `conn` holds the target schema as
/// `main` and the old database attached as `old`.
pub fn analyze(conn: &Connection, plan: &Plan) -> Result<Vec<Dependency>> {
    let catalogs = super::Catalogs::of(conn, plan)?;
    let (target, old) = (&catalogs.target, &catalogs.old);
    let gone = gone(plan, old, target);
    let a = Analysis {
        conn,
        plan,
        old,
        target,
        gone: &gone,
    };
    let mut out = Vec::new();
    a.views(&mut out)?;
    a.triggers(&mut out)?;
    a.indexes(&mut out)?;
    a.old_foreign_keys(&mut out);
    a.new_foreign_keys(&mut out);
    Ok(out)
}

/// What one analysis reads: both catalogs and what goes away.
struct Analysis<'a> {
    conn: &'a Connection,
    plan: &'a Plan,
    old: &'a Catalog,
    target: &'a Catalog,
    gone: &'a Gone,
}

impl Analysis<'_> {
    /// An object the new schema defines again (same name) is replaced, not
    /// broken.
    fn redefined(&self, name: &str) -> bool {
        let t = self.target;
        t.views
            .iter()
            .chain(&t.triggers)
            .chain(&t.indexes)
            .any(|o| o.name.eq_ignore_ascii_case(name))
    }

    fn views(&self, out: &mut Vec<Dependency>) -> Result<()> {
        for v in self.old.views.iter().filter(|v| !self.redefined(&v.name)) {
            let accesses = collect(self.conn, &[format!("SELECT * FROM old.{}", q(&v.name))])?;
            let reads = accesses.iter().map(|(_, t, c)| (t.clone(), c.clone()));
            push_first(out, "view", &v.name, reads, self.gone);
        }
        Ok(())
    }

    /// Old triggers, table by table: on a table that goes, or reading what
    /// goes.
    fn triggers(&self, out: &mut Vec<Dependency>) -> Result<()> {
        let old = self.old;
        let trigger_tables: HashSet<String> =
            old.triggers.iter().map(|t| t.table.clone()).collect();
        for table in trigger_tables {
            let triggers: Vec<_> = old
                .triggers
                .iter()
                .filter(|t| t.table == table && !self.redefined(&t.name))
                .collect();
            if triggers.is_empty() {
                continue;
            }
            if let Some((what, how)) = self.gone.find(&table, "") {
                for tr in &triggers {
                    out.push(dep(
                        "trigger",
                        &tr.name,
                        &what,
                        &format!("is on {what}, which is {how}"),
                    ));
                }
                continue;
            }
            let accesses = collect_triggers(self.conn, old, &table)?;
            for tr in triggers {
                let reads = accesses
                    .iter()
                    .filter(|(a, _, _)| a.eq_ignore_ascii_case(&tr.name))
                    .map(|(_, t, c)| (t.clone(), c.clone()));
                push_first(out, "trigger", &tr.name, reads, self.gone);
            }
        }
        Ok(())
    }

    /// Old indexes with no counterpart in the new schema.
    fn indexes(&self, out: &mut Vec<Dependency>) -> Result<()> {
        let (old, target) = (self.old, self.target);
        for i in old.indexes.iter().filter(|i| {
            !self.redefined(&i.name) && !replaced::index(self.plan, old, target, &i.table, &i.name)
        }) {
            let cols = index_columns(self.conn, &i.name)?;
            let reads = std::iter::once((i.table.clone(), String::new()))
                .chain(cols.into_iter().map(|c| (i.table.clone(), c)));
            push_first(out, index_kind(old, i), &i.name, reads, self.gone);
        }
        Ok(())
    }

    /// Old foreign keys to a table that goes.
    fn old_foreign_keys(&self, out: &mut Vec<Dependency>) {
        for t in &self.old.tables {
            if self.gone.find(&t.name, "").is_some() {
                continue; // the child itself goes: its data loss is listed already
            }
            for fk in &t.foreign_keys {
                if replaced::foreign_key(self.plan, self.target, &t.name, &fk.from, &fk.parent) {
                    continue;
                }
                if let Some((what, how)) = self.gone.find(&fk.parent, "") {
                    let name = format!("{}({})", t.name, fk.from.join(", "));
                    out.push(dep(
                        "foreign key",
                        &name,
                        &what,
                        &format!("references {what}, which is {how}"),
                    ));
                }
            }
        }
    }

    /// New foreign keys to a table the new schema does not have.
    fn new_foreign_keys(&self, out: &mut Vec<Dependency>) {
        for t in &self.target.tables {
            for fk in &t.foreign_keys {
                if self.target.table(&fk.parent).is_none() {
                    let name = format!("{}({})", t.name, fk.from.join(", "));
                    let what = format!("table {}", fk.parent);
                    out.push(dep(
                        "foreign key",
                        &name,
                        &what,
                        &format!("references {what}, which is not in the new schema (writes to {} fail with foreign_keys on)", t.name),
                    ));
                }
            }
        }
    }
}

/// `unique index` where the old index kept its columns unique (a guarantee
/// that goes with it), else `index` (only lookups go: see `risk`).
fn index_kind(old: &Catalog, i: &crate::engine::catalog::NamedSql) -> &'static str {
    let unique = old.table(&i.table).is_some_and(|t| {
        t.indexes
            .iter()
            .any(|x| x.unique && x.name.eq_ignore_ascii_case(&i.name))
    });
    if unique {
        "unique index"
    } else {
        "index"
    }
}

fn dep(kind: &'static str, name: &str, reads: &str, rest: &str) -> Dependency {
    Dependency {
        kind,
        name: name.to_string(),
        reads: reads.trim_start_matches("table ").to_string(),
        message: format!("{kind} {name} {rest}"),
    }
}

/// Adds one dependency for the first gone thing among `reads`.
fn push_first(
    out: &mut Vec<Dependency>,
    kind: &'static str,
    name: &str,
    reads: impl Iterator<Item = (String, String)>,
    gone: &Gone,
) {
    let mut seen: Vec<(String, String)> = reads.collect();
    seen.sort();
    seen.dedup();
    // Columns first: `reads orders.amount` says more than `reads table orders`.
    seen.sort_by_key(|(_, c)| c.is_empty());
    if let Some((what, how)) = seen.iter().find_map(|(t, c)| gone.find(t, c)) {
        out.push(dep(
            kind,
            name,
            &what,
            &format!("reads {what}, which is {how}"),
        ));
    }
}

fn gone(plan: &Plan, old: &Catalog, target: &Catalog) -> Gone {
    let mut g = Gone {
        tables: Vec::new(),
        columns: Vec::new(),
    };
    for o in &old.tables {
        let lower = o.name.to_ascii_lowercase();
        let Some(nt) = target.table(&o.name) else {
            let how = match plan.fed_by(&o.name).next() {
                Some(t) => format!("renamed to {}", t.name),
                None => "dropped".to_string(),
            };
            g.tables.push((lower, how));
            continue;
        };
        for c in &o.columns {
            if nt.column(&c.name).is_some() {
                continue;
            }
            // Renamed, or copied into another table (a split).
            let renamed = plan.fed_by(&o.name).find_map(|t| {
                t.columns.iter().find_map(|pc| match &pc.source {
                    ColumnSource::Rename(from) if from.name.eq_ignore_ascii_case(&c.name) => {
                        Some(format!("renamed to {}.{}", t.name, pc.name))
                    }
                    ColumnSource::Copy(from)
                        if from.name.eq_ignore_ascii_case(&c.name)
                            && !t.name.eq_ignore_ascii_case(&o.name) =>
                    {
                        Some(format!("moved to {}.{}", t.name, pc.name))
                    }
                    _ => None,
                })
            });
            g.columns.push((
                (lower.clone(), c.name.to_ascii_lowercase()),
                renamed.unwrap_or_else(|| "dropped".to_string()),
            ));
        }
    }
    g
}

/// Compiles each statement with the authorizer on and returns what it read
/// or wrote in the old database.
fn collect(conn: &Connection, statements: &[String]) -> Result<Vec<Access>> {
    let seen = Arc::new(Mutex::new(Vec::<Access>::new()));
    let sink = Arc::clone(&seen);
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        let hit = match ctx.action {
            AuthAction::Read {
                table_name,
                column_name,
            } => Some((table_name, column_name)),
            AuthAction::Update {
                table_name,
                column_name,
            } => Some((table_name, column_name)),
            AuthAction::Insert { table_name } | AuthAction::Delete { table_name } => {
                Some((table_name, ""))
            }
            _ => None,
        };
        if let (Some((t, c)), Some("old")) = (hit, ctx.database_name) {
            if let Ok(mut s) = sink.lock() {
                s.push((
                    ctx.accessor.unwrap_or("").to_string(),
                    t.to_string(),
                    c.to_string(),
                ));
            }
        }
        Authorization::Allow
    }));
    // A statement that does not compile (e.g. a view that is already
    // broken) tells nothing about what the new schema breaks.
    for sql in statements {
        let _ = conn.prepare(sql);
    }
    conn.authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
    let out = seen.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(out)
}

/// Compiles an INSERT, an UPDATE of every column and a DELETE of `table`,
/// with triggers enabled so SQLite compiles every trigger's body into them.
fn collect_triggers(conn: &Connection, old: &Catalog, table: &str) -> Result<Vec<Access>> {
    let Some(t) = old.table(table) else {
        return Ok(Vec::new());
    };
    let set: Vec<String> = t
        .columns
        .iter()
        .filter(|c| !c.generated)
        .map(|c| format!("{} = {}", q(&c.name), q(&c.name)))
        .collect();
    let qt = format!("old.{}", q(table));
    let statements = vec![
        format!("INSERT INTO {qt} DEFAULT VALUES"),
        format!("UPDATE {qt} SET {}", set.join(", ")),
        format!("DELETE FROM {qt}"),
    ];
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)
        .ctx(|| "enabling triggers to compile them".into())?;
    let accesses = collect(conn, &statements);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)
        .ctx(|| "disabling triggers".into())?;
    Ok(accesses?
        .into_iter()
        .filter(|(a, _, _)| !a.is_empty() && !a.to_ascii_lowercase().starts_with(TRIGGER_PREFIX))
        .collect())
}

fn index_columns(conn: &Connection, index: &str) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name FROM pragma_index_xinfo({}, 'old') WHERE key = 1 AND name IS NOT NULL",
            lit(index)
        ))
        .ctx(|| format!("reading the columns of index {index}"))?;
    let cols = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .ctx(|| format!("reading the columns of index {index}"))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(|| format!("reading the columns of index {index}"))?;
    Ok(cols)
}
