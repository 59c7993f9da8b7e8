//! An operator "extending" an open revert window: `mig cutover
//! --revert-window 1h` (or `drain --cutover --revert-window 1h`) after a
//! cutover that opened a 2-minute window. A window's length is set at
//! cutover; before, both said "already drained and cut over; nothing to
//! do" and exited 0, the asked hour silently not applied (seen with a
//! JupyterHub database). Now refused in one line, nothing changed; the
//! same length is still the completed step run again.

use super::harness::{Project, FAILED};
use super::real_agent::operator_on;
use crate::support::agent::TestAgent;
use crate::support::revert_case as case;

#[test]
fn a_revert_window_of_another_length_after_cutover_is_refused_not_silently_ignored() {
    let p = Project::empty("shop");
    case::create_old(&p.path("old.db"));
    p.write("schema.sql", case::SCHEMA);
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let operator = operator_on(&agent, "shop", p.dir.clone());
    operator(&["migrate", "--schema", "schema.sql", "--accept-data-loss"]).ok();
    operator(&["drain", "--cutover", "--revert-window", "2m"]).ok();
    let window = |run: super::harness::Run| {
        run.line_starting("revert window: open until ")
            .split(" (")
            .next()
            .map(str::to_string)
    };
    let before = window(operator(&["status"]).ok());

    for cmd in [&["cutover"][..], &["drain", "--cutover"][..]] {
        let run = operator(&[cmd, &["--revert-window", "1h"][..]].concat());
        let line = run.fails(FAILED, &format!("{} failed: ", cmd[0]));
        assert!(
            line.contains("already cut over with a revert window of 120 s"),
            "{line}"
        );
        assert!(
            line.contains("--revert-window 3600 s was not applied; nothing was changed"),
            "{line}"
        );
        assert!(line.contains("`mig finalize` closes it now"), "{line}");
    }
    assert_eq!(
        window(operator(&["status"]).ok()),
        before,
        "the window changed"
    );

    let again = operator(&["cutover", "--revert-window", "2m"]).ok();
    assert!(again.stdout.contains("nothing to do"), "{again:#?}");
    let plain = operator(&["cutover"]).ok();
    assert!(plain.stdout.contains("nothing to do"), "{plain:#?}");
}
