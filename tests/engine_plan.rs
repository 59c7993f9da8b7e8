//! `plan`'s analysis on real SQLite files: each risk rule fired by a schema
//! that triggers it, the dependency analysis, the constraint pre-check on
//! violating rows (and `migrate` refusing with the same line before any
//! file exists), and the rehearsal leaving the live files untouched.

use std::path::{Path, PathBuf};

use mig::engine::open::Busy;
use mig::engine::ops::{self, MigrateOptions, PlanOutcome};
use mig::engine::plan::risk::{Finding, RiskLevel};
use mig::engine::rehearse::{self, RehearseOptions};
use mig::engine::schema::SchemaFile;
use mig::engine::EngineError;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::support::runbook::{run, spec};

pub(crate) struct Case {
    _dir: tempfile::TempDir,
    pub(crate) old: PathBuf,
    new: PathBuf,
    pub(crate) schema: SchemaFile,
}

/// An old database made by `old_sql` (in WAL mode) and the target `new_sql`.
pub(crate) fn case(old_sql: &str, new_sql: &str) -> Case {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    Connection::open(&old)
        .and_then(|c| c.execute_batch(&format!("PRAGMA journal_mode = WAL;\n{old_sql}")))
        .expect("old database");
    let schema = SchemaFile::parse("schema.sql", new_sql).expect("schema parses");
    Case {
        _dir: dir,
        old,
        new,
        schema,
    }
}

impl Case {
    pub(crate) fn plan(&self) -> PlanOutcome {
        ops::plan(
            &spec(&self.old, &self.new),
            &self.schema,
            &ops::PlanOptions::default(),
        )
        .expect("plan")
    }
}

/// The one finding of `rule` in a plan.
pub(crate) fn finding(p: &PlanOutcome, rule: &str) -> Finding {
    let found: Vec<&Finding> = p
        .assessment
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "findings of {rule}: {:#?}",
        p.assessment.findings
    );
    found[0].clone()
}

/// Runs one plan and checks one rule's level and reason.
fn check_rule(old_sql: &str, new_sql: &str, rule: &str, level: RiskLevel, reason: &str) {
    let p = case(old_sql, new_sql).plan();
    let f = finding(&p, rule);
    assert_eq!(f.level, level, "{f:#?}");
    assert!(
        f.reason.contains(reason),
        "reason {:?} lacks {reason:?}",
        f.reason
    );
    assert!(p.assessment.overall.level >= level);
}

const TWO_TABLES: &str = "CREATE TABLE keep (id INTEGER PRIMARY KEY, name TEXT, note TEXT);
INSERT INTO keep VALUES (1, 'a', 'x'), (2, 'b', NULL), (3, 'c', 'z');
CREATE TABLE gone (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO gone VALUES (1, 'p'), (2, 'q');";

#[test]
fn risk_dropped_table_with_rows_is_critical() {
    check_rule(
        TWO_TABLES,
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, name TEXT, note TEXT);",
        "dropped-table",
        RiskLevel::Critical,
        "table gone is dropped: 2 rows lost",
    );
}

#[test]
fn risk_dropped_column_with_values_is_high() {
    check_rule(
        TWO_TABLES,
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE gone (id INTEGER PRIMARY KEY, v TEXT);",
        "dropped-column",
        RiskLevel::High,
        "column keep.note is dropped: 2 non-NULL values lost",
    );
}

#[test]
fn risk_dropping_an_empty_table_is_low() {
    check_rule(
        "CREATE TABLE keep (id INTEGER PRIMARY KEY); CREATE TABLE empty (id INTEGER PRIMARY KEY);",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY);",
        "empty-drop",
        RiskLevel::Low,
        "table empty is dropped: 0 rows lost",
    );
}

#[test]
fn risk_text_to_integer_counts_the_values_that_change() {
    let old = "CREATE TABLE item (id INTEGER PRIMARY KEY, code TEXT);
        INSERT INTO item VALUES (1, '007'), (2, '12'), (3, 'abc'), (4, NULL);";
    let p = case(
        old,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, code INTEGER);",
    )
    .plan();
    let f = finding(&p, "values-change");
    assert_eq!(f.level, RiskLevel::High);
    assert!(
        f.reason
            .contains("item.code TEXT -> item.code INTEGER: 2 of 3 probed values change ('007' -> 7, '12' -> 12)"),
        "{}",
        f.reason
    );
}

