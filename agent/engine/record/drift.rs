//! Drift: the old catalog as recorded when recording started, compared with
//! the catalog now, to catch tables created or triggers dropped outside the
//! recorded path. Tables left to their owner (`owners.rs`) and everything
//! on them are not listed: their owner may create or change them any time.

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::engine::catalog::{q, schema_rows};
use crate::engine::error::Result;
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
            "SELECT type, name, coalesce(sql, '') FROM {}.sqlite_schema WHERE NOT {} ORDER BY type, name",
            q(schema),
            left.sql_condition("tbl_name")
        ),
        "reading the old catalog",
    )?;
    let mut out = String::new();
    for (kind, name, sql) in rows {
        let digest = hex::encode(&Sha256::digest(sql.as_bytes())[..8]);
        out.push_str(&format!("{kind}\t{name}\t{digest}\n"));
    }
    Ok(out)
}

/// What changed in the old catalog since recording started, one item each.
pub fn drift(recorded: &str, now: &str) -> Vec<String> {
    let parse = |s: &str| -> Vec<(String, String, String)> {
        s.lines()
            .filter(|l| !l.starts_with(&format!("{LEFT_KIND}\t")))
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
    let mut out = Vec::new();
    for (k, n, h) in &a {
        match b.iter().find(|(k2, n2, _)| k2 == k && n2 == n) {
            None => out.push(format!("{k} {n} was dropped")),
            Some((_, _, h2)) if h2 != h => out.push(format!("{k} {n} was altered")),
            Some(_) => {}
        }
    }
    for (k, n, _) in &b {
        if !a.iter().any(|(k2, n2, _)| k2 == k && n2 == n) {
            out.push(format!("{k} {n} was created"));
        }
    }
    out
}
