//! One integration-test binary: engine runbooks against real SQLite files
//! with concurrent writers, and the real `mig` binary end to end.

// Tests, benchmarks and examples play the service, the oracle and third
// parties: they open database files directly (clippy.toml).
#![allow(clippy::disallowed_methods)]

mod support;

mod agent_logs;
mod agent_metrics;
mod agent_metrics_steps;
mod agent_remote;
mod agent_security;
mod cli;
mod engine_certify;
mod engine_composite_refs;
mod engine_drain;
mod engine_fk_report;
mod engine_keys;
mod engine_locks;
mod engine_mapping;
mod engine_marker_kept;
mod engine_plan;
mod engine_plan_catalogs;
mod engine_precheck_not_null;
mod engine_proj;
mod engine_property;
mod engine_quiet_risks;
mod engine_realkeys;
mod engine_refusals;
mod engine_regressions;
mod engine_replay_guard;
mod engine_revert;
mod engine_revert_composite;
mod engine_revert_interleavings;
mod engine_revert_rowid_key;
mod engine_revert_scale;
mod engine_revert_ways;
mod engine_revert_writer;
mod engine_runbook;
mod engine_sample;
mod engine_schemas;
mod engine_sparse_keys;
mod engine_throttle;
mod engine_verify;
#[cfg(feature = "failpoints")]
mod faults;
mod fuzz_schema;
mod outage;
mod outage_gate;
mod outage_keys;
mod outage_tables;
mod readiness;
mod service_fields;
mod service_inputs;
mod service_runbook;
mod soak;
