//! The new database's schema changed by another tool between `migrate` and
//! cutover: an analyst's shell (its own process, plain SQL) drops an index
//! the schema file declares and adds a trigger, as `sqlite-utils
//! enable-fts` on the new file would. `verify` certified such a file and
//! `drain --cutover` made it ready, so the service went live on a database
//! that is not the schema mig printed the hash of (the Datasette run found
//! it). Now `status` names the change, `verify`, `drain` and `cutover`
//! refuse in one line (exit 1) changing no file, and once the change is
//! undone the runbook finishes equal to the oracle.

use std::process::Command;

use crate::support::oracle;

use super::harness::{Project, FAILED};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

/// Runs `sql` (statements, then an optional query on the last line after
/// `--query`) on `db` from a python3 process of its own (a shell beside
/// the service); returns the query's first value.
fn shell(p: &Project, db: &str, sql: &str) -> String {
    let script =
        "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)\n\
                  run, _, query = sys.argv[2].partition('--query')\nc.executescript(run)\n\
                  print(c.execute(query).fetchone()[0] if query.strip() else '')";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(p.path(db))
        .arg(sql)
        .output()
        .expect("python3 runs the shell");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn bytes(p: &Project) -> Vec<Vec<u8>> {
    ["old.db", "new.db"]
        .iter()
        .map(|f| std::fs::read(p.path(f)).expect("read"))
        .collect()
}

fn with(cmd: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![cmd.to_string()];
    args.extend(FILES.iter().chain(extra).map(|s| s.to_string()));
    args
}

#[test]
fn new_database_changed_by_another_tool_before_cutover_is_named_and_refused_until_undone() {
    let p = Project::shop(400);
    p.migrate(&[]).ok();
    let index_sql = shell(
        &p,
        "new.db",
        "--query SELECT sql FROM sqlite_schema WHERE name = 'orders_customer'",
    );
    shell(
        &p,
        "new.db",
        "DROP INDEX orders_customer; \
         CREATE TRIGGER analyst_touch AFTER INSERT ON tag BEGIN SELECT 1; END",
    );

    let status = p
        .mig(
            &with("status", &[])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .ok();
    let next = status.line_starting("next: the new database was changed outside mig");
    assert!(
        next.contains("index orders_customer was dropped")
            && next.contains("trigger analyst_touch was created"),
        "{next}"
    );
    let before = bytes(&p);
    for (cmd, extra) in [
        ("verify", &[][..]),
        ("drain", &[][..]),
        ("drain", &["--cutover"][..]),
    ] {
        let args = with(cmd, extra);
        let run = p.mig(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let line = run.fails(FAILED, &format!("{cmd} failed: the new database "));
        assert!(
            line.contains("index orders_customer was dropped")
                && line.contains("undo the change")
                && line.contains("`mig reset`"),
            "{line}"
        );
        assert!(before == bytes(&p), "{cmd} changed a file");
    }

    // Undone (the index as the schema declares it, the trigger gone): the
    // runbook finishes, equal to the oracle.
    shell(
        &p,
        "new.db",
        &format!("{index_sql}; DROP TRIGGER analyst_touch"),
    );
    let args = with("drain", &["--cutover"]);
    p.mig(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    assert!(oracle::assert_matches(&p.path("old.db"), &p.path("new.db")) > 0);
}
