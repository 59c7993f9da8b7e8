//! What `mig fleet revert` does with each target, decided from its agent's
//! status alone (pure, no I/O): revert it (window open, or a revert left
//! unfinished), skip it (already reverted, never migrated), or refuse the
//! whole rollback because of it (no window, window closed, conflicts, not
//! cut over). And the order: the rollout's execution order reversed, so the
//! last wave goes first and, within a wave, a target is reverted before the
//! targets it depends on.

use mig::proto::{Phase, StatusReport};

use super::file::FleetTarget;
use super::steps::Conflicts;

/// One target's part in the rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Revert it; the text says what there is to carry back.
    Revert(String),
    /// Nothing to do; the text says why (a second run skips every target).
    Skip(String),
    /// It cannot be reverted: nothing is reverted until this is resolved.
    Refuse(String),
}

/// The verdict for one target from its status (or the error reaching it),
/// given what the revert does with rows the old schema refuses.
pub fn verdict(
    target: &FleetTarget,
    status: Result<&StatusReport, &str>,
    conflicts: Conflicts,
) -> Verdict {
    let s = match status {
        Ok(s) => s,
        Err(e) => return Verdict::Refuse(e.to_string()),
    };
    let phase = Phase::try_from(s.phase).unwrap_or(Phase::Unspecified);
    let window = s.revert_window.as_ref();
    match phase {
        Phase::Standby => match window {
            Some(w) if !w.broken.is_empty() => Verdict::Refuse(w.broken.clone()),
            Some(w) if !w.conflicts.is_empty() && conflicts == Conflicts::Refuse => {
                Verdict::Refuse(format!(
                    "{} row(s) of the new database the old schema refuses ({}): fix them in the new database, or pass --discard-conflicts",
                    w.conflicts.len(),
                    shown(&w.conflicts)
                ))
            }
            Some(w) if !w.conflicts.is_empty() => Verdict::Revert(format!(
                "window open until {}, {} write(s) still to carry back, {} row(s) the old schema refuses to discard ({})",
                w.closes_at,
                w.pending,
                w.conflicts.len(),
                shown(&w.conflicts)
            )),
            Some(w) => Verdict::Revert(format!(
                "window open until {}, {} write(s) still to carry back",
                w.closes_at, w.pending
            )),
            None => Verdict::Revert("window open".into()),
        },
        Phase::Reverting => Verdict::Revert("finishing a revert left unfinished".into()),
        Phase::Reverted => Verdict::Skip("already reverted: the old database serves".into()),
        Phase::NotStarted => Verdict::Skip("never migrated: the old database serves".into()),
        Phase::CutOver | Phase::Complete | Phase::Retired => Verdict::Refuse(match window {
            Some(w) => format!(
                "revert window closed ({} at {}): the new database's writes since are not recorded, so it cannot be reverted",
                w.closed_by, w.closed_at
            ),
            None => "cut over without a revert window: nothing recorded the new database's writes, so it cannot be reverted".into(),
        }),
        Phase::Copying | Phase::Recording | Phase::Draining | Phase::Drained => {
            Verdict::Refuse(format!(
                "not cut over ({}): nothing to revert; `mig fleet reset --only {}` undoes the migration, or leave it out with --only",
                phase_name(phase),
                target.name
            ))
        }
        Phase::Broken | Phase::Unspecified => Verdict::Refuse(format!(
            "{}: {}",
            phase_name(phase),
            s.next_step
        )),
    }
}

fn shown(conflicts: &[String]) -> String {
    conflicts
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Copying => "copying",
        Phase::Recording => "recording",
        Phase::Draining => "draining",
        Phase::Drained => "drained",
        Phase::Broken => "broken",
        _ => "unknown phase",
    }
}

/// The rollback order: indices of `targets` (in execution order) reversed.
pub fn order(targets: &[FleetTarget]) -> Vec<usize> {
    (0..targets.len()).rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::file::Selector;
    use mig::proto::RevertWindow;

    fn target(name: &str) -> FleetTarget {
        FleetTarget {
            ignore_tables: Vec::new(),
            name: name.into(),
            url: "http://h:1".into(),
            database: "d".into(),
            select: Selector::One("d".into()),
            group: None,
            tls: None,
            schema: "s.sql".into(),
            accept_data_loss: false,
            allow_same_schema: false,
            depends_on: Vec::new(),
            wave: 1,
            priority: 0,
        }
    }

    fn status(phase: Phase, window: Option<RevertWindow>) -> StatusReport {
        StatusReport {
            phase: phase as i32,
            revert_window: window,
            next_step: "run `mig reset`".into(),
            ..Default::default()
        }
    }

    fn check(phase: Phase, window: Option<RevertWindow>) -> Verdict {
        verdict(&target("t"), Ok(&status(phase, window)), Conflicts::Refuse)
    }

    #[test]
    fn open_windows_revert_reverted_ones_are_skipped_the_rest_refuse() {
        let open = RevertWindow {
            state: "open".into(),
            closes_at: "12:00".into(),
            pending: 3,
            ..Default::default()
        };
        assert_eq!(
            check(Phase::Standby, Some(open.clone())),
            Verdict::Revert("window open until 12:00, 3 write(s) still to carry back".into())
        );
        let conflicted = RevertWindow {
            conflicts: vec!["Product SKU-1 (CHECK)".into()],
            ..open
        };
        assert!(matches!(check(Phase::Standby, Some(conflicted.clone())),
            Verdict::Refuse(r) if r.starts_with("1 row(s) of the new database the old schema refuses (Product SKU-1 (CHECK))")));
        assert!(matches!(
            verdict(&target("t"), Ok(&status(Phase::Standby, Some(conflicted))), Conflicts::Discard),
            Verdict::Revert(r) if r.ends_with("1 row(s) the old schema refuses to discard (Product SKU-1 (CHECK))")));
        assert!(matches!(check(Phase::Reverting, None), Verdict::Revert(_)));
        assert!(matches!(check(Phase::Reverted, None), Verdict::Skip(_)));
        assert!(matches!(check(Phase::NotStarted, None), Verdict::Skip(_)));
        let closed = RevertWindow {
            state: "closed".into(),
            closed_by: "finalize".into(),
            closed_at: "11:00".into(),
            ..Default::default()
        };
        assert!(matches!(check(Phase::CutOver, Some(closed)),
            Verdict::Refuse(r) if r.starts_with("revert window closed (finalize at 11:00)")));
        assert!(matches!(check(Phase::Complete, None),
            Verdict::Refuse(r) if r.starts_with("cut over without a revert window")));
        assert!(matches!(check(Phase::Drained, None),
            Verdict::Refuse(r) if r.contains("`mig fleet reset --only t`")));
        assert_eq!(
            verdict(
                &target("t"),
                Err("cannot reach the agent"),
                Conflicts::Refuse
            ),
            Verdict::Refuse("cannot reach the agent".into())
        );
    }

    #[test]
    fn the_rollback_order_is_the_execution_order_reversed() {
        let sorted = crate::fleet::order::sort(vec![
            FleetTarget {
                wave: 2,
                ..target("late")
            },
            FleetTarget {
                depends_on: vec!["parent".into()],
                ..target("child")
            },
            target("parent"),
        ])
        .expect("valid");
        let names: Vec<&str> = order(&sorted)
            .into_iter()
            .map(|i| sorted[i].name.as_str())
            .collect();
        assert_eq!(names, ["late", "child", "parent"]);
    }
}
