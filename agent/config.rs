//! What an agent serves and who may call it: the `agent.toml` file, parsed
//! and validated here, before any file or socket is touched.
//!
//! Every key is documented in docs/agent.md, "Agent configuration".

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod access;
mod databases;
mod files;
mod operations;
mod sets;
pub mod syntax;
use crate::engine::throttle::ThrottleSettings;
pub use access::{Access, IdentitySource, Limits, Role, TlsFiles};
pub use databases::{parse_window, DatabaseConfig, DatabaseSettings};
pub use operations::{HealthListener, HealthReveal, HooksConfig, MetricsListener};
pub use sets::{DatabaseSet, DEFAULT_SET_NEW};

/// Everything the service layer needs to serve requests.
#[derive(Debug, Clone, Default)]
pub struct AgentConfig {
    pub databases: Vec<DatabaseConfig>,
}

/// `[throttle]`: how copy and catch-up yield to the service (see
/// `engine/throttle.rs`); applies to every database.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ThrottleEntry {
    enabled: bool,
    probe_interval_ms: u64,
    max_write_wait_ms: u64,
    max_wal_mb: u64,
}

impl Default for ThrottleEntry {
    fn default() -> Self {
        let d = ThrottleSettings::default();
        ThrottleEntry {
            enabled: d.enabled,
            probe_interval_ms: d.probe_every.as_millis() as u64,
            max_write_wait_ms: d.max_write_wait.as_millis() as u64,
            max_wal_mb: d.max_wal_bytes >> 20,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: String,
    tls: TlsFiles,
    #[serde(default)]
    access: Access,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    throttle: ThrottleEntry,
    health: Option<operations::HealthEntry>,
    hooks: Option<operations::HooksEntry>,
    metrics: Option<operations::MetricsEntry>,
    #[serde(default)]
    shutdown: operations::ShutdownEntry,
    #[serde(rename = "database", default)]
    databases: Vec<databases::DatabaseEntry>,
    #[serde(rename = "database_set", default)]
    sets: Vec<sets::SetEntry>,
}

/// A validated `agent.toml`.
#[derive(Debug, Clone)]
pub struct AgentFile {
    pub listen: SocketAddr,
    pub tls: TlsFiles,
    pub access: Access,
    pub limits: Limits,
    pub health: Option<HealthListener>,
    /// The Prometheus endpoint, when configured.
    pub metrics: Option<MetricsListener>,
    /// `[shutdown] grace_ms`: how long SIGTERM waits for running jobs.
    pub shutdown_grace: Duration,
    pub agent: AgentConfig,
    /// `[[database_set]]` folders, discovered beside `agent.databases`.
    pub sets: Vec<DatabaseSet>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}; check the --config path")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// A database name is a label, never a path.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

impl AgentFile {
    /// One warning line per `[[database]]` whose `old` file does not exist
    /// while no new database of it does either (a typo, or a tenant's file
    /// not there yet). Not refused: one late file must not stop an agent
    /// serving a fleet's other databases; commands on this one fail in one
    /// line until the file is there.
    pub fn missing_files(&self, config: &Path) -> Vec<String> {
        files::missing_old(&self.agent.databases, config)
    }

    pub fn load(path: &Path) -> Result<AgentFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses and validates; relative paths are relative to the file's folder.
    pub fn parse(path: &Path, text: &str) -> Result<AgentFile, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let raw: FileConfig =
            toml::from_str(text).map_err(|e| invalid(syntax::located(text, &e)))?;
        // Absolute, so every path the agent names (in a refusal's `sqlite3
        // <path>`, a warning) is usable from any shell on its host, not only
        // from the folder the agent was started in.
        let base = files::base_folder(path);
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let listen: SocketAddr = raw.listen.parse().map_err(|_| {
            invalid(format!(
                "listen = {:?} is not an address; write it as \"127.0.0.1:7443\" or \"[::]:7443\"",
                raw.listen
            ))
        })?;
        if raw.databases.is_empty() && raw.sets.is_empty() {
            return Err(invalid(
                "no [[database]] or [[database_set]] entries; add a database with a name and old/new paths or a project folder, or a folder of databases".into(),
            ));
        }
        let t = &raw.throttle;
        if t.probe_interval_ms == 0 || t.max_write_wait_ms == 0 || t.max_wal_mb == 0 {
            return Err(invalid(
                "[throttle] probe_interval_ms, max_write_wait_ms and max_wal_mb must be at least 1; to turn the automatic throttle off write enabled = false".into(),
            ));
        }
        let throttle = ThrottleSettings {
            enabled: t.enabled,
            probe_every: Duration::from_millis(t.probe_interval_ms),
            max_write_wait: Duration::from_millis(t.max_write_wait_ms),
            max_wal_bytes: t.max_wal_mb << 20,
        };
        let hooks = raw
            .hooks
            .map(|h| h.validate(resolve))
            .transpose()
            .map_err(invalid)?;
        let metrics = raw
            .metrics
            .map(operations::MetricsEntry::validate)
            .transpose()
            .map_err(invalid)?;
        let databases = databases::validate(raw.databases, &resolve, throttle, hooks.as_ref())
            .map_err(invalid)?;
        let sets = raw
            .sets
            .iter()
            .map(|e| sets::validate(e, &resolve, throttle, hooks.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        if raw.access.operators.is_empty() && raw.access.viewers.is_empty() {
            return Err(invalid(
                "[access] lists no identities; add operators = [\"...\"] (the client certificates' names)".into(),
            ));
        }
        let tls = TlsFiles {
            cert: resolve(&raw.tls.cert),
            key: resolve(&raw.tls.key),
            client_ca: resolve(&raw.tls.client_ca),
            crl: raw.tls.crl.as_deref().map(resolve),
        };
        let health = raw
            .health
            .map(operations::health_listener)
            .transpose()
            .map_err(invalid)?;
        Ok(AgentFile {
            listen,
            tls,
            access: raw.access,
            limits: raw.limits,
            health,
            metrics,
            shutdown_grace: raw.shutdown.grace(),
            agent: AgentConfig { databases },
            sets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "listen = \"127.0.0.1:7443\"\n[tls]\ncert = \"a.pem\"\nkey = \"a.key\"\nclient_ca = \"ca.pem\"\n[access]\noperators = [\"op\"]\n[[database]]\nname = \"shop\"\nold = \"old.db\"\n";

    #[test]
    fn throttle_section_sets_every_database_and_defaults_when_absent() {
        let path = Path::new("/etc/mig/agent.toml");
        let f = AgentFile::parse(path, BASE).expect("no [throttle]");
        assert_eq!(
            f.agent.databases[0].settings.throttle,
            ThrottleSettings::default()
        );
        let text = format!("{BASE}[throttle]\nenabled = false\nprobe_interval_ms = 100\nmax_write_wait_ms = 5\nmax_wal_mb = 64\n");
        let f = AgentFile::parse(path, &text).expect("[throttle]");
        let t = f.agent.databases[0].settings.throttle;
        assert!(!t.enabled);
        assert_eq!(t.probe_every, Duration::from_millis(100));
        assert_eq!(t.max_write_wait, Duration::from_millis(5));
        assert_eq!(t.max_wal_bytes, 64 << 20);
    }

    #[test]
    fn one_old_database_under_two_names_is_refused() {
        let text =
            format!("{BASE}[[database]]\nname = \"shop2\"\nold = \"old.db\"\nnew = \"other.db\"\n");
        let err = AgentFile::parse(Path::new("/etc/mig/agent.toml"), &text)
            .expect_err("the same old database twice")
            .to_string();
        assert!(err.contains("list each old database once"), "{err}");
    }

    #[test]
    fn throttle_limits_of_zero_are_refused_with_the_way_to_turn_it_off() {
        let text = format!("{BASE}[throttle]\nmax_write_wait_ms = 0\n");
        let err = AgentFile::parse(Path::new("agent.toml"), &text)
            .expect_err("zero limit")
            .to_string();
        assert!(err.contains("enabled = false"), "{err}");
        let text = format!("{BASE}[throttle]\nprobe_every = 3\n");
        let err = AgentFile::parse(Path::new("agent.toml"), &text)
            .expect_err("unknown key")
            .to_string();
        assert!(err.contains("probe_every"), "{err}");
    }

    #[test]
    fn health_listener_stays_on_loopback_unless_asked_and_crl_is_relative_to_the_file() {
        let path = Path::new("/etc/mig/agent.toml");
        let f = AgentFile::parse(path, BASE).expect("no [health]");
        assert_eq!((f.health, f.tls.crl), (None, None));
        let text = BASE.replace(
            "client_ca = \"ca.pem\"\n",
            "client_ca = \"ca.pem\"\ncrl = \"crl.pem\"\n",
        );
        let text = format!("{text}[health]\nlisten = \"127.0.0.1:8081\"\n");
        let f = AgentFile::parse(path, &text).expect("[health]");
        assert_eq!(f.tls.crl, Some(PathBuf::from("/etc/mig/crl.pem")));
        let h = f.health.expect("health");
        assert_eq!((h.listen.port(), h.reveal), (8081, HealthReveal::Overall));
        let open = format!("{BASE}[health]\nlisten = \"0.0.0.0:8081\"\n");
        let err = AgentFile::parse(path, &open)
            .expect_err("plaintext beyond loopback")
            .to_string();
        assert!(err.contains("allow_non_loopback = true"), "{err}");
        let asked = format!("{open}allow_non_loopback = true\nreveal = \"databases\"\n");
        let h = AgentFile::parse(path, &asked)
            .expect("asked for")
            .health
            .expect("health");
        assert_eq!(h.reveal, HealthReveal::Databases);
    }
}
