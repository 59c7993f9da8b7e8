//! What a job tells the world outside the agent while it runs: the hooks
//! (`hooks.rs`) at the named points of a migration, and its progress and
//! outcome to the metrics (`crate::metrics`). Called on the job's own
//! thread between the engine's transactions; it only queues work, so it
//! never slows the copy or the replay.

use std::time::Instant;

use super::hooks::{HookFacts, HookPoint, Hooks};
use super::job::{EventBody, Job, Summary};
use super::{JobKind, Registry};
use crate::config::{DatabaseConfig, HooksConfig};
use crate::engine::paths::DatabaseSpec;
use crate::engine::Event;
use crate::metrics::{Metrics, RefusalEnd};

/// Follows one job's engine events.
pub(super) struct JobObserver<'a> {
    hooks: &'a Hooks,
    metrics: &'a Metrics,
    config: &'a DatabaseConfig,
    job: &'a Job,
    last_status: Instant,
}

impl<'a> JobObserver<'a> {
    pub(super) fn new(registry: &'a Registry, config: &'a DatabaseConfig, job: &'a Job) -> Self {
        JobObserver {
            hooks: &registry.hooks,
            metrics: &registry.metrics,
            config,
            job,
            last_status: Instant::now(),
        }
    }

    fn facts(&self) -> HookFacts {
        HookFacts {
            job_id: self.job.id.clone(),
            eta_seconds: self.job.last_estimate().and_then(|e| e.eta_seconds),
            ..HookFacts::default()
        }
    }

    fn fire(&self, point: HookPoint, facts: HookFacts) {
        if let Some(h) = &self.config.settings.hooks {
            let db = (self.config.name.as_str(), &self.config.spec);
            self.hooks.fire(h, point, db, facts);
        }
    }

    /// An engine event, before it is logged.
    pub(super) fn event(&mut self, e: &Event) {
        if let Event::Copy {
            rows_done,
            rows_total,
            ..
        } = e
        {
            self.metrics
                .copy_progress(&self.config.name, *rows_done, *rows_total);
        }
        let Some(h) = &self.config.settings.hooks else {
            return;
        };
        match (self.job.kind, e) {
            (
                JobKind::Migrate,
                Event::Step {
                    step: "recording",
                    message,
                },
            ) => self.fire(HookPoint::Start, message_facts(self.facts(), message)),
            (
                JobKind::Migrate,
                Event::Step {
                    step: "catch-up",
                    message,
                },
            ) => self.fire(
                HookPoint::CopyComplete,
                message_facts(self.facts(), message),
            ),
            (
                _,
                Event::Copy {
                    rows_done,
                    rows_total,
                    ..
                },
            ) if self.status_due(h.status_every) => {
                let facts = HookFacts {
                    rows_done: *rows_done,
                    rows_total: *rows_total,
                    ..self.facts()
                };
                self.fire(HookPoint::Status, facts);
            }
            (
                _,
                Event::Replay {
                    applied, pending, ..
                },
            ) if self.status_due(h.status_every) => {
                let facts = HookFacts {
                    rows_done: *applied,
                    rows_total: applied + pending,
                    ..self.facts()
                };
                self.fire(HookPoint::Status, facts);
            }
            _ => {}
        }
    }

    fn status_due(&mut self, every: std::time::Duration) -> bool {
        if self.last_status.elapsed() < every {
            return false;
        }
        self.last_status = Instant::now();
        true
    }

    /// The job's terminal event, before it is logged: the hooks it fires
    /// have run when a follower sees it.
    pub(super) fn ended(&self, body: &EventBody) {
        self.count(body);
        let Some(h) = &self.config.settings.hooks else {
            return;
        };
        let db = (self.config.name.as_str(), &self.config.spec);
        let (point, outcome, message) = match body {
            EventBody::Completed(Summary::Drain(d)) if d.cutover.is_some() => {
                // `drain --cutover`: the hooks a cutover runs once it committed.
                return cut_over(self.hooks, h, db, self.facts());
            }
            EventBody::Completed(Summary::Migrate(m)) => (
                HookPoint::ReadyToDrain,
                "completed",
                format!("{} rows copied; caught up, ready to drain", m.rows),
            ),
            EventBody::Failed(e) => (HookPoint::Failure, "failed", e.to_string()),
            _ => return,
        };
        let facts = HookFacts {
            outcome: outcome.into(),
            message,
            ..self.facts()
        };
        // Waited for (bounded by the hook's timeout): the job's work is done.
        let _ = self.hooks.run(h, point, db, facts);
    }
}

