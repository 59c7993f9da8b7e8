//! Pacing the copy and the catch-up so the service keeps its latency.
//!
//! Between two chunks (or catch-up slices) the engine asks [`Throttle::pace`]
//! how long to wait. Two things decide it:
//!
//! - **automatic**: every `probe_every` a probe write on the old database
//!   (`UPDATE _migration_marker SET updated_at = updated_at`, one page, in a
//!   `BEGIN IMMEDIATE` transaction, `synchronous=NORMAL` like a typical
//!   service) measures what a service write costs right now: the wait for
//!   SQLite's write lock plus the write. The size of the old database's WAL
//!   is read too (a chunk's read snapshot keeps the service's checkpoints
//!   from finishing, so each probe first runs a passive checkpoint itself,
//!   between chunks; not on a database Litestream manages, whose WAL
//!   position is Litestream's to move). When either is over its limit the throttle backs off:
//!   it waits 1, 2, 4, then 8 times the last chunk's duration before the
//!   next (a duty cycle down to 11%), and steps back one level per chunk
//!   once both are under again. The copy slows; it never stops.
//! - **manual**: `throttle --rows-per-sec N` caps the rate, whatever the
//!   probes say, until `unthrottle`. It holds from the first row: every
//!   chunk's rows are paid for on one schedule (a rate limiter's
//!   "theoretical arrival time", kept across chunks, tables and jobs, so no
//!   chunk starts early), and [`Throttle::chunk_limit`] keeps a chunk to a
//!   quarter second of the cap, so the rate holds over any few seconds too.
//!
//! Waits are sliced so that cancel and pause still answer within 50 ms.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::error::{EngineError, Result, SqlContext};
use super::lock;

/// Limits of the automatic throttle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleSettings {
    /// Off: only a manual rate applies.
    pub enabled: bool,
    pub probe_every: Duration,
    /// A probe write slower than this backs the copy off.
    pub max_write_wait: Duration,
    /// An old WAL larger than this backs the copy off.
    pub max_wal_bytes: u64,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        ThrottleSettings {
            enabled: true,
            probe_every: Duration::from_millis(250),
            max_write_wait: Duration::from_millis(20),
            max_wal_bytes: 1 << 30,
        }
    }
}

/// Longest back-off level: waits of 8x the chunk.
const MAX_LEVEL: u32 = 4;
/// Granularity of a wait, so cancel and pause stay responsive.
const SLICE: Duration = Duration::from_millis(50);
/// Under a manual cap, a chunk holds at most this much of the cap's rows:
/// a burst of one chunk then moves a 5 s window's rate by at most 5%.
const CAP_SLICE: Duration = Duration::from_millis(250);

/// What status shows about the throttle.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThrottleReport {
    pub automatic: bool,
    /// Set by `throttle --rows-per-sec`.
    pub manual_rows_per_sec: Option<f64>,
    /// Backing off now (automatic), with why.
    pub backing_off: bool,
    pub reason: String,
    pub last_probe_ms: Option<f64>,
    pub old_wal_bytes: Option<u64>,
    /// Time spent waiting because of the throttle, manual or automatic.
    pub seconds_waited: f64,
    pub probes: u64,
    /// Probes that found the service slowed (each stepped the back-off up).
    pub backoffs: u64,
    /// Why it last backed off (kept after it recovers).
    pub last_reason: String,
}

#[derive(Debug, Default)]
struct State {
    manual: Option<f64>,
    /// Under a manual cap: when the rows admitted so far are paid for at
    /// the cap's rate; the next chunk waits for it.
    paid_until: Option<Instant>,
    level: u32,
    reason: String,
    last_probe: Option<Instant>,
    last_probe_ms: Option<f64>,
    wal_bytes: Option<u64>,
    waited: Duration,
    probes: u64,
    backoffs: u64,
    last_reason: String,
}

/// One database's throttle, shared by its jobs and its background catch-up.
#[derive(Debug, Default)]
pub struct Throttle {
    settings: ThrottleSettings,
    state: Mutex<State>,
}

