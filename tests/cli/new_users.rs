//! What two new operators (a Mailman 3 and a Home Assistant user) ran into,
//! each answered in one line: what is wrong and what to do, a non-zero exit
//! where the command cannot do what was asked, and no file changed.

use super::harness::{Project, FAILED};
use super::real_agent::operator_on;
use crate::support::agent::TestAgent;
use crate::support::fixture;

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
    p.mig(&["status", "--old", "old.db", "--new", "new.db"]).fails(
        FAILED,
        "status failed: the old database old.db does not exist (nor a new one): check the path (`--old`",
    );
    p.mig(&["status", "--json", "--old", "old.db"]).fails(
        FAILED,
        "status failed: the old database old.db does not exist",
    );
    assert_eq!(databases(&p), Vec::<String>::new(), "status made a file");

    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let op = operator_on(&agent, "shop", p.dir.clone());
    op(&["status"]).fails(
        FAILED,
        &format!(
            "status failed: the old database {} does not exist (nor a new one): check the path (`--old`, or `old` of this database in agent.toml)",
            p.path("old.db").display()
        ),
    );
    assert_eq!(databases(&p), Vec::<String>::new(), "status made a file");
    // Once the file is there, the same command answers.
    drop(fixture::create_old(&p.path("old.db"), 5));
    op(&["status"]).ok().has_line("phase: not started");
}
