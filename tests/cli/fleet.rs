//! `mig fleet` against real `mig-agent` processes over mutual TLS (one CA
//! per agent, so per-target TLS material is exercised): plan over several
//! agents with a blocked and an unreachable one, a rollout with a
//! dependency and two waves checked against the oracle, continuing from the
//! agents' state, a failure under each policy, and a fleet file refused
//! before any network call.

use std::path::{Path, PathBuf};

use crate::support::agent::TestAgent;
use crate::support::{fixture, oracle};

use super::harness::{mig_in, Run, FAILED, USAGE};

/// A temp folder holding one sub-folder per agent and the fleet file.
pub(super) struct Site {
    _tmp: tempfile::TempDir,
    pub(super) dir: PathBuf,
    agents: Vec<(String, TestAgent)>,
}

impl Site {
    /// One agent per `(agent, databases)`, each database a shop fixture
    /// with `rows` customers; the fixture's schema as `schema.sql`.
    pub(super) fn start(agents: &[(&str, &[&str])], rows: i64) -> Site {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join("schema.sql"), fixture::NEW_SCHEMA).expect("schema");
        let mut started = Vec::new();
        for (agent, databases) in agents {
            let home = dir.join(agent);
            std::fs::create_dir(&home).expect("agent dir");
            let files: Vec<(String, PathBuf, PathBuf)> = databases
                .iter()
                .map(|d| {
                    let old = home.join(format!("{d}.db"));
                    drop(fixture::create_old(&old, rows));
                    (d.to_string(), old, home.join(format!("{d}-new.db")))
                })
                .collect();
            let spec: Vec<(&str, &Path, &Path)> = files
                .iter()
                .map(|(n, o, w)| (n.as_str(), o.as_path(), w.as_path()))
                .collect();
            started.push((agent.to_string(), TestAgent::start(&home, &spec)));
        }
        Site {
            _tmp: tmp,
            dir,
            agents: started,
        }
    }

    pub(super) fn agent(&self, name: &str) -> &TestAgent {
        &self
            .agents
            .iter()
            .find(|(n, _)| n == name)
            .expect("agent")
            .1
    }

    /// A `[[target]]` entry for `database` on `agent`, with its TLS files.
    pub(super) fn target(&self, name: &str, agent: &str, database: &str, extra: &str) -> String {
        format!(
            "[[target]]\nname = {name:?}\nagent = {:?}\ndatabase = {database:?}\nca = \"{agent}/certs/ca.pem\"\ncert = \"{agent}/certs/operator.pem\"\nkey = \"{agent}/certs/operator-key.pem\"\n{extra}\n",
            self.agent(agent).url()
        )
    }

    pub(super) fn write_fleet(&self, defaults: &str, targets: &[String]) {
        let text = format!(
            "[defaults]\nschema = \"schema.sql\"\n{defaults}\n\n{}",
            targets.join("\n")
        );
        std::fs::write(self.dir.join("fleet.toml"), text).expect("fleet.toml");
    }

    pub(super) fn mig(&self, args: &[&str]) -> Run {
        mig_in(&self.dir, args)
    }

    pub(super) fn db(&self, agent: &str, file: &str) -> PathBuf {
        self.dir.join(agent).join(file)
    }
}

/// The last stdout line starting with `target` and a space: its row in
/// the last table printed (the summary, after a rollout's plan).
pub(super) fn row<'a>(run: &'a Run, target: &str) -> &'a str {
    let prefix = format!("{target} ");
    run.stdout
        .lines()
        .rev()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no row for {target} in:\n{}", run.stdout))
}

/// Where a line first appears in stdout.
fn position(run: &Run, line: &str) -> usize {
    run.stdout
        .lines()
        .position(|l| l.starts_with(line))
        .unwrap_or_else(|| panic!("no line `{line}` in:\n{}", run.stdout))
}

