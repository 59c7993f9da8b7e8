//! The fleet file (`fleet.toml`): raw TOML read with serde, then validated
//! into a [`Fleet`] before any socket is opened — names unique, agent URLs
//! well-formed, TLS material complete, paths resolved against the fleet
//! file's folder, and the dependency graph checked by `order`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::order;
use crate::connect::TlsFiles;

/// Targets run at once when neither the file nor `--concurrency` says.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Replay entries still pending when a drain may start.
pub const DEFAULT_CATCH_UP_ENTRIES: u64 = 1_000;

/// Why a fleet file is refused; each message names the entry at fault.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read fleet file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("fleet file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("fleet file has no [[target]] entries")]
    Empty,
    #[error("target {0:?} is defined twice")]
    Duplicate(String),
    #[error("target {name:?}: {message}")]
    Target { name: String, message: String },
    #[error("target {target:?} depends on unknown target {unknown:?}")]
    UnknownDependency { target: String, unknown: String },
    #[error("depends_on has a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("target {target:?} (wave {wave}) depends on {dependency:?} of a later wave ({dep_wave}); waves run in order")]
    LaterWave {
        target: String,
        wave: u32,
        dependency: String,
        dep_wave: u32,
    },
    #[error("concurrency must be at least 1")]
    Concurrency,
    #[error("max_failures = {0:?}: write a count (10) or a percentage (\"5%\")")]
    MaxFailures(String),
}

/// How many failed targets a run tolerates before it starts nothing new.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailureLimit {
    Count(u64),
    /// Of the targets in the run.
    Percent(f64),
}

impl FailureLimit {
    /// `10` or `5%`.
    pub fn parse(text: &str) -> Option<FailureLimit> {
        match text.trim().strip_suffix('%') {
            Some(p) => p
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=100.0).contains(p))
                .map(FailureLimit::Percent),
            None => text.trim().parse().ok().map(FailureLimit::Count),
        }
    }

    /// The largest number of failures allowed among `targets`.
    pub fn allowed(self, targets: usize) -> u64 {
        match self {
            FailureLimit::Count(n) => n,
            FailureLimit::Percent(p) => (p / 100.0 * targets as f64).floor() as u64,
        }
    }
}

/// Which databases of its agent a target acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// One database (`database = "shop"`).
    One(String),
    /// Every database whose name matches (`databases = "*"`, `"acme-*"`).
    Pattern(String),
    /// These databases (`databases = ["a", "b"]`).
    List(Vec<String>),
}

/// What a rollout does after a target fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// Start nothing new; later waves never start.
    #[default]
    Stop,
    /// Go on with every target that does not depend on the failed one.
    Continue,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    ca: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    schema: Option<PathBuf>,
    concurrency: Option<usize>,
    on_failure: Option<OnFailure>,
    accept_data_loss: Option<bool>,
    allow_same_schema: Option<bool>,
    catch_up_entries: Option<u64>,
    ignore_tables: Option<Vec<String>>,
    max_failures: Option<RawLimit>,
    rehearse_all: Option<bool>,
}

/// `max_failures = 10` or `max_failures = "5%"`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum RawLimit {
    Count(u64),
    Text(String),
}

/// `databases = "*"`, `databases = "acme-*"` or `databases = ["a", "b"]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum RawSelector {
    Pattern(String),
    List(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: String,
    agent: String,
    database: Option<String>,
    databases: Option<RawSelector>,
    ca: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    schema: Option<PathBuf>,
    accept_data_loss: Option<bool>,
    allow_same_schema: Option<bool>,
    ignore_tables: Option<Vec<String>>,
    #[serde(default)]
    depends_on: Vec<String>,
    #[serde(default = "first_wave")]
    wave: u32,
    #[serde(default)]
    priority: i32,
}

fn first_wave() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFleet {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    target: Vec<RawTarget>,
}

/// A validated fleet: every target resolved, in execution order.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub concurrency: usize,
    pub on_failure: OnFailure,
    pub catch_up_entries: u64,
    /// `[defaults] max_failures` (`--max-failures` overrides).
    pub max_failures: Option<FailureLimit>,
    /// `[defaults] rehearse_all`: plan every database before starting any.
    pub rehearse_all: bool,
    /// In execution order: by wave, dependencies first, then by priority.
    /// A target with a pattern or a list stands for many databases until
    /// `expand` replaces it with one target per database.
    pub targets: Vec<FleetTarget>,
}

