//! What replay changed in the new database since a revert map was seeded
//! ahead of the lock, copied into the map: before the freeze (after drain's
//! catch-up, [`refresh`]) and under the old side's lock ([`complete_in`]).
//!
//! The natural keys are seeded by the new table's rowid after the note
//! records the forward replay checkpoint (`log_through`): every later change
//! to a new row comes from a `_migration_log` entry past it. Only the rows
//! of the keys those entries touched are copied again, so the work follows
//! the writes, not the table: found through the id mapping where there is
//! one (its row, then the natural key, as the full seeding orders them), or
//! else (a preserved or composite new key) by the natural key itself, when
//! an index of the new table finds a row by it ([`Touched::Natural`]: the
//! query plan is asked, not guessed). A map neither applies to (a natural
//! key computed by an expression no index covers), or a note without a
//! checkpoint, compares every new row with the map instead, seeking the
//! map's key per row: under the lock, a read of the whole new table.

use rusqlite::{Connection, OptionalExtension};

use super::inverse::{KeySource, TableInverse, ROW};
use super::seed::{copy_id_map_in, copy_natural_in, id_map_source, SEEDED};
use crate::engine::catalog::{lit, q};
use crate::engine::error::{Result, SqlContext};
use crate::engine::{failpoint, mapping};

/// The forward replay checkpoint on the attached new database (`None` once
/// cutover dropped its progress).
pub(super) fn replay_checkpoint(tx: &Connection) -> Result<Option<i64>> {
    if !crate::engine::record::has_table(tx, "new", "_migration_progress")? {
        return Ok(None);
    }
    tx.query_row(
        "SELECT n FROM new._migration_progress WHERE item = 'replay'",
        [],
        |r| r.get(0),
    )
    .optional()
    .map(|n| Some(n.unwrap_or(0)))
    .ctx(|| "reading the replay checkpoint".into())
}

