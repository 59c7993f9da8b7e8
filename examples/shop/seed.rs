//! `shop seed`: the old database with realistic rows (names from many
//! countries, phones for some, orders with one to three lines each).

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{open, OLD_SCHEMA, TABLES};

pub const FIRST: &[&str] = &[
    "Ana",
    "Björn",
    "Chloé",
    "Dmitri",
    "Eva",
    "François",
    "Günther",
    "Hana",
    "Ivan",
    "José",
    "Kenji",
    "Lucía",
    "Mårten",
    "Nadia",
    "Oskar",
    "Paula",
    "Søren",
    "Zoë",
];
pub const LAST: &[&str] = &[
    "Almeida",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fischer",
    "García",
    "Hoffmann",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Østergaard",
];

pub fn seed(db: &Path, customers: u32) -> Result<()> {
    if db.exists() {
        bail!("{} already exists; pass a new path", db.display());
    }
    let started = Instant::now();
    let mut conn = open(db)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        bail!("{} cannot use WAL mode (got {mode})", db.display());
    }
    conn.execute_batch(OLD_SCHEMA)
        .context("creating the old schema")?;
    let mut rng = StdRng::seed_from_u64(42);
    let products = (customers / 20).max(10);
    let tx = conn.transaction()?;
    {
        let mut ins = tx.prepare(
            "INSERT INTO Customer VALUES (?1, ?2, ?3, ?4, ?5, datetime('2020-01-01', ?6))",
        )?;
        for id in 1..=customers {
            let (first, last) = (pick(&mut rng, FIRST), pick(&mut rng, LAST));
            let phone = rng
                .random_bool(0.6)
                .then(|| format!("+45 {:08}", rng.random_range(0..100_000_000)));
            let email = format!(
                "{}.{}{id}@Example.com",
                first.to_lowercase(),
                last.to_lowercase()
            );
            let created = format!("+{} minutes", rng.random_range(0..2_000_000));
            ins.execute(rusqlite::params![id, first, last, email, phone, created])?;
        }
        let mut ins = tx.prepare("INSERT INTO Product VALUES (?1, ?2, ?3, ?4)")?;
        for p in 1..=products {
            let price = f64::from(rng.random_range(99..20_000)) / 100.0;
            ins.execute(rusqlite::params![
                product_code(p),
                format!("Product {p} «{}»", pick(&mut rng, LAST)),
                price,
                rng.random_range(0..500)
            ])?;
        }
        let mut order = tx.prepare("INSERT INTO Orders(CustomerId, PlacedAt, Status) VALUES (?1, datetime('2021-01-01', ?2), ?3)")?;
        let mut line = tx.prepare(
            "INSERT INTO OrderLine SELECT ?1, ?2, Code, ?4, Price FROM Product WHERE Code = ?3",
        )?;
        for _ in 0..customers * 3 {
            let status = pick(
                &mut rng,
                &["open", "paid", "shipped", "shipped", "delivered"],
            );
            order.execute(rusqlite::params![
                rng.random_range(1..=customers),
                format!("+{} minutes", rng.random_range(0..1_500_000)),
                status
            ])?;
            let id = tx.last_insert_rowid();
            for no in 1..=rng.random_range(1..=3) {
                line.execute(rusqlite::params![
                    id,
                    no,
                    product_code(rng.random_range(1..=products)),
                    rng.random_range(1..5)
                ])?;
            }
        }
    }
    tx.commit()?;
    let rows: i64 = TABLES
        .iter()
        .map(|(t, _)| {
            conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| {
                r.get::<_, i64>(0)
            })
        })
        .sum::<rusqlite::Result<i64>>()?;
    println!(
        "seeded {} with {rows} rows in {:.1} s",
        db.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

pub fn product_code(n: u32) -> String {
    format!("SKU-{n:05}")
}
