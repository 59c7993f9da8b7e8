//! `plan` and the revert window an agent opens by default (`revert_window`
//! in agent.toml): a schema lacking the `mig:revert` a window needs used
//! to plan as "can migrate: yes" with a warning only, and `cutover` was
//! then refused after `drain`, the service's writes refused until the
//! operator acted. The plan's verdict now names it as a blocker of that
//! window with both ways on; locally (no default window) it says nothing.
//! Found by the Airflow run (docs/reliability.md).

use crate::support::agent::{Setup, TestAgent};

use super::harness::{Project, FAILED};
use super::real_agent::mig_as;

const OLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL);
INSERT INTO item (name, price) VALUES ('a', 1.5), ('b', 2.25), ('c', 10);";

/// Cents from the price; without a `mig:revert price = …` no way back.
const SCHEMA: &str = "-- mig:set price_cents = CAST(round(price * 100) AS INTEGER)
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL);
";

const WINDOW_BLOCKER: &str = "blockers of the default revert window:";

#[test]
fn plan_over_an_agent_with_a_default_revert_window_names_the_missing_revert_as_its_blocker() {
    let p = Project::custom("shop", OLD, SCHEMA);
    let setup = Setup {
        per_database: "revert_window = \"30m\"\n".into(),
        ..Setup::default()
    };
    let home = p.path("agent");
    std::fs::create_dir(&home).expect("agent dir");
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let agent = TestAgent::start_with(&home, &[("shop", &old, &new)], setup);
    let op = |cmd: &[&str]| mig_as(&p.dir, &agent, ("operator", "shop"), cmd);

    // Migrate can run: exit 0, and the verdict says the window cannot.
    let plan = op(&["plan"]).ok();
    let at = plan
        .stdout
        .lines()
        .position(|l| l == WINDOW_BLOCKER)
        .unwrap_or_else(|| panic!("no window blocker:\n{}", plan.stdout));
    let blocker = plan.stdout.lines().nth(at + 1).unwrap_or_default();
    assert!(blocker.contains("revert window of 30m"), "{blocker}");
    assert!(blocker.contains("mig:revert"), "{blocker}");
    assert!(
        blocker.ends_with("or cut over with `--revert-window 0`"),
        "{blocker}"
    );
    plan.has_line(
        "can migrate: yes; cutover with the agent's default revert window (30m): no (see above)",
    );

    // With the line added, the agent's window has no blocker.
    p.write(
        "schema2.sql",
        &format!("-- mig:revert price = price_cents / 100.0\n{SCHEMA}"),
    );
    let fixed = op(&["plan", "--schema", "schema2.sql"]).ok();
    assert!(!fixed.stdout.contains(WINDOW_BLOCKER), "{}", fixed.stdout);
    fixed.has_line("can migrate: yes");

    // Locally no window opens by default: nothing to say.
    let local = p
        .mig(&["--old", "old.db", "--new", "local-new.db", "plan"])
        .ok();
    assert!(!local.stdout.contains(WINDOW_BLOCKER), "{}", local.stdout);
    local.has_line("can migrate: yes");

    // It is true where it is felt: cutover after drain is refused, and the
    // way the line names goes on.
    op(&["migrate"]).ok();
    op(&["drain"]).ok();
    let refused = op(&["cutover"]);
    let line = refused.fails(FAILED, "cutover failed: ");
    assert!(line.contains("revert window"), "{line}");
    op(&["cutover", "--revert-window", "0"]).ok();
}
