//! `mig`, the thin client: parses the command line, runs one command against
//! an agent (in-process, or remote with `--agent`) over gRPC, and turns the
//! outcome into a documented exit code (see `exit.rs`). It never opens a
//! SQLite file itself.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod connect;
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
    let cli = cli::Cli::parse();
    let name = cli.command.name();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name} failed: {}", exit::message(&e));
            exit::classify(&e).into()
        }
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(commands::run(cli));
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    result
}
