//! Drain's foreign-key report: rows of the new database whose reference
//! finds no parent row. Foreign keys are not enforced while copying or
//! replaying, so references the old database left dangling carry over.
//!
//! Checked in full once, before the freeze; then kept current: TEMP
//! triggers on the work connection record every child row that replay
//! writes or removes and every parent key it writes or removes, and
//! [`FkLedger::advance`] re-checks only those. Inside the freeze only the
//! tail's rows are checked. The ledger lives in TEMP tables, so an advance
//! rolled back with its transaction leaves it as it was.
//!
//! Left out inside the freeze: the children of a parent row the tail
//! deleted, when no index on the child table leads with the foreign key's
//! columns (finding them would read the whole table). The report counts
//! such parent keys instead of their children.

use rusqlite::Connection;

use super::catalog::{q, Catalog, Table};
use super::error::{Result, SqlContext};

/// How [`FkLedger::advance`] finds the children of a deleted parent key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// By index, or else by reading the child table (writes still flow).
    Scan,
    /// By index only (inside the freeze); other keys are counted as not
    /// followed.
    IndexOnly,
}

/// One foreign key of the new schema.
#[derive(Debug, Clone)]
struct Fk {
    child: String,
    parent: String,
    from: Vec<String>,
    to: Vec<String>,
    /// How a child row is named: its rowid, or its primary key.
    identity: Vec<String>,
    /// An index on the child leads with `from`.
    child_indexed: bool,
}

/// The dangling references of the new database, kept in TEMP tables on one
/// work connection (see the module doc).
#[derive(Debug)]
pub struct FkLedger {
    fks: Vec<Fk>,
}

impl FkLedger {
    /// Checks every foreign key of the new database in full and starts
    /// recording what replay changes from here on.
    pub fn start(conn: &Connection) -> Result<FkLedger> {
        let catalog = Catalog::read(conn, "main")?;
        let fks = foreign_keys(&catalog);
        let ledger = FkLedger { fks };
        if ledger.fks.is_empty() {
            return Ok(ledger);
        }
        ledger.create(conn)?;
        for (i, fk) in ledger.fks.iter().enumerate() {
            conn.execute(
                &format!(
                    "INSERT INTO temp._mig_fk_dangling(fk, {k}, {v}) SELECT {i}, {ids}, {froms} FROM main.{child} c WHERE {dangling}",
                    k = cols("k", fk.identity.len()),
                    v = cols("v", fk.from.len()),
                    ids = prefixed("c", &fk.identity),
                    froms = prefixed("c", &fk.from),
                    child = q(&fk.child),
                    dangling = fk.dangling("c"),
                ),
                [],
            )
            .ctx(|| format!("checking the foreign keys of {}", fk.child))?;
        }
        Ok(ledger)
    }

    /// Brings the report up to date with the rows replay wrote or removed
    /// since the last call, inside the caller's transaction.
    pub fn advance(&self, conn: &Connection, follow: Follow) -> Result<()> {
        if self.fks.is_empty() {
            return Ok(());
        }
        for (i, fk) in self.fks.iter().enumerate() {
            let sql = fk.advance_sql(i, follow);
            conn.execute_batch(&sql)
                .ctx(|| format!("re-checking the foreign keys of {}", fk.child))?;
        }
        conn.execute_batch("DELETE FROM temp._mig_fk_changes")
            .ctx(|| "re-checking foreign keys".into())
    }