#[test]
fn risk_affinity_change_without_changed_values_is_medium() {
    check_rule(
        "CREATE TABLE item (id INTEGER PRIMARY KEY, code TEXT); INSERT INTO item VALUES (1, 'abc');",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, code INTEGER);",
        "affinity-change",
        RiskLevel::Medium,
        "type affinity changes; none of 1 probed values change",
    );
}

#[test]
fn risk_unique_violation_blocks_and_is_critical() {
    check_rule(
        "CREATE TABLE c (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO c VALUES (1, 'a'), (2, 'a');",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, email TEXT UNIQUE);",
        "constraint-blocks",
        RiskLevel::Critical,
        "2 rows in c would violate UNIQUE(email) of c",
    );
}

#[test]
fn risk_dangling_foreign_key_is_high_but_does_not_block() {
    let old = "CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER);
        INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1), (11, 2), (12, NULL);";
    let new = "CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));";
    let p = case(old, new).plan();
    let f = finding(&p, "foreign-key-violated");
    assert_eq!(f.level, RiskLevel::High);
    assert!(
        f.reason.starts_with("1 row in child would violate FOREIGN KEY(parent_id) REFERENCES parent of child (old keys: 11)"),
        "{}",
        f.reason
    );
    assert!(p.can_migrate(), "{:?}", p.blockers);
}

#[test]
fn risk_null_into_not_null_with_default_is_medium() {
    check_rule(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1, NULL), (2, 'x');",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL DEFAULT 'open');",
        "not-null-default",
        RiskLevel::Medium,
        "1 row in t would violate NOT NULL(s) of t (old keys: 1); they would take the column's DEFAULT",
    );
}

#[test]
fn risk_new_constraint_that_old_rows_pass_is_low() {
    check_rule(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1, 'x');",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL CHECK (length(s) < 5));",
        "new-constraint",
        RiskLevel::Low,
        "new constraints on t: NOT NULL(s), CHECK(length(s) < 5); no old row violates them",
    );
}

#[test]
fn risk_renumbered_keys_is_medium() {
    check_rule(
        "CREATE TABLE p (code TEXT PRIMARY KEY, title TEXT); INSERT INTO p VALUES ('A', 'a');",
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT);",
        "renumbered-keys",
        RiskLevel::Medium,
        "table p is renumbered: 1 rows get new keys",
    );
}

#[test]
fn risk_table_without_primary_key_is_medium() {
    check_rule(
        "CREATE TABLE log (at TEXT, msg TEXT); INSERT INTO log VALUES ('now', 'hi');",
        "CREATE TABLE log (at TEXT, msg TEXT);",
        "no-primary-key",
        RiskLevel::Medium,
        "old table log has no primary key",
    );
}

#[test]
fn risk_a_million_row_table_is_a_long_copy() {
    check_rule(
        "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
         INSERT INTO big SELECT i, i FROM n;",
        "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER);",
        "long-copy",
        RiskLevel::Medium,
        "table big: 1000000 rows",
    );
}

#[test]
fn risk_overall_is_the_highest_finding_plus_two_per_other_finding() {
    let p = case(
        TWO_TABLES,
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, name TEXT);",
    )
    .plan();
    let a = &p.assessment;
    // dropped-table (90) and dropped-column (70).
    assert_eq!(a.findings.len(), 2, "{:#?}", a.findings);
    assert_eq!(
        (a.overall.level, a.overall.score),
        (RiskLevel::Critical, 92)
    );
    assert!(a.overall.reasons[0].starts_with("CRITICAL: table gone is dropped"));
}

#[test]
fn a_plan_without_risky_change_is_low_with_score_zero() {
    let p = case(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1, 'x');",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);",
    )
    .plan();
    let a = &p.assessment;
    assert_eq!(
        (a.overall.level, a.overall.score),
        (RiskLevel::Low, 0),
        "{:#?}",
        a.findings
    );
}

const SHOP_OLD: &str = "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), amount REAL, note TEXT);
CREATE TABLE audit (id INTEGER PRIMARY KEY, msg TEXT);
CREATE VIEW order_totals AS SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id;
CREATE VIEW customer_names AS SELECT name FROM customer;
CREATE INDEX orders_note ON orders(note);
CREATE TRIGGER orders_audit AFTER UPDATE ON orders BEGIN INSERT INTO audit(msg) VALUES (NEW.note); END;
INSERT INTO customer VALUES (1, 'ann');
INSERT INTO orders VALUES (1, 1, 9.5, 'n');";

