//! Reaching the fleet's agents: one gRPC client per target (TLS from the
//! fleet file, through `connect`), the schema each target is sent, and a
//! bounded concurrent map over targets that keeps their order.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

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

/// Connects to the target's agent; the error is one line naming it.
pub async fn connect(t: &FleetTarget) -> anyhow::Result<MigratorClient<Channel>> {
    let session = Session::open(Target::Remote(Remote {
        url: t.url.clone(),
        tls: t.tls.clone(),
        database: Some(t.database.clone()),
    }))
    .await?;
    Ok(session.client.clone())
}

/// Reads every target's schema file once (before any network I/O).
pub fn schemas(targets: &[FleetTarget]) -> anyhow::Result<Vec<SchemaSource>> {
    let mut read: HashMap<PathBuf, SchemaSource> = HashMap::new();
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        if let Some(s) = read.get(&t.schema) {
            out.push(s.clone());
            continue;
        }
        let s = schema::read(&t.schema)?;
        read.insert(t.schema.clone(), s.clone());
        out.push(s);
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
        let (permits, work) = (permits.clone(), f(i, t.clone()));
        let handle = set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            work.await.map_err(|e| TargetError {
                message: message(&e),
                unreachable: classify(&e) == Exit::Unavailable,
            })
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
