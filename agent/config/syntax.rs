//! Where in a TOML file (`agent.toml`, the fleet file) a parse or type error
//! is: the line and its text, so a one-line error names the key at fault
//! ("invalid type: string \"5s\", expected u64" alone does not).

/// `line N (TEXT): MESSAGE` for an error with a position, else `MESSAGE`.
pub fn located(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end();
    let Some(span) = error.span() else {
        return message.to_string();
    };
    let start = span.start.min(text.len());
    let number = text.as_bytes()[..start]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let line = text.lines().nth(number - 1).unwrap_or("").trim();
    let shown: String = line.chars().take(80).collect();
    if shown.is_empty() {
        format!("line {number}: {message}")
    } else {
        format!("line {number} ({shown}): {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Db {
        busy_timeout_ms: u64,
    }

    #[test]
    fn a_type_error_names_its_line_and_key() {
        let text = "# a comment\n\nbusy_timeout_ms = \"5s\"\n";
        let e = toml::from_str::<Db>(text).expect_err("a string for a number");
        assert_eq!(
            located(text, &e),
            "line 3 (busy_timeout_ms = \"5s\"): invalid type: string \"5s\", expected u64"
        );
    }
}