#[test]
fn plan_lists_every_target_with_blocked_and_unreachable_ones() {
    let mut site = Site::start(&[("a", &["shop"]), ("b", &["shop"]), ("c", &["shop"])], 10);
    std::fs::write(
        site.dir.join("blocked.sql"),
        "-- mig:from Nope\nCREATE TABLE thing (id INTEGER PRIMARY KEY);\n",
    )
    .expect("schema");
    let targets = [
        site.target("ok", "a", "shop", ""),
        site.target("blocked", "b", "shop", "schema = \"blocked.sql\""),
        site.target("gone", "c", "shop", "depends_on = [\"ok\"]"),
    ];
    site.write_fleet("", &targets);
    site.agents[2].1.kill();
    let run = site.mig(&["fleet", "plan", "-f", "fleet.toml"]);
    run.fails(FAILED, "fleet plan failed: 2 of 3 targets cannot run");
    assert!(run.stdout.starts_with("TARGET "), "{run:#?}");
    assert!(row(&run, "ok").ends_with("  yes"), "{run:#?}");
    assert!(row(&run, "ok").contains("  43  "), "rows to copy: {run:#?}");
    // Each target's risk, as `mig plan` rates it (product is renumbered).
    assert!(
        run.stdout.starts_with("TARGET ")
            && run
                .stdout
                .lines()
                .next()
                .is_some_and(|h| h.contains("  RISK  "))
    );
    assert!(row(&run, "ok").contains("  MEDIUM "), "{run:#?}");
    assert!(row(&run, "blocked").ends_with("  no"), "{run:#?}");
    assert!(row(&run, "gone").ends_with("  unreachable"), "{run:#?}");
    run.has_line("cannot run:");
    assert!(run
        .line_starting("  blocked: blocked: ")
        .contains("mig:from Nope"));
    assert!(
        run.line_starting("  gone: unreachable: cannot reach the agent at https://localhost:")
            .len()
            < 400
    );
    run.has_line("execution order:")
        .has_line("  wave 1: ok, blocked, gone (after ok)");
}

#[test]
fn a_target_its_agent_refuses_is_listed_as_refused_not_unreachable() {
    let site = Site::start(&[("a", &["shop"])], 5);
    let targets = [
        site.target("ok", "a", "shop", ""),
        site.target("typo", "a", "shopp", ""),
    ];
    site.write_fleet("", &targets);
    let run = site.mig(&["fleet", "plan", "-f", "fleet.toml"]);
    run.fails(FAILED, "fleet plan failed: 1 of 2 targets cannot run");
    assert!(row(&run, "typo").ends_with("  refused"), "{run:#?}");
    assert!(run
        .line_starting("  typo: refused by the agent: unknown database \"shopp\"")
        .ends_with("this agent serves: shop"));
    // The agent answered: exit 1 (refused), not 3 (unreachable).
    let run = site.mig(&["fleet", "status", "-f", "fleet.toml"]);
    assert_eq!(
        run.fails(FAILED, "fleet status failed: "),
        "fleet status failed: 1 of 2 targets refused by their agent (listed above)"
    );
    assert!(row(&run, "typo").contains("  refused  "), "{run:#?}");
}

#[test]
fn rollout_honours_waves_and_dependencies_and_continues_from_the_agents() {
    let site = Site::start(&[("east", &["ref", "shop"]), ("west", &["shop"])], 30);
    let targets = [
        site.target("west-shop", "west", "shop", "wave = 2"),
        site.target("east-shop", "east", "shop", "depends_on = [\"east-ref\"]"),
        site.target("east-ref", "east", "ref", "priority = 1"),
    ];
    site.write_fleet("concurrency = 2", &targets);
    let before = site.mig(&["fleet", "status", "-f", "fleet.toml"]).ok();
    for t in ["west-shop", "east-shop", "east-ref"] {
        assert!(row(&before, t).contains("  not started  "), "{before:#?}");
    }

    let run = site
        .mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    // East's reference data is cut over before its shop starts; wave 2
    // starts after wave 1 is done.
    let ref_done = position(&run, "east-ref: cut over:");
    assert!(ref_done < position(&run, "east-shop: running: migrate"));
    let wave1_done = position(&run, "east-shop: cut over:").max(ref_done);
    assert!(wave1_done < position(&run, "west-shop: running: migrate"));
    let totals = run.stdout.lines().rfind(|l| l.starts_with("rollout r"));
    assert!(
        totals.is_some_and(|t| t.ends_with(": 3 cut over")),
        "{run:#?}"
    );
    assert_eq!(
        run.stdout.lines().last(),
        Some("next: `mig fleet cleanup-old` once the new services run on the new databases")
    );
    for t in ["west-shop", "east-shop", "east-ref"] {
        assert!(row(&run, t).contains("  cut over  "), "{run:#?}");
    }
    for (agent, db) in [("east", "ref"), ("east", "shop"), ("west", "shop")] {
        let old = site.db(agent, &format!("{db}.db"));
        let new = site.db(agent, &format!("{db}-new.db"));
        assert!(oracle::assert_matches(&old, &new) > 0);
    }

    let status = site.mig(&["fleet", "status", "-f", "fleet.toml"]).ok();
    for t in ["west-shop", "east-shop", "east-ref"] {
        assert!(row(&status, t).contains("  cut over  "), "{status:#?}");
    }
    let again = site
        .mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    assert!(!again.stdout.contains("running"), "{again:#?}");
    again.has_line("nothing to start: all 3 target(s) are cut over already");
}

