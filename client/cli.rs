//! The command line: every flag, documented once where it is defined (these
//! doc comments are the `--help`). Raw flags only: `connect::Target` and
//! `commands` validate them before any file or socket is touched.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mig::transport::certs::{self, ClientSpec};

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
    #[arg(long, value_name = "MS")]
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
    ReleaseOld(Common),
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
            Command::Revert(a) => Some(a.common.clone()),
            Command::Status(c)
            | Command::Finalize(c)
            | Command::ReleaseOld(c)
            | Command::Databases(c) => Some(c.clone()),
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

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `mig.1` and one page per command (`mig-fleet-rollout.1`, ...)
    /// into this folder instead of printing `mig.1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The target schema file, sent to the agent. Default:
    /// `<project>/schema.sql`.
    #[arg(long, value_name = "PATH")]
    pub schema: Option<PathBuf>,

    /// An old table another tool owns (repeatable): never recorded, frozen,
    /// copied or counted as data loss. Litestream's `_litestream_*` and
    /// SQLite's `sqlite_stat*` always are; an agent adds its database's
    /// `ignore_tables`.
    #[arg(long = "ignore-table", value_name = "TABLE")]
    pub ignore_tables: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// Also run the whole migration (migrate, drain, cutover) on a private
    /// copy of the old database in a temporary folder, report real
    /// durations, row counts and the new database's size, then delete the
    /// copy. The live files are only read.
    #[arg(long)]
    pub rehearse: bool,

    /// With --rehearse: keep about this share (e.g. `10%`) of the largest
    /// tables' rows, and every row a kept row references; the report says
    /// what each table kept.
    #[arg(long, value_name = "PERCENT", requires = "rehearse", value_parser = parse_percent)]
    pub sample: Option<f64>,

    #[command(flatten)]
    pub common: Common,
}

