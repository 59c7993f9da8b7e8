//! Requests into the engine's options: every field a handler uses is read
//! here, a zero or unset field taking the database's configured default.
//! A field the service cannot use is `InvalidArgument` with one line that
//! names it and says what to send instead.

use std::time::Duration;

use crate::config::DatabaseConfig;
use crate::engine::ops::{
    self, AfterDrain, CloseWindow, Conflicts, CutoverOptions, DiscardedRows, DrainOptions,
    MigrateOptions, QueryFile, Release, ResetMode, RevertOptions, TimeoutPolicy, Verification,
    VerifyFirst, VerifyOptions,
};
use crate::engine::owners::LeftToOwner;
use crate::engine::rehearse::RehearseOptions;
use crate::engine::revert::new_only::NewColumns;
use crate::engine::schema::SchemaFile;
use crate::engine::verify::{queries, Repair};
use crate::proto as pb;
use crate::service::stream::Follow;
use crate::service::ServiceError;

/// The database a request names ("": the agent's only one), read before
/// the call works, for its audit line.
pub trait NamesDatabase {
    fn database_name(&self) -> &str;
}

macro_rules! names_database {
    ($($request:ty),* $(,)?) => {
        $(impl NamesDatabase for $request {
            fn database_name(&self) -> &str {
                &self.database
            }
        })*
    };
}

names_database!(
    pb::PlanRequest,
    pb::StatusRequest,
    pb::MigrateRequest,
    pb::DrainRequest,
    pb::VerifyRequest,
    pb::CutoverRequest,
    pb::CleanupOldRequest,
    pb::ResetRequest,
    pb::RevertRequest,
    pb::FinalizeRequest,
    pb::WatchRequest,
    pb::JobRef,
    pb::ThrottleRequest,
    pb::UnthrottleRequest,
);

impl NamesDatabase for pb::ListDatabasesRequest {
    fn database_name(&self) -> &str {
        ""
    }
}

fn invalid(message: String) -> ServiceError {
    ServiceError::InvalidRequest(message)
}

/// The schema a request sent, or the project folder's `schema.sql` when it
/// sent none and the database is configured with a project folder.
pub fn schema_of(
    config: &DatabaseConfig,
    source: Option<&pb::SchemaSource>,
) -> Result<SchemaFile, ServiceError> {
    match (source, &config.spec.project) {
        (Some(s), _) if !s.sql.trim().is_empty() || !s.file_name.is_empty() => {
            let name = if s.file_name.is_empty() {
                "schema.sql"
            } else {
                s.file_name.as_str()
            };
            Ok(SchemaFile::parse(name, &s.sql)?)
        }
        (_, Some(dir)) => Ok(ops::project_schema(dir)?),
        (_, None) => Err(invalid(
            "no schema sent and the database has no project folder; pass --schema FILE".into(),
        )),
    }
}

/// The tables other tools own: the database's configured ones and those
/// the request names.
pub fn left_to_owner(config: &DatabaseConfig, ignore_tables: &[String]) -> LeftToOwner {
    config
        .settings
        .left_to_owner
        .merged(&LeftToOwner::new(ignore_tables.to_vec()))
}

/// Whether a job's stream follows it to the end or returns once it started.
pub fn follow_mode(detach: bool) -> Follow {
    if detach {
        Follow::UnderWay
    } else {
        Follow::ToEnd
    }
}

/// `plan --rehearse`'s options (`None` without it); `sample_percent` 0 is
/// every row.
pub fn rehearse_options(
    r: &pb::PlanRequest,
    config: &DatabaseConfig,
) -> Result<Option<RehearseOptions>, ServiceError> {
    if !r.rehearse {
        return Ok(None);
    }
    let sample_percent = match r.sample_percent {
        0.0 => 100.0,
        p if p > 0.0 && p <= 100.0 => p,
        p => {
            return Err(invalid(format!(
                "sample_percent = {p} is out of range; give a percentage above 0 and at most 100 (0: every row)"
            )))
        }
    };
    Ok(Some(RehearseOptions {
        sample_percent,
        busy: config.busy(),
        allow_rollback_journal: config.settings.allow_rollback_journal,
    }))
}

