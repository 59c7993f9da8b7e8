//! The agent benchmark's site: certificates, generated databases, real
//! `mig-agent` processes on loopback (killed on drop, also on panic), mTLS
//! channels and the RPCs the scenarios drive.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mig::proto::job_completed::Summary;
use mig::proto::job_event::Event;
use mig::proto::migrator_client::MigratorClient;
use mig::proto::{
    DrainRequest, DrainSummary, MigrateRequest, ResetRequest, SchemaSource, StatusRequest,
    WatchRequest,
};
use mig::transport::certs::{self, ClientSpec};
use rusqlite::Connection;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// The database name every agent serves.
pub const DB: &str = "bench";

/// The old schema: one wide table (TEXT, REAL, NULL, BLOB) with an index.
const OLD_SCHEMA: &str = "
CREATE TABLE item (Id INTEGER PRIMARY KEY, Name TEXT NOT NULL, Score REAL, Note TEXT, Payload BLOB);
CREATE INDEX item_name ON item(Name);
";

/// The new schema: a renamed column (and its index).
pub const NEW_SCHEMA: &str = "
-- mig:set title = Name
CREATE TABLE item (id INTEGER PRIMARY KEY, title TEXT NOT NULL, score REAL, note TEXT, payload BLOB);
CREATE INDEX item_title ON item(title);
";

/// Payload bytes per row: ~470 bytes per row on disk with the index.
const PAYLOAD: u32 = 400;

/// Generates (once) an old database of about `mib` MiB at `path`; a
/// `.ok` file next to it marks a finished generation for reuse. The
/// writers' inserts grow it run after run: past 125% it is made again.
pub fn ensure_database(path: &Path, mib: u64) {
    let ok = path.with_extension("ok");
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    if ok.exists() && bytes > 0 && bytes <= mib * 1_310_720 {
        return;
    }
    fill(path, mib * 2240, PAYLOAD);
}

/// Generates (once) an old database of `rows` rows with `payload` bytes of
/// payload each; regenerated once the writers grew it past 125% of the
/// size it was made with (kept in the `.ok` marker).
pub fn ensure_rows(path: &Path, rows: u64, payload: u32) {
    let made: Option<u64> = std::fs::read_to_string(path.with_extension("ok"))
        .ok()
        .and_then(|t| t.split_whitespace().nth(1)?.parse().ok());
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    if made.is_some_and(|m| bytes > 0 && bytes <= m + m / 4) {
        return;
    }
    fill(path, rows, payload);
}

/// Writes a fresh old database of `rows` rows, then its `.ok` marker
/// (`rows bytes`).
fn fill(path: &Path, rows: u64, payload: u32) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let t = Instant::now();
    let c = Connection::open(path).expect("creating an old database");
    c.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .expect("generation pragmas");
    c.execute_batch(OLD_SCHEMA).expect("the old schema");
    c.execute_batch(&format!(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
           INSERT INTO item SELECT i, 'name-' || i, i * 0.37,
             CASE WHEN i % 4 = 0 THEN NULL ELSE 'note ' || hex(randomblob(8)) END,
             randomblob({payload}) FROM n;
         COMMIT;"
    ))
    .expect("filling the old database");
    c.execute_batch("PRAGMA journal_mode = WAL;")
        .expect("WAL mode");
    drop(c);
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    println!(
        "generated {} ({rows} rows, {:.0} MiB) in {:.1}s",
        path.display(),
        bytes as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    std::fs::write(path.with_extension("ok"), format!("{rows} {bytes}\n"))
        .expect("writing the .ok marker");
}