/// Migrates on the plan, then fails after the copy: the deferred UNIQUE
/// index on an expression (which plan's constraint pre-check does not
/// evaluate) meets many names of one length.
const FAILS_IN_COPY: &str = "-- mig:from Customer\n-- mig:set id = CustomerId\n-- mig:set full_name = FirstName\n-- mig:set email = lower(Email)\nCREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT);\nCREATE UNIQUE INDEX customer_name_length ON customer(length(full_name));\n";

/// Eight agents (one database each), two waves, a failure injected in
/// wave 2: wave 1 is cut over, the failed target's dependent never starts,
/// the independent ones go on under `continue`; under `stop` nothing new
/// starts after the failure. Summary and exit status say exactly that.
#[test]
fn a_failed_target_skips_its_dependents_and_the_policy_decides_the_rest() {
    let names = ["a1", "a2", "a3", "b1", "bad", "child", "b2", "b3"];
    let spec: Vec<(&str, &[&str])> = names.iter().map(|n| (*n, &["shop"][..])).collect();
    let site = Site::start(&spec, 14);
    std::fs::write(site.dir.join("fails.sql"), FAILS_IN_COPY).expect("schema");
    let targets = [
        site.target("a1", "a1", "shop", ""),
        site.target("a2", "a2", "shop", "depends_on = [\"a1\"]"),
        site.target("a3", "a3", "shop", ""),
        site.target("b1", "b1", "shop", "wave = 2"),
        site.target(
            "bad",
            "bad",
            "shop",
            "wave = 2\nschema = \"fails.sql\"\naccept_data_loss = true",
        ),
        site.target("child", "child", "shop", "wave = 2\ndepends_on = [\"bad\"]"),
        site.target("b2", "b2", "shop", "wave = 2\ndepends_on = [\"b1\"]"),
        site.target("b3", "b3", "shop", "wave = 2"),
    ];
    site.write_fleet("concurrency = 3\non_failure = \"continue\"", &targets);
    let run = site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"]);
    run.fails(
        FAILED,
        "fleet rollout failed: 1 target(s) failed, 1 skipped",
    );
    for t in ["a1", "a2", "a3", "b1", "b2", "b3"] {
        assert!(row(&run, t).contains("  cut over  "), "{t}: {run:#?}");
    }
    assert!(row(&run, "bad").contains("  failed  "), "{run:#?}");
    assert!(
        row(&run, "bad").contains("UNIQUE constraint failed"),
        "{run:#?}"
    );
    assert!(row(&run, "child").ends_with("  depends on bad, which is failed"));
    assert!(!run.stdout.contains("child: running"), "{run:#?}");
    assert_eq!(
        run.stdout.lines().last().map(|l| l.split(": ").nth(1)),
        Some(Some("6 cut over, 1 failed, 1 skipped"))
    );
    let wave1_done = ["a1", "a2", "a3"]
        .iter()
        .map(|t| position(&run, &format!("{t}: cut over:")))
        .max();
    let wave2_start = ["b1", "bad", "b3"]
        .iter()
        .map(|t| position(&run, &format!("{t}: running: migrate")))
        .min();
    assert!(wave1_done < wave2_start, "{run:#?}");

    // The failed target was never drained: its old database still takes
    // writes. Under `stop`, nothing new starts after the failure.
    rusqlite::Connection::open(site.db("bad", "shop.db"))
        .expect("open")
        .execute("INSERT INTO Product VALUES ('P-new', 'new', 1.0)", [])
        .expect("the old database keeps serving");
    site.write_fleet("concurrency = 1\non_failure = \"stop\"", &targets);
    let run = site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"]);
    run.fails(
        FAILED,
        "fleet rollout failed: 1 target(s) failed, 1 skipped",
    );
    assert!(row(&run, "a1").ends_with("  already cut over"), "{run:#?}");
    assert!(row(&run, "child").ends_with("rollout stopped: bad is failed"));
}