impl Throttle {
    pub fn new(settings: ThrottleSettings) -> Self {
        Throttle {
            settings,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Every update is a plain field assignment: a poisoned lock is fine.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Caps the copy and catch-up at `rows_per_sec` (`None`: no cap).
    pub fn set_manual(&self, rows_per_sec: Option<f64>) {
        self.state().manual = rows_per_sec.filter(|r| r.is_finite() && *r > 0.0);
    }

    /// The largest chunk the cap allows (`chunk` itself without a cap): a
    /// quarter second's worth of rows, at least one.
    pub fn chunk_limit(&self, chunk: u64) -> u64 {
        match self.state().manual {
            Some(rate) => chunk.min(((rate * CAP_SLICE.as_secs_f64()).ceil() as u64).max(1)),
            None => chunk,
        }
    }

    /// Under a manual cap: how long to wait after a chunk of `rows` that
    /// began `took` ago, so that every row so far keeps to the rate.
    fn manual_wait(&self, rows: u64, took: Duration) -> Duration {
        let mut s = self.state();
        let Some(rate) = s.manual else {
            s.paid_until = None;
            return Duration::ZERO;
        };
        let now = Instant::now();
        let began = now.checked_sub(took).unwrap_or(now);
        // Time not used earlier (idle, or a slower chunk) is not saved up.
        let from = s.paid_until.map_or(began, |p| p.max(began));
        let paid = from + Duration::from_secs_f64(rows as f64 / rate);
        s.paid_until = Some(paid);
        paid.saturating_duration_since(now)
    }

    pub fn report(&self) -> ThrottleReport {
        let s = self.state();
        ThrottleReport {
            automatic: self.settings.enabled,
            manual_rows_per_sec: s.manual,
            backing_off: s.level > 0,
            reason: s.reason.clone(),
            last_probe_ms: s.last_probe_ms,
            old_wal_bytes: s.wal_bytes,
            seconds_waited: s.waited.as_secs_f64(),
            probes: s.probes,
            backoffs: s.backoffs,
            last_reason: s.last_reason.clone(),
        }
    }

    /// After a chunk of `rows` that took `took`: probes when due and waits
    /// as long as the throttle says (returns early when `stop` says so).
    pub fn pace(&self, probe: &mut Probe, rows: u64, took: Duration, stop: &dyn Fn() -> bool) {
        let manual = self.manual_wait(rows, took);
        let automatic = if self.settings.enabled {
            self.automatic_wait(probe, took)
        } else {
            Duration::ZERO
        };
        self.wait(manual.max(automatic), stop);
    }

    /// After the last chunk of a table: only the manual cap's schedule (so
    /// the next table's first chunk does not start early); no probe.
    pub fn pace_cap(&self, rows: u64, took: Duration, stop: &dyn Fn() -> bool) {
        self.wait(self.manual_wait(rows, took), stop);
    }

    /// Probes when due, steps the back-off level, and returns the wait the
    /// level asks for.
    fn automatic_wait(&self, probe: &mut Probe, took: Duration) -> Duration {
        let due = self
            .state()
            .last_probe
            .is_none_or(|at| at.elapsed() >= self.settings.probe_every);
        if due {
            self.state().last_probe = Some(Instant::now());
            // Between chunks the copy holds no snapshot of the old
            // database: checkpoint its WAL now, on this thread, so the
            // service's own commits find no checkpoint work piled up
            // behind the copy's read transactions (measured: that work
            // was the service's p99 during a copy).
            if let Err(e) = probe.checkpoint() {
                tracing::debug!("throttle checkpoint failed: {e}");
            }
            // A probe that cannot run (the marker gone, a file error)
            // never fails the copy: it just measures nothing.
            let (write, wal) = probe.measure().unwrap_or_else(|e| {
                tracing::debug!("throttle probe failed: {e}");
                (Duration::ZERO, 0)
            });
            self.record_probe(write, wal);
        }
        match self.state().level {
            0 => Duration::ZERO,
            level => took * (1 << (level - 1)),
        }
    }

    /// Records one probe and steps the back-off level up or down.
    fn record_probe(&self, write: Duration, wal: u64) {
        let mut s = self.state();
        s.last_probe = Some(Instant::now());
        s.last_probe_ms = Some(write.as_secs_f64() * 1e3);
        s.wal_bytes = Some(wal);
        s.probes += 1;
        let over = if write > self.settings.max_write_wait {
            Some(format!(
                "a probe write on the old database took {:.1} ms (limit {} ms)",
                write.as_secs_f64() * 1e3,
                self.settings.max_write_wait.as_millis()
            ))
        } else if wal > self.settings.max_wal_bytes {
            Some(format!(
                "the old database's WAL is {} MiB (limit {} MiB)",
                wal >> 20,
                self.settings.max_wal_bytes >> 20
            ))
        } else {
            None
        };
        match over {
            Some(reason) => {
                s.level = (s.level + 1).min(MAX_LEVEL);
                s.backoffs += 1;
                s.last_reason.clone_from(&reason);
                s.reason = reason;
            }
            None => {
                s.level = s.level.saturating_sub(1);
                if s.level == 0 {
                    s.reason.clear();
                }
            }
        }
    }

    /// Sleeps `wait` in slices, stopping early when `stop` says so.
    fn wait(&self, wait: Duration, stop: &dyn Fn() -> bool) {
        if wait.is_zero() {
            return;
        }
        let started = Instant::now();
        while started.elapsed() < wait && !stop() {
            std::thread::sleep(SLICE.min(wait.saturating_sub(started.elapsed())));
        }
        self.state().waited += started.elapsed();
    }
}

/// A read-write connection to the old database for probe writes, opened on
/// first use.
pub struct Probe {
    old: PathBuf,
    busy: Duration,
    conn: Option<Connection>,
    /// Known once the connection is open: Litestream manages the old
    /// database, so its checkpoints are left to Litestream.
    litestream: Option<bool>,
}

impl Probe {
    /// `busy`: the longest a probe waits for the write lock (a probe that
    /// times out counts as that slow).
    pub fn new(old: &Path, busy: Duration) -> Self {
        Probe {
            old: old.to_path_buf(),
            busy,
            conn: None,
            litestream: None,
        }
    }

    /// The old database attached to `conn` as `old`.
    pub fn attached(conn: &Connection, busy: Duration) -> Result<Self> {
        let file: String = conn
            .query_row(
                "SELECT file FROM pragma_database_list WHERE name = 'old'",
                [],
                |r| r.get(0),
            )
            .ctx(|| "finding the attached old database".into())?;
        Ok(Probe::new(Path::new(&file), busy))
    }

    fn conn(&mut self) -> Result<&Connection> {
        if self.conn.is_none() {
            let conn = super::open::old_rw(&self.old, super::open::Busy(self.busy))?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .ctx(|| "setting synchronous on the probe connection".into())?;
            self.conn = Some(conn);
        }
        self.conn.as_ref().ok_or_else(|| {
            EngineError::File("the probe connection to the old database is not open".into())
        })
    }

    /// A passive checkpoint of the old database: never waits for the
    /// service, copies what no reader still needs. Skipped where Litestream
    /// replicates the database (its `_litestream_seq` table): Litestream
    /// checkpoints itself, at the positions it has shipped.
    fn checkpoint(&mut self) -> Result<()> {
        let litestream = match self.litestream {
            Some(known) => known,
            None => {
                let found = super::record::has_table(
                    self.conn()?,
                    "main",
                    super::owners::LITESTREAM_TABLE,
                )?;
                if found {
                    tracing::info!(old = %self.old.display(), "Litestream manages the old database: the throttle leaves checkpoints to it");
                }
                self.litestream = Some(found);
                found
            }
        };
        if litestream {
            return Ok(());
        }
        let conn = self.conn()?;
        conn.query_row("PRAGMA main.wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .ctx(|| "checkpointing the old database".into())
    }

    /// Duration of one probe write, and the size of the old WAL.
    fn measure(&mut self) -> Result<(Duration, u64)> {
        let wal = std::fs::metadata(format!("{}-wal", self.old.display()))
            .map(|m| m.len())
            .unwrap_or(0);
        let busy = self.busy;
        let conn = self.conn()?;
        let started = Instant::now();
        let tx = match lock::begin_immediate(conn) {
            Ok(tx) => tx,
            // The lock stayed taken for the whole probe timeout: that slow.
            Err(e) if lock::is_busy(&e) => return Ok((busy.max(started.elapsed()), wal)),
            Err(e) => return Err(e).ctx(|| "starting a probe write".into()),
        };
        tx.execute(
            "UPDATE main._migration_marker SET updated_at = updated_at WHERE id = 1",
            [],
        )
        .ctx(|| "writing a probe".into())?;
        tx.commit().ctx(|| "committing a probe".into())?;
        Ok((started.elapsed(), wal))
    }
}
