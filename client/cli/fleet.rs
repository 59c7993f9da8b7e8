//! The arguments of `mig fleet` (plan, rollout, the step-wise commands,
//! reset, cancel, revert).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::OutputArgs;

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
    CleanupOld(FleetCleanupOldArgs),
    /// Return each target to the state before migrate (before cutover
    /// only), after showing what would be undone and asking.
    Reset(FleetResetArgs),
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
    pub(super) fn output(&self) -> &OutputArgs {
        match self {
            FleetAction::Plan(a) | FleetAction::Status(a) => &a.output,
            FleetAction::Rollout(a) => &a.output,
            FleetAction::Reset(a) => &a.undo.output,
            FleetAction::Revert(a) => &a.undo.output,
            FleetAction::Migrate(a)
            | FleetAction::Drain(a)
            | FleetAction::Cutover(a)
            | FleetAction::Verify(a)
            | FleetAction::Cancel(a) => &a.output,
            FleetAction::CleanupOld(a) => &a.step.output,
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

    /// Report on these targets only (repeat, or list several; a
    /// many-database target's name for all its databases). Default: every
    /// target.
    #[arg(long, value_name = "NAME", num_args = 1..)]
    pub only: Vec<String>,

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
pub struct FleetCleanupOldArgs {
    #[command(flatten)]
    pub step: FleetStepArgs,

    #[command(flatten)]
    pub window: super::runbook::CloseWindowArg,
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

/// `fleet reset`: an undo, with reset's rule for discarded rows.
#[derive(Debug, Args)]
pub struct FleetResetArgs {
    #[command(flatten)]
    pub undo: FleetUndoArgs,

    /// Delete reverted new databases even though they hold what no other
    /// file does: rows their revert discarded (`--discard-conflicts`), rows
    /// of tables the old schema has no place for, values of columns only
    /// the new schema has. Without it such a target is refused, naming them.
    #[arg(long)]
    pub delete_discarded_rows: bool,
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

    #[command(flatten)]
    pub new_columns: super::runbook::DropNewColumnsArg,
}