#[test]
fn a_bad_fleet_file_is_refused_before_any_network_call() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let target = |name: &str, deps: &str| {
        format!("[[target]]\nname = {name:?}\nagent = \"http://agent.invalid:1\"\ndatabase = \"shop\"\ndepends_on = {deps}\n")
    };
    let write = |text: String| std::fs::write(tmp.path().join("fleet.toml"), text).expect("write");
    write(format!(
        "[defaults]\nschema = \"missing.sql\"\n{}{}{}",
        target("a", "[\"c\"]"),
        target("b", "[\"a\"]"),
        target("c", "[\"b\"]"),
    ));
    for cmd in ["plan", "rollout", "status"] {
        mig_in(
            tmp.path(),
            &["fleet", cmd, "-f", "fleet.toml", "--yes"][..if cmd == "rollout" { 5 } else { 4 }],
        )
        .fails(
            USAGE,
            &format!("fleet {cmd} failed: depends_on has a cycle: a -> c -> b -> a"),
        );
    }
    write(format!(
        "[defaults]\nschema = \"s.sql\"\n{}",
        target("a", "[\"ghost\"]")
    ));
    mig_in(tmp.path(), &["fleet", "plan"]).fails(
        USAGE,
        "fleet plan failed: target \"a\" depends on unknown target \"ghost\"",
    );
    write(format!(
        "[defaults]\nschema = \"s.sql\"\n{}",
        target("a", "[]")
    ));
    mig_in(tmp.path(), &["fleet", "rollout"]).fails(
        USAGE,
        "fleet rollout failed: rollout asks for confirmation and stdin is not a terminal; pass --yes",
    );
}

#[test]
fn step_wise_commands_gate_each_phase_and_rollout_continues_from_there() {
    let site = Site::start(&[("a", &["one", "two", "three"])], 8);
    let targets = [
        site.target("one", "a", "one", ""),
        site.target("two", "a", "two", ""),
        site.target("three", "a", "three", ""),
    ];
    site.write_fleet("", &targets);
    let fleet = |args: &[&str]| {
        let mut all = vec!["fleet"];
        all.extend_from_slice(args);
        site.mig(&all)
    };
    let run = fleet(&["rollout", "--yes", "--postpone-cutover"]).ok();
    for t in ["one", "two", "three"] {
        assert!(row(&run, t).contains("  waiting  "), "{run:#?}");
    }
    let status = fleet(&["status"]).ok();
    assert!(row(&status, "one").contains("  recording  "), "{status:#?}");

    // Re-running the rollout picks up recording databases.
    let run = fleet(&["rollout", "--yes", "--postpone-cutover"]).ok();
    assert!(row(&run, "two").ends_with("  caught up; cutover postponed"));

    let run = fleet(&["drain", "--only", "one"]).ok();
    assert!(row(&run, "one").contains("  drained  "), "{run:#?}");
    assert!(!run.stdout.contains("two:"), "{run:#?}");
    let run = fleet(&["cutover", "--only", "one", "two"]).ok();
    assert!(
        row(&run, "one").ends_with("  this run: cutover"),
        "{run:#?}"
    );
    assert!(
        row(&run, "two").contains("  this run: drain, cutover; writes refused for "),
        "{run:#?}"
    );

    fleet(&["cancel", "--only", "three"])
        .ok()
        .has_line("three: no running job; the old database serves");
    fleet(&["reset", "--only", "three"]).fails(
        USAGE,
        "fleet reset failed: reset asks for confirmation and stdin is not a terminal; pass --yes, or --dry-run to see what it would do",
    );
    fleet(&["reset", "--only", "three", "--dry-run"])
        .ok()
        .line_starting("three: would drop ");
    fleet(&["reset", "--only", "three", "--yes"])
        .ok()
        .line_starting("three: drop ");
    let status = fleet(&["status"]).ok();
    assert!(row(&status, "two").contains("  cut over  "), "{status:#?}");
    assert!(
        row(&status, "three").contains("  not started  "),
        "{status:#?}"
    );
    fleet(&["reset", "--only", "one", "--yes"])
        .fails(FAILED, "fleet reset failed: 1 target(s) failed");
    fleet(&["migrate", "--only", "nope"]).fails(
        USAGE,
        "fleet migrate failed: --only names unknown target \"nope\"",
    );

    let run = fleet(&["migrate", "--json"]).ok();
    let summary: serde_json::Value =
        serde_json::from_str(run.stdout.lines().last().expect("summary")).expect("json");
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["targets"][2]["state"], "waiting");
    for line in run.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
        assert!(
            v["rollout"].as_str().is_some_and(|r| r.starts_with('r')),
            "{line}"
        );
    }
    fleet(&["cutover"]).ok();
    for db in ["one", "two", "three"] {
        let old = site.db("a", &format!("{db}.db"));
        oracle::assert_matches(&old, &site.db("a", &format!("{db}-new.db")));
    }
}

