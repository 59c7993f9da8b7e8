//! The two ways reverse replay applies a batch, on real files through the
//! engine API: in place (old rows updated where they are, so a rowid table
//! with a declared composite key keeps its rows' rowids), and rebuilt
//! (every touched old row deleted and inserted again, with its rowid) when
//! a key moves or updating row by row would be refused on the way — two
//! rows swapping a UNIQUE value in one batch. Each checked against the same
//! rows read from the new database.

use mig::engine::open::Busy;
use mig::engine::ops::{self, RevertOptions};
use rusqlite::types::Value;

use crate::support::runbook::{rows, run, window_over, Window};

/// `old_sql` creates and fills the old database; `schema` is the new one.
fn cut_over(old_sql: &str, schema: &str) -> Window {
    window_over(old_sql, schema).expect("cutover")
}

/// Carries every reverse log entry back in one batch, as the agent would.
fn carry_back(w: &Window) {
    let mut applied = 0;
    while let Some(s) = ops::window_slice(&w.spec, Busy::default(), 100_000).expect("slice") {
        applied += s.applied;
        if s.applied == 0 && s.pending == 0 {
            break;
        }
    }
    assert!(applied > 0, "nothing carried back");
}

#[test]
fn reverse_replay_updates_old_rows_in_place_keeping_their_rowids() {
    let w = cut_over(
        "CREATE TABLE usage (auth TEXT NOT NULL, code INTEGER NOT NULL, scope TEXT, legacy TEXT DEFAULT 'l',
           PRIMARY KEY (auth, code));
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
         INSERT INTO usage(auth, code, scope, legacy) SELECT 'EPSG', i, 'scope ' || i, 'kept ' || i FROM n;",
        "CREATE TABLE usage (auth TEXT NOT NULL, code INTEGER NOT NULL, scope TEXT, remarks TEXT,
           PRIMARY KEY (auth, code));",
    );
    let before = rows(
        &w.old,
        "SELECT auth, code, rowid, legacy FROM usage ORDER BY 1, 2",
    );
    rusqlite::Connection::open(&w.new)
        .and_then(|c| {
            c.execute_batch(
                "UPDATE usage SET scope = 'changed ' || code WHERE code % 3 = 0;
                 DELETE FROM usage WHERE code % 7 = 0;
                 INSERT INTO usage(auth, code, scope) VALUES ('NEW', 1, 'inserted');",
            )
        })
        .expect("the new service writes");
    carry_back(&w);
    // Every row the new database kept: its old row's rowid and dropped
    // column as before the window.
    let after = rows(
        &w.old,
        "SELECT auth, code, rowid, legacy FROM usage ORDER BY 1, 2",
    );
    let kept: Vec<_> = before
        .iter()
        .filter(|r| !matches!(r[1], Value::Integer(c) if c % 7 == 0))
        .cloned()
        .collect();
    let old_rows: Vec<_> = after
        .into_iter()
        .filter(|r| r[0] != Value::Text("NEW".into()))
        .collect();
    assert_eq!(old_rows, kept);
    // A batch with a key that moves is rebuilt: the rows updated in it
    // still get their rowids back.
    let rowid_of_6 = "SELECT rowid, legacy FROM usage WHERE auth = 'EPSG' AND code = 6";
    let before = rows(&w.old, rowid_of_6);
    rusqlite::Connection::open(&w.new)
        .and_then(|c| {
            c.execute_batch(
                "UPDATE usage SET code = 1003 WHERE auth = 'EPSG' AND code = 3;
                 UPDATE usage SET scope = 'again' WHERE auth = 'EPSG' AND code = 6;",
            )
        })
        .expect("the new service writes");
    carry_back(&w);
    assert_eq!(rows(&w.old, rowid_of_6), before);
    run(|ctx| ops::revert(&w.spec, &RevertOptions::default(), ctx)).expect("revert");
    assert_eq!(
        rows(&w.old, "SELECT auth, code, scope FROM usage ORDER BY 1, 2"),
        rows(&w.new, "SELECT auth, code, scope FROM usage ORDER BY 1, 2")
    );
}

#[test]
fn a_batch_swapping_a_unique_value_between_two_rows_is_rebuilt_and_loses_nothing() {
    let w = cut_over(
        "CREATE TABLE account (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
         INSERT INTO account SELECT i, 'a' || i || '@x.org', 'name ' || i FROM n;",
        "CREATE TABLE account (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, plan TEXT);",
    );
    rusqlite::Connection::open(&w.new)
        .and_then(|c| {
            c.execute_batch(
                "BEGIN;
                 UPDATE account SET email = 'swap' WHERE id = 1;
                 UPDATE account SET email = 'a1@x.org' WHERE id = 2;
                 UPDATE account SET email = 'a2@x.org' WHERE id = 1;
                 UPDATE account SET name = 'renamed' WHERE id = 3;
                 COMMIT;",
            )
        })
        .expect("the new service swaps two emails");
    carry_back(&w);
    // Row by row, each of the two is refused while the other holds its
    // email: only the rebuilt batch passes, with no conflict recorded.
    let conflicts = rows(&w.old, "SELECT count(*) FROM _mig_revert_conflict");
    assert_eq!(conflicts, [[Value::Integer(0)]]);
    assert_eq!(
        rows(&w.old, "SELECT id, email, name FROM account ORDER BY id"),
        rows(&w.new, "SELECT id, email, name FROM account ORDER BY id")
    );
    run(|ctx| ops::revert(&w.spec, &RevertOptions::default(), ctx)).expect("revert");
}

/// In place, an indexed column is set only where it changes; a change its
/// collation calls equal (case, under NOCASE) or a change of type is still
/// one, and comes back.
#[test]
fn an_indexed_column_changed_only_in_case_or_type_comes_back_in_place() {
    let w = cut_over(
        "CREATE TABLE member (id INTEGER PRIMARY KEY, handle TEXT COLLATE NOCASE, score, note TEXT);
         CREATE INDEX member_handle ON member(handle);
         CREATE INDEX member_score ON member(score);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
         INSERT INTO member SELECT i, 'Handle' || i, i, 'note ' || i FROM n;",
        "CREATE TABLE member (id INTEGER PRIMARY KEY, handle TEXT COLLATE NOCASE, score, note TEXT, joined TEXT);",
    );
    rusqlite::Connection::open(&w.new)
        .and_then(|c| {
            c.execute_batch(
                "UPDATE member SET handle = lower(handle) WHERE id <= 5;
                 UPDATE member SET score = CAST(score AS TEXT) WHERE id BETWEEN 6 AND 10;
                 UPDATE member SET score = score + 0.0 WHERE id BETWEEN 11 AND 15;
                 UPDATE member SET note = 'changed' WHERE id > 30;",
            )
        })
        .expect("the new service writes");
    carry_back(&w);
    let all = "SELECT id, handle, score, typeof(score), note FROM member ORDER BY id";
    assert_eq!(rows(&w.old, all), rows(&w.new, all));
    run(|ctx| ops::revert(&w.spec, &RevertOptions::default(), ctx)).expect("revert");
}
