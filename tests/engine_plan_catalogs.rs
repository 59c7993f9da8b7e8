//! The plan's catalogs (issue 20: one catalog read per plan): the checks
//! that follow a plan on its own connection use the catalogs it was built
//! from, which equal a fresh read (the id mapping's tables the builder adds
//! are not listed), and only while neither schema changed.

use std::borrow::Cow;

use mig::engine::open;
use mig::engine::plan::{self, Catalogs, Depth};
use rusqlite::Connection;

use crate::engine_plan::case;

#[test]
fn plan_catalogs_are_reused_on_their_connection_until_a_schema_changes() {
    // `p` is renumbered: building the plan adds its id mapping to `main`.
    let c = case(
        "CREATE TABLE p (code TEXT PRIMARY KEY, title TEXT); INSERT INTO p VALUES ('A', 'a');",
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT);",
    );
    let (scratch, hash) = c.schema.reflect().expect("reflect");
    open::attach_old(&scratch, &c.old).expect("attach");
    let plan = plan::build(&scratch, &c.schema, &hash, Depth::Full).expect("plan");
    let kept = Catalogs::of(&scratch, &plan).expect("catalogs");
    assert!(
        matches!(kept, Cow::Borrowed(_)),
        "the plan's own connection, unchanged, reads its catalogs again"
    );
    let fresh = Catalogs::read(&scratch).expect("fresh read");
    assert_eq!(format!("{:?}", kept.target), format!("{:?}", fresh.target));
    assert_eq!(format!("{:?}", kept.old), format!("{:?}", fresh.old));

    // Another connection changes the old schema: read afresh, table seen.
    Connection::open(&c.old)
        .and_then(|o| o.execute_batch("CREATE TABLE added (x INTEGER PRIMARY KEY);"))
        .expect("changing the old schema");
    let after = Catalogs::of(&scratch, &plan).expect("catalogs");
    assert!(
        matches!(after, Cow::Owned(_)),
        "a changed old schema is reused"
    );
    assert!(after.old.table("added").is_some());

    // Another connection's files (the target schema reflected again, no
    // old attached under that name at that version): read afresh.
    let (other, _) = c.schema.reflect().expect("reflect");
    other
        .execute_batch("CREATE TABLE extra (y INTEGER PRIMARY KEY);")
        .expect("changing the other scratch");
    open::attach_old(&other, &c.old).expect("attach");
    let theirs = Catalogs::of(&other, &plan).expect("catalogs");
    assert!(
        matches!(theirs, Cow::Owned(_)),
        "another connection's catalogs are the plan's"
    );
    assert!(theirs.target.table("extra").is_some());
}
