//! Sampling the rehearsal's private copy (`plan --rehearse --sample N%`):
//! fewer rows where the rows are, with every reference kept closed.
//!
//! Tables are visited children first (a table before the tables it
//! references). Each table of at least [`SAMPLE_MIN_ROWS`] rows keeps the
//! rows that a row still kept elsewhere references (so no kept row ever
//! points at a removed one), and of the others as many as bring it to about
//! the asked share; smaller tables (lookup tables) stay whole. The largest
//! tables are usually the ones nothing references (events, order lines,
//! cities), so they keep the asked share exactly, and each parent keeps at
//! least what its kept children need. Rows only ever go, never come back, so
//! a row removed is one no remaining row references: the sample has no
//! dangling reference the full data lacks, whatever the order (cycles and
//! self-references included), and references that already dangled stay as
//! they were.
//!
//! Which rows: `(rowid % 10000) * 7919 % 10000` is a permutation of the
//! residues, so any 10000 consecutive rowids keep exactly the share;
//! WITHOUT ROWID tables keep a random share. What each table kept, and why,
//! is reported ([`SampledTable`]).

use rusqlite::Connection;

use crate::engine::catalog::{q, Catalog, ForeignKey, Table};
use crate::engine::error::{Result, SqlContext};

/// Tables smaller than this are copied whole (lookup tables).
pub const SAMPLE_MIN_ROWS: u64 = 1000;

/// Residues the row pick is taken over.
const PICK_RANGE: f64 = 10_000.0;

/// What sampling kept of one old table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampledTable {
    pub table: String,
    /// Rows before sampling.
    pub rows: u64,
    /// Rows the sample kept.
    pub kept: u64,
    /// Of those, rows kept because a kept row references them.
    pub referenced: u64,
    /// Kept whole because it has fewer than [`SAMPLE_MIN_ROWS`] rows.
    pub whole: bool,
}

/// A foreign key pointing at the table being sampled.
struct Reference<'c> {
    child: &'c Table,
    fk: &'c ForeignKey,
}

/// Keeps about `percent` of the rows (see the module doc); returns what
/// each table kept, largest first.
pub fn sample(conn: &Connection, percent: f64) -> Result<Vec<SampledTable>> {
    let cat = Catalog::read(conn, "main")?;
    let mut rows = Vec::with_capacity(cat.tables.len());
    for t in &cat.tables {
        rows.push(count(conn, &t.name, "1")?);
    }
    let mut out = Vec::with_capacity(cat.tables.len());
    for i in children_first(&cat, &rows) {
        let t = &cat.tables[i];
        let mut s = SampledTable {
            table: t.name.clone(),
            rows: rows[i],
            kept: rows[i],
            ..Default::default()
        };
        if rows[i] < SAMPLE_MIN_ROWS {
            s.whole = true;
        } else {
            let referenced = referenced_condition(&cat, t);
            s.referenced = count(conn, &t.name, &referenced)?;
            let share = share_of_the_rest(percent, rows[i], s.referenced);
            conn.execute(
                &format!(
                    "DELETE FROM {} WHERE NOT coalesce({referenced}, 0) AND {} >= {}",
                    q(&t.name),
                    pick(t),
                    (share * PICK_RANGE).round() as i64
                ),
                [],
            )
            .ctx(|| format!("sampling {}", t.name))?;
            s.kept = count(conn, &t.name, "1")?;
        }
        out.push(s);
    }
    out.sort_by(|a, b| b.rows.cmp(&a.rows).then_with(|| a.table.cmp(&b.table)));
    Ok(out)
}

/// The share of the rows nothing references to keep so that `referenced`
/// of `rows`, plus that share of the others, is about `percent` of `rows`.
fn share_of_the_rest(percent: f64, rows: u64, referenced: u64) -> f64 {
    let target = percent / 100.0 * rows as f64;
    let rest = rows.saturating_sub(referenced) as f64;
    if rest <= 0.0 {
        return 0.0;
    }
    ((target - referenced as f64) / rest).clamp(0.0, 1.0)
}

/// A number in `0..10000` per row, spread over the rows.
fn pick(t: &Table) -> &'static str {
    if t.without_rowid {
        "abs(random() % 10000)"
    } else {
        "(abs(rowid % 10000) * 7919) % 10000"
    }
}

