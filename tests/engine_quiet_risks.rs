//! Issue 18: a finding must be a real risk. For every rule in
//! `agent/engine/plan/risk.rs` a schema change close to the one that fires
//! it, where it must stay silent; and the dependency analysis not listing
//! an old index or foreign key the new schema replaces on the new names (a
//! renamed table whose indexes `schema.sql` defines again is LOW; an index
//! defined again leading with the renamed column, as newsboat's, too).

use mig::engine::plan::risk::{RiskLevel, RULES};

use crate::engine_plan::{case, finding};

/// (rule, old database, new schema): the rule must not fire.
const QUIET: &[(&str, &str, &str)] = &[
    (
        "constraint-blocks",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO c VALUES (1, 'a'), (2, 'b'), (3, NULL), (4, NULL);",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, email TEXT UNIQUE);",
    ),
    (
        "dropped-table",
        "CREATE TABLE comments (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO comments VALUES (1, 'x');",
        "-- mig:from comments\nCREATE TABLE comment (id INTEGER PRIMARY KEY, body TEXT);",
    ),
    (
        "dropped-column",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'x');",
        "-- mig:set full_name = name\nCREATE TABLE t (id INTEGER PRIMARY KEY, full_name TEXT);",
    ),
    (
        "foreign-key-violated",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER);
         INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1), (11, NULL);",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));",
    ),
    (
        "values-change",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, qty NUMERIC); INSERT INTO item VALUES (1, 7), (2, 12);",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, qty INTEGER);",
    ),
    (
        "broken-dependency",
        "CREATE TABLE comments (id INTEGER PRIMARY KEY, ticket_id INTEGER, body TEXT);
         CREATE INDEX comments_ticket ON comments(ticket_id);
         INSERT INTO comments VALUES (1, 7, 'x');",
        "-- mig:from comments\nCREATE TABLE comment (id INTEGER PRIMARY KEY, ticket_id INTEGER, body TEXT);
         CREATE INDEX comment_ticket ON comment(ticket_id);",
    ),
    (
        "index-not-kept",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, feedurl TEXT, pub INTEGER);
         CREATE INDEX idx_feedurl ON item(feedurl);
         INSERT INTO item VALUES (1, 'http://a', 1);",
        "-- mig:set feed_url = feedurl\nCREATE TABLE item (id INTEGER PRIMARY KEY, feed_url TEXT, pub INTEGER);
         CREATE INDEX idx_feed ON item(feed_url, pub);",
    ),
    (
        "not-null-default",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1, 'x');",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL DEFAULT 'open');",
    ),
    (
        "long-copy",
        "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         INSERT INTO big SELECT i, i FROM n;",
        "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER);",
    ),
    (
        "renumbered-keys",
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT); INSERT INTO p VALUES (1, 'A');",
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT NOT NULL);",
    ),
    (
        "affinity-change",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, code TEXT); INSERT INTO item VALUES (1, '007');",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, code VARCHAR(20));",
    ),
    (
        "new-constraint",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE); INSERT INTO t VALUES (1, 'x');",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE, note TEXT);",
    ),
    (
        "no-primary-key",
        "CREATE TABLE log (at TEXT NOT NULL, msg TEXT, PRIMARY KEY (at)) WITHOUT ROWID; INSERT INTO log VALUES ('now', 'hi');",
        "CREATE TABLE log (at TEXT NOT NULL, msg TEXT, PRIMARY KEY (at)) WITHOUT ROWID;",
    ),
    (
        "empty-drop",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY); CREATE TABLE empty (id INTEGER PRIMARY KEY, v TEXT);",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY); CREATE TABLE empty (id INTEGER PRIMARY KEY, v TEXT);",
    ),
];

#[test]
fn every_risk_rule_stays_silent_where_its_risk_is_absent() {
    for rule in RULES {
        assert!(
            QUIET.iter().any(|(r, _, _)| *r == rule.id),
            "rule {} has no case where it must not fire",
            rule.id
        );
    }
    for (rule, old, new) in QUIET {
        let p = case(old, new).plan();
        let fired: Vec<_> = p
            .assessment
            .findings
            .iter()
            .filter(|f| f.rule == *rule)
            .collect();
        assert!(
            fired.is_empty(),
            "{rule} fired on a safe change: {fired:#?}"
        );
    }
}

