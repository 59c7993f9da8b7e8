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

use anyhow::Context;
use serde::Serialize;

/// Prints lines on stdout.
pub fn emit(lines: &[String]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}").context("writing to stdout")?;
    }
    out.flush().context("writing to stdout")
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