fn count(conn: &Connection, table: &str, condition: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {} WHERE {condition}", q(table)),
            [],
            |r| r.get(0),
        )
        .ctx(|| format!("counting the rows of {table}"))?;
    Ok(n.max(0) as u64)
}

/// Every foreign key of `cat` whose parent is `parent` (its own included).
fn references<'c>(cat: &'c Catalog, parent: &Table) -> Vec<Reference<'c>> {
    cat.tables
        .iter()
        .flat_map(|child| child.foreign_keys.iter().map(move |fk| (child, fk)))
        .filter(|(_, fk)| fk.parent.eq_ignore_ascii_case(&parent.name))
        .map(|(child, fk)| Reference { child, fk })
        .collect()
}

/// True for a row of `t` that a row of any table references (NULL when
/// nothing can tell, which the caller reads as false).
fn referenced_condition(cat: &Catalog, t: &Table) -> String {
    let refs = references(cat, t);
    if refs.is_empty() {
        return "0".into();
    }
    let parts: Vec<String> = refs
        .iter()
        .filter_map(|r| {
            let to = parent_columns(r.fk, t)?;
            let from: Vec<String> = r.fk.from.iter().map(|c| format!("_c.{}", q(c))).collect();
            let not_null: Vec<String> = from.iter().map(|c| format!("{c} IS NOT NULL")).collect();
            Some(format!(
                "{} IN (SELECT {} FROM {} AS _c WHERE {})",
                tuple(&to.iter().map(|c| q(c)).collect::<Vec<_>>()),
                from.join(", "),
                q(&r.child.name),
                not_null.join(" AND ")
            ))
        })
        .collect();
    if parts.is_empty() {
        "0".into()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

/// The parent columns a foreign key references: named, or the parent's
/// primary key (the rowid when it declares none). `None` when the two
/// sides differ in width (SQLite would refuse the key when enforcing it).
fn parent_columns(fk: &ForeignKey, parent: &Table) -> Option<Vec<String>> {
    let cols: Vec<String> = if fk.to.iter().all(Option::is_none) {
        if parent.pk.is_empty() {
            vec!["rowid".to_string()]
        } else {
            parent.pk.clone()
        }
    } else {
        fk.to.iter().cloned().collect::<Option<Vec<_>>>()?
    };
    (cols.len() == fk.from.len()).then_some(cols)
}

fn tuple(items: &[String]) -> String {
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("({})", items.join(", "))
    }
}

/// Table indexes, each table before the tables it references; within a
/// cycle, the largest first.
fn children_first(cat: &Catalog, rows: &[u64]) -> Vec<usize> {
    let n = cat.tables.len();
    // referrers[p]: the other tables referencing table p, not yet visited.
    let mut referrers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (c, child) in cat.tables.iter().enumerate() {
        for fk in &child.foreign_keys {
            let parent = cat
                .tables
                .iter()
                .position(|t| t.name.eq_ignore_ascii_case(&fk.parent));
            if let Some(p) = parent.filter(|&p| p != c && !referrers[p].contains(&c)) {
                referrers[p].push(c);
            }
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut done = vec![false; n];
    while order.len() < n {
        let ready = (0..n)
            .filter(|&i| !done[i])
            .filter(|&i| referrers[i].iter().all(|&c| done[c]))
            .max_by_key(|&i| rows[i]);
        // A cycle: nothing is ready, so the largest table left goes first.
        let next = ready.or_else(|| (0..n).filter(|&i| !done[i]).max_by_key(|&i| rows[i]));
        let Some(i) = next else { break };
        done[i] = true;
        order.push(i);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_keeps_what_brings_the_table_to_its_share() {
        assert_eq!(share_of_the_rest(10.0, 1000, 0), 0.1);
        // 50 referenced rows, 50 more of the 950 others: 100 in all.
        assert!((share_of_the_rest(10.0, 1000, 50) - 50.0 / 950.0).abs() < 1e-12);
        assert_eq!(share_of_the_rest(10.0, 1000, 400), 0.0);
        assert_eq!(share_of_the_rest(10.0, 1000, 1000), 0.0);
        assert_eq!(share_of_the_rest(100.0, 1000, 0), 1.0);
    }
}
