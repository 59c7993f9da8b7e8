//! A fleet target given its database's own schema (the operator's wrong
//! `schema` for one target, or a tenant already migrated by hand): `fleet
//! plan` blocks it with one line naming the way out, `fleet rollout` starts
//! nothing and changes no database, and `allow_same_schema = true` on the
//! target rebuilds it as it is beside the others' real migration.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::fixture;
use crate::support::oracle::{self, Oracle};

use super::bad_input::snapshot_beside_readers;
use super::fleet::{row, Site};
use super::harness::FAILED;

const BLOCKED: &str = "  same: blocked: its database already has this schema (nothing to migrate); check the `schema` this target is given, or set allow_same_schema = true for it to rebuild the database as it is";

/// Every database file of the agent's folder (the agent's transient
/// `.mig-lock` files and its readers' `-shm` and empty `-wal` left out):
/// its content's digest (none may change while the fleet is refused).
fn databases(dir: &Path) -> BTreeMap<String, String> {
    let mut all = snapshot_beside_readers(dir);
    all.retain(|name, _| {
        [".db", ".db-wal", ".db-journal"]
            .iter()
            .any(|s| name.ends_with(s))
    });
    all
}

/// The old database's rows, unchanged, in the new one.
const AS_IS: Oracle<'static> = Oracle {
    transform: "",
    checks: &[
        (
            "SELECT quote(CustomerId), quote(FirstName), quote(LastName), quote(Email), quote(Photo) FROM old.Customer ORDER BY 1",
            "SELECT quote(CustomerId), quote(FirstName), quote(LastName), quote(Email), quote(Photo) FROM new.Customer ORDER BY 1",
        ),
        (
            "SELECT quote(Code), quote(Title), quote(Price) FROM old.Product ORDER BY 1",
            "SELECT quote(Code), quote(Title), quote(Price) FROM new.Product ORDER BY 1",
        ),
        (
            "SELECT quote(OrderId), quote(CustomerId), quote(ProductCode), quote(Qty), quote(Note) FROM old.Orders ORDER BY 1",
            "SELECT quote(OrderId), quote(CustomerId), quote(ProductCode), quote(Qty), quote(Note) FROM new.Orders ORDER BY 1",
        ),
        (
            "SELECT quote(OrderId), quote(Label), quote(Weight) FROM old.Tag ORDER BY 1, 2",
            "SELECT quote(OrderId), quote(Label), quote(Weight) FROM new.Tag ORDER BY 1, 2",
        ),
    ],
};

#[test]
fn a_target_given_its_own_schema_is_blocked_until_its_entry_allows_a_rebuild() {
    let site = Site::start(&[("a", &["shop", "same"])], 12);
    // The old schema as a schema file (a schema file sets no journal mode).
    let own = fixture::OLD_SCHEMA.replace("PRAGMA journal_mode = WAL;", "");
    std::fs::write(site.dir.join("old.sql"), own).expect("old.sql");
    let fleet = |same: &str| {
        let targets = [
            site.target("shop", "a", "shop", ""),
            site.target(
                "same",
                "a",
                "same",
                &format!("schema = \"old.sql\"\n{same}"),
            ),
        ];
        site.write_fleet("", &targets);
    };
    fleet("");
    let before = databases(&site.dir.join("a"));

    let run = site.mig(&["fleet", "plan", "-f", "fleet.toml"]);
    run.fails(FAILED, "fleet plan failed: 1 of 2 targets cannot run");
    assert!(row(&run, "shop").ends_with("  yes"), "{run:#?}");
    assert!(row(&run, "same").ends_with("  no"), "{run:#?}");
    run.has_line(BLOCKED);

    let run = site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"]);
    run.fails(FAILED, "fleet rollout failed: ");
    run.has_line(BLOCKED);
    assert_eq!(
        databases(&site.dir.join("a")),
        before,
        "a refused rollout changed a database: {run:#?}"
    );
    assert!(!site.db("a", "shop-new.db").exists());
    assert!(!site.db("a", "same-new.db").exists());

    fleet("allow_same_schema = true");
    let run = site.mig(&["fleet", "plan", "-f", "fleet.toml"]).ok();
    assert!(row(&run, "same").ends_with("  yes"), "{run:#?}");
    let run = site
        .mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    for t in ["shop", "same"] {
        assert!(row(&run, t).contains("  cut over  "), "{run:#?}");
    }
    oracle::assert_matches(&site.db("a", "shop.db"), &site.db("a", "shop-new.db"));
    let rows = oracle::compare(
        &site.db("a", "same.db"),
        &site.db("a", "same-new.db"),
        &AS_IS,
    );
    assert!(rows > 12, "compared {rows} rows");
}
