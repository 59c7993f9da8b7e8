//! A legacy application's database: mixed-case and quoted identifiers with
//! spaces and keywords (`"order"`, `"group"`, `"select"`), AUTOINCREMENT
//! tables whose counters must carry over (one of them emptied: a queue), a
//! table without any primary key
//! (tracked by rowid), a NOCASE UNIQUE column, a composite key on a rowid
//! table, and a key-value table with a TEXT key WITHOUT ROWID.

use rand::rngs::StdRng;
use rand::Rng;
use rusqlite::Transaction;

use super::Case;
use crate::support::oracle::Oracle;

pub const CASE: Case = Case {
    old: OLD,
    new: NEW,
    accept_data_loss: false,
    workload,
    oracle: ORACLE,
};

const OLD: &str = r#"
PRAGMA journal_mode = WAL;
CREATE TABLE "UserAccount" ("UserId" INTEGER PRIMARY KEY AUTOINCREMENT, "eMail" TEXT NOT NULL UNIQUE COLLATE NOCASE,
  "Display Name" TEXT, "group" TEXT DEFAULT 'users', "select" INTEGER);
CREATE TABLE "order" ("order id" INTEGER PRIMARY KEY AUTOINCREMENT, "UserId" INTEGER, "placed at" TEXT, "Total" REAL);
CREATE TABLE "order items" ("order id" INTEGER NOT NULL, "line" INTEGER NOT NULL, "sku" TEXT NOT NULL, "qty" INTEGER NOT NULL,
  PRIMARY KEY ("order id", "line"));
CREATE TABLE event_log (ts TEXT, kind TEXT, payload BLOB);
CREATE TABLE "Settings" ("Key" TEXT PRIMARY KEY, "Value") WITHOUT ROWID;
CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO "UserAccount"("eMail", "Display Name", "group", "select") SELECT 'user' || i || '@Legacy.example', 'User "' || i || '"',
  CASE i % 4 WHEN 0 THEN 'admins' WHEN 1 THEN NULL ELSE 'users' END, i % 2 FROM n;
DELETE FROM "UserAccount" WHERE "UserId" > 290;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO "order"("UserId", "placed at", "Total") SELECT 1 + i % 290, datetime('2015-06-01', '+' || i || ' hours'), i * 1.5 FROM n;
DELETE FROM "order" WHERE "order id" > 480;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 900)
INSERT INTO "order items" SELECT 1 + i % 480, i, 'SKU-' || (i % 37), 1 + i % 4 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
INSERT INTO event_log SELECT datetime('2015-06-01', '+' || i || ' minutes'), CASE i % 3 WHEN 0 THEN 'login' WHEN 1 THEN 'logout' ELSE 'error' END,
  CASE WHEN i % 5 = 0 THEN randomblob(16) ELSE NULL END FROM n;
DELETE FROM event_log WHERE rowid % 7 = 0;
INSERT INTO "Settings" VALUES ('theme', 'dark'), ('max users', 500), ('ratio', 0.75), ('logo', x'89504e47'), ('motd', NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
INSERT INTO jobs(payload) SELECT 'job ' || i FROM n;
DELETE FROM jobs;
"#;

const NEW: &str = r#"
CREATE TABLE "UserAccount" ("UserId" INTEGER PRIMARY KEY AUTOINCREMENT, "eMail" TEXT NOT NULL UNIQUE COLLATE NOCASE,
  "Display Name" TEXT, "group" TEXT DEFAULT 'users', "select" INTEGER, "Source" TEXT NOT NULL DEFAULT 'legacy');

-- mig:from "order"
CREATE TABLE orders ("order id" INTEGER PRIMARY KEY AUTOINCREMENT, "UserId" INTEGER REFERENCES "UserAccount"("UserId"),
  "placed at" TEXT, "Total" REAL);
CREATE INDEX "orders by user" ON orders("UserId");

-- mig:from "order items"
-- mig:set "order" = "order id"
CREATE TABLE order_item ("order" INTEGER NOT NULL REFERENCES orders("order id"), "line" INTEGER NOT NULL, sku TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0), PRIMARY KEY ("order", "line"));

CREATE TABLE event_log (ts TEXT, kind TEXT, payload BLOB);

CREATE TABLE "Settings" ("Key" TEXT PRIMARY KEY, "Value") WITHOUT ROWID;

CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT);
"#;

const ORACLE: Oracle<'static> = Oracle {
    transform: r#"