#[test]
fn dependencies_name_each_old_object_that_reads_what_goes_away() {
    // amount is dropped, note renamed to remark, customer dropped.
    let new = "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, remark TEXT);
        -- mig:set remark = note
        CREATE TABLE audit (id INTEGER PRIMARY KEY, msg TEXT);";
    let new = new.replace(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, remark TEXT);\n        -- mig:set remark = note\n",
        "-- mig:set remark = note\nCREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, remark TEXT);\n",
    );
    let p = case(SHOP_OLD, &new).plan();
    let mut messages: Vec<String> = p
        .assessment
        .dependencies
        .iter()
        .map(|d| d.message.clone())
        .collect();
    messages.sort();
    assert_eq!(
        messages,
        vec![
            "foreign key orders(customer_id) references table customer, which is dropped",
            "index orders_note reads orders.note, which is renamed to orders.remark",
            "trigger orders_audit reads orders.note, which is renamed to orders.remark",
            "view customer_names reads table customer, which is dropped",
            "view order_totals reads orders.amount, which is dropped",
        ]
    );
    let f = p
        .assessment
        .findings
        .iter()
        .find(|f| f.rule == "broken-dependency")
        .expect("a broken-dependency finding");
    assert_eq!(f.level, RiskLevel::High);
}

#[test]
fn an_object_the_new_schema_defines_again_is_not_a_broken_dependency() {
    let new = "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), note TEXT);
        CREATE TABLE audit (id INTEGER PRIMARY KEY, msg TEXT);
        CREATE VIEW order_totals AS SELECT customer_id, count(*) AS total FROM orders GROUP BY customer_id;";
    let p = case(SHOP_OLD, new).plan();
    let names: Vec<&str> = p
        .assessment
        .dependencies
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert!(!names.contains(&"order_totals"), "{names:?}");
}

const DUPLICATES: &str = "CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, Email TEXT, Qty INTEGER);
INSERT INTO Customer VALUES (1, 'a@x', 1), (2, 'A@X', 1), (3, 'b@x', 1), (4, 'a@X', 1), (5, NULL, 1), (6, 'c@x', -1);";

const UNIQUE_LOWER: &str = "-- mig:from Customer
-- mig:set id = CustomerId
-- mig:set email = lower(Email)
-- mig:set qty = Qty
CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT UNIQUE, qty INTEGER);";

#[test]
fn precheck_counts_rows_that_would_violate_unique_under_the_mapping() {
    let c = case(DUPLICATES, UNIQUE_LOWER);
    let p = c.plan();
    let v: Vec<_> = p
        .assessment
        .constraints
        .iter()
        .filter(|c| c.rows > 0)
        .collect();
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].constraint, "UNIQUE(email)");
    assert_eq!(
        (v[0].rows, v[0].examples.shown().to_vec()),
        (3, vec!["1".into(), "2".into(), "4".into()])
    );
    assert!(v[0].blocks);
    let line = "3 rows in Customer would violate UNIQUE(email) of customer (old keys: 1, 2, 4)";
    assert!(!p.can_migrate());
    assert!(
        p.blockers.iter().any(|b| b.starts_with(line)),
        "{:?}",
        p.blockers
    );
}

#[test]
fn migrate_refuses_a_unique_violation_at_start_and_creates_no_file() {
    let c = case(DUPLICATES, UNIQUE_LOWER);
    let old_before = std::fs::read(&c.old).expect("old");
    let err = run(|ctx| {
        ops::migrate(
            &spec(&c.old, &c.new),
            &c.schema,
            &MigrateOptions::default(),
            ctx,
        )
    })
    .expect_err("migrate must refuse");
    assert!(matches!(err, EngineError::PlanBlocked(_)), "{err:?}");
    assert!(
        err.to_string().starts_with(
            "3 rows in Customer would violate UNIQUE(email) of customer (old keys: 1, 2, 4)"
        ),
        "{err}"
    );
    assert!(!c.new.exists(), "migrate created the new database");
    assert!(!PathBuf::from(format!("{}.mig-tmp", c.new.display())).exists());
    let marker: i64 = Connection::open(&c.old)
        .and_then(|db| {
            db.query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = '_migration_marker'",
                [],
                |r| r.get(0),
            )
        })
        .expect("old");
    assert_eq!(marker, 0, "recording was installed");
    assert_eq!(std::fs::read(&c.old).expect("old"), old_before);
}

