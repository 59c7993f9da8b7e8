//! Issue 13: no command acts on two files that are not one migration, and
//! one mig process at a time works on a database. Two tenant databases
//! migrated with the same schema; every command given A's new database and
//! B's old one is refused at once, locally and through a real `mig-agent`,
//! and no file changes. A local `mig` (or a second agent) beside an agent
//! serving the same database is refused, naming the agent. An old database
//! restored from before the migration shows as broken, and only `reset`
//! acts on it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::agent::TestAgent;
use crate::support::{fixture, oracle};

use super::bad_input::pairs::old_without_recording;
use super::bad_input::snapshot;
use super::harness::{Project, Run, BUSY, FAILED};
use super::real_agent::as_who;

/// Every command that can be given the pair, with what it needs besides.
const COMMANDS: &[&[&str]] = &[
    &["plan", "--schema", "schema.sql"],
    &["status"],
    &["verify"],
    &["verify", "--check-only"],
    &["verify", "--queries", "q.sql"],
    &["drain"],
    &["cutover"],
    &["reset", "--yes"],
    &["cleanup-old"],
];

/// Tenants A (30 customers) and B (45), both migrated to `schema.sql`.
fn two_tenants() -> Project {
    let p = Project::empty("tenants");
    drop(fixture::create_old(&p.path("a.db"), 30));
    drop(fixture::create_old(&p.path("b.db"), 45));
    p.write("schema.sql", fixture::NEW_SCHEMA);
    p.write("q.sql", "SELECT count(*) FROM sqlite_schema;\n");
    for t in ["a", "b"] {
        let (old, new) = (format!("{t}.db"), format!("{t}-new.db"));
        p.mig(&[
            "migrate",
            "--old",
            &old,
            "--new",
            &new,
            "--schema",
            "schema.sql",
        ])
        .ok();
    }
    settle(&p.dir);
    p
}

/// Checkpoints every database in `dir` and closes it, leaving no `-wal` or
/// `-shm` (as a stopped service leaves its files).
fn settle(dir: &Path) {
    for e in std::fs::read_dir(dir).expect("list") {
        let path = e.expect("entry").path();
        if path.extension().is_some_and(|x| x == "db") {
            let conn = rusqlite::Connection::open(&path).expect("open");
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .expect("checkpoint");
        }
    }
}

/// Every file but an agent's own log (which records each refused call).
fn files_of(dir: &Path) -> BTreeMap<String, String> {
    let mut files = snapshot(dir);
    files.retain(|f, _| !f.ends_with("agent.log"));
    files
}

/// The folder's files once no connection holds a database open (an agent
/// reads its databases every 500 ms; its `-wal`/`-shm` last as long as a
/// read): waits for that, up to 20 s.
fn settled(dir: &Path) -> BTreeMap<String, String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let files = files_of(dir);
        let open = files
            .keys()
            .any(|f| f.ends_with("-wal") || f.ends_with("-shm"));
        if !open || Instant::now() > deadline {
            return files;
        }
        std::thread::yield_now();
    }
}

/// Asserts a refusal: exit 1, one stderr line holding every fragment.
fn refused(run: &Run, what: &str, fragments: &[&str]) {
    has_all(run.fails(FAILED, ""), what, fragments);
}

fn busy(run: &Run, what: &str, fragments: &[&str]) {
    has_all(run.fails(BUSY, ""), what, fragments);
}

fn has_all(line: &str, what: &str, fragments: &[&str]) {
    for f in fragments {
        assert!(line.contains(f), "{what}: no `{f}` in `{line}`");
    }
}

#[test]
fn issue_13_every_command_given_two_migrations_files_is_refused_locally_and_nothing_changes() {
    let p = two_tenants();
    let before = settled(&p.dir);
    for cmd in COMMANDS {
        let mut args = cmd.to_vec();
        args.extend(["--old", "b.db", "--new", "a-new.db"]);
        refused(
            &p.mig(&args),
            &args.join(" "),
            &[
                "b.db and a-new.db are not one migration: b.db records migration ",
                "a-new.db belongs to migration ",
            ],
        );
        assert_eq!(
            settled(&p.dir),
            before,
            "`{}` changed a file",
            args.join(" ")
        );
    }
    // Each tenant's own pair still runs the whole runbook, and A's new
    // database holds A's rows, not B's.
    for t in ["a", "b"] {
        let (old, new) = (format!("{t}.db"), format!("{t}-new.db"));
        p.mig(&["drain", "--old", &old, "--new", &new]).ok();
        p.mig(&["cutover", "--new", &new]).ok();
        oracle::assert_matches(&p.path(&old), &p.path(&new));
    }
}

#[test]
fn issue_13_every_command_on_an_agent_configured_with_two_migrations_files_is_refused() {
    let p = two_tenants();
    let agent = TestAgent::start(&p.dir, &[("a", &p.path("b.db"), &p.path("a-new.db"))]);
    let operator = as_who(&agent, "operator");
    wait_claimed(&p.path("b.db"));
    // The agent keeps reading its databases in the background, so their
    // `-wal`/`-shm` come and go: the database files themselves must not
    // change, and no `-wal` may hold a frame (a write not yet checkpointed).
    let before = without_wal(settled(&p.dir));
    for cmd in COMMANDS {
        let mut args: Vec<&str> = operator.iter().map(String::as_str).collect();
        args.extend_from_slice(cmd);
        refused(
            &p.mig(&args),
            &cmd.join(" "),
            &[
                "b.db and ",
                "a-new.db are not one migration: ",
                "a-new.db belongs to migration ",
            ],
        );
        let after = settled(&p.dir);
        assert_eq!(
            without_wal(after),
            before,
            "`{}` changed a file",
            cmd.join(" ")
        );
        assert_no_wal_frames(&p.dir, &cmd.join(" "));
    }
}

