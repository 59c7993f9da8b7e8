//! Splitting a schema file's tokens into statements: a statement ends at a
//! semicolon outside any trigger body, and the comments directly above a
//! statement (where `-- mig:` directives live) travel with it.

use super::lexer::{Kind, Token};

/// One statement's tokens (comments inside it included) and the comments
/// that stood directly before it.
#[derive(Debug, Clone)]
pub struct RawStatement<'a> {
    /// Comments between the previous statement and this one.
    pub leading: Vec<Token<'a>>,
    /// The statement's own tokens, without the closing semicolon.
    pub tokens: Vec<Token<'a>>,
    /// The statement's source text, from its first token to the last one.
    pub text: &'a str,
}

impl RawStatement<'_> {
    /// The significant (non-comment) tokens.
    pub fn words(&self) -> impl Iterator<Item = &Token<'_>> {
        self.tokens.iter().filter(|t| !t.is_comment())
    }
}

/// Splits tokens into statements. Semicolons inside a trigger body
/// (`BEGIN ... END`) do not end the `CREATE TRIGGER`; `CASE ... END` inside
/// the body is tracked so its `END` does not close the body early.
pub fn split<'a>(src: &'a str, tokens: Vec<Token<'a>>) -> Vec<RawStatement<'a>> {
    let mut out = Vec::new();
    let mut leading = Vec::new();
    let mut current: Vec<Token<'a>> = Vec::new();
    let mut trigger = TriggerState::default();
    for tok in tokens {
        if current.iter().all(|t| t.is_comment()) && tok.is_comment() {
            leading.push(tok);
            continue;
        }
        if tok.kind == Kind::Semicolon {
            if trigger.in_body() {
                current.push(tok);
                continue;
            }
            if !current.is_empty() {
                out.push(finish(
                    src,
                    std::mem::take(&mut leading),
                    std::mem::take(&mut current),
                ));
            } else {
                leading.clear();
            }
            trigger = TriggerState::default();
            continue;
        }
        trigger.feed(&current, &tok);
        current.push(tok);
    }
    if current.iter().any(|t| !t.is_comment()) {
        out.push(finish(src, leading, current));
    }
    out
}

fn finish<'a>(src: &'a str, leading: Vec<Token<'a>>, tokens: Vec<Token<'a>>) -> RawStatement<'a> {
    let first = tokens
        .iter()
        .find(|t| !t.is_comment())
        .map(|t| t.offset)
        .unwrap_or(0);
    let last = tokens
        .iter()
        .rev()
        .find(|t| !t.is_comment())
        .map(|t| t.offset + t.text.len())
        .unwrap_or(first);
    RawStatement {
        leading,
        tokens,
        text: &src[first..last],
    }
}

/// Tracks whether we are inside `CREATE TRIGGER ... BEGIN ... END`.
#[derive(Default)]
struct TriggerState {
    is_trigger: bool,
    in_body: bool,
    case_depth: usize,
    done: bool,
}

impl TriggerState {
    fn in_body(&self) -> bool {
        self.is_trigger && self.in_body && !self.done
    }

    fn feed(&mut self, before: &[Token<'_>], tok: &Token<'_>) {
        if tok.is_comment() {
            return;
        }
        let significant: Vec<&Token<'_>> = before.iter().filter(|t| !t.is_comment()).collect();
        if !self.is_trigger {
            // CREATE [TEMP|TEMPORARY] TRIGGER
            if tok.is_word("TRIGGER") {
                let starts_create = significant.first().is_some_and(|t| t.is_word("CREATE"));
                let between_ok = significant
                    .iter()
                    .skip(1)
                    .all(|t| t.is_word("TEMP") || t.is_word("TEMPORARY"));
                if starts_create && between_ok {
                    self.is_trigger = true;
                }
            }
            return;
        }
        if !self.in_body {
            if tok.is_word("BEGIN") {
                self.in_body = true;
            }
            return;
        }
        if tok.is_word("CASE") {
            self.case_depth += 1;
        } else if tok.is_word("END") {
            if self.case_depth > 0 {
                self.case_depth -= 1;
            } else {
                self.done = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::lexer::tokenize;

    fn statements(src: &str) -> Vec<String> {
        split(src, tokenize(src).unwrap())
            .into_iter()
            .map(|s| s.text.to_string())
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_literals_and_comments() {
        let src = "CREATE TABLE a(x TEXT DEFAULT ';'); -- c; d\nCREATE TABLE \"b;\"(y) /* ; */;";
        assert_eq!(
            statements(src),
            vec![
                "CREATE TABLE a(x TEXT DEFAULT ';')",
                "CREATE TABLE \"b;\"(y)"
            ]
        );
    }

    #[test]
    fn trigger_body_semicolons_and_case_end_stay_inside_the_trigger() {
        let src = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN 1 THEN 2 END; DELETE FROM b; END; CREATE VIEW v AS SELECT 1;";
        let s = statements(src);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s[0].ends_with("DELETE FROM b; END"));
        assert_eq!(s[1], "CREATE VIEW v AS SELECT 1");
    }

    #[test]
    fn leading_comments_attach_to_the_next_statement() {
        let src = "CREATE TABLE a(x);\n-- mig:from Old\n-- mig:set y = x\nCREATE TABLE b(y);";
        let stmts = split(src, tokenize(src).unwrap());
        assert_eq!(stmts[1].leading.len(), 2);
        assert_eq!(stmts[1].leading[0].line, 2);
    }
}