#[test]
fn precheck_counts_check_and_not_null_violations_with_example_keys() {
    let new = "-- mig:from Customer
-- mig:set id = CustomerId
-- mig:set email = Email
-- mig:set qty = Qty
CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT NOT NULL, qty INTEGER CHECK (qty > 0));";
    let p = case(DUPLICATES, new).plan();
    let lines: Vec<String> = p
        .assessment
        .constraints
        .iter()
        .filter(|c| c.rows > 0)
        .map(|c| {
            format!(
                "{} {} {:?} {}",
                c.constraint,
                c.rows,
                c.examples.shown(),
                c.blocks
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            "NOT NULL(email) 1 [\"5\"] true".to_string(),
            "CHECK(qty > 0) 1 [\"6\"] true".to_string(),
        ]
    );
    assert_eq!(p.blockers.len(), 2, "{:?}", p.blockers);
}

#[test]
fn precheck_counts_values_a_strict_column_type_refuses() {
    let old = "CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT);
        INSERT INTO t VALUES (1, '12'), (2, 'abc'), (3, NULL), (4, 7), (5, x'00'), (6, '3.5');";
    let p = case(
        old,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER) STRICT;",
    )
    .plan();
    let v: Vec<_> = p
        .assessment
        .constraints
        .iter()
        .filter(|c| c.rows > 0)
        .collect();
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].constraint, "STRICT INTEGER(n)");
    // '12' converts; 'abc', the blob and 3.5 (not an integer) do not.
    assert_eq!(
        (v[0].rows, v[0].examples.shown().to_vec()),
        (3, vec!["2".into(), "5".into(), "6".into()])
    );
    assert!(!p.can_migrate());
    let line = "3 rows in t would violate STRICT INTEGER(n) of t (old keys: 2, 5, 6); the copy would stop at the first one";
    assert!(
        p.blockers.iter().any(|b| b.starts_with(line)),
        "{:?}",
        p.blockers
    );
}

#[test]
fn precheck_lists_at_most_five_example_keys_of_a_composite_key() {
    let old = "CREATE TABLE t (a TEXT, b INTEGER, v TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8)
        INSERT INTO t SELECT 'k', i, 'same' FROM n;";
    let p = case(
        old,
        "CREATE TABLE t (a TEXT, b INTEGER, v TEXT UNIQUE, PRIMARY KEY (a, b)) WITHOUT ROWID;",
    )
    .plan();
    let v = p
        .assessment
        .constraints
        .iter()
        .find(|c| c.rows > 0)
        .expect("a violation");
    assert_eq!(v.rows, 8);
    assert_eq!(
        v.examples.shown(),
        vec!["('k', 1)", "('k', 2)", "('k', 3)", "('k', 4)", "('k', 5)"]
    );
}

fn hash(p: &Path) -> Option<String> {
    std::fs::read(p)
        .ok()
        .map(|b| hex::encode(Sha256::digest(&b)))
}

/// The old file and its WAL. (`-shm` is the WAL's shared-memory index:
/// every reader, the service's own included, writes its read marks there.)
fn live_files(old: &Path) -> Vec<(String, Option<String>)> {
    ["", "-wal"]
        .iter()
        .map(|s| {
            let p = PathBuf::from(format!("{}{s}", old.display()));
            (s.to_string(), hash(&p))
        })
        .collect()
}

const REHEARSED: &str = "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), qty INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO customer SELECT i, 'c' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
INSERT INTO orders SELECT i, 1 + i % 2000, i FROM n;";

const REHEARSED_NEW: &str = "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), qty INTEGER);";

fn opts(sample_percent: f64) -> RehearseOptions {
    RehearseOptions {
        sample_percent,
        busy: Busy::default(),
        allow_rollback_journal: false,
    }
}

