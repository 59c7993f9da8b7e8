//! The `[[database]]` entries of `agent.toml`: one database an agent
//! serves each, validated into a [`DatabaseConfig`] (its name, files,
//! lock wait, tables left to their owner, default revert window).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::operations::HooksConfig;
use super::{files, valid_name};
use crate::engine::owners::LeftToOwner;
use crate::engine::paths::DatabaseSpec;
use crate::engine::throttle::ThrottleSettings;

/// One database an agent serves. Requests name it; they never carry a path.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseConfig {
    pub name: String,
    pub spec: DatabaseSpec,
    pub settings: DatabaseSettings,
}

/// How the agent works on a database: what a `[[database]]` entry says of
/// its own, and a `[[database_set]]` of each of its databases.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseSettings {
    /// How long a step waits for the service's lock before failing.
    pub busy_timeout: Duration,
    /// Accept an old database in rollback-journal mode (copy chunks then
    /// block the service's writers for their duration).
    pub allow_rollback_journal: bool,
    /// The automatic throttle of copy and catch-up.
    pub throttle: ThrottleSettings,
    /// Old tables another tool owns (`ignore_tables`), beside the built-in
    /// ones: never recorded, frozen, copied or counted as data loss.
    pub left_to_owner: LeftToOwner,
    /// Executables run at the named points of a migration (`[hooks]`).
    pub hooks: Option<HooksConfig>,
    /// The revert window `cutover` opens when the request does not say
    /// (zero: none).
    pub revert_window: Duration,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            busy_timeout: Duration::from_millis(default_busy_ms()),
            allow_rollback_journal: false,
            throttle: ThrottleSettings::default(),
            left_to_owner: LeftToOwner::default(),
            hooks: None,
            revert_window: Duration::ZERO,
        }
    }
}

impl DatabaseSettings {
    /// The settings an entry's own keys give (`at` names the entry in an
    /// error), with the file's throttle and hooks.
    pub(super) fn of(
        keys: SettingKeys,
        throttle: ThrottleSettings,
        hooks: Option<HooksConfig>,
        at: &str,
    ) -> Result<Self, String> {
        let revert_window = match keys.revert_window {
            None => Duration::ZERO,
            Some(w) => parse_window(w).map_err(|e| format!("{at}: revert_window = {w:?}: {e}"))?,
        };
        Ok(DatabaseSettings {
            busy_timeout: Duration::from_millis(keys.busy_timeout_ms),
            allow_rollback_journal: keys.allow_rollback_journal,
            throttle,
            left_to_owner: LeftToOwner::new(keys.ignore_tables.to_vec()),
            hooks,
            revert_window,
        })
    }
}

impl DatabaseConfig {
    pub fn new(name: impl Into<String>, spec: DatabaseSpec) -> Self {
        DatabaseConfig {
            name: name.into(),
            spec,
            settings: DatabaseSettings::default(),
        }
    }

