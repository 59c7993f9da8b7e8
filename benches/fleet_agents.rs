//! The fleet benchmark's site: one CA and certificate set, N real
//! `mig-agent` processes on loopback (port 0), each serving its own small
//! shop database, killed when the [`Site`] is dropped (also on panic). And,
//! after a rollout, each agent's own account of its jobs, read back over
//! gRPC (`Watch` from sequence 0) — the "agents' own work".

use std::path::{Path, PathBuf};
use std::process::Child;

use mig::proto::job_completed::Summary;
use mig::proto::job_event::Event;
use mig::proto::migrator_client::MigratorClient;
use mig::proto::WatchRequest;
use mig::transport::certs::{self, ClientSpec};
use rusqlite::Connection;
use serde::Serialize;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// The bundled shop example's schemas: the old one each database starts
/// from, the new one the fleet rolls out.
pub const OLD_SCHEMA: &str = include_str!("../examples/shop/old.sql");
pub const NEW_SCHEMA: &str = include_str!("../examples/shop/schema.sql");
/// The database name every agent serves.
pub const DATABASE: &str = "shop";

/// One running agent: its folder, log file, port and process.
pub struct Agent {
    pub dir: PathBuf,
    pub port: u16,
    child: Child,
}

/// All agents of a run; dropping it kills and reaps every process.
pub struct Site {
    pub certs: PathBuf,
    pub agents: Vec<Agent>,
}

impl Drop for Site {
    fn drop(&mut self) {
        for a in &mut self.agents {
            let _ = a.child.kill();
            let _ = a.child.wait();
        }
    }
}

impl Site {
    /// Certificates (CA, agent for localhost, client `operator`), then
    /// `count` seeded databases and agents, started one after the other.
    pub fn start(dir: &Path, count: usize, rows: u64) -> Site {
        let certs = make_certs(dir);
        let mut site = Site {
            certs,
            agents: Vec::with_capacity(count),
        };
        for i in 0..count {
            let home = dir.join(format!("a{i:03}"));
            std::fs::create_dir_all(&home).expect("creating an agent folder");
            seed(&home.join("shop.db"), rows);
            let agent = site.spawn(&home);
            site.agents.push(agent);
        }
        site
    }

    /// Writes `agent.toml` and starts the agent with JSON logs on stderr
    /// (kept in `agent.log`: the job ids are read from it afterwards).
    fn spawn(&self, home: &Path) -> Agent {
        let c = &self.certs;
        let config = format!(
            "listen = \"127.0.0.1:0\"\n\n[tls]\ncert = {:?}\nkey = {:?}\nclient_ca = {:?}\n\n[access]\noperators = [\"operator\"]\n\n[[database]]\nname = {DATABASE:?}\nold = {:?}\nnew = {:?}\n",
            c.join("agent.pem"),
            c.join("agent-key.pem"),
            c.join("ca.pem"),
            home.join("shop.db"),
            home.join("shop-new.db"),
        );
        std::fs::write(home.join("agent.toml"), config).expect("writing agent.toml");
        let (child, port) = crate::spawn::agent(home);
        Agent {
            dir: home.to_path_buf(),
            port,
            child,
        }
    }

    /// The fleet file: every agent as one target, shared TLS material.
    pub fn fleet_toml(&self) -> String {
        let mut s = String::from(
            "[defaults]\nca = \"certs/ca.pem\"\ncert = \"certs/operator.pem\"\nkey = \"certs/operator-key.pem\"\nschema = \"schema.sql\"\n",
        );
        for (i, a) in self.agents.iter().enumerate() {
            s.push_str(&format!(
                "\n[[target]]\nname = \"t{i:03}\"\nagent = \"https://localhost:{}\"\ndatabase = {DATABASE:?}\n",
                a.port
            ));
        }
        s
    }
}

/// Certificates in `dir/certs`: a CA, an agent for localhost and the client
/// `operator`.
pub fn make_certs(dir: &Path) -> PathBuf {
    let certs = dir.join("certs");
    let operator: ClientSpec = "operator:operator".parse().expect("client spec");
    certs::init(
        &certs,
        &["localhost".to_string(), "127.0.0.1".to_string()],
        &[operator],
        certs::Lifetimes::default(),
    )
    .expect("generating certificates");
    certs
}

