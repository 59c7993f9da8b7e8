//! Where the agent is. [`Target::from_args`] validates the global flags
//! (no I/O); [`Session::open`] then starts the agent in-process or connects
//! to a remote one over (mutual) TLS. Both yield the same gRPC client: the
//! commands never know which, and never open a database file.

use std::path::PathBuf;
use std::time::Duration;

use mig::config::{AgentConfig, DatabaseConfig, HooksConfig};
use mig::engine::paths::DatabaseSpec;
use mig::proto::migrator_client::MigratorClient;
use mig::proto::ListDatabasesRequest;
use mig::transport::local::{self, LocalAgent};
use tonic::transport::{Channel, Endpoint};

use crate::cli::GlobalArgs;
use crate::exit::{error, failed, usage, Exit};

mod tls_files;
pub use tls_files::key_warnings;
use tls_files::tls_config;

/// The name the in-process agent serves the local files under.
pub const LOCAL_DATABASE: &str = "local";

/// How long connecting to a remote agent may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which agent to talk to, validated from the flags.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// An in-process agent serving one database, [`LOCAL_DATABASE`].
    Local(DatabaseConfig),
    Remote(Remote),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Remote {
    pub url: String,
    pub tls: Option<TlsFiles>,
    /// `None`: the agent's only database.
    pub database: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    /// Client certificate and key, for agents that require one.
    pub identity: Option<(PathBuf, PathBuf)>,
}

impl Target {
    /// Checks the flags against each other; touches no file or socket.
    pub fn from_args(g: &GlobalArgs) -> anyhow::Result<Target> {
        let Some(url) = &g.agent else {
            if g.database.is_some() {
                return Err(usage(
                    "--database needs --agent; without it mig serves the files given by --old/--new/-C",
                ));
            }
            let spec = DatabaseSpec {
                old: g.old.clone(),
                new: g.new.clone(),
                project: Some(g.project.clone().unwrap_or_else(|| PathBuf::from("."))),
            };
            let mut config = DatabaseConfig::new(LOCAL_DATABASE, spec);
            config.settings.busy_timeout = Duration::from_millis(g.busy_timeout_ms);
            config.settings.allow_rollback_journal = g.allow_rollback_journal;
            config.settings.hooks = g.hooks.clone().map(HooksConfig::new);
            return Ok(Target::Local(config));
        };
        if g.hooks.is_some() {
            return Err(usage(
                "--hooks is set on the agent ([hooks] dir in agent.toml)",
            ));
        }
        if g.allow_rollback_journal {
            return Err(usage(
                "--allow-rollback-journal is set on the agent (allow_rollback_journal in agent.toml)",
            ));
        }
        if let Some(e) = local_paths_with_agent(g) {
            return Err(e);
        }
        let identity = match (&g.cert, &g.key) {
            (Some(c), Some(k)) => Some((c.clone(), k.clone())),
            (None, None) => None,
            _ => return Err(usage("--cert and --key go together")),
        };
        let tls = if url.starts_with("https://") {
            let ca = g.ca.clone().ok_or_else(|| {
                usage(
                    "an https agent needs --ca FILE (or MIG_CA): the CA its certificate chains to",
                )
            })?;
            Some(TlsFiles { ca, identity })
        } else if url.starts_with("http://") {
            if g.ca.is_some() || identity.is_some() {
                return Err(usage("--ca/--cert/--key need an https:// agent URL"));
            }
            None
        } else {
            return Err(usage(format!(
                "agent URL {url} must start with https:// or http://"
            )));
        };
        Ok(Target::Remote(Remote {
            url: url.clone(),
            tls,
            database: g.database.clone(),
        }))
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Target::Local(_))
    }
}

