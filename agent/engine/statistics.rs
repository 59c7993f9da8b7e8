//! Query-planner statistics for the new database before it serves.
//!
//! An old database that was `ANALYZE`d plans its queries with `sqlite_stat1`
//! (and `sqlite_stat4`'s samples, where SQLite was built with them, as the
//! bundled one is); a new database without them would plan the same queries
//! blind. Where a new index is the same as an old one (same source table
//! with its keys preserved — a sample holds the row's key —, the same old
//! columns in the same order, direction and collation, same uniqueness,
//! neither partial nor on expressions) its old rows are carried over under
//! the new names; every other index of a sourced table is `ANALYZE`d.
//! An old database never analyzed stays that way on the new side: the
//! service keeps the plans it has. Runs at migrate's end, never inside the
//! freeze.

use std::time::Instant;

use rusqlite::Connection;

use super::catalog::{lit, q, Index, Table};
use super::error::{Result, SqlContext};
use super::plan::{KeyMode, Plan, TablePlan};

/// Index entries `ANALYZE` reads per second, for `plan`'s estimate
/// (a full scan of each index; measured on a 2-core machine, rounded down).
pub const ANALYZE_ROWS_PER_SEC: f64 = 2_000_000.0;

/// What [`carry_over`] would do or did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatisticsPlan {
    /// The old database has `sqlite_stat1` rows (was analyzed).
    pub old_analyzed: bool,
    /// `(new table, new index or None for the table's row count, old table,
    /// old index)` whose old row is carried.
    pub carried: Vec<(String, Option<String>, String, Option<String>)>,
    /// `(new table, new index, rows)` to `ANALYZE`.
    pub analyze: Vec<(String, String, u64)>,
}

impl StatisticsPlan {
    /// Index entries `ANALYZE` reads.
    pub fn analyze_rows(&self) -> u64 {
        self.analyze.iter().map(|(_, _, rows)| rows).sum()
    }

    pub fn estimated_seconds(&self) -> f64 {
        self.analyze_rows() as f64 / ANALYZE_ROWS_PER_SEC
    }
}

/// What [`carry_over`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatisticsReport {
    pub plan: StatisticsPlan,
    pub seconds: f64,
}

impl StatisticsReport {
    /// One line for the migrate job's progress.
    pub fn message(&self) -> String {
        if !self.plan.old_analyzed {
            return "the old database has no query statistics (never ANALYZEd): the new one gets none either".into();
        }
        format!(
            "query statistics: {} carried from the old database, {} indexes analyzed ({} rows) in {:.0} ms",
            self.plan.carried.len(),
            self.plan.analyze.len(),
            self.plan.analyze_rows(),
            self.seconds * 1e3
        )
    }
}

/// Decides what to carry and what to analyze. `conn` holds the new schema
/// (the scratch reflection or the new database) as `main` and the old
/// database attached as `old`.
pub fn plan(conn: &Connection, plan: &Plan) -> Result<StatisticsPlan> {
    let old_rows = old_stat_rows(conn)?;
    let mut out = StatisticsPlan {
        old_analyzed: !old_rows.is_empty(),
        ..StatisticsPlan::default()
    };
    if !out.old_analyzed {
        return Ok(out);
    }
    let catalogs = super::plan::Catalogs::of(conn, plan)?;
    let (new_cat, old_cat) = (&catalogs.target, &catalogs.old);
    for t in &plan.tables {
        let (Some(src), Some(new_t)) = (&t.source, new_cat.table(&t.name)) else {
            continue;
        };
        let Some(old_t) = old_cat.table(src) else {
            continue;
        };
        let has_stat = |idx: Option<&str>| {
            old_rows.iter().any(|(tb, ix)| {
                tb.eq_ignore_ascii_case(&old_t.name)
                    && match (ix, idx) {
                        (None, None) => true,
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        _ => false,
                    }
            })
        };
        // A sample of a renumbered table names old keys.
        let preserved = t.key_mode == KeyMode::Preserved;
        if new_t.indexes.is_empty() && has_stat(None) {
            out.carried
                .push((new_t.name.clone(), None, old_t.name.clone(), None));
        }
        for ix in &new_t.indexes {
            let same = old_t
                .indexes
                .iter()
                .filter(|_| preserved)
                .find(|o| same_index(t, old_t, ix, o) && has_stat(Some(&o.name)));
            match same {
                Some(o) => out.carried.push((
                    new_t.name.clone(),
                    Some(ix.name.clone()),
                    old_t.name.clone(),
                    Some(o.name.clone()),
                )),
                None => out
                    .analyze
                    .push((new_t.name.clone(), ix.name.clone(), t.rows)),
            }
        }
    }
    Ok(out)
}

