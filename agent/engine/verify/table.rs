//! Verifies one table chunk by chunk, each chunk in one write transaction
//! on the new database: replay every log entry up to the old database's
//! snapshot, then compare that snapshot's rows with the new ones, then
//! (when repairing) recopy a differing chunk and compare again.
//!
//! The transaction is what makes the comparison consistent while the
//! service keeps writing: the replay inside it reads the log from the same
//! snapshot of the old database as the comparison, and holding the new
//! database's write lock keeps every other replay out, so both sides stand
//! at exactly the same log position.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::chunk::{TableCheck, MAX_KEYS};
use super::progress::{Chunk, Progress};
use crate::engine::chunk_sql::KeyRange;
use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::plan::quoted::{Disclosure, QuotedText, KEYS_WITHHELD};
use crate::engine::plan::{Plan, TablePlan};
use crate::engine::{lock, replay, Ctx};

/// What verify does about a chunk that differs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Repair {
    /// Recopy it (the mapping over its key range) and compare again; fail
    /// only if it still differs.
    #[default]
    Recopy,
    /// Change nothing: count every difference of every table (naming the
    /// first keys of each), and fail once all are compared.
    CheckOnly,
}

/// The outcome of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableReport {
    pub table: String,
    pub rows: u64,
    pub chunks: u64,
    pub chunks_recopied: u64,
    /// Rows found different (missing, changed or extra) and repaired.
    pub rows_repaired: u64,
    /// Log entries replayed before its chunks were compared.
    pub entries_replayed: u64,
    /// Differences found and left (check-only).
    pub differences: Differences,
}

/// What a check-only comparison found wrong in one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Differences {
    /// Old rows whose image is missing or different in the new table, and
    /// the old keys of the first [`MAX_KEYS`].
    pub rows: u64,
    pub keys: Vec<String>,
    /// New rows no old row maps to, and the new keys of the first
    /// [`MAX_KEYS`].
    pub extra: u64,
    pub extra_keys: Vec<String>,
    /// The row counts differ and no key can be named (`(new, old)`).
    pub unexplained: Option<(i64, i64)>,
}

impl Differences {
    pub fn any(&self) -> bool {
        self.rows > 0 || self.extra > 0 || self.unexplained.is_some()
    }

    /// `table t differs from the mapping of old table s in 3 rows, at key
    /// 4, 9, 12; table t has 1 row no row of old table s maps to, at key 99`.
    pub fn describe(&self, table: &str, src: &str) -> QuotedText {
        QuotedText::rows(
            self.describe_as(table, src, Disclosure::Values),
            self.describe_as(table, src, Disclosure::CountsOnly),
        )
    }

    fn describe_as(&self, table: &str, src: &str, d: Disclosure) -> String {
        let keys_text = |keys: &[String], of| match d {
            Disclosure::Values => keys_text(keys, of),
            Disclosure::CountsOnly => KEYS_WITHHELD.to_string(),
        };
        let mut parts = Vec::new();
        if self.rows > 0 {
            parts.push(format!(
                "table {table} differs from the mapping of old table {src} in {}, at key {}",
                rows(self.rows),
                keys_text(&self.keys, self.rows)
            ));
        }
        if self.extra > 0 {
            parts.push(format!(
                "table {table} has {} no row of old table {src} maps to, at key {}",
                rows(self.extra),
                keys_text(&self.extra_keys, self.extra)
            ));
        }
        if let Some((new, old)) = self.unexplained {
            parts.push(format!(
                "table {table} has {new} rows but old table {src} has {old}, and no key can be named"
            ));
        }
        parts.join("; ")
    }
}

fn rows(n: u64) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