/// One database on one agent.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetTarget {
    pub name: String,
    pub url: String,
    /// The database (after expansion, or for `database = "..."`).
    pub database: String,
    /// What the file asked for; `One` once expanded.
    pub select: Selector,
    /// The `[[target]]` a target was expanded from (`None`: written as is).
    pub group: Option<String>,
    pub tls: Option<TlsFiles>,
    pub schema: PathBuf,
    pub accept_data_loss: bool,
    /// Migrate a database that already has the target schema (rebuilt as
    /// it is) instead of blocking it: `mig migrate --allow-same-schema`.
    pub allow_same_schema: bool,
    /// Old tables another tool owns (`ignore_tables`, here or in
    /// `[defaults]`), sent with plan and migrate.
    pub ignore_tables: Vec<String>,
    pub depends_on: Vec<String>,
    pub wave: u32,
    pub priority: i32,
}

impl Fleet {
    /// Reads and validates `path`; no network I/O.
    pub fn load(path: &Path) -> Result<Fleet, FileError> {
        let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Fleet::parse(&text, base).map_err(|e| match e {
            FileError::Parse { message, .. } => FileError::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Validates fleet TOML whose relative paths are relative to `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Fleet, FileError> {
        let raw: RawFleet = toml::from_str(text).map_err(|e| FileError::Parse {
            path: String::new(),
            message: mig::config::syntax::located(text, &e),
        })?;
        if raw.target.is_empty() {
            return Err(FileError::Empty);
        }
        let d = &raw.defaults;
        let mut seen = HashSet::new();
        let mut targets = Vec::with_capacity(raw.target.len());
        for t in &raw.target {
            if !seen.insert(t.name.as_str()) {
                return Err(FileError::Duplicate(t.name.clone()));
            }
            targets.push(resolve(t, d, base)?);
        }
        let concurrency = d.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        if concurrency == 0 {
            return Err(FileError::Concurrency);
        }
        let targets = order::sort(targets)?;
        let max_failures = match &d.max_failures {
            None => None,
            Some(RawLimit::Count(n)) => Some(FailureLimit::Count(*n)),
            Some(RawLimit::Text(t)) => {
                Some(FailureLimit::parse(t).ok_or_else(|| FileError::MaxFailures(t.clone()))?)
            }
        };
        Ok(Fleet {
            concurrency,
            on_failure: d.on_failure.unwrap_or_default(),
            catch_up_entries: d.catch_up_entries.unwrap_or(DEFAULT_CATCH_UP_ENTRIES),
            max_failures,
            rehearse_all: d.rehearse_all.unwrap_or(false),
            targets,
        })
    }

    /// The index of the target named `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.targets.iter().position(|t| t.name == name)
    }
}

fn resolve(t: &RawTarget, d: &RawDefaults, base: &Path) -> Result<FleetTarget, FileError> {
    let bad = |message: &str| FileError::Target {
        name: t.name.clone(),
        message: message.to_string(),
    };
    if t.name.is_empty() {
        return Err(bad("the name is empty"));
    }
    if t.name.contains('/') {
        return Err(bad(
            "a name may not contain '/' (it separates a target from its databases)",
        ));
    }
    let select = match (&t.database, &t.databases) {
        (Some(d), None) if d.is_empty() => return Err(bad("the database name is empty")),
        (Some(d), None) => Selector::One(d.clone()),
        (None, Some(RawSelector::Pattern(p))) => {
            glob::Pattern::new(p).map_err(|e| {
                bad(&format!(
                    "databases = {p:?} is not a glob ({e}); write \"*\" or e.g. \"acme-*\""
                ))
            })?;
            Selector::Pattern(p.clone())
        }
        (None, Some(RawSelector::List(l))) if l.is_empty() || l.iter().any(String::is_empty) => {
            return Err(bad("databases lists no database or an empty name"))
        }
        (None, Some(RawSelector::List(l))) => Selector::List(l.clone()),
        (Some(_), Some(_)) => {
            return Err(bad(
                "`database` names one database, `databases` several: use one of them",
            ))
        }
        (None, None) => return Err(bad(
            "no database: set `database = \"NAME\"` or `databases = \"*\"` (a pattern, or a list)",
        )),
    };
    let database = match &select {
        Selector::One(d) => d.clone(),
        _ => String::new(),
    };
    let at = |p: &Option<PathBuf>, fallback: &Option<PathBuf>| {
        p.as_ref().or(fallback.as_ref()).map(|p| base.join(p))
    };
    let (ca, cert, key) = (at(&t.ca, &d.ca), at(&t.cert, &d.cert), at(&t.key, &d.key));
    let tls = if t.agent.starts_with("https://") {
        let ca = ca.ok_or_else(|| bad("an https agent needs `ca` (here or in [defaults])"))?;
        let identity = match (cert, key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => return Err(bad("`cert` and `key` go together")),
        };
        Some(TlsFiles { ca, identity })
    } else if t.agent.starts_with("http://") {
        None
    } else {
        return Err(bad("the agent URL must start with https:// or http://"));
    };
    let schema = at(&t.schema, &d.schema)
        .ok_or_else(|| bad("no schema file (set `schema` here or in [defaults])"))?;
    Ok(FleetTarget {
        name: t.name.clone(),
        url: t.agent.clone(),
        database,
        select,
        group: None,
        tls,
        schema,
        accept_data_loss: t.accept_data_loss.or(d.accept_data_loss).unwrap_or(false),
        allow_same_schema: t.allow_same_schema.or(d.allow_same_schema).unwrap_or(false),
        ignore_tables: t
            .ignore_tables
            .clone()
            .or_else(|| d.ignore_tables.clone())
            .unwrap_or_default(),
        depends_on: t.depends_on.clone(),
        wave: t.wave,
        priority: t.priority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEET: &str = r#"
[defaults]
ca = "certs/ca.pem"
cert = "certs/op.pem"
key = "certs/op-key.pem"
schema = "schema.sql"
concurrency = 2

[[target]]
name = "b"
agent = "https://h:1"
database = "shop"
depends_on = ["a"]

[[target]]
name = "a"
agent = "https://h:1"
database = "ref"
schema = "/abs/ref.sql"

[[target]]
name = "c"
agent = "http://h:2"
database = "shop"
wave = 2
on_failure_ignored = 1
"#;

    #[test]
    fn unknown_fields_are_refused() {
        let e = Fleet::parse(FLEET, Path::new("/f")).unwrap_err();
        assert!(e.to_string().contains("on_failure_ignored"), "{e}");
    }

    #[test]
    fn defaults_and_paths_resolve_against_the_file() {
        let text = FLEET.replace("on_failure_ignored = 1\n", "");
        let f = Fleet::parse(&text, Path::new("/f")).expect("valid");
        let names: Vec<&str> = f.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(f.concurrency, 2);
        assert_eq!(f.on_failure, OnFailure::Stop);
        assert_eq!(f.targets[0].schema, PathBuf::from("/abs/ref.sql"));
        assert_eq!(f.targets[1].schema, PathBuf::from("/f/schema.sql"));
        let tls = f.targets[1].tls.clone().expect("tls");
        assert_eq!(tls.ca, PathBuf::from("/f/certs/ca.pem"));
        assert_eq!(f.targets[2].tls, None);
    }

    #[test]
    fn ignore_tables_come_from_the_target_or_the_defaults() {
        let text = "[defaults]\nschema='s'\nignore_tables=['audit']\n[[target]]\nname='x'\nagent='http://h:1'\ndatabase='d'\n[[target]]\nname='y'\nagent='http://h:1'\ndatabase='e'\nignore_tables=['shadow', 'cache']\n";
        let f = Fleet::parse(text, Path::new(".")).expect("valid");
        let lists: Vec<&[String]> = f
            .targets
            .iter()
            .map(|t| t.ignore_tables.as_slice())
            .collect();
        assert_eq!(
            lists,
            [
                &["audit".to_string()][..],
                &["shadow".to_string(), "cache".into()][..]
            ]
        );
    }

    #[test]
    fn duplicates_and_bad_urls_name_the_target() {
        let dup = "[defaults]\nschema='s'\n[[target]]\nname='x'\nagent='http://h:1'\ndatabase='d'\n[[target]]\nname='x'\nagent='http://h:1'\ndatabase='d'\n";
        assert_eq!(
            Fleet::parse(dup, Path::new(".")).unwrap_err().to_string(),
            "target \"x\" is defined twice"
        );
        let url = "[defaults]\nschema='s'\n[[target]]\nname='x'\nagent='h:1'\ndatabase='d'\n";
        assert_eq!(
            Fleet::parse(url, Path::new(".")).unwrap_err().to_string(),
            "target \"x\": the agent URL must start with https:// or http://"
        );
    }
}