/// Carries the old statistics and analyzes the rest, in one transaction on
/// `work` (the new database as `main`, old attached as `old`).
pub fn carry_over(work: &mut Connection, plan: &Plan) -> Result<StatisticsReport> {
    let started = Instant::now();
    let decided = self::plan(work, plan)?;
    if !decided.old_analyzed {
        return Ok(StatisticsReport {
            plan: decided,
            seconds: 0.0,
        });
    }
    let ctx = || "carrying query statistics to the new database".to_string();
    let tx = work.transaction().ctx(ctx)?;
    ensure_stat1(&tx)?;
    let stat4 = super::record::has_table(&tx, "old", "sqlite_stat4")?
        && super::record::has_table(&tx, "main", "sqlite_stat4")?;
    for (new_t, new_i, old_t, old_i) in &decided.carried {
        let idx_match = |i: &Option<String>| match i {
            Some(name) => format!("idx = {}", lit(name)),
            None => "idx IS NULL".to_string(),
        };
        tx.execute_batch(&format!(
            "DELETE FROM main.sqlite_stat1 WHERE tbl = {} AND {};\n\
             INSERT INTO main.sqlite_stat1(tbl, idx, stat) SELECT {}, {}, stat FROM old.sqlite_stat1 WHERE tbl = {} AND {} LIMIT 1;",
            lit(new_t),
            idx_match(new_i),
            lit(new_t),
            new_i.as_deref().map(lit).unwrap_or_else(|| "NULL".into()),
            lit(old_t),
            idx_match(old_i),
        ))
        .ctx(ctx)?;
        if let (true, Some(new_i), Some(old_i)) = (stat4, new_i, old_i) {
            tx.execute_batch(&format!(
                "DELETE FROM main.sqlite_stat4 WHERE tbl = {0} AND idx = {1};\n\
                 INSERT INTO main.sqlite_stat4(tbl, idx, neq, nlt, ndlt, sample) SELECT {0}, {1}, neq, nlt, ndlt, sample FROM old.sqlite_stat4 WHERE tbl = {2} AND idx = {3};",
                lit(new_t),
                lit(new_i),
                lit(old_t),
                lit(old_i),
            ))
            .ctx(ctx)?;
        }
    }
    for (_, idx, _) in &decided.analyze {
        tx.execute_batch(&format!("ANALYZE main.{}", q(idx)))
            .ctx(|| format!("analyzing index {idx} of the new database"))?;
    }
    tx.commit().ctx(ctx)?;
    Ok(StatisticsReport {
        plan: decided,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// `(table, index)` of every old `sqlite_stat1` row (none: never analyzed).
fn old_stat_rows(conn: &Connection) -> Result<Vec<(String, Option<String>)>> {
    if !super::record::has_table(conn, "old", "sqlite_stat1")? {
        return Ok(Vec::new());
    }
    let ctx = || "reading the old database's sqlite_stat1".to_string();
    let mut stmt = conn
        .prepare("SELECT tbl, idx FROM old.sqlite_stat1")
        .ctx(ctx)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .ctx(ctx)?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(ctx)?;
    Ok(rows)
}

/// SQLite creates `sqlite_stat1` only through `ANALYZE`: analyze an empty
/// table of mig's own, then drop it.
fn ensure_stat1(tx: &Connection) -> Result<()> {
    if super::record::has_table(tx, "main", "sqlite_stat1")? {
        return Ok(());
    }
    tx.execute_batch(
        "CREATE TABLE main._mig_stat_seed(x);\n\
         ANALYZE main._mig_stat_seed;\n\
         DROP TABLE main._mig_stat_seed;\n\
         DELETE FROM main.sqlite_stat1 WHERE tbl = '_mig_stat_seed';",
    )
    .ctx(|| "creating sqlite_stat1 in the new database".into())
}

/// `new` on new table `t` indexes the same old values, in the same order,
/// as `old` on its source table.
fn same_index(t: &TablePlan, old_t: &Table, new: &Index, old: &Index) -> bool {
    if new.unique != old.unique
        || new.partial
        || old.partial
        || new.columns.len() != old.columns.len()
    {
        return false;
    }
    new.columns.iter().zip(&old.columns).all(|(n, o)| {
        let (Some(n_name), Some(o_name)) = (&n.name, &o.name) else {
            return false;
        };
        n.desc == o.desc
            && n.collation.eq_ignore_ascii_case(&o.collation)
            && source_column(t, old_t, n_name).is_some_and(|s| s.eq_ignore_ascii_case(o_name))
    })
}

/// The old column a new column copies unchanged (a copy or a rename).
fn source_column<'a>(t: &TablePlan, old_t: &'a Table, new_col: &str) -> Option<&'a str> {
    let c = t
        .columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(new_col))?;
    let from = c.source.old_column().filter(|_| c.translate.is_none())?;
    old_t
        .columns
        .iter()
        .find(|o| o.name == from.name)
        .map(|o| o.name.as_str())
}
