//! `mig fleet revert` against a real `mig-agent` over mutual TLS: a fleet
//! of two waves rolled out with the agent's revert window, the new services
//! writing, then rolled back last wave first (a dependent before what it
//! depends on), as the agent's own audit lines order the `Revert` calls.
//! Each old database ends equal to the hand-written inverse of its new one
//! (`revert_case`); a second run changes nothing; a target without a window
//! refuses the whole rollback before anything changes; the targets of one
//! wave revert at once, and `--discard-conflicts` reaches each revert.

use std::path::{Path, PathBuf};

use crate::support::agent::{Setup, TestAgent};
use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::harness::{mig_in, Run, FAILED, USAGE};

/// One agent serving `revert_case` databases, each with its window.
pub(super) struct Site {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    pub(super) agent: TestAgent,
}

impl Site {
    /// `(database, revert_window)` for each database the agent serves.
    pub(super) fn start(databases: &[(&str, &str)]) -> Site {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join("schema.sql"), case::SCHEMA).expect("schema");
        let home = dir.join("agent");
        std::fs::create_dir(&home).expect("agent dir");
        let mut extra = String::new();
        for (name, window) in databases {
            let (old, new) = (
                home.join(format!("{name}.db")),
                home.join(format!("{name}-new.db")),
            );
            case::create_old(&old);
            extra.push_str(&format!(
                "\n[[database]]\nname = {name:?}\nold = {old:?}\nnew = {new:?}\nrevert_window = {window:?}\n"
            ));
        }
        let setup = Setup {
            extra,
            ..Setup::default()
        };
        let agent = TestAgent::start_with(&home, &[], setup);
        Site {
            _tmp: tmp,
            dir,
            agent,
        }
    }

    /// The fleet file: `(target, database, extra lines)`.
    pub(super) fn write_fleet(&self, targets: &[(&str, &str, &str)]) {
        let mut text = "[defaults]\nschema = \"schema.sql\"\naccept_data_loss = true\n".to_string();
        for (name, database, extra) in targets {
            text.push_str(&format!(
                "\n[[target]]\nname = {name:?}\nagent = {:?}\ndatabase = {database:?}\nca = \"agent/certs/ca.pem\"\ncert = \"agent/certs/operator.pem\"\nkey = \"agent/certs/operator-key.pem\"\n{extra}\n",
                self.agent.url()
            ));
        }
        std::fs::write(self.dir.join("fleet.toml"), text).expect("fleet.toml");
    }

    pub(super) fn mig(&self, args: &[&str]) -> Run {
        mig_in(&self.dir, args)
    }

    /// A file in the folder the fleet file and schema live in.
    pub(super) fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub(super) fn db(&self, file: &str) -> PathBuf {
        self.dir.join("agent").join(file)
    }

    /// A folder for one database's snapshots at cutover.
    fn snapshots(&self, database: &str) -> PathBuf {
        let dir = self.dir.join(format!("snap-{database}"));
        std::fs::create_dir_all(&dir).expect("snapshot dir");
        dir
    }

    /// The databases of the agent's `Revert` calls, in the order its audit
    /// log answered them.
    fn reverts_audited(&self) -> Vec<String> {
        self.agent
            .log()
            .lines()
            .filter(|l| l.contains("mig::audit") && l.contains("rpc=") && l.contains("Revert"))
            .filter_map(|l| field(l, "database="))
            .collect()
    }
}

/// The value of `key` in a log line (`key=value` or `key="value"`).
fn field(line: &str, key: &str) -> Option<String> {
    let rest = &line[line.find(key)? + key.len()..];
    let value = rest.trim_start_matches('"');
    let end = value.find(['"', ' ']).unwrap_or(value.len());
    Some(value[..end].to_string())
}