    /// One line per child table with dangling references, and per foreign
    /// key whose deleted parents were not followed.
    pub fn warnings(&self, conn: &Connection) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut children: Vec<&str> = Vec::new();
        for fk in &self.fks {
            if !children.contains(&fk.child.as_str()) {
                children.push(&fk.child);
            }
        }
        for child in children {
            let ids: Vec<String> = self
                .fks
                .iter()
                .enumerate()
                .filter(|(_, f)| f.child == child)
                .map(|(i, _)| i.to_string())
                .collect();
            let width = self
                .fks
                .iter()
                .find(|f| f.child == child)
                .map_or(1, |f| f.identity.len());
            let n: i64 = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM (SELECT DISTINCT {} FROM temp._mig_fk_dangling WHERE fk IN ({}))",
                        cols("k", width),
                        ids.join(", ")
                    ),
                    [],
                    |r| r.get(0),
                )
                .ctx(|| "counting dangling references".into())?;
            if n > 0 {
                out.push(format!("{n} row(s) of {} in the new database reference a missing parent (foreign key); fix them before the new service enables foreign keys", q(child)));
            }
        }
        for (i, fk) in self.fks.iter().enumerate() {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM temp._mig_fk_unchecked WHERE fk = ?1",
                    [i as i64],
                    |r| r.get(0),
                )
                .ctx(|| "counting unchecked references".into())?;
            if n > 0 {
                out.push(format!(
                    "{n} row(s) of {} were deleted during the freeze, and rows of {} that may reference them were not checked (no index on {}({})); run `PRAGMA foreign_key_check({})` on the new database",
                    q(&fk.parent),
                    q(&fk.child),
                    q(&fk.child),
                    fk.from.join(", "),
                    q(&fk.child)
                ));
            }
        }
        Ok(out)
    }

    /// The ledger's TEMP tables and, per foreign key, the triggers that
    /// record child rows and parent keys written or removed.
    fn create(&self, conn: &Connection) -> Result<()> {
        let k = self.fks.iter().map(|f| f.identity.len()).max().unwrap_or(1);
        let v = self.fks.iter().map(|f| f.from.len()).max().unwrap_or(1);
        let mut sql = format!(
            "DROP TABLE IF EXISTS temp._mig_fk_changes; DROP TABLE IF EXISTS temp._mig_fk_dangling; DROP TABLE IF EXISTS temp._mig_fk_unchecked;\n\
             CREATE TEMP TABLE _mig_fk_changes(fk INTEGER NOT NULL, what TEXT NOT NULL, {kc}, {vc});\n\
             CREATE TEMP TABLE _mig_fk_dangling(fk INTEGER NOT NULL, {kc}, {vc});\n\
             CREATE INDEX temp._mig_fk_dangling_k ON _mig_fk_dangling(fk, {kc});\n\
             CREATE INDEX temp._mig_fk_dangling_v ON _mig_fk_dangling(fk, {vc});\n\
             CREATE TEMP TABLE _mig_fk_unchecked(fk INTEGER NOT NULL, {vc});\n",
            kc = cols("k", k),
            vc = cols("v", v),
        );
        for (i, fk) in self.fks.iter().enumerate() {
            sql.push_str(&fk.triggers(i));
        }
        let recursive: i64 = conn
            .query_row("PRAGMA recursive_triggers", [], |r| r.get(0))
            .ctx(|| "reading recursive_triggers".into())?;
        if recursive == 0 {
            // REPLACE fires delete triggers only with recursive triggers on;
            // only TEMP triggers fire on a work connection.
            conn.pragma_update(None, "recursive_triggers", true)
                .ctx(|| "setting recursive_triggers".into())?;
        }
        conn.execute_batch(&sql)
            .ctx(|| "creating the foreign-key ledger".into())
    }
}

impl Fk {
    /// The condition (over child row `c`) that its reference finds no
    /// parent: every referencing column set, no parent row with them.
    fn dangling(&self, c: &str) -> String {
        let set: Vec<String> = self
            .from
            .iter()
            .map(|f| format!("{c}.{} IS NOT NULL", q(f)))
            .collect();
        let eq: Vec<String> = self
            .to
            .iter()
            .zip(&self.from)
            .map(|(t, f)| format!("p.{} = {c}.{}", q(t), q(f)))
            .collect();
        format!(
            "{} AND NOT EXISTS (SELECT 1 FROM main.{} p WHERE {})",
            set.join(" AND "),
            q(&self.parent),
            eq.join(" AND ")
        )
    }

    fn triggers(&self, i: usize) -> String {
        let name = |kind: &str| q(&format!("_mig_fk{i}_{kind}"));
        let record = |what: &str, prefix: &str, row: &str, names: &[String]| {
            format!(
                "INSERT INTO _mig_fk_changes(fk, what, {}) VALUES ({i}, '{what}', {});",
                cols(prefix, names.len()),
                prefixed(row, names)
            )
        };
        let (child, parent) = (q(&self.child), q(&self.parent));
        format!(
            "CREATE TEMP TRIGGER {} AFTER INSERT ON main.{child} BEGIN {} END;\n\
             CREATE TEMP TRIGGER {} AFTER DELETE ON main.{child} BEGIN {} END;\n\
             CREATE TEMP TRIGGER {} AFTER INSERT ON main.{parent} BEGIN {} END;\n\
             CREATE TEMP TRIGGER {} AFTER DELETE ON main.{parent} BEGIN {} END;\n",
            name("ci"),
            record("c", "k", "NEW", &self.identity),
            name("cd"),
            record("c", "k", "OLD", &self.identity),
            name("pi"),
            record("pi", "v", "NEW", &self.to),
            name("pd"),
            record("pd", "v", "OLD", &self.to),
        )
    }

