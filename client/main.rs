//! `mig`, the thin client: parses the command line, runs one command against
//! an agent (in-process, or remote with `--agent`) over gRPC, and turns the
//! outcome into a documented exit code (see `exit.rs`). It never opens a
//! SQLite file itself.
#![forbid(unsafe_code)]
// Output goes through `render` (stdout) or `say_err` (stderr), which
// return or drop a closed pipe's error: the print macros panic on it.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod connect;
mod diagnose;
mod exit;
mod fleet;
mod render;
mod schema;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

/// How long exiting waits for in-process work that ignored shutdown.
const RUNTIME_SHUTDOWN: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let name = cli.command.name();
    let json = cli.global().json;
    let code = match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Raw bytes (completions) into a closed pipe: the reader has what
        // it wanted. `render::emit` never gets here: it drops the lines and
        // the command ends with its own code.
        Err(e) if stdout_closed(&e) => ExitCode::SUCCESS,
        // A completed step run again: what it would do holds; not a failure.
        Err(e) if exit::classify(&e) == exit::Exit::AlreadyDone => {
            already_done(&exit::message(&e), json);
            ExitCode::SUCCESS
        }
        Err(e) => {
            // A failure is one line: what went wrong and what to do.
            say_err(&format!("{name} failed: {}", exit::message(&e)));
            return exit::classify(&e).into();
        }
    };
    for warning in connect::key_warnings() {
        say_err(&warning);
    }
    code
}

/// Writes a line on stderr; a closed stderr (`mig … 2>&1 | head -1`)
/// loses the line, never the exit code (`eprintln!` would panic: 101).
pub(crate) fn say_err(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints that the step was already done: its line, or with `--json` an
/// object `{"alreadyDone": true, "message": …}`.
fn already_done(message: &str, json: bool) {
    let line = if json {
        serde_json::json!({ "alreadyDone": true, "message": message }).to_string()
    } else {
        message.to_string()
    };
    // Best effort: a reader gone away already has what it wanted.
    let _ = render::emit(&[line]);
}

/// Whether the error is stdout's reader having gone away (a broken pipe
/// while writing stdout; a broken connection to the agent is a failure).
/// Only raw writes (`write_stdout`) return it; it ends the command quietly
/// with exit 0: the reader (`| head`) took what it wanted.
fn stdout_closed(e: &anyhow::Error) -> bool {
    let writing_stdout = e.chain().any(|c| c.to_string() == "writing to stdout");
    writing_stdout
        && e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        })
}

/// Help and version go to stdout as clap prints them; a usage error becomes
/// one line (clap's first line, and where to read more), exit 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        say_err("mig: a command is required; see `mig --help`");
        return exit::Exit::Usage.into();
    }
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "...were not provided:" is followed by the indented list it means.
    let listed: Vec<&str> = if first.ends_with(':') {
        text.lines()
            .skip(1)
            .take_while(|l| l.starts_with(' ') && !l.trim().is_empty())
            .map(str::trim)
            .collect()
    } else {
        Vec::new()
    };
    let first = if listed.is_empty() {
        first.to_string()
    } else {
        format!("{first} {}", listed.join(", "))
    };
    // "Usage: mig drain [OPTIONS]" names the command whose help to read.
    let command = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .map(|u| {
            u.split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| command_named(std::env::args().skip(1)));
    // "  [possible values: retry, stop]" says what would have been valid.
    let valid = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("[possible values: "))
        .and_then(|v| v.strip_suffix(']'))
        .map(|v| format!(" (possible values: {v})"))
        .unwrap_or_default();
    say_err(&format!("mig: {first}{valid}; see `{command} --help`"));
    exit::Exit::Usage.into()
}

/// The (sub)command the arguments name, e.g. `mig plan` or `mig fleet
/// rollout`, for errors clap renders without a usage line (an invalid value).
fn command_named(args: impl Iterator<Item = String>) -> String {
    use clap::CommandFactory;
    let mut cmd = cli::Cli::command();
    let mut path = vec!["mig".to_string()];
    for arg in args {
        let Some(sub) = cmd.find_subcommand(&arg).cloned() else {
            continue;
        };
        path.push(sub.get_name().to_string());
        if sub.get_subcommands().next().is_none() {
            break;
        }
        cmd = sub;
    }
    path.join(" ")
}

fn run(cli: cli::Cli) -> anyhow::Result<()> {
    // Tokio's default, one worker per core, from the count the engine
    // reads anyway (once per process: `engine::cores`).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(mig::engine::cores::count())
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(commands::run(cli));
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    result
}
