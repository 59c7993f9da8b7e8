//! The new database refuses writes while it says `migrating`: a service
//! started too early (its own process, its own connection, opened before
//! cutover) is refused with one line naming the old database, reads still
//! work, drain and cutover succeed with the copy equal to the oracle, and
//! from cutover on the same connection's writes go through. The bug it
//! guards: such writes were taken, then "repaired" away by drain's verify.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use crate::support::oracle;
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

use super::agent::TestAgent;
use super::harness::Project;
use super::remote::database;

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

/// The start of what SQLite tells a writer of the new database before cutover.
const REFUSAL: &str = "database is being migrated from ";

/// One connection to a database in a process of its own (python3's
/// sqlite3), run a statement at a time: `ok <rows>` or `error <message>`.
struct EarlyService {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

const SERVICE: &str = r#"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
for line in sys.stdin:
    try:
        rows = c.execute(line).fetchall()
        print("ok " + repr(rows), flush=True)
    except sqlite3.Error as e:
        print("error " + str(e), flush=True)
"#;

impl EarlyService {
    fn start(db: &std::path::Path) -> EarlyService {
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(SERVICE)
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the early service");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        EarlyService {
            child,
            input,
            output,
        }
    }

    /// Runs one statement (one line) on the service's connection.
    fn run(&mut self, sql: &str) -> String {
        writeln!(self.input, "{sql}").expect("write to the early service");
        let mut line = String::new();
        self.output
            .read_line(&mut line)
            .expect("read from the early service");
        assert!(!line.is_empty(), "the early service ended");
        line.trim_end().to_string()
    }
}

impl Drop for EarlyService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An INSERT, an UPDATE and a DELETE are each refused with the line naming
/// the old database; reads answer; nothing the service tried is in the file.
fn assert_writes_refused(service: &mut EarlyService, p: &Project) {
    let before = service.run("SELECT full_name FROM customer WHERE id = 1");
    let old = std::path::absolute(p.path("old.db")).expect("absolute");
    for sql in [
        "INSERT INTO customer(id, full_name) VALUES (900001, 'too early')",
        "UPDATE customer SET full_name = 'too early' WHERE id = 1",
        "DELETE FROM tag",
    ] {
        let out = service.run(sql);
        assert!(
            out.starts_with(&format!("error {REFUSAL}{} by mig: ", old.display())),
            "{sql}: {out}"
        );
        assert!(out.contains("until cutover"), "{out}");
    }
    assert_eq!(
        service.run("SELECT full_name FROM customer WHERE id = 1"),
        before
    );
    assert_eq!(
        service.run("SELECT count(*) FROM customer WHERE id = 900001"),
        "ok [(0,)]"
    );
    assert_ne!(service.run("SELECT count(*) FROM tag"), "ok [(0,)]");
}

/// Once ready, the same connection writes.
fn assert_writes_pass(service: &mut EarlyService) {
    assert_eq!(
        service.run("INSERT INTO customer(id, full_name) VALUES (900001, 'after cutover')"),
        "ok []"
    );
    assert_eq!(
        service.run("SELECT full_name FROM customer WHERE id = 900001"),
        "ok [('after cutover',)]"
    );
    assert_eq!(
        service.run("SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_mig\\_migrating\\_%' ESCAPE '\\'"),
        "ok [(0,)]"
    );
}

fn old_writer(p: &Project) -> WriterProcess {
    WriterProcess::start(
        &p.dir,
        &WriterSpec {
            old: &p.path("old.db"),
            new: &p.path("new.db"),
            sql: "INSERT INTO Tag(OrderId, Label, Weight) VALUES (1, 'w' || ?1, 1.0)",
            pace: Duration::from_millis(2),
        },
    )
}

#[test]
fn an_early_service_cannot_write_the_new_database_before_cutover() {
    let p = Project::shop(200);
    let mut writer = old_writer(&p);
    writer.wait_for(Outcome::Ok, 3);
    let mut args = vec!["migrate", "--schema", "schema.sql"];
    args.extend_from_slice(&FILES);
    p.mig(&args).ok();
    writer.wait_for(Outcome::Ok, writer.log().count(Outcome::Ok) + 3);
    let mut service = EarlyService::start(&p.path("new.db"));
    assert_writes_refused(&mut service, &p);
    let drain = p.mig(&[&["drain"][..], &FILES].concat()).ok();
    assert!(!drain.stdout.contains("repaired"), "{drain:#?}");
    assert!(!drain.stderr.contains("repaired"), "{drain:#?}");
    assert_writes_refused(&mut service, &p);
    p.mig(&["cutover", "--new", "new.db"]).ok();
    writer.wait_for(Outcome::Ready, 1);
    let log = writer.stop();
    assert!(
        log.count(Outcome::Ok) >= 6,
        "the old service wrote meanwhile"
    );
    oracle::assert_matches(&p.path("old.db"), &p.path("new.db"));
    assert_writes_pass(&mut service);
}

#[test]
fn an_early_service_cannot_write_the_new_database_of_an_agent_before_cutover() {
    let p = Project::shop(50);
    let agent = TestAgent::plain(vec![database("shop", &p)]);
    let a = agent.url.as_str();
    let mut writer = old_writer(&p);
    writer.wait_for(Outcome::Ok, 3);
    p.mig(&["--agent", a, "migrate", "--schema", "schema.sql"])
        .ok();
    let mut service = EarlyService::start(&p.path("new.db"));
    assert_writes_refused(&mut service, &p);
    p.mig(&["--agent", a, "drain", "--cutover"]).ok();
    writer.wait_for(Outcome::Ready, 1);
    writer.stop();
    oracle::assert_matches(&p.path("old.db"), &p.path("new.db"));
    assert_writes_pass(&mut service);
}
