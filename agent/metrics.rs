//! The agent's Prometheus metrics, defined in one place and named in
//! Prometheus's conventions (`mig_` prefix, base units, `_total` counters).
//!
//! Two kinds: what jobs and calls report as they happen (rows copied, job
//! outcomes, freeze durations, verify differences, RPCs, TLS refusals,
//! connections), recorded here by the layers that see them; and what the
//! files say now (phase, pending log entries, replay lag, throttle), read
//! for every database when Prometheus scrapes ([`Metrics::refresh`]).

use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::engine::state::Phase;
use crate::engine::status::Status;
use crate::engine::throttle::ThrottleReport;

/// Every phase `mig_migration_phase` has a series for.
const PHASES: [Phase; 8] = [
    Phase::NotStarted,
    Phase::Copying,
    Phase::Recording,
    Phase::Draining,
    Phase::Drained,
    Phase::CutOver,
    Phase::Complete,
    Phase::Broken,
];

/// The values of `mig_throttle_backing_off`'s `reason` label.
const THROTTLE_REASONS: [&str; 3] = ["", "write_wait", "wal_size"];

/// How long writes stayed refused in a drain's freeze, in seconds.
/// The step whose commit ended a refusal of the service's writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalEnd {
    /// `drain --cutover`: the freeze to the new database's readiness.
    Drain,
    /// `cutover` after a drain: the drain's freeze to readiness.
    Cutover,
    /// `revert`: the new service's writes refused until the old database
    /// takes them again.
    Revert,
}

impl RefusalEnd {
    fn label(self) -> &'static str {
        match self {
            RefusalEnd::Drain => "drain",
            RefusalEnd::Cutover => "cutover",
            RefusalEnd::Revert => "revert",
        }
    }
}

/// From a millisecond freeze to a two-command drain and cutover an
/// operator runs minutes apart (writes stay refused in between).
const REFUSAL_BUCKETS: [f64; 13] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0,
];

