//! The rules of a revert window, as named checks and decisions on a
//! [`MigrationState`]: what `revert`, `finalize`, `release-old` and the
//! agent may do after cutover, and what the old side still lacks when a
//! command was killed between the new database's commit and the old one's.

use super::checks::{already_done, precondition, Step};
use super::MigrationState;
use crate::engine::error::Result;
use crate::engine::guard::GuardKind;
use crate::engine::new_side::{Identity, MigrationStatus};
use crate::engine::open::Busy;
use crate::engine::record::MarkerStatus;
use crate::engine::revert::continuity::{self, Sides};
use crate::engine::revert::{Window, WindowState};

use super::locate::Located;
use super::read::{self, NewFile, OldFile};

/// What `revert` starts from.
#[derive(Debug, Clone)]
pub struct RevertStart {
    pub identity: Identity,
    pub window: Window,
    /// The old database no longer refuses writes (a revert was killed
    /// after making it writable): only marking the new one is left.
    pub old_flipped: bool,
    /// A reverse verify certified old = inverse(new) at this checkpoint.
    pub verified_at: Option<u64>,
}

impl RevertStart {
    /// The new database still takes writes: revert must freeze it first
    /// (not a revert resumed after its freeze).
    pub fn must_freeze(&self) -> bool {
        self.window.state == WindowState::Open
    }
}

/// Whether `cleanup-old` or `release-old` may close an open revert window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CloseWindow {
    /// Refuse while it is open (the way back would go).
    #[default]
    Refuse,
    /// Close it first (`--close-revert-window`).
    Close,
}

/// What the old database still needs after the new one's commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldSide {
    /// Become a standby (a window is open).
    Standby,
    /// Become retired (no window, or it closed).
    Retire,
}

/// Why a revert window (open, or frozen by a revert) can no longer carry
/// the new database's writes back: its reverse log does not continue the
/// old database's checkpoint (see `revert::continuity`).
pub(super) fn window_broken(
    loc: &Located,
    old: Option<&OldFile>,
    new: Option<&NewFile>,
    busy: Busy,
) -> Result<Option<String>> {
    let (Some(o), Some(n)) = (old, new) else {
        return Ok(None);
    };
    let (Some(w), Some((checkpoint, _))) = (n.window.as_ref(), o.revert) else {
        return Ok(None);
    };
    if !matches!(w.state, WindowState::Open | WindowState::Reverting) {
        return Ok(None);
    }
    let print = match &o.revert_tip {
        Some(t) if t.seq <= w.log_max => read::reverse_print(&n.path, busy, t.seq)?,
        _ => None,
    };
    let sides = Sides {
        checkpoint,
        tip: o.revert_tip.as_ref(),
        log_max: w.log_max,
        print_at_tip: print.as_deref(),
    };
    let name = |p: Option<&std::path::Path>| p.map(|p| p.display().to_string()).unwrap_or_default();
    Ok(continuity::broken(
        &sides,
        &name(loc.new.as_deref()),
        &name(loc.old.as_deref()),
    ))
}

impl MigrationState {
    /// The revert window, if one was ever opened.
    pub fn window(&self) -> Option<&Window> {
        self.new.as_ref().and_then(|n| n.window.as_ref())
    }

    /// A revert window is open: the new service's writes are being
    /// recorded for the way back (not reverting, not closed).
    pub fn window_open(&self) -> bool {
        self.window_state() == Some(WindowState::Open)
    }

    fn window_state(&self) -> Option<WindowState> {
        self.window().map(|w| w.state)
    }

    /// Reverse log entries not yet carried back into the old database.
    pub fn reverse_pending(&self) -> u64 {
        let max = self.window().map_or(0, |w| w.log_max);
        let cp = self.old.as_ref().and_then(|o| o.revert).map_or(0, |r| r.0);
        max.saturating_sub(cp)
    }

    /// What the old side lacks after cutover (`None`: nothing).
    pub fn old_side_pending(&self) -> Option<OldSide> {
        let status = self.new.as_ref().and_then(|n| n.status);
        if status != Some(MigrationStatus::Ready) || self.broken.is_some() {
            return None;
        }
        let marker = self.marker()?.status;
        match (self.window_state(), marker) {
            (Some(WindowState::Open), MarkerStatus::Draining) => Some(OldSide::Standby),
            (Some(WindowState::Open | WindowState::Reverting), _) => None,
            (_, MarkerStatus::Draining | MarkerStatus::Standby) => Some(OldSide::Retire),
            _ => None,
        }
    }

