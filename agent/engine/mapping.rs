//! The id mapping: old key → new rowid of every renumbered table, in the new
//! database, one table each (`_mig_map_<table>`). This module owns its
//! storage and every statement that reads or writes it; copy, replay,
//! verify and drain reach it only through these builders.
//!
//! A mapping is a table whose rowid `_mig_new` is the new rowid, with the
//! old key in columns `_mig_k0…` declared with the old columns' affinity and
//! collation and UNIQUE together. New keys take the next rowid (SQLite's
//! own `max + 1`: ids stay unique with no counter of ours, in key order when
//! inserted in key order), and a key already mapped is ignored. A lookup
//! compares a key column with a probe that has no affinity of its own
//! (`+(expr)`) under the key's collation, so SQLite converts the probe as
//! the old table would (a reference `'5'` finds the INTEGER key `5`, as
//! SQLite's own foreign keys do) and always seeks the key's index: a lookup
//! costs the same in a table of a thousand rows or of ten million.
//!
//! mig 0.1 kept every mapping in one `_id_mapping` table whose key columns
//! had no affinity: compared with an INTEGER expression (a rowid, an INTEGER
//! reference) only the table-name column of its index applied, and every
//! lookup scanned the table's whole mapping (issue 21). A migration started
//! with that layout is converted when it resumes ([`upgrade_legacy`]).

pub mod retire;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::Connection;

use super::catalog::{lit, q};
use super::error::{Result, SqlContext};
use super::lock;
use super::new_side;
use super::plan::{KeyMode, Plan, TablePlan, Translation};
use super::record::has_table;

/// Name prefix of the mapping tables (`_mig_*` is reserved for mig).
pub const PREFIX: &str = "_mig_map_";
/// The single mapping table of mig 0.1.
const LEGACY: &str = "_id_mapping";

/// The mapping table of renumbered new table `table`.
pub fn table_name(table: &str) -> String {
    format!("{PREFIX}{table}")
}

/// `main."_mig_map_<table>"`.
pub(crate) fn qualified(table: &str) -> String {
    format!("main.{}", q(&table_name(table)))
}

/// Creates the mapping of every renumbered table in `tables` that has none,
/// inside the caller's transaction.
pub(crate) fn create(conn: &Connection, tables: &[TablePlan]) -> Result<()> {
    for t in tables.iter().filter(|t| t.key_mode == KeyMode::Renumbered) {
        let Some(key) = &t.old_key else { continue };
        let cols: Vec<String> = key
            .affinities()
            .iter()
            .zip(key.collations())
            .enumerate()
            .map(|(i, (a, c))| format!("_mig_k{i} {} COLLATE {} NOT NULL", a.sql_type(), q(&c)))
            .collect();
        conn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {}(_mig_new INTEGER PRIMARY KEY, {}, UNIQUE ({}))",
            qualified(&t.name),
            cols.join(", "),
            key_columns(key.width())
        ))
        .ctx(|| format!("creating the id mapping of {}", t.name))?;
    }
    Ok(())
}

