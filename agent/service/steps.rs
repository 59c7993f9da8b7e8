//! The one-shot RPCs: plan, status, cutover, cleanup-old, reset.
//! Each resolves the database by name, runs the engine off the async
//! workers and converts the result.

use tonic::Request;

use super::{blocking, caller, convert, require, MigratorService, ServiceError};
use crate::config::{DatabaseConfig, Role};
use crate::engine::ops;
use crate::engine::owners::LeftToOwner;
use crate::engine::rehearse::{self, RehearseOptions};
use crate::engine::schema::SchemaFile;
use crate::engine::status;
use crate::engine::EngineError;
use crate::jobs::{around_cutover, Hold, JobError, JobSnapshot, JobState};
use crate::proto as pb;

impl MigratorService {
    /// The configuration of the named database; an empty name means the
    /// agent's only database. A name not served yet may be a tenant added
    /// to a database set since the last discovery: the sets' folders are
    /// read again once.
    pub(super) async fn config(&self, name: &str) -> Result<DatabaseConfig, ServiceError> {
        match self.known(name) {
            Err(ServiceError::Jobs(JobError::UnknownDatabase { .. }))
                if self.registry.has_sets() =>
            {
                let registry = std::sync::Arc::clone(&self.registry);
                let name = name.to_string();
                blocking(move || {
                    registry
                        .rediscover()
                        .map_err(|e| ServiceError::from(EngineError::File(e)))?;
                    Ok(registry.database(&name)?)
                })
                .await
            }
            found => found,
        }
    }

    /// The configuration of a database served now, without discovery: for
    /// calls about work already running on it.
    pub(super) fn known(&self, name: &str) -> Result<DatabaseConfig, ServiceError> {
        if name.is_empty() {
            let mut all = self.registry.databases();
            if all.len() == 1 {
                return Ok(all.remove(0));
            }
            let names: Vec<&str> = all.iter().take(10).map(|d| d.name.as_str()).collect();
            let more = all.len().saturating_sub(names.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            return Err(ServiceError::InvalidRequest(format!(
                "no database named; this agent serves several ({}{more}): pass --database NAME",
                names.join(", ")
            )));
        }
        if !crate::config::valid_name(name) {
            return Err(ServiceError::InvalidRequest(format!(
                "{name:?} is not a database name: requests name a database configured on the agent, never a path; list them with `mig databases`"
            )));
        }
        Ok(self.registry.database(name)?)
    }
}

/// The schema a request sent, or the project folder's `schema.sql` when it
/// sent none and the database is configured with a project folder.
pub(super) fn schema_of(
    config: &DatabaseConfig,
    source: Option<pb::SchemaSource>,
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
        (_, None) => Err(ServiceError::InvalidRequest(
            "no schema sent and the database has no project folder; pass --schema FILE".into(),
        )),
    }
}

pub(super) async fn plan(
    svc: &MigratorService,
    req: Request<pb::PlanRequest>,
) -> Result<pb::PlanReport, ServiceError> {
    // A rehearsal writes a copy of the database on the agent's disk.
    let who = if req.get_ref().rehearse {
        require(&req, Role::Operator, "plan --rehearse")?
    } else {
        caller(&req)
    };
    let r = req.into_inner();
    let config = svc.config(&r.database).await?;
    tracing::info!(rpc = "Plan", database = %config.name, caller = %who, rehearse = r.rehearse);
    blocking(move || {
        let schema = schema_of(&config, r.schema)?;
        let opts = ops::PlanOptions {
            busy: config.busy(),
            allow_rollback_journal: config.allow_rollback_journal,
            left_to_owner: config
                .left_to_owner
                .merged(&LeftToOwner::new(r.ignore_tables.clone())),
        };
        let outcome = ops::plan(&config.spec, &schema, &opts)?;
        let rehearsal = if r.rehearse {
            let opts = RehearseOptions {
                // 0: the field was not set (every row).
                sample_percent: if r.sample_percent == 0.0 {
                    100.0
                } else {
                    r.sample_percent
                },
                busy: config.busy(),
                allow_rollback_journal: config.allow_rollback_journal,
            };
            Some(rehearse::rehearse(&outcome.old, &schema, &opts)?)
        } else {
            None
        };
        let mut report = convert::plan_report(&config.name, outcome);
        report.rehearsal = rehearsal.map(convert::rehearsal);
        Ok(report)
    })
    .await
}

