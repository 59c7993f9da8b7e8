//! Reset after a revert that discarded rows (`revert --discard-conflicts`):
//! those rows are only in the reverted new database, so `mig reset` and
//! `mig fleet reset` refuse to delete it — one line with the count per
//! table, where they are, how to keep them and the flag that deletes
//! anyway — and change no file; with `--delete-discarded-rows` they go.
//! Through a real `mig-agent` (mutual TLS), the conflict a real write.

use std::path::Path;

use super::fleet_revert::Site;
use super::harness::{Run, FAILED};
use super::real_agent::as_who;

/// Every byte of a database's files (`-wal` included), to prove a refusal
/// changed nothing. An empty `-wal` holds nothing and counts as none: the
/// agent's supervisor reads each database's phase now and then, and while
/// its reader is open an empty `-wal` is there (removed when it closes;
/// `read_only_files` proves the folder comes back), so a look taken during
/// one of its reads would otherwise differ from one taken between them.
fn files_of(db: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-journal"]
        .iter()
        .filter_map(|suffix| {
            let p = format!("{}{suffix}", db.display());
            std::fs::read(&p).ok().map(|bytes| (p, bytes))
        })
        .filter(|(p, bytes)| !(p.ends_with("-wal") && bytes.is_empty()))
        .collect()
}

fn mig_as(site: &Site, args: &[&str]) -> Run {
    let base = as_who(&site.agent, "operator");
    let mut all: Vec<&str> = vec![args[0]];
    all.extend(base.iter().map(String::as_str));
    all.extend_from_slice(&args[1..]);
    site.mig(&all)
}

#[test]
fn reset_refuses_to_delete_rows_a_revert_discarded_until_told_to_and_changes_nothing() {
    let site = Site::start(&[("shop", "1h")]);
    site.write_fleet(&[("shop", "shop", "")]);
    site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    let (old, new) = (site.db("shop.db"), site.db("shop-new.db"));
    // The new service's write the old schema refuses (Price >= 0).
    let id: i64 = rusqlite::Connection::open(&new)
        .and_then(|c| {
            c.query_row(
                "UPDATE product SET price_cents = -500 WHERE id = (SELECT min(id) FROM product) RETURNING id",
                [],
                |r| r.get(0),
            )
        })
        .expect("a price the old schema refuses");
    let reverted = site
        .mig(&[
            "fleet",
            "revert",
            "-f",
            "fleet.toml",
            "--yes",
            "--discard-conflicts",
        ])
        .ok();
    let line = reverted.line_starting("shop: reverted: ");
    assert!(
        line.contains("1 row(s) the old schema refuses discarded"),
        "{reverted:#?}"
    );

    let before = (files_of(&old), files_of(&new));
    let refusal = "refusing to delete ";
    let single = mig_as(&site, &["reset", "--yes"]);
    let said = single.fails(FAILED, "reset failed: ").to_string();
    for part in [
        refusal,
        "it holds 1 row(s) its revert discarded (product: 1) that no other file holds",
        "_mig_revert_discarded",
        "sqlite3 -header -csv ",
        "--delete-discarded-rows",
    ] {
        assert!(said.contains(part), "no `{part}` in: {said}");
    }
    mig_as(&site, &["reset", "--dry-run"]).fails(FAILED, &format!("reset failed: {refusal}"));
    let fleet = site.mig(&["fleet", "reset", "-f", "fleet.toml", "--yes"]);
    assert_ne!(fleet.code, 0, "{fleet:#?}");
    let target = fleet.line_starting("shop: ");
    assert!(
        target.contains("product: 1") && target.contains("--delete-discarded-rows"),
        "{fleet:#?}"
    );
    assert_eq!(
        (files_of(&old), files_of(&new)),
        before,
        "a refused reset changed a file"
    );

    // The command the line names lists the row, with the real sqlite3.
    let listed = std::process::Command::new("sqlite3")
        .args(["-header", "-csv"])
        .arg(&new)
        .arg("SELECT * FROM _mig_revert_discarded")
        .output()
        .expect("sqlite3 (the tool the refusal names)");
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains(&format!("product,{id},")), "{listed}");

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
    assert!(
        target.contains("1 row(s) its revert discarded (product: 1)"),
        "{deleted:#?}"
    );
    assert!(!new.exists(), "the new database is still there");
    assert_eq!(files_of(&old), before.0, "reset changed the old database");
    let price: f64 = rusqlite::Connection::open(&old)
        .and_then(|c| c.query_row("SELECT min(Price) FROM Product", [], |r| r.get(0)))
        .expect("old prices");
    assert!(price >= 0.0, "the discarded price reached the old database");
}