/// Issue 18: with `--postpone-cutover` a dependent and the next wave
/// started as soon as their parent was *waiting*, and `fleet cutover` cut
/// every wave over in one run. A dependency means cut over: dependents are
/// held (the summary says why and what to run), each `fleet cutover` frees
/// the next step; `fleet verify` certifies what is migrated and `fleet
/// cleanup-old` ends it; `fleet status` names the fleet command to run.
#[test]
fn a_postponed_dependency_holds_its_dependents_until_it_is_cut_over() {
    let site = Site::start(&[("a", &["ref", "shop", "late"])], 8);
    let targets = [
        site.target("ref", "a", "ref", ""),
        site.target("shop", "a", "shop", "depends_on = [\"ref\"]"),
        site.target("late", "a", "late", "wave = 2"),
    ];
    site.write_fleet("", &targets);
    let fleet = |args: &[&str]| {
        let mut all = vec!["fleet"];
        all.extend_from_slice(args);
        site.mig(&all)
    };
    let postponed = ["rollout", "--yes", "--postpone-cutover"];
    let run = fleet(&postponed).ok();
    assert!(row(&run, "ref").contains("  waiting  "), "{run:#?}");
    assert!(
        row(&run, "shop").contains("  held  ")
            && row(&run, "shop").ends_with("  waits for ref to be cut over (ref is waiting)"),
        "{run:#?}"
    );
    assert!(
        row(&run, "late").ends_with("waits for wave 1 to be cut over (ref is waiting)"),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("shop: running"), "{run:#?}");
    run.has_line("next: `mig fleet cutover` cuts over the 1 waiting target(s); then `mig fleet rollout --postpone-cutover` starts the 2 held");

    let status = fleet(&["status"]).ok();
    assert!(
        row(&status, "shop").ends_with("  waits for ref to be cut over"),
        "{status:#?}"
    );
    assert!(
        row(&status, "ref").ends_with(
            "  `mig fleet cutover --only ref` (drains, verifying first, then cuts over)"
        ),
        "{status:#?}"
    );

    // Cutover frees the next step only: the held targets stay held.
    let run = fleet(&["cutover"]).ok();
    assert!(row(&run, "ref").contains("  cut over  "), "{run:#?}");
    assert!(row(&run, "shop").contains("  held  "), "{run:#?}");
    assert!(row(&run, "late").contains("  held  "), "{run:#?}");
    let run = fleet(&postponed).ok();
    assert!(row(&run, "shop").contains("  waiting  "), "{run:#?}");
    assert!(
        row(&run, "late").ends_with("waits for wave 1 to be cut over (shop is waiting)"),
        "{run:#?}"
    );

    // Verify certifies what is migrated, in place.
    let run = fleet(&["verify"]).ok();
    assert!(
        row(&run, "shop").contains("  waiting  ")
            && row(&run, "shop")
                .contains("verified 35 rows in 4 tables, 0 differences (certified)"),
        "{run:#?}"
    );
    assert!(row(&run, "ref").ends_with("  already cut over"), "{run:#?}");
    assert!(row(&run, "late").contains("not migrated yet"), "{run:#?}");
    let status = fleet(&["status", "--json"]).ok();
    let lines: Vec<serde_json::Value> = status
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines[1]["status"]["certified"], true, "{lines:#?}");
    assert_eq!(lines[3]["event"], "totals", "{lines:#?}");
    assert_eq!(lines[3]["targets"], 3, "{lines:#?}");

    fleet(&["cutover"]).ok();
    fleet(&postponed).ok();
    let run = fleet(&["cutover"]).ok();
    assert!(row(&run, "late").contains("  cut over  "), "{run:#?}");

    let run = fleet(&["cleanup-old"]).ok();
    for t in ["ref", "shop", "late"] {
        assert!(
            run.line_starting(&format!("{t}: "))
                .starts_with(&format!("{t}: cleaned up the old database: dropped ")),
            "{run:#?}"
        );
    }
    let status = fleet(&["status"]).ok();
    for t in ["ref", "shop", "late"] {
        assert!(row(&status, t).contains("  retired  "), "{status:#?}");
        assert!(row(&status, t).ends_with("  done"), "{status:#?}");
    }
    fleet(&["cleanup-old", "--only", "ref"])
        .ok()
        .has_line("ref: already cleaned up");
    for db in ["ref", "shop", "late"] {
        let old = site.db("a", &format!("{db}.db"));
        oracle::assert_matches(&old, &site.db("a", &format!("{db}-new.db")));
    }
}