/// The certificate folder (CA, agent for localhost, client `operator`).
/// Generated per run: an old folder is removed first.
pub fn make_certs(dir: &Path) -> PathBuf {
    let certs = dir.join("certs");
    let _ = std::fs::remove_dir_all(&certs);
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

/// The new database next to `old`: `x.db` → `x-new.db`.
pub fn new_path(old: &Path) -> PathBuf {
    old.with_file_name(format!(
        "{}-new.db",
        old.file_stem().and_then(|s| s.to_str()).unwrap_or("db")
    ))
}

/// One running agent; dropping it kills and reaps the process.
pub struct Agent {
    pub port: u16,
    pub pid: u32,
    pub certs: PathBuf,
    child: Child,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Agent {
    /// Starts an agent in `home` serving `name` = `old` (new next to it).
    /// `throttle`: the `[throttle]` table's body (e.g. `enabled = false`).
    pub fn start(certs: &Path, home: &Path, name: &str, old: &Path, throttle: &str) -> Agent {
        std::fs::create_dir_all(home).expect("creating the agent folder");
        let new = new_path(old);
        let config = format!(
            "listen = \"127.0.0.1:0\"\n\n[tls]\ncert = {:?}\nkey = {:?}\nclient_ca = {:?}\n\n[access]\noperators = [\"operator\"]\n\n[throttle]\n{throttle}\n\n[[database]]\nname = {name:?}\nold = {old:?}\nnew = {new:?}\n",
            certs.join("agent.pem"),
            certs.join("agent-key.pem"),
            certs.join("ca.pem"),
        );
        std::fs::write(home.join("agent.toml"), config).expect("writing agent.toml");
        let (child, port) = crate::spawn::agent(home);
        Agent {
            port,
            pid: child.id(),
            certs: certs.to_path_buf(),
            child,
        }
    }

    /// The agent's peak resident memory so far (VmHWM), KiB.
    pub fn vm_hwm_kib(&self) -> u64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("reading the agent's /proc status");
        text.lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }

    /// Samples the agent's RssAnon, RssFile and RssShmem (KiB) every
    /// `every` until the returned flag is set; the thread returns the
    /// series (unix ms, values) — VmHWM has no such breakdown.
    #[allow(clippy::type_complexity)]
    pub fn rss_sampler(
        &self,
        every: Duration,
    ) -> (
        Arc<AtomicBool>,
        std::thread::JoinHandle<Vec<(i64, [u64; 3])>>,
    ) {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let path = format!("/proc/{}/status", self.pid);
        let handle = std::thread::spawn(move || {
            let mut series = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let mut v = [0u64; 3];
                for (i, key) in ["RssAnon:", "RssFile:", "RssShmem:"].iter().enumerate() {
                    v[i] = text
                        .lines()
                        .find(|l| l.starts_with(key))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|x| x.parse().ok())
                        .unwrap_or(0);
                }
                series.push((unix_ms(), v));
                std::thread::sleep(every);
            }
            series
        });
        (stop, handle)
    }

    fn endpoint(&self) -> Endpoint {
        let read = |f: &str| std::fs::read(self.certs.join(f)).expect("reading certificates");
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(read("ca.pem")))
            .domain_name("localhost")
            .identity(Identity::from_pem(
                read("operator.pem"),
                read("operator-key.pem"),
            ));
        Endpoint::from_shared(format!("https://localhost:{}", self.port))
            .expect("agent url")
            .tls_config(tls)
            .expect("tls config")
    }

    /// A client on its own, already established, TLS connection.
    pub async fn connect(&self) -> MigratorClient<Channel> {
        let channel = self
            .endpoint()
            .connect()
            .await
            .expect("connecting to the agent");
        MigratorClient::new(channel)
    }
}

/// Unix time in milliseconds (the clock the agent stamps events with).
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A job's span as the agent stamped it, and its drain summary if any.
pub struct JobEnd {
    pub started_ms: i64,
    pub completed_ms: i64,
    pub drain: Option<DrainSummary>,
    /// (unix ms, step) of each phase change (plus `indexes` at the last
    /// copy progress event when the engine announced no such step).
    pub marks: Vec<(i64, String)>,
}

impl JobEnd {
    pub fn seconds(&self) -> f64 {
        (self.completed_ms - self.started_ms) as f64 / 1000.0
    }
}