/// The plan of `old` → `new` lists no broken dependency and is LOW.
fn assert_nothing_breaks_and_low(old: &str, new: &str) {
    let p = case(old, new).plan();
    assert!(p.blockers.is_empty(), "{:#?}", p.blockers);
    let deps = &p.assessment.dependencies;
    assert!(deps.is_empty(), "{deps:#?}");
    let level = p.assessment.overall.level;
    assert_eq!(level, RiskLevel::Low, "{:#?}", p.assessment.findings);
}

#[test]
fn a_renamed_tables_index_defined_again_under_the_new_names_is_low() {
    let (_, old, new) = QUIET
        .iter()
        .find(|(r, _, _)| *r == "broken-dependency")
        .expect("the renamed-index case");
    assert_nothing_breaks_and_low(old, new);
    // Without the new index, the old one's lookups lose it: still a
    // finding, but of lookups (MEDIUM), not of something that breaks.
    let bare = new.replace("CREATE INDEX comment_ticket ON comment(ticket_id);", "");
    let f = finding(&case(old, &bare).plan(), "index-not-kept");
    assert!(
        f.reason.starts_with(
            "index comments_ticket reads table comments, which is renamed to comment: no index of the new schema leads with its columns"
        ),
        "{}",
        f.reason
    );
    assert_eq!(f.level, RiskLevel::Medium);
}

/// newsboat's cache (its own schema): the new schema renames
/// `rss_item.feedurl`, defines its index again under another name and
/// shape, redefines `idx_deleted` and adds a column with its own index.
/// Regression: plan rated the redefined index HIGH, as a broken dependency
/// of the old one ("renamed").
const NEWSBOAT: &str = r#"CREATE TABLE rss_feed ( rssurl VARCHAR(1024) PRIMARY KEY NOT NULL, url VARCHAR(1024) NOT NULL, title VARCHAR(1024) NOT NULL , lastmodified INTEGER(11) NOT NULL DEFAULT 0, is_rtl INTEGER(1) NOT NULL DEFAULT 0, etag VARCHAR(128) NOT NULL DEFAULT "" );
CREATE TABLE rss_item ( id INTEGER PRIMARY KEY AUTOINCREMENT, guid VARCHAR(64) NOT NULL, title VARCHAR(1024) NOT NULL, author VARCHAR(1024) NOT NULL, url VARCHAR(1024) NOT NULL, feedurl VARCHAR(1024) NOT NULL, pubDate INTEGER NOT NULL, content VARCHAR(65535) NOT NULL, unread INTEGER(1) NOT NULL , enclosure_url VARCHAR(1024), enclosure_type VARCHAR(1024), enqueued INTEGER(1) NOT NULL DEFAULT 0, flags VARCHAR(52), deleted INTEGER(1) NOT NULL DEFAULT 0, base VARCHAR(128) NOT NULL DEFAULT "");
CREATE INDEX idx_rssurl ON rss_feed(rssurl);
CREATE INDEX idx_guid ON rss_item(guid);
CREATE INDEX idx_feedurl ON rss_item(feedurl);
CREATE INDEX idx_lastmodified ON rss_feed(lastmodified);
CREATE INDEX idx_deleted ON rss_item(deleted);
INSERT INTO rss_feed VALUES ('http://a', 'http://a', 'A', 0, 0, '');
INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread)
  VALUES ('g1', 't', 'a', 'u', 'http://a', 1, 'c', 1), ('g2', 't', 'a', 'u', 'http://a', 2, 'c', 0);"#;