/// `_mig_k0, _mig_k1, …`
fn key_columns(width: usize) -> String {
    (0..width)
        .map(|i| format!("_mig_k{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `m._mig_k0 = +(p0) COLLATE "c0" AND …`: key columns of mapping alias `m`
/// against `probes`, each without affinity (the key column's applies) and
/// under the key's collation, so the mapping's primary key always applies.
pub(crate) fn matches(m: &str, probes: &[String], collations: &[String]) -> String {
    probes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let coll = collations.get(i).map_or("BINARY", String::as_str);
            format!("{m}._mig_k{i} = +({p}) COLLATE {}", q(coll))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The new rowid that renumbered table `table` gives the old key `probes`
/// (NULL when it has none yet).
pub(crate) fn lookup(table: &str, probes: &[String], collations: &[String]) -> String {
    format!(
        "(SELECT m._mig_new FROM {} AS m WHERE {})",
        qualified(table),
        matches("m", probes, collations)
    )
}

/// The SQL function a copy statement calls when a reference has no id
/// mapping: it fails the statement, which SQLite rolls back alone.
const UNMAPPED: &str = "mig_unmapped";
/// What that failure says, to recognise it.
const UNMAPPED_MESSAGE: &str = "mig: a reference has no id mapping yet";

/// Defines [`UNMAPPED`] on a connection that runs copy statements.
pub(crate) fn register(conn: &Connection) -> Result<()> {
    // Not deterministic: SQLite must call it where it stands, never fold it.
    conn.create_scalar_function(UNMAPPED, 0, FunctionFlags::SQLITE_UTF8, |_| {
        Err::<Value, _>(rusqlite::Error::UserFunctionError(UNMAPPED_MESSAGE.into()))
    })
    .ctx(|| "defining mig's SQL functions".into())
}

/// Whether `e` is a statement stopped by [`UNMAPPED`].
pub(crate) fn is_unmapped(e: &rusqlite::Error) -> bool {
    e.to_string().contains(UNMAPPED_MESSAGE)
}

/// Reference `tr` translated through its parent's mapping for the copy's
/// first, one-pass insert: a `LEFT JOIN` of the mapping as `alias` (a join
/// costs less per row than a correlated lookup) and the value it gives,
/// which stops the statement when a reference naming a parent (no NULL in
/// it) has no mapping yet; the copy then reserves and writes again.
pub(crate) fn strict_join(tr: &Translation, alias: &str) -> (String, String) {
    (
        format!(
            " LEFT JOIN {} AS {alias} ON {}",
            qualified(&tr.parent),
            matches(alias, &tr.probes, &tr.collations)
        ),
        format!(
            "coalesce({alias}._mig_new, CASE WHEN {} THEN NULL ELSE {UNMAPPED}() END)",
            tr.is_null()
        ),
    )
}

/// `main."_mig_map_t" AS m ON <matches>`: the mapping as the inner side of
/// a join driven by `probes` (write `CROSS JOIN` so SQLite keeps that order).
pub(crate) fn join(table: &str, probes: &[String], collations: &[String]) -> String {
    format!(
        "{} AS m ON {}",
        qualified(table),
        matches("m", probes, collations)
    )
}

/// The old rows a statement reads: `FROM <from> WHERE <filter>`.
pub(crate) struct Source<'a> {
    pub from: &'a str,
    pub filter: &'a str,
    pub params: &'a [Value],
}

/// Gives every old key of `src` that has no mapping yet a new rowid of
/// `table`, numbered in key order (`order_by`) after the last one given.
pub(crate) fn assign(
    conn: &Connection,
    table: &str,
    keys: &[String],
    order_by: &str,
    src: &Source<'_>,
) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {}({}) SELECT {} FROM {} WHERE {} ORDER BY {order_by}",
        qualified(table),
        key_columns(keys.len()),
        keys.join(", "),
        src.from,
        src.filter,
    ))
    .and_then(|mut s| s.execute(rusqlite::params_from_iter(src.params.iter())))
    .ctx(|| format!("assigning new keys for {table}"))?;
    Ok(())
}

/// Numbers the rows of `src`, a key range of renumbered table `table`
/// keyed by the rowid (`key`), by offset: new rowid = old rowid + offset,
/// the range's first row taking the next free id and the range's span
/// reserved. Only when no key of the range is mapped yet (a replay that ran
/// ahead of the copy maps keys out of order): returns the offset, or `None`
/// to number the range key by key instead.
pub(crate) fn assign_by_offset(
    conn: &Connection,
    table: &str,
    key: &str,
    src: &Source<'_>,
) -> Result<Option<i64>> {
    let ctx = || format!("numbering new keys for {table}");
    let (first, last): (Option<i64>, Option<i64>) = conn
        .prepare_cached(&format!(
            "SELECT (SELECT min({key}) FROM {from} WHERE {filter}), (SELECT max({key}) FROM {from} WHERE {filter})",
            from = src.from,
            filter = src.filter
        ))
        .and_then(|mut s| {
            s.query_row(rusqlite::params_from_iter(src.params.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .ctx(ctx)?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(Some(0));
    };
    let mapped: bool = conn
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE _mig_k0 BETWEEN ?1 AND ?2)",
            qualified(table)
        ))
        .and_then(|mut s| s.query_row([first, last], |r| r.get(0)))
        .ctx(ctx)?;
    if mapped {
        return Ok(None);
    }
    let used: i64 = conn
        .prepare_cached(&format!(
            "SELECT coalesce(max(_mig_new), 0) FROM {}",
            qualified(table)
        ))
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .ctx(ctx)?;
    let offset = used - first + 1;
    conn.execute(
        &format!(
            "INSERT INTO {}(_mig_new, _mig_k0) SELECT {key} + {offset}, {key} FROM {} WHERE {}",
            qualified(table),
            src.from,
            src.filter
        ),
        rusqlite::params_from_iter(src.params.iter()),
    )
    .ctx(ctx)?;
    Ok(Some(offset))
}

