//! The shop fixture: an old schema with a renamed table, renamed and computed
//! columns, a composite-key WITHOUT ROWID table, a table renumbered onto a
//! surrogate key, BLOBs, NULLs and non-ASCII text.

use std::path::Path;

use rusqlite::Connection;

use super::oracle::Oracle;

pub const OLD_SCHEMA: &str = r#"
PRAGMA journal_mode = WAL;
CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, FirstName TEXT NOT NULL, LastName TEXT NOT NULL, Email TEXT, Photo BLOB);
CREATE TABLE Product (Code TEXT PRIMARY KEY, Title TEXT NOT NULL, Price REAL);
CREATE TABLE Orders (OrderId INTEGER PRIMARY KEY AUTOINCREMENT, CustomerId INTEGER REFERENCES Customer(CustomerId), ProductCode TEXT REFERENCES Product(Code), Qty INTEGER NOT NULL, Note TEXT);
CREATE TABLE Tag (OrderId INTEGER NOT NULL, Label TEXT NOT NULL, Weight REAL, PRIMARY KEY (OrderId, Label)) WITHOUT ROWID;
"#;

pub const NEW_SCHEMA: &str = r#"
-- mig:from Customer
-- mig:set id = CustomerId
-- mig:set full_name = FirstName || ' ' || LastName
-- mig:set email = lower(Email)
CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT, photo BLOB);

-- mig:from Product
-- mig:set code = Code
-- mig:set title = Title
-- mig:set price_cents = CAST(round(Price * 100) AS INTEGER)
CREATE TABLE product (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL, price_cents INTEGER);

-- mig:set customer_id = CustomerId
-- mig:set product_id = ProductCode
-- mig:set qty = Qty
-- mig:set note = Note
CREATE TABLE orders (OrderId INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER REFERENCES customer(id), product_id INTEGER REFERENCES product(id), qty INTEGER NOT NULL, note TEXT, status TEXT NOT NULL DEFAULT 'open');
CREATE INDEX orders_customer ON orders(customer_id);

-- mig:from Tag
-- mig:set order_id = OrderId
-- mig:set label = Label
-- mig:set weight = Weight
CREATE TABLE tag (order_id INTEGER NOT NULL, label TEXT NOT NULL, weight REAL, PRIMARY KEY (order_id, label)) WITHOUT ROWID;
CREATE VIEW order_totals AS SELECT customer_id, sum(qty) AS qty FROM orders GROUP BY customer_id;
"#;

/// The fixture's mapping as plain SQL, for [`super::oracle::compare`].
pub const ORACLE: Oracle<'static> = Oracle {
    transform: "CREATE TABLE customer AS SELECT CustomerId AS id, FirstName || ' ' || LastName AS full_name, lower(Email) AS email, Photo AS photo FROM old.Customer;
         CREATE TABLE product AS SELECT Code AS code, Title AS title, CAST(round(Price * 100) AS INTEGER) AS price_cents FROM old.Product;
         CREATE TABLE orders AS SELECT OrderId, CustomerId AS customer_id, ProductCode AS product_code, Qty AS qty, Note AS note, 'open' AS status FROM old.Orders;
         CREATE TABLE tag AS SELECT OrderId AS order_id, Label AS label, Weight AS weight FROM old.Tag;",
    checks: &[
        (
            "SELECT quote(id), quote(full_name), quote(email), quote(photo) FROM main.customer ORDER BY id",
            "SELECT quote(id), quote(full_name), quote(email), quote(photo) FROM new.customer ORDER BY id",
        ),
        (
            "SELECT quote(code), quote(title), quote(price_cents) FROM main.product ORDER BY code",
            "SELECT quote(code), quote(title), quote(price_cents) FROM new.product ORDER BY code",
        ),
        (
            "SELECT quote(OrderId), quote(customer_id), quote(product_code), quote(qty), quote(note), quote(status) FROM main.orders ORDER BY OrderId",
            "SELECT quote(o.OrderId), quote(o.customer_id), quote(p.code), quote(o.qty), quote(o.note), quote(o.status) FROM new.orders o LEFT JOIN new.product p ON p.id = o.product_id ORDER BY o.OrderId",
        ),
        (
            "SELECT quote(order_id), quote(label), quote(weight) FROM main.tag ORDER BY order_id, label",
            "SELECT quote(order_id), quote(label), quote(weight) FROM new.tag ORDER BY order_id, label",
        ),
        // Every renumbered reference resolves (products are never deleted).
        (
            "SELECT '0'",
            "SELECT quote(count(*)) FROM new.orders o WHERE o.product_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM new.product p WHERE p.id = o.product_id)",
        ),
    ],
};

/// Creates the old database with `rows` customers and orders.
pub fn create_old(path: &Path, rows: i64) -> Connection {
    let conn = Connection::open(path).expect("create old db");
    conn.execute_batch(OLD_SCHEMA).expect("old schema");
    let tx = conn.unchecked_transaction().expect("tx");
    for i in 1..=rows {
        tx.execute(
            "INSERT INTO Customer VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                i,
                format!("Zoë{i}"),
                format!("Ünïcødé-{i}"),
                if i % 7 == 0 {
                    None
                } else {
                    Some(format!("User{i}@Example.COM"))
                },
                if i % 5 == 0 {
                    Some(vec![0u8, 255, i as u8, 0])
                } else {
                    None
                }
            ],
        )
        .expect("customer");
    }
    for i in 1..=(rows / 4).max(3) {
        tx.execute(
            "INSERT INTO Product VALUES (?1, ?2, ?3)",
            rusqlite::params![
                format!("P-{i:05}"),
                format!("Product {i} «deluxe»"),
                (i as f64) * 1.25
            ],
        )
        .expect("product");
    }
    let products = (rows / 4).max(3);
    for i in 1..=rows {
        tx.execute(
            "INSERT INTO Orders(CustomerId, ProductCode, Qty, Note) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                i,
                format!("P-{:05}", 1 + i % products),
                i % 9,
                "x".repeat((i % 3 * 700) as usize)
            ],
        )
        .expect("order");
        tx.execute(
            "INSERT INTO Tag VALUES (?1, 'a', ?2), (?1, 'b', NULL)",
            rusqlite::params![i, i as f64 / 3.0],
        )
        .expect("tag");
    }
    tx.commit().expect("commit");
    conn
}

/// A connection that changes a database behind mig's back, as a bug or a
/// damaged disk would: triggers off, as on mig's own connections, so the
/// guard that refuses a service's writes to the new database before
/// cutover does not stop the damage a test needs mig to find.
pub fn behind_migs_back(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open");
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER,
        false,
    )
    .expect("triggers off");
    conn
}
