//! The benchmark's data: an old schema with secondary indexes and TEXT,
//! REAL, NULL and BLOB columns; a new schema with a renamed column and
//! computed ones; the same transform as plain SQL for the limit; and a
//! service-like write mix.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};

const OLD_SCHEMA: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE customer (CustomerId INTEGER PRIMARY KEY, FirstName TEXT NOT NULL, LastName TEXT NOT NULL, Email TEXT, Score REAL, Photo BLOB);
CREATE INDEX customer_email ON customer(Email);
CREATE TABLE orders (OrderId INTEGER PRIMARY KEY, CustomerId INTEGER NOT NULL, Amount REAL, Note TEXT, CreatedAt TEXT);
CREATE INDEX orders_customer ON orders(CustomerId);
CREATE TABLE event (Id INTEGER PRIMARY KEY, OrderId INTEGER, Kind TEXT NOT NULL, Payload BLOB);
CREATE INDEX event_order ON event(OrderId);
";

pub const NEW_SCHEMA: &str = "
-- mig:set id = CustomerId
-- mig:set full_name = FirstName || ' ' || LastName
-- mig:set email = lower(Email)
CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT, score REAL, photo BLOB);
CREATE INDEX customer_email ON customer(email);
-- mig:set id = OrderId
-- mig:set customer_id = CustomerId
-- mig:set amount_cents = CAST(round(Amount * 100) AS INTEGER)
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, amount_cents INTEGER, note TEXT, createdat TEXT);
CREATE INDEX orders_customer ON orders(customer_id);
-- mig:set order_id = OrderId
CREATE TABLE event (id INTEGER PRIMARY KEY, order_id INTEGER, kind TEXT NOT NULL, payload BLOB);
CREATE INDEX event_order ON event(order_id);
";

pub const NEW_TABLES: &str = "
CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT, score REAL, photo BLOB);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, amount_cents INTEGER, note TEXT, createdat TEXT);
CREATE TABLE event (id INTEGER PRIMARY KEY, order_id INTEGER, kind TEXT NOT NULL, payload BLOB);
";

pub const NEW_INDEXES: &str = "
CREATE INDEX customer_email ON customer(email);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX event_order ON event(order_id);
";

pub const LIMIT_TRANSFORM: &str = "
INSERT INTO customer SELECT CustomerId, FirstName || ' ' || LastName, lower(Email), Score, Photo FROM old.customer;
INSERT INTO orders SELECT OrderId, CustomerId, CAST(round(Amount * 100) AS INTEGER), Note, CreatedAt FROM old.orders;
INSERT INTO event SELECT Id, OrderId, Kind, Payload FROM old.event;
";

/// The new schema the end-to-end scenario migrates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// [`NEW_SCHEMA`]: its constraints are the old ones (a NOT NULL each).
    Plain,
    /// [`NEW_SCHEMA`] with constraints the old rows must be checked
    /// against: `customer_email` UNIQUE, a CHECK on `orders.amount_cents`
    /// and one on `event.kind` (every generated row passes them).
    Constraints,
}

impl Variant {
    fn apply(self, sql: &str) -> String {
        match self {
            Variant::Plain => sql.to_string(),
            Variant::Constraints => sql
                .replace(
                    "CREATE INDEX customer_email",
                    "CREATE UNIQUE INDEX customer_email",
                )
                .replace(
                    "amount_cents INTEGER,",
                    "amount_cents INTEGER CHECK (amount_cents >= 0),",
                )
                .replace(
                    "kind TEXT NOT NULL,",
                    "kind TEXT NOT NULL CHECK (kind <> ''),",
                ),
        }
    }

    /// mig's `schema.sql`.
    pub fn schema(self) -> String {
        self.apply(NEW_SCHEMA)
    }

    /// The limit's tables.
    pub fn tables(self) -> String {
        self.apply(NEW_TABLES)
    }

    /// The limit's indexes.
    pub fn indexes(self) -> String {
        self.apply(NEW_INDEXES)
    }
}

/// An old database of `rows` rows: 10% customers, 40% orders, 50% events.
pub fn generate(path: &Path, rows: u64) {
    let c = Connection::open(path).expect("create old");
    c.execute_batch(OLD_SCHEMA).expect("old schema");
    let customers = (rows / 10).max(1);
    let orders = rows * 4 / 10;
    let events = rows - customers - orders;
    c.execute_batch("BEGIN").expect("begin");
    c.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO customer SELECT i, 'Zoë' || i, 'Ünïcødé-' || i,
           CASE WHEN i % 7 = 0 THEN NULL ELSE 'User' || i || '@Example.COM' END,
           i * 0.37, CASE WHEN i % 5 = 0 THEN randomblob(64) END FROM n",
        params![customers as i64],
    )
    .expect("customers");
    c.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO orders SELECT i, 1 + i % ?2, (i % 1000) * 1.25,
           CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || hex(randomblob(8)) END,
           datetime(1700000000 + i, 'unixepoch') FROM n",
        params![orders as i64, customers as i64],
    )
    .expect("orders");
    c.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO event SELECT i, 1 + i % ?2, 'kind' || (i % 9), randomblob(32 + i % 64) FROM n",
        params![events as i64, orders.max(1) as i64],
    )
    .expect("events");
    c.execute_batch("COMMIT").expect("commit");
}

/// `n` single-row transactions: inserts, updates and deletes.
pub fn write_mix(c: &Connection, n: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let max_order: i64 = c
        .query_row("SELECT coalesce(max(OrderId), 1) FROM orders", [], |r| {
            r.get(0)
        })
        .expect("max order");
    for _ in 0..n {
        let id = rng.random_range(1..=max_order);
        let sql = match rng.random_range(0..10) {
            0..=3 => {
                "INSERT INTO event (OrderId, Kind, Payload) VALUES (?1, 'bench', randomblob(40))"
            }
            4..=8 => "UPDATE orders SET Amount = Amount + 1 WHERE OrderId = ?1",
            _ => "DELETE FROM event WHERE Id = ?1",
        };
        c.execute(sql, [id]).expect("write");
    }
}
