//! The scheduler's decisions (`Board`), without I/O.

use super::*;
use crate::fleet::file::Fleet;

fn fleet() -> Fleet {
    let t = |name: &str, deps: &str, wave: u32| {
        format!("[[target]]\nname = {name:?}\nagent = \"http://h:1\"\ndatabase = \"d\"\ndepends_on = {deps}\nwave = {wave}\n")
    };
    let text = format!(
        "[defaults]\nschema = \"s.sql\"\n{}{}{}{}",
        t("a", "[]", 1),
        t("b", "[]", 1),
        t("child", "[\"a\"]", 1),
        t("late", "[]", 2),
    );
    Fleet::parse(&text, std::path::Path::new(".")).expect("valid")
}

#[test]
fn dependents_wait_and_are_skipped_when_their_dependency_fails() {
    let f = fleet();
    let mut board = Board::new(
        &f.targets,
        &[true; 4],
        OnFailure::Continue,
        Order::CutOverFirst,
    );
    let waves = board.waves();
    assert_eq!(waves, [vec![0, 1, 2], vec![3]]);
    assert_eq!(board.ready(&waves[0], 9), [0, 1]);
    board.state[0] = State::Running;
    board.state[1] = State::Running;
    board.record(0, State::Failed);
    assert_eq!(
        board.blocked(&waves[0]),
        [(
            2,
            State::Skipped,
            "depends on a, which is failed".to_string()
        )]
    );
    assert!(
        board.blocked(&waves[1]).is_empty(),
        "continue: the next wave runs"
    );
    assert_eq!(board.ready(&waves[1], 9), [3]);
}

#[test]
fn stop_skips_everything_not_yet_started() {
    let f = fleet();
    let mut board = Board::new(&f.targets, &[true; 4], OnFailure::Stop, Order::CutOverFirst);
    board.state[0] = State::Running;
    board.record(1, State::Failed);
    let waves = board.waves();
    let blocked: Vec<usize> = waves
        .iter()
        .flat_map(|w| board.blocked(w))
        .map(|(i, _, _)| i)
        .collect();
    assert_eq!(blocked, [2, 3]);
}

/// Issue 18: under `--postpone-cutover` a dependent and the next wave
/// started as soon as their parent was *waiting*.
#[test]
fn dependents_and_later_waves_wait_for_cut_over_not_for_waiting() {
    let f = fleet();
    let mut board = Board::new(&f.targets, &[true; 4], OnFailure::Stop, Order::CutOverFirst);
    let waves = board.waves();
    board.record(0, State::Waiting);
    assert!(
        board.ready(&waves[0], 9).iter().all(|&i| i != 2),
        "child started"
    );
    assert_eq!(
        board.blocked(&waves[0]),
        [(
            2,
            State::Held,
            "waits for a to be cut over (a is waiting)".to_string()
        )]
    );
    board.state[2] = State::Held;
    board.record(1, State::CutOver);
    assert_eq!(
        board.blocked(&waves[1]),
        [(
            3,
            State::Held,
            "waits for wave 1 to be cut over (a is waiting)".to_string()
        )]
    );
    // Cut over, the parent lets its dependent start.
    let mut board = Board::new(&f.targets, &[true; 4], OnFailure::Stop, Order::CutOverFirst);
    board.record(0, State::CutOver);
    assert_eq!(board.ready(&waves[0], 9), [1, 2]);
}

#[test]
fn max_failures_lets_a_few_targets_fail_then_stops_the_rest() {
    let f = fleet();
    let mut board = Board::new(&f.targets, &[true; 4], OnFailure::Stop, Order::Free);
    board.allowed_failures = Some(FailureLimit::Percent(50.0).allowed(4));
    board.record(0, State::Failed);
    board.record(1, State::Failed);
    assert!(board.blocked(&[2, 3]).is_empty(), "two of four may fail");
    board.record(2, State::Cancelled);
    assert_eq!(
        board.blocked(&[3]),
        [(
            3,
            State::Skipped,
            "rollout stopped: 3 targets failed, more than the 2 allowed (max_failures); the last: child is cancelled".to_string()
        )]
    );
    assert_eq!(FailureLimit::parse("5%"), Some(FailureLimit::Percent(5.0)));
    assert_eq!(FailureLimit::parse("x"), None);
}

#[test]
fn reverse_order_runs_the_last_wave_first_and_dependents_before_their_dependency() {
    let f = fleet();
    let mut board = Board::new(&f.targets, &[true; 4], OnFailure::Stop, Order::Reverse);
    let waves = board.waves();
    assert_eq!(waves, [vec![3], vec![2, 1, 0]]);
    assert!(
        board.blocked(&waves[1]).is_empty(),
        "nothing held or skipped yet"
    );
    board.record(3, State::Reverted);
    assert_eq!(board.ready(&waves[1], 9), [2, 1], "a waits for child");
    board.record(2, State::Reverted);
    assert_eq!(board.ready(&waves[1], 9), [1, 0]);
    let mut board = Board::new(&f.targets, &[true; 4], OnFailure::Continue, Order::Reverse);
    board.record(2, State::Failed);
    assert_eq!(
        board.blocked(&[1, 0]),
        [(
            0,
            State::Skipped,
            "is depended on by child, which is failed".to_string()
        )]
    );
}

#[test]
fn free_order_runs_everything_in_one_wave_without_waiting() {
    let f = fleet();
    let board = Board::new(&f.targets, &[true; 4], OnFailure::Stop, Order::Free);
    assert_eq!(board.waves(), [vec![0, 1, 2, 3]]);
    assert_eq!(board.ready(&[0, 1, 2, 3], 9), [0, 1, 2, 3]);
}

#[test]
fn dependencies_outside_the_selection_are_not_waited_for() {
    let f = fleet();
    let board = Board::new(
        &f.targets,
        &[false, false, true, false],
        OnFailure::Stop,
        Order::CutOverFirst,
    );
    assert_eq!(board.waves(), [vec![2]]);
    assert_eq!(board.ready(&[2], 9), [2]);
}