/// Reads a job's event stream to its terminal event.
async fn follow(mut s: tonic::Streaming<mig::proto::JobEvent>, what: &str) -> JobEnd {
    let (mut started, mut marks, mut last_copy) = (None, Vec::new(), None);
    while let Some(ev) = s.message().await.expect("reading job events") {
        match ev.event {
            Some(Event::Started(_)) => started = Some(ev.unix_ms),
            Some(Event::Phase(p)) => marks.push((ev.unix_ms, p.step)),
            Some(Event::Copy(_)) => last_copy = Some(ev.unix_ms),
            Some(Event::Completed(c)) => {
                if !marks.iter().any(|(_, step)| step == "indexes") {
                    marks.extend(last_copy.map(|t| (t, "indexes".to_string())));
                }
                marks.push((ev.unix_ms, "completed".into()));
                marks.sort();
                return JobEnd {
                    marks,
                    started_ms: started.unwrap_or_else(|| panic!("{what}: no started event")),
                    completed_ms: ev.unix_ms,
                    drain: match c.summary {
                        Some(Summary::Drain(d)) => Some(d),
                        _ => None,
                    },
                };
            }
            Some(Event::Failed(f)) => panic!("{what} failed: {}", f.message),
            Some(Event::Cancelled(c)) => panic!("{what} was cancelled: {}", c.message),
            _ => {}
        }
    }
    panic!("{what}: the stream ended without a terminal event")
}

fn migrate_request(database: &str, detach: bool) -> MigrateRequest {
    MigrateRequest {
        database: database.to_string(),
        schema: Some(SchemaSource {
            file_name: "schema.sql".into(),
            sql: NEW_SCHEMA.into(),
        }),
        detach,
        ..MigrateRequest::default()
    }
}

/// Migrate with the client attached to the progress stream to the end.
pub async fn migrate_attached(agent: &Agent, database: &str) -> JobEnd {
    let mut c = agent.connect().await;
    let s = c
        .migrate(migrate_request(database, false))
        .await
        .expect("migrate")
        .into_inner();
    follow(s, "migrate").await
}

/// Migrate detached: the call returns once the job started; Status is
/// polled every `poll` until no job runs, then the job's events are read
/// back with `Watch` from sequence 0.
pub async fn migrate_detached(agent: &Agent, database: &str, poll: Duration) -> JobEnd {
    let mut c = agent.connect().await;
    let mut s = c
        .migrate(migrate_request(database, true))
        .await
        .expect("migrate --detach")
        .into_inner();
    let mut job = String::new();
    while let Some(ev) = s.message().await.expect("reading the detached start") {
        job = ev.job_id;
    }
    loop {
        tokio::time::sleep(poll).await;
        let st = c
            .status(StatusRequest {
                database: database.into(),
            })
            .await
            .expect("status")
            .into_inner();
        if st.running_job.as_ref().is_none_or(|j| j.job_id != job) {
            break;
        }
    }
    let s = c
        .watch(WatchRequest {
            database: database.into(),
            job_id: job,
            from_seq: 0,
        })
        .await
        .expect("watch")
        .into_inner();
    follow(s, "migrate (detached)").await
}

pub async fn drain(agent: &Agent, database: &str) -> JobEnd {
    drain_with(
        agent,
        DrainRequest {
            database: database.into(),
            ..DrainRequest::default()
        },
    )
    .await
}

/// A drain with these options, followed to its end.
pub async fn drain_with(agent: &Agent, request: DrainRequest) -> JobEnd {
    let mut c = agent.connect().await;
    let s = c.drain(request).await.expect("drain").into_inner();
    follow(s, "drain").await
}

pub async fn reset(agent: &Agent, database: &str) {
    let mut c = agent.connect().await;
    c.reset(ResetRequest {
        database: database.into(),
        ..Default::default()
    })
    .await
    .expect("reset");
}
