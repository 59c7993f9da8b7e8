//! A small SQLite tokenizer: enough to split a schema file into statements,
//! find the `-- mig:` comments above each one, and normalise SQL text for
//! hashing. It does not parse SQL: SQLite itself validates every statement.

/// What a token is. Whitespace is dropped; comments are kept because
/// directives live in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A bare word: keyword or unquoted identifier.
    Word,
    /// `"x"`, `[x]` or `` `x` ``.
    QuotedIdent,
    /// `'x'`.
    String,
    /// `x'00ff'`.
    Blob,
    Number,
    /// `?`, `?1`, `:name`, `@name`, `$name`.
    Param,
    LineComment,
    BlockComment,
    Semicolon,
    /// Any other operator or punctuation.
    Punct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Byte offset in the source.
    pub offset: usize,
    /// 1-based line and column (in characters).
    pub line: usize,
    pub column: usize,
}

impl Token<'_> {
    pub fn is_word(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(w)
    }

    pub fn is_comment(&self) -> bool {
        matches!(self.kind, Kind::LineComment | Kind::BlockComment)
    }

    /// The identifier this token names, unquoted (`"a""b"` → `a"b`).
    pub fn ident(&self) -> Option<String> {
        match self.kind {
            Kind::Word => Some(self.text.to_string()),
            Kind::QuotedIdent => Some(unquote(self.text)),
            // SQLite accepts a string literal where an identifier is expected.
            Kind::String => Some(unquote(self.text)),
            _ => None,
        }
    }
}

fn unquote(text: &str) -> String {
    let mut chars = text.chars();
    let open = chars.next().unwrap_or('"');
    let close = match open {
        '[' => ']',
        c => c,
    };
    let inner = &text[open.len_utf8()..text.len().saturating_sub(close.len_utf8())];
    if open == '[' {
        inner.to_string()
    } else {
        let doubled = format!("{close}{close}");
        inner.replace(&doubled, &close.to_string())
    }
}

