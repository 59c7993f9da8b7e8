//! The agent's security and lifecycle against real `mig-agent` processes on
//! loopback ports, certificates generated per run: nothing answers a caller
//! without a certificate (checked with Python grpcio as a second stack), the
//! plaintext health listener, and reloads — a revoked client refused, a
//! renewed agent certificate served, databases added and removed by SIGHUP
//! — while jobs and streams keep running.

mod file_modes;
mod health;
mod no_secrets;
mod plan_quotes;
mod reload;
mod second_stack;
mod set_symlinks;
#[cfg(feature = "failpoints")]
mod shutdown_grace;
mod sighup;
mod status_quotes;
mod watch_quotes;

use std::time::Duration;

use mig::proto as pb;
use mig::proto::migrator_client::MigratorClient;
use tonic::transport::Channel;

/// Generous bound for what the agent does within a second or two.
pub const RELOAD_WAIT: Duration = Duration::from_secs(20);

/// Starts a migrate job copying at most `rows_per_sec` and returns its id
/// once the agent reports it running.
pub async fn slow_migrate(op: &mut MigratorClient<Channel>, db: &str, rows_per_sec: f64) -> String {
    op.migrate(pb::MigrateRequest {
        database: db.into(),
        schema: Some(pb::SchemaSource {
            file_name: "schema.sql".into(),
            sql: crate::support::fixture::NEW_SCHEMA.into(),
        }),
        detach: true,
        max_rows_per_sec: rows_per_sec,
        ..Default::default()
    })
    .await
    .expect("migrate")
    .into_inner()
    .message()
    .await
    .expect("first event")
    .expect("an event")
    .job_id
}

/// The database's running job id, if a job runs.
pub async fn running_job(client: &mut MigratorClient<Channel>, db: &str) -> Option<String> {
    let status = client
        .status(pb::StatusRequest {
            database: db.into(),
        })
        .await
        .expect("status")
        .into_inner();
    status.running_job.map(|j| j.job_id)
}

/// The names `ListDatabases` returns.
pub async fn database_names(client: &mut MigratorClient<Channel>) -> Vec<String> {
    client
        .list_databases(pb::ListDatabasesRequest::default())
        .await
        .expect("list databases")
        .into_inner()
        .databases
        .into_iter()
        .map(|d| d.name)
        .collect()
}
