//! `cargo bench` runs a harness-less bench with `--bench`; `cargo test
//! --all-targets` (the test command) runs the same binary with no such flag.
//! These benches take minutes on purpose-sized data, in release: under
//! `cargo test` they only say how to run them.

/// True when the bench was not started by `cargo bench` (it then returns).
pub fn skipped(name: &str) -> bool {
    if std::env::args().skip(1).any(|a| a == "--bench") {
        return false;
    }
    eprintln!(
        "{name}: a benchmark, skipped outside `cargo bench`; run `cargo bench --bench {name}`"
    );
    true
}
