//! The fleet commands that make one call per target and print one line
//! each (`name: what happened`): `reset` (shows what each target would
//! undo, asks like `rollout`, `--dry-run` only shows) and `cancel`
//! (`cleanup.rs` uses the same helpers). Exit 1 if any target failed.

use anyhow::Context;
use std::future::Future;

use mig::proto::migrator_client::MigratorClient;
use mig::proto::{JobRef, ResetRequest, StatusReport, StatusRequest};
use tonic::transport::Channel;

use super::{can_ask, confirm, load, select};
use crate::cli::{FleetResetArgs, FleetStepArgs};
use crate::commands::Output;
use crate::exit::{error, failed, Exit};
use crate::fleet::agents::{self, TargetError};
use crate::fleet::file::{Fleet, FleetTarget};
use crate::render;

pub async fn reset(args: &FleetResetArgs, out: Output) -> anyhow::Result<()> {
    let a = &args.undo;
    let discarded = if args.delete_discarded_rows {
        Discarded::Delete
    } else {
        Discarded::Refuse
    };
    if !a.dry_run {
        can_ask("reset", a.yes, ", or --dry-run to see what it would do")?;
    }
    let (fleet, limit) = load(&a.fleet).await?;
    let active = select(&fleet, &a.only)?;
    let preview = reset_all(&fleet, limit, &active, (DryRun::Yes, discarded)).await;
    let undo: Vec<bool> = preview
        .iter()
        .map(|r| {
            r.as_ref()
                .is_ok_and(|t| t.as_ref().is_some_and(|a| !a.starts_with(NOTHING)))
        })
        .collect();
    let would: Vec<_> = preview
        .into_iter()
        .map(|r| {
            r.map(|t| {
                t.map(|a| {
                    if a.starts_with(NOTHING) {
                        a
                    } else {
                        format!("would {a}")
                    }
                })
            })
        })
        .collect();
    let n = undo.iter().filter(|u| **u).count();
    let refused = would.iter().any(Result::is_err);
    if a.dry_run || n == 0 || refused || !a.yes {
        // A target the agent refuses (cut over, say) stops everything here:
        // nothing changes until the selection is one that can be reset.
        report(&fleet, would, out)?;
    }
    if a.dry_run || n == 0 {
        return Ok(());
    }
    if !a.yes
        && !confirm(&format!(
            "reset {n} target(s) (their new databases are deleted)?"
        ))?
    {
        return Err(error(
            Exit::Cancelled,
            "reset not confirmed; nothing changed",
        ));
    }
    let done = reset_all(&fleet, limit, &undo, (DryRun::No, discarded)).await;
    report(&fleet, done, out)
}

/// How the agent starts the line of a target with nothing to undo.
const NOTHING: &str = "nothing to reset";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DryRun {
    Yes,
    No,
}

/// Whether reverted new databases holding discarded rows are deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Discarded {
    Refuse,
    Delete,
}

/// Resets (or, dry, describes resetting) the selected targets.
async fn reset_all(
    fleet: &Fleet,
    limit: usize,
    active: &[bool],
    (dry, discarded): (DryRun, Discarded),
) -> Vec<Result<Option<String>, String>> {
    let results = agents::each(&fleet.targets, limit, |i, t| {
        let act = active.get(i).copied().unwrap_or(false);
        async move {
            if !act {
                return Ok(None);
            }
            let mut client = agents::connect(&t).await?;
            let request = ResetRequest {
                database: t.database.clone(),
                dry_run: dry == DryRun::Yes,
                delete_discarded_rows: discarded == Discarded::Delete,
            };
            let actions = client.reset(request).await?.into_inner().actions;
            Ok(Some(if actions.is_empty() {
                NOTHING.to_string()
            } else {
                actions.join("; ")
            }))
        }
    })
    .await;
    flatten(results)
}

pub async fn cancel(a: &FleetStepArgs, out: Output) -> anyhow::Result<()> {
    let (fleet, limit) = load(&a.fleet).await?;
    let active = select(&fleet, &a.only)?;
    let results = each_selected(&fleet, limit, &active, |t, mut client, st| async move {
        if crate::fleet::expand::is_cut_over(Some(st.phase)) {
            return Ok(Some("cut over; nothing to cancel".to_string()));
        }
        let Some(job) = st.running_job else {
            return Ok(Some("no running job; the old database serves".to_string()));
        };
        let request = JobRef {
            database: t.database.clone(),
            job_id: job.job_id.clone(),
        };
        client.cancel_job(request).await.context("cancelling")?;
        Ok(Some(format!(
            "cancelled job {}; the old database serves",
            job.job_id
        )))
    })
    .await;
    report(&fleet, results, out)
}

/// Runs `f` on each selected target with a client of its agent and its
/// database's status; a target not selected gets no line.
pub(super) async fn each_selected<F, Fut>(
    fleet: &Fleet,
    limit: usize,
    active: &[bool],
    f: F,
) -> Vec<Result<Option<String>, String>>
where
    F: Fn(FleetTarget, MigratorClient<Channel>, StatusReport) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<Option<String>>> + Send + 'static,
{
    let results = agents::each(&fleet.targets, limit, |i, t| {
        let (selected, f) = (active.get(i).copied().unwrap_or(false), f.clone());
        async move {
            if !selected {
                return Ok(None);
            }
            let mut client = agents::connect(&t).await?;
            let request = StatusRequest {
                database: t.database.clone(),
            };
            let status = client.status(request).await?.into_inner();
            f(t, client, status).await
        }
    })
    .await;
    flatten(results)
}

fn flatten(
    results: Vec<Result<Option<String>, TargetError>>,
) -> Vec<Result<Option<String>, String>> {
    results
        .into_iter()
        .map(|r| r.map_err(|e| e.message))
        .collect()
}

/// One line per target (`name: what happened`); exit 1 if any failed.
pub(super) fn report(
    fleet: &Fleet,
    results: Vec<Result<Option<String>, String>>,
    out: Output,
) -> anyhow::Result<()> {
    let mut failures = 0;
    for (t, r) in fleet.targets.iter().zip(results) {
        let (ok, text) = match r {
            Ok(None) => continue,
            Ok(Some(text)) => (true, text),
            Err(e) => (false, e),
        };
        failures += usize::from(!ok);
        if out.json {
            render::json_line(&serde_json::json!({"target": t.name, "ok": ok, "detail": text}))?;
        } else {
            let failed = if ok { "" } else { "failed: " };
            render::emit(&[format!("{}: {failed}{text}", t.name)])?;
        }
    }
    if failures > 0 {
        return Err(failed(format!(
            "{failures} target(s) failed (listed above)"
        )));
    }
    Ok(())
}
