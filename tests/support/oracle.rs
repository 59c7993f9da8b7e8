//! The independent oracle: the fixture's mapping written by hand as plain
//! `INSERT … SELECT` over the final old database, then compared with the new
//! database table by table. Renumbered keys are compared through the natural
//! key they were assigned for (product code), never by surrogate value.

use std::path::Path;

use rusqlite::Connection;

/// Rows of `sql` as printable strings (`quote()` keeps type and bytes exact).
fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).expect("oracle query");
    let n = stmt.column_count();
    let out = stmt
        .query_map([], |r| {
            let mut parts = Vec::with_capacity(n);
            for i in 0..n {
                parts.push(r.get::<_, String>(i)?);
            }
            Ok(parts.join("|"))
        })
        .expect("oracle rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("oracle rows");
    out
}

/// Builds the expected tables in memory from `old` and compares them with
/// `new`. Returns the number of rows compared.
pub fn assert_matches(old: &Path, new: &Path) -> usize {
    let conn = Connection::open_in_memory().expect("oracle db");
    conn.execute("ATTACH ?1 AS old", [old.to_str().expect("path")])
        .expect("attach old");
    conn.execute("ATTACH ?1 AS new", [new.to_str().expect("path")])
        .expect("attach new");
    conn.execute_batch(
        "CREATE TABLE customer AS SELECT CustomerId AS id, FirstName || ' ' || LastName AS full_name, lower(Email) AS email, Photo AS photo FROM old.Customer;
         CREATE TABLE product AS SELECT Code AS code, Title AS title, CAST(round(Price * 100) AS INTEGER) AS price_cents FROM old.Product;
         CREATE TABLE orders AS SELECT OrderId, CustomerId AS customer_id, ProductCode AS product_code, Qty AS qty, Note AS note, 'open' AS status FROM old.Orders;
         CREATE TABLE tag AS SELECT OrderId AS order_id, Label AS label, Weight AS weight FROM old.Tag;",
    )
    .expect("oracle transform");
    let checks = [
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
    ];
    let mut compared = 0;
    for (expected_sql, actual_sql) in checks {
        let expected = rows(&conn, expected_sql);
        let actual = rows(&conn, actual_sql);
        if expected != actual {
            let first = expected.iter().zip(actual.iter()).position(|(a, b)| a != b);
            panic!(
                "new database differs from the oracle for `{actual_sql}`: expected {} rows, got {}; first difference at {:?}: expected {:?}, got {:?}",
                expected.len(),
                actual.len(),
                first,
                first.and_then(|i| expected.get(i)),
                first.and_then(|i| actual.get(i)),
            );
        }
        compared += expected.len();
    }
    // Product surrogate ids must be distinct and every renumbered reference resolvable.
    let dangling: i64 = conn
        .query_row("SELECT count(*) FROM new.orders o WHERE o.product_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM new.product p WHERE p.id = o.product_id)", [], |r| r.get(0))
        .expect("dangling");
    assert_eq!(
        dangling, 0,
        "orders reference product ids that do not exist"
    );
    compared
}
