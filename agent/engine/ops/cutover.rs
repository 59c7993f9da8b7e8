//! `cutover`: the new database becomes ready (`_migration_status` →
//! `ready`), in one transaction that also drops the mapping and progress
//! tables, once the state proves the migration drained and certified (or
//! the operator skips verification, which is recorded).

use std::time::Instant;

use crate::engine::certificate;
use crate::engine::error::{Result, SqlContext};
use crate::engine::open::{self, Busy};
use crate::engine::paths::DatabaseSpec;
use crate::engine::state::{locate, MigrationState, Verification};

#[derive(Debug, Clone, Copy, Default)]
pub struct CutoverOptions {
    pub busy: Busy,
    pub verification: Verification,
}

#[derive(Debug, Clone)]
pub struct CutoverReport {
    pub millis: f64,
    /// Certified before cutover (false: cut over with --skip-verify).
    pub certified: bool,
    /// When the certifying verification ran (empty when not certified).
    pub verified_at: String,
    pub id_mapping_removed: bool,
    pub progress_removed: bool,
    pub new_path: std::path::PathBuf,
}

pub fn cutover(spec: &DatabaseSpec, opts: &CutoverOptions) -> Result<CutoverReport> {
    let busy = opts.busy;
    let st = MigrationState::claim(locate(spec, busy), busy)?;
    st.require_drained()?;
    let cert = st.require_certified_or_skip(opts.verification)?;
    let new = st.new_path()?.to_path_buf();
    let mut conn = open::work(&new, None, busy)?;
    let started = Instant::now();
    let tx = conn.transaction().ctx(|| "cutting over".into())?;
    if !cert.certified {
        certificate::record_skip(
            &tx,
            &cert.identity.migration_id,
            certificate::Skipped::Cutover,
        )?;
    }
    tx.execute_batch(
        "UPDATE _migration_status SET status = 'ready', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1;\n\
         UPDATE _schema_identity SET ready_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1;\n\
         DROP TABLE IF EXISTS _id_mapping;\n\
         DROP TABLE IF EXISTS _migration_progress;",
    )
    .ctx(|| "cutting over".into())?;
    crate::engine::failpoint::hit("cutover.before-commit");
    tx.commit().ctx(|| "committing the cutover".into())?;
    crate::engine::failpoint::hit("cutover.after-commit");
    Ok(CutoverReport {
        millis: started.elapsed().as_secs_f64() * 1000.0,
        certified: cert.certified,
        verified_at: cert.verified_at,
        id_mapping_removed: true,
        progress_removed: true,
        new_path: new,
    })
}
