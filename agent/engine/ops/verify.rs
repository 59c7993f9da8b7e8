//! `verify`: compares every sourced table of the new database with the
//! mapping of the old one, chunk by chunk, while the old database may still
//! be recording and the service writing (see `verify::table` for how each
//! chunk sees both sides at one log position).

use std::time::Instant;

use rusqlite::Connection;

use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::lock;
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::quoted::{Disclosure, QuotedText};
use crate::engine::plan::Plan;
use crate::engine::state::{locate, MigrationState};
use crate::engine::verify::queries::{self, QueryTiming};
use crate::engine::verify::{self, hash, Repair, TableReport};
use crate::engine::{certificate, new_side, Ctx, Event};

use super::recorded_plan;

/// Old rows per compared chunk: small enough that each chunk's write lock
/// on the new database (which holds off replay) stays short.
pub const CHUNK_ROWS: u64 = 5_000;

/// `--queries`: a SQL file of read-only queries timed on old and new after
/// the comparison (see `verify::queries`).
#[derive(Debug, Clone, Default)]
pub struct QueryFile {
    /// The file's name, for messages.
    pub name: String,
    pub sql: String,
    /// Timed runs per query and database (at least 1).
    pub runs: u32,
}

#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub busy: Busy,
    /// Old rows per chunk (at least 1).
    pub chunk_rows: u64,
    pub repair: Repair,
    pub queries: Option<QueryFile>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            busy: Busy::default(),
            chunk_rows: CHUNK_ROWS,
            repair: Repair::Recopy,
            queries: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerifySummary {
    pub tables: Vec<TableReport>,
    pub rows: u64,
    pub chunks: u64,
    pub chunks_recopied: u64,
    pub rows_repaired: u64,
    /// Differences left: always 0 in a summary (a remaining one is an error).
    pub differences: u64,
    pub entries_replayed: u64,
    pub seconds: f64,
    /// The replay checkpoint the certification was recorded at.
    pub log_position: u64,
    /// The comparison covered every table and was recorded as certification.
    pub certified: bool,
    /// The query baseline, in file order (empty without `--queries`).
    pub queries: Vec<QueryTiming>,
}