/// Every `-wal` in `dir` is empty: nothing was written that a checkpoint
/// has not yet moved into its database (which `main_files` compares).
fn assert_no_wal_frames(dir: &Path, what: &str) {
    for e in std::fs::read_dir(dir).expect("list") {
        let path = e.expect("entry").path();
        if path.to_string_lossy().ends_with("-wal") {
            let len = std::fs::metadata(&path).map_or(0, |m| m.len());
            assert_eq!(len, 0, "`{what}` wrote {} to {}", len, path.display());
        }
    }
}

/// The folder's files without `-wal` and `-shm`: an agent serving a
/// recording database replays its log in the background and keeps them.
fn main_files(dir: &Path) -> BTreeMap<String, String> {
    without_wal(files_of(dir))
}

fn without_wal(mut files: BTreeMap<String, String>) -> BTreeMap<String, String> {
    files.retain(|f, _| !f.ends_with("-wal") && !f.ends_with("-shm"));
    files
}

/// The agent's claim on `old` (its lock file, holding its pid) is made: it
/// has started serving. The file is created empty and its pid written
/// after, so waiting only for the file races the write.
fn wait_claimed(old: &Path) {
    let lock = format!(
        "{}.mig-lock",
        std::fs::canonicalize(old).expect("old").display()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::metadata(&lock).map_or(true, |m| m.len() == 0) {
        assert!(
            Instant::now() < deadline,
            "the agent never claimed {}",
            old.display()
        );
        std::thread::yield_now();
    }
}

#[test]
fn a_local_mig_and_a_second_agent_beside_an_agent_serving_the_database_are_refused() {
    let p = Project::shop(30);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    p.migrate(&[]).ok();
    settle(&p.dir);
    let mut first = TestAgent::start(&p.dir, &[("shop", &old, &new)]);
    wait_claimed(&old);
    let second_dir = p.path("second");
    std::fs::create_dir(&second_dir).expect("mkdir");
    let second = TestAgent::start(&second_dir, &[("shop", &old, &new)]);
    let holder = format!(
        "is being migrated by another mig process, pid {} (mig-agent)",
        first.pid().expect("pid")
    );
    let before = main_files(&p.dir);
    for cmd in [
        &["drain"][..],
        &["verify"],
        &["cutover"],
        &["reset", "--yes"],
        &["cleanup-old"],
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--old", "old.db", "--new", "new.db"]);
        // Held by another mig process: busy (exit 6), like a held lock.
        busy(&p.mig(&args), &args.join(" "), &["old.db ", &holder]);
        let mut remote: Vec<String> = as_who(&second, "operator");
        remote.extend(cmd.iter().map(|s| s.to_string()));
        let remote: Vec<&str> = remote.iter().map(String::as_str).collect();
        busy(
            &p.mig(&remote),
            &format!("second agent: {}", cmd.join(" ")),
            &[&holder],
        );
        assert_eq!(
            main_files(&p.dir),
            before,
            "`{}` changed a file",
            args.join(" ")
        );
    }
    // Reading is not working on it; it says who holds the database, here
    // and on the second agent, whose own commands are refused.
    let held = format!(
        "warning: the old database is held by another mig process, pid {} (mig-agent): ",
        first.pid().expect("pid")
    );
    let status = p
        .mig(&["status", "--old", "old.db", "--new", "new.db"])
        .ok();
    status.has_line("marker status: recording");
    status.line_starting(&held);
    let mut remote = as_who(&second, "viewer");
    remote.push("status".into());
    let remote: Vec<&str> = remote.iter().map(String::as_str).collect();
    p.mig(&remote).ok().line_starting(&held);
    drop(second);
    // A killed agent's claim ends with it (the kernel drops the lock; the
    // file it leaves is reused and removed by the next command).
    first.kill();
    let status = p
        .mig(&["status", "--old", "old.db", "--new", "new.db"])
        .ok();
    assert!(!status.stdout.contains("is held by"), "{status:#?}");
    p.mig(&["drain", "--old", "old.db", "--new", "new.db"])
        .ok()
        .line_starting("drained: replayed ");
    assert!(
        !p.files().iter().any(|f| f.ends_with(".mig-lock")),
        "a lock file was left: {:?}",
        p.files()
    );
}

#[test]
fn an_old_database_restored_from_before_the_migration_shows_broken_and_only_reset_acts() {
    let p = Project::shop(40);
    let with = |cmd: &[&'static str]| [cmd, &["--old", "old.db", "--new", "new.db"][..]].concat();
    p.mig(&with(&["migrate", "--schema", "schema.sql"])).ok();
    // A backup from before the migration put back: no recording, and rows
    // the new database holds are gone from it, with no log entry to say so.
    old_without_recording(&p);
    p.sql("old.db", "DELETE FROM Tag WHERE OrderId <= 3");
    let status = p.mig(&with(&["status"])).ok();
    status.has_line("phase: broken");
    let next = status.line_starting("next: ");
    assert!(
        next.contains("records no migration") && next.contains("`mig reset`"),
        "{next}"
    );
    for cmd in [
        &["migrate", "--schema", "schema.sql"][..],
        &["drain"],
        &["verify"],
    ] {
        refused(
            &p.mig(&with(cmd)),
            &cmd.join(" "),
            &["records no migration"],
        );
    }
    p.mig(&with(&["reset", "--yes"])).ok();
    p.mig(&with(&["migrate", "--schema", "schema.sql"])).ok();
    p.mig(&with(&["drain"])).ok();
    p.mig(&["cutover", "--new", "new.db"]).ok();
    oracle::assert_matches(&p.path("old.db"), &p.path("new.db"));
}
