//! The real `mig` binary end to end, on real SQLite files in temp folders:
//! the runbook's commands and expected lines, refusals with their one-line
//! errors and exit codes, `--json`, the project-folder defaults, and a
//! remote agent (plain and mutual TLS) for what only `--agent` can do.

mod agent;
mod bad_input;
mod busy;
mod certs;
mod closed_pipe;
mod composite_refs;
mod disk_space;
mod drift;
mod fleet;
mod fleet_operator;
mod fleet_revert;
mod handshake;
pub(crate) mod harness;
mod help;
mod hooks;
mod identity;
mod interrupt;
mod journal_switch;
mod keys;
mod litestream;
mod long_catch_up;
mod new_guard;
mod null_default;
mod own_names;
mod owners;
mod plan;
mod plan_blockers;
mod progress;
mod rate_cap;
mod read_only;
mod real_agent;
mod remote;
mod replay_blocked;
mod rerun;
mod reset;
mod reset_discarded;
mod revert;
mod revert_outage;
mod revert_restore;
mod revert_rowid;
mod revert_window_end;
mod rollback_journal;
mod runbook;
mod schema_bodies;
mod set_expressions;
mod sidecar_new;
mod statistics;
mod tenants;
mod tenants_mistakes;
pub(crate) mod tenants_operator;
mod tls;
mod usage;
mod verify;
mod virtual_tables;
