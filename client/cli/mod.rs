//! The command line: every flag, documented once where it is defined (these
//! doc comments are the `--help`). Raw flags only: `connect::Target` and
//! `commands` validate them before any file or socket is touched. Here the
//! top level, the options shared by many commands and the command list;
//! each group's arguments in its own file: `runbook.rs` (plan … reset, job
//! control), `certs.rs`, `fleet.rs`.

mod certs;
mod fleet;
mod runbook;
#[cfg(test)]
mod tests;

pub use certs::*;
pub use fleet::*;
pub use runbook::*;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the command was refused or failed (wrong phase, bad schema, plan not runnable, job failed)
  2  usage error (bad flags)
  3  the agent is unreachable or unavailable
  4  data loss or a failed verification
  5  cancelled or interrupted
  6  aborted: the database is busy or another job is running";

/// Hot (online) schema migrations for SQLite.
///
/// Without --agent, mig runs the agent in-process on the files given by
/// --old/--new, or found in the project folder (-C, default: the current
/// folder). With --agent it drives a running mig-agent over gRPC.
///
/// The agent, file and output options may come before the command (`mig
/// --agent URL status`) or after it; after it wins. Each command's --help
/// shows those that apply to it.
#[derive(Debug, Parser)]
#[command(name = "mig", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub before: Common,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the agent is, how to reach it, and which of its databases.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Agent (remote mode)")]
pub struct AgentArgs {
    /// URL of a running mig-agent: `https://host:port` (mutual TLS), or
    /// `http://127.0.0.1:port` for an agent's loopback-only
    /// `--insecure-listen` (tests). Without it, mig runs the agent in-process.
    #[arg(long, value_name = "URL")]
    pub agent: Option<String>,

    /// Which database of the agent to act on (with --agent). Default: the
    /// agent's only database.
    #[arg(long, value_name = "NAME")]
    pub database: Option<String>,

    /// CA certificate (PEM) the agent's certificate must chain to
    /// (https agents; or MIG_CA).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// Client certificate (PEM) presented to the agent; goes with --key (or
    /// MIG_CERT).
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,

    /// Private key (PEM) of the client certificate; goes with --cert (or
    /// MIG_KEY).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

/// Where the databases are, in local mode.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Local files (without --agent)")]
pub struct FileArgs {
    /// The old (live) database file. Default: the single
    /// `<dir-name>-<hash>.sqlite` in the project folder.
    #[arg(long, value_name = "PATH")]
    pub old: Option<PathBuf>,

    /// The new database file. Default:
    /// `<project>/<dir-name>-<schema-hash>.sqlite`.
    #[arg(long, value_name = "PATH")]
    pub new: Option<PathBuf>,

    /// The project folder holding `schema.sql` and the databases. Default:
    /// the current folder.
    #[arg(short = 'C', long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// How long a step waits for the service's lock on a database before
    /// failing, in milliseconds [default: 10000] (agents:
    /// `busy_timeout_ms`).
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    pub busy_timeout_ms: Option<u64>,

    /// Accept an old database in rollback-journal (non-WAL) mode: each copy
    /// chunk then blocks the service's writers while it runs (agents:
    /// `allow_rollback_journal`).
    #[arg(long)]
    pub allow_rollback_journal: bool,

    /// Run the executables in DIR at the named points of the migration
    /// (`on-start`, `on-copy-complete`, `on-ready-to-drain`,
    /// `on-before-cutover`, `on-cutover`, `on-success`, `on-failure`,
    /// `on-status`); a failing `on-before-cutover` refuses the cutover
    /// (agents: `[hooks]`).
    #[arg(long, value_name = "DIR")]
    pub hooks: Option<PathBuf>,
}

/// How to print.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Machine output: reports as JSON, job events as one JSON object per
    /// line (proto3 JSON mapping).
    #[arg(long)]
    pub json: bool,
}

