//! Query statistics before the new database serves: an `ANALYZE`d old
//! database's `sqlite_stat1` rows are carried where the index is the same
//! (a renamed table and column included), the new database's other
//! indexes are analyzed at migrate's end, and a query whose plan depends on
//! the statistics is planned the same way on both sides.

use rusqlite::Connection;

use super::harness::Project;

const OLD: &str = "PRAGMA journal_mode = WAL;
CREATE TABLE ev(id INTEGER PRIMARY KEY, kind INT, user INT, body TEXT);
CREATE INDEX ev_user ON ev(user);
CREATE INDEX ev_kind ON ev(kind);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000)
INSERT INTO ev SELECT i, i % 2, i % 5000, 'b' || (i % 100) FROM c;
ANALYZE;";

const SCHEMA: &str = "-- mig:from ev
-- mig:set user_id = user
CREATE TABLE event(id INTEGER PRIMARY KEY, kind INT, user_id INT, body TEXT);
CREATE INDEX event_user ON event(user_id);
CREATE INDEX event_kind ON event(kind);
CREATE INDEX event_body ON event(body);
";

fn query_plan(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("explain");
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(3))
        .and_then(|r| r.collect())
        .expect("plan rows");
    rows.join("; ")
}

#[test]
fn a_query_planned_by_statistics_is_planned_the_same_on_the_new_database() {
    let p = Project::custom("stats", OLD, SCHEMA);
    let args = ["--old", "old.db", "--new", "new.db"];
    let plan = p.mig(&[&args[..], &["plan"]].concat()).ok();
    assert_eq!(
        plan.line_starting("query statistics: "),
        "query statistics: 2 carried from the old database, ANALYZE of 1 indexes at migrate's end (20000 rows, ~10 ms)"
    );
    p.mig(&[&args[..], &["migrate"]].concat()).ok();

    let old = Connection::open(p.path("old.db")).expect("old");
    let new = Connection::open(p.path("new.db")).expect("new");
    let on_old = query_plan(&old, "SELECT id FROM ev WHERE kind = 1 AND user = 42");
    let on_new = query_plan(&new, "SELECT id FROM event WHERE kind = 1 AND user_id = 42");
    assert_eq!(on_old, "SEARCH ev USING INDEX ev_user (user=?)");
    assert_eq!(on_new, "SEARCH event USING INDEX event_user (user_id=?)");
    let stat = |idx: &str| -> String {
        new.query_row(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'event' AND idx = ?1",
            [idx],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("no statistics for {idx}: {e}"))
    };
    let old_stat: String = old
        .query_row(
            "SELECT stat FROM sqlite_stat1 WHERE idx = 'ev_user'",
            [],
            |r| r.get(0),
        )
        .expect("old stat");
    assert_eq!(
        stat("event_user"),
        old_stat,
        "carried as the old database had it"
    );
    assert_eq!(stat("event_body"), "20000 200", "the new index is analyzed");
    // SQLite's samples (the bundled SQLite keeps them) come along too.
    let samples = |conn: &Connection, tbl: &str, idx: &str| -> Vec<String> {
        conn.prepare("SELECT neq || ' ' || nlt || ' ' || ndlt || ' ' || hex(sample) FROM sqlite_stat4 WHERE tbl = ?1 AND idx = ?2 ORDER BY nlt")
            .and_then(|mut s| s.query_map([tbl, idx], |r| r.get(0))?.collect())
            .expect("sqlite_stat4")
    };
    let old_samples = samples(&old, "ev", "ev_user");
    assert!(!old_samples.is_empty());
    assert_eq!(samples(&new, "event", "event_user"), old_samples);

    // Without its statistics the new database would plan it otherwise: the
    // test above can fail.
    new.execute_batch("DELETE FROM sqlite_stat1; DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")
        .expect("drop statistics");
    let blind = Connection::open(p.path("new.db")).expect("reopen");
    assert_ne!(
        query_plan(
            &blind,
            "SELECT id FROM event WHERE kind = 1 AND user_id = 42"
        ),
        on_new
    );
}