/// A rows-per-second field that must be a positive number.
fn positive_rate(field: &str, v: f64) -> Result<f64, ServiceError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(invalid(format!(
            "{field} = {v} is not a rate; give a positive number of rows per second"
        )))
    }
}

/// A manual cap on a database's copy and catch-up: `None` lifts it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ManualCap(pub Option<f64>);

impl TryFrom<&pb::ThrottleRequest> for ManualCap {
    type Error = ServiceError;

    fn try_from(r: &pb::ThrottleRequest) -> Result<Self, Self::Error> {
        Ok(ManualCap(Some(positive_rate(
            "rows_per_sec",
            r.rows_per_sec,
        )?)))
    }
}

impl From<&pb::UnthrottleRequest> for ManualCap {
    fn from(_: &pb::UnthrottleRequest) -> Self {
        ManualCap(None)
    }
}

/// A `Migrate` request, read: what the job is given and the cap it starts
/// under.
pub struct MigrateStart {
    pub schema: SchemaFile,
    pub opts: MigrateOptions,
    pub cap: ManualCap,
    pub follow: Follow,
}

/// `fresh_id`: the id the migration takes if it starts fresh. The schema is
/// parsed here, so a bad file is refused before any job exists.
pub fn migrate_start(
    r: &pb::MigrateRequest,
    config: &DatabaseConfig,
    fresh_id: String,
) -> Result<MigrateStart, ServiceError> {
    let schema = schema_of(config, r.schema.as_ref())?;
    let cap = match r.max_rows_per_sec {
        0.0 => None,
        v => Some(positive_rate("max_rows_per_sec", v)?),
    };
    let opts = MigrateOptions {
        accept_data_loss: r.accept_data_loss,
        label: r.label.clone(),
        busy: config.busy(),
        allow_rollback_journal: config.settings.allow_rollback_journal,
        left_to_owner: left_to_owner(config, &r.ignore_tables),
        fresh_migration_id: Some(fresh_id),
        allow_same_schema: r.allow_same_schema,
        ..MigrateOptions::default()
    };
    Ok(MigrateStart {
        schema,
        opts,
        cap: ManualCap(cap),
        follow: follow_mode(r.detach),
    })
}

/// Drain options from a request: zero means the agent's default.
pub fn drain_options(
    r: &pb::DrainRequest,
    config: &DatabaseConfig,
) -> Result<DrainOptions, ServiceError> {
    let mut opts = DrainOptions {
        busy: config.busy(),
        allow_rollback_journal: config.settings.allow_rollback_journal,
        ..DrainOptions::default()
    };
    if r.freeze_limit_ms > 0 {
        opts.freeze_limit = Duration::from_millis(u64::from(r.freeze_limit_ms));
    }
    if r.max_attempts > 0 {
        opts.max_attempts = r.max_attempts;
    }
    if r.skip_verify {
        opts.verify_first = VerifyFirst::Skip;
    }
    opts.then = match (r.cutover, r.revert_window_secs) {
        (true, secs) => AfterDrain::Cutover {
            revert_window_secs: secs.unwrap_or(config.settings.revert_window.as_secs()),
        },
        (false, None) => AfterDrain::Hold,
        (false, Some(_)) => return Err(invalid(
            "revert_window_secs without cutover: a revert window is opened by the cutover; give it with cutover (drain --cutover --revert-window, or cutover --revert-window)".into(),
        )),
    };
    opts.policy = timeout_policy(r.on_timeout)?;
    Ok(opts)
}

fn timeout_policy(on_timeout: i32) -> Result<TimeoutPolicy, ServiceError> {
    match pb::DrainTimeoutPolicy::try_from(on_timeout) {
        Ok(pb::DrainTimeoutPolicy::Unspecified | pb::DrainTimeoutPolicy::Retry) => {
            Ok(TimeoutPolicy::Retry)
        }
        Ok(pb::DrainTimeoutPolicy::Stop) => Ok(TimeoutPolicy::Stop),
        Err(_) => Err(invalid(format!(
            "on_timeout = {on_timeout} is not a drain timeout policy; use retry or stop"
        ))),
    }
}