/// `t`'s note: (id mapping through, natural rowid through, log through).
fn note(tx: &Connection, t: &TableInverse) -> Result<Option<(i64, i64, Option<i64>)>> {
    if !crate::engine::record::has_table(tx, "main", SEEDED)? {
        return Ok(None);
    }
    tx.query_row(
        &format!("SELECT through, natural_through, log_through FROM main.{SEEDED} WHERE map = ?1"),
        [t.map_table()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
    .ctx(|| {
        format!(
            "reading how far the revert map of {} was seeded",
            t.old_table
        )
    })
}

/// Before the freeze, after drain's catch-up: copies what replay changed
/// since the note's checkpoint into each noted map and moves the
/// checkpoint to replay's, so the lock copies only the freeze's tail.
/// `conn`: the old database as `main`, the new one attached as `new`.
pub fn refresh(conn: &Connection, inv: &super::Inverse) -> Result<()> {
    if !crate::engine::record::has_table(conn, "main", SEEDED)? {
        return Ok(());
    }
    let natural = inv
        .tables
        .iter()
        .filter(|t| matches!(t.key, KeySource::Mapped { natural: Some(_) }));
    for t in natural {
        let mut chunk = super::seed::Chunk::new();
        while refresh_step(conn, t, &mut chunk)? {}
    }
    Ok(())
}

/// One transaction of [`refresh`] on `t`: the `chunk`'s size of log
/// entries past the note's checkpoint (sized from the last transaction's
/// hold), the lock then left free as long as it was held (a write that
/// waited on it goes through before the next one, or the freeze). False
/// once the note is at replay's checkpoint.
fn refresh_step(
    conn: &Connection,
    t: &TableInverse,
    chunk: &mut super::seed::Chunk,
) -> Result<bool> {
    let what = || "bringing the revert maps up to date before the freeze".to_string();
    let started = std::time::Instant::now();
    let tx = crate::engine::lock::begin_immediate(conn).ctx(what)?;
    let (Some(now), Some((_, _, Some(from)))) = (replay_checkpoint(&tx)?, note(&tx, t)?) else {
        return Ok(false);
    };
    if from >= now || touched_way(&tx, t)?.is_none() {
        return Ok(false);
    }
    let to = now.min(from.saturating_add(chunk.rows()));
    copy_touched_in(&tx, t, (from, Some(to)))?;
    tx.execute(
        &format!("UPDATE main.{SEEDED} SET log_through = ?2 WHERE map = ?1"),
        rusqlite::params![t.map_table(), to],
    )
    .ctx(what)?;
    tx.commit().ctx(what)?;
    chunk.took((to - from) as u64, started.elapsed());
    super::seed::let_writes_through(started);
    Ok(true)
}

/// Inside the old side's settle (under its lock, every log entry
/// replayed): completes `t`'s map when the note vouches for it and returns
/// true; false when it does not (the caller seeds the map in full).
pub(super) fn complete_in(tx: &Connection, t: &TableInverse) -> Result<bool> {
    let Some((from, natural_from, log_from)) = note(tx, t)? else {
        return Ok(false);
    };
    failpoint::hit("window.before-seed-delta");
    copy_id_map_in(tx, t, &format!("_mig_new > {from}"))?;
    if !matches!(t.key, KeySource::Mapped { natural: Some(_) }) {
        return Ok(true);
    }
    match log_from {
        Some(log_from) if touched_way(tx, t)?.is_some() => {
            copy_touched_in(tx, t, (log_from, None))?;
            // Rows past the natural seeding's end (a seeding cut short).
            if natural_from < i64::MAX {
                let nk = &t.new_key.exprs(ROW)[0];
                copy_natural_in(tx, t, &format!("{nk} > {natural_from}"))?;
            }
        }
        _ => {
            copy_differing_in(tx, t)?;
        }
    }
    Ok(true)
}

/// How the new rows of the old keys a log entry touched are found.
enum Touched {
    /// Through the id mapping (`new."_mig_map_<table>"`).
    IdMap(String),
    /// By the natural old key over an index of the new table.
    Natural,
}

/// The old keys the log entries in `range` touched (inserted, updated,
/// deleted, and an update's key before it), as columns `k0…`.
fn touched_keys(t: &TableInverse, range: &str) -> String {
    let w = t.old_key.width();
    let k: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
    let o: Vec<String> = (0..w).map(|i| format!("o{i} AS k{i}")).collect();
    format!(
        "SELECT {k} FROM main._migration_log WHERE {range} AND tbl = {tbl} \
         UNION SELECT {o} FROM main._migration_log WHERE {range} AND tbl = {tbl} AND op = 'U'",
        k = k.join(", "),
        o = o.join(", "),
        tbl = lit(&t.old_table),
    )
}

/// `(<natural key over the new row>) IN (<touched keys>)`.
fn natural_in(ex: &[String], keys: &str, width: usize) -> String {
    let k: Vec<String> = (0..width).map(|i| format!("k{i}")).collect();
    format!(
        "({}) IN (SELECT {} FROM ({keys}))",
        ex.join(", "),
        k.join(", ")
    )
}

/// How `t`'s touched rows are found, or `None` when only a read of the
/// whole new table would find them.
fn touched_way(tx: &Connection, t: &TableInverse) -> Result<Option<Touched>> {
    if let Some(src) = id_map_source(tx, t)? {
        return Ok(Some(Touched::IdMap(src)));
    }
    let KeySource::Mapped { natural: Some(ex) } = &t.key else {
        return Ok(None);
    };
    let filter = natural_in(ex, &touched_keys(t, "seq > 0"), t.old_key.width());
    let sql = format!(
        "EXPLAIN QUERY PLAN SELECT 1 FROM new.{} AS {ROW} WHERE {filter}",
        q(&t.new_table)
    );
    let what = || format!("planning the revert map delta of {}", t.old_table);
    let mut stmt = tx.prepare(&sql).ctx(what)?;
    let details = stmt
        .query_map([], |r| r.get::<_, String>(3))
        .ctx(what)?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(what)?;
    // A scan of the new table, or an index SQLite would build for this
    // query alone, reads all of it.
    let reads_all = details
        .iter()
        .any(|d| (d.starts_with("SCAN ") && d.contains(ROW)) || d.contains("AUTOMATIC"));
    Ok((!reads_all).then_some(Touched::Natural))
}

/// Copies again, for every new row whose old key a log entry in
/// (`from`, `to`] touched (no `to`: to the end), its id mapping row, then
/// its natural key.
fn copy_touched_in(
    tx: &Connection,
    t: &TableInverse,
    (from, to): (i64, Option<i64>),
) -> Result<u64> {
    let range = match to {
        Some(to) => format!("seq > {from} AND seq <= {to}"),
        None => format!("seq > {from}"),
    };
    let keys = touched_keys(t, &range);
    match touched_way(tx, t)? {
        Some(Touched::IdMap(src)) => {
            let w = t.old_key.width();
            let probes: Vec<String> = (0..w).map(|i| format!("tk.k{i}")).collect();
            let touched = format!(
                "SELECT m._mig_new FROM ({keys}) AS tk CROSS JOIN {src} AS m ON {}",
                mapping::matches("m", &probes, &t.old_key.collations()),
            );
            copy_id_map_in(tx, t, &format!("_mig_new IN ({touched})"))?;
            let nk = &t.new_key.exprs(ROW)[0];
            copy_natural_in(tx, t, &format!("{nk} IN ({touched})"))
        }
        Some(Touched::Natural) => {
            let KeySource::Mapped { natural: Some(ex) } = &t.key else {
                return Ok(0);
            };
            copy_natural_in(tx, t, &natural_in(ex, &keys, t.old_key.width()))
        }
        None => Ok(0),
    }
}

/// Copies every natural key that differs from the map: a read of the whole
/// new table, the map's key sought per row (the probe without affinity, so
/// the map's untyped key index applies), no write for a row unchanged.
fn copy_differing_in(tx: &Connection, t: &TableInverse) -> Result<u64> {
    let KeySource::Mapped { natural: Some(ex) } = &t.key else {
        return Ok(0);
    };
    let differs: Vec<String> = t
        .new_key
        .exprs(ROW)
        .iter()
        .enumerate()
        .map(|(i, e)| format!("m.n{i} = +({e})"))
        .chain(ex.iter().enumerate().map(|(i, e)| format!("m.o{i} IS {e}")))
        .collect();
    copy_natural_in(
        tx,
        t,
        &format!(
            "NOT EXISTS (SELECT 1 FROM main.{} AS m WHERE {})",
            q(&t.map_table()),
            differs.join(" AND ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::catalog::Affinity;
    use crate::engine::plan::{KeyColumn, OldKey};

    /// `Line` (rowid key `Id`) renumbered to `line` keyed by
    /// `(orderno, pos)`, its old key computed from the new row by `ex`.
    fn line(ex: &str) -> TableInverse {
        let col = |name: &str| KeyColumn {
            name: name.into(),
            desc: false,
            collation: "BINARY".into(),
            affinity: Affinity::Integer,
        };
        TableInverse {
            new_table: "line".into(),
            old_table: "Line".into(),
            new_key: OldKey::Columns(vec![col("orderno"), col("pos")]),
            old_key: OldKey::Rowid {
                alias: Some("Id".into()),
            },
            keeps_rowid: false,
            indexed: vec![],
            key: KeySource::Mapped {
                natural: Some(vec![ex.into()]),
            },
            columns: vec![],
            children: vec![],
            new_only: vec![],
            computed: vec![],
        }
    }

    fn databases() -> Connection {
        let c = Connection::open_in_memory().expect("memory db");
        c.execute_batch(
            "CREATE TABLE _migration_log(seq INTEGER PRIMARY KEY, tbl TEXT, op TEXT, k0, o0);
             ATTACH ':memory:' AS new;
             CREATE TABLE new.line(id INTEGER NOT NULL UNIQUE, orderno INTEGER, pos INTEGER, note TEXT, PRIMARY KEY (orderno, pos));
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
             INSERT INTO new.line SELECT i, i / 10, i % 10, 'n' FROM n;
             INSERT INTO _migration_log(seq, tbl, op, k0, o0) VALUES (1, 'Line', 'U', 7, 5), (2, 'Line', 'I', 42, NULL), (3, 'Other', 'I', 9, NULL);",
        )
        .expect("databases");
        c
    }

    #[test]
    fn a_natural_key_an_index_covers_copies_only_the_rows_the_log_touched() {
        let c = databases();
        let t = line(&format!("{ROW}.\"id\""));
        assert!(matches!(touched_way(&c, &t), Ok(Some(Touched::Natural))));
        super::super::store::create_map_table(&c, &t).expect("map");
        assert_eq!(copy_touched_in(&c, &t, (0, None)).expect("copy"), 3);
        let keys: Vec<i64> = c
            .prepare("SELECT o0 FROM _mig_revert_map_Line ORDER BY o0")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("map rows");
        assert_eq!(keys, [5, 7, 42]);
    }

    #[test]
    fn a_natural_key_no_index_covers_is_left_to_the_whole_table_compare() {
        let c = databases();
        let t = line(&format!("({ROW}.\"id\" + 0)"));
        assert!(matches!(touched_way(&c, &t), Ok(None)));
    }
}
