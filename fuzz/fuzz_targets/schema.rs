//! The schema/directive parser on arbitrary bytes: it must never panic.
//! Parse the text as a schema file; when it parses, have SQLite compile it
//! (error offsets are mapped back to file positions) and normalise every
//! statement (the catalog hash's input). Mirrors `exercise` in
//! `tests/fuzz_schema.rs`, the stable driver.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mig::engine::schema::{lexer, SchemaFile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = lexer::normalize(text);
    if let Ok(schema) = SchemaFile::parse("fuzz.sql", text) {
        for s in &schema.statements {
            let _ = lexer::normalize(&s.sql);
        }
        let _ = schema.reflect();
    }
});