impl JobObserver<'_> {
    fn count(&self, body: &EventBody) {
        let db = self.config.name.as_str();
        let outcome = match body {
            EventBody::Completed(_) => "completed",
            EventBody::Failed(f) => f.outcome(),
            EventBody::Cancelled(_) => "cancelled",
            EventBody::Started | EventBody::Engine(_) => return,
        };
        self.metrics.job_ended(db, self.job.kind.as_str(), outcome);
        match body {
            // A drain without --cutover leaves writes refused: the cutover
            // that ends the refusal reports it.
            EventBody::Completed(Summary::Drain(d)) if d.cutover.is_some() => self
                .metrics
                .write_refusal(db, RefusalEnd::Drain, d.refused_ms / 1e3),
            EventBody::Completed(Summary::Revert(r)) => {
                self.metrics
                    .write_refusal(db, RefusalEnd::Revert, r.refused_ms / 1e3)
            }
            EventBody::Completed(Summary::Verify(v)) => {
                self.metrics.verify_differences(db, v.differences)
            }
            _ => {}
        }
    }
}

fn message_facts(facts: HookFacts, message: &str) -> HookFacts {
    HookFacts {
        message: message.to_string(),
        ..facts
    }
}

/// Which command a cutover hook gates: what its refusal tells to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gated {
    /// `mig cutover`, after a drain: writes are refused while it waits.
    Cutover,
    /// `mig drain --cutover`, asked before its freeze: writes still flow.
    DrainCutover,
}

/// Runs a cutover between its hooks: `on-before-cutover` first (a refusal
/// refuses the cutover, nothing changed), then `on-cutover` and
/// `on-success` once it committed, or `on-failure`. Waits for each (the
/// cutover is a one-shot step, not the copy or the replay).
pub fn around_cutover<T>(
    hooks: &Hooks,
    config: &DatabaseConfig,
    cutover: impl FnOnce() -> crate::engine::Result<T>,
) -> crate::engine::Result<T> {
    before_cutover(hooks, config, Gated::Cutover)?;
    let result = cutover();
    let Some(h) = &config.settings.hooks else {
        return result;
    };
    let db = (config.name.as_str(), &config.spec);
    let outcome = |o: &str, message: String| HookFacts {
        outcome: o.into(),
        message,
        ..HookFacts::default()
    };
    match &result {
        Ok(_) => cut_over(hooks, h, db, HookFacts::default()),
        Err(e) => {
            let _ = hooks.run(h, HookPoint::Failure, db, outcome("failed", e.to_string()));
        }
    }
    result
}

/// The `on-before-cutover` hook, waited for: its refusal as the error of
/// the command it gates (nothing changed).
pub fn before_cutover(
    hooks: &Hooks,
    config: &DatabaseConfig,
    gated: Gated,
) -> crate::engine::Result<()> {
    let Some(h) = &config.settings.hooks else {
        return Ok(());
    };
    let db = (config.name.as_str(), &config.spec);
    let Err(refusal) = hooks.run(h, HookPoint::BeforeCutover, db, HookFacts::default()) else {
        return Ok(());
    };
    let hook = h.dir.join(HookPoint::BeforeCutover.file_name());
    Err(crate::engine::EngineError::Precondition(match gated {
        Gated::Cutover => format!(
            "cutover refused: {refusal}; nothing changed (the old database still refuses writes if drained): fix what {} checks, or remove it, and run cutover again",
            hook.display()
        ),
        Gated::DrainCutover => format!(
            "drain --cutover refused before its freeze: {refusal}; nothing frozen or cut over, writes still flow to the old database: fix what {} checks, or remove it, and run drain --cutover again",
            hook.display()
        ),
    }))
}

/// `on-cutover` then `on-success`, once a cutover committed.
fn cut_over(hooks: &Hooks, h: &HooksConfig, db: (&str, &DatabaseSpec), facts: HookFacts) {
    let facts = HookFacts {
        outcome: "completed".into(),
        ..facts
    };
    let _ = hooks.run(h, HookPoint::Cutover, db, facts.clone());
    let _ = hooks.run(h, HookPoint::Success, db, facts);
}
