//! Row data mig quotes — the old keys of rows a new constraint would
//! refuse, the values a type change would alter, the keys of rows that
//! stopped a replay, a verification or a revert — and who may read it: an
//! agent's viewers (a dashboard's certificate) get the counts only.

/// How much of the old rows a plan may quote to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Disclosure {
    /// Up to five keys or values per finding: the local operator and an
    /// agent's operators, who must fix those rows.
    #[default]
    Values,
    /// Counts only: an agent's viewers.
    CountsOnly,
}

/// Examples a finding quotes from the old rows, as SQL literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quoted {
    Shown(Vec<String>),
    /// Left out for a caller who may not read row data.
    Withheld,
}

impl Quoted {
    /// The examples shown (none when withheld).
    pub fn shown(&self) -> &[String] {
        match self {
            Quoted::Shown(v) => v,
            Quoted::Withheld => &[],
        }
    }

    /// The examples as a finding's text puts them.
    pub fn text(&self) -> String {
        match self {
            Quoted::Shown(v) => v.join(", "),
            Quoted::Withheld => "withheld from viewers; an operator's plan shows them".into(),
        }
    }

    /// `self`, or withheld under `CountsOnly`.
    pub fn for_caller(&mut self, d: Disclosure) {
        if d == Disclosure::CountsOnly {
            *self = Quoted::Withheld;
        }
    }
}

/// What a viewer's line says in place of the keys it withholds.
pub const KEYS_WITHHELD: &str =
    "(withheld from viewers; an operator's `mig watch` or `mig status` shows them)";

/// A line that may quote rows: in full for whoever must fix them, and the
/// same line without the row values for an agent's viewers. Errors and job
/// events that name keys carry one, so every way a viewer reads them (the
/// job stream, a replayed history, `status`) gets the withheld line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotedText {
    full: String,
    /// `None`: the line quotes no row data.
    withheld: Option<String>,
}

impl QuotedText {
    /// A line naming rows (`full`), and the same outcome without their
    /// values (`withheld`).
    pub fn rows(full: String, withheld: String) -> Self {
        QuotedText {
            full,
            withheld: Some(withheld),
        }
    }

    /// The line `say` makes around `keys`, and for viewers the same line
    /// with the keys replaced by [`KEYS_WITHHELD`].
    pub fn naming(keys: &str, say: impl Fn(&str) -> String) -> Self {
        QuotedText::rows(say(keys), say(KEYS_WITHHELD))
    }

    /// Both lines, each put into `say`.
    pub fn map(&self, say: impl Fn(&str) -> String) -> Self {
        QuotedText {
            full: say(&self.full),
            withheld: self.withheld.as_deref().map(say),
        }
    }

    /// The line as `d` may read it.
    pub fn for_caller(&self, d: Disclosure) -> &str {
        match (d, &self.withheld) {
            (Disclosure::CountsOnly, Some(w)) => w,
            _ => &self.full,
        }
    }
}

/// A line that quotes no row data.
impl From<String> for QuotedText {
    fn from(full: String) -> Self {
        QuotedText {
            full,
            withheld: None,
        }
    }
}

impl std::fmt::Display for QuotedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full)
    }
}