fn newsboat_v2(feed_index: &str) -> String {
    NEWSBOAT
        .lines()
        .filter(|l| !l.starts_with("INSERT") && !l.starts_with("  VALUES"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "CREATE TABLE rss_item",
            "-- mig:set feed_url = feedurl\nCREATE TABLE rss_item",
        )
        .replace("feedurl VARCHAR(1024)", "feed_url VARCHAR(1024)")
        .replace(
            r#"base VARCHAR(128) NOT NULL DEFAULT "")"#,
            r#"base VARCHAR(128) NOT NULL DEFAULT "", starred INTEGER NOT NULL DEFAULT 0)"#,
        )
        .replace("CREATE INDEX idx_feedurl ON rss_item(feedurl);", feed_index)
        .replace(
            "idx_deleted ON rss_item(deleted)",
            "idx_deleted ON rss_item(deleted, unread)",
        )
        + "\nCREATE INDEX idx_starred ON rss_item(starred);"
}

#[test]
fn newsboat_index_redefined_on_a_renamed_column_is_no_broken_dependency() {
    let redefined = newsboat_v2("CREATE INDEX idx_feed_url ON rss_item(feed_url, pubDate);");
    assert_nothing_breaks_and_low(NEWSBOAT, &redefined);
    // An index that does not lead with feed_url does not serve its lookups.
    let p = case(
        NEWSBOAT,
        &newsboat_v2("CREATE INDEX idx_pub ON rss_item(pubDate, feed_url);"),
    )
    .plan();
    let f = finding(&p, "index-not-kept");
    assert_eq!(f.subject, "idx_feedurl");
    assert_eq!(
        p.assessment.overall.level,
        RiskLevel::Medium,
        "{:#?}",
        p.assessment.findings
    );
    // A unique index carries a guarantee: losing it is still HIGH.
    let unique = NEWSBOAT.replace("CREATE INDEX idx_guid", "CREATE UNIQUE INDEX idx_guid");
    let new = newsboat_v2("")
        .replace("guid VARCHAR(64)", "item_guid VARCHAR(64)")
        .replace(
            "-- mig:set feed_url = feedurl",
            "-- mig:set feed_url = feedurl\n-- mig:set item_guid = guid",
        )
        .replace(
            "idx_guid ON rss_item(guid)",
            "idx_item_guid ON rss_item(item_guid, feed_url)",
        );
    let f = finding(&case(&unique, &new).plan(), "broken-dependency");
    assert!(
        f.reason
            .starts_with("unique index idx_guid reads rss_item.guid"),
        "{}",
        f.reason
    );
}

#[test]
fn a_replacement_must_keep_what_the_old_index_or_foreign_key_guaranteed() {
    let old = "CREATE TABLE owners (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE);
        CREATE UNIQUE INDEX owners_email ON owners(email);
        CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(id));
        INSERT INTO owners VALUES (1, 'a@x'); INSERT INTO pets VALUES (1, 1);";
    let owner = "-- mig:from owners\nCREATE TABLE owner (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE);";
    let pets_fk =
        "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owner(id));";
    let pets_bare = "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER);";
    let names = |new: &str| -> Vec<String> {
        let mut v: Vec<String> = case(old, new)
            .plan()
            .assessment
            .dependencies
            .iter()
            .map(|d| d.name.clone())
            .collect();
        v.sort();
        v
    };
    // The same unique index, and the foreign key to the renamed parent.
    let full = format!("{owner}\nCREATE UNIQUE INDEX owner_email ON owner(email);\n{pets_fk}");
    assert!(names(&full).is_empty(), "{:?}", names(&full));
    // A non-unique index does not keep the emails unique; no foreign key.
    let weaker = format!("{owner}\nCREATE INDEX owner_email ON owner(email);\n{pets_bare}");
    assert_eq!(names(&weaker), ["owners_email", "pets(owner_id)"]);
    // Another collation orders (and compares) differently.
    let binary = format!(
        "{owner}\nCREATE UNIQUE INDEX owner_email ON owner(email COLLATE BINARY);\n{pets_fk}"
    );
    assert_eq!(names(&binary), ["owners_email"]);
}