/// `--old`, `--new` or `-C` given with `--agent`: local paths mean nothing
/// to an agent, which serves the paths of its own `agent.toml`. The message
/// names the flag given and, when `--database` is there too, says only to
/// drop the path.
fn local_paths_with_agent(g: &GlobalArgs) -> Option<anyhow::Error> {
    let flag = [
        (g.old.is_some(), "--old"),
        (g.new.is_some(), "--new"),
        (g.project.is_some(), "-C"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))?;
    Some(usage(match &g.database {
        Some(db) => format!(
            "{flag} names a local file, but with --agent the agent uses the paths of database {db} in its agent.toml: drop {flag}"
        ),
        None => format!(
            "{flag} names a local file, but with --agent the agent uses the paths in its agent.toml: drop {flag} and pass --database NAME"
        ),
    }))
}

/// A connection to an agent, and the database the command acts on.
pub struct Session {
    pub client: MigratorClient<Channel>,
    /// The in-process agent, stopped by [`Session::close`].
    agent: Option<LocalAgent>,
    database: Option<String>,
    /// Shown in messages: `the in-process agent` or the URL.
    pub agent_name: String,
}

impl Session {
    pub async fn open(target: Target) -> anyhow::Result<Session> {
        match target {
            Target::Local(database) => {
                let config = AgentConfig {
                    databases: vec![database],
                };
                let agent = local::start(config).await.map_err(|e| {
                    error(
                        Exit::Unavailable,
                        format!("cannot start the in-process agent: {e:#}"),
                    )
                })?;
                Ok(Session {
                    client: MigratorClient::new(agent.channel.clone()),
                    agent: Some(agent),
                    database: Some(LOCAL_DATABASE.to_string()),
                    agent_name: "the in-process agent".into(),
                })
            }
            Target::Remote(remote) => {
                let channel = connect(&remote).await?;
                Ok(Session {
                    client: MigratorClient::new(channel),
                    agent: None,
                    database: remote.database,
                    agent_name: remote.url,
                })
            }
        }
    }

    /// True when the agent runs in this process (and its jobs end with it).
    pub fn is_local(&self) -> bool {
        self.agent.is_some()
    }

    /// The database to act on: the one named, or the agent's only one.
    pub async fn database(&mut self) -> anyhow::Result<String> {
        if let Some(d) = &self.database {
            return Ok(d.clone());
        }
        let list = self
            .client
            .list_databases(ListDatabasesRequest {
                names_only: true,
                page_size: 11,
                ..Default::default()
            })
            .await?
            .into_inner();
        let names: Vec<String> = list.databases.into_iter().map(|d| d.name).collect();
        let name = pick_database(&names, &self.agent_name)?;
        self.database = Some(name.clone());
        Ok(name)
    }

    /// Stops the in-process agent, letting its jobs reach a checkpoint.
    pub async fn close(self) {
        if let Some(agent) = self.agent {
            agent.shutdown().await;
        }
    }
}

/// The only database of an agent, or an error naming the choices.
pub fn pick_database(names: &[String], agent: &str) -> anyhow::Result<String> {
    match names {
        [one] => Ok(one.clone()),
        [] => Err(failed(format!("{agent} serves no databases"))),
        many => Err(usage(format!(
            "{agent} serves several databases ({}); pass --database NAME",
            many.join(", ")
        ))),
    }
}

async fn connect(remote: &Remote) -> anyhow::Result<Channel> {
    let mut endpoint = Endpoint::from_shared(remote.url.clone())
        .map_err(|e| usage(format!("invalid agent URL {}: {e}", remote.url)))?
        .connect_timeout(CONNECT_TIMEOUT);
    if let Some(tls) = &remote.tls {
        endpoint = endpoint.tls_config(tls_config(tls)?).map_err(|e| {
            let detail = chain(&e);
            // rustls: the private key is not the certificate's.
            if detail.contains("KeyMismatch") {
                if let Some((cert, key)) = &tls.identity {
                    return usage(format!(
                        "--key {} is not the private key of --cert {}; pass the key made with that certificate",
                        key.display(),
                        cert.display()
                    ));
                }
            }
            anyhow::anyhow!("configuring TLS: {detail}")
        })?;
    }
    endpoint.connect().await.map_err(|e| {
        error(
            Exit::Unavailable,
            format!(
                "cannot reach the agent at {}: {}{}",
                remote.url,
                chain(&e),
                no_port_hint(&remote.url)
            ),
        )
    })
}

