//! Every engine failpoint, killed during the command that reaches it, with a
//! writer on the old database: re-run the command, finish the runbook,
//! compare with the oracle. One test per (command, failpoint) so they run
//! in parallel; `every_failpoint_is_exercised` keeps the table complete.

use mig::engine::failpoint::POINTS;

use super::harness::{Step, World, RUNBOOK};
use crate::support::writer::Writer;

/// (command killed, `MIG_FAILPOINT` value). `@N` selects the N-th hit.
pub const SCENARIOS: &[(Step, &str)] = &[
    (Step::Migrate, "migrate.after-create"),
    (Step::Migrate, "record.mid-install"),
    (Step::Migrate, "record.after-install"),
    (Step::Migrate, "copy.after-chunk@1"),
    (Step::Migrate, "copy.after-chunk@3"),
    (Step::Migrate, "copy.between-tables@1"),
    (Step::Migrate, "copy.between-tables@3"),
    (Step::Migrate, "index.mid-build"),
    (Step::Migrate, "index.after-build"),
    (Step::Migrate, "migrate.after-copy"),
    (Step::Migrate, "replay.mid-batch"),
    (Step::Drain, "replay.mid-batch"),
    (Step::Drain, "replay.after-batch"),
    (Step::Drain, "drain.after-freeze"),
    (Step::Drain, "drain.before-finish"),
    (Step::Drain, "drain.after-finish"),
    (Step::Cutover, "cutover.before-commit"),
    (Step::Cutover, "cutover.after-commit"),
    (Step::CleanupOld, "remove.before-commit"),
    (Step::CleanupOld, "remove.after-commit"),
    (Step::Reset, "remove.before-commit"),
    (Step::Reset, "remove.after-commit"),
    (Step::Reset, "reset.before-delete-new"),
    (Step::Reset, "reset.mid-delete"),
    (Step::Drain, "verify.before-certify"),
    (Step::Drain, "verify.after-certify"),
    (Step::CleanupOld, "cleanup.after-batch"),
    // The recording's paced install (two statements a transaction here:
    // `World::shop`'s `MIG_PACED_STEPS`), killed between its transactions
    // and inside its second.
    (Step::Migrate, "record.after-batch@1"),
    (Step::Migrate, "record.mid-install@2"),
    (Step::Drain, "drain.before-freeze"),
    // The id mapping's paced removal after the commit (`World::shop`'s
    // `MIG_MAP_REMOVE_ROWS`: several transactions), killed after its first.
    (Step::Cutover, "cutover.after-mapping-batch@1"),
];

/// Failpoints no scenario above reaches (the shop world migrates without a
/// violation), each killed by a test of its own: the pre-check beside the
/// copy refusing, in `tests/cli/precheck_beside.rs`.
const KILLED_ELSEWHERE: &[&str] = &["migrate.precheck-refused"];

/// Kills `step` at `failpoint`, recovers, finishes and checks.
fn crash_and_finish(step: Step, failpoint: &str, seed: u64) {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), seed);
    writer.wait_committed(10);
    if step == Step::Reset {
        // Abandon a finished migrate, killed midway, then start over.
        w.ok(Step::Migrate);
        w.killed_at(Step::Reset, failpoint);
        w.ok(Step::Reset);
        assert!(!w.new.exists(), "reset left the new database");
        assert_eq!(w.old_leftovers(), Vec::<String>::new());
    }
    let mut writer = Some(writer);
    for s in RUNBOOK {
        if s == Step::CleanupOld {
            // cleanup-old lets writes through again: stop the writer first.
            let stats = writer.take().expect("writer").stop();
            assert!(stats.committed > 10, "writer: {stats:?}");
            assert!(w.assert_matches() > 2 * super::harness::ROWS as usize);
        }
        if s == step {
            match (s, writer.as_ref()) {
                (Step::Migrate, Some(wr)) if failpoint.starts_with("replay.") => {
                    // Writes recorded after the first copy chunk, so a
                    // replay (keeping up, before an index build or the
                    // catch-up) always has a batch to die in: on a loaded
                    // machine the writer could otherwise miss the copy.
                    w.killed_at_after(s, failpoint, "copy.after-chunk", || {
                        wr.wait_committed(wr.committed() + 5)
                    });
                }
                _ => w.killed_at(s, failpoint),
            }
            rerun(&w, s);
        } else {
            w.ok(s);
        }
        if let (Step::Migrate, Some(wr)) = (s, writer.as_ref()) {
            // Writes after the copy give drain a tail to replay.
            wr.wait_committed(wr.committed() + 20);
        }
    }
    assert_eq!(w.old_leftovers(), Vec::<String>::new());
    assert_eq!(w.new_mappings(), Vec::<String>::new());
    assert!(w.old_guards() > 0, "cleanup-old dropped the retired guard");
    // cleanup-old changed no data.
    w.assert_matches();
}

