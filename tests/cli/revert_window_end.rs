//! How a revert window ends, as a new user met it: a revert asked for
//! after the window's end (locally nothing closes it) is refused with a
//! line true about the writes taken since — they are still recorded (they
//! were said to be "no longer kept"); and `release-old` during an open
//! window closes it only when told to (`--close-revert-window`), which its
//! output then says (it closed it unasked and said nothing, and the
//! following `mig revert` was the first sign the way back was gone).

use std::time::{Duration, Instant};

use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::harness::{Project, FAILED};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn run(p: &Project, args: &[&str]) -> super::harness::Run {
    let mut all = args.to_vec();
    all.extend_from_slice(&FILES);
    p.mig(&all)
}

fn cut_over_with_window(window: &str) -> Project {
    let p = Project::empty("shop");
    case::create_old(&p.path("old.db"));
    p.write("schema.sql", case::SCHEMA);
    run(&p, &["migrate", "--accept-data-loss"]).ok();
    run(&p, &["drain"]).ok();
    run(&p, &["cutover", "--revert-window", window]).ok();
    p
}

fn reverse_log_rows(p: &Project) -> i64 {
    let c = rusqlite::Connection::open(p.path("new.db")).expect("open new.db");
    c.query_row("SELECT count(*) FROM _mig_revert_log", [], |r| r.get(0))
        .expect("count the reverse log")
}

#[test]
fn revert_after_the_window_ended_says_the_writes_are_still_recorded_and_what_to_do() {
    let p = cut_over_with_window("1s");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !run(&p, &["status"])
        .ok()
        .line_starting("next: ")
        .contains("the revert window ended at")
    {
        assert!(Instant::now() < deadline, "the 1 s window never ended");
    }
    let before = reverse_log_rows(&p);
    let writer = Writer::start_with(p.path("new.db"), 71, case::new_workload);
    writer.wait_committed(20);
    writer.stop();
    assert!(
        reverse_log_rows(&p) > before,
        "writes after the window's end are recorded"
    );
    let line = run(&p, &["revert"])
        .fails(
            FAILED,
            "revert failed: the revert window of new.db ended at ",
        )
        .to_string();
    assert!(
        line.contains("every write it took is still recorded"),
        "{line}"
    );
    assert!(!line.contains("no longer kept"), "{line}");
    assert!(line.contains("`mig finalize` closes it"), "{line}");
}

#[test]
fn release_old_told_to_close_an_open_window_says_it_closed_the_window() {
    let p = cut_over_with_window("1h");
    let writer = Writer::start_with(p.path("new.db"), 72, case::new_workload);
    writer.wait_committed(20);
    writer.stop();
    run(&p, &["release-old", "--yes"]).fails(
        FAILED,
        "release-old failed: refusing to close the revert window of ",
    );
    run(&p, &["release-old", "--yes", "--close-revert-window"]).ok().has_line(
        "revert window closed first (the old database was a standby): `mig revert` is no longer possible",
    );
    run(&p, &["revert"]).fails(
        FAILED,
        "revert failed: the revert window of new.db was closed (cleanup-old at ",
    );
}