/// Verifies `t`, chunk by chunk of `chunk_rows` old rows.
pub fn table(
    work: &mut Connection,
    plan: &Plan,
    t: &TablePlan,
    chunk_rows: u64,
    repair: Repair,
    (progress, ctx): (&mut Progress, &mut Ctx<'_>),
) -> Result<TableReport> {
    let mut report = TableReport {
        table: t.name.clone(),
        ..Default::default()
    };
    let (Some(src), Some(key)) = (&t.source, &t.old_key) else {
        return Ok(report);
    };
    let check = TableCheck::new(t, src, key)?;
    check.prepare(work)?;
    let mut lo: Option<Vec<Value>> = None;
    loop {
        ctx.control.check()?;
        report.entries_replayed +=
            replay::shorten_backlog(work, plan, replay::SHORT_TAIL, ctx.control)?;
        let tx = lock::begin_immediate(work).ctx(|| format!("starting to verify {}", t.name))?;
        report.entries_replayed += replay::batch_in(&tx, plan, u64::MAX)?.applied;
        let hi = check.sql.chunk_end(&tx, lo.as_deref(), chunk_rows)?;
        let range = KeyRange {
            lo: lo.as_deref(),
            hi: hi.as_deref(),
        };
        let params = range.params();
        let filter = check.sql.range(range);
        let rows = compare_chunk(&tx, t, src, &check, (&filter, &params), repair, &mut report)?;
        tx.commit()
            .ctx(|| format!("finishing a chunk of {}", t.name))?;
        report.rows += rows;
        report.chunks += 1;
        let chunk = if hi.is_none() {
            Chunk::Last
        } else {
            Chunk::More
        };
        progress.report(ctx, &t.name, report.rows, chunk);
        match hi {
            Some(h) => lo = Some(h),
            None => break,
        }
    }
    extra_rows(work, plan, &check, src, repair, &mut report)?;
    TableCheck::cleanup(work)?;
    Ok(report)
}

/// Compares one chunk (and, when repairing, recopies it and compares
/// again); returns its old row count.
fn compare_chunk(
    tx: &Connection,
    t: &TablePlan,
    src: &str,
    check: &TableCheck,
    (filter, params): (&str, &[Value]),
    repair: Repair,
    report: &mut TableReport,
) -> Result<u64> {
    let (expected, actual) = check.digests(tx, filter, params)?;
    if expected != actual {
        let (differing, keys) = check.differing_rows(tx)?;
        if repair == Repair::CheckOnly {
            let d = &mut report.differences;
            d.rows += differing;
            let room = MAX_KEYS.saturating_sub(d.keys.len());
            d.keys.extend(keys.into_iter().take(room));
            return Ok(expected.rows.max(0) as u64);
        }
        check.sql.apply(tx, t, filter, params)?;
        let (expected, actual) = check.digests(tx, filter, params)?;
        if expected != actual {
            let (_, keys) = check.differing_rows(tx)?;
            return Err(difference(&t.name, src, &keys));
        }
        report.chunks_recopied += 1;
        report.rows_repaired += differing;
    }
    Ok(expected.rows.max(0) as u64)
}

/// Every old row's image is in the new table; rows beyond those (keys no
/// old row maps to) are extra: counted in one more caught-up transaction.
fn extra_rows(
    work: &mut Connection,
    plan: &Plan,
    check: &TableCheck,
    src: &str,
    repair: Repair,
    report: &mut TableReport,
) -> Result<()> {
    let tx = lock::begin_immediate(work).ctx(|| format!("counting the rows of {}", check.table))?;
    report.entries_replayed += replay::batch_in(&tx, plan, u64::MAX)?.applied;
    let (new, old) = check.counts(&tx)?;
    if new != old {
        let keys = check.extra_keys(&tx)?;
        if repair == Repair::CheckOnly {
            let d = &mut report.differences;
            d.extra = check.extra_count(&tx)?;
            d.extra_keys = keys;
            // Rows missing were counted with the chunks; anything else is a
            // count no key explains.
            if d.extra == 0 && d.rows == 0 {
                d.unexplained = Some((new, old));
            }
            return tx
                .commit()
                .ctx(|| format!("counting the rows of {}", check.table));
        }
        if keys.is_empty() {
            return Err(EngineError::Verification(format!(
                "verification failed: {} has {new} rows but old table {src} has {old}, and no key can be named; run `mig verify` again",
                check.table
            ).into()));
        }
        report.rows_repaired += check.delete_extra(&tx)?;
        let (new, old) = check.counts(&tx)?;
        if new != old {
            return Err(extra(&check.table, src, &check.extra_keys(&tx)?));
        }
    }
    tx.commit()
        .ctx(|| format!("counting the rows of {}", check.table))
}

/// A chunk that still differs after it was recopied.
fn difference(table: &str, src: &str, keys: &[String]) -> EngineError {
    EngineError::Verification(QuotedText::naming(
        &keys_text(keys, keys.len() as u64),
        |keys| {
            format!(
        "verification failed: table {table} differs from the mapping of old table {src} at key {keys}; the difference remained after recopying the chunk: check the new schema's constraints and triggers, or `mig reset` and migrate again"
    )
        },
    ))
}

/// New rows still unexplained after the extra ones were deleted.
fn extra(table: &str, src: &str, keys: &[String]) -> EngineError {
    EngineError::Verification(QuotedText::naming(
        &keys_text(keys, keys.len() as u64),
        |keys| {
            format!(
        "verification failed: table {table} has rows no row of old table {src} maps to, at key {keys}, after deleting them: check the new schema's triggers, or `mig reset` and migrate again"
    )
        },
    ))
}

/// The keys named, and how many more there are.
fn keys_text(keys: &[String], of: u64) -> String {
    let mut s = keys.join(", ");
    if s.is_empty() {
        s.push_str("(unknown: the rows differ only in a way their hash shows)");
    } else if of > keys.len() as u64 {
        s.push_str(&format!(" and {} more", of - keys.len() as u64));
    }
    s
}
