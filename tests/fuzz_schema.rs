//! The schema/directive parser must never panic, whatever the file holds.
//! The same check as the cargo-fuzz target `fuzz/fuzz_targets/schema.rs`,
//! runnable on stable: seeded random inputs built from schema-shaped
//! fragments (directives, quotes, trigger bodies, multi-byte characters) and
//! raw bytes, for a bounded time.
//!
//! Default run: a short smoke (`schema_parser_survives_random_input_briefly`,
//! ~2 s). Long run (documented in the README):
//! `MIG_FUZZ_SECS=600 cargo test --features failpoints --test integration -- --ignored --nocapture schema_parser_fuzz`.
//! A panicking input is written to `$MIG_FUZZ_OUT` (default: the temp
//! folder) and belongs in `parser_regressions` below once fixed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use mig::engine::schema::{lexer, SchemaFile};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What the fuzz target does with one input: parse it; when it parses, have
/// SQLite compile it (positions of SQLite's errors are mapped back into the
/// file) and normalise every statement (the catalog hash's input).
pub fn exercise(text: &str) {
    let _ = lexer::normalize(text);
    if let Ok(schema) = SchemaFile::parse("fuzz.sql", text) {
        for s in &schema.statements {
            let _ = lexer::normalize(&s.sql);
        }
        let _ = schema.reflect();
    }
}

/// Schema-shaped pieces the generator strings together.
const FRAGMENTS: &[&str] = &[
    "CREATE",
    " TABLE ",
    " INDEX ",
    " VIEW ",
    " TRIGGER ",
    " UNIQUE ",
    " IF NOT EXISTS ",
    " TEMP ",
    " VIRTUAL ",
    "main.",
    "t",
    "\"Q\"\"x\"",
    "[br ack]",
    "`bq`",
    "'s''t'",
    "x'0a'",
    "(",
    ")",
    ",",
    ";",
    " ",
    "\n",
    "\t",
    "-- mig:from ",
    "-- mig:set ",
    "-- mig:",
    "--mig:frm ",
    "-- mig:set a = ",
    " = ",
    "=",
    "/*",
    "*/",
    "BEGIN",
    " END",
    " CASE ",
    " WHEN ",
    " THEN ",
    "PRAGMA ",
    "user_version",
    " = 3",
    "page_size",
    "foreign_keys",
    "INTEGER PRIMARY KEY",
    " TEXT",
    " NOT NULL",
    " DEFAULT ",
    "1e",
    "1e+",
    "0x",
    ".5",
    "?1",
    ":p",
    "@x",
    "$y",
    "||",
    "->>",
    "<>",
    "é",
    "Zoë",
    "\u{1F600}",
    "\u{200B}",
    "\r\n",
    "\"",
    "'",
    "[",
    "`",
    "AFTER INSERT ON t BEGIN SELECT 1; END",
    "AS SELECT 1",
    "ON t(a)",
    "WITHOUT ROWID",
    "COMMIT",
    "INSERT INTO t VALUES (1)",
    "(a, b)",
    "a",
    "b",
    "x",
    "-",
    "/",
    "*",
];

/// One random input: fragments, sometimes with raw bytes mixed in.
fn input(rng: &mut StdRng) -> String {
    let mut out = String::new();
    for _ in 0..rng.random_range(0..40) {
        if rng.random_bool(0.1) {
            let bytes: Vec<u8> = (0..rng.random_range(1..8)).map(|_| rng.random()).collect();
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            out.push_str(FRAGMENTS[rng.random_range(0..FRAGMENTS.len())]);
        }
    }
    out
}

/// Runs [`exercise`] on random inputs for `budget`; returns (inputs run,
/// panicking inputs).
fn fuzz(seed: u64, budget: Duration) -> (u64, Vec<String>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let (mut runs, mut crashes) = (0u64, Vec::new());
    // Panics are the finding here: keep their default report out of the way.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while started.elapsed() < budget {
        let text = input(&mut rng);
        runs += 1;
        if catch_unwind(AssertUnwindSafe(|| exercise(&text))).is_err() {
            crashes.push(text);
        }
    }
    std::panic::set_hook(hook);
    (runs, crashes)
}

fn report(runs: u64, crashes: &[String], took: Duration) {
    eprintln!(
        "schema fuzz: {runs} inputs in {:.0} s, {} panics",
        took.as_secs_f64(),
        crashes.len()
    );
    let dir = std::env::var_os("MIG_FUZZ_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    for (i, c) in crashes.iter().enumerate().take(20) {
        let path = dir.join(format!("mig-fuzz-crash-{i}.sql"));
        let _ = std::fs::write(&path, c);
        eprintln!("panicking input saved to {}: {c:?}", path.display());
    }
}

#[test]
fn schema_parser_survives_random_input_briefly() {
    let budget = Duration::from_secs(2);
    let (runs, crashes) = fuzz(7, budget);
    report(runs, &crashes, budget);
    assert!(runs > 100, "too few inputs tried: {runs}");
    assert!(crashes.is_empty(), "the parser panicked: {crashes:?}");
}

#[test]
#[ignore = "long: MIG_FUZZ_SECS=600 cargo test --features failpoints --test integration -- --ignored schema_parser_fuzz"]
fn schema_parser_fuzz_for_a_long_time() {
    let secs: u64 = std::env::var("MIG_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let seed: u64 = std::env::var("MIG_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let budget = Duration::from_secs(secs);
    let (runs, crashes) = fuzz(seed, budget);
    report(runs, &crashes, budget);
    assert!(
        crashes.is_empty(),
        "the parser panicked on {} inputs",
        crashes.len()
    );
}

/// Inputs that once panicked (or came close); each must parse or fail cleanly.
#[test]
fn parser_regressions() {
    for text in REGRESSIONS {
        exercise(text);
    }
}

const REGRESSIONS: &[&str] = &["", ";", "-- mig:", "-- mig:set", "'", "\"", "[", "x'", "/*"];