/// `10%` or `10` → 10.0, within (0, 100].
fn parse_percent(s: &str) -> Result<f64, String> {
    let n: f64 = s
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{s}` is not a percentage; write e.g. 10%"))?;
    if n > 0.0 && n <= 100.0 {
        Ok(n)
    } else {
        Err(format!(
            "{s} is out of range; give a percentage above 0 and at most 100"
        ))
    }
}

/// How a command that starts a job (migrate, drain, verify, revert)
/// follows it.
#[derive(Debug, Args)]
pub struct FollowArgs {
    /// Return once the job has started instead of following it (with
    /// --agent; re-attach with `mig watch`).
    #[arg(long)]
    pub detach: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// Proceed although old tables or columns are not carried over (see
    /// `mig plan`).
    #[arg(long)]
    pub accept_data_loss: bool,

    #[command(flatten)]
    pub follow: FollowArgs,

    /// Free text stored with the migration (e.g. a rollout id).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub label: String,

    /// Copy at most this many rows per second (on top of the automatic
    /// throttle); on an agent it stays until `mig unthrottle`.
    #[arg(long, value_name = "N", value_parser = positive_rate)]
    pub max_rows_per_sec: Option<f64>,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ThrottleArgs {
    /// The cap, in rows copied (or log entries replayed) per second.
    #[arg(long, value_name = "N", value_parser = positive_rate)]
    pub rows_per_sec: f64,

    #[command(flatten)]
    pub remote: RemoteOnly,
}

fn positive_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a rate; give a positive number of rows per second"
        )),
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Only check: repair nothing, compare every table, then fail naming
    /// each differing table with its count and first keys.
    #[arg(long)]
    pub check_only: bool,

    /// Old rows compared per chunk (each chunk briefly holds off replay).
    /// Default: the agent's.
    #[arg(long, value_name = "N")]
    pub chunk_rows: Option<u32>,

    /// After the comparison, time each read-only query of this SQL file on
    /// the old and the new database and flag any more than 2x slower on the
    /// new one (a lost index). A `-- mig:old <sql>` line directly above a
    /// query gives the old database's version (renamed tables or columns).
    #[arg(long, value_name = "FILE.sql")]
    pub queries: Option<std::path::PathBuf>,

    /// Timed runs per query and database with --queries. Default: the
    /// agent's (5).
    #[arg(long, value_name = "N", requires = "queries")]
    pub query_runs: Option<u32>,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct CutoverArgs {
    /// Cut over although no full verify has certified the migration; the
    /// new database records it and `status` shows it.
    #[arg(long)]
    pub skip_verify: bool,

    /// Keep a revert window open this long (`30m`, `2h`; `0`: none): the new
    /// database records its writes so `mig revert` can go back without
    /// losing one. Default: the agent's `revert_window` (none locally).
    #[arg(long, value_name = "DURATION", value_parser = window)]
    pub revert_window: Option<std::time::Duration>,

    #[command(flatten)]
    pub common: Common,
}

fn window(s: &str) -> Result<std::time::Duration, String> {
    mig::config::parse_window(s)
}

#[derive(Debug, Args)]
pub struct CleanupOldArgs {
    /// Also drop the retired guard, so the old database accepts writes
    /// again (what `mig release-old` does).
    #[arg(long)]
    pub release: bool,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct RevertArgs {
    /// Revert although rows of the new database do not fit the old schema
    /// (a CHECK, UNIQUE, NOT NULL or type it has): without them, each
    /// recorded in the new database's `_mig_revert_discarded`.
    #[arg(long)]
    pub discard_conflicts: bool,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub common: Common,
}

/// What a drain does when the tail is not replayed within the freeze limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnTimeout {
    /// Return the old database to recording and try again.
    Retry,
    /// Return the old database to recording and fail.
    Stop,
}

#[derive(Debug, Args)]
pub struct DrainArgs {
    /// Longest time writes may stay refused in one attempt, in
    /// milliseconds. Default: the agent's.
    #[arg(long, value_name = "N")]
    pub freeze_limit_ms: Option<u32>,

    /// What to do when an attempt exceeds the freeze limit. Default: the
    /// agent's (retry).
    #[arg(long, value_enum, value_name = "POLICY")]
    pub on_timeout: Option<OnTimeout>,

    /// Attempts before giving up under `--on-timeout retry`. Default: the
    /// agent's.
    #[arg(long, value_name = "N")]
    pub max_attempts: Option<u32>,

    /// Do not verify the copy before the freeze (recorded; `cutover` then
    /// refuses unless a later `mig verify` certifies the migration or it
    /// gets --skip-verify too).
    #[arg(long)]
    pub skip_verify: bool,

    /// Cut over in the same job right after the tail is replayed: writes
    /// are refused from the freeze until the new database is ready, with no
    /// step in between (the shortest outage). Without it, writes stay
    /// refused until `mig cutover`. With --skip-verify, cuts over
    /// unverified (recorded).
    #[arg(long)]
    pub cutover: bool,

    /// With --cutover: keep a revert window open this long (`30m`, `2h`;
    /// `0`: none), as `mig cutover --revert-window` does. Default: the
    /// agent's `revert_window` (none locally). A migration that cannot have
    /// one is refused before anything is frozen.
    #[arg(long, value_name = "DURATION", value_parser = window, requires = "cutover")]
    pub revert_window: Option<std::time::Duration>,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Print what would be dropped and deleted, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Reset without showing what it does and asking first (needed when
    /// stdin is not a terminal).
    #[arg(long, short = 'y', conflicts_with = "dry_run")]
    pub yes: bool,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The job to follow. Default: the database's newest job.
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,

    /// Replay the events from this sequence number on (0: all the agent
    /// still holds).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub from_seq: u64,

    #[command(flatten)]
    pub remote: RemoteOnly,
}

#[derive(Debug, Args)]
pub struct JobArgs {
    /// The job. Default: the database's newest job.
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,

    #[command(flatten)]
    pub remote: RemoteOnly,
}

#[derive(Debug, Args)]
pub struct CertsArgs {
    #[command(subcommand)]
    pub action: CertsAction,
}

#[derive(Debug, Subcommand)]
pub enum CertsAction {
    /// Generate a private CA, an empty revocation list, an agent certificate
    /// and client certificates into a folder (keys written mode 0600,
    /// nothing overwritten); prints the agent.toml [tls] and [access] lines.
    Init(CertsInitArgs),
    /// Issue another client or agent certificate from the CA in a folder.
    Issue(CertsIssueArgs),
    /// Replace a certificate of the folder with a new one: same name, host
    /// names and role, a new key and a new lifetime. Agents pick up their
    /// own renewed files by themselves.
    Renew(CertsRenewArgs),
    /// Revoke a certificate of the folder: its serial goes on the folder's
    /// crl.pem, which agents with `[tls] crl` reload within seconds.
    Revoke(CertsRevokeArgs),
}

impl CertsAction {
    /// The output options given after the command.
    fn output(&self) -> &OutputArgs {
        match self {
            CertsAction::Init(a) => &a.output,
            CertsAction::Issue(a) => &a.output,
            CertsAction::Renew(a) => &a.output,
            CertsAction::Revoke(a) => &a.output,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            CertsAction::Init(_) => "certs init",
            CertsAction::Issue(_) => "certs issue",
            CertsAction::Renew(_) => "certs renew",
            CertsAction::Revoke(_) => "certs revoke",
        }
    }
}

#[derive(Debug, Args)]
pub struct CertsInitArgs {
    /// The folder to write into (created if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// A host name or IP address clients use to reach the agent (repeat
    /// for several).
    #[arg(long = "host", value_name = "NAME", required = true)]
    pub hosts: Vec<String>,

    /// A client certificate to issue, as NAME:ROLE with role operator or
    /// viewer (repeat for several).
    #[arg(long = "client", value_name = "NAME:ROLE")]
    pub clients: Vec<ClientSpec>,

    /// Lifetime of the agent and client certificates, in days.
    #[arg(long, value_name = "DAYS", default_value_t = certs::DEFAULT_LEAF_DAYS)]
    pub days: u32,

    /// Lifetime of the CA certificate, in days (no certificate it issues
    /// outlives it).
    #[arg(long, value_name = "DAYS", default_value_t = certs::DEFAULT_CA_DAYS)]
    pub ca_days: u32,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).multiple(true).args(["clients", "agent_name"]))]
pub struct CertsIssueArgs {
    /// The folder holding the CA (ca.pem and ca-key.pem); the new files
    /// are written there.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// A client certificate to issue, as NAME:ROLE (repeat for several).
    #[arg(long = "client", value_name = "NAME:ROLE")]
    pub clients: Vec<ClientSpec>,

    /// An agent certificate to issue, written as NAME.pem (with --host).
    #[arg(long, value_name = "NAME", requires = "hosts")]
    pub agent_name: Option<String>,

    /// A host name or IP address of that agent (repeat for several).
    #[arg(long = "host", value_name = "NAME", requires = "agent_name")]
    pub hosts: Vec<String>,

    /// Lifetime of the new certificates, in days.
    #[arg(long, value_name = "DAYS", default_value_t = certs::DEFAULT_LEAF_DAYS)]
    pub days: u32,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CertsRenewArgs {
    /// The folder holding the CA and the certificate.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The certificate to renew: NAME for DIR/NAME.pem (e.g. agent).
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Lifetime of the renewed certificate, in days.
    #[arg(long, value_name = "DAYS", default_value_t = certs::DEFAULT_LEAF_DAYS)]
    pub days: u32,

    /// Also revoke the certificate being replaced (for a key that leaked;
    /// otherwise it stays valid until it expires).
    #[arg(long)]
    pub revoke_old: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CertsRevokeArgs {
    /// The folder holding the CA, the certificate and crl.pem.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// The certificate to revoke: NAME for DIR/NAME.pem.
    #[arg(value_name = "NAME")]
    pub name: String,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub action: FleetAction,
}

#[derive(Debug, Subcommand)]
pub enum FleetAction {
    /// Ask every agent for its plan; print one table and the execution
    /// order. Exits 1 when any target is blocked or unreachable.
    Plan(FleetReportArgs),
    /// Migrate, catch up, drain and cut over every target in order, after
    /// showing the plan and asking for confirmation.
    Rollout(RolloutArgs),
    /// Every target's phase, as its agent reports it.
    Status(FleetReportArgs),
    /// Start (or resume) the copy on each target; stops once recording.
    Migrate(FleetStepArgs),
    /// Wait for catch-up and drain each target.
    Drain(FleetStepArgs),
    /// Drain where still needed, then cut each target over.
    Cutover(FleetStepArgs),
    /// Compare each migrated target's new database with its old one while
    /// writes flow (like `mig verify`); success certifies it.
    Verify(FleetStepArgs),
    /// Drop the migration tables and triggers from each cut-over target's
    /// old database.
    CleanupOld(FleetStepArgs),
    /// Return each target to the state before migrate (before cutover
    /// only), after showing what would be undone and asking.
    Reset(FleetUndoArgs),
    /// Cancel the running jobs of targets not yet cut over; their old
    /// databases keep serving.
    Cancel(FleetStepArgs),
    /// Revert every target whose revert window is open, last wave first
    /// (a target once those that depend on it are reverted; the targets of
    /// a wave at once, up to --concurrency), after showing the order and
    /// asking. A failure stops what has not started (the file's
    /// `on_failure`, or --max-failures).
    Revert(FleetRevertArgs),
}

impl FleetAction {
    /// The output options given after the command.
    fn output(&self) -> &OutputArgs {
        match self {
            FleetAction::Plan(a) | FleetAction::Status(a) => &a.output,
            FleetAction::Rollout(a) => &a.output,
            FleetAction::Reset(a) => &a.output,
            FleetAction::Revert(a) => &a.undo.output,
            FleetAction::Migrate(a)
            | FleetAction::Drain(a)
            | FleetAction::Cutover(a)
            | FleetAction::Verify(a)
            | FleetAction::CleanupOld(a)
            | FleetAction::Cancel(a) => &a.output,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            FleetAction::Plan(_) => "fleet plan",
            FleetAction::Rollout(_) => "fleet rollout",
            FleetAction::Status(_) => "fleet status",
            FleetAction::Migrate(_) => "fleet migrate",
            FleetAction::Drain(_) => "fleet drain",
            FleetAction::Cutover(_) => "fleet cutover",
            FleetAction::Verify(_) => "fleet verify",
            FleetAction::CleanupOld(_) => "fleet cleanup-old",
            FleetAction::Reset(_) => "fleet reset",
            FleetAction::Cancel(_) => "fleet cancel",
            FleetAction::Revert(_) => "fleet revert",
        }
    }
}

#[derive(Debug, Args)]
pub struct FleetFileArgs {
    /// The fleet file (TOML): targets, TLS material, schema and order.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "PATH",
        default_value = "fleet.toml"
    )]
    pub file: PathBuf,

    /// Targets worked on at once. Default: the file's `concurrency` (4).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

/// `fleet plan` and `fleet status`: the fleet file, and how to print.
#[derive(Debug, Args)]
pub struct FleetReportArgs {
    #[command(flatten)]
    pub fleet: FleetFileArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RolloutArgs {
    #[command(flatten)]
    pub fleet: FleetFileArgs,

    /// Start without asking for confirmation (needed when stdin is not a
    /// terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Stop each target once it has caught up, before the drain; finish
    /// with `mig fleet cutover`. Targets that depend on one (or come in a
    /// later wave) are held until it is cut over.
    #[arg(long)]
    pub postpone_cutover: bool,

    /// Plan every database first (the agents' pre-check of every row
    /// against the new schema) and start nothing unless all of them can
    /// run. Without it, a target naming many databases is planned on one
    /// of them (migrate pre-checks each one anyway). Also `[defaults]
    /// rehearse_all = true`.
    #[arg(long)]
    pub rehearse_all: bool,

    /// With --rehearse-all: also rehearse each migration (migrate, drain,
    /// cutover) on a private copy of the database, on its agent.
    #[arg(long, requires = "rehearse_all")]
    pub rehearse: bool,

    /// With --rehearse: the percentage of each table's rows the copy keeps.
    #[arg(long, value_name = "PERCENT", requires = "rehearse")]
    pub sample: Option<f64>,

    /// Start nothing new once more than this many targets failed: a count
    /// (10) or a percentage of the targets (5%). Default: the file's
    /// `max_failures`, else 0 under `on_failure = "stop"` and no limit
    /// under "continue".
    #[arg(long, value_name = "N|P%")]
    pub max_failures: Option<String>,

    /// Add the databases served since this rollout started (and froze its
    /// set in the rollout record) to it.
    #[arg(long)]
    pub add_new: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct FleetStepArgs {
    #[command(flatten)]
    pub fleet: FleetFileArgs,

    /// Act on these targets only (repeat, or list several); dependencies
    /// outside them are not waited for. Default: every target.
    #[arg(long, value_name = "NAME", num_args = 1..)]
    pub only: Vec<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fleet reset` and `fleet revert`: both undo, so both show what they
/// would do and ask first.
#[derive(Debug, Args)]
pub struct FleetUndoArgs {
    #[command(flatten)]
    pub fleet: FleetFileArgs,

    /// Act on these targets only (repeat, or list several); `revert` keeps
    /// them in reverse wave order. Default: every target.
    #[arg(long, value_name = "NAME", num_args = 1..)]
    pub only: Vec<String>,

    /// Go ahead without asking for confirmation (needed when stdin is not a
    /// terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Print what each target would undo, in which order, and change
    /// nothing.
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fleet revert`: an undo, with the rollout's failure rule and revert's
/// conflict rule.
#[derive(Debug, Args)]
pub struct FleetRevertArgs {
    #[command(flatten)]
    pub undo: FleetUndoArgs,

    /// Start no new revert once more than this many targets failed: a
    /// count (10) or a percentage of the targets (5%). Default: the file's
    /// `max_failures`, else 0 under `on_failure = "stop"` and no limit
    /// under "continue".
    #[arg(long, value_name = "N|P%")]
    pub max_failures: Option<String>,

    /// Revert each target without the rows of its new database the old
    /// schema refuses (a CHECK, NOT NULL, UNIQUE or type), recording each in
    /// that new database's `_mig_revert_discarded`; without it a target
    /// with such rows refuses, naming them.
    #[arg(long)]
    pub discard_conflicts: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn subcommand_names_match_what_clap_parses() {
        for name in [
            "plan",
            "migrate",
            "status",
            "drain",
            "verify",
            "cutover",
            "cleanup-old",
            "reset",
            "watch",
            "pause",
            "resume",
            "cancel",
            "databases",
        ] {
            let cli = Cli::try_parse_from(["mig", name]).expect("parses");
            assert_eq!(cli.command.name(), name);
        }
        let cli =
            Cli::try_parse_from(["mig", "certs", "init", "d", "--host", "h"]).expect("parses");
        assert_eq!(cli.command.name(), "certs init");
        for name in [
            "plan",
            "rollout",
            "status",
            "migrate",
            "drain",
            "cutover",
            "verify",
            "cleanup-old",
            "reset",
            "cancel",
        ] {
            let cli = Cli::try_parse_from(["mig", "fleet", name, "-f", "f.toml"]).expect("parses");
            assert_eq!(cli.command.name(), format!("fleet {name}"));
        }
    }

    #[test]
    fn certs_subcommands_parse_and_an_agent_certificate_does_not_take_the_agent_url() {
        for (argv, name) in [
            (&["issue", "d", "--client", "bob:viewer"][..], "certs issue"),
            (
                &["issue", "d", "--agent-name", "eu1", "--host", "h"][..],
                "certs issue",
            ),
            (&["renew", "d", "agent", "--revoke-old"][..], "certs renew"),
            (&["revoke", "d", "bob"][..], "certs revoke"),
        ] {
            let cli = Cli::try_parse_from(["mig", "certs"].iter().chain(argv)).expect("parses");
            assert_eq!(cli.command.name(), name);
            assert_eq!(cli.global().agent, None);
        }
        assert!(
            Cli::try_parse_from(["mig", "certs", "issue", "d", "--agent-name", "eu1"]).is_err()
        );
    }

    #[test]
    fn client_specs_are_validated_by_clap() {
        let ok = Cli::try_parse_from([
            "mig",
            "certs",
            "init",
            "d",
            "--host",
            "h",
            "--client",
            "alice:operator",
        ]);
        assert!(ok.is_ok());
        let bad = Cli::try_parse_from([
            "mig",
            "certs",
            "init",
            "d",
            "--host",
            "h",
            "--client",
            "alice:root",
        ]);
        assert!(bad.is_err());
    }

    #[test]
    fn path_flags_may_follow_the_subcommand() {
        let cli = Cli::try_parse_from(["mig", "status", "--old", "a.db", "--new", "b.db"])
            .expect("parses");
        assert_eq!(cli.global().old, Some(PathBuf::from("a.db")));
        assert_eq!(cli.global().new, Some(PathBuf::from("b.db")));
        // Before the command too; after it wins.
        let cli =
            Cli::try_parse_from(["mig", "--old", "x.db", "--json", "status", "--old", "a.db"])
                .expect("parses");
        assert_eq!(cli.global().old, Some(PathBuf::from("a.db")));
        assert!(cli.global().json);
    }
}