/// An old foreign key by a text key (or a composite one) to a parent the
/// new schema renames and renumbers: the new reference, translated through
/// the parent's id mapping and declared REFERENCES the new parent, is its
/// counterpart (it was listed as breaking, HIGH 55). Without the new
/// REFERENCES the constraint goes: still listed.
#[test]
fn a_reference_translated_to_a_renamed_renumbered_parent_replaces_the_old_foreign_key() {
    let old = r#"CREATE TABLE "stock items" ("item code" TEXT PRIMARY KEY, qty INTEGER) WITHOUT ROWID;
        CREATE TABLE "stock movements" (id INTEGER PRIMARY KEY, "item code" TEXT REFERENCES "stock items"("item code"), delta INTEGER);
        CREATE TABLE datum (auth TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (auth, code));
        CREATE TABLE crs (id INTEGER PRIMARY KEY, d_auth TEXT, d_code TEXT, FOREIGN KEY (d_auth, d_code) REFERENCES datum (auth, code));
        INSERT INTO "stock items" VALUES ('SKU-1', 3); INSERT INTO "stock movements" VALUES (1, 'SKU-1', 2);
        INSERT INTO datum VALUES ('EPSG', '1'); INSERT INTO crs VALUES (1, 'EPSG', '1');"#;
    let new = |items_ref: &str, datum_ref: &str| {
        format!(
            "-- mig:from \"stock items\"\n-- mig:set code = \"item code\"\n\
             CREATE TABLE items (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, qty INTEGER);\n\
             -- mig:set item_id = \"item code\"\n\
             CREATE TABLE \"stock movements\" (id INTEGER PRIMARY KEY, item_id INTEGER {items_ref}, delta INTEGER);\n\
             -- mig:from datum\n\
             CREATE TABLE datums (id INTEGER PRIMARY KEY, auth TEXT NOT NULL, code TEXT NOT NULL, UNIQUE (auth, code));\n\
             -- mig:set datum_id = (d_auth, d_code)\n\
             CREATE TABLE crs (id INTEGER PRIMARY KEY, datum_id INTEGER {datum_ref});"
        )
    };
    let deps = |new: &str| dependencies(old, new);
    let declared = new("REFERENCES items(id)", "REFERENCES datums(id)");
    assert!(deps(&declared).is_empty(), "{:?}", deps(&declared));
    // (A composite reference needs its REFERENCES: a row value is refused
    // anywhere else.)
    assert_eq!(
        deps(&new("", "REFERENCES datums(id)")),
        ["foreign key stock movements(item code) references table stock items, which is renamed to items"]
    );
}

/// A split (`mig:from user` on a second table taking `bio`): the old index
/// on `user.bio` is served by the one `schema.sql` declares on the table
/// the column moves to, so it is no broken dependency (it was listed, as
/// if `bio` were dropped, since `user` itself has no such index). Without
/// that index it still is, and so is a view naming a column dropped for
/// good.
#[test]
fn an_index_declared_on_the_split_table_replaces_the_old_one_and_a_dropped_column_still_breaks_its_view(
) {
    let old = "CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT, bio TEXT, legacy TEXT);
        CREATE INDEX user_bio ON user(bio);
        CREATE VIEW user_names AS SELECT id, name FROM user;
        INSERT INTO user VALUES (1, 'ann', 'hi', 'x');";
    let split = |index: &str| {
        format!(
            "CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT);\n\
             CREATE VIEW user_names AS SELECT id, name FROM user;\n\
             -- mig:from user\n\
             CREATE TABLE user_profile (id INTEGER PRIMARY KEY, bio TEXT);\n{index}"
        )
    };
    let deps = dependencies;
    let indexed = split("CREATE INDEX user_profile_bio ON user_profile(bio);");
    assert_eq!(deps(old, &indexed), Vec::<String>::new());
    assert_eq!(
        deps(old, &split("")),
        ["index user_bio reads user.bio, which is moved to user_profile.bio"]
    );
    let with_view = old.replace(
        "INSERT INTO",
        "CREATE VIEW user_legacy AS SELECT id, legacy FROM user;\n INSERT INTO",
    );
    assert_eq!(
        deps(&with_view, &indexed),
        ["view user_legacy reads user.legacy, which is dropped"]
    );
}

/// The plan's broken dependencies for `old` migrated to `new`, sorted (the
/// plan has no blockers).
fn dependencies(old: &str, new: &str) -> Vec<String> {
    let p = case(old, new).plan();
    assert!(p.blockers.is_empty(), "{:#?}", p.blockers);
    let mut v: Vec<String> = p
        .assessment
        .dependencies
        .iter()
        .map(|d| d.message.clone())
        .collect();
    v.sort();
    v
}
