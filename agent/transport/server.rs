//! The `mig-agent` listener: mutual TLS on a TCP address, serving
//! `mig.v1.Migrator`, `grpc.health.v1.Health` and server reflection (v1 and
//! v1alpha) — every one only to a caller whose client certificate names a
//! role — with request limits, reloads (SIGHUP, changed TLS files) and a
//! graceful stop. Beside it, optionally: the plaintext health listener
//! (`[health]`) and a loopback-only plaintext listener for tests.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, watch};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

use super::auth::Authenticate;
use super::config_reload::{self, ConfigReload};
use super::health;
use super::tls::{self, TlsReloader};
use crate::config::AgentFile;
use crate::engine::state::Phase;
use crate::jobs::{self, PhaseReport, Registry, Switched};
use crate::proto::migrator_server::MigratorServer;
use crate::service::MigratorService;

/// The health service name of a database's old side: `SERVING` while the
/// old database takes the service's writes (before cutover, and again
/// after a revert), so a load balancer can follow a revert too.
pub fn old_health_name(database: &str) -> String {
    format!("mig.db.{database}.old")
}

/// How often the agent reads each database's phase and catches up.
const SUPERVISE_INTERVAL: Duration = Duration::from_millis(500);

/// The health service name of a database: `SERVING` once its new database
/// is ready (a readiness gate for the new service and load balancers).
pub fn health_name(database: &str) -> String {
    format!("mig.db.{database}")
}

/// How the agent was started, beyond its configuration file.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The file SIGHUP re-reads.
    pub config_path: PathBuf,
    /// A plaintext listener without authentication, for loopback tests
    /// (`mig-agent --insecure-listen`); refused unless loopback.
    pub insecure_listen: Option<SocketAddr>,
}

/// Where the agent listens (ports may have been 0).
#[derive(Debug, Clone, Copy)]
pub struct Listening {
    pub tls: SocketAddr,
    pub health: Option<SocketAddr>,
    pub insecure: Option<SocketAddr>,
    /// The `[metrics]` listener, when configured.
    pub metrics: Option<SocketAddr>,
    /// How many databases are served: `[[database]]` entries and what the
    /// `[[database_set]]` folders held at start.
    pub served: usize,
}

/// The services every listener serves, before authentication is added.
struct Routes {
    health: HealthReporter,
    migrator: MigratorServer<MigratorService>,
}

/// Server reflection over mig's and the health service's descriptors;
/// `build_v1()` and `build_v1alpha()` (grpcurl speaks v1, older tools and
/// Python's grpcio-reflection v1alpha).
fn reflection() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}