    /// How long this database's connections wait for a lock.
    pub fn busy(&self) -> crate::engine::open::Busy {
        crate::engine::open::Busy(self.settings.busy_timeout)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DatabaseEntry {
    name: String,
    old: Option<PathBuf>,
    new: Option<PathBuf>,
    project: Option<PathBuf>,
    #[serde(default = "default_busy_ms")]
    busy_timeout_ms: u64,
    #[serde(default)]
    allow_rollback_journal: bool,
    #[serde(default)]
    ignore_tables: Vec<String>,
    /// `"30m"`, `"2h"`, `"0"`: the revert window cutover opens by default.
    revert_window: Option<String>,
}

/// The keys of [`DatabaseSettings`] as `[[database]]` and
/// `[[database_set]]` read them. Each entry declares them itself: serde's
/// `flatten` would drop the list of keys from an unknown key's error.
pub(super) struct SettingKeys<'a> {
    pub busy_timeout_ms: u64,
    pub allow_rollback_journal: bool,
    pub ignore_tables: &'a [String],
    pub revert_window: Option<&'a str>,
}

pub(super) fn default_busy_ms() -> u64 {
    10_000
}

/// Validates the `[[database]]` entries (names, files, windows), with
/// paths resolved by `resolve`; the error is the line to show.
pub(super) fn validate(
    entries: Vec<DatabaseEntry>,
    resolve: &dyn Fn(&Path) -> PathBuf,
    throttle: ThrottleSettings,
    hooks: Option<&HooksConfig>,
) -> Result<Vec<DatabaseConfig>, String> {
    let mut databases = Vec::new();
    let mut names = BTreeSet::new();
    let mut claimed = files::Claimed::default();
    for d in entries {
        if !valid_name(&d.name) {
            return Err(format!(
                "database name {:?} may use only letters, digits, '-', '_' and '.' (at most 64, not starting with '.')",
                d.name
            ));
        }
        if !names.insert(d.name.clone()) {
            return Err(format!("database {:?} is listed twice", d.name));
        }
        if d.old.is_none() && d.project.is_none() {
            return Err(format!(
                "database {:?} needs `old` (and usually `new`) or a `project` folder",
                d.name
            ));
        }
        let spec = DatabaseSpec {
            old: d.old.as_deref().map(resolve),
            new: d.new.as_deref().map(resolve),
            project: d.project.as_deref().map(resolve),
        };
        claimed.claim(&d.name, spec.old.as_deref(), spec.new.as_deref())?;
        let keys = SettingKeys {
            busy_timeout_ms: d.busy_timeout_ms,
            allow_rollback_journal: d.allow_rollback_journal,
            ignore_tables: &d.ignore_tables,
            revert_window: d.revert_window.as_deref(),
        };
        let settings = DatabaseSettings::of(
            keys,
            throttle,
            hooks.cloned(),
            &format!("database {:?}", d.name),
        )?;
        databases.push(DatabaseConfig {
            name: d.name,
            spec,
            settings,
        });
    }
    Ok(databases)
}

/// A revert window: `0`, or a duration like `30m`, `2h`, `1h 30m`.
pub fn parse_window(text: &str) -> Result<Duration, String> {
    if text.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{e}; write a duration such as 30m, 2h or 0 (none)"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::AgentFile;

    const BASE: &str = "listen = \"127.0.0.1:7443\"\n[tls]\ncert = \"a.pem\"\nkey = \"a.key\"\nclient_ca = \"ca.pem\"\n[access]\noperators = [\"op\"]\n";

    #[test]
    fn both_entry_kinds_read_the_shared_keys_and_refuse_a_misspelt_one() {
        let path = Path::new("/etc/mig/agent.toml");
        let keys = "busy_timeout_ms = 2500\nallow_rollback_journal = true\nignore_tables = [\"_t*\"]\nrevert_window = \"30m\"\n";
        let text = format!(
            "{BASE}[[database]]\nname = \"shop\"\nold = \"old.db\"\n{keys}[[database_set]]\ndir = \"tenants\"\npattern = \"*.db\"\n{keys}"
        );
        let f = AgentFile::parse(path, &text).expect("valid");
        for s in [&f.agent.databases[0].settings, &f.sets[0].settings] {
            assert_eq!(s.busy_timeout.as_millis(), 2500);
            assert!(s.allow_rollback_journal);
            assert_eq!(s.revert_window.as_secs(), 1800);
        }
        for entry in [
            "[[database]]\nname = \"shop\"\nold = \"old.db\"\n",
            "[[database_set]]\ndir = \"tenants\"\npattern = \"*.db\"\n",
        ] {
            let text = format!("{BASE}{entry}revert_windw = \"30m\"\n");
            let err = AgentFile::parse(path, &text)
                .expect_err("a misspelt key")
                .to_string();
            // Each entry names the keys it takes (a flattened struct would not).
            assert!(err.contains("revert_windw"), "{err}");
            assert!(err.contains("expected one of"), "{err}");
        }
    }
}
