//! The operator runbook with the real binary: migrate → status → drain →
//! status → cutover → status → cleanup-old, asserting the lines the runbook
//! tells the operator to check, and its two refusals.

use super::harness::{mig_in, Project, FAILED};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn with_files(cmd: &str) -> Vec<&str> {
    let mut v = vec![cmd];
    v.extend_from_slice(&FILES);
    v
}

#[test]
fn runbook_end_to_end_with_the_lines_it_expects() {
    let p = Project::shop(200);
    // Phase 1: migrate. 200 customers, 50 products, 200 orders, 400 tags.
    let run = p
        .mig(&[
            "migrate",
            "--old",
            "old.db",
            "--schema",
            "schema.sql",
            "--new",
            "new.db",
        ])
        .ok();
    run.line_starting("copied 850 rows in 4 tables in ");
    assert!(p.path("new.db").exists());
    // The old service keeps writing; the trigger records it.
    p.sql(
        "old.db",
        "UPDATE Customer SET Email = 'moved@example.com' WHERE CustomerId = 1;",
    );
    let st = p.mig(&with_files("status")).ok();
    st.has_line("marker status: recording")
        .has_line("migration log entries: 1")
        .has_line("migration status: migrating")
        .has_line("pending replay entries: 1")
        .has_line("phase: recording");
    assert_ne!(st.line_starting("schema hash: "), "schema hash: none");
    assert!(st.line_starting("next: ").contains("mig drain"));

    // Refusals before drain.
    p.mig(&["cutover", "--new", "new.db"])
        .fails(FAILED, "cutover failed: drain has not run: the old database is still recording writes; run `mig drain` first");
    p.mig(&["cleanup-old", "--old", "old.db"]).fails(
        FAILED,
        "cleanup-old failed: the old database is still in recording mode",
    );

    // Phase 2: drain.
    let run = p.mig(&with_files("drain")).ok();
    run.line_starting("drained: replayed ");
    run.line_starting("writes refused for ");
    // Drain verified the copy (before the freeze): the migration is certified.
    run.line_starting("verified before the freeze: 850 rows in ");
    // ...and its progress showed the verify stage before the freeze.
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = |prefix: &str| lines.iter().position(|l| l.starts_with(prefix));
    assert!(
        at("[verify] comparing every table").expect("verify step")
            < at("[freeze] ").expect("freeze step"),
        "{}",
        run.stdout
    );
    let st = p.mig(&with_files("status")).ok();
    st.has_line("marker status: draining")
        .has_line("pending replay entries: 0")
        .has_line("phase: drained")
        .has_line("next: run `mig cutover` (the copy is verified)");
    assert!(st
        .line_starting("certified: yes (verified by drain at ")
        .ends_with(" rows)"));
    // The old service's writes are now refused.
    let old = rusqlite::Connection::open(p.path("old.db")).expect("open old");
    assert!(old
        .execute(
            "UPDATE Customer SET Email = 'late' WHERE CustomerId = 2",
            []
        )
        .is_err());
    drop(old);

    // Phase 3: cutover.
    let cut = p.mig(&["cutover", "--new", "new.db"]).ok();
    cut.line_starting("cutover complete: ");
    cut.line_starting("verification: certified (verified at ");
    let st = p.mig(&with_files("status")).ok();
    st.line_starting("certified: yes (verified by drain");
    st.has_line("migration status: ready")
        .has_line("pending replay entries: 0 (cutover complete)")
        .has_line("id mapping: removed")
        .has_line("_migration_progress: removed");
    let new = rusqlite::Connection::open(p.path("new.db")).expect("open new");
    let email: String = new
        .query_row("SELECT email FROM customer WHERE id = 1", [], |r| r.get(0))
        .expect("replayed row");
    assert_eq!(email, "moved@example.com");
    drop(new);

    // Phase 4: cleanup-old.
    p.mig(&["cleanup-old", "--old", "old.db"])
        .ok()
        .has_line("previous marker status: retired")
        .has_line("dropped _migration_marker: yes")
        .has_line("dropped _migration_log: yes");
    p.mig(&with_files("status"))
        .ok()
        .has_line("marker status: none")
        .has_line("phase: retired");
}