    /// The statements of one advance for foreign key `i`.
    fn advance_sql(&self, i: usize, follow: Follow) -> String {
        let (k, v) = (cols("k", self.identity.len()), cols("v", self.from.len()));
        let (ids, froms) = (prefixed("c", &self.identity), prefixed("c", &self.from));
        let child = q(&self.child);
        let parent_back: Vec<String> = self
            .to
            .iter()
            .enumerate()
            .map(|(j, t)| format!("p.{} = x.v{j}", q(t)))
            .collect();
        let parent_back = format!(
            "EXISTS (SELECT 1 FROM main.{} p WHERE {})",
            q(&self.parent),
            parent_back.join(" AND ")
        );
        let touched = format!("SELECT {k} FROM temp._mig_fk_changes WHERE fk = {i} AND what = 'c'");
        let gone = format!(
            "SELECT {v} FROM temp._mig_fk_changes x WHERE fk = {i} AND what = 'pd' AND NOT {parent_back}"
        );
        let mut sql = format!(
            // Child rows written or removed: forget them, then re-check.
            "DELETE FROM temp._mig_fk_dangling WHERE fk = {i} AND ({k}) IN ({touched});\n\
             INSERT INTO temp._mig_fk_dangling(fk, {k}, {v}) SELECT {i}, {ids}, {froms} FROM main.{child} c \
               WHERE ({ids}) IN ({touched}) AND {dangling};\n\
             -- Parent keys written: the rows waiting for them may be resolved.\n\
             DELETE FROM temp._mig_fk_dangling WHERE fk = {i} \
               AND ({v}) IN (SELECT {v} FROM temp._mig_fk_changes WHERE fk = {i} AND what = 'pi') \
               AND NOT EXISTS (SELECT 1 FROM main.{child} c WHERE ({ids}) = ({dk}) AND {dangling});\n\
             DELETE FROM temp._mig_fk_unchecked WHERE fk = {i} AND rowid IN (SELECT x.rowid FROM temp._mig_fk_unchecked x WHERE {parent_back});\n",
            dangling = self.dangling("c"),
            dk = prefixed("temp._mig_fk_dangling", &(0..self.identity.len()).map(|j| format!("k{j}")).collect::<Vec<_>>()),
        );
        if follow == Follow::Scan || self.child_indexed {
            sql.push_str(&format!(
                // Parent keys removed: their children dangle now.
                "INSERT INTO temp._mig_fk_dangling(fk, {k}, {v}) SELECT {i}, {ids}, {froms} FROM main.{child} c \
                   WHERE ({froms}) IN ({gone}) AND {dangling} \
                   AND ({ids}) NOT IN (SELECT {k} FROM temp._mig_fk_dangling WHERE fk = {i});\n",
                dangling = self.dangling("c"),
            ));
        } else {
            sql.push_str(&format!(
                "INSERT INTO temp._mig_fk_unchecked(fk, {v}) SELECT DISTINCT {i}, {v} FROM ({gone});\n"
            ));
        }
        sql
    }
}

/// `p0, p1, …` for `n` columns.
fn cols(prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{prefix}{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `row."a", row."b"` (`row.rowid` for the rowid).
fn prefixed(row: &str, names: &[String]) -> String {
    names
        .iter()
        .map(|n| {
            if n == "rowid" {
                format!("{row}.rowid")
            } else {
                format!("{row}.{}", q(n))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The checkable foreign keys of `catalog`: the parent is a table and its
/// referenced columns are its primary key or a UNIQUE index (SQLite's own
/// requirement; anything else is a "foreign key mismatch").
fn foreign_keys(catalog: &Catalog) -> Vec<Fk> {
    let mut out = Vec::new();
    for child in &catalog.tables {
        for fk in &child.foreign_keys {
            let Some(parent) = catalog.table(&fk.parent) else {
                continue;
            };
            let to: Vec<String> = if fk.to.iter().all(Option::is_none) {
                parent.pk.clone()
            } else {
                fk.to
                    .iter()
                    .map(|t| t.clone().unwrap_or_default())
                    .collect()
            };
            if to.len() != fk.from.len() || !unique_on(parent, &to) {
                continue;
            }
            out.push(Fk {
                child: child.name.clone(),
                parent: parent.name.clone(),
                from: fk.from.clone(),
                to,
                identity: identity(child),
                child_indexed: leads_with(child, &fk.from),
            });
        }
    }
    out
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|x| b.iter().any(|y| y.eq_ignore_ascii_case(x)))
}

/// `cols` are the table's primary key or a full UNIQUE index.
fn unique_on(t: &Table, cols: &[String]) -> bool {
    same_set(&t.pk, cols)
        || t.indexes.iter().any(|i| {
            i.unique
                && !i.partial
                && i.columns.iter().all(|c| c.name.is_some())
                && same_set(
                    &i.columns
                        .iter()
                        .filter_map(|c| c.name.clone())
                        .collect::<Vec<_>>(),
                    cols,
                )
        })
}

/// An index (or the rowid) finds the rows with given values of `cols`.
fn leads_with(t: &Table, cols: &[String]) -> bool {
    if cols.len() == 1
        && t.rowid_alias
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&cols[0]))
    {
        return true;
    }
    t.indexes.iter().any(|i| {
        !i.partial
            && i.columns.len() >= cols.len()
            && same_set(
                &i.columns[..cols.len()]
                    .iter()
                    .map(|c| c.name.clone().unwrap_or_default())
                    .collect::<Vec<_>>(),
                cols,
            )
    })
}

/// A rowid table's rows are named by their rowid, a WITHOUT ROWID table's
/// by its primary key.
fn identity(t: &Table) -> Vec<String> {
    if t.without_rowid {
        match t.pk_index() {
            Some(i) => i.columns.iter().filter_map(|c| c.name.clone()).collect(),
            None => t.pk.clone(),
        }
    } else {
        vec!["rowid".to_string()]
    }
}
