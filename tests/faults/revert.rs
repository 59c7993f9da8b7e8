//! The revert window's failpoints: the old side's standby setup after the
//! cutover commit, reverse replay, revert's freeze and flip, finalize. Each
//! kills the real `mig` with the old service's writes recorded and the new
//! service's writes in the window, re-runs the command, and checks the
//! old database against the hand-written inverse (or, finalized, retired).

use super::harness::{Step, World};
use crate::support::revert_case as case;
use crate::support::writer::Writer;

/// (command killed, `MIG_FAILPOINT` value).
pub const SCENARIOS: &[(Step, &str)] = &[
    (Step::CutoverWindow, "standby.before-commit"),
    (Step::CutoverWindow, "window.seed-after-chunk@2"),
    (Step::CutoverWindow, "window.before-seed-delta"),
    (Step::Revert, "revert.mid-batch"),
    (Step::Revert, "revert.after-batch"),
    (Step::Revert, "revert.after-freeze"),
    (Step::Revert, "revert.before-flip"),
    (Step::Revert, "revert.after-flip"),
    (Step::Finalize, "finalize.after-close"),
];

fn crash_and_finish(step: Step, failpoint: &str, seed: u64) {
    let mut w = World::revert_case();
    // The revert maps seeded a few rows per transaction: a kill between two.
    w.env.push(("MIG_SEED_CHUNK_ROWS", "7"));
    let writer = Writer::start_with(w.old.clone(), seed, case::old_workload);
    writer.wait_committed(10);
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    w.ok(Step::Drain);
    writer.stop();
    if step == Step::CutoverWindow {
        w.killed_at(step, failpoint);
    }
    // A re-run after the commit does only the old side.
    w.ok(Step::CutoverWindow);
    case::snapshot(&w.old, &w.new, w.dir());
    let new_service = Writer::start_with(w.new.clone(), seed + 1, case::new_workload);
    new_service.wait_committed(150);
    new_service.stop();
    if step == Step::Finalize {
        w.killed_at(step, failpoint);
        w.ok(Step::Finalize);
        let conn = rusqlite::Connection::open(&w.old).expect("open");
        let e = conn
            .execute("DELETE FROM Note", [])
            .expect_err("a finalized window leaves the old database retired");
        assert!(e.to_string().contains("retired"), "{e}");
        return;
    }
    if step == Step::Revert {
        w.killed_at(step, failpoint);
    }
    w.ok(Step::Revert);
    case::assert_old_is_inverse(&w.old, &w.new, w.dir());
    let conn = rusqlite::Connection::open(&w.old).expect("open");
    conn.execute(
        "INSERT INTO Note(Body) VALUES ('the old service again')",
        [],
    )
    .expect("the old database accepts writes after revert");
}

macro_rules! scenario_tests {
    ($($name:ident: $i:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let (step, point) = SCENARIOS[$i];
                crash_and_finish(step, point, 300 + $i as u64);
            }
        )*
        const TESTED: usize = [$($i),*].len();
    };
}

#[test]
fn each_revert_scenario_has_a_test() {
    assert_eq!(TESTED, SCENARIOS.len());
}

scenario_tests! {
    cutover_with_a_window_killed_before_the_standby_commit: 0;
    cutover_with_a_window_killed_between_two_seeding_transactions: 1;
    cutover_with_a_window_killed_before_the_seeding_delta_under_the_lock: 2;
    revert_killed_inside_a_reverse_batch: 3;
    revert_killed_after_a_reverse_batch: 4;
    revert_killed_after_freezing_the_new_database: 5;
    revert_killed_before_making_the_old_database_writable: 6;
    revert_killed_after_making_the_old_database_writable: 7;
    finalize_killed_after_closing_the_window: 8;
}

/// A cutover with a window killed while seeding the revert maps ahead of
/// its lock leaves them on the old database (recorded as mig's, not
/// drift); `reset` removes them with the recording, and the next migration
/// seeds its own maps and reverts to the inverse.
#[test]
fn reset_after_a_cutover_killed_while_seeding_the_revert_maps_leaves_nothing() {
    let mut w = World::revert_case();
    w.env.push(("MIG_SEED_CHUNK_ROWS", "7"));
    let writer = Writer::start_with(w.old.clone(), 320, case::old_workload);
    writer.wait_committed(10);
    w.ok(Step::Migrate);
    w.ok(Step::Drain);
    w.killed_at(Step::CutoverWindow, "window.seed-after-chunk@2");
    assert!(
        w.old_leftovers()
            .iter()
            .any(|n| n.starts_with("_mig_revert_map_")),
        "the killed cutover seeded no map: {:?}",
        w.old_leftovers()
    );
    w.ok(Step::Reset);
    assert_eq!(w.old_leftovers(), Vec::<String>::new());
    writer.wait_committed(writer.committed() + 10);
    for s in [Step::Migrate, Step::Drain, Step::CutoverWindow] {
        w.ok(s);
    }
    writer.stop();
    case::snapshot(&w.old, &w.new, w.dir());
    w.ok(Step::Revert);
    case::assert_old_is_inverse(&w.old, &w.new, w.dir());
}