#[test]
fn cleanup_old_refuses_a_target_not_cut_over_and_touches_nothing_there() {
    let site = Site::start(&[("a", &["one"])], 5);
    site.write_fleet("", &[site.target("one", "a", "one", "")]);
    site.mig(&["fleet", "migrate"]).ok();
    let run = site.mig(&["fleet", "cleanup-old"]);
    run.fails(
        FAILED,
        "fleet cleanup-old failed: 1 target(s) failed (listed above)",
    );
    run.has_line("one: failed: not cut over yet: `mig fleet cutover` first (nothing was done)");
    let status = site.mig(&["fleet", "status"]).ok();
    assert!(row(&status, "one").contains("  recording  "), "{status:#?}");
}

/// `fleet verify` exited 1 when a target's verify found its new database
/// different from the mapping of the old one; that is data loss (4), as
/// `mig verify` reports it, and the other targets are still verified.
#[test]
fn fleet_verify_exits_4_when_a_target_differs_and_verifies_the_rest() {
    let site = Site::start(&[("a", &["one", "two"])], 8);
    let schema = format!(
        "{}\nCREATE UNIQUE INDEX customer_email ON customer(email);\n",
        crate::support::fixture::NEW_SCHEMA
    );
    std::fs::write(site.dir.join("schema.sql"), schema).expect("schema");
    let targets = [
        site.target("one", "a", "one", ""),
        site.target("two", "a", "two", ""),
    ];
    site.write_fleet("", &targets);
    site.mig(&["fleet", "rollout", "--yes", "--postpone-cutover"])
        .ok();
    // Two old rows that the new UNIQUE(email) would merge, written by the
    // service after the copy: replay (and so verify) cannot carry them.
    let old = rusqlite::Connection::open(site.db("a", "two.db")).expect("open two");
    old.execute_batch("UPDATE Customer SET Email = 'Same@Example.com' WHERE CustomerId IN (1, 2);")
        .expect("service write");
    drop(old);
    let run = site.mig(&["fleet", "verify"]);
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(row(&run, "two").contains("would be lost"), "{run:#?}");
    assert!(
        row(&run, "one").contains("0 differences (certified)"),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .starts_with("fleet verify failed: 1 target(s) differ"),
        "{run:#?}"
    );
}