/// Re-runs the interrupted command without the failpoint. A cutover or
/// cleanup-old killed after its commit has nothing left to do and says so
/// (exit 1 with its documented refusal); the next steps check the state.
fn rerun(w: &World, step: Step) {
    let done = match step {
        Step::Cutover => "is already cut over (ready)",
        Step::CleanupOld => "is already cleaned up (retired: ",
        _ => return w.ok(step),
    };
    let out = w.command(step).output().expect("run mig");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || stderr.contains(done),
        "{step:?} re-run: {}",
        super::harness::show(&out)
    );
}

#[test]
fn every_failpoint_is_exercised() {
    for p in POINTS {
        assert!(
            SCENARIOS
                .iter()
                .chain(super::revert::SCENARIOS)
                .any(|(_, s)| s.split('@').next() == Some(*p))
                || KILLED_ELSEWHERE.contains(p),
            "failpoint {p} has no scenario in tests/faults/points.rs"
        );
    }
    eprintln!(
        "{} failpoints, {} kill scenarios",
        POINTS.len(),
        SCENARIOS.len()
    );
}

macro_rules! scenario_tests {
    ($($name:ident: $i:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let (step, point) = SCENARIOS[$i];
                crash_and_finish(step, point, 100 + $i as u64);
            }
        )*
        /// The macro's tests cover the whole table.
        const TESTED: usize = [$($i),*].len();
    };
}

#[test]
fn each_scenario_has_a_test() {
    assert_eq!(TESTED, SCENARIOS.len());
}

scenario_tests! {
    migrate_killed_after_creating_the_new_db: 0;
    migrate_killed_inside_the_recording_setup: 1;
    migrate_killed_after_the_recording_setup: 2;
    migrate_killed_after_the_first_copy_chunk: 3;
    migrate_killed_after_a_later_copy_chunk: 4;
    migrate_killed_after_the_first_table: 5;
    migrate_killed_after_the_third_table: 6;
    migrate_killed_inside_an_index_build: 7;
    migrate_killed_after_an_index_build: 8;
    migrate_killed_after_the_copy_flag: 9;
    migrate_killed_inside_a_replay_batch: 10;
    drain_killed_inside_a_replay_batch: 11;
    drain_killed_after_a_replay_batch: 12;
    drain_killed_between_freeze_and_replay: 13;
    drain_killed_before_its_finish: 14;
    drain_killed_after_its_finish: 15;
    cutover_killed_before_its_commit: 16;
    cutover_killed_after_its_commit: 17;
    cleanup_old_killed_before_its_commit: 18;
    cleanup_old_killed_after_its_commit: 19;
    reset_killed_before_its_old_commit: 20;
    reset_killed_after_its_old_commit: 21;
    reset_killed_before_deleting_the_new_db: 22;
    reset_killed_between_deleting_files: 23;
    drain_killed_before_recording_its_verification: 24;
    drain_killed_after_recording_its_verification: 25;
    cleanup_old_killed_between_its_paced_transactions: 26;
    migrate_killed_between_its_recording_transactions: 27;
    migrate_killed_inside_its_second_recording_transaction: 28;
    drain_killed_after_its_catch_up_before_the_freeze: 29;
    cutover_killed_between_its_id_mapping_removal_transactions: 30;
}

/// A migrate killed between two transactions of its recording's install
/// (some tables recording, some not, a writer on all of them) is
/// abandoned by `reset`: no mig table or trigger left on the old
/// database, no new file; the next migrate starts over and the runbook
/// ends equal to the oracle.
#[test]
fn reset_after_a_migrate_killed_between_its_recording_transactions_leaves_nothing() {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), 140);
    writer.wait_committed(10);
    w.killed_at(Step::Migrate, "record.after-batch@2");
    assert!(
        !w.old_leftovers().is_empty(),
        "the killed migrate committed none of its recording"
    );
    w.ok(Step::Reset);
    assert!(!w.new.exists(), "reset left the new database");
    assert_eq!(w.old_leftovers(), Vec::<String>::new());
    writer.wait_committed(writer.committed() + 10);
    for s in [Step::Migrate, Step::Drain, Step::Cutover] {
        w.ok(s);
    }
    let stats = writer.stop();
    assert!(stats.committed > 10, "writer: {stats:?}");
    w.assert_matches();
}
