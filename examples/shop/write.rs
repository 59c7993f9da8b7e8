//! `shop write`: the old service at a steady rate — small IMMEDIATE
//! transactions; mig's refusals (while the database drains, and after the
//! cutover retired it or made it a standby) counted as expected.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::open;
use super::seed::{pick, product_code, FIRST, LAST};

/// The texts of the writes mig refuses on the old database: while it
/// drains, and after a cutover (retired, or a standby in a revert window).
const REFUSED_BY_MIG: [&str; 3] = [
    "draining for a migration",
    "retired by a migration",
    "standby of a cut-over migration",
];

pub enum Stop {
    After(Duration),
    WhenExists(PathBuf),
}

#[derive(Default)]
struct Tally {
    /// Transactions that changed rows and committed.
    committed: u64,
    /// Transactions that found nothing to change (still committed).
    unchanged: u64,
    /// Refused by mig (draining, retired or standby).
    refused_by_mig: u64,
    busy: u64,
}

pub fn write(db: &Path, rate: u32, stop: &Stop) -> Result<()> {
    let conn = open(db)?;
    let mut rng = StdRng::from_os_rng();
    let mut tally = Tally::default();
    let started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let mut next = started;
    loop {
        let done = match stop {
            Stop::After(d) => started.elapsed() >= *d,
            Stop::WhenExists(f) => f.exists(),
        };
        if done {
            break;
        }
        let before = conn.total_changes();
        match one_transaction(&conn, &mut rng) {
            Ok(()) if conn.total_changes() == before => tally.unchanged += 1,
            Ok(()) => tally.committed += 1,
            Err(e) if refused_by_mig(&e.to_string()) => tally.refused_by_mig += 1,
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {
                tally.busy += 1
            }
            Err(e) => return Err(e).context("a write failed unexpectedly"),
        }
        // A steady rate, not a tight loop: sleep until the next slot.
        next += interval;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    println!(
        "writer: {} transactions committed ({} more changed nothing), {} refused by mig (draining or retired: expected), {} busy, in {:.1} s",
        tally.committed,
        tally.unchanged,
        tally.refused_by_mig,
        tally.busy,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn refused_by_mig(error: &str) -> bool {
    REFUSED_BY_MIG.iter().any(|t| error.contains(t))
}

/// One transaction of the shop's service.
fn one_transaction(conn: &Connection, rng: &mut StdRng) -> rusqlite::Result<()> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let (customers, products): (i64, i64) = tx.query_row(
        "SELECT (SELECT max(CustomerId) FROM Customer), (SELECT count(*) FROM Product)",
        [],
        |r| Ok((r.get::<_, Option<i64>>(0)?.unwrap_or(1), r.get(1)?)),
    )?;
    let customer = rng.random_range(1..=customers.max(1));
    match rng.random_range(0..10) {
        0..=3 => {
            tx.execute(
                "INSERT INTO Orders(CustomerId, PlacedAt) VALUES (?1, datetime('now'))",
                [customer],
            )?;
            let order = tx.last_insert_rowid();
            for no in 1..=rng.random_range(1..=3) {
                tx.execute(
                    "INSERT INTO OrderLine SELECT ?1, ?2, Code, ?3, Price FROM Product LIMIT 1 OFFSET ?4",
                    rusqlite::params![order, no, rng.random_range(1..4), rng.random_range(0..products.max(1))],
                )?;
            }
        }
        4 | 5 => {
            tx.execute(
                "UPDATE Orders SET Status = CASE Status WHEN 'open' THEN 'paid' WHEN 'paid' THEN 'shipped' ELSE 'delivered' END \
                 WHERE OrderId = (SELECT OrderId FROM Orders WHERE CustomerId = ?1 ORDER BY OrderId DESC LIMIT 1)",
                [customer],
            )?;
        }
        6 => {
            tx.execute(
                "UPDATE Customer SET Phone = ?2 WHERE CustomerId = ?1",
                rusqlite::params![
                    customer,
                    format!("+45 {:08}", rng.random_range(0..100_000_000))
                ],
            )?;
        }
        7 => {
            let n = rng.random::<u32>();
            tx.execute(
                "INSERT OR IGNORE INTO Customer(FirstName, LastName, Email, CreatedAt) VALUES (?1, ?2, ?3, datetime('now'))",
                rusqlite::params![pick(rng, FIRST), pick(rng, LAST), format!("new{n}.{customer}@example.com")],
            )?;
        }
        8 => {
            // A cancelled order disappears with its lines.
            let order: Option<i64> = tx
                .query_row(
                    "SELECT OrderId FROM Orders WHERE CustomerId = ?1 AND Status = 'open' LIMIT 1",
                    [customer],
                    |r| r.get(0),
                )
                .or_else(|e| {
                    if e == rusqlite::Error::QueryReturnedNoRows {
                        Ok(None)
                    } else {
                        Err(e)
                    }
                })?;
            if let Some(order) = order {
                tx.execute("DELETE FROM OrderLine WHERE OrderId = ?1", [order])?;
                tx.execute("DELETE FROM Orders WHERE OrderId = ?1", [order])?;
            }
        }
        _ => {
            // Reprice a product, and now and then rename its code (a key
            // change on a table the new schema renumbers), lines included.
            let code = product_code(rng.random_range(1..=products.max(1) as u32));
            tx.execute(
                "UPDATE Product SET Price = round(Price * 1.05, 2) WHERE Code = ?1",
                [&code],
            )?;
            if rng.random_bool(0.2) {
                let renamed = format!("{code}-R{}", rng.random_range(0..1000));
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
    }
    tx.commit()
}
