//! `release-old` asks before the old database takes writes again, but only
//! once the agent said the release can run (a `check_only` request): off a
//! terminal without `--yes`, the agent's own refusal (not cut over yet)
//! used to be hidden behind "pass --yes", so the user's first answer was
//! not the real one. Found by the Airflow run (docs/reliability.md).

use super::harness::{Project, FAILED, USAGE};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn run(p: &Project, args: &[&str]) -> super::harness::Run {
    p.mig(&[&args[..1], &FILES[..], &args[1..]].concat())
}

#[test]
fn release_old_off_a_terminal_says_the_agents_refusal_first_and_asks_only_when_it_could_run() {
    let p = Project::shop(10);
    p.migrate(&[]).ok();
    let before = std::fs::read(p.path("old.db")).expect("old bytes");

    // Not cut over: the agent's answer, not a request for --yes.
    let early = run(&p, &["release-old"]);
    let line = early.fails(FAILED, "release-old failed: ");
    assert!(line.contains("is not cut over"), "{line}");
    assert!(!early.stderr.contains("--yes"), "{early:#?}");
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), before);

    // Cut over: now the release could run, and only now it asks.
    run(&p, &["drain"]).ok();
    run(&p, &["cutover"]).ok();
    let asked = run(&p, &["release-old"]);
    let line = asked.fails(
        USAGE,
        "release-old failed: release-old asks for confirmation",
    );
    assert!(line.ends_with("pass --yes"), "{line}");
    let write = "UPDATE Customer SET Email = 'back@example.com' WHERE CustomerId = 1";
    let refused = rusqlite::Connection::open(p.path("old.db"))
        .and_then(|c| c.execute_batch(write))
        .expect_err("the old database took a write though release-old was not confirmed");
    assert!(refused.to_string().contains("retired"), "{refused}");

    run(&p, &["release-old", "--yes"]).ok();
    p.sql("old.db", write);

    // Released already: the agent says so (nothing to do), no question.
    let again = run(&p, &["release-old"]).ok();
    assert!(!again.stderr.contains("--yes"), "{again:#?}");
}
