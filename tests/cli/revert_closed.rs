//! A revert asked for after the operator closed the window with
//! `cleanup-old --close-revert-window` (what cleanup-old's own refusal
//! suggests while a window is open): the refusal says what to do instead.
//! The bug it guards: it said only "a revert is no longer possible".

use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::harness::{Project, FAILED};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn run(p: &Project, args: &[&str]) -> super::harness::Run {
    let mut all = args.to_vec();
    all.extend_from_slice(&FILES);
    p.mig(&all)
}

#[test]
fn revert_after_cleanup_old_closed_the_window_says_what_to_do_instead() {
    let p = Project::empty("shop");
    case::create_old(&p.path("old.db"));
    p.write("schema.sql", case::SCHEMA);
    run(&p, &["migrate", "--accept-data-loss"]).ok();
    run(&p, &["drain", "--cutover", "--revert-window", "1h"]).ok();
    let writer = Writer::start_with(p.path("new.db"), 73, case::new_workload);
    writer.wait_committed(20);
    writer.stop();
    run(&p, &["cleanup-old"]).fails(
        FAILED,
        "cleanup-old failed: refusing to close the revert window of new.db",
    );
    run(&p, &["cleanup-old", "--close-revert-window"]).ok();
    let line = run(&p, &["revert"])
        .fails(
            FAILED,
            "revert failed: the revert window of new.db was closed (cleanup-old at ",
        )
        .to_string();
    assert!(
        line.ends_with("a revert is no longer possible: stay on new.db, or go back to the old schema with a new migration from new.db (its schema file the old one)"),
        "{line}"
    );
}