/// The old shop database: `rows` customers and orders, two lines per
/// order, a tenth as many products; WAL like the bundled example.
pub fn seed(path: &Path, rows: u64) {
    let products = (rows / 10).max(5);
    let conn = Connection::open(path).expect("creating a shop database");
    conn.execute_batch("PRAGMA journal_mode = WAL;")
        .expect("WAL mode");
    conn.execute_batch(OLD_SCHEMA)
        .expect("the shop's old schema");
    let fill = format!(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
           INSERT INTO Customer SELECT i, 'First' || i, 'Last' || i, 'User' || i || '@Example.com',
             CASE WHEN i % 3 = 0 THEN NULL ELSE '+1-555-' || i END, '2026-01-01T00:00:00Z' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {products})
           INSERT INTO Product SELECT printf('P-%05d', i), 'Product ' || i, i * 1.25, i % 50 FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
           INSERT INTO Orders SELECT i, i, '2026-02-01T00:00:00Z', 'open' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
           INSERT INTO OrderLine SELECT i, l, printf('P-%05d', 1 + (i + l) % {products}), 1 + i % 3, 2.5
             FROM n, (SELECT 1 AS l UNION ALL SELECT 2);
         COMMIT;"
    );
    conn.execute_batch(&fill)
        .expect("seeding the shop database");
}

/// One job as its agent recorded it.
#[derive(Debug, Clone, Serialize)]
pub struct JobSpan {
    pub job: String,
    /// Completed event's time minus the started event's (agent clock).
    pub span_seconds: f64,
    /// The `seconds` field of the job's summary.
    pub summary_seconds: f64,
}

/// The ids of the jobs an agent ran, from its JSON log's `job ended` lines.
pub fn job_ids(agent: &Agent) -> Vec<String> {
    let text = std::fs::read_to_string(agent.dir.join("agent.log")).expect("reading agent.log");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "job ended")
        .filter_map(|v| v["fields"]["job"].as_str().map(str::to_string))
        .collect()
}

/// Replays a finished job's events (from sequence 0) and measures it.
pub async fn job_span(site: &Site, agent: &Agent, job: &str) -> JobSpan {
    let mut client = MigratorClient::new(channel(&site.certs, agent.port));
    let request = WatchRequest {
        database: DATABASE.to_string(),
        job_id: job.to_string(),
        from_seq: 0,
    };
    let mut stream = client
        .watch(request)
        .await
        .unwrap_or_else(|e| panic!("watching job {job}: {e}"))
        .into_inner();
    let (mut started, mut summary_seconds) = (None, 0.0);
    while let Some(ev) = stream.message().await.expect("reading job events") {
        match ev.event {
            Some(Event::Started(_)) => started = Some(ev.unix_ms),
            Some(Event::Completed(c)) => {
                summary_seconds = match c.summary {
                    Some(Summary::Migrate(m)) => m.seconds,
                    Some(Summary::Drain(d)) => d.seconds,
                    Some(Summary::Verify(v)) => v.seconds,
                    Some(Summary::Revert(r)) => r.seconds,
                    None => 0.0,
                };
                let start = started.unwrap_or_else(|| panic!("job {job}: no started event"));
                return JobSpan {
                    job: job.to_string(),
                    span_seconds: (ev.unix_ms - start) as f64 / 1000.0,
                    summary_seconds,
                };
            }
            Some(Event::Failed(f)) => panic!("job {job} failed: {}", f.message),
            Some(Event::Cancelled(c)) => panic!("job {job} was cancelled: {}", c.message),
            _ => {}
        }
    }
    panic!("job {job}: the stream ended without a terminal event ({summary_seconds})");
}

/// An mTLS channel to the agent on `port`, as the operator.
fn channel(certs: &Path, port: u16) -> Channel {
    let read = |f: &str| std::fs::read(certs.join(f)).expect("reading certificates");
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read("ca.pem")))
        .domain_name("localhost")
        .identity(Identity::from_pem(
            read("operator.pem"),
            read("operator-key.pem"),
        ));
    Endpoint::from_shared(format!("https://localhost:{port}"))
        .expect("agent url")
        .tls_config(tls)
        .expect("tls config")
        .connect_lazy()
}