    /// The agent may carry a slice of the reverse log back.
    pub fn may_reverse_catch_up(&self) -> bool {
        self.window_open()
            && self.window_broken.is_none()
            && self
                .marker()
                .is_some_and(|m| m.status == MarkerStatus::Standby)
            && self.reverse_pending() > 0
    }

    /// The window's time is up and nothing closed it yet.
    pub fn window_ended(&self) -> bool {
        self.window()
            .is_some_and(|w| w.state == WindowState::Open && w.expired())
    }

    /// `revert`: a window open (not past its end) or a revert to finish.
    pub fn require_revertible(&self) -> Result<RevertStart> {
        self.require_not_reverted(Step::Revert)?;
        let new = self.new_path()?.display().to_string();
        if self.new.is_none() {
            return Err(precondition(format!(
                "{new} does not exist: there is nothing to revert (`mig status` says where the migration is)"
            )));
        }
        let identity = self.identity().cloned().ok_or_else(|| {
            precondition(format!(
                "{new} was not created by `mig migrate`; there is nothing to revert"
            ))
        })?;
        let Some(window) = self.window().cloned() else {
            return Err(precondition(if self.cut_over() {
                format!("{new} was cut over without a revert window (`mig cutover --revert-window 30m` opens one); writes it took since can only be carried back by hand")
            } else {
                format!("{new} is not cut over; before cutover, `mig reset` abandons the migration")
            }));
        };
        let old = self.require_old()?;
        let old_flipped = old.marker.is_none() && old.guards == 0;
        match window.state {
            WindowState::Reverting => {}
            WindowState::Open if window.expired() => {
                return Err(precondition(format!(
                    "the revert window of {new} ended at {}: mig no longer reverts it (every write it took is still recorded until the window is closed, but nothing carries them back after its end); `mig finalize` closes it and stays on {new}; a later cutover needs a longer `--revert-window`",
                    window.closes_at
                )))
            }
            WindowState::Open => {}
            WindowState::Closed => {
                return Err(precondition(format!(
                    "the revert window of {new} was closed ({} at {}); a revert is no longer possible: stay on {new}, or go back to the old schema with a new migration from {new} (its schema file the old one)",
                    window.closed_by.as_deref().unwrap_or("finalize"),
                    window.closed_at.as_deref().unwrap_or("?")
                )))
            }
            WindowState::Reverted => {
                return Err(precondition(format!("{new} was already reverted")))
            }
        }
        if !old_flipped {
            if let Some(m) = &self.window_broken {
                return Err(precondition(m.clone()));
            }
            self.require_old_unchanged()?;
        }
        Ok(RevertStart {
            identity,
            window,
            old_flipped,
            verified_at: old.revert.and_then(|r| r.1),
        })
    }

    /// The old catalog is the one recorded when it became a standby.
    fn require_old_unchanged(&self) -> Result<()> {
        let drift = self
            .old
            .as_ref()
            .map(|o| o.drift.clone())
            .unwrap_or_default();
        if drift.is_empty() {
            return Ok(());
        }
        Err(crate::engine::EngineError::Drift(format!(
            "the old database was changed outside mig during the revert window ({}); writes may have reached it unrecorded: restore the guard, or `mig finalize` and give up the revert",
            drift.join(", ")
        )))
    }

    /// A cutover asked to open a revert window (`secs` > 0) after the new
    /// database was cut over without one: refused rather than "already
    /// done", since the window it asks for does not exist and cannot be
    /// opened any more.
    pub fn require_window_if_asked(&self, secs: u64) -> Result<()> {
        if secs == 0 || !self.cut_over() || self.window().is_some() {
            return Ok(());
        }
        Err(precondition(format!(
            "{} is already cut over without a revert window, and a window opens only at the cutover; nothing was changed: the old database keeps its data, retired (`mig release-old` makes it writable again)",
            self.new_path()?.display()
        )))
    }

