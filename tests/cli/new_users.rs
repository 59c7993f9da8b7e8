//! What two new operators (a Mailman 3 and a Home Assistant user) ran into,
//! each answered in one line: what is wrong and what to do, a non-zero exit
//! where the command cannot do what was asked, and no file changed.

use std::time::{Duration, Instant};

use super::harness::{Project, FAILED, USAGE};
use super::real_agent::operator_on;
use crate::support::agent::{Setup, TestAgent};
use crate::support::fixture;

/// Polls `cond` until it holds (a minute at most).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The database files in the folder (what a command must not create).
fn databases(p: &Project) -> Vec<String> {
    p.files()
        .into_iter()
        .filter(|f| f.ends_with(".db") || f.ends_with(".sqlite") || f.contains(".db-"))
        .collect()
}

/// `mig status` where no database is exited 0 with a warning: a CI job
/// took "not started" for all is well. It fails naming the file it looked
/// for and how to point elsewhere, locally and over an agent, creating none.
#[test]
fn status_with_no_database_fails_naming_the_file_it_looked_for_locally_and_over_an_agent() {
    let p = Project::empty("shop");
    let line = p
        .mig(&["status"])
        .fails(FAILED, "status failed: no old database found in ")
        .to_string();
    assert!(
        line.contains("shop-<hex hash>.sqlite") && line.ends_with("pass --old"),
        "{line}"
    );
    p.mig(&["status", "--old", "old.db", "--new", "new.db"])
        .fails(
            FAILED,
            "status failed: old database old.db does not exist; check the path",
        );
    p.mig(&["status", "--json", "--old", "old.db"]).fails(
        FAILED,
        "status failed: old database old.db does not exist; check the path",
    );
    assert_eq!(databases(&p), Vec::<String>::new(), "status made a file");

    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let op = operator_on(&agent, "shop", p.dir.clone());
    op(&["status"]).fails(
        FAILED,
        &format!(
            "status failed: old database {} does not exist; check the path",
            p.path("old.db").display()
        ),
    );
    assert_eq!(databases(&p), Vec::<String>::new(), "status made a file");
    // Once the file is there, the same command answers.
    drop(fixture::create_old(&p.path("old.db"), 5));
    op(&["status"]).ok().has_line("phase: not started");
}

/// An agent `old` naming a missing file was served with no word until
/// `plan` failed. The agent warns at start and on every SIGHUP, naming the
/// entry and the path, and still serves the others (one tenant's late file
/// must not stop a fleet); `status` on it fails in one line naming the file.
#[test]
fn an_agent_old_naming_no_file_is_warned_about_at_start_and_on_sighup_and_status_names_it() {
    let p = Project::shop(10);
    let late = p.path("late.db");
    let agent = TestAgent::start(
        &p.dir,
        &[
            ("shop", &p.path("old.db"), &p.path("new.db")),
            ("late", &late, &p.path("late-new.db")),
        ],
    );
    let warning = format!(
        "database \"late\": its old database {} does not exist; it is served, and every command on it fails until the file is there: check `old` in {} (after an edit, SIGHUP the agent)",
        late.display(),
        agent.config_path().display()
    );
    let warned = || agent.log().matches(&warning).count();
    assert_eq!(warned(), 1, "{}", agent.log());
    assert!(
        !agent.log().contains("database \"shop\": its old database"),
        "{}",
        agent.log()
    );
    operator_on(&agent, "shop", p.dir.clone())(&["status"])
        .ok()
        .has_line("phase: not started");
    let on_late = operator_on(&agent, "late", p.dir.clone());
    on_late(&["status"]).fails(
        FAILED,
        &format!(
            "status failed: old database {} does not exist; check the path",
            late.display()
        ),
    );

    agent.hup();
    wait_for("the warning on reload", || warned() == 2);
    // The file arrives: status answers, and a reload warns no more.
    drop(fixture::create_old(&late, 5));
    on_late(&["status"]).ok().has_line("phase: not started");
    let reloads = || agent.log().matches("reloaded ").count();
    agent.hup();
    wait_for("the second reload", || reloads() == 2);
    assert_eq!(warned(), 2, "{}", agent.log());
}

/// The journal-mode refusal over an agent suggested `sqlite3 old.db`, the
/// path as written in an agent.toml read as `--config agent.toml`: wrong
/// from the operator's shell. It names the agent's absolute path, on the
/// database's host, and changes nothing.
#[test]
fn the_wal_advice_over_an_agent_names_the_absolute_path_on_the_databases_host() {
    let p = Project::shop(20);
    p.sql("old.db", "PRAGMA journal_mode = DELETE");
    let setup = Setup {
        relative_config: true,
        ..Setup::default()
    };
    let relative = std::path::Path::new("old.db");
    let agent = TestAgent::start_with(
        &p.dir,
        &[("shop", relative, std::path::Path::new("new.db"))],
        setup,
    );
    let op = operator_on(&agent, "shop", p.dir.clone());
    let line = op(&["plan", "--schema", "schema.sql"])
        .fails(FAILED, "plan failed: ")
        .to_string();
    let absolute = p.path("old.db").display().to_string();
    assert!(
        line.contains(&format!(
            "switch it to WAL on the database's host (`sqlite3 {absolute} 'PRAGMA journal_mode=WAL'`"
        )),
        "{line}"
    );
    assert_eq!(databases(&p), ["old.db"], "plan made a file");
}

/// `mig release-old` made the retired old database writable again without
/// asking, where `reset` (as final) asks. It asks the same way: off a
/// terminal it is refused in one line naming `--yes`, nothing changed (the
/// old database still refuses its service's writes); with `--yes` it
/// releases. `cleanup-old --release` is the same act and asks too.
#[test]
fn release_old_asks_like_reset_and_off_a_terminal_is_refused_naming_yes() {
    let p = Project::shop(20);
    let files = ["--old", "old.db", "--new", "new.db"];
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(files);
        p.mig(&all)
    };
    p.migrate(&[]).ok();
    run(&["drain", "--cutover"]).ok();
    let write = || {
        rusqlite::Connection::open(p.path("old.db")).and_then(|c| {
            c.execute(
                "INSERT INTO Product(Code, Title) VALUES ('w', 'a write')",
                [],
            )
        })
    };
    assert!(write().is_err(), "the retired old database took a write");
    let before = std::fs::read(p.path("old.db")).expect("old bytes");

    run(&["release-old"]).fails(
        USAGE,
        "release-old failed: release-old asks for confirmation and stdin is not a terminal; pass --yes",
    );
    run(&["cleanup-old", "--release"]).fails(
        USAGE,
        "cleanup-old failed: cleanup-old --release asks for confirmation and stdin is not a terminal; pass --yes",
    );
    assert_eq!(
        std::fs::read(p.path("old.db")).expect("old bytes"),
        before,
        "a refused release changed the old database"
    );
    assert!(write().is_err(), "a refused release let a write through");

    run(&["release-old", "--yes"])
        .ok()
        .line_starting("old database released: it accepts writes again (");
    write().expect("the released old database takes writes");
}
