//! A catalog rewritten for modern SQLite: STRICT tables, TEXT-typed numbers
//! turned into INTEGER (by CAST where the target is STRICT, by the column's
//! affinity where it is not), virtual and stored generated columns, a
//! partial index and a UNIQUE expression index built after the copy, a view,
//! a trigger that would corrupt counts if it fired during the copy, and a
//! dropped column (`--accept-data-loss`).

use rand::rngs::StdRng;
use rand::Rng;
use rusqlite::Transaction;

use super::Case;
use crate::support::oracle::Oracle;

pub const CASE: Case = Case {
    old: OLD,
    new: NEW,
    accept_data_loss: true,
    workload,
    oracle: ORACLE,
};

const OLD: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, price TEXT, stock TEXT,
  discontinued INTEGER DEFAULT 0, legacy_code TEXT);
CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER, stars TEXT, body TEXT);
CREATE TABLE tags (product_id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (product_id, tag)) WITHOUT ROWID;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
INSERT INTO products SELECT i, 'Product ' || i, CASE WHEN i % 9 = 0 THEN NULL ELSE printf('%d.%02d', i % 50, i % 100) END,
  CASE WHEN i % 13 = 0 THEN 'n/a' ELSE CAST(i % 30 AS TEXT) END, i % 7 = 0, 'L-' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 700)
INSERT INTO reviews SELECT i, 1 + i % 400, CASE WHEN i % 11 = 0 THEN 'five' ELSE CAST(1 + i % 5 AS TEXT) END, 'Réview ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT OR IGNORE INTO tags SELECT 1 + i % 400, CASE i % 4 WHEN 0 THEN 'sale' WHEN 1 THEN 'new' WHEN 2 THEN 'eco' ELSE 'größe' END FROM n;
";

const NEW: &str = "
-- mig:set price_cents = CAST(round(CAST(price AS REAL) * 100) AS INTEGER)
-- mig:set stock = coalesce(CAST(stock AS INTEGER), 0)
-- mig:set discontinued = coalesce(discontinued, 0) != 0
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  price_cents INTEGER,
  stock INTEGER NOT NULL DEFAULT 0,
  discontinued INTEGER NOT NULL DEFAULT 0,
  review_count INTEGER NOT NULL DEFAULT 0,
  name_key TEXT GENERATED ALWAYS AS (lower(name)) VIRTUAL,
  stock_value_cents INTEGER GENERATED ALWAYS AS (price_cents * stock) STORED
) STRICT;
CREATE UNIQUE INDEX products_name_key ON products(lower(name));
CREATE INDEX products_on_sale ON products(price_cents) WHERE discontinued = 0;

CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER REFERENCES products(id), stars INTEGER, body TEXT);

-- mig:from tags
CREATE TABLE product_tag (product_id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (product_id, tag)) STRICT, WITHOUT ROWID;

CREATE TRIGGER reviews_count AFTER INSERT ON reviews
BEGIN
  UPDATE products SET review_count = review_count + 1 WHERE id = NEW.product_id;
END;
CREATE VIEW product_rating AS SELECT product_id, avg(stars) AS stars, count(*) AS n FROM reviews GROUP BY product_id;
";

const ORACLE: Oracle<'static> = Oracle {
    transform: "
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price_cents INTEGER, stock INTEGER, discontinued INTEGER);
INSERT INTO products SELECT id, name, CAST(round(CAST(price AS REAL) * 100) AS INTEGER), coalesce(CAST(stock AS INTEGER), 0),
  coalesce(discontinued, 0) != 0 FROM old.products;
CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER, stars INTEGER, body TEXT);
INSERT INTO reviews SELECT id, product_id, stars, body FROM old.reviews;
CREATE TABLE product_tag AS SELECT product_id, tag FROM old.tags;",
    checks: &[
        (
            "SELECT quote(id), quote(name), quote(price_cents), quote(stock), quote(discontinued), '0', quote(lower(name)), quote(price_cents * stock) FROM main.products ORDER BY id",
            "SELECT quote(id), quote(name), quote(price_cents), quote(stock), quote(discontinued), quote(review_count), quote(name_key), quote(stock_value_cents) FROM new.products ORDER BY id",
        ),
        (
            "SELECT quote(id), quote(product_id), quote(stars), quote(body) FROM main.reviews ORDER BY id",
            "SELECT quote(id), quote(product_id), quote(stars), quote(body) FROM new.reviews ORDER BY id",
        ),
        (
            "SELECT quote(product_id), quote(tag) FROM main.product_tag ORDER BY 1, 2",
            "SELECT quote(product_id), quote(tag) FROM new.product_tag ORDER BY 1, 2",
        ),
        (
            "SELECT 'products_name_key|products_on_sale'",
            "SELECT group_concat(name, '|') FROM (SELECT name FROM new.sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name)",
        ),
    ],
};

/// Catalog edits: new products, renames that only change case (the NOCASE
/// key stays the same row), price and stock updates written as text, review
/// inserts and deletes, tag moves between products, discontinuations.
fn workload(tx: &Transaction<'_>, rng: &mut StdRng) -> rusqlite::Result<()> {
    let product = rng.random_range(1..=420);
    match rng.random_range(0..7) {
        0 => {
            tx.execute(
                "INSERT OR IGNORE INTO products(name, price, stock) VALUES (?1, '4.20', '3')",
                [format!("Gadget {}", rng.random_range(0..10_000))],
            )?;
        }
        1 => {
            tx.execute(
                "UPDATE products SET name = CASE WHEN name = upper(name) THEN lower(name) ELSE upper(name) END WHERE id = ?1",
                [product],
            )?;
        }
        2 => {
            tx.execute(
                "UPDATE products SET price = printf('%d.%02d', ?2, ?3), stock = CAST(?2 AS TEXT) WHERE id = ?1",
                [product, rng.random_range(0..90), rng.random_range(0..100)],
            )?;
        }
        3 => {
            tx.execute(
                "INSERT INTO reviews(product_id, stars, body) VALUES (?1, ?2, 'ok')",
                rusqlite::params![product, rng.random_range(1..=5).to_string()],
            )?;
        }
        4 => {
            tx.execute(
                "DELETE FROM reviews WHERE id IN (SELECT id FROM reviews WHERE product_id = ?1 LIMIT 1)",
                [product],
            )?;
        }
        5 => {
            tx.execute(
                "UPDATE OR REPLACE tags SET product_id = ?2 WHERE product_id = ?1",
                [product, rng.random_range(1..=420)],
            )?;
        }
        _ => {
            tx.execute(
                "UPDATE products SET discontinued = 1, legacy_code = NULL WHERE id = ?1",
                [product],
            )?;
        }
    }
    Ok(())
}