/// An agent URL without a port reaches 443 (or 80), where no agent
/// listens: say so, since "connection refused" alone reads as a dead agent.
fn no_port_hint(url: &str) -> &'static str {
    let no_port = url
        .parse::<tonic::transport::Uri>()
        .is_ok_and(|u| u.port_u16().is_none());
    if no_port {
        "; the URL names no port, so the scheme's default (443 or 80) was tried: add the port the agent listens on (`listen` in its agent.toml; mig-agent prints it at start)"
    } else {
        ""
    }
}

/// A transport error with its sources ("transport error" alone says little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use crate::exit::classify;
    use clap::Parser;

    fn target(args: &[&str]) -> anyhow::Result<Target> {
        let mut argv = vec!["mig"];
        argv.extend_from_slice(args);
        argv.push("status");
        Target::from_args(&Cli::try_parse_from(argv).expect("parses").global())
    }

    #[test]
    fn local_mode_defaults_the_project_to_the_current_folder() {
        let t = target(&["--old", "o.db"]).expect("valid");
        let spec = DatabaseSpec {
            old: Some("o.db".into()),
            new: None,
            project: Some(".".into()),
        };
        assert_eq!(t, Target::Local(DatabaseConfig::new(LOCAL_DATABASE, spec)));
    }

    #[test]
    fn paths_with_an_agent_are_a_usage_error() {
        let e = target(&["--agent", "http://a:1", "--old", "o.db"]).unwrap_err();
        assert_eq!(classify(&e), Exit::Usage);
        assert_eq!(
            e.to_string(),
            "--old names a local file, but with --agent the agent uses the paths in its agent.toml: drop --old and pass --database NAME"
        );
        let e = target(&[
            "--agent",
            "http://a:1",
            "--database",
            "shop",
            "--new",
            "n.db",
        ])
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "--new names a local file, but with --agent the agent uses the paths of database shop in its agent.toml: drop --new"
        );
        let e = target(&["--agent", "http://a:1", "-C", "p"]).unwrap_err();
        assert_eq!(classify(&e), Exit::Usage);
    }

    #[test]
    fn https_needs_a_ca_and_cert_goes_with_key() {
        assert_eq!(
            classify(&target(&["--agent", "https://a:1"]).unwrap_err()),
            Exit::Usage
        );
        let e = target(&[
            "--agent",
            "https://a:1",
            "--ca",
            "ca.pem",
            "--cert",
            "c.pem",
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), "--cert and --key go together");
        let t = target(&[
            "--agent",
            "https://a:1",
            "--ca",
            "ca.pem",
            "--cert",
            "c.pem",
            "--key",
            "k.pem",
        ])
        .expect("valid");
        let Target::Remote(r) = t else {
            panic!("remote expected")
        };
        assert_eq!(
            r.tls,
            Some(TlsFiles {
                ca: "ca.pem".into(),
                identity: Some(("c.pem".into(), "k.pem".into())),
            })
        );
    }

    #[test]
    fn database_without_agent_is_a_usage_error() {
        let e = target(&["--database", "shop"]).unwrap_err();
        assert_eq!(classify(&e), Exit::Usage);
    }

    #[test]
    fn the_only_database_is_picked_and_several_are_listed() {
        assert_eq!(
            pick_database(&["shop".into()], "agent").expect("one"),
            "shop"
        );
        let e = pick_database(&["a".into(), "b".into()], "agent").unwrap_err();
        assert_eq!(
            e.to_string(),
            "agent serves several databases (a, b); pass --database NAME"
        );
    }
}
