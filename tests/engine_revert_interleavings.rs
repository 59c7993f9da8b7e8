//! Writes of the new service that reverse replay must carry back in any
//! order: the same key inserted, updated and deleted; a key moved away and
//! back, moved twice, or deleted and written again; composite keys moved
//! and swapped; a renumbered table's natural key renamed twice or swapped
//! between two rows. Each script runs once with every write in one reverse
//! batch (the in-place path and its fall-back to a rebuild) and once with a
//! batch after every write; the old database then equals the hand-written
//! inverse of the new one (`revert_case`).

use mig::engine::open::Busy;
use mig::engine::ops::{self, RevertOptions};

use crate::engine_revert::{cut_over_with_window, Files};
use crate::support::revert_case as case;
use crate::support::runbook::run;

/// Each a write of the new service, in order. Customers 301-340 are seed
/// rows no other write touches (the old service only updates and inserts
/// customers); order lines and products are picked by their seed keys.
const SCRIPT: &[&str] = &[
    // A key moved away and back: the old row keeps its dropped Fax.
    "UPDATE customer SET id = -301 WHERE id = 301",
    "UPDATE customer SET full_name = 'Away Back' WHERE id = -301",
    "UPDATE customer SET id = 301 WHERE id = -301",
    // Moved twice: the row at 100302 is the one that was at 302.
    "UPDATE customer SET id = -302 WHERE id = 302",
    "UPDATE customer SET id = 100302 WHERE id = -302",
    // Written over by INSERT OR REPLACE: the same customer, updated.
    "INSERT OR REPLACE INTO customer(id, full_name, email, created_at) VALUES (307, 'Re Placed', 'r@x.org', 'now')",
    // Deleted, then written again at the same key: a new customer.
    "DELETE FROM customer WHERE id = 303",
    "INSERT INTO customer(id, full_name, email, created_at) VALUES (303, 'Again Here', 'again@x.org', 'now')",
    // Inserted and deleted within the window: never reaches the old side.
    "INSERT INTO customer(id, full_name, email, created_at) VALUES (990001, 'Brief Visit', 'b@x.org', 'now')",
    "DELETE FROM customer WHERE id = 990001",
    // Updated, then deleted.
    "UPDATE customer SET full_name = 'Soon Gone' WHERE id = 304",
    "DELETE FROM customer WHERE id = 304",
    // Moved to a key another row leaves in the same window: the row at 305
    // is the one that was at 306.
    "UPDATE customer SET id = -305 WHERE id = 305",
    "UPDATE customer SET id = 305 WHERE id = 306",
    // A key freed, another row moved onto it, then written over there by
    // INSERT OR REPLACE: the row at 308 continues the one that was at 309.
    "DELETE FROM customer WHERE id = 308",
    "UPDATE customer SET id = 308 WHERE id = 309",
    "INSERT OR REPLACE INTO customer(id, full_name, email, created_at) VALUES (308, 'Moved Over', 'mo@x.org', 'now')",
    // A composite key moved, moved twice, and two keys swapped.
    "UPDATE order_line SET line_no = 7 WHERE order_id = 101 AND line_no = 0",
    "UPDATE order_line SET qty = qty + 10 WHERE order_id = 101 AND line_no = 7",
    "UPDATE order_line SET line_no = 8 WHERE order_id = 102 AND line_no = 1",
    "UPDATE order_line SET line_no = 9 WHERE order_id = 102 AND line_no = 8",
    "UPDATE order_line SET line_no = 99 WHERE order_id = 103 AND line_no = 0",
    "UPDATE order_line SET line_no = 0 WHERE order_id = 103 AND line_no = 1",
    "UPDATE order_line SET line_no = 1 WHERE order_id = 103 AND line_no = 99",
    // Deleted and written again with another product.
    "DELETE FROM order_line WHERE order_id = 104 AND line_no = 2",
    "INSERT INTO order_line VALUES (104, 2, (SELECT max(id) FROM product), 5)",
    // A natural old key renamed twice; two swapped (UNIQUE on both sides).
    "UPDATE product SET code = 'TWICE-1' WHERE id = 10",
    "UPDATE product SET code = 'TWICE-2', price_cents = 1234 WHERE id = 10",
    "UPDATE product SET code = 'SWAP' WHERE id = 11",
    "UPDATE product SET code = 'S11' WHERE id = 12",
    "UPDATE product SET code = 'S12' WHERE id = 11",
    // A product deleted and one inserted under its code.
    "DELETE FROM order_line WHERE product_id = 13",
    "CREATE TEMP TABLE reborn AS SELECT code FROM product WHERE id = 13",
    "DELETE FROM product WHERE id = 13",
    "INSERT INTO product(code, title, price_cents) SELECT code, 'reborn', 99 FROM temp.reborn",
    // Rows of a table renumbered from its rowid, deleted and inserted.
    "DELETE FROM note WHERE id IN (SELECT id FROM note ORDER BY id LIMIT 3)",
    "INSERT INTO note(body, pinned) VALUES ('late note', 1)",
    "UPDATE note SET body = 'edited' WHERE id = (SELECT max(id) FROM note)",
];

/// When reverse batches run while the script is written.
#[derive(Debug, Clone, Copy)]
enum Batches {
    /// None until revert: every write in one batch.
    One,
    /// One after every write.
    EachWrite,
}

fn script_then_revert(seed: u64, batches: Batches) -> Files {
    let f = cut_over_with_window(seed);
    let conn = rusqlite::Connection::open(&f.new).expect("open new");
    for sql in SCRIPT {
        conn.execute(sql, [])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        if let Batches::EachWrite = batches {
            ops::window_slice(&f.spec, Busy::default(), 500).expect("reverse slice");
        }
    }
    let s = run(|ctx| ops::revert(&f.spec, &RevertOptions::default(), ctx))
        .unwrap_or_else(|e| panic!("revert ({batches:?}): {e}"));
    assert!(s.discarded.is_empty(), "{s:?}");
    f
}

/// Customers whose row now is another's (or new): (id now, id at cutover).
const IDENTITIES: &[(i64, Option<i64>)] = &[
    (100302, Some(302)),
    (303, None),
    (305, Some(306)),
    (308, Some(309)),
];

#[test]
fn every_interleaving_in_one_reverse_batch_comes_back_as_the_inverse_of_the_new_database() {
    let f = script_then_revert(61, Batches::One);
    let compared = case::assert_old_is_inverse_with(&f.old, &f.new, f.dir.path(), IDENTITIES);
    assert!(compared > 1_500, "compared {compared} rows");
}

#[test]
fn every_interleaving_a_batch_per_write_comes_back_as_the_inverse_of_the_new_database() {
    let f = script_then_revert(62, Batches::EachWrite);
    let compared = case::assert_old_is_inverse_with(&f.old, &f.new, f.dir.path(), IDENTITIES);
    assert!(compared > 1_500, "compared {compared} rows");
}