/// Where a line first appears in stdout.
fn position(run: &Run, prefix: &str) -> usize {
    run.stdout
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line `{prefix}` in:\n{run:#?}"))
}

/// The new service writes to its database for a while.
fn new_service(path: &Path, seed: u64) {
    let writer = Writer::start_with(path.to_path_buf(), seed, case::new_workload);
    writer.wait_committed(120);
    writer.stop();
}

const DATABASES: [&str; 3] = ["base", "dependent", "late"];

#[test]
fn fleet_revert_goes_back_last_wave_first_each_old_database_the_inverse_of_its_new_one() {
    let site = Site::start(&[("base", "1h"), ("dependent", "1h"), ("late", "1h")]);
    site.write_fleet(&[
        ("late", "late", "wave = 2"),
        ("dependent", "dependent", "depends_on = [\"base\"]"),
        ("base", "base", ""),
    ]);
    site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    for (k, db) in DATABASES.iter().enumerate() {
        let (old, new) = (
            site.db(&format!("{db}.db")),
            site.db(&format!("{db}-new.db")),
        );
        case::snapshot(&old, &new, &site.snapshots(db));
        new_service(&new, 70 + k as u64);
    }

    // Dry run: the order and what each would do, and nothing changes.
    let dry = site
        .mig(&["fleet", "revert", "-f", "fleet.toml", "--dry-run"])
        .ok();
    dry.has_line("rollback order, last wave first: late, dependent, base");
    for t in DATABASES {
        let line = dry.line_starting(&format!("  {t} (wave "));
        assert!(
            line.contains(": would revert: window open until "),
            "{dry:#?}"
        );
    }
    // Without a terminal to ask on, --yes is required.
    site.mig(&["fleet", "revert", "-f", "fleet.toml"]).fails(
        USAGE,
        "fleet revert failed: fleet revert asks for confirmation",
    );
    assert!(site.reverts_audited().is_empty(), "{}", site.agent.log());

    let run = site
        .mig(&["fleet", "revert", "-f", "fleet.toml", "--yes"])
        .ok();
    // The agent's audit log: wave 2 first, then the dependent, then what
    // it depends on.
    assert_eq!(
        site.reverts_audited(),
        ["late", "dependent", "base"],
        "{}",
        site.agent.log()
    );
    assert!(position(&run, "late: reverted: ") < position(&run, "dependent: reverted: "));
    assert!(position(&run, "dependent: reverted: ") < position(&run, "base: reverted: "));
    run.has_line("reverted 3 target(s), 0 skipped: their old databases take writes again");
    for db in DATABASES {
        let (old, new) = (
            site.db(&format!("{db}.db")),
            site.db(&format!("{db}-new.db")),
        );
        let compared = case::assert_old_is_inverse(&old, &new, &site.snapshots(db));
        assert!(compared > 400, "{db}: compared {compared} rows");
        let conn = rusqlite::Connection::open(&old).expect("open old");
        conn.execute(
            "INSERT INTO Note(Body) VALUES ('the old service writes again')",
            [],
        )
        .unwrap_or_else(|e| panic!("{db}: old database refuses after the revert: {e}"));
    }

    // Re-runnable: every target skipped, no Revert call made.
    let again = site
        .mig(&["fleet", "revert", "-f", "fleet.toml", "--yes"])
        .ok();
    for t in DATABASES {
        again.has_line(&format!(
            "  {t} (wave {}): skipped: already reverted: the old database serves",
            if t == "late" { 2 } else { 1 }
        ));
    }
    again.has_line("nothing to revert");
    assert_eq!(site.reverts_audited().len(), 3, "{}", site.agent.log());
}

#[test]
fn fleet_revert_refuses_everything_while_one_target_has_no_window() {
    let site = Site::start(&[("open", "1h"), ("none", "0")]);
    site.write_fleet(&[("open", "open", ""), ("none", "none", "wave = 2")]);
    site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    let run = site.mig(&["fleet", "revert", "-f", "fleet.toml", "--yes"]);
    run.fails(
        FAILED,
        "fleet revert failed: nothing reverted: 1 target(s) cannot be reverted (listed above)",
    );
    run.line_starting("  none (wave 2): cannot revert: cut over without a revert window");
    run.line_starting("  open (wave 1): would revert: window open until ");
    assert!(site.reverts_audited().is_empty(), "{}", site.agent.log());
    // --only leaves it out: the other one goes back.
    site.mig(&[
        "fleet",
        "revert",
        "-f",
        "fleet.toml",
        "--yes",
        "--only",
        "open",
    ])
    .ok()
    .line_starting("open: reverted: ");
    assert_eq!(site.reverts_audited(), ["open"]);
}

/// Two targets of one wave: the second's revert starts while the first's
/// is held (a transaction of the test holds the first's new database, so
/// its freeze waits), which one target at a time could not do. The second
/// has a row its old schema refuses (a negative price against the old
/// CHECK): `--discard-conflicts` reverts it without that row, recorded in
/// its new database.
#[test]
fn fleet_revert_reverts_a_waves_targets_at_once_and_passes_discard_conflicts_on() {
    let site = Site::start(&[("held", "1h"), ("refused", "1h")]);
    site.write_fleet(&[("held", "held", ""), ("refused", "refused", "")]);
    site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    for (k, db) in ["held", "refused"].iter().enumerate() {
        case::snapshot(
            &site.db(&format!("{db}.db")),
            &site.db(&format!("{db}-new.db")),
            &site.snapshots(db),
        );
        new_service(&site.db(&format!("{db}-new.db")), 80 + k as u64);
    }
    let bad = rusqlite::Connection::open(site.db("refused-new.db")).expect("open new");
    let id: i64 = bad
        .query_row(
            // Its code changes too: its order lines must still name its old
            // row, which stays (a regression: they were compared with the
            // new code and failed the revert's verification).
            "UPDATE product SET price_cents = -500, code = 'RE-refused' WHERE id = (SELECT min(id) FROM product) RETURNING id",
            [],
            |r| r.get(0),
        )
        .expect("a price the old schema refuses");
    let dry = site
        .mig(&[
            "fleet",
            "revert",
            "-f",
            "fleet.toml",
            "--dry-run",
            "--discard-conflicts",
        ])
        .ok();
    dry.line_starting("  refused (wave 1): would revert: window open until ");

    let hold = rusqlite::Connection::open(site.db("held-new.db")).expect("open new");
    hold.execute_batch("BEGIN IMMEDIATE")
        .expect("hold the new database");
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| {
            site.mig(&[
                "fleet",
                "revert",
                "-f",
                "fleet.toml",
                "--yes",
                "--concurrency",
                "2",
                "--discard-conflicts",
            ])
        });
        // Both reverts started while the first cannot finish: waited for,
        // against a deadline well inside the agent's 10 s busy timeout.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
        while site.reverts_audited().len() < 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "one target at a time: {:?}\n{}",
                site.reverts_audited(),
                site.agent.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        hold.execute_batch("COMMIT")
            .expect("release the new database");
        run.join().expect("fleet revert")
    })
    .ok();
    let mut audited = site.reverts_audited();
    audited.sort();
    assert_eq!(audited, ["held", "refused"]);
    run.line_starting("held: reverted: ");
    let refused = run.line_starting("refused: reverted: ");
    assert!(
        refused.contains("1 row(s) the old schema refuses discarded"),
        "{run:#?}"
    );
    run.has_line("reverted 2 target(s), 0 skipped: their old databases take writes again");
    let compared = case::assert_old_is_inverse(
        &site.db("held.db"),
        &site.db("held-new.db"),
        &site.snapshots("held"),
    );
    assert!(compared > 400, "held: compared {compared} rows");
    let discarded: Vec<(String, String)> = bad
        .prepare("SELECT tbl, key FROM _mig_revert_discarded")
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .expect("discarded rows");
    assert_eq!(discarded, [("product".to_string(), id.to_string())]);
    // Its old row stays as it was: no product lost or added on the way back.
    let count = |db: &str, table: &str| -> i64 {
        rusqlite::Connection::open(site.db(db))
            .and_then(|c| c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)))
            .expect("count")
    };
    assert_eq!(
        count("refused.db", "Product"),
        count("refused-new.db", "product")
    );
    let dangling: i64 = rusqlite::Connection::open(site.db("refused.db"))
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM OrderLine WHERE ProductCode NOT IN (SELECT Code FROM Product)",
                [],
                |r| r.get(0),
            )
        })
        .expect("order lines");
    assert_eq!(dangling, 0, "order lines naming no old product");
}
