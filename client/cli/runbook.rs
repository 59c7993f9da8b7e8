//! The arguments of the runbook commands (`plan`, `migrate`, `drain`,
//! `verify`, `cutover`, `cleanup-old`, `revert`, `reset`), of following and
//! controlling their jobs, and of `completions`/`man`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Common, RemoteOnly};

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
    /// copied or counted as data loss. A name with `*` or `?` is a glob,
    /// also covering tables created later ('_airflow_deleted__*').
    /// Litestream's `_litestream_*` and SQLite's `sqlite_stat*` always are;
    /// an agent adds its database's `ignore_tables`.
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
    #[arg(long, value_name = "PERCENT", requires = "rehearse", value_parser = parse_percent, allow_hyphen_values = true)]
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

    /// Start although the schema file describes the old database's own
    /// schema (`mig plan` says so): a rebuild of the database as it is.
    #[arg(long)]
    pub allow_same_schema: bool,

    #[command(flatten)]
    pub follow: FollowArgs,

    /// Free text stored with the migration (e.g. a rollout id).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub label: String,

    /// Copy at most this many rows per second (on top of the automatic
    /// throttle); on an agent it stays until `mig unthrottle`.
    #[arg(long, value_name = "N", value_parser = positive_rate, allow_negative_numbers = true)]
    pub max_rows_per_sec: Option<f64>,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ThrottleArgs {
    /// The cap, in rows copied (or log entries replayed) per second.
    #[arg(long, value_name = "N", value_parser = positive_rate, allow_negative_numbers = true)]
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
    #[arg(long, value_name = "DURATION", value_parser = window, allow_hyphen_values = true)]
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
    /// again (what `mig release-old` does; asks first, as it does).
    #[arg(long)]
    pub release: bool,

    /// With --release: release without asking first (needed when stdin is
    /// not a terminal).
    #[arg(long, short = 'y', requires = "release")]
    pub yes: bool,

    #[command(flatten)]
    pub window: CloseWindowArg,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ReleaseOldArgs {
    /// Release without asking first (needed when stdin is not a terminal):
    /// the old database takes writes again, and nothing brings back the
    /// guard that kept its service off it.
    #[arg(long, short = 'y')]
    pub yes: bool,

    #[command(flatten)]
    pub window: CloseWindowArg,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct DropNewColumnsArg {
    /// Revert although columns only the new schema has hold values other
    /// than their DEFAULT: the old tables have no place for them, so they
    /// stay in the new database only. Without it such a revert is refused,
    /// naming each column and its count (nothing changed).
    #[arg(long)]
    pub drop_new_columns: bool,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct CloseWindowArg {
    /// Close an open revert window first. Without it, a cleanup while the
    /// window is open is refused (nothing changed): closing it ends the way
    /// back (`mig revert`) for the writes the new database took since
    /// cutover.
    #[arg(long)]
    pub close_revert_window: bool,
}

#[derive(Debug, Args)]
pub struct RevertArgs {
    /// Revert although rows of the new database do not fit the old schema
    /// (a CHECK, UNIQUE, NOT NULL or type it has): without them, each
    /// recorded in the new database's `_mig_revert_discarded`.
    #[arg(long)]
    pub discard_conflicts: bool,

    #[command(flatten)]
    pub new_columns: DropNewColumnsArg,

    /// Longest time the new database's writes may stay refused in one
    /// attempt, in milliseconds: past it the new service writes again and
    /// revert tries again (5 attempts, then it fails with the window still
    /// open). Default: the agent's (2000).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub freeze_limit_ms: Option<u32>,

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
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
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
    #[arg(long, value_name = "DURATION", value_parser = window, requires = "cutover", allow_hyphen_values = true)]
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

    /// Delete a reverted new database even though it holds what no other
    /// file does: rows its revert discarded (`revert --discard-conflicts`),
    /// rows of tables the old schema has no place for, values of columns
    /// only the new schema has. Without it such a reset is refused, naming
    /// them and how to keep them.
    #[arg(long)]
    pub delete_discarded_rows: bool,

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