CREATE TABLE users AS SELECT "UserId", "eMail", "Display Name", "group", "select", 'legacy' AS "Source" FROM old."UserAccount";
CREATE TABLE orders AS SELECT * FROM old."order";
CREATE TABLE order_item AS SELECT "order id" AS "order", "line", sku, qty FROM old."order items";
CREATE TABLE event_log AS SELECT rowid AS r, ts, kind, payload FROM old.event_log;
CREATE TABLE settings AS SELECT * FROM old."Settings";"#,
    checks: &[
        (
            r#"SELECT quote("UserId"), quote("eMail"), quote("Display Name"), quote("group"), quote("select"), quote("Source") FROM main.users ORDER BY 1"#,
            r#"SELECT quote("UserId"), quote("eMail"), quote("Display Name"), quote("group"), quote("select"), quote("Source") FROM new."UserAccount" ORDER BY 1"#,
        ),
        (
            r#"SELECT quote("order id"), quote("UserId"), quote("placed at"), quote("Total") FROM main.orders ORDER BY 1"#,
            r#"SELECT quote("order id"), quote("UserId"), quote("placed at"), quote("Total") FROM new.orders ORDER BY 1"#,
        ),
        (
            r#"SELECT quote("order"), quote("line"), quote(sku), quote(qty) FROM main.order_item ORDER BY 1, 2"#,
            r#"SELECT quote("order"), quote("line"), quote(sku), quote(qty) FROM new.order_item ORDER BY 1, 2"#,
        ),
        // No primary key: rows keep their rowid.
        (
            "SELECT quote(r), quote(ts), quote(kind), quote(payload) FROM main.event_log ORDER BY r",
            "SELECT quote(rowid), quote(ts), quote(kind), quote(payload) FROM new.event_log ORDER BY rowid",
        ),
        (
            r#"SELECT quote("Key"), quote("Value") FROM main.settings ORDER BY 1"#,
            r#"SELECT quote("Key"), quote("Value") FROM new."Settings" ORDER BY 1"#,
        ),
        // AUTOINCREMENT counters never go backwards, even past deleted rows.
        (
            r#"SELECT quote(name), quote(seq) FROM old.sqlite_sequence ORDER BY name"#,
            r#"SELECT quote(CASE name WHEN 'orders' THEN 'order' ELSE name END), quote(seq) FROM new.sqlite_sequence ORDER BY 1"#,
        ),
    ],
};

/// Sign-ups (some re-using an email in another case, which the NOCASE
/// UNIQUE column turns into a replace), profile edits, orders with items,
/// item renumbering, log appends and pruning, settings upserts.
fn workload(tx: &Transaction<'_>, rng: &mut StdRng) -> rusqlite::Result<()> {
    let user = rng.random_range(1..=320);
    match rng.random_range(0..8) {
        0 => {
            tx.execute(
                r#"INSERT OR REPLACE INTO "UserAccount"("eMail", "Display Name") VALUES (?1, 'Signed Up')"#,
                [format!("USER{user}@legacy.EXAMPLE")],
            )?;
        }
        1 => {
            tx.execute(
                r#"UPDATE "UserAccount" SET "Display Name" = "Display Name" || ' ✓', "select" = NULL WHERE "UserId" = ?1"#,
                [user],
            )?;
        }
        2 => {
            tx.execute(
                r#"INSERT INTO "order"("UserId", "placed at", "Total") VALUES (?1, datetime('now'), 9.5)"#,
                [user],
            )?;
            let order = tx.last_insert_rowid();
            tx.execute(
                r#"INSERT INTO "order items" VALUES (?1, 1, 'SKU-NEW', 2), (?1, 2, 'SKU-1', 1)"#,
                [order],
            )?;
        }
        3 => {
            // Renumber an order's lines (a composite-key change).
            tx.execute(
                r#"UPDATE OR REPLACE "order items" SET "line" = "line" + 1000 WHERE "order id" = ?1"#,
                [rng.random_range(1..=500)],
            )?;
        }
        4 => {
            tx.execute(
                "INSERT INTO event_log VALUES (datetime('now'), 'login', ?1)",
                [vec![0u8, 1, 2, user as u8]],
            )?;
        }
        5 => {
            tx.execute(
                "DELETE FROM event_log WHERE rowid IN (SELECT rowid FROM event_log ORDER BY rowid LIMIT 2)",
                [],
            )?;
            tx.execute(
                "UPDATE event_log SET kind = upper(kind) WHERE rowid = (SELECT max(rowid) FROM event_log)",
                [],
            )?;
        }
        6 => {
            tx.execute(
                r#"INSERT OR REPLACE INTO "Settings" VALUES ('visits', coalesce((SELECT "Value" FROM "Settings" WHERE "Key" = 'visits'), 0) + 1)"#,
                [],
            )?;
        }
        _ => {
            tx.execute(r#"DELETE FROM "order items" WHERE "order id" = ?1"#, [user])?;
            tx.execute(r#"DELETE FROM "order" WHERE "order id" = ?1"#, [user])?;
            tx.execute(
                r#"DELETE FROM "UserAccount" WHERE "UserId" = ?1 + 7"#,
                [user],
            )?;
        }
    }
    Ok(())
}
