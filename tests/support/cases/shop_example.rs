//! The bundled example (`examples/shop/`): its old schema with a few rows,
//! its `schema.sql` as shipped, and a workload like `examples/shop.rs
//! write`, so the README's first command keeps working.

use rand::rngs::StdRng;
use rand::Rng;
use rusqlite::Transaction;

use super::Case;
use crate::support::oracle::Oracle;

pub const CASE: Case = Case {
    old: concat!(
        "PRAGMA journal_mode = WAL;\n",
        include_str!("../../../examples/shop/old.sql"),
        "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO Customer SELECT i, 'Zoë' || i, 'Østergaard', 'Zoe' || i || '@Example.com',
  CASE WHEN i % 3 = 0 THEN NULL ELSE '+45 ' || i END, datetime('2020-01-01', '+' || i || ' hours') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO Product SELECT printf('SKU-%05d', i), 'Product ' || i, i * 1.25, i % 7 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 900)
INSERT INTO Orders(CustomerId, PlacedAt, Status) SELECT 1 + i % 300, datetime('2021-01-01', '+' || i || ' minutes'), 'open' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1800)
INSERT INTO OrderLine SELECT 1 + i % 900, i, printf('SKU-%05d', 1 + i % 40), 1 + i % 3, 1.25 FROM n;
"
    ),
    new: include_str!("../../../examples/shop/schema.sql"),
    accept_data_loss: false,
    workload,
    oracle: ORACLE,
};

const ORACLE: Oracle<'static> = Oracle {
    transform: "
CREATE TABLE customer AS SELECT CustomerId AS id, FirstName || ' ' || LastName AS full_name, lower(Email) AS email, Phone AS phone, CreatedAt AS created_at FROM old.Customer;
CREATE TABLE product AS SELECT Code AS code, Title AS title, CAST(round(Price * 100) AS INTEGER) AS price_cents, Stock AS stock FROM old.Product;
CREATE TABLE orders AS SELECT OrderId AS id, CustomerId AS customer_id, PlacedAt AS placed_at, Status AS status FROM old.Orders;
CREATE TABLE order_line AS SELECT OrderId AS order_id, LineNo AS line_no,
  CASE WHEN ProductCode IN (SELECT Code FROM old.Product) THEN ProductCode ELSE '<dangling>' END AS product,
  Qty AS qty, CAST(round(Price * 100) AS INTEGER) AS price_cents FROM old.OrderLine;",
    checks: &[
        (
            "SELECT quote(id), quote(full_name), quote(email), quote(phone), quote(created_at) FROM main.customer ORDER BY id",
            "SELECT quote(id), quote(full_name), quote(email), quote(phone), quote(created_at) FROM new.customer ORDER BY id",
        ),
        (
            "SELECT quote(code), quote(title), quote(price_cents), quote(stock) FROM main.product ORDER BY code",
            "SELECT quote(code), quote(title), quote(price_cents), quote(stock) FROM new.product ORDER BY code",
        ),
        (
            "SELECT quote(id), quote(customer_id), quote(placed_at), quote(status) FROM main.orders ORDER BY id",
            "SELECT quote(id), quote(customer_id), quote(placed_at), quote(status) FROM new.orders ORDER BY id",
        ),
        (
            "SELECT quote(order_id), quote(line_no), quote(product), quote(qty), quote(price_cents) FROM main.order_line ORDER BY 1, 2",
            "SELECT quote(l.order_id), quote(l.line_no), quote(coalesce(p.code, '<dangling>')), quote(l.qty), quote(l.price_cents) \
             FROM new.order_line l LEFT JOIN new.product p ON p.id = l.product_id ORDER BY 1, 2",
        ),
    ],
};

/// New orders with lines, status changes, cancelled orders, repricing and
/// product code renames with their lines (as `shop write` does).
fn workload(tx: &Transaction<'_>, rng: &mut StdRng) -> rusqlite::Result<()> {
    let customer = rng.random_range(1..=300);
    let code = format!("SKU-{:05}", rng.random_range(1..=40));
    match rng.random_range(0..5) {
        0 | 1 => {
            tx.execute(
                "INSERT INTO Orders(CustomerId, PlacedAt) VALUES (?1, datetime('now'))",
                [customer],
            )?;
            tx.execute(
                "INSERT INTO OrderLine SELECT ?1, 1, Code, 2, Price FROM Product WHERE Code = ?2",
                rusqlite::params![tx.last_insert_rowid(), code],
            )?;
        }
        2 => {
            tx.execute(
                "UPDATE Orders SET Status = 'paid' WHERE OrderId IN (SELECT OrderId FROM Orders WHERE CustomerId = ?1 LIMIT 2)",
                [customer],
            )?;
        }
        3 => {
            tx.execute(
                "DELETE FROM OrderLine WHERE OrderId = (SELECT min(OrderId) FROM Orders WHERE CustomerId = ?1)",
                [customer],
            )?;
            tx.execute(
                "DELETE FROM Orders WHERE OrderId = (SELECT min(OrderId) FROM Orders WHERE CustomerId = ?1)",
                [customer],
            )?;
        }
        _ => {
            let renamed = format!("{code}-R{}", rng.random_range(0..100));
            tx.execute(
                "UPDATE Product SET Price = round(Price * 1.05, 2) WHERE Code = ?1",
                [&code],
            )?;
            if tx.execute(
                "UPDATE OR IGNORE Product SET Code = ?2 WHERE Code = ?1",
                [&code, &renamed],
            )? == 1
            {
                tx.execute(
                    "UPDATE OrderLine SET ProductCode = ?2 WHERE ProductCode = ?1",
                    [&code, &renamed],
                )?;
            }
        }
    }
    Ok(())
}
