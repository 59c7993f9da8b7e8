//! A migration built to be reverted: a computed column read back with
//! `mig:revert` (customer.full_name → FirstName, LastName), a column the new
//! schema drops (Customer.Fax, Product.Legacy: kept on updated rows, their
//! DEFAULT on new ones), a renumbered table whose old key is still a column
//! (Product.Code → product.code, with a price the old CHECK limits), a
//! child translated back (order_line.product_id → OrderLine.ProductCode)
//! and a table renumbered from a rowid key (Note). Workloads for the old
//! service (before cutover) and the new one (during the window), and the
//! independent oracle: the inverse written by hand as plain SQL over the
//! final new database and the two files as they were at cutover.

use std::path::Path;

use rand::rngs::StdRng;
use rand::Rng;
use rusqlite::{Connection, Transaction};

pub const OLD: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, FirstName TEXT NOT NULL, LastName TEXT NOT NULL,
  Email TEXT NOT NULL, Fax TEXT DEFAULT 'none', CreatedAt TEXT NOT NULL);
CREATE TABLE Product (Code TEXT PRIMARY KEY, Title TEXT NOT NULL, Price REAL NOT NULL CHECK (Price >= 0),
  Legacy TEXT NOT NULL DEFAULT 'legacy');
CREATE TABLE OrderLine (OrderId INTEGER NOT NULL, LineNo INTEGER NOT NULL, ProductCode TEXT NOT NULL,
  Qty INTEGER NOT NULL, PRIMARY KEY (OrderId, LineNo)) WITHOUT ROWID;
CREATE TABLE Note (Body TEXT NOT NULL, Pinned INTEGER NOT NULL DEFAULT 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
INSERT INTO Customer SELECT i, 'First' || i, 'Last' || i, 'C' || i || '@Example.com', 'fax-' || i, datetime('2020-01-01', '+' || i || ' hours') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
INSERT INTO Product SELECT printf('SKU-%05d', i), 'Product ' || i, i * 1.25, 'legacy-' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 900)
INSERT INTO OrderLine SELECT 1 + i / 3, i % 3, printf('SKU-%05d', 1 + i % 60), 1 + i % 4 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO Note(Body, Pinned) SELECT 'note ' || i, i % 2 FROM n;
";

pub const SCHEMA: &str = "
-- mig:from Customer
-- mig:set id = CustomerId
-- mig:set full_name = FirstName || ' ' || LastName
-- mig:set email = lower(Email)
-- mig:set created_at = CreatedAt
-- mig:revert FirstName = substr(full_name, 1, instr(full_name, ' ') - 1)
-- mig:revert LastName = substr(full_name, instr(full_name, ' ') + 1)
-- mig:revert Email = email
CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT NOT NULL, created_at TEXT NOT NULL);

-- mig:from Product
-- mig:set price_cents = CAST(round(Price * 100) AS INTEGER)
-- mig:revert Price = price_cents / 100.0
CREATE TABLE product (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL, price_cents INTEGER NOT NULL);

-- mig:from OrderLine
-- mig:set order_id = OrderId
-- mig:set line_no = LineNo
-- mig:set product_id = ProductCode
CREATE TABLE order_line (order_id INTEGER NOT NULL, line_no INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES product(id), qty INTEGER NOT NULL,
  PRIMARY KEY (order_id, line_no)) WITHOUT ROWID;

-- mig:from Note
CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0);
";

/// The old database with its seed rows.
pub fn create_old(path: &Path) {
    let conn = Connection::open(path).expect("create old");
    conn.execute_batch(OLD).expect("seed old");
}

fn pick(tx: &Transaction<'_>, sql: &str) -> rusqlite::Result<Option<rusqlite::types::Value>> {
    use rusqlite::OptionalExtension;
    tx.query_row(sql, [], |r| r.get(0)).optional()
}

