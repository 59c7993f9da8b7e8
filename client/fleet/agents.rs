//! Reaching the fleet's agents: one connection per agent (TLS from the
//! fleet file, through `connect`), shared by every target on it — gRPC
//! multiplexes their calls and streams over it —, the schema each target
//! is sent, and a bounded concurrent map over targets that keeps their order.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use mig::proto::migrator_client::MigratorClient;
use mig::proto::SchemaSource;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tonic::transport::Channel;

use super::file::FleetTarget;
use crate::connect::{Remote, Session, Target};
use crate::exit::{classify, message, Exit};
use crate::schema;

/// Why one target gave no answer: its one-line message, and whether its
/// agent could not be reached at all (rather than reached and refusing, e.g.
/// an unknown database or a missing role).
#[derive(Debug, Clone)]
pub struct TargetError {
    pub message: String,
    pub unreachable: bool,
}

impl TargetError {
    fn internal(message: String) -> TargetError {
        TargetError {
            message,
            unreachable: false,
        }
    }
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

type Pool = Mutex<HashMap<String, Arc<tokio::sync::OnceCell<MigratorClient<Channel>>>>>;

/// The connections of this process, one per agent URL and TLS material.
fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(Pool::default)
}

/// What a fresh handshake showed of each agent (by URL and TLS material)
/// whose calls failed without an answer: one probe per agent, however many
/// of its databases failed.
type Causes = Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Option<String>>>>>;

fn causes() -> &'static Causes {
    static CAUSES: OnceLock<Causes> = OnceLock::new();
    CAUSES.get_or_init(Causes::default)
}

/// The error to report for `t`: `err`, or — when its agent gave no answer
/// of its own (a refused client certificate reaches the client as
/// "operation was canceled") — the line `mig` prints for one database
/// (`diagnose::explain`): what is wrong and what to do.
pub async fn explained(t: &FleetTarget, err: anyhow::Error) -> anyhow::Error {
    if !crate::diagnose::connection_failure(&err) {
        return err;
    }
    let cell = {
        // Held only to look up or insert a cell.
        let mut causes = causes().lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(causes.entry(format!("{} {:?}", t.url, t.tls)).or_default())
    };
    let remote = Remote {
        url: t.url.clone(),
        tls: t.tls.clone(),
        database: None,
    };
    let cause = cell
        .get_or_init(|| async { crate::diagnose::handshake_cause(&remote).await })
        .await;
    match cause {
        Some(c) => crate::exit::error(Exit::Unavailable, c.clone()),
        None => err,
    }
}

/// A client on the target's agent: the agent's one connection, opened by
/// the first caller (the others wait for it); an error is one line naming
/// the agent, and the next caller tries again.
pub async fn connect(t: &FleetTarget) -> anyhow::Result<MigratorClient<Channel>> {
    let key = format!("{} {:?}", t.url, t.tls);
    let cell = {
        // Held only to look up or insert a cell.
        let mut pool = pool().lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(pool.entry(key).or_default())
    };
    let client = cell
        .get_or_try_init(|| async {
            let session = Session::open(Target::Remote(Remote {
                url: t.url.clone(),
                tls: t.tls.clone(),
                database: None,
            }))
            .await?;
            Ok::<_, anyhow::Error>(session.client.clone())
        })
        .await?;
    Ok(client.clone())
}

/// The schema of every target, each file read once (before any network
/// I/O) and shared by the targets that name it.
#[derive(Debug, Default)]
pub struct Schemas {
    read: HashMap<PathBuf, Arc<SchemaSource>>,
}

impl Schemas {
    /// What `t` is sent (a copy: requests own their schema).
    pub fn of(&self, t: &FleetTarget) -> Option<SchemaSource> {
        self.read.get(&t.schema).map(|s| SchemaSource::clone(s))
    }

    /// A fingerprint of the schema `t` is sent (the rollout record keeps
    /// it: another schema is another rollout).
    pub fn fingerprint(&self, t: &FleetTarget) -> String {
        use sha2::{Digest, Sha256};
        let sql = self.read.get(&t.schema).map_or("", |s| s.sql.as_str());
        hex::encode(&Sha256::digest(sql.as_bytes())[..8])
    }
}

/// Reads every target's schema file once (before any network I/O).
pub fn schemas(targets: &[FleetTarget]) -> anyhow::Result<Schemas> {
    let mut out = Schemas::default();
    for t in targets {
        if !out.read.contains_key(&t.schema) {
            if !t.schema.exists() {
                return Err(crate::exit::failed(format!(
                    "target {:?}: schema file {} does not exist; fix `schema` in the fleet file (a relative path is read from the fleet file's folder)",
                    t.name,
                    t.schema.display()
                )));
            }
            let s = schema::read(&t.schema)?;
            out.read.insert(t.schema.clone(), Arc::new(s));
        }
    }
    Ok(out)
}

/// Runs `f` on every target, at most `limit` at once; results in target
/// order, each error flattened to its one-line message.
pub async fn each<T, F, Fut>(
    targets: &[FleetTarget],
    limit: usize,
    f: F,
) -> Vec<Result<T, TargetError>>
where
    T: Send + 'static,
    F: Fn(usize, FleetTarget) -> Fut,
    Fut: Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let mut set = JoinSet::new();
    let mut ids = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        let (permits, work, target) = (permits.clone(), f(i, t.clone()), t.clone());
        let handle = set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            match work.await {
                Ok(v) => Ok(v),
                Err(e) => {
                    let e = explained(&target, e).await;
                    Err(TargetError {
                        message: message(&e),
                        unreachable: classify(&e) == Exit::Unavailable,
                    })
                }
            }
        });
        ids.insert(handle.id(), i);
    }
    let mut out: Vec<Option<Result<T, TargetError>>> = (0..targets.len()).map(|_| None).collect();
    while let Some(done) = set.join_next_with_id().await {
        match done {
            Ok((id, r)) => {
                if let Some(&i) = ids.get(&id) {
                    out[i] = Some(r);
                }
            }
            Err(e) => {
                if let Some(&i) = ids.get(&e.id()) {
                    out[i] = Some(Err(TargetError::internal(format!("internal error: {e}"))));
                }
            }
        }
    }
    out.into_iter()
        .map(|r| {
            r.unwrap_or_else(|| Err(TargetError::internal("internal error: task lost".into())))
        })
        .collect()
}
