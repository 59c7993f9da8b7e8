//! The real `mig` binary end to end, on real SQLite files in temp folders:
//! the runbook's commands and expected lines, refusals with their one-line
//! errors and exit codes, `--json`, and the project-folder defaults.

mod harness;
mod plan;
mod runbook;
mod usage;