/// Why the text could not be tokenized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Splits `src` into tokens, dropping whitespace.
pub fn tokenize(src: &str) -> Result<Vec<Token<'_>>, LexError> {
    let mut lx = Lexer {
        src,
        pos: 0,
        line: 1,
        col: 1,
        out: Vec::new(),
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    col: usize,
    out: Vec<Token<'a>>,
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(ahead)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.src[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn run(&mut self) -> Result<(), LexError> {
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() {
                self.bump();
                continue;
            }
            let (start, line, column) = (self.pos, self.line, self.col);
            let kind = self.token(c, line, column)?;
            self.out.push(Token {
                kind,
                text: &self.src[start..self.pos],
                offset: start,
                line,
                column,
            });
        }
        Ok(())
    }

    fn token(&mut self, c: char, line: usize, column: usize) -> Result<Kind, LexError> {
        let err = |message: &str| LexError {
            line,
            column,
            message: message.to_string(),
        };
        match c {
            '-' if self.peek(1) == Some('-') => {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.bump();
                }
                Ok(Kind::LineComment)
            }
            '/' if self.peek(1) == Some('*') => Ok(self.block_comment()),
            '\'' => {
                self.quoted('\'')
                    .ok_or_else(|| err("unterminated string literal"))?;
                Ok(Kind::String)
            }
            '"' | '`' => {
                self.quoted(c)
                    .ok_or_else(|| err("unterminated quoted identifier"))?;
                Ok(Kind::QuotedIdent)
            }
            '[' => {
                self.bump();
                while self
                    .bump()
                    .ok_or_else(|| err("unterminated [identifier]"))?
                    != ']'
                {}
                Ok(Kind::QuotedIdent)
            }
            'x' | 'X' if self.peek(1) == Some('\'') => {
                self.bump();
                self.quoted('\'')
                    .ok_or_else(|| err("unterminated blob literal"))?;
                Ok(Kind::Blob)
            }
            ';' => {
                self.bump();
                Ok(Kind::Semicolon)
            }
            '?' | ':' | '@' | '$' => {
                self.bump();
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
                {
                    self.bump();
                }
                Ok(Kind::Param)
            }
            c if c.is_ascii_digit()
                || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                self.number();
                Ok(Kind::Number)
            }
            c if is_ident_start(c) => {
                while self.peek(0).is_some_and(is_ident_char) {
                    self.bump();
                }
                Ok(Kind::Word)
            }
            _ => Ok(self.operator(c)),
        }
    }

    /// A `/* … */` comment; SQLite accepts one left open at the end of
    /// input.
    fn block_comment(&mut self) -> Kind {
        self.bump();
        self.bump();
        loop {
            match self.bump() {
                None => return Kind::BlockComment,
                Some('*') if self.peek(0) == Some('/') => {
                    self.bump();
                    return Kind::BlockComment;
                }
                Some(_) => {}
            }
        }
    }

    /// Punctuation: two-character operators (and `->>`) stay one token so
    /// normalisation is stable.
    fn operator(&mut self, c: char) -> Kind {
        self.bump();
        let two = matches!(
            (c, self.peek(0)),
            ('|', Some('|'))
                | ('<', Some('=' | '>' | '<'))
                | ('>', Some('=' | '>'))
                | ('!', Some('='))
                | ('=', Some('='))
                | ('-', Some('>'))
        );
        if two {
            self.bump();
            if c == '-' && self.peek(0) == Some('>') {
                self.bump();
            }
        }
        Kind::Punct
    }

    /// Consumes a literal quoted with `q`, where a doubled `q` escapes it.
    fn quoted(&mut self, q: char) -> Option<()> {
        self.bump();
        loop {
            match self.bump()? {
                c if c == q => {
                    if self.peek(0) == Some(q) {
                        self.bump();
                    } else {
                        return Some(());
                    }
                }
                _ => {}
            }
        }
    }

    fn number(&mut self) {
        if self.peek(0) == Some('0') && matches!(self.peek(1), Some('x' | 'X')) {
            self.bump();
            self.bump();
            while self
                .peek(0)
                .is_some_and(|c| c.is_ascii_hexdigit() || c == '_')
            {
                self.bump();
            }
            return;
        }
        while self
            .peek(0)
            .is_some_and(|c| c.is_ascii_digit() || c == '.' || c == '_')
        {
            self.bump();
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            let sign = matches!(self.peek(1), Some('+' | '-'));
            let digit_at = if sign { 2 } else { 1 };
            if self.peek(digit_at).is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
                if sign {
                    self.bump();
                }
                while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
            }
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || !c.is_ascii()
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

/// SQL text with comments and whitespace differences removed and identifiers
/// case-folded, so cosmetic edits do not change a schema's hash.
pub fn normalize(sql: &str) -> String {
    let Ok(tokens) = tokenize(sql) else {
        return sql.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    let mut out = String::with_capacity(sql.len());
    for t in tokens.iter().filter(|t| !t.is_comment()) {
        if !out.is_empty() {
            out.push(' ');
        }
        match t.kind {
            Kind::Word => out.push_str(&t.text.to_ascii_lowercase()),
            Kind::QuotedIdent => {
                // `"Foo"` and `foo` name the same object: print plain names bare.
                let name = unquote(t.text).to_ascii_lowercase();
                let plain = name.chars().next().is_some_and(is_ident_start)
                    && name.chars().all(is_ident_char);
                if plain {
                    out.push_str(&name);
                } else {
                    out.push('"');
                    out.push_str(&name.replace('"', "\"\""));
                    out.push('"');
                }
            }
            _ => out.push_str(t.text),
        }
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unterminated_string_reports_its_position() {
        let err = tokenize("CREATE TABLE a(\n  x DEFAULT 'oops\n)").unwrap_err();
        assert_eq!((err.line, err.column), (2, 13));
    }

    #[test]
    fn normalize_ignores_whitespace_comments_and_identifier_case() {
        assert_eq!(
            normalize("CREATE  TABLE \"Foo\" (\n  a INT -- note\n)"),
            normalize("create table foo(a int)")
        );
        assert_ne!(normalize("SELECT 'A'"), normalize("SELECT 'a'"));
    }

    #[test]
    fn unquote_handles_each_quote_style() {
        let toks = tokenize("\"a\"\"b\" [c d] `e``f` 'g''h'").unwrap();
        let names: Vec<_> = toks.iter().map(|t| t.ident().unwrap()).collect();
        assert_eq!(names, vec!["a\"b", "c d", "e`f", "g'h"]);
    }
}
