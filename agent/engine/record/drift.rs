//! Drift: the old catalog as recorded when recording started, compared with
//! the catalog now, to catch tables created or triggers dropped outside the
//! recorded path. Tables left to their owner (`owners.rs`), the shadow
//! tables of a virtual table left to its owner, and everything on them are
//! not listed: their owner may create or change them any time.

use std::collections::HashMap;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::engine::catalog::{lit, q, schema_rows};
use crate::engine::error::{Result, SqlContext};
use crate::engine::owners::{built_in_owner, LeftToOwner, LEFT_KIND};

/// The old catalog now, listed the way [`catalog_listing_leaving`] recorded
/// it: with the tables left to their owner that the marker of `schema`
/// recorded (the built-in ones alone when there is no marker).
pub fn catalog_listing(conn: &Connection, schema: &str) -> Result<String> {
    let left = match super::read_marker(conn, schema)? {
        Some(m) => LeftToOwner::from_recorded(&m.catalog),
        None => LeftToOwner::default(),
    };
    catalog_listing_leaving(conn, schema, &left)
}

/// One line per object of the old catalog (type, name, hash of its SQL),
/// objects on tables left to their owner excluded: compared later to
/// detect changes made outside the recorded path.
pub fn catalog_listing_leaving(
    conn: &Connection,
    schema: &str,
    left: &LeftToOwner,
) -> Result<String> {
    let rows = schema_rows(
        conn,
        &format!(
            "SELECT type, name, coalesce(sql, '') FROM {s}.sqlite_schema WHERE NOT {} \
             AND tbl_name NOT IN ({}) ORDER BY type, name",
            left.sql_condition("tbl_name"),
            shadows_of_left(schema, left),
            s = q(schema),
        ),
        "reading the old catalog",
    )?;
    let mut out = String::new();
    for (kind, name, sql) in rows {
        out.push_str(&listing_line(&kind, &name, &sql));
    }
    Ok(out)
}

/// A SELECT of the shadow tables (SQLite's `pragma_table_list` type
/// `shadow`: an FTS index's `_data`, `_content`, `_segments`..., an R-tree's
/// `_node`...) of the virtual tables in `schema` left to their owner: its
/// owner creates and drops them with the virtual table (`sqlite-utils
/// disable-fts`), so they are its too. Only real shadow tables of such a
/// virtual table: a table merely named like one is the service's. Recording
/// and the copy never saw them (the catalog lists no shadow table).
fn shadows_of_left(schema: &str, left: &LeftToOwner) -> String {
    format!(
        "SELECT s.name FROM pragma_table_list s, pragma_table_list v \
         WHERE s.schema = {schema} AND v.schema = {schema} AND s.type = 'shadow' \
         AND v.type = 'virtual' AND {} \
         AND substr(lower(s.name), 1, length(v.name) + 1) = lower(v.name) || '_'",
        left.sql_condition("v.name"),
        schema = lit(schema),
    )
}

fn listing_line(kind: &str, name: &str, sql: &str) -> String {
    let digest = hex::encode(&Sha256::digest(sql.as_bytes())[..8]);
    format!("{kind}\t{name}\t{digest}\n")
}

