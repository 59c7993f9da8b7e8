//! Type-affinity changes: a copied or renamed column whose new declared
//! type has another affinity than the old one (e.g. TEXT → INTEGER) can
//! change stored values (`'007'` becomes `7`). SQLite itself applies the
//! new affinity: the first [`PROBE_ROWS`] values are inserted into a
//! scratch table with the new declared type next to an untyped copy, and
//! the values that come out different are counted.

use rusqlite::Connection;

use super::quoted::Quoted;
use super::Plan;
use crate::engine::catalog::q;
use crate::engine::error::{Result, SqlContext};

/// Values probed per column: bounded so the plan stays cheap on big tables.
pub const PROBE_ROWS: u64 = 100_000;

#[derive(Debug, Clone)]
pub struct AffinityChange {
    pub table: String,
    pub column: String,
    pub old_table: String,
    pub old_column: String,
    pub old_type: String,
    pub new_type: String,
    /// Values among the first `probed` non-NULL ones that would change.
    pub changed: u64,
    pub probed: u64,
    /// Up to 5 of them, as SQL literals.
    pub examples: Quoted,
}

/// SQLite's column affinity of a declared type (section 3.1 of "Datatypes
/// In SQLite"): the rules are applied in this order.
pub fn affinity(decl: &str) -> &'static str {
    let d = decl.to_ascii_uppercase();
    if d.contains("INT") {
        "INTEGER"
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        "TEXT"
    } else if d.is_empty() || d.contains("BLOB") {
        "BLOB"
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// Every copied or renamed column whose affinity changes, with the values
/// that change. `conn` holds the target schema as `main` and old as `old`.
pub fn affinity_changes(conn: &Connection, plan: &Plan) -> Result<Vec<AffinityChange>> {
    let catalogs = super::Catalogs::of(conn, plan)?;
    let (target, old) = (&catalogs.target, &catalogs.old);
    let mut out = Vec::new();
    for t in &plan.tables {
        let (Some(src), Some(tt)) = (&t.source, target.table(&t.name)) else {
            continue;
        };
        let Some(ot) = old.table(src) else { continue };
        for c in &t.columns {
            // A translated key is a new key, not the old value.
            let Some(from) = c.source.old_column().filter(|_| c.translate.is_none()) else {
                continue;
            };
            let (Some(expr), Some(nc)) = (&c.expr, tt.column(&c.name)) else {
                continue;
            };
            let Some(oc) = ot.column(&from.name) else {
                continue;
            };
            if affinity(&oc.decl_type) == affinity(&nc.decl_type) {
                continue;
            }
            let (changed, probed, examples) = probe(conn, src, expr, &nc.decl_type)?;
            out.push(AffinityChange {
                table: t.name.clone(),
                column: c.name.clone(),
                old_table: ot.name.clone(),
                old_column: oc.name.clone(),
                old_type: oc.decl_type.clone(),
                new_type: nc.decl_type.clone(),
                changed,
                probed,
                examples: Quoted::Shown(examples),
            });
        }
    }
    Ok(out)
}

/// Stores the first values of `expr` in a temp table column of type `decl`
/// and counts those that come out changed.
fn probe(conn: &Connection, src: &str, expr: &str, decl: &str) -> Result<(u64, u64, Vec<String>)> {
    let ctx = || format!("probing the values of {expr} as {decl}");
    // `decl` comes from SQLite's own catalog of the target schema.
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS temp._mig_affinity; CREATE TEMP TABLE _mig_affinity(orig, v {decl});
         INSERT INTO temp._mig_affinity SELECT {expr}, {expr} FROM old.{} WHERE ({expr}) IS NOT NULL LIMIT {PROBE_ROWS};",
        q(src)
    ))
    .ctx(ctx)?;
    let (probed, changed): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE v IS NOT orig OR typeof(v) <> typeof(orig)) FROM temp._mig_affinity",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ctx(ctx)?;
    let mut stmt = conn
        .prepare("SELECT quote(orig) || ' -> ' || quote(v) FROM temp._mig_affinity WHERE v IS NOT orig OR typeof(v) <> typeof(orig) LIMIT 5")
        .ctx(ctx)?;
    let examples = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .ctx(ctx)?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(ctx)?;
    drop(stmt);
    conn.execute_batch("DROP TABLE temp._mig_affinity")
        .ctx(ctx)?;
    Ok((changed.max(0) as u64, probed.max(0) as u64, examples))
}
