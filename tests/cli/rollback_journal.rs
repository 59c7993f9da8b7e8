//! An old database in rollback-journal mode, through the real `mig`: refused
//! without `--allow-rollback-journal` (the reason and the fix are in the
//! table of `bad_input.rs`); with it, the whole runbook runs beside a writer
//! and the result equals the oracle, the journal mode left as it was; the
//! advice to switch to WAL is a command the shell runs on that very file.

use std::process::Command;

use super::harness::{Project, FAILED};
use crate::support::oracle;
use crate::support::writer::Writer;

#[test]
fn rollback_journal_old_database_with_the_flag_migrates_beside_a_writer_and_matches_the_oracle() {
    let p = Project::shop(1_500);
    p.sql("old.db", "PRAGMA journal_mode = DELETE");
    let writer = Writer::start(p.path("old.db"), 91);
    writer.wait_committed(10);
    let files = [
        "--old",
        "old.db",
        "--new",
        "new.db",
        "--allow-rollback-journal",
    ];
    let step = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(files);
        p.mig(&all).ok();
    };
    step(&["migrate", "--schema", "schema.sql"]);
    writer.wait_committed(writer.committed() + 30);
    step(&["drain"]);
    step(&["cutover"]);
    let stats = writer.stop();
    assert!(stats.committed > 40, "{stats:?}");
    assert!(oracle::assert_matches(&p.path("old.db"), &p.path("new.db")) > 3_000);
    step(&["cleanup-old"]);
    let mode: String = rusqlite::Connection::open(p.path("old.db"))
        .and_then(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
        .expect("journal mode");
    assert_eq!(mode, "delete", "mig changed the old journal mode");
}

/// The WAL advice quotes the path for the shell (it did not: a path with
/// a space pasted as shown named two files). The command in the refusal,
/// run by `sh` with `printf` in place of `sqlite3`, gets the file's path and
/// the pragma as its two arguments.
#[test]
fn the_wal_advice_is_a_shell_command_that_names_a_path_with_spaces_and_quotes() {
    let p = Project::shop(50);
    std::fs::create_dir(p.path("my data")).expect("folder");
    let old = "my data/Bob's old.db";
    std::fs::rename(p.path("old.db"), p.path(old)).expect("move");
    p.sql(old, "PRAGMA journal_mode = DELETE");
    let args = [
        "plan",
        "--old",
        old,
        "--new",
        "new.db",
        "--schema",
        "schema.sql",
    ];
    let line = p.mig(&args).fails(FAILED, "plan failed: ").to_string();
    let command = line
        .split('`')
        .find(|c| c.starts_with("sqlite3 "))
        .unwrap_or_else(|| panic!("no sqlite3 command in: {line}"));
    let printed = Command::new("sh")
        .arg("-c")
        .arg(command.replacen("sqlite3 ", "printf '%s\\n' ", 1))
        .current_dir(&p.dir)
        .output()
        .expect("sh");
    assert_eq!(
        String::from_utf8_lossy(&printed.stdout),
        format!("{old}\nPRAGMA journal_mode=WAL\n"),
        "{command}"
    );
}
