//! Reset after a revert whose new database holds what no other file does:
//! rows of a table the old schema has no place for (`wishlist`) and values
//! of a column only the new schema has (`customer.starred`, reverted
//! without by `fleet revert --drop-new-columns`). `mig reset` deleted them
//! without asking; now it, its dry run and `mig fleet reset` refuse in one
//! line (the count per table and column, how to keep them, the flag) and
//! change no file, and `--delete-discarded-rows` deletes them with it.
//! Through a real `mig-agent` (mutual TLS) and real writes of the new
//! service; the old database is the hand-written inverse of the new one.

use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::fleet_revert::Site;
use super::harness::{Run, FAILED};
use super::real_agent::as_who;
use super::rerun::dump;

/// `revert_case`'s schema with a new table and a new-only column.
fn schema() -> String {
    let with = case::SCHEMA.replace(
        "email TEXT NOT NULL, created_at TEXT NOT NULL);",
        "email TEXT NOT NULL, created_at TEXT NOT NULL, starred INTEGER NOT NULL DEFAULT 0);",
    );
    assert_ne!(with, case::SCHEMA, "the customer table was not found");
    with + "\nCREATE TABLE wishlist (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, note TEXT NOT NULL);\n"
}

fn mig_as(site: &Site, args: &[&str]) -> Run {
    let base = as_who(&site.agent, "operator");
    let mut all: Vec<&str> = vec![args[0]];
    all.extend(base.iter().map(String::as_str));
    all.extend_from_slice(&args[1..]);
    site.mig(&all)
}

#[test]
fn reset_refuses_to_delete_rows_of_new_tables_and_values_of_new_columns_a_revert_left_until_told_to(
) {
    let site = Site::start(&[("shop", "1h")]);
    std::fs::write(site.path("schema.sql"), schema()).expect("schema");
    site.write_fleet(&[("shop", "shop", "")]);
    site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    let (old, new) = (site.db("shop.db"), site.db("shop-new.db"));
    case::snapshot(&old, &new, &site.path(""));
    let writer = Writer::start_with(new.clone(), 93, case::new_workload);
    writer.wait_committed(50);
    writer.stop();
    let conn = rusqlite::Connection::open(&new).expect("the new service");
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
         INSERT INTO wishlist(customer_id, note) SELECT i, 'wish ' || i FROM n",
    )
    .expect("the new service's wishlist");
    let starred = conn
        .execute("UPDATE customer SET starred = 1 WHERE id % 5 = 0", [])
        .expect("the new service stars customers");
    drop(conn);
    site.mig(&[
        "fleet",
        "revert",
        "-f",
        "fleet.toml",
        "--yes",
        "--drop-new-columns",
    ])
    .ok()
    .line_starting("shop: reverted: ");
    let compared = case::assert_old_is_inverse(&old, &new, &site.path(""));
    assert!(compared > 1_500, "compared {compared} rows");

    let before = (dump(&old), dump(&new));
    let said = mig_as(&site, &["reset", "--yes"])
        .fails(FAILED, "reset failed: refusing to delete ")
        .to_string();
    for part in [
        "12 row(s) of tables the old schema has no place for (wishlist: 12)".to_string(),
        format!(
            "{starred} value(s) of columns only the new schema has (customer.starred: {starred})"
        ),
        "that no other file holds".into(),
        ".backup 'kept.db'".into(),
        "--delete-discarded-rows".into(),
    ] {
        assert!(said.contains(&part), "no `{part}` in: {said}");
    }
    assert!(!said.contains("its revert discarded"), "{said}");
    mig_as(&site, &["reset", "--dry-run"]).fails(FAILED, "reset failed: refusing to delete ");
    let fleet = site.mig(&["fleet", "reset", "-f", "fleet.toml", "--yes"]);
    assert_ne!(fleet.code, 0, "{fleet:#?}");
    let target = fleet.line_starting("shop: ");
    assert!(
        target.contains("wishlist: 12") && target.contains("--delete-discarded-rows"),
        "{fleet:#?}"
    );
    assert_eq!(
        (dump(&old), dump(&new)),
        before,
        "a refused reset changed a file"
    );

    let deleted = site
        .mig(&[
            "fleet",
            "reset",
            "-f",
            "fleet.toml",
            "--yes",
            "--delete-discarded-rows",
        ])
        .ok();
    let target = deleted.line_starting("shop: ");
    assert!(target.contains("(wishlist: 12)"), "{deleted:#?}");
    assert!(!new.exists(), "the new database is still there");
    assert_eq!(dump(&old), before.0, "reset changed the old database");
}