#[test]
fn rehearsal_leaves_the_live_files_byte_identical_and_creates_no_new_db() {
    let c = case(REHEARSED, REHEARSED_NEW);
    // The service: an open connection with a committed write in the WAL.
    let service = Connection::open(&c.old).expect("service connection");
    service
        .execute("INSERT INTO orders(customer_id, qty) VALUES (1, 1)", [])
        .expect("service write");
    let before = live_files(&c.old);
    assert!(before[1].1.is_some(), "the old database has a -wal");
    let r = rehearse::rehearse(&c.old, &c.schema, &opts(100.0)).expect("rehearse");
    assert!(r.succeeded, "{:?}", r.error);
    assert_eq!(live_files(&c.old), before);
    assert!(!c.new.exists(), "the live new path was created");
    let counts: Vec<(String, u64, u64)> = r
        .tables
        .iter()
        .map(|t| (t.table.clone(), t.old_rows, t.new_rows))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("customer".into(), 2000, 2000),
            ("orders".into(), 4001, 4001)
        ]
    );
    assert_eq!(r.rows_copied, 6001);
    drop(service);
    assert!(r.new_db_bytes > 0 && r.migrate_seconds > 0.0);
}

#[test]
fn rehearsal_with_a_writer_running_succeeds_and_never_touches_the_live_new_path() {
    let c = case(REHEARSED, REHEARSED_NEW);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (old, stop) = (c.old.clone(), stop.clone());
        std::thread::spawn(move || {
            let db = Connection::open(&old).expect("writer");
            db.busy_timeout(std::time::Duration::from_secs(5))
                .expect("busy");
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                db.execute("INSERT INTO orders(customer_id, qty) VALUES (1, 1)", [])
                    .expect("write");
                n += 1;
            }
            n
        })
    };
    let r = rehearse::rehearse(&c.old, &c.schema, &opts(100.0)).expect("rehearse");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.join().expect("writer thread");
    assert!(r.succeeded, "{:?}", r.error);
    assert!(written > 0);
    assert!(!c.new.exists());
    let marker: i64 = Connection::open(&c.old)
        .and_then(|db| {
            db.query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_mig%' ESCAPE '\\' OR name = '_migration_marker'",
                [],
                |r| r.get(0),
            )
        })
        .expect("old");
    assert_eq!(marker, 0, "the live old database got recording triggers");
}

#[test]
fn sampled_rehearsal_keeps_about_the_share_and_no_dangling_reference() {
    let c = case(REHEARSED, REHEARSED_NEW);
    let r = rehearse::rehearse(&c.old, &c.schema, &opts(10.0)).expect("rehearse");
    assert!(r.succeeded, "{:?}", r.error);
    // orders, the largest table and referenced by nothing: 10% of 4000.
    let (orders, customer) = (&r.sample[0], &r.sample[1]);
    assert_eq!(orders.table, "orders", "{r:?}");
    assert!((380..=420).contains(&orders.kept), "{r:?}");
    assert_eq!(r.tables[1].new_rows, orders.kept, "{:?}", r.tables);
    // customer keeps the customers those orders name (more than its own
    // 10%, so only those), and drain's verification found them all.
    assert_eq!(customer.kept, customer.referenced, "{:?}", r.sample);
    assert!((200..=420).contains(&customer.kept), "{:?}", r.sample);
    assert_eq!(r.tables[0].new_rows, customer.kept, "{:?}", r.tables);
    assert!(r.violations.is_empty(), "{:?}", r.violations);
}

#[test]
fn rehearsal_reports_the_violations_of_the_copy_and_fails_like_migrate() {
    let c = case(DUPLICATES, UNIQUE_LOWER);
    let r = rehearse::rehearse(&c.old, &c.schema, &opts(100.0)).expect("rehearse");
    assert!(!r.succeeded);
    assert_eq!(r.violations.len(), 1, "{:?}", r.violations);
    assert!(
        r.error
            .as_deref()
            .is_some_and(|e| e.contains("would violate UNIQUE(email)")),
        "{:?}",
        r.error
    );
    assert!(!c.new.exists());
}

#[test]
fn estimates_measure_bytes_and_a_copy_sample_and_read_free_space() {
    let p = case(REHEARSED, REHEARSED_NEW).plan();
    let e = &p.assessment.estimates;
    assert_eq!(e.bytes_method, "dbstat");
    assert_eq!(e.tables.len(), 2);
    assert!(
        e.tables
            .iter()
            .all(|t| t.bytes > 0 && t.sampled_rows > 0 && t.copy_seconds > 0.0),
        "{e:#?}"
    );
    assert!(e.disk_needed_bytes >= e.old_bytes);
    assert!(e.disk_available_bytes.is_some_and(|b| b > 0));
}
