//! The revert window's part of the conversion layer (`mod.rs` is the
//! rest): engine types of `engine::revert` and `ops::{revert, finalize}` to
//! `mig.v1` messages.

use crate::engine::ops::{FinalizeReport, RevertSummary};
use crate::engine::revert::inverse::TableRevert;
use crate::engine::revert::store::Conflict;
use crate::engine::status::WindowStatus;
use crate::proto as pb;

fn conflict_line(c: &Conflict) -> String {
    format!("{} {} ({})", c.table, c.key, c.error)
}

pub fn window(w: WindowStatus) -> pb::RevertWindow {
    pb::RevertWindow {
        state: w.window.state.as_str().to_string(),
        opened_at: w.window.opened_at,
        closes_at: w.window.closes_at,
        seconds_left: w.window.seconds_left,
        window_seconds: w.window.window_secs,
        pending: w.pending,
        conflicts: w.conflicts.iter().map(conflict_line).collect(),
        closed_by: w.window.closed_by.unwrap_or_default(),
        closed_at: w.window.closed_at.unwrap_or_default(),
        broken: w.broken.unwrap_or_default(),
    }
}

pub fn revert_summary(s: RevertSummary) -> pb::RevertSummary {
    pb::RevertSummary {
        entries_replayed: s.entries_replayed,
        verified_rows: s.verified_rows,
        verified_tables: s.verified_tables,
        refused_ms: s.refused_ms,
        seconds: s.seconds,
        discarded: s.discarded.iter().map(conflict_line).collect(),
        left_behind: s.left_behind,
        old_path: s.old_path.to_string_lossy().into_owned(),
        checked_by_key: s.checked_by_key,
        attempts: s.attempts,
        left_to_owner: s.left_to_owner,
    }
}

pub fn finalize_report(r: FinalizeReport) -> pb::FinalizeReport {
    pb::FinalizeReport {
        closed_by: r.closed_by.as_str().to_string(),
        entries_dropped: r.entries_dropped,
        guards: r.guards,
    }
}

pub fn revertibility(r: &TableRevert) -> pb::TableRevertibility {
    pb::TableRevertibility {
        table: r.new_table.clone(),
        old_table: r.old_table.clone().unwrap_or_default(),
        verdict: r.verdict(),
        revertible: r.revertible(),
        columns: r.columns.clone(),
        notes: r.notes.clone(),
    }
}
