//! A command that only reads (`plan`, `status`) and a refused command leave
//! the database folder exactly as they found it: the same file names and
//! byte-identical databases and WALs, through the local CLI and a real
//! agent, with and without a service connection holding the old database
//! open. They used to leave an empty `old.db-wal` (a read-only attach of
//! the old file) and, after a local `cutover`, `new.db-wal` and
//! `new.db-shm` (the old side's step attached the new file read-only and
//! closed last).
//!
//! A `-shm` is shared memory, not data: readers mark it, so its bytes are
//! compared only by name.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::support::agent::TestAgent;

use super::harness::{Project, Run};
use super::real_agent::operator_on;

/// Every file in `dir` by name, with its bytes (none for a `-shm`).
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    std::fs::read_dir(dir)
        .expect("list")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = (e.path().is_file() && !name.ends_with("-shm"))
                .then(|| std::fs::read(e.path()).expect("read"));
            (name, bytes)
        })
        .collect()
}

/// Who else opens the files while a command runs.
#[derive(Clone, Copy)]
enum Others {
    /// Nobody, or a service holding the file idle: the folder is as found
    /// the moment the command ends.
    Idle,
    /// An agent: its supervisor reads each database's phase now and then
    /// (each read leaves the folder as it found it, but while it is open its
    /// `-wal` and `-shm` are there), so the folder is taken once it is
    /// still, and must come back to it.
    Agent,
}

/// The folder once two looks 50 ms apart agree.
fn still(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut last = snapshot(dir);
    loop {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let now = snapshot(dir);
        if now == last {
            return now;
        }
        last = now;
    }
}

/// The folder after a command: at once, or once it is as `before` (up to
/// 10 s, then as it is).
fn after(
    dir: &Path,
    others: Others,
    before: &BTreeMap<String, Option<Vec<u8>>>,
) -> BTreeMap<String, Option<Vec<u8>>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = snapshot(dir);
        match others {
            Others::Agent if now != *before && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => return now,
        }
    }
}

/// Runs each command in turn; each must leave the folder as it was.
fn each_leaves_folder_alone(
    dir: &Path,
    others: Others,
    mig: &dyn Fn(&[&str]) -> Run,
    cmds: &[(&[&str], bool)],
) {
    for (args, succeeds) in cmds {
        let before = match others {
            Others::Idle => snapshot(dir),
            Others::Agent => still(dir),
        };
        let run = mig(args);
        assert_eq!(run.code == 0, *succeeds, "{args:?}: {run:?}");
        let after = after(dir, others, &before);
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "{args:?} created or removed a file"
        );
        for (name, bytes) in &before {
            assert!(after[name] == *bytes, "{args:?} changed {name}");
        }
    }
}

/// A service's connection in its own process (`sqlite3`), holding the
/// database open after a first read.
struct Service(Child);

impl Service {
    fn hold(db: &Path) -> Service {
        let mut child = Command::new("sqlite3")
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("sqlite3");
        let stdin = child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "SELECT 'open', count(*) FROM sqlite_schema;").expect("write");
        stdin.flush().expect("flush");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        assert!(line.starts_with("open|"), "{line}");
        Service(child)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

const READS: &[(&[&str], bool)] = &[(&["plan"], true), (&["status"], true)];
/// Refused before `migrate`.
const REFUSED_BEFORE: &[(&[&str], bool)] = &[
    (&["cutover"], false),
    (&["drain"], false),
    (&["cleanup-old"], false),
];
/// Refused after `migrate`, before `drain`.
const REFUSED_AFTER: &[(&[&str], bool)] = &[(&["cutover"], false), (&["cleanup-old"], false)];

/// Reads and refusals before and after `migrate`, then `drain` and
/// `cutover` leave no WAL or shm where the folder had none.
fn check(dir: &Path, others: Others, mig: &dyn Fn(&[&str]) -> Run, held: bool) {
    each_leaves_folder_alone(dir, others, mig, READS);
    each_leaves_folder_alone(dir, others, mig, REFUSED_BEFORE);
    mig(&["migrate"]).ok();
    each_leaves_folder_alone(dir, others, mig, READS);
    each_leaves_folder_alone(dir, others, mig, REFUSED_AFTER);
    mig(&["drain"]).ok();
    mig(&["cutover"]).ok();
    each_leaves_folder_alone(dir, others, mig, READS);
    let files = match others {
        Others::Idle => snapshot(dir),
        Others::Agent => still(dir),
    };
    for name in ["new.db-wal", "new.db-shm"] {
        assert!(!files.contains_key(name), "{name} left: {:?}", files.keys());
    }
    let old_wal = files.contains_key("old.db-wal");
    assert_eq!(
        old_wal,
        held,
        "old.db-wal beside a service? {:?}",
        files.keys()
    );
}

/// `mig` on the project folder's `old.db`, `new.db` and `schema.sql`.
fn local(p: &Project) -> impl Fn(&[&str]) -> Run + '_ {
    move |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--old", "old.db", "--new", "new.db"]);
        if ["plan", "migrate"].contains(&args[0]) {
            all.extend(["--schema", "schema.sql"]);
        }
        p.mig(&all)
    }
}

#[test]
fn read_only_and_refused_commands_leave_the_local_folder_as_found() {
    let p = Project::shop(30);
    check(&p.dir, Others::Idle, &local(&p), false);
}

#[test]
fn read_only_and_refused_commands_leave_the_folder_as_found_beside_a_service() {
    let p = Project::shop(30);
    let _service = Service::hold(&p.path("old.db"));
    check(&p.dir, Others::Idle, &local(&p), true);
}

#[test]
fn read_only_and_refused_commands_through_an_agent_leave_the_folder_as_found() {
    let p = Project::shop(30);
    let db = p.path("db");
    std::fs::create_dir(&db).expect("db dir");
    std::fs::rename(p.path("old.db"), db.join("old.db")).expect("move");
    let agent = TestAgent::start(&p.dir, &[("shop", &db.join("old.db"), &db.join("new.db"))]);
    let mig = operator_on(&agent, "shop", p.dir.clone());
    // The agent claims the database (its lock file) once it serves it.
    let lock = db.join("old.db.mig-lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !lock.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the agent never claimed old.db"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    check(&db, Others::Agent, &mig, false);
    let _service = Service::hold(&db.join("new.db"));
    each_leaves_folder_alone(&db, Others::Agent, &mig, READS);
}
