//! mig: hot schema migrations for SQLite, run by a sidecar agent.
//!
//! Layers (see ARCHITECTURE.md): [`engine`] does the SQLite work and knows
//! nothing of gRPC; [`jobs`] runs long operations and keeps their events;
//! [`service`] adapts both to the `mig.v1` contract; [`transport`] owns
//! listeners and TLS.
#![forbid(unsafe_code)]

pub mod config;
pub mod engine;
pub mod jobs;
pub mod lockfile;
pub mod logging;
pub mod metrics;
pub mod proto;
pub mod service;
pub mod transport;