/// The old service: inserts, updates (a product's code with its lines),
/// deletes, on every table.
pub fn old_workload(tx: &Transaction<'_>, rng: &mut StdRng) -> rusqlite::Result<()> {
    let i: i64 = rng.random_range(1..100_000);
    match rng.random_range(0..6) {
        0 => {
            tx.execute(
                "INSERT INTO Customer(FirstName, LastName, Email, Fax, CreatedAt) VALUES (?1, 'Old', ?2, 'ofax', datetime('now'))",
                rusqlite::params![format!("O{i}"), format!("o{i}@x.org")],
            )?;
        }
        1 => {
            tx.execute("UPDATE Customer SET LastName = LastName || 'x' WHERE CustomerId = (SELECT CustomerId FROM Customer ORDER BY random() LIMIT 1)", [])?;
        }
        2 => {
            if let Some(code) = pick(tx, "SELECT Code FROM Product ORDER BY random() LIMIT 1")? {
                let renamed = format!("OLD-{i}");
                if tx.execute(
                    "UPDATE OR IGNORE Product SET Code = ?2, Price = Price + 1 WHERE Code = ?1",
                    rusqlite::params![code, renamed],
                )? == 1
                {
                    tx.execute(
                        "UPDATE OrderLine SET ProductCode = ?2 WHERE ProductCode = ?1",
                        rusqlite::params![code, renamed],
                    )?;
                }
            }
        }
        3 => {
            tx.execute(
                "INSERT OR IGNORE INTO OrderLine SELECT ?1, 0, Code, 1 FROM Product ORDER BY random() LIMIT 1",
                [10_000 + i],
            )?;
        }
        4 => {
            tx.execute(
                "INSERT INTO Note(Body) VALUES (?1)",
                [format!("old note {i}")],
            )?;
        }
        _ => {
            tx.execute(
                "DELETE FROM Note WHERE rowid = (SELECT rowid FROM Note ORDER BY random() LIMIT 1)",
                [],
            )?;
        }
    }
    Ok(())
}

/// The new service during the window: inserts, updates (a customer's key,
/// a product's code), deletes, on every table; never a negative price.
pub fn new_workload(tx: &Transaction<'_>, rng: &mut StdRng) -> rusqlite::Result<()> {
    let i: i64 = rng.random_range(1..100_000);
    match rng.random_range(0..10) {
        0 => {
            tx.execute(
                "INSERT INTO customer(full_name, email, created_at) VALUES (?1, ?2, datetime('now'))",
                rusqlite::params![format!("New{i} Person{i}"), format!("n{i}@x.org")],
            )?;
        }
        1 => {
            tx.execute("UPDATE customer SET full_name = 'Renamed' || id || ' Someone' WHERE id = (SELECT id FROM customer ORDER BY random() LIMIT 1)", [])?;
        }
        2 => {
            // A key change: the old row moves with its dropped column.
            tx.execute("UPDATE customer SET id = -id WHERE id = (SELECT id FROM customer WHERE id BETWEEN 1 AND 299 ORDER BY random() LIMIT 1)", [])?;
        }
        3 => {
            tx.execute("DELETE FROM customer WHERE id = (SELECT id FROM customer WHERE abs(id) < 300 ORDER BY random() LIMIT 1)", [])?;
        }
        4 => {
            tx.execute(
                "INSERT INTO product(code, title, price_cents) VALUES (?1, 'new product', ?2)",
                rusqlite::params![format!("NEW-{i}"), i % 5000],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO order_line VALUES (?1, 1, ?2, 3)",
                rusqlite::params![50_000 + i, tx.last_insert_rowid()],
            )?;
        }
        5 => {
            tx.execute("UPDATE OR IGNORE product SET code = 'RE-' || ?1, price_cents = price_cents + 7 WHERE id = (SELECT id FROM product ORDER BY random() LIMIT 1)", [i])?;
        }
        6 => {
            tx.execute("UPDATE order_line SET qty = qty + 1, product_id = (SELECT id FROM product ORDER BY random() LIMIT 1) WHERE (order_id, line_no) = (SELECT order_id, line_no FROM order_line ORDER BY random() LIMIT 1)", [])?;
        }
        7 => {
            tx.execute("DELETE FROM order_line WHERE (order_id, line_no) = (SELECT order_id, line_no FROM order_line ORDER BY random() LIMIT 1)", [])?;
        }
        8 => {
            tx.execute(
                "INSERT INTO note(body, pinned) VALUES (?1, 1)",
                [format!("new note {i}")],
            )?;
            tx.execute("UPDATE note SET pinned = 1 - pinned WHERE id = (SELECT id FROM note ORDER BY random() LIMIT 1)", [])?;
        }
        _ => {
            tx.execute(
                "DELETE FROM note WHERE id = (SELECT id FROM note ORDER BY random() LIMIT 1)",
                [],
            )?;
        }
    }
    Ok(())
}

/// Copies of both files as they were at cutover, for the oracle's dropped
/// columns.
pub fn snapshot(old: &Path, new: &Path, dir: &Path) {
    for (src, name) in [(old, "old-at-cutover.db"), (new, "new-at-cutover.db")] {
        let conn = Connection::open(src).expect("open for snapshot");
        conn.execute("VACUUM INTO ?1", [dir.join(name).to_str().expect("path")])
            .expect("snapshot");
    }
}