pub struct Metrics {
    registry: Registry,
    phase: IntGaugeVec,
    rows_copied: IntGaugeVec,
    rows_planned: IntGaugeVec,
    pending: IntGaugeVec,
    lag_seconds: GaugeVec,
    status_errors: IntGaugeVec,
    throttle_backing_off: IntGaugeVec,
    throttle_cap: GaugeVec,
    throttle_waited: GaugeVec,
    refusal: HistogramVec,
    jobs: IntCounterVec,
    verify_differences: IntGaugeVec,
    rpcs: IntCounterVec,
    handshake_failures: IntCounter,
    connected: IntGauge,
    scrape_seconds: Gauge,
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help)
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let db = &["database"];
        // The names and labels are constants: building them cannot fail.
        let gauge =
            |n: &str, h: &str, l: &[&str]| IntGaugeVec::new(opts(n, h), l).expect("valid gauge");
        let fgauge =
            |n: &str, h: &str, l: &[&str]| GaugeVec::new(opts(n, h), l).expect("valid gauge");
        let m = Metrics {
            registry: Registry::new(),
            phase: gauge("mig_migration_phase", "1 for the phase each database is in (the runbook: not started, copying, recording, draining, drained, cut over, complete; broken: only reset acts on it)", &["database", "phase"]),
            rows_copied: gauge("mig_copy_rows_copied", "Rows the current or last copy has written", db),
            rows_planned: gauge("mig_copy_rows_planned", "Rows the current or last copy has to write", db),
            pending: gauge("mig_replay_pending_entries", "Log entries recorded on the old database and not yet replayed (replay lag in entries)", db),
            lag_seconds: fgauge("mig_replay_lag_seconds", "Age of the oldest log entry not yet replayed", db),
            status_errors: gauge("mig_database_status_error", "1 when the database's files could not be read at the last scrape (see the agent log)", db),
            throttle_backing_off: gauge("mig_throttle_backing_off", "1 while the automatic throttle backs the copy off, with why (write_wait: a probe write was slow; wal_size: the old WAL is over its limit)", &["database", "reason"]),
            throttle_cap: fgauge("mig_throttle_cap_rows_per_second", "The operator's rate cap (0: none)", db),
            throttle_waited: fgauge("mig_throttle_waited_seconds", "Time the copy and catch-up waited for the throttle since the agent started", db),
            refusal: HistogramVec::new(HistogramOpts::new("mig_write_refusal_seconds", "How long the service's writes were refused, as it sees it: from the freeze to the commit that lets them go somewhere again, by the step that ended it (drain: drain --cutover; cutover: after a drain; revert: the new service's, to the old database's reopening)").buckets(REFUSAL_BUCKETS.to_vec()), &["database", "step"]).expect("valid histogram"),
            jobs: IntCounterVec::new(opts("mig_jobs_total", "Jobs ended, by kind and outcome (completed; refused: a check refused the request or the databases' state; failed: the work went wrong; cancelled)"), &["database", "kind", "outcome"]).expect("valid counter"),
            verify_differences: gauge("mig_verify_differences", "Differences the last verify found (before repairing them)", db),
            rpcs: IntCounterVec::new(opts("mig_rpc_requests_total", "mig.v1 calls answered, by method and gRPC status code"), &["method", "code"]).expect("valid counter"),
            handshake_failures: IntCounter::new("mig_tls_handshake_failures_total", "TLS handshakes the agent refused or that did not finish").expect("valid counter"),
            connected: IntGauge::new("mig_connected_clients", "TLS connections open now").expect("valid gauge"),
            scrape_seconds: Gauge::new("mig_metrics_refresh_seconds", "Time the last scrape took to read every database's files").expect("valid gauge"),
        };
        m.registered()
    }

    fn registered(self) -> Self {
        let all: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(self.phase.clone()),
            Box::new(self.rows_copied.clone()),
            Box::new(self.rows_planned.clone()),
            Box::new(self.pending.clone()),
            Box::new(self.lag_seconds.clone()),
            Box::new(self.status_errors.clone()),
            Box::new(self.throttle_backing_off.clone()),
            Box::new(self.throttle_cap.clone()),
            Box::new(self.throttle_waited.clone()),
            Box::new(self.refusal.clone()),
            Box::new(self.jobs.clone()),
            Box::new(self.verify_differences.clone()),
            Box::new(self.rpcs.clone()),
            Box::new(self.handshake_failures.clone()),
            Box::new(self.connected.clone()),
            Box::new(self.scrape_seconds.clone()),
        ];
        for c in all {
            // Every name above is distinct and valid: registering cannot fail.
            let _ = self.registry.register(c);
        }
        self
    }

    /// A copy's progress (from its job's events).
    pub fn copy_progress(&self, database: &str, done: u64, total: u64) {
        self.rows_copied
            .with_label_values(&[database])
            .set(done as i64);
        self.rows_planned
            .with_label_values(&[database])
            .set(total as i64);
    }

    /// A job ended with `outcome`.
    pub fn job_ended(&self, database: &str, kind: &str, outcome: &str) {
        self.jobs
            .with_label_values(&[database, kind, outcome])
            .inc();
    }

    /// How long writes were refused, as mig reported it to the caller of
    /// `step` (the one that ended the refusal).
    pub fn write_refusal(&self, database: &str, step: RefusalEnd, seconds: f64) {
        self.refusal
            .with_label_values(&[database, step.label()])
            .observe(seconds);
    }

    pub fn verify_differences(&self, database: &str, differences: u64) {
        self.verify_differences
            .with_label_values(&[database])
            .set(differences as i64);
    }

    /// A mig.v1 call answered with `code` (e.g. `OK`, `FAILED_PRECONDITION`).
    pub fn rpc(&self, method: &str, code: &str) {
        self.rpcs.with_label_values(&[method, code]).inc();
    }

    pub fn handshake_failed(&self) {
        self.handshake_failures.inc();
    }

    /// A TLS connection opened (`+1`) or closed (`-1`).
    pub fn connections(&self, delta: i64) {
        self.connected.add(delta);
    }

    /// What the files say now about one database (`Err`: they could not
    /// be read), and its throttle.
    pub fn database_now(
        &self,
        database: &str,
        status: Result<&Status, ()>,
        throttle: &ThrottleReport,
    ) {
        self.status_errors
            .with_label_values(&[database])
            .set(i64::from(status.is_err()));
        if let Ok(s) = status {
            for p in PHASES {
                self.phase
                    .with_label_values(&[database, p.as_str()])
                    .set(i64::from(s.phase == p));
            }
            self.pending
                .with_label_values(&[database])
                .set(s.pending.unwrap_or(0) as i64);
            self.lag_seconds
                .with_label_values(&[database])
                .set(s.lag_seconds);
        }
        let reason = throttle_reason(throttle);
        for r in THROTTLE_REASONS {
            self.throttle_backing_off
                .with_label_values(&[database, r])
                .set(i64::from(throttle.backing_off && r == reason));
        }
        self.throttle_cap
            .with_label_values(&[database])
            .set(throttle.manual_rows_per_sec.unwrap_or(0.0));
        self.throttle_waited
            .with_label_values(&[database])
            .set(throttle.seconds_waited);
    }

    /// Forgets the gauges of databases no longer served (after a reload);
    /// their counters and histograms stay, as Prometheus expects.
    pub fn retain_databases(&self, served: &[String]) {
        for db in databases_in(&self.status_errors) {
            if served.contains(&db) {
                continue;
            }
            let one = [db.as_str()];
            for vec in [
                &self.rows_copied,
                &self.rows_planned,
                &self.pending,
                &self.status_errors,
                &self.verify_differences,
            ] {
                let _ = vec.remove_label_values(&one);
            }
            for vec in [&self.lag_seconds, &self.throttle_cap, &self.throttle_waited] {
                let _ = vec.remove_label_values(&one);
            }
            for p in PHASES {
                let _ = self.phase.remove_label_values(&[db.as_str(), p.as_str()]);
            }
            for r in THROTTLE_REASONS {
                let _ = self
                    .throttle_backing_off
                    .remove_label_values(&[db.as_str(), r]);
            }
        }
    }

    pub fn refreshed_in(&self, seconds: f64) {
        self.scrape_seconds.set(seconds);
    }

    /// Everything, in the text exposition format.
    pub fn encode(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec cannot fail for well-formed metrics.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// The `database` label values a vector has series for.
fn databases_in(vec: &IntGaugeVec) -> Vec<String> {
    prometheus::core::Collector::collect(vec)
        .iter()
        .flat_map(|family| family.get_metric())
        .filter_map(|m| {
            m.get_label()
                .iter()
                .find(|l| l.name() == "database")
                .map(|l| l.value().to_string())
        })
        .collect()
}

/// The throttle's reason as a label value ("" when not backing off).
fn throttle_reason(t: &ThrottleReport) -> &'static str {
    if !t.backing_off {
        ""
    } else if t.reason.contains("WAL") {
        "wal_size"
    } else {
        "write_wait"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_no_longer_served_loses_its_gauges_but_not_its_counters() {
        let m = Metrics::new();
        for db in ["a", "b"] {
            m.copy_progress(db, 1, 2);
            m.database_now(db, Err(()), &ThrottleReport::default());
        }
        m.job_ended("b", "migrate", "completed");
        m.retain_databases(&["a".to_string()]);
        let text = m.encode();
        assert!(
            text.contains("mig_copy_rows_copied{database=\"a\"} 1"),
            "{text}"
        );
        assert!(
            !text.contains("mig_copy_rows_copied{database=\"b\"}"),
            "{text}"
        );
        assert!(
            !text.contains("mig_throttle_backing_off{database=\"b\""),
            "{text}"
        );
        assert!(
            text.contains(
                "mig_jobs_total{database=\"b\",kind=\"migrate\",outcome=\"completed\"} 1"
            ),
            "{text}"
        );
    }
}