#[test]
fn json_events_are_one_object_per_line_and_status_is_the_report() {
    let p = Project::shop(30);
    let run = p
        .mig(&["--json", "migrate", "--old", "old.db", "--new", "new.db"])
        .ok();
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let last = events.last().expect("events");
    assert!(last.get("completed").is_some(), "last event: {last}");
    assert!(events.iter().all(|e| e.get("seq").is_some()));
    let st = p
        .mig(&["status", "--json", "--old", "old.db", "--new", "new.db"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&st.stdout).expect("JSON");
    assert_eq!(v["marker"], "MARKER_STATUS_RECORDING", "{v}");
    assert_eq!(v["migration"], "MIGRATION_STATUS_MIGRATING", "{v}");
}

#[test]
fn project_folder_names_the_files_by_the_runbook_rule() {
    let p = Project::empty("shop");
    drop(crate::support::fixture::create_old(
        &p.path("shop-0badc0de.sqlite"),
        20,
    ));
    p.write("schema.sql", crate::support::fixture::NEW_SCHEMA);
    let run = p.mig(&["migrate"]).ok();
    let files = p.files();
    let new: Vec<&String> = files
        .iter()
        .filter(|f| {
            f.starts_with("shop-") && f.ends_with(".sqlite") && *f != "shop-0badc0de.sqlite"
        })
        .collect();
    assert_eq!(new.len(), 1, "one new database expected: {files:?}");
    assert!(
        run.line_starting("new database: ")
            .contains(new[0].as_str()),
        "{run:#?}"
    );
    p.mig(&["status"])
        .ok()
        .has_line("marker status: recording")
        .has_line("migration status: migrating");
    let parent = p.dir.parent().expect("parent");
    mig_in(parent, &["-C", "shop", "status"])
        .ok()
        .has_line("migration status: migrating");
}

#[test]
fn a_project_database_not_named_by_a_hex_hash_is_named_in_the_refusal() {
    let p = Project::empty("shop");
    drop(crate::support::fixture::create_old(
        &p.path("shop-v1.sqlite"),
        5,
    ));
    p.write("schema.sql", crate::support::fixture::NEW_SCHEMA);
    let line = p.mig(&["migrate"]).fails(1, "migrate failed: ").to_string();
    assert!(
        line.ends_with(
            "expected exactly one file named shop-<hex hash>.sqlite besides the target (shop-v1.sqlite does not count: the part after `shop-` must be hex digits); pass --old"
        ),
        "{line}"
    );
    assert_eq!(p.files(), vec!["schema.sql", "shop-v1.sqlite"]);
}

#[test]
fn a_bare_cutover_after_a_migration_named_by_flags_says_to_pass_new_or_old() {
    let p = Project::shop(10);
    p.mig(&["migrate", "--old", "old.db", "--new", "v2.db"])
        .ok();
    p.mig(&["drain", "--old", "old.db"]).ok();
    let line = p.mig(&["cutover"]).fails(1, "cutover failed: ").to_string();
    assert!(
        line.starts_with("cutover failed: no --new given, and ./shop-")
            && line.ends_with(".sqlite (the project folder's new database for its schema.sql) does not exist; pass --new (or --old: its migration records the new database)"),
        "{line}"
    );
    p.mig(&["cutover", "--old", "old.db"]).ok();
}

#[test]
fn status_in_a_project_without_schema_sql_still_answers() {
    let p = Project::empty("shop");
    drop(crate::support::fixture::create_old(
        &p.path("shop-0badc0de.sqlite"),
        5,
    ));
    p.mig(&["status"]).ok().has_line("phase: not started");
}

/// After a migration in a project folder, its old database stays beside the
/// new one, retired. The next migration (a new `schema.sql`) found two
/// candidates and refused; the retired one refuses writes and is not the
/// service's database, so the one that took over is the old database now.
#[test]
fn a_second_migration_in_a_project_folder_starts_from_the_database_that_took_over() {
    let p = Project::empty("shop");
    drop(crate::support::fixture::create_old(
        &p.path("shop-0badc0de.sqlite"),
        20,
    ));
    p.write("schema.sql", crate::support::fixture::NEW_SCHEMA);
    p.mig(&["migrate"]).ok();
    p.mig(&["drain", "--cutover"]).ok();
    p.mig(&["cleanup-old"]).ok();
    let first_new = p
        .files()
        .into_iter()
        .find(|f| f.starts_with("shop-") && f.ends_with(".sqlite") && f != "shop-0badc0de.sqlite")
        .expect("the first migration's new database");

    let second: String = crate::support::fixture::NEW_SCHEMA
        .lines()
        .filter(|l| !l.starts_with("-- mig:"))
        .chain(["CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT);"])
        .collect::<Vec<_>>()
        .join("\n");
    p.write("schema.sql", &second);
    let plan = p.mig(&["plan"]).ok();
    plan.has_line(&format!("old database: ./{first_new}"));
    p.mig(&["migrate"]).ok();
    p.mig(&["drain", "--cutover"]).ok();
    let status = p.mig(&["status"]).ok();
    assert!(
        status.line_starting("old database: ").ends_with(&first_new),
        "{status:#?}"
    );
}