pub(super) async fn status(
    svc: &MigratorService,
    req: Request<pb::StatusRequest>,
) -> Result<pb::StatusReport, ServiceError> {
    let who = caller(&req);
    let config = svc.config(&req.get_ref().database).await?;
    tracing::debug!(rpc = "Status", database = %config.name, caller = %who);
    // Read before computing: a step that ends meanwhile makes it stale.
    let generation = svc.registry.generation(&config.name);
    let name = config.name.clone();
    let mut report = svc
        .status_cache
        .get(&name, generation, || {
            blocking(move || {
                let s = status::status(&config.spec, config.busy())?;
                Ok(convert::status_report(&config.name, s, None))
            })
        })
        .await?;
    // Jobs and the throttle live in memory: always current.
    if let Some(running) = svc.registry.running(&name) {
        let job = running.snapshot();
        if let Some(next) = job_next_step(&name, &job) {
            report.next_step = next;
        }
        report.running_job = Some(job.into());
        convert::status_progress(&mut report, running.latest_progress());
    }
    report.throttle = Some(convert::throttle_state(
        &svc.registry.throttle(&name)?.report(),
    ));
    report.warnings.extend(svc.registry.waiting_note(&name));
    report.warnings.extend(svc.notes.iter().flat_map(|n| n()));
    Ok(report)
}

/// While a job runs on the database, the next step is about that job: the
/// files alone would say "run `mig migrate`", which the busy database refuses.
fn job_next_step(database: &str, j: &JobSnapshot) -> Option<String> {
    let (id, kind) = (&j.id, j.kind.as_str());
    match j.state {
        JobState::Running => Some(format!(
            "wait for {kind} job {id} (`mig watch --database {database} --job {id}`), or steer it with `mig pause` / `mig cancel`"
        )),
        JobState::Paused => Some(format!(
            "{kind} job {id} is paused: `mig resume` continues it, `mig cancel` stops it at its checkpoint"
        )),
        JobState::Completed | JobState::Failed | JobState::Cancelled => None,
    }
}

/// `Throttle` (a cap) and `Unthrottle` (`None`).
pub(super) fn throttle(
    svc: &MigratorService,
    database: &str,
    who: &str,
    cap: Option<f64>,
) -> Result<pb::ThrottleState, ServiceError> {
    let config = svc.known(database)?;
    let throttle = svc.registry.throttle(&config.name)?;
    throttle.set_manual(cap);
    tracing::info!(rpc = if cap.is_some() { "Throttle" } else { "Unthrottle" }, database = %config.name, caller = %who, rows_per_sec = cap.unwrap_or(0.0));
    Ok(convert::throttle_state(&throttle.report()))
}

pub(super) async fn cutover(
    svc: &MigratorService,
    req: Request<pb::CutoverRequest>,
) -> Result<pb::CutoverReport, ServiceError> {
    let who = require(&req, Role::Operator, "cutover")?;
    let config = svc.config(&req.get_ref().database).await?;
    let skip_verify = req.get_ref().skip_verify;
    let revert_window_secs = req
        .get_ref()
        .revert_window_secs
        .unwrap_or(config.revert_window.as_secs());
    tracing::info!(rpc = "Cutover", database = %config.name, caller = %who, skip_verify, revert_window_secs);
    let guard = svc.registry.begin_step(&config.name, Hold::Cutover).await?;
    let opts = ops::CutoverOptions {
        busy: config.busy(),
        verification: if skip_verify {
            ops::Verification::Skip
        } else {
            ops::Verification::Required
        },
        revert_window_secs,
    };
    let registry = std::sync::Arc::clone(&svc.registry);
    let name = config.name.clone();
    let report = blocking(move || {
        let _guard = guard;
        let report = around_cutover(&registry.hooks, &config, || {
            ops::cutover(&config.spec, &opts)
        })?;
        Ok(convert::cutover_report(report))
    })
    .await?;
    svc.registry.announce_ready(&name);
    Ok(report)
}

pub(super) async fn cleanup_old(
    svc: &MigratorService,
    req: Request<pb::CleanupOldRequest>,
) -> Result<pb::CleanupOldReport, ServiceError> {
    let who = require(&req, Role::Operator, "cleanup-old")?;
    let config = svc.config(&req.get_ref().database).await?;
    let release = if req.get_ref().release {
        ops::Release::Release
    } else {
        ops::Release::Keep
    };
    tracing::info!(rpc = "CleanupOld", database = %config.name, caller = %who, release = req.get_ref().release);
    let guard = svc
        .registry
        .begin_step(&config.name, Hold::CleanupOld)
        .await?;
    blocking(move || {
        let _guard = guard;
        Ok(convert::cleanup_report(ops::cleanup_old(
            &config.spec,
            config.busy(),
            release,
        )?))
    })
    .await
}

pub(super) async fn reset(
    svc: &MigratorService,
    req: Request<pb::ResetRequest>,
) -> Result<pb::ResetReport, ServiceError> {
    let needed = if req.get_ref().dry_run {
        Role::Viewer
    } else {
        Role::Operator
    };
    let who = require(&req, needed, "reset")?;
    let r = req.into_inner();
    let config = svc.config(&r.database).await?;
    tracing::info!(rpc = "Reset", database = %config.name, caller = %who, dry_run = r.dry_run);
    let guard = svc.registry.begin_step(&config.name, Hold::Reset).await?;
    blocking(move || {
        let _guard = guard;
        let mode = if r.dry_run {
            ops::ResetMode::DryRun
        } else {
            ops::ResetMode::Apply
        };
        Ok(convert::reset_report(ops::reset(
            &config.spec,
            config.busy(),
            mode,
        )?))
    })
    .await
}
