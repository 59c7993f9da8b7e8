//! The files `[[database]]` entries name: each one belongs to one entry in
//! one role. An old database under two names would let two jobs work on it
//! at once; a `new` naming an old database (its own entry's or another's),
//! or another entry's new one, would build into a file that is not the
//! entry's own: `plan` refused it, advising a `--new` that a client of an
//! agent cannot pass. An `old` naming no file is served, with a warning
//! at start and on every reload (naming a swap when `new` is a file mig did
//! not create).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::DatabaseConfig;

/// Every file named so far: its entry and role ("old" or "new").
#[derive(Default)]
pub struct Claimed(BTreeMap<PathBuf, (String, &'static str)>);

impl Claimed {
    /// Claims `old` and `new` for database `name`, or says why not.
    pub fn claim(
        &mut self,
        name: &str,
        old: Option<&Path>,
        new: Option<&Path>,
    ) -> Result<(), String> {
        if let Some(o) = old {
            match self.0.get(o) {
                Some((_, "old")) => {
                    return Err(format!(
                        "database {name:?} names the old database {} that another database of this file names too; list each old database once",
                        o.display()
                    ))
                }
                Some((other, _)) => {
                    return Err(format!(
                        "database {name:?}: old names the new database of database {other:?} ({}); an old database is no other entry's new one: check both entries",
                        o.display()
                    ))
                }
                None => {}
            }
        }
        if let Some(n) = new {
            let clash = match self.0.get(n) {
                _ if Some(n) == old => "its own old database".to_string(),
                Some((other, role)) => format!("the {role} database of database {other:?}"),
                None => String::new(),
            };
            if !clash.is_empty() {
                return Err(format!(
                    "database {name:?}: new names {clash} ({}); point `new` at a file of its own",
                    n.display()
                ));
            }
        }
        for (path, role) in [(old, "old"), (new, "new")] {
            if let Some(p) = path {
                self.0.insert(p.to_path_buf(), (name.to_string(), role));
            }
        }
        Ok(())
    }
}

/// A warning for each database whose `old` names no file: nothing of it is
/// there (its `new`, when named, does not exist either), or the entry looks
/// swapped (its `new` is a file mig did not create, likely the live
/// database). An `old` gone beside a new database mig made is a finished
/// migration's, and not warned about.
pub fn missing_old(databases: &[DatabaseConfig], config: &Path) -> Vec<String> {
    let config = std::path::absolute(config).unwrap_or_else(|_| config.to_path_buf());
    databases
        .iter()
        .filter_map(|d| {
            let old = d.spec.old.as_deref().filter(|o| !o.exists())?;
            let name = &d.name;
            let (old, at) = (old.display(), config.display());
            match d.spec.new.as_deref().filter(|n| n.exists()) {
                None => Some(format!(
                    "database {name:?}: its old database {old} does not exist; it is served, and every command on it fails until the file is there: check `old` in {at} (after an edit, SIGHUP the agent)"
                )),
                Some(new) if !crate::engine::new_side::made_by_mig(new, d.busy()) => Some(format!(
                    "database {name:?}: its old database {old} does not exist and its new database {} is one mig did not create: `old` and `new` look swapped; check them in {at} (after an edit, SIGHUP the agent)",
                    new.display()
                )),
                Some(_) => None,
            }
        })
        .collect()
}

/// The folder relative paths of `agent.toml` start from: the file's own,
/// made absolute against the agent's working folder.
pub fn base_folder(config: &Path) -> PathBuf {
    let parent = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf())
}
