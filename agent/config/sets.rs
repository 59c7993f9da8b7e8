//! `[[database_set]]`: a folder of databases (one per tenant), validated
//! like the rest of `agent.toml` before any I/O. The folder is read by
//! `jobs::sets`, never here.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::databases::{DatabaseSettings, SettingKeys};
use super::HooksConfig;
use crate::engine::throttle::ThrottleSettings;

/// Where a database set puts each database's new file unless `new` says:
/// a sibling folder per schema, same file names (`/srv/tenants` ->
/// `/srv/tenants-<hash>/acme.db`), so the new file never matches the set.
pub const DEFAULT_SET_NEW: &str = "{dir}-{hash}/{name}";

/// `[[database_set]]`: a folder of databases (one per tenant), each file
/// whose name matches `pattern` a database named by its stem. This is the
/// validated rule; `jobs::sets` reads the folder (at start, on
/// `ListDatabases`, and when a request names a database not seen yet).
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseSet {
    pub dir: PathBuf,
    pub pattern: glob::Pattern,
    /// The new file of each database: `{dir}`, `{stem}` and `{name}` are
    /// filled at discovery, `{hash}` by the engine from the schema.
    pub new: String,
    /// Each database's settings, as a `[[database]]` entry's.
    pub settings: DatabaseSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SetEntry {
    dir: PathBuf,
    pattern: String,
    new: Option<String>,
    #[serde(default = "super::databases::default_busy_ms")]
    busy_timeout_ms: u64,
    #[serde(default)]
    allow_rollback_journal: bool,
    #[serde(default)]
    ignore_tables: Vec<String>,
    /// `"30m"`, `"2h"`, `"0"`: the revert window cutover opens by default.
    revert_window: Option<String>,
}

/// Validates one `[[database_set]]`: a glob on file names, and a `new`
/// rule that gives each database its own file outside the set's folder
/// (inside it, discovery would take a new file for another database).
pub(super) fn validate(
    e: &SetEntry,
    resolve: &dyn Fn(&Path) -> PathBuf,
    throttle: ThrottleSettings,
    hooks: Option<HooksConfig>,
) -> Result<DatabaseSet, String> {
    let at = format!("[[database_set]] dir = {:?}", e.dir.display().to_string());
    if e.dir.as_os_str().is_empty() {
        return Err("[[database_set]] dir is empty; name the folder of databases".into());
    }
    if e.pattern.contains('/') {
        return Err(format!(
            "{at}: pattern = {:?} matches file names, not paths; write e.g. \"*.db\"",
            e.pattern
        ));
    }
    let pattern = glob::Pattern::new(&e.pattern)
        .map_err(|err| format!("{at}: pattern = {:?} is not a glob: {err}", e.pattern))?;
    let rule = e.new.clone().unwrap_or_else(|| DEFAULT_SET_NEW.to_string());
    check_new_rule(&rule).map_err(|why| format!("{at}: new = {rule:?} {why}"))?;
    // Relative to the file's folder, like every path here ({dir} already is).
    let new = if rule.starts_with("{dir}") {
        rule.clone()
    } else {
        resolve(Path::new(&rule)).display().to_string()
    };
    let keys = SettingKeys {
        busy_timeout_ms: e.busy_timeout_ms,
        allow_rollback_journal: e.allow_rollback_journal,
        ignore_tables: &e.ignore_tables,
        revert_window: e.revert_window.as_deref(),
    };
    let settings = DatabaseSettings::of(keys, throttle, hooks, &at)?;
    let dir = resolve(&e.dir);
    let sample = PathBuf::from(
        new.replace("{dir}", &dir.display().to_string())
            .replace("{stem}", "x")
            .replace("{name}", "x.db")
            .replace("{hash}", "0123456789ab"),
    );
    if sample.parent() == Some(dir.as_path()) {
        return Err(format!(
            "{at}: new = {rule:?} puts new files into the set's own folder, where they would be taken for databases; put them in another folder, e.g. {DEFAULT_SET_NEW:?}"
        ));
    }
    Ok(DatabaseSet {
        dir,
        pattern,
        new,
        settings,
    })
}

/// A `new` rule names one file per database and per schema.
fn check_new_rule(new: &str) -> Result<(), String> {
    let mut rest = new;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err("has a `{` without `}`".into());
        };
        let word = &after[..close];
        if !matches!(word, "dir" | "stem" | "name" | "hash") {
            return Err(format!(
                "has {{{word}}}; the placeholders are {{dir}}, {{stem}}, {{name}} and {{hash}}"
            ));
        }
        rest = &after[close + 1..];
    }
    if !new.contains("{hash}") {
        return Err("needs {hash} (each schema gets its own new file)".into());
    }
    if !new.contains("{stem}") && !new.contains("{name}") {
        return Err("needs {stem} or {name} (each database gets its own new file)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "listen = \"127.0.0.1:7443\"\n[tls]\ncert = \"a.pem\"\nkey = \"a.key\"\nclient_ca = \"ca.pem\"\n[access]\noperators = [\"op\"]\n[[database]]\nname = \"shop\"\nold = \"old.db\"\n";

    #[test]
    fn a_database_set_needs_a_new_rule_per_database_and_schema_outside_its_folder() {
        let path = Path::new("/etc/mig/agent.toml");
        let set = |extra: &str| {
            format!("{BASE}[[database_set]]\ndir = \"tenants\"\npattern = \"*.db\"\n{extra}")
        };
        let f = crate::config::AgentFile::parse(path, &set("")).expect("default rule");
        assert_eq!(f.sets[0].dir, PathBuf::from("/etc/mig/tenants"));
        assert_eq!(f.sets[0].new, DEFAULT_SET_NEW);
        let f =
            crate::config::AgentFile::parse(path, &set("new = \"next/{stem}-{hash}.sqlite\"\n"))
                .expect("relative rule");
        assert_eq!(f.sets[0].new, "/etc/mig/next/{stem}-{hash}.sqlite");
        for (rule, why) in [
            ("{dir}/{stem}-{hash}.db", "into the set's own folder"),
            ("{dir}-next/{name}", "needs {hash}"),
            ("{dir}-{hash}/all.db", "needs {stem} or {name}"),
            ("{dir}-{hash}/{tenant}.db", "the placeholders are"),
        ] {
            let err = crate::config::AgentFile::parse(path, &set(&format!("new = {rule:?}\n")))
                .expect_err(rule)
                .to_string();
            assert!(err.contains(why), "{rule}: {err}");
        }
        let f = crate::config::AgentFile::parse(path, &set("revert_window = \"30m\"\n"))
            .expect("a revert window");
        assert_eq!(
            f.sets[0].settings.revert_window,
            std::time::Duration::from_secs(1800)
        );
        let err = crate::config::AgentFile::parse(path, &set("revert_window = \"soon\"\n"))
            .expect_err("a bad window")
            .to_string();
        assert!(err.contains("revert_window = \"soon\""), "{err}");
        let err = crate::config::AgentFile::parse(path, &set("").replace("*.db", "a/*.db"))
            .expect_err("a path pattern")
            .to_string();
        assert!(err.contains("matches file names"), "{err}");
    }
}