/// (expected, from the final new database and the files at cutover;
/// actual, from the old database). Columns a `mig:set` computes are
/// compared through it (the mapping of the reverted old row gives the new
/// value): the old value where the new service left the row alone, the
/// `mig:revert` expression where it wrote it. Columns the new schema
/// dropped: their value at cutover, or the DEFAULT for rows inserted since.
const EXPECTED: &[(&str, &str)] = &[
    (
        "SELECT c.id, c.full_name, c.email, c.created_at, CASE WHEN s.CustomerId IS NULL THEN 'none' ELSE s.Fax END
         FROM new.customer c LEFT JOIN oldsnap.Customer s ON s.CustomerId =
           CASE WHEN c.id IN (SELECT now FROM temp.ident) THEN (SELECT was FROM temp.ident WHERE now = c.id) ELSE abs(c.id) END
         ORDER BY 1",
        "SELECT CustomerId, FirstName || ' ' || LastName, lower(Email), CreatedAt, Fax FROM old.Customer ORDER BY 1",
    ),
    (
        "SELECT p.code, p.title, p.price_cents, coalesce(s.Legacy, 'legacy')
         FROM new.product p LEFT JOIN newsnap.product np ON np.id = p.id LEFT JOIN oldsnap.Product s ON s.Code = np.code
         ORDER BY 1",
        "SELECT Code, Title, CAST(round(Price * 100) AS INTEGER), Legacy FROM old.Product ORDER BY 1",
    ),
    (
        "SELECT l.order_id, l.line_no, p.code, l.qty FROM new.order_line l JOIN new.product p ON p.id = l.product_id ORDER BY 1, 2",
        "SELECT OrderId, LineNo, ProductCode, Qty FROM old.OrderLine ORDER BY 1, 2",
    ),
    (
        "SELECT body, pinned FROM new.note ORDER BY 1, 2",
        "SELECT Body, Pinned FROM old.Note ORDER BY 1, 2",
    ),
    (
        // Rows inserted after cutover: the revert expressions themselves.
        "SELECT c.id, substr(c.full_name, 1, instr(c.full_name, ' ') - 1), substr(c.full_name, instr(c.full_name, ' ') + 1), c.email
         FROM new.customer c WHERE NOT EXISTS (SELECT 1 FROM newsnap.customer s WHERE s.id = abs(c.id)) ORDER BY 1",
        "SELECT o.CustomerId, o.FirstName, o.LastName, o.Email FROM old.Customer o
         WHERE NOT EXISTS (SELECT 1 FROM newsnap.customer s WHERE s.id = abs(o.CustomerId)) ORDER BY 1",
    ),
];

/// Compares the old database with the inverse of the new one, written by
/// hand; `snapshots` holds the files as they were at cutover. Returns the
/// rows compared.
pub fn assert_old_is_inverse(old: &Path, new: &Path, snapshots: &Path) -> usize {
    assert_old_is_inverse_with(old, new, snapshots, &[])
}

/// As [`assert_old_is_inverse`], where the new service moved customers
/// other than by negating their id: `(id now, id at cutover)` (`None`: a
/// customer written anew, e.g. after a delete), so their dropped Fax is
/// expected from that row.
pub fn assert_old_is_inverse_with(
    old: &Path,
    new: &Path,
    snapshots: &Path,
    identities: &[(i64, Option<i64>)],
) -> usize {
    let conn = Connection::open_in_memory().expect("oracle db");
    conn.execute_batch("CREATE TEMP TABLE ident(now INTEGER PRIMARY KEY, was INTEGER)")
        .expect("identities");
    for (now, was) in identities {
        conn.execute(
            "INSERT INTO temp.ident VALUES (?1, ?2)",
            rusqlite::params![now, was],
        )
        .expect("identity");
    }
    for (p, name) in [
        (old.to_path_buf(), "old"),
        (new.to_path_buf(), "new"),
        (snapshots.join("old-at-cutover.db"), "oldsnap"),
        (snapshots.join("new-at-cutover.db"), "newsnap"),
    ] {
        conn.execute(&format!("ATTACH ?1 AS {name}"), [p.to_str().expect("path")])
            .expect("attach");
    }
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(|v| v.join("|"))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    let mut compared = 0;
    for (expected, actual) in EXPECTED {
        let (e, a) = (rows(expected), rows(actual));
        if e != a {
            let first = (0..e.len().max(a.len()))
                .find(|&i| e.get(i) != a.get(i))
                .unwrap_or(0);
            panic!(
                "old database differs from the inverse of the new one for `{actual}`: expected {} rows, got {}; first difference at row {first}: expected {:?}, got {:?}",
                e.len(),
                a.len(),
                e.get(first),
                a.get(first)
            );
        }
        compared += e.len();
    }
    compared
}