    /// A `--revert-window` given again after a cutover that opened a
    /// window of another length (an operator "extending" it): refused
    /// rather than "already done", since the length is fixed at cutover
    /// and the asked one would silently not apply. The same length is the
    /// completed step run again.
    pub fn require_asked_window(&self, secs: u64) -> Result<()> {
        let Some(w) = self.window().filter(|_| self.cut_over()) else {
            return Ok(());
        };
        if w.window_secs == secs {
            return Ok(());
        }
        let new = self.new_path()?.display();
        let now = if w.state == WindowState::Open {
            format!(
                "open until {}: `mig revert` goes back until then, `mig finalize` closes it now",
                w.closes_at
            )
        } else {
            format!("{}; it opens only at the cutover", w.state.as_str())
        };
        Err(precondition(format!(
            "{new} is already cut over with a revert window of {} s, and a window's length is set at cutover: --revert-window {secs} s was not applied; nothing was changed: the window is {now}",
            w.window_secs
        )))
    }

    /// `finalize`: a window to close (an open one, or one whose old side
    /// is still a standby).
    pub fn require_finalizable(&self) -> Result<()> {
        self.require_not_reverted(Step::Finalize)?;
        let new = self.new_path()?.display().to_string();
        match self.window_state() {
            Some(WindowState::Open) => Ok(()),
            Some(WindowState::Reverting) => Err(precondition(format!(
                "a revert froze {new} and did not finish: run `mig revert` to finish it"
            ))),
            Some(WindowState::Closed) if self.old_side_pending().is_some() => Ok(()),
            Some(WindowState::Closed) => Err(already_done(format!("the revert window of {new} is already closed; nothing to do"))),
            Some(WindowState::Reverted) => Err(precondition(format!("{new} was reverted; nothing to finalize"))),
            None if self.cut_over() => Err(precondition(format!("{new} was cut over without a revert window; nothing to finalize"))),
            None => Err(precondition(format!("{new} is not cut over; finalize closes the revert window `mig cutover --revert-window` opens"))),
        }
    }

    /// `cleanup-old` or `release-old` (`command`) while the window is open
    /// and not past its end: closing it loses the way back, so only when
    /// told to (`--close-revert-window`). Past its end, or closed, nothing
    /// is lost.
    pub fn require_window_closable(&self, command: &str, told: CloseWindow) -> Result<()> {
        if told == CloseWindow::Close || !self.window_open() || self.window_ended() {
            return Ok(());
        }
        let new = self.new_path()?.display().to_string();
        let old = self.old_path()?.display().to_string();
        let taken = self.window().map_or(0, |w| w.log_max);
        Err(precondition(format!(
            "refusing to close the revert window of {new}: `mig {command}` would end the way back (`mig revert`) for the {taken} write(s) {new} recorded since cutover ({} not yet carried back to {old}); nothing was changed: `mig revert` first to go back, or pass --close-revert-window to close the window and {command}",
            self.reverse_pending()
        )))
    }

    /// `release-old`: cut over, no window open, and a guard or migration
    /// tables to remove.
    pub fn require_releasable(&self) -> Result<()> {
        self.require_not_reverted(Step::ReleaseOld)?;
        let old = self.require_old()?;
        let bare = old.marker.is_none()
            && old.guards == 0
            && old.triggers == 0
            && old.log_entries.is_none();
        if bare && (self.located.new.is_none() || self.located.new_from_project) {
            // Only the old file speaks (as for cleanup-old): it accepts
            // writes already, which is all a release does.
            return Err(already_done(format!(
                "the old database {} has no guard or migration tables and accepts writes (released already, or never migrated); nothing to do",
                old.path.display()
            )));
        }
        if !self.cut_over() {
            return Err(precondition(format!(
                "{} is not cut over; before cutover the old database is the live one (`mig reset` abandons the migration)",
                self.new_path()?.display()
            )));
        }
        if matches!(
            self.window_state(),
            Some(WindowState::Open | WindowState::Reverting)
        ) {
            return Err(precondition(
                "a revert window is open: `mig finalize` closes it (or `mig revert` goes back), then release".into(),
            ));
        }
        if bare {
            return Err(already_done(format!(
                "the old database {} is already released: it has no guard or migration tables and accepts writes; nothing to do",
                old.path.display()
            )));
        }
        Ok(())
    }

    /// The guard the old database should have after cutover.
    pub fn guard_kind(&self) -> GuardKind {
        match self.window_state() {
            Some(WindowState::Open | WindowState::Reverting) => GuardKind::Standby,
            _ => GuardKind::Retired,
        }
    }
}
