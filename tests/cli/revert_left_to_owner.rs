//! Revert's report names the old database's tables it does not carry back
//! (docs/revert.md, "Left out"): tables left to their owner
//! (`--ignore-table`) and virtual tables such as an FTS index, whose
//! shadow tables are named through it. Found by the Synapse run: after a
//! revert, 95 messages written during the window were in the old `events`
//! but not in its `event_search`, and nothing mig printed said so.

use super::harness::Project;

const OLD: &str = "PRAGMA journal_mode=WAL;
CREATE TABLE events(event_id TEXT PRIMARY KEY, room_id TEXT, body TEXT);
INSERT INTO events VALUES ('$1', '!r', 'hello world'), ('$2', '!r', 'second message');
CREATE VIRTUAL TABLE event_search USING fts4(event_id, room_id, value);
INSERT INTO event_search(event_id, room_id, value) SELECT event_id, room_id, body FROM events;
CREATE TABLE cache_entries(k TEXT PRIMARY KEY, v BLOB);
INSERT INTO cache_entries VALUES ('a', x'00');";

const SCHEMA: &str =
    "CREATE TABLE events(event_id TEXT PRIMARY KEY, room_id TEXT, body TEXT, edited_ts BIGINT);";

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

#[test]
fn revert_names_the_tables_left_to_their_owner_it_did_not_carry_back_and_what_to_do() {
    let p = Project::custom("synapse", OLD, SCHEMA);
    p.migrate(&["--accept-data-loss", "--ignore-table", "cache_entries"])
        .ok();
    let mut args = vec!["drain", "--cutover", "--revert-window", "1h"];
    args.extend_from_slice(&FILES);
    p.mig(&args).ok();
    p.sql(
        "new.db",
        "INSERT INTO events VALUES ('$3', '!r', 'written in the window', NULL);",
    );
    let mut args = vec!["revert"];
    args.extend_from_slice(&FILES);
    let run = p.mig(&args).ok();
    let line = run.line_starting(
        "not carried back: 2 table(s) left to their owner (event_search, cache_entries): ",
    );
    assert!(
        line.contains("rebuild them on the old database the way their owner does")
            && line.contains("FTS"),
        "{line}"
    );
    assert!(
        !line.contains("event_search_"),
        "shadow tables named: {line}"
    );

    let old = rusqlite::Connection::open(p.path("old.db")).expect("open old.db");
    let body: String = old
        .query_row("SELECT body FROM events WHERE event_id = '$3'", [], |r| {
            r.get(0)
        })
        .expect("the window's write carried back");
    assert_eq!(body, "written in the window");
    let indexed: i64 = old
        .query_row(
            "SELECT count(*) FROM event_search WHERE value MATCH 'window'",
            [],
            |r| r.get(0),
        )
        .expect("search the old FTS index");
    assert_eq!(
        indexed, 0,
        "the line is true: the old index lacks the window's row"
    );
}