/// Serves until `shutdown` resolves; `listening` is told the bound
/// addresses once every listener is bound and SIGHUP is handled.
pub async fn serve(
    file: AgentFile,
    options: ServeOptions,
    listening: impl FnOnce(Listening),
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    if let Some(addr) = options.insecure_listen.filter(|a| !a.ip().is_loopback()) {
        anyhow::bail!("--insecure-listen {addr} is not a loopback address; it serves without TLS or authentication, for tests on 127.0.0.1 only");
    }
    for warning in file.missing_files(&options.config_path) {
        tracing::warn!("{warning}");
    }
    let (tls_reloader, tls_configs) = TlsReloader::load(file.tls.clone())?;
    let listener = super::bind(file.listen, "agent.toml listen").await?;
    let addr = listener.local_addr()?;
    let registry = Registry::new(file.agent.clone());
    registry
        .configure(jobs::Configured {
            explicit: file.agent.clone(),
            sets: file.sets.clone(),
        })
        .map_err(|e| anyhow::anyhow!(e))?;
    let auth = Authenticate::new(file.access.clone());
    let (routes, health_service) = routes(&file, &registry, &tls_reloader).await;
    // SIGHUP is handled from here on (its default action would stop us).
    let reload = Arc::new(ConfigReload {
        path: options.config_path.clone(),
        current: Mutex::new(file.clone()),
        registry: Arc::clone(&registry),
        auth: auth.clone(),
        tls: Arc::clone(&tls_reloader),
    });
    let mut tasks = start_reloads(reload, &tls_reloader)?;
    tasks.extend(start_background(&registry, &routes.health).await);

    let (stop_tx, stop_rx) = watch::channel(false);
    let grace = file.shutdown_grace;
    let side = side_listeners(&file, &options, &routes, &stop_rx).await?;
    let metrics = match &file.metrics {
        Some(m) => Some(super::metrics::serve(m, Arc::clone(&registry), stop_rx.clone()).await?),
        None => None,
    };

    listening(Listening {
        tls: addr,
        health: side.0,
        insecure: side.1,
        metrics,
        served: registry.databases().len(),
    });
    let stop_registry = Arc::clone(&registry);
    let result = Server::builder()
        .timeout(Duration::from_millis(file.limits.unary_timeout_ms))
        .max_concurrent_streams(file.limits.max_streams_per_client)
        .add_service(InterceptedService::new(health_service, auth.clone()))
        .add_service(InterceptedService::new(
            reflection().build_v1()?,
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            reflection().build_v1alpha()?,
            auth.clone(),
        ))
        .add_service(InterceptedService::new(routes.migrator, auth))
        .serve_with_incoming_shutdown(
            tls::incoming(listener, tls_configs, Arc::clone(&registry.metrics)),
            async move {
                shutdown.await;
                tracing::info!("stopping: checkpointing running jobs");
                let _ = stop_tx.send(true);
                for task in tasks {
                    task.abort();
                }
                super::shutdown_jobs(&stop_registry, grace).await;
            },
        )
        .await;
    result.map_err(|e| anyhow::anyhow!("the agent stopped serving: {e}"))
}

/// The `mig.v1` service (its `status` warns of the agent's expiring
/// certificate) and the health service, before authentication is added.
async fn routes(
    file: &AgentFile,
    registry: &Arc<Registry>,
    tls: &Arc<TlsReloader>,
) -> (
    Routes,
    tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health>,
) {
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<MigratorServer<MigratorService>>()
        .await;
    let tls = Arc::clone(tls);
    let service = MigratorService::new(Arc::clone(registry))
        .with_notes(Arc::new(move || tls.expiry_notice().into_iter().collect()));
    let migrator =
        MigratorServer::new(service).max_decoding_message_size(file.limits.max_request_bytes);
    (Routes { health, migrator }, health_service)
}

/// Resumes interrupted jobs, then supervises the databases (catch-up,
/// phases) and keeps the health statuses current.
async fn start_background(
    registry: &Arc<Registry>,
    health: &HealthReporter,
) -> Vec<tokio::task::JoinHandle<()>> {
    jobs::recover(registry).await;
    let (phase_tx, phase_rx) = mpsc::channel::<PhaseReport>(64);
    let supervisor = tokio::spawn(jobs::supervise(
        Arc::clone(registry),
        crate::engine::failpoint::supervise_interval().unwrap_or(SUPERVISE_INTERVAL),
        phase_tx,
    ));
    vec![
        supervisor,
        tokio::spawn(update_health(
            health.clone(),
            phase_rx,
            registry.switch_events(),
        )),
    ]
}

/// The TLS file watch and the SIGHUP handler, installed before jobs resume
/// and long before the agent says it listens.
fn start_reloads(
    reload: Arc<ConfigReload>,
    tls: &Arc<TlsReloader>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = vec![tokio::spawn(Arc::clone(tls).watch_files())];
    #[cfg(unix)]
    tasks.push(
        config_reload::on_sighup(reload)
            .map_err(|e| anyhow::anyhow!("cannot handle SIGHUP: {e}"))?,
    );
    #[cfg(not(unix))]
    let _ = reload;
    Ok(tasks)
}

