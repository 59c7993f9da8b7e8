//! The operations sections of `agent.toml`: `[health]` (the plaintext
//! probe listener), `[hooks]` (executables run at
//! the named points of a migration, `jobs/hooks.rs`), `[metrics]` (the
//! Prometheus endpoint, `transport/metrics.rs`) and `[shutdown]` (how long
//! a stopping agent waits for its jobs), parsed and validated before any
//! I/O.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Where the hooks are and how long each may run (`[hooks]`, `mig --hooks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HooksConfig {
    pub dir: PathBuf,
    /// A hook still running after this is killed (and counts as failed).
    pub timeout: Duration,
    /// `on-status` runs at most this often while a job copies or replays.
    pub status_every: Duration,
}

impl HooksConfig {
    /// The defaults: 30 s per hook, `on-status` every 60 s.
    pub fn new(dir: PathBuf) -> Self {
        HooksConfig {
            dir,
            timeout: Duration::from_secs(30),
            status_every: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HooksEntry {
    dir: PathBuf,
    #[serde(default = "default_hook_timeout_ms")]
    timeout_ms: u64,
    #[serde(default = "default_status_interval_s")]
    status_interval_s: u64,
}

fn default_hook_timeout_ms() -> u64 {
    30_000
}

fn default_status_interval_s() -> u64 {
    60
}

impl HooksEntry {
    /// `resolve`: a relative `dir` is relative to the configuration file.
    pub(super) fn validate(
        self,
        resolve: impl Fn(&Path) -> PathBuf,
    ) -> Result<HooksConfig, String> {
        if self.timeout_ms == 0 || self.status_interval_s == 0 {
            return Err("[hooks] timeout_ms and status_interval_s must be at least 1".into());
        }
        Ok(HooksConfig {
            dir: resolve(&self.dir),
            timeout: Duration::from_millis(self.timeout_ms),
            status_every: Duration::from_secs(self.status_interval_s),
        })
    }
}

/// What the plaintext health listener tells a caller without a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HealthReveal {
    /// Only the agent's overall status (service `""`).
    #[default]
    Overall,
    /// Also each database's readiness (`mig.db.<name>`), which names them.
    Databases,
}

/// `[health]`: an optional plaintext listener for probes that cannot
/// present a client certificate (a kubelet's gRPC probe).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthListener {
    pub listen: SocketAddr,
    pub reveal: HealthReveal,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HealthEntry {
    listen: String,
    #[serde(default)]
    reveal: HealthReveal,
    /// Serving plaintext beyond loopback must be asked for.
    #[serde(default)]
    allow_non_loopback: bool,
}

pub(super) fn health_listener(h: HealthEntry) -> Result<HealthListener, String> {
    let listen: SocketAddr = h.listen.parse().map_err(|_| {
        format!(
            "[health] listen = {:?} is not an address; write it as \"127.0.0.1:8081\"",
            h.listen
        )
    })?;
    if !listen.ip().is_loopback() && !h.allow_non_loopback {
        return Err(format!(
            "[health] listen = \"{listen}\" is not a loopback address; the health listener is plaintext: keep it on 127.0.0.1, or add allow_non_loopback = true"
        ));
    }
    Ok(HealthListener {
        listen,
        reveal: h.reveal,
    })
}

/// `[metrics]`: the Prometheus endpoint (off unless configured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsListener {
    /// Plain HTTP, `GET /metrics`.
    pub listen: SocketAddr,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MetricsEntry {
    listen: String,
    #[serde(default)]
    allow_non_loopback: bool,
}

impl MetricsEntry {
    pub(super) fn validate(self) -> Result<MetricsListener, String> {
        let listen: SocketAddr = self.listen.parse().map_err(|_| {
            format!(
                "[metrics] listen = {:?} is not an address; write it as \"127.0.0.1:9464\"",
                self.listen
            )
        })?;
        if !listen.ip().is_loopback() && !self.allow_non_loopback {
            return Err(format!(
                "[metrics] listen = \"{listen}\" is not a loopback address; the metrics endpoint is plain HTTP and names the databases: keep it on 127.0.0.1 (scrape through a local agent or proxy), or add allow_non_loopback = true"
            ));
        }
        Ok(MetricsListener { listen })
    }
}

/// `[shutdown]`: on SIGTERM the agent tells its jobs to stop at their next
/// checkpoint and waits this long for them before it exits anyway (a job
/// cut short is resumed from its last committed chunk). Keep it under the
/// orchestrator's own grace (Kubernetes' `terminationGracePeriodSeconds`,
/// 30 s by default) so the agent exits before it is killed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct ShutdownEntry {
    grace_ms: u64,
}

impl Default for ShutdownEntry {
    fn default() -> Self {
        ShutdownEntry { grace_ms: 25_000 }
    }
}

impl ShutdownEntry {
    pub(super) fn grace(&self) -> Duration {
        Duration::from_millis(self.grace_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_stay_on_loopback_unless_asked() {
        let entry = |listen: &str, allow| MetricsEntry {
            listen: listen.into(),
            allow_non_loopback: allow,
        };
        assert_eq!(
            entry("127.0.0.1:9464", false)
                .validate()
                .map(|m| m.listen.port()),
            Ok(9464)
        );
        let err = entry("0.0.0.0:9464", false)
            .validate()
            .expect_err("beyond loopback");
        assert!(err.contains("allow_non_loopback = true"), "{err}");
        assert!(entry("0.0.0.0:9464", true).validate().is_ok());
        assert!(entry("localhost", false).validate().is_err());
    }

    #[test]
    fn hooks_dir_is_relative_to_the_file_and_limits_are_positive() {
        let resolve = |p: &Path| Path::new("/etc/mig").join(p);
        let h = HooksEntry {
            dir: "hooks".into(),
            timeout_ms: 500,
            status_interval_s: 5,
        };
        let c = h.clone().validate(resolve).expect("valid");
        assert_eq!(c.dir, PathBuf::from("/etc/mig/hooks"));
        assert_eq!(
            (c.timeout, c.status_every),
            (Duration::from_millis(500), Duration::from_secs(5))
        );
        let zero = HooksEntry { timeout_ms: 0, ..h };
        assert!(zero.validate(resolve).is_err());
    }
}
