//! The bundled shop, for trying mig by hand and for `examples/demo.sh`:
//! `seed` creates the old database (`examples/shop/old.sql`, WAL mode) with
//! realistic rows; `write` plays the old service — small transactions at a
//! steady rate, mig's refusals counted as expected; `count` compares row
//! counts of the old and new databases table by table.
//!
//! It opens SQLite files itself because it is the *service*, not mig.

// Tests, benchmarks and examples play the service, the oracle and third
// parties: they open database files directly (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use rusqlite::Connection;

/// The old schema, as the service created it.
const OLD_SCHEMA: &str = include_str!("shop/old.sql");

/// Old table → new table, for `count`.
const TABLES: &[(&str, &str)] = &[
    ("Customer", "customer"),
    ("Product", "product"),
    ("Orders", "orders"),
    ("OrderLine", "order_line"),
];

#[path = "shop/seed.rs"]
mod seed;
#[path = "shop/write.rs"]
mod write;

use seed::seed;
use write::{write, Stop};

#[derive(Parser)]
#[command(about = "The bundled shop database: seed it, write to it like its service, count it")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the old database (WAL mode) with customers, products, orders
    /// and order lines: about 10 rows per customer.
    Seed {
        /// The database file to create (must not exist).
        #[arg(long, value_name = "PATH")]
        db: PathBuf,
        /// Customers to create; orders, lines and products scale with it.
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        customers: u32,
    },
    /// Write like the shop's service: new orders, status changes, edits,
    /// deletes and product renames, in small transactions. mig's refusals
    /// (draining, then retired after the cutover) are expected and counted. Prints one summary
    /// line at exit.
    Write {
        /// The old database.
        #[arg(long, value_name = "PATH")]
        db: PathBuf,
        /// Transactions per second.
        #[arg(long, value_name = "N", default_value_t = 200)]
        rate: u32,
        /// Stop after this many seconds.
        #[arg(long, value_name = "S", conflicts_with = "until_file")]
        seconds: Option<f64>,
        /// Stop once this file exists.
        #[arg(long, value_name = "F")]
        until_file: Option<PathBuf>,
    },
    /// Compare row counts of the old and new databases; exits 1 on a
    /// difference.
    Count {
        #[arg(long, value_name = "PATH")]
        old: PathBuf,
        #[arg(long, value_name = "PATH")]
        new: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Seed { db, customers } => seed(&db, customers),
        Command::Write {
            db,
            rate,
            seconds,
            until_file,
        } => {
            let stop = match (seconds, until_file) {
                (Some(s), _) => Stop::After(Duration::from_secs_f64(s.max(0.0))),
                (None, Some(f)) => Stop::WhenExists(f),
                (None, None) => Stop::After(Duration::from_secs(10)),
            };
            write(&db, rate.max(1), &stop)
        }
        Command::Count { old, new } => count(&old, &new),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn open(db: &Path) -> Result<Connection> {
    let conn = Connection::open(db).with_context(|| format!("opening {}", db.display()))?;
    // Like a typical WAL service: wait for locks, no foreign-key
    // enforcement, and NORMAL sync (durable at checkpoints, never corrupt).
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

fn count(old: &Path, new: &Path) -> Result<()> {
    let read = |p: &Path| {
        Connection::open_with_flags(p, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("opening {}", p.display()))
    };
    let (old_conn, new_conn) = (read(old)?, read(new)?);
    let mut same = true;
    println!("{:<12} {:>10} {:>10}", "table", "old", "new");
    for (o, n) in TABLES {
        let a: i64 =
            old_conn.query_row(&format!("SELECT count(*) FROM \"{o}\""), [], |r| r.get(0))?;
        let b: i64 =
            new_conn.query_row(&format!("SELECT count(*) FROM \"{n}\""), [], |r| r.get(0))?;
        let mark = if a == b { "" } else { "  <- differs" };
        println!("{n:<12} {a:>10} {b:>10}{mark}");
        same &= a == b;
    }
    if !same {
        bail!(
            "row counts differ between {} and {}",
            old.display(),
            new.display()
        );
    }
    println!("row counts match");
    Ok(())
}
