//! The migration engine: SQLite work only — schema parsing and mapping,
//! recording triggers, copy, replay, drain, verify, cutover, cleanup and reset.
//!
//! Synchronous rusqlite, domain types, no tokio, tonic or proto types. Every
//! operation takes a [`Ctx`] through which it reports [`Event`]s and checks
//! for pause and cancel between chunks.

pub mod bulk_load;
pub mod catalog;
pub mod certificate;
pub mod chunk_sql;
pub mod copy;
pub mod cores;
pub mod error;
pub mod failpoint;
pub mod fk_ledger;
pub mod guard;
mod heap;
pub mod lock;
pub mod mapping;
pub mod new_side;
pub mod open;
pub mod ops;
pub mod owners;
pub mod paced;
pub mod paths;
pub mod plan;
pub mod record;
pub mod rehearse;
pub mod replay;
pub mod replay_blocked;
mod replay_guard;
pub mod revert;
pub mod schema;
mod sorter;
pub mod state;
pub mod statistics;
pub mod status;
pub mod throttle;
pub mod unsynced;
pub mod verify;
pub mod write_back;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use error::{EngineError, Result};

/// Something an operation wants the operator to see while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A new step began (`recording`, `copy`, `indexes`, `catch-up`, `freeze`, `replay`, ...).
    Step {
        step: &'static str,
        message: String,
    },
    Copy {
        table: String,
        table_rows_done: u64,
        table_rows_total: u64,
        rows_done: u64,
        rows_total: u64,
        tables_done: u32,
        tables_total: u32,
        rows_per_sec: f64,
    },
    /// Verify compared another chunk; the last one of a table is
    /// `table_finished` (and counts it in `tables_done`).
    Verify {
        table: String,
        table_rows_done: u64,
        /// The old rows counted when verify started (the rows compared, once
        /// finished).
        table_rows_total: u64,
        rows_done: u64,
        rows_total: u64,
        tables_done: u32,
        tables_total: u32,
        table_finished: bool,
        /// The same progress in bytes (see `verify::progress`): what the
        /// time left is estimated from, since a wide row costs more.
        bytes: WorkBytes,
    },
    Replay {
        applied: u64,
        pending: u64,
        lag_seconds: f64,
        entries_per_sec: f64,
    },
    Notice {
        warn: bool,
        message: String,
    },
    /// A warning that names rows (a check-only verify's differences): their
    /// keys for operators only.
    RowsNotice(plan::quoted::QuotedText),
    /// The new database is ready (cutover committed): a service waiting for
    /// it may start now.
    Ready {
        message: String,
    },
}

/// Progress counted in bytes: estimated from each table's row width.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkBytes {
    pub done: u64,
    pub total: u64,
    /// Of the current table.
    pub table_left: u64,
}

/// Pause and cancel requests for a running operation, checked between
/// chunks, and the database's throttle, which paces them.
#[derive(Debug, Default)]
pub struct Control {
    cancel: AtomicBool,
    pause: AtomicBool,
    throttle: std::sync::Arc<throttle::Throttle>,
}

impl Control {
    /// Control of an operation paced by a database's shared throttle.
    pub fn with_throttle(throttle: std::sync::Arc<throttle::Throttle>) -> Self {
        Control {
            throttle,
            ..Control::default()
        }
    }

    pub fn throttle(&self) -> &throttle::Throttle {
        &self.throttle
    }

    /// Waits between two chunks as long as the throttle says (see
    /// `throttle.rs`); returns at once when cancelled or paused (a pause
    /// then waits in [`Control::check`]).
    pub fn pace(&self, probe: &mut throttle::Probe, rows: u64, took: Duration) {
        self.throttle.pace(probe, rows, took, &|| {
            self.is_cancelled() || self.is_paused()
        });
    }

    /// After the last chunk of a table: keeps only the manual cap's
    /// schedule (see `Throttle::pace_cap`).
    pub fn pace_cap(&self, rows: u64, took: Duration) {
        self.throttle
            .pace_cap(rows, took, &|| self.is_cancelled() || self.is_paused());
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Holds the job at its next chunk boundary until [`Control::resume`].
    pub fn pause(&self) {
        self.pause.store(true, Ordering::SeqCst);
    }

    pub fn resume(&self) {
        self.pause.store(false, Ordering::SeqCst);
    }

    pub fn is_paused(&self) -> bool {
        self.pause.load(Ordering::SeqCst)
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Returns `Cancelled` if cancelled; blocks (holding no lock: callers
    /// check between transactions) while paused.
    pub fn check(&self) -> Result<()> {
        loop {
            if self.is_cancelled() {
                return Err(EngineError::Cancelled("stopped at a chunk boundary; everything committed so far is kept, re-run the command to continue".into()));
            }
            if !self.is_paused() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// What an operation reports to and is steered by.
pub struct Ctx<'a> {
    pub control: &'a Control,
    pub sink: &'a mut (dyn FnMut(Event) + Send),
}
