//! Row data a plan quotes — the old keys of rows a new constraint would
//! refuse, the values a type change would alter — and who may read it:
//! an agent's viewers (a dashboard's certificate) get the counts only.

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