/// `recorded` with the lines of the triggers named in `changed` as they
/// are now (gone if dropped): what [`catalog_listing`] would give after a
/// change to those triggers alone, by one read of the schema rather than a
/// listing of all of it. [`drift`] compares listings as sets, so the order
/// of the lines does not matter.
pub fn listing_with_triggers(
    conn: &Connection,
    recorded: &str,
    changed: &[String],
) -> Result<String> {
    let names: std::collections::HashSet<&str> = changed.iter().map(String::as_str).collect();
    let mut out: String = recorded
        .lines()
        .filter(|l| {
            let mut p = l.split('\t');
            !(p.next() == Some("trigger") && p.next().is_some_and(|n| names.contains(n)))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let json = serde_json::to_string(changed).unwrap_or_else(|_| "[]".into());
    let ctx = || "reading the changed triggers".to_string();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name, coalesce(sql, '') FROM main.sqlite_schema WHERE type = 'trigger' AND name IN (SELECT value FROM json_each(?1)) AND NOT {}",
            // Objects on tables left to their owner are not listed.
            LeftToOwner::from_recorded(recorded).sql_condition("tbl_name")
        ))
        .ctx(ctx)?;
    let rows = stmt
        .query_map([json], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .ctx(ctx)?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(ctx)?;
    for (name, sql) in rows {
        out.push_str(&listing_line("trigger", &name, &sql));
    }
    Ok(out)
}

/// `listing` with the lines of the tables named `prefix…` and of their
/// indexes as they are now (gone if dropped): what [`catalog_listing`]
/// would give after a change to those tables alone (the revert window's
/// bookkeeping, created or dropped by the old side's step after cutover).
pub fn listing_with_tables_like(conn: &Connection, listing: &str, prefix: &str) -> Result<String> {
    let autoindex = format!("sqlite_autoindex_{prefix}");
    let mut out: String = listing
        .lines()
        .filter(|l| {
            let name = l.split('\t').nth(1).unwrap_or_default();
            !(name.starts_with(prefix) || name.starts_with(&autoindex))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let rows = schema_rows(
        conn,
        &format!(
            "SELECT type, name, coalesce(sql, '') FROM main.sqlite_schema WHERE substr(tbl_name, 1, {}) = {}",
            prefix.chars().count(),
            crate::engine::catalog::lit(prefix)
        ),
        "reading the old catalog",
    )?;
    for (kind, name, sql) in rows {
        out.push_str(&listing_line(&kind, &name, &sql));
    }
    Ok(out)
}

/// Records in the marker the catalog it holds with the tables named
/// `prefix…` as they are now (mig's own, created or dropped in `tx`), so
/// drift never reports them.
pub fn rerecord_tables_like_in(tx: &Connection, prefix: &str) -> Result<()> {
    let Some(marker) = super::read_marker(tx, "main")? else {
        return Ok(());
    };
    let listing = listing_with_tables_like(tx, &marker.catalog, prefix)?;
    tx.execute(
        "UPDATE _migration_marker SET catalog = ?1 WHERE id = 1",
        [listing],
    )
    .ctx(|| "recording the old catalog".into())?;
    Ok(())
}

/// What changed in the old catalog since recording started, one item each.
pub fn drift(recorded: &str, now: &str) -> Vec<String> {
    let left_line = format!("{LEFT_KIND}\t");
    // (type, name) -> hash, in listing order: a catalog of thousands of
    // tables and triggers is compared in linear time (this runs inside
    // drain's freeze).
    let parse = |s: &str| -> Vec<(String, String, String)> {
        s.lines()
            .filter(|l| !l.starts_with(&left_line))
            // A listing recorded before Litestream's tables were left to it.
            .filter(|l| l.split('\t').nth(1).and_then(built_in_owner).is_none())
            .filter_map(|l| {
                let mut p = l.split('\t');
                Some((
                    p.next()?.to_string(),
                    p.next()?.to_string(),
                    p.next()?.to_string(),
                ))
            })
            .collect()
    };
    let (a, b) = (parse(recorded), parse(now));
    let index = |v: &[(String, String, String)]| -> HashMap<(String, String), String> {
        v.iter()
            .map(|(k, n, h)| ((k.clone(), n.clone()), h.clone()))
            .collect()
    };
    let (in_a, in_b) = (index(&a), index(&b));
    let mut out = Vec::new();
    for (k, n, h) in &a {
        match in_b.get(&(k.clone(), n.clone())) {
            None => out.push(format!("{k} {n} was dropped")),
            Some(h2) if h2 != h => out.push(format!("{k} {n} was altered")),
            Some(_) => {}
        }
    }
    for (k, n, _) in &b {
        if !in_a.contains_key(&(k.clone(), n.clone())) {
            out.push(format!("{k} {n} was created"));
        }
    }
    out
}

/// What to do about `changes` when every one is a view's: a view holds
/// no rows, so no write went unrecorded, and putting each back as recording
/// found it clears the drift (`None` when a table, index or trigger
/// changed: those can hide unrecorded writes, and only a reset is safe).
pub fn views_only_advice(changes: &[String]) -> Option<String> {
    let all_views = !changes.is_empty() && changes.iter().all(|c| c.starts_with("view "));
    all_views.then(|| {
        "a view holds no rows, so no write went unrecorded: recreate each view with the SQL it had when `mig migrate` started (drop one created since), then run the step again; or `mig reset` and migrate again".to_string()
    })
}

/// The old catalog's schema version (raised by every change to it).
pub fn schema_version(conn: &Connection) -> Result<i64> {
    conn.pragma_query_value(Some("main"), "schema_version", |r| r.get(0))
        .ctx(|| "reading the old database's schema version".into())
}

/// What differs between the catalog the marker recorded and the catalog
/// now (empty: nothing, or no marker).
pub fn changes_since_recorded(conn: &Connection) -> Result<Vec<String>> {
    Ok(match super::read_marker(conn, "main")? {
        Some(m) => drift(&m.catalog, &catalog_listing(conn, "main")?),
        None => Vec::new(),
    })
}

/// [`changes_since_recorded`] read in one read transaction, without a
/// write lock, with the schema version it saw: inside a later write
/// transaction the same version proves the same catalog (one pragma,
/// whatever the schema's size).
pub fn changes_at_version(conn: &Connection) -> Result<(Vec<String>, i64)> {
    let what = || "reading the old catalog".to_string();
    let tx = conn.unchecked_transaction().ctx(what)?;
    let version = schema_version(&tx)?;
    let changes = changes_since_recorded(&tx)?;
    tx.finish().ctx(what)?;
    Ok((changes, version))
}
