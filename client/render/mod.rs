//! Everything the client prints on stdout: human-readable lines built by
//! pure functions (unit-tested), and JSON in the proto3 mapping. Errors are
//! not printed here: `main` prints the one failure line.

pub mod events;
pub mod names;
pub mod plan;
mod plan_analysis;
pub mod progress;
pub mod reports;
pub mod status;
pub mod summaries;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use serde::Serialize;

/// Set once stdout's reader went away (`mig … | head -1`): what is left to
/// print is dropped, and the command goes on to end with its own code.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// Prints lines on stdout; a closed stdout drops them (and every later
/// line) without failing the command, so a command that fails after its
/// reader left still exits with its own code.
pub fn emit(lines: &[String]) -> anyhow::Result<()> {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let written = lines
        .iter()
        .try_for_each(|line| writeln!(out, "{line}"))
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_GONE.store(true, Ordering::Relaxed);
            Ok(())
        }
        other => other.context("writing to stdout"),
    }
}

/// Prints lines on stderr (what goes beside a question).
pub fn emit_err(lines: &[String]) -> anyhow::Result<()> {
    let mut err = std::io::stderr().lock();
    for line in lines {
        writeln!(err, "{line}").context("writing to stderr")?;
    }
    err.flush().context("writing to stderr")
}

/// Prints a value as one line of JSON (a job event in a stream).
pub fn json_line<T: Serialize>(value: &T) -> anyhow::Result<()> {
    emit(&[serde_json::to_string(value).context("encoding JSON")?])
}

/// Prints a report as indented JSON.
pub fn json_report<T: Serialize>(value: &T) -> anyhow::Result<()> {
    emit(&[serde_json::to_string_pretty(value).context("encoding JSON")?])
}

/// `yes` / `no`.
pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