/// The `[health]` listener and the `--insecure-listen` one, if asked for.
async fn side_listeners(
    file: &AgentFile,
    options: &ServeOptions,
    routes: &Routes,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<(Option<SocketAddr>, Option<SocketAddr>)> {
    let health = match &file.health {
        Some(h) => Some(health::serve_public(h, routes.health.clone(), stop.clone()).await?),
        None => None,
    };
    let insecure = match options.insecure_listen {
        Some(addr) => Some(serve_insecure(addr, routes, file, stop.clone()).await?),
        None => None,
    };
    Ok((health, insecure))
}

/// Every service in plaintext without authentication (callers act as the
/// local operator): for tests on loopback only, never in production.
async fn serve_insecure(
    addr: SocketAddr,
    routes: &Routes,
    file: &AgentFile,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    let incoming = TcpIncoming::bind(addr)
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (--insecure-listen): {e}"))?
        .with_nodelay(Some(true));
    let bound = incoming.local_addr()?;
    tracing::warn!(%bound, "serving without TLS or authentication on loopback (--insecure-listen): for tests only");
    let router = Server::builder()
        .timeout(Duration::from_millis(file.limits.unary_timeout_ms))
        .add_service(tonic_health::pb::health_server::HealthServer::new(
            tonic_health::server::HealthService::from_health_reporter(routes.health.clone()),
        ))
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?)
        .add_service(routes.migrator.clone());
    tokio::spawn(async move {
        let served = router
            .serve_with_incoming_shutdown(incoming, async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("the insecure listener stopped: {e}");
        }
    });
    Ok(bound)
}

/// Keeps each database's health statuses current: `mig.db.<name>`
/// `SERVING` the moment a cutover commits and `mig.db.<name>.old` the
/// moment a revert makes the old database writable again (pushed to every
/// `Watch`), and the phase the supervisor reads every interval otherwise.
/// A phase read that started before an announced switch is stale and
/// ignored unless it gives the same statuses.
async fn update_health(
    health: HealthReporter,
    mut phases: mpsc::Receiver<PhaseReport>,
    mut switched: broadcast::Receiver<Switched>,
) {
    let mut switched_at: HashMap<String, (Instant, Phase)> = HashMap::new();
    loop {
        tokio::select! {
            s = switched.recv() => match s {
                Ok(s) => {
                    switched_at.insert(s.database.clone(), (Instant::now(), s.phase));
                    set_health(&health, &s.database, Some(s.phase)).await;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            report = phases.recv() => {
                let Some(r) = report else { return };
                let current = match switched_at.get(&r.database) {
                    Some((at, phase)) if *at > r.read_at => serving(Some(*phase)) == serving(r.phase),
                    _ => true,
                };
                if current {
                    set_health(&health, &r.database, r.phase).await;
                }
            }
        }
    }
}

/// Whether the new database takes writes in this phase.
fn new_serves(phase: Option<Phase>) -> bool {
    matches!(
        phase,
        Some(Phase::CutOver | Phase::Complete | Phase::Standby | Phase::Retired)
    )
}

/// Whether the old database takes writes in this phase.
fn old_serves(phase: Option<Phase>) -> bool {
    matches!(
        phase,
        Some(Phase::NotStarted | Phase::Copying | Phase::Recording | Phase::Reverted)
    )
}

/// (`mig.db.<name>`, `mig.db.<name>.old`) serving in this phase.
fn serving(phase: Option<Phase>) -> (bool, bool) {
    (new_serves(phase), old_serves(phase))
}

async fn set_health(health: &HealthReporter, name: &str, phase: Option<Phase>) {
    let status = |yes: bool| {
        if yes {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        }
    };
    let (new, old) = serving(phase);
    health
        .set_service_status(health_name(name), status(new))
        .await;
    health
        .set_service_status(old_health_name(name), status(old))
        .await;
}
