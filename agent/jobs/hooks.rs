//! Hooks, in the spirit of gh-ost's: executables in a folder, named after
//! the point of a migration they run at (`on-start`, `on-copy-complete`,
//! `on-ready-to-drain`, `on-before-cutover`, `on-cutover`, `on-success`,
//! `on-failure`, `on-status`), given the database, migration id, phase,
//! rows, ETA and outcome in `MIG_*` environment variables and as one JSON
//! object on stdin.
//!
//! One worker thread per agent runs them in the order they were fired,
//! each with a timeout, so a hook never blocks the copy or the replay (a
//! full queue drops a hook with a warning). Only `on-before-cutover` is
//! waited for: it is the operator's gate, and a non-zero exit refuses the
//! cutover. A job's last hooks finish before its terminal event, so a
//! client that exits after it has seen them run.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::{Duration, Instant};

use crate::config::HooksConfig;
use crate::engine::open::Busy;
use crate::engine::paths::DatabaseSpec;
use crate::engine::state::MigrationState;

/// Hooks queued and not yet run, beyond which new ones are dropped.
const QUEUE: usize = 256;
/// A waited-for hook's wait, in hook timeouts (hooks queued before it run
/// first).
const WAIT_TIMEOUTS: u32 = 4;
/// How often a running hook is checked for its exit.
const POLL: Duration = Duration::from_millis(10);

/// The named points of a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookPoint {
    /// Recording started (after an interrupted migrate resumes, again).
    Start,
    /// Every row copied and every index built; catch-up begins.
    CopyComplete,
    /// `migrate` ended caught up: the database can be drained.
    ReadyToDrain,
    /// Before a cutover commits: a non-zero exit refuses it.
    BeforeCutover,
    /// The new database is ready.
    Cutover,
    /// The migration is done (right after `on-cutover`).
    Success,
    /// A job or a cutover failed.
    Failure,
    /// Periodic, while a job copies or replays.
    Status,
}

impl HookPoint {
    pub fn file_name(self) -> &'static str {
        match self {
            HookPoint::Start => "on-start",
            HookPoint::CopyComplete => "on-copy-complete",
            HookPoint::ReadyToDrain => "on-ready-to-drain",
            HookPoint::BeforeCutover => "on-before-cutover",
            HookPoint::Cutover => "on-cutover",
            HookPoint::Success => "on-success",
            HookPoint::Failure => "on-failure",
            HookPoint::Status => "on-status",
        }
    }
}

/// What a hook is told, besides what the files say (migration id, phase).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HookFacts {
    pub job_id: String,
    /// `completed`, `failed`, `cancelled`, `refused` or empty.
    pub outcome: String,
    pub message: String,
    pub rows_done: u64,
    pub rows_total: u64,
    /// `None`: unknown.
    pub eta_seconds: Option<f64>,
}

/// Why a hook refused (or could not run).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hook {hook} {why}")]
pub struct HookRefusal {
    pub hook: String,
    pub why: String,
}

struct Request {
    config: HooksConfig,
    point: HookPoint,
    database: String,
    spec: DatabaseSpec,
    facts: HookFacts,
    reply: Option<mpsc::Sender<Result<(), HookRefusal>>>,
}

/// The agent's hook runner.
pub struct Hooks {
    /// Disconnected only if the worker thread could not start.
    queue: SyncSender<Request>,
}

impl Default for Hooks {
    fn default() -> Self {
        Self::new()
    }
}

impl Hooks {
    /// Starts the worker thread (it ends when the runner is dropped).
    pub fn new() -> Self {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let started = std::thread::Builder::new()
            .name("hooks".into())
            .spawn(move || work(rx));
        if let Err(e) = started {
            tracing::error!("hooks cannot run: the worker thread did not start: {e}");
        }
        Hooks { queue: tx }
    }

    fn send(&self, r: Request) -> bool {
        match self.queue.try_send(r) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(target: "mig::hooks", "hook dropped: {e}");
                false
            }
        }
    }

    /// Queues a hook and returns at once.
    pub fn fire(
        &self,
        config: &HooksConfig,
        point: HookPoint,
        db: (&str, &DatabaseSpec),
        facts: HookFacts,
    ) {
        self.send(request(config, point, db, facts, None));
    }

    /// Queues a hook and waits until it ran, after every hook queued
    /// before it: at most four hook timeouts and a second. Its refusal, if
    /// any (a missing hook file is no refusal).
    pub fn run(
        &self,
        config: &HooksConfig,
        point: HookPoint,
        db: (&str, &DatabaseSpec),
        facts: HookFacts,
    ) -> Result<(), HookRefusal> {
        let (tx, rx) = mpsc::channel();
        let refusal = |why: &str| HookRefusal {
            hook: point.file_name().to_string(),
            why: why.to_string(),
        };
        if !self.send(request(config, point, db, facts, Some(tx))) {
            return Err(refusal("could not be queued (too many hooks waiting)"));
        }
        let wait = config.timeout * WAIT_TIMEOUTS + Duration::from_secs(1);
        rx.recv_timeout(wait)
            .unwrap_or_else(|_| Err(refusal("did not finish in time")))
    }
}