pub fn verify(
    spec: &DatabaseSpec,
    opts: &VerifyOptions,
    ctx: &mut Ctx<'_>,
) -> Result<VerifySummary> {
    let started = Instant::now();
    let st = MigrationState::claim(locate(spec, opts.busy), opts.busy)?;
    let id = st.require_verifiable()?;
    let (old, new) = (st.old_path()?.to_path_buf(), st.new_path()?.to_path_buf());
    let mut work = open::work(&new, Some(&old), opts.busy)?;
    let plan = recorded_plan(&work, id)?;
    // A bad query file is refused before the (long) comparison starts.
    let split = match &opts.queries {
        Some(f) => Some((
            f,
            queries::split(&open::new_ro(&new, opts.busy)?, &f.name, &f.sql)?,
        )),
        None => None,
    };
    crate::engine::mapping::upgrade_legacy(&mut work, &plan)?;
    let mut summary = verify_all(&mut work, &plan, &id.migration_id, opts, "verify", ctx)?;
    if let Some((f, list)) = split {
        (ctx.sink)(Event::Step {
            step: "queries",
            message: format!(
                "timing {} queries of {} on the old and the new database",
                list.len(),
                f.name
            ),
        });
        let (old_ro, new_ro) = (
            open::old_ro(&old, opts.busy)?,
            open::new_ro(&new, opts.busy)?,
        );
        summary.queries = queries::time_all(&old_ro, &new_ro, &f.name, &list, f.runs.max(1), ctx)?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Compares every sourced table (see `verify::table`), then records the
/// certification at the replay checkpoint reached, in one transaction holding
/// the new database's write lock. A difference that remains withdraws an
/// earlier certification before the error is returned. Shared by `verify`
/// and `drain`'s verify stage (`by` says which).
pub(super) fn verify_all(
    work: &mut Connection,
    plan: &Plan,
    migration_id: &str,
    opts: &VerifyOptions,
    by: &str,
    ctx: &mut Ctx<'_>,
) -> Result<VerifySummary> {
    hash::register(work)?;
    (ctx.sink)(Event::Step {
        step: "verify",
        message: "comparing every table with the mapping of the old database".into(),
    });
    let mut summary = VerifySummary::default();
    let mut progress = verify::Progress::count(work, plan)?;
    let mut differing = Vec::new();
    for t in plan.tables.iter().filter(|t| t.source.is_some()) {
        let chunk = opts.chunk_rows.max(1);
        let r = match verify::table(work, plan, t, chunk, opts.repair, (&mut progress, ctx)) {
            Ok(r) => r,
            Err(e @ EngineError::Verification(_)) => return Err(withdraw(work, e)),
            Err(e) => return Err(e),
        };
        if r.differences.any() {
            let found = r
                .differences
                .describe(&t.name, t.source.as_deref().unwrap_or_default());
            (ctx.sink)(Event::RowsNotice(found.clone()));
            differing.push(found);
        }
        summary.rows += r.rows;
        summary.chunks += r.chunks;
        summary.chunks_recopied += r.chunks_recopied;
        summary.rows_repaired += r.rows_repaired;
        summary.entries_replayed += r.entries_replayed;
        if r.chunks_recopied > 0 || r.rows_repaired > 0 {
            (ctx.sink)(Event::Notice {
                warn: true,
                message: format!(
                    "{}: {} chunk(s) differed and were recopied ({} row(s) repaired)",
                    r.table, r.chunks_recopied, r.rows_repaired
                ),
            });
        }
        summary.tables.push(r);
    }
    if !differing.is_empty() {
        return Err(withdraw(work, differences(&differing)));
    }
    let tx = lock::begin_immediate(work).ctx(|| "recording the verification".into())?;
    summary.log_position = new_side::checkpoint(&tx)?;
    certificate::certify(&tx, migration_id, summary.log_position, summary.rows, by)?;
    crate::engine::failpoint::hit("verify.before-certify");
    tx.commit().ctx(|| "recording the verification".into())?;
    crate::engine::failpoint::hit("verify.after-certify");
    summary.certified = true;
    Ok(summary)
}

/// Tables listed in a check-only failure (each is also a notice as found).
const TABLES_LISTED: usize = 10;

/// Every table a check-only comparison found different, in one line.
fn differences(differing: &[QuotedText]) -> EngineError {
    let said = |d| {
        let shown = &differing[..differing.len().min(TABLES_LISTED)];
        let mut listed = shown
            .iter()
            .map(|t| t.for_caller(d))
            .collect::<Vec<_>>()
            .join("; ");
        if differing.len() > TABLES_LISTED {
            listed.push_str(&format!(
                "; and {} more tables (each named in the job's events)",
                differing.len() - TABLES_LISTED
            ));
        }
        format!(
            "{} table{} differ{}: {listed}; run `mig verify` without --check-only to recopy the differing rows",
            differing.len(),
            if differing.len() == 1 { "" } else { "s" },
            if differing.len() == 1 { "s" } else { "" },
        )
    };
    EngineError::Verification(QuotedText::rows(
        said(Disclosure::Values),
        said(Disclosure::CountsOnly),
    ))
}

/// Withdraws the certification after a failed comparison, and passes on `e`
/// (or says that the withdrawal failed too).
fn withdraw(work: &mut Connection, e: EngineError) -> EngineError {
    let done = lock::begin_immediate(work)
        .ctx(|| "withdrawing the verification".into())
        .and_then(|tx| {
            certificate::withdraw(&tx)?;
            tx.commit().ctx(|| "withdrawing the verification".into())
        });
    match done {
        Ok(()) => e,
        Err(w) => {
            let say = |e: &str| {
                format!("{e}; and the earlier certification could not be withdrawn ({w}): do not cut over")
            };
            EngineError::Verification(match &e {
                EngineError::Verification(t) => t.map(say),
                other => say(&other.to_string()).into(),
            })
        }
    }
}
