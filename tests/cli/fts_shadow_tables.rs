//! A `sqlite3 .schema` dump of a database with an FTS4 table (found by the
//! Synapse run: `event_search`, `user_directory_search`) lists the virtual
//! table's shadow tables as plain `CREATE TABLE IF NOT EXISTS
//! 'event_search_content'(...)`. With the `CREATE VIRTUAL TABLE` taken out
//! (mig refuses it), `plan` said "can migrate: yes" and listed
//! `event_search_content (no old table) (new, starts empty)`: the new
//! database got five empty ordinary tables under the shadow tables' names,
//! and the operator's `CREATE VIRTUAL TABLE event_search` after cutover
//! then fails on "table event_search_content already exists". Now `plan`
//! blocks at the line of each one and `migrate` refuses, nothing changed.

use super::harness::{Project, FAILED};

const OLD: &str = "PRAGMA journal_mode=WAL;
CREATE TABLE events(event_id TEXT PRIMARY KEY, room_id TEXT, body TEXT);
INSERT INTO events VALUES ('$1', '!r', 'hello world'), ('$2', '!r', 'second message');
CREATE VIRTUAL TABLE event_search USING fts4(tokenize=porter, event_id, room_id, value);
INSERT INTO event_search(event_id, room_id, value) SELECT event_id, room_id, body FROM events;";

/// What the operator kept of the dump: the shadow tables without their
/// virtual table, and the new column.
const DUMP_SCHEMA: &str = "CREATE TABLE events(event_id TEXT PRIMARY KEY, room_id TEXT, body TEXT, edited_ts BIGINT);
CREATE TABLE IF NOT EXISTS 'event_search_content'(docid INTEGER PRIMARY KEY, 'c0event_id', 'c1room_id', 'c2value');
CREATE TABLE IF NOT EXISTS 'event_search_segments'(blockid INTEGER PRIMARY KEY, block BLOB);
CREATE TABLE IF NOT EXISTS 'event_search_segdir'(level INTEGER,idx INTEGER,start_block INTEGER,leaves_end_block INTEGER,end_block INTEGER,root BLOB,PRIMARY KEY(level, idx));
CREATE TABLE IF NOT EXISTS 'event_search_docsize'(docid INTEGER PRIMARY KEY, size BLOB);
CREATE TABLE IF NOT EXISTS 'event_search_stat'(id INTEGER PRIMARY KEY, value BLOB);
";

const PLAN: [&str; 7] = [
    "plan",
    "--old",
    "old.db",
    "--new",
    "new.db",
    "--schema",
    "schema.sql",
];

#[test]
fn fts_shadow_tables_from_a_schema_dump_are_refused_at_their_line() {
    let p = Project::custom("synapse", OLD, DUMP_SCHEMA);
    let before = std::fs::read(p.path("old.db")).expect("old.db");
    let plan = p.mig(&PLAN);
    plan.fails(FAILED, "plan failed: migrate could not run: ");
    plan.has_line("can migrate: no");
    let blocker = plan
        .line_starting("  - schema.sql:2: table event_search_content is a shadow table")
        .to_string();
    assert!(
        blocker.contains("of the old virtual table event_search")
            && blocker.contains("remove its CREATE TABLE from the schema file"),
        "{blocker}"
    );
    for (line, name) in [(3, "segments"), (4, "segdir"), (5, "docsize"), (6, "stat")] {
        plan.line_starting(&format!(
            "  - schema.sql:{line}: table event_search_{name} is a shadow table"
        ));
    }
    let run = p.migrate(&["--accept-data-loss"]);
    assert_eq!(run.code, FAILED, "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    assert!(
        run.stderr
            .contains("shadow table of the old virtual table event_search"),
        "{run:#?}"
    );
    assert_eq!(
        p.files(),
        ["old.db", "schema.sql"],
        "migrate left files behind"
    );
    assert_eq!(std::fs::read(p.path("old.db")).expect("old.db"), before);
}

#[test]
fn the_same_schema_without_the_shadow_tables_migrates_and_the_fts_table_can_be_made_after() {
    let schema = DUMP_SCHEMA.lines().next().expect("first line");
    let p = Project::custom("synapse", OLD, schema);
    p.migrate(&["--accept-data-loss"]).ok();
    p.mig(&["drain", "--old", "old.db", "--new", "new.db", "--cutover"])
        .ok();
    p.sql(
        "new.db",
        "CREATE VIRTUAL TABLE event_search USING fts4(tokenize=porter, event_id, room_id, value);
         INSERT INTO event_search(event_id, room_id, value) SELECT event_id, room_id, body FROM events;",
    );
}