/// The options of the runbook commands, which work on local files or
/// through an agent.
#[derive(Debug, Args, Default, Clone)]
pub struct Common {
    #[command(flatten)]
    pub agent: AgentArgs,
    #[command(flatten)]
    pub files: FileArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The options of the commands that need an agent (job control, throttle).
#[derive(Debug, Args, Default, Clone)]
pub struct RemoteOnly {
    #[command(flatten)]
    pub agent: AgentArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The options in force: those after the command, else those before it
/// (which take MIG_CA, MIG_CERT, MIG_KEY from the environment).
#[derive(Debug, Clone, Default)]
pub struct GlobalArgs {
    pub agent: Option<String>,
    pub database: Option<String>,
    pub old: Option<PathBuf>,
    pub new: Option<PathBuf>,
    pub project: Option<PathBuf>,
    pub busy_timeout_ms: u64,
    pub allow_rollback_journal: bool,
    pub hooks: Option<PathBuf>,
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub json: bool,
}

/// A step's default wait for the service's lock.
pub const BUSY_TIMEOUT_MS: u64 = 10_000;

impl Cli {
    /// The options in force for the command (see [`GlobalArgs`]).
    pub fn global(&self) -> GlobalArgs {
        let env = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let (b, empty) = (&self.before, Common::default());
        let after = self.command.common();
        let a = after.as_ref().unwrap_or(&empty);
        GlobalArgs {
            agent: a.agent.agent.clone().or_else(|| b.agent.agent.clone()),
            database: a
                .agent
                .database
                .clone()
                .or_else(|| b.agent.database.clone()),
            old: a.files.old.clone().or_else(|| b.files.old.clone()),
            new: a.files.new.clone().or_else(|| b.files.new.clone()),
            project: a.files.project.clone().or_else(|| b.files.project.clone()),
            busy_timeout_ms: a
                .files
                .busy_timeout_ms
                .or(b.files.busy_timeout_ms)
                .unwrap_or(BUSY_TIMEOUT_MS),
            allow_rollback_journal: a.files.allow_rollback_journal
                || b.files.allow_rollback_journal,
            hooks: a.files.hooks.clone().or_else(|| b.files.hooks.clone()),
            ca: a
                .agent
                .ca
                .clone()
                .or_else(|| b.agent.ca.clone())
                .or_else(|| env("MIG_CA")),
            cert: a
                .agent
                .cert
                .clone()
                .or_else(|| b.agent.cert.clone())
                .or_else(|| env("MIG_CERT")),
            key: a
                .agent
                .key
                .clone()
                .or_else(|| b.agent.key.clone())
                .or_else(|| env("MIG_KEY")),
            json: a.output.json || b.output.json,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show how the schema maps onto the old database; changes nothing.
    /// Exits 1 when `migrate` could not run.
    Plan(PlanArgs),
    /// Create the new database, start recording writes on the old one and
    /// copy every row (resumes an interrupted copy).
    Migrate(MigrateArgs),
    /// Where the migration stands, and what to do next.
    Status(Common),
    /// Verify the copy while writes still flow (unless already certified),
    /// then refuse writes on the old database briefly and replay every
    /// recorded change into the new one.
    Drain(DrainArgs),
    /// Compare every table of the new database with the mapping of the old
    /// one, chunk by chunk, while writes may still flow; recopy a differing
    /// chunk. Exits 4 (DATA_LOSS) naming table and key when a difference
    /// remains; success certifies the migration.
    Verify(VerifyArgs),
    /// Mark the drained, certified new database ready and drop its replay
    /// tables.
    Cutover(CutoverArgs),
    /// Drop the migration tables and triggers from the old database (after
    /// cutover; closes an open revert window first). The old database keeps
    /// refusing writes, naming the new one, unless --release.
    CleanupOld(CleanupOldArgs),
    /// Within a revert window: go back to the old database without losing
    /// a write (carry the new database's writes back, verify, freeze the new
    /// database briefly, make the old one writable).
    Revert(RevertArgs),
    /// Close the revert window: the new database stops recording its
    /// writes, the old one is retired.
    Finalize(Common),
    /// Let the old database accept writes again after cutover (what
    /// `cleanup-old --release` does).
    ReleaseOld(ReleaseOldArgs),
    /// Return both files to the state before `migrate` (before cutover only).
    Reset(ResetArgs),
    /// Follow a running job's events until it ends (with --agent).
    Watch(WatchArgs),
    /// Pause a running job between chunks; it holds no lock while paused
    /// (with --agent).
    Pause(JobArgs),
    /// Resume a paused job (with --agent).
    Resume(JobArgs),
    /// Cancel a job at its next chunk boundary, keeping what is committed
    /// (with --agent).
    Cancel(JobArgs),
    /// Cap a database's copy and catch-up at a rate, on top of the automatic
    /// throttle, until `unthrottle` (with --agent).
    Throttle(ThrottleArgs),
    /// Remove the cap set by `throttle`; the automatic throttle stays (with
    /// --agent).
    Unthrottle(RemoteOnly),
    /// List the agent's databases and the phase each is in.
    Databases(Common),
    /// Certificates for mutual TLS between mig and mig-agent.
    Certs(CertsArgs),
    /// Drive many agents from a fleet file: plan, rollout, status and the
    /// step-wise commands (see docs/fleet.md).
    Fleet(FleetArgs),
    /// Print a shell completion script (e.g. `mig completions bash >
    /// /etc/bash_completion.d/mig`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a
    /// folder (`mig man --dir /usr/local/share/man/man1`).
    Man(ManArgs),
}

impl Command {
    /// The name the user typed, used in `<command> failed: ...`.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Plan(_) => "plan",
            Command::Migrate(_) => "migrate",
            Command::Status(_) => "status",
            Command::Drain(_) => "drain",
            Command::Verify(_) => "verify",
            Command::Cutover(_) => "cutover",
            Command::CleanupOld(_) => "cleanup-old",
            Command::Revert(_) => "revert",
            Command::Finalize(_) => "finalize",
            Command::ReleaseOld(_) => "release-old",
            Command::Reset(_) => "reset",
            Command::Watch(_) => "watch",
            Command::Pause(_) => "pause",
            Command::Resume(_) => "resume",
            Command::Cancel(_) => "cancel",
            Command::Throttle(_) => "throttle",
            Command::Unthrottle(_) => "unthrottle",
            Command::Databases(_) => "databases",
            Command::Certs(c) => c.action.name(),
            Command::Fleet(f) => f.action.name(),
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }

    /// The agent, file and output options given after the command.
    fn common(&self) -> Option<Common> {
        let remote = |r: &RemoteOnly| Common {
            agent: r.agent.clone(),
            output: r.output.clone(),
            ..Common::default()
        };
        let output = |o: &OutputArgs| Common {
            output: o.clone(),
            ..Common::default()
        };
        match self {
            Command::Plan(a) => Some(a.common.clone()),
            Command::Migrate(a) => Some(a.common.clone()),
            Command::Drain(a) => Some(a.common.clone()),
            Command::Verify(a) => Some(a.common.clone()),
            Command::Cutover(a) => Some(a.common.clone()),
            Command::Reset(a) => Some(a.common.clone()),
            Command::CleanupOld(a) => Some(a.common.clone()),
            Command::ReleaseOld(a) => Some(a.common.clone()),
            Command::Revert(a) => Some(a.common.clone()),
            Command::Status(c) | Command::Finalize(c) | Command::Databases(c) => Some(c.clone()),
            Command::Watch(a) => Some(remote(&a.remote)),
            Command::Pause(a) | Command::Resume(a) | Command::Cancel(a) => Some(remote(&a.remote)),
            Command::Throttle(a) => Some(remote(&a.remote)),
            Command::Unthrottle(r) => Some(remote(r)),
            Command::Certs(c) => Some(output(c.action.output())),
            Command::Fleet(f) => Some(output(f.action.output())),
            Command::Completions(_) | Command::Man(_) => None,
        }
    }
}
