//! One file per subcommand. [`run`] validates the flags, reads the schema
//! file when the command sends one, opens the session (in-process or remote
//! agent), runs the command and closes the session.

mod certs;
mod cleanup_old;
mod control;
mod cutover;
mod databases;
mod drain;
mod fleet;
mod follow;
mod generated;
mod migrate;
mod plan;
mod reset;
mod revert;
mod status;
mod verify;
mod watch;

use crate::cli::{Cli, Command};
use crate::connect::{Session, Target};
use crate::diagnose;
use crate::exit::usage;
use crate::schema;
use cleanup_old::Guard;

/// Output options every command honours.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints an agent's report: as JSON with `--json`, else as the lines
    /// `text` renders from it.
    pub fn report<T: serde::Serialize>(
        self,
        report: &T,
        text: impl FnOnce(&T) -> Vec<String>,
    ) -> anyhow::Result<()> {
        if self.json {
            crate::render::json_report(report)
        } else {
            crate::render::emit(&text(report))
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global();
    let out = Output { json: global.json };
    match &cli.command {
        Command::Certs(a) => return certs::run(a, out),
        Command::Fleet(a) => return fleet::run(a, &global, out).await,
        Command::Completions(a) => return generated::completions(a.shell),
        Command::Man(a) => return generated::man(a.dir.as_deref()),
        _ => {}
    }
    let target = Target::from_args(&global)?;
    check_mode(&cli.command, &target)?;
    let schema_source = match &cli.command {
        Command::Plan(a) => Some(&a.schema),
        Command::Migrate(a) => Some(&a.schema),
        _ => None,
    }
    .map(|a| {
        let project = global.project.as_deref();
        schema::read(&schema::path(a.schema.as_deref(), project))
    })
    .transpose()?;
    let remote = match &target {
        Target::Remote(r) => Some(r.clone()),
        Target::Local(_) => None,
    };
    let result = run_session(target, &cli.command, schema_source, out).await;
    match (result, remote) {
        (Err(e), Some(remote)) => Err(diagnose::explain(&remote, e).await),
        (result, _) => result,
    }
}

async fn run_session(
    target: Target,
    command: &Command,
    schema_source: Option<mig::proto::SchemaSource>,
    out: Output,
) -> anyhow::Result<()> {
    let mut session = Session::open(target).await?;
    let result = dispatch(command, &mut session, schema_source, out).await;
    // A second Ctrl-C stops waiting for the in-process agent's jobs.
    tokio::select! {
        _ = session.close() => {}
        () = follow::interrupt() => {}
    }
    result
}

/// Commands that make no sense with an in-process agent, whose jobs end
/// when `mig` exits.
fn check_mode(command: &Command, target: &Target) -> anyhow::Result<()> {
    if !target.is_local() {
        return Ok(());
    }
    let detach = match command {
        Command::Migrate(a) => a.follow.detach,
        Command::Drain(a) => a.follow.detach,
        Command::Verify(a) => a.follow.detach,
        Command::Revert(a) => a.follow.detach,
        _ => false,
    };
    if detach {
        return Err(usage(
            "--detach needs --agent: the in-process agent stops when mig exits",
        ));
    }
    match command {
        Command::Throttle(_) | Command::Unthrottle(_) => Err(usage(format!(
            "{} needs --agent: it paces a running agent's copy; for a local migrate pass --max-rows-per-sec",
            command.name()
        ))),
        Command::Watch(_) | Command::Pause(_) | Command::Resume(_) | Command::Cancel(_) => {
            Err(usage(format!(
                "{} needs --agent: without it, jobs run in-process and end with the mig command that started them",
                command.name()
            )))
        }
        _ => Ok(()),
    }
}

async fn dispatch(
    command: &Command,
    s: &mut Session,
    schema_source: Option<mig::proto::SchemaSource>,
    out: Output,
) -> anyhow::Result<()> {
    match command {
        Command::Plan(a) => plan::run(s, a, sent(schema_source)?, out).await,
        Command::Migrate(a) => migrate::run(s, a, sent(schema_source)?, out).await,
        Command::Status(_) => status::run(s, out).await,
        Command::Drain(a) => drain::run(s, a, out).await,
        Command::Verify(a) => verify::run(s, a, out).await,
        Command::Cutover(a) => cutover::run(s, a, out).await,
        Command::CleanupOld(a) => {
            let guard = if a.release {
                Guard::Release {
                    command: "cleanup-old --release",
                    yes: a.yes,
                }
            } else {
                Guard::Keep
            };
            cleanup_old::run(s, guard, a.window, out).await
        }
        Command::ReleaseOld(a) => {
            let guard = Guard::Release {
                command: "release-old",
                yes: a.yes,
            };
            cleanup_old::run(s, guard, a.window, out).await
        }
        Command::Revert(a) => revert::run(s, a, out).await,
        Command::Finalize(_) => revert::finalize(s, out).await,
        Command::Reset(a) => reset::run(s, a, out).await,
        Command::Watch(a) => watch::run(s, a, out).await,
        Command::Pause(a) => control::run(s, control::Action::Pause, a, out).await,
        Command::Resume(a) => control::run(s, control::Action::Resume, a, out).await,
        Command::Cancel(a) => control::run(s, control::Action::Cancel, a, out).await,
        Command::Throttle(a) => control::throttle(s, Some(a.rows_per_sec), out).await,
        Command::Unthrottle(_) => control::throttle(s, None, out).await,
        Command::Databases(_) => databases::run(s, out).await,
        Command::Certs(_) | Command::Fleet(_) | Command::Completions(_) | Command::Man(_) => Err(
            anyhow::anyhow!("internal: {} runs before a session opens", command.name()),
        ),
    }
}

/// The schema `run` read for plan and migrate.
fn sent(
    schema_source: Option<mig::proto::SchemaSource>,
) -> anyhow::Result<mig::proto::SchemaSource> {
    schema_source.ok_or_else(|| anyhow::anyhow!("internal: the schema file was not read"))
}
