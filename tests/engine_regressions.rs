//! Regression tests, each named after the bug it guards.

use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use mig::engine::{Control, Ctx, Event};
use rusqlite::Connection;

fn quiet<T>(f: impl FnOnce(&mut Ctx<'_>) -> T) -> T {
    let control = Control::default();
    let mut sink = |_: Event| {};
    f(&mut Ctx {
        control: &control,
        sink: &mut sink,
    })
}

/// Found by running the runbook on a blog database: a child whose primary
/// key holds a reference to a renumbered parent kept rows deleted from the
/// old database, because the replayed delete looked for the untranslated key.
#[test]
fn deleted_child_rows_keyed_by_a_translated_reference_are_replayed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    let c = Connection::open(&old).expect("old");
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE posts (slug TEXT PRIMARY KEY, title TEXT);
         CREATE TABLE comments (post TEXT, n INTEGER, text TEXT, PRIMARY KEY (post, n));
         INSERT INTO posts VALUES ('a', 'A'), ('b', 'B');
         INSERT INTO comments VALUES ('a', 0, 'x'), ('a', 1, 'y'), ('b', 0, 'z');",
    )
    .expect("old schema");
    let schema = SchemaFile::parse(
        "schema.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, slug TEXT UNIQUE NOT NULL, title TEXT);
         -- mig:set post_id = post
         CREATE TABLE comments (post_id INTEGER NOT NULL REFERENCES posts(id), n INTEGER NOT NULL, text TEXT, PRIMARY KEY (post_id, n)) WITHOUT ROWID;",
    )
    .expect("schema");
    let spec = DatabaseSpec {
        old: Some(old.clone()),
        new: Some(new.clone()),
        project: None,
    };
    quiet(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    c.execute_batch("DELETE FROM comments WHERE post = 'a' AND n = 0; UPDATE comments SET text = 'w' WHERE post = 'b';")
        .expect("writes");
    quiet(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    let n = Connection::open(&new).expect("new");
    let rows: Vec<(String, i64, String)> = n
        .prepare("SELECT p.slug, c.n, c.text FROM comments c JOIN posts p ON p.id = c.post_id ORDER BY 1, 2")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        rows,
        vec![("a".into(), 1, "y".into()), ("b".into(), 0, "w".into())]
    );
}