/// Verify options from a request: zero or empty means the agent's default.
pub fn verify_options(r: &pb::VerifyRequest, config: &DatabaseConfig) -> VerifyOptions {
    VerifyOptions {
        busy: config.busy(),
        chunk_rows: match r.chunk_rows {
            0 => ops::CHUNK_ROWS,
            n => u64::from(n),
        },
        repair: if r.check_only {
            Repair::CheckOnly
        } else {
            Repair::Recopy
        },
        queries: (!r.queries_sql.is_empty()).then(|| QueryFile {
            name: match r.queries_file.as_str() {
                "" => "queries.sql".to_string(),
                name => name.to_string(),
            },
            sql: r.queries_sql.clone(),
            runs: match r.query_runs {
                0 => queries::RUNS,
                n => n,
            },
        }),
    }
}

/// Cutover options: the revert window defaults to the database's.
pub fn cutover_options(r: &pb::CutoverRequest, config: &DatabaseConfig) -> CutoverOptions {
    CutoverOptions {
        busy: config.busy(),
        verification: if r.skip_verify {
            Verification::Skip
        } else {
            Verification::Required
        },
        revert_window_secs: r
            .revert_window_secs
            .unwrap_or(config.settings.revert_window.as_secs()),
    }
}

impl From<&pb::CleanupOldRequest> for Release {
    fn from(r: &pb::CleanupOldRequest) -> Self {
        if r.release {
            Release::Release
        } else {
            Release::Keep
        }
    }
}

impl From<&pb::CleanupOldRequest> for CloseWindow {
    fn from(r: &pb::CleanupOldRequest) -> Self {
        if r.close_revert_window {
            CloseWindow::Close
        } else {
            CloseWindow::Refuse
        }
    }
}

impl From<&pb::ResetRequest> for ResetMode {
    fn from(r: &pb::ResetRequest) -> Self {
        if r.dry_run {
            ResetMode::DryRun
        } else {
            ResetMode::Apply
        }
    }
}

impl From<&pb::ResetRequest> for DiscardedRows {
    fn from(r: &pb::ResetRequest) -> Self {
        if r.delete_discarded_rows {
            DiscardedRows::Delete
        } else {
            DiscardedRows::Refuse
        }
    }
}

pub fn revert_options(r: &pb::RevertRequest, config: &DatabaseConfig) -> RevertOptions {
    let defaults = RevertOptions::default();
    RevertOptions {
        busy: config.busy(),
        conflicts: if r.discard_conflicts {
            Conflicts::Discard
        } else {
            Conflicts::Refuse
        },
        new_columns: if r.drop_new_columns {
            NewColumns::Drop
        } else {
            NewColumns::Refuse
        },
        freeze_limit: match r.freeze_limit_ms {
            0 => defaults.freeze_limit,
            ms => Duration::from_millis(u64::from(ms)),
        },
        ..defaults
    }
}

/// Databases per `ListDatabases` page when the request does not say.
const PAGE_DEFAULT: usize = 1_000;
/// The largest page: a reply stays well under the message size limits.
const PAGE_MAX: usize = 10_000;

/// A validated `ListDatabasesRequest`.
pub struct ListQuery {
    pub pattern: Option<glob::Pattern>,
    pub phases: Vec<i32>,
    pub page: usize,
    pub after: String,
    pub names_only: bool,
}

impl TryFrom<pb::ListDatabasesRequest> for ListQuery {
    type Error = ServiceError;

    fn try_from(r: pb::ListDatabasesRequest) -> Result<Self, Self::Error> {
        let pattern = match r.name_pattern.as_str() {
            "" => None,
            p => Some(glob::Pattern::new(p).map_err(|e| {
                invalid(format!(
                    "name_pattern = {p:?} is not a glob: {e}; write e.g. \"acme-*\""
                ))
            })?),
        };
        if r.names_only && !r.phases.is_empty() {
            return Err(invalid(
                "phases with names_only: a phase filter needs the phases, leave names_only off"
                    .into(),
            ));
        }
        if let Some(p) = r
            .phases
            .iter()
            .find(|p| pb::Phase::try_from(**p).map_or(true, |p| p == pb::Phase::Unspecified))
        {
            return Err(invalid(format!("phases: {p} is not a phase to filter by")));
        }
        let page = match r.page_size as usize {
            0 => PAGE_DEFAULT,
            n => n.min(PAGE_MAX),
        };
        Ok(ListQuery {
            pattern,
            phases: r.phases,
            page,
            after: r.page_token,
            names_only: r.names_only,
        })
    }
}