fn request(
    config: &HooksConfig,
    point: HookPoint,
    (database, spec): (&str, &DatabaseSpec),
    facts: HookFacts,
    reply: Option<mpsc::Sender<Result<(), HookRefusal>>>,
) -> Request {
    Request {
        config: config.clone(),
        point,
        database: database.to_string(),
        spec: spec.clone(),
        facts,
        reply,
    }
}

fn work(rx: Receiver<Request>) {
    for r in rx {
        let result = run_one(&r);
        if let Some(reply) = &r.reply {
            let _ = reply.send(result);
        }
    }
}

/// The environment a hook gets: `MIG_*` names and their values.
fn environment(r: &Request) -> Vec<(&'static str, String)> {
    let (migration_id, phase) = match MigrationState::read(&r.spec, Busy(Duration::from_secs(2))) {
        Ok(st) => (migration_of(&st).unwrap_or_default(), st.phase().as_str()),
        Err(_) => (String::new(), "unknown"),
    };
    let f = &r.facts;
    vec![
        ("MIG_HOOK", r.point.file_name().to_string()),
        ("MIG_DATABASE", r.database.clone()),
        ("MIG_MIGRATION_ID", migration_id),
        ("MIG_PHASE", phase.to_string()),
        ("MIG_JOB_ID", f.job_id.clone()),
        ("MIG_OUTCOME", f.outcome.clone()),
        ("MIG_MESSAGE", f.message.clone()),
        ("MIG_ROWS_DONE", f.rows_done.to_string()),
        ("MIG_ROWS_TOTAL", f.rows_total.to_string()),
        (
            "MIG_ETA_SECONDS",
            f.eta_seconds.map(|e| format!("{e:.0}")).unwrap_or_default(),
        ),
    ]
}

/// The migration a database's files name now (`None`: none, or files
/// that are not one migration).
pub fn migration_id(spec: &DatabaseSpec, busy: Busy) -> Option<String> {
    migration_of(&MigrationState::read(spec, busy).ok()?)
}

fn migration_of(st: &MigrationState) -> Option<String> {
    st.identity()
        .map(|id| id.migration_id.clone())
        .or_else(|| st.marker().map(|m| m.migration_id.clone()))
}

fn stdin_json(env: &[(&'static str, String)], facts: &HookFacts) -> String {
    let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
    serde_json::json!({
        "hook": get("MIG_HOOK"),
        "database": get("MIG_DATABASE"),
        "migration_id": get("MIG_MIGRATION_ID"),
        "phase": get("MIG_PHASE"),
        "job_id": facts.job_id,
        "outcome": facts.outcome,
        "message": facts.message,
        "rows_done": facts.rows_done,
        "rows_total": facts.rows_total,
        "eta_seconds": facts.eta_seconds,
    })
    .to_string()
}

fn run_one(r: &Request) -> Result<(), HookRefusal> {
    let name = r.point.file_name();
    let path = r.config.dir.join(name);
    if !path.is_file() {
        return Ok(());
    }
    let refusal = |why: String| HookRefusal {
        hook: name.to_string(),
        why,
    };
    let env = environment(r);
    let started = Instant::now();
    let result = execute(&path, &env, &stdin_json(&env, &r.facts), r.config.timeout);
    let ms = started.elapsed().as_secs_f64() * 1e3;
    match &result {
        Ok(()) => {
            tracing::info!(target: "mig::hooks", hook = name, database = %r.database, ms, "hook ran")
        }
        Err(why) => {
            tracing::warn!(target: "mig::hooks", hook = name, database = %r.database, ms, "hook {why}")
        }
    }
    result.map_err(refusal)
}

/// Why a hook did not start, with the fix for the two mistakes an operator
/// makes: a script without its execute bit, or without a `#!` line.
fn cannot_start(path: &Path, e: &std::io::Error) -> String {
    let why = match (e.kind(), e.raw_os_error()) {
        (std::io::ErrorKind::PermissionDenied, _) => {
            "it is not executable (`chmod +x` it)".to_string()
        }
        (_, Some(ENOEXEC)) => {
            "it is not a program the system can run (a script needs a `#!` first line)".to_string()
        }
        _ => e.to_string(),
    };
    format!("could not start ({}): {why}", path.display())
}

/// `errno` for a file the kernel cannot execute (no `#!`, not a binary).
const ENOEXEC: i32 = 8;

/// Runs one hook; `Err` says how it failed (exit code and its last line).
fn execute(
    path: &Path,
    env: &[(&'static str, String)],
    json: &str,
    timeout: Duration,
) -> Result<(), String> {
    let mut child = Command::new(path)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| cannot_start(path, &e))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin is fine.
        let _ = stdin.write_all(json.as_bytes());
    }
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "timed out after {} ms and was killed",
                    timeout.as_millis()
                ));
            }
            Err(e) => return Err(format!("could not be waited for: {e}")),
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let code = status.code().map_or_else(
        || "was killed by a signal".to_string(),
        |c| format!("exited {c}"),
    );
    Err(if last.is_empty() {
        code
    } else {
        format!("{code}: {last}")
    })
}