/// Gives old keys of renumbered `tr.parent` that reference `tr` (over the
/// rows of `src`) names but no mapping holds yet a reserved new rowid, so a
/// reference translates even before (or without) its parent row. A
/// reference with a NULL in any column names no parent (MATCH SIMPLE) and
/// reserves nothing. The mapping's UNIQUE key, under the parent key's
/// affinity and collation, makes `'FR'` and `'fr'` (NOCASE), or `'5'` and
/// `5`, one key.
pub(crate) fn reserve(conn: &Connection, tr: &Translation, src: &Source<'_>) -> Result<()> {
    let values: Vec<String> = tr
        .probes
        .iter()
        .enumerate()
        .map(|(i, p)| format!("({p}) AS v{i}"))
        .collect();
    let v: Vec<String> = (0..tr.probes.len()).map(|i| format!("v{i}")).collect();
    let not_null: Vec<String> = v.iter().map(|v| format!("{v} IS NOT NULL")).collect();
    conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {}({}) SELECT {} FROM (SELECT {} FROM {} WHERE {}) WHERE {}",
        qualified(&tr.parent),
        key_columns(v.len()),
        v.join(", "),
        values.join(", "),
        src.from,
        src.filter,
        not_null.join(" AND "),
    ))
    .and_then(|mut s| s.execute(rusqlite::params_from_iter(src.params.iter())))
    .ctx(|| {
        format!(
            "reserving keys of {} referenced from {}",
            tr.parent, src.from
        )
    })?;
    Ok(())
}

/// Names of the mapping tables in `main` (and the legacy one, if present).
fn tables(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare(
            "SELECT name FROM main.sqlite_schema WHERE type = 'table' \
             AND (name LIKE '\\_mig\\_map\\_%' ESCAPE '\\' OR name = '_id_mapping')",
        )
        .ctx(|| "listing the id mappings".into())?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .ctx(|| "listing the id mappings".into())?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(|| "listing the id mappings".into())?;
    Ok(names)
}

/// Drops every mapping, inside the caller's transaction (a revert's end;
/// after a cutover they go paced, [`retire::remove_paced`]).
pub(crate) fn drop_all(conn: &Connection) -> Result<()> {
    for name in tables(conn)? {
        conn.execute_batch(&format!("DROP TABLE main.{}", q(&name)))
            .ctx(|| format!("dropping {name}"))?;
    }
    Ok(())
}

/// Rows in all mappings; `None` once they are gone (after cutover) or when
/// `main` is not a migration's new database.
pub(crate) fn count_rows(conn: &Connection) -> Result<Option<u64>> {
    let names = tables(conn)?;
    if names.is_empty() && !has_table(conn, "main", "_migration_progress")? {
        return Ok(None);
    }
    let mut total = 0;
    for name in names {
        total += new_side::count_rows(conn, "main", &name)?.unwrap_or(0);
    }
    Ok(Some(total))
}

/// Converts a new database that keeps its mappings in mig 0.1's single
/// `_id_mapping` table to one table per renumbered table, in one
/// transaction; returns whether there was anything to convert. Keys are
/// stored with the old key's affinity from then on: two legacy entries that
/// become one key ('5' and 5) keep the first new rowid given.
pub fn upgrade_legacy(conn: &mut Connection, plan: &Plan) -> Result<bool> {
    if !has_table(conn, "main", LEGACY)? {
        return Ok(false);
    }
    let tx = lock::begin_immediate(conn).ctx(|| "converting _id_mapping".into())?;
    if !has_table(&tx, "main", LEGACY)? {
        return Ok(false);
    }
    create(&tx, &plan.tables)?;
    for t in plan
        .tables
        .iter()
        .filter(|t| t.key_mode == KeyMode::Renumbered)
    {
        let Some(key) = &t.old_key else { continue };
        tx.execute(
            &format!(
                "INSERT OR IGNORE INTO {}({k}, _mig_new) SELECT {k}, _mig_new FROM main.{LEGACY} WHERE _mig_tbl = {} ORDER BY _mig_new",
                qualified(&t.name),
                lit(&t.name),
                k = key_columns(key.width())
            ),
            [],
        )
        .ctx(|| format!("converting the id mapping of {}", t.name))?;
    }
    tx.execute_batch(&format!("DROP TABLE main.{LEGACY}"))
        .ctx(|| "converting _id_mapping".into())?;
    tx.commit().ctx(|| "converting _id_mapping".into())?;
    Ok(true)
}
