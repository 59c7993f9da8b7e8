//! What to run next, named as the fleet command an operator types: the
//! NEXT column of `fleet status` and the line under a run's summary.

use std::path::Path;

use mig::proto::{Phase, StatusReport};

use super::file::Fleet;
use super::state::{Outcome, State};
use crate::render::names;

/// The fleet file `-f` defaults to.
pub const DEFAULT_FILE: &str = "fleet.toml";

/// Names fleet commands as typed: `mig fleet SUB`, with `-f FILE` when the
/// fleet file is not the default one.
pub struct Commands {
    file: Option<String>,
}

impl Commands {
    pub fn new(file: &Path) -> Commands {
        Commands {
            file: (file != Path::new(DEFAULT_FILE)).then(|| file.display().to_string()),
        }
    }

    /// `` `mig fleet SUB [-f FILE] [--only NAME...]` ``.
    pub fn named(&self, sub: &str, only: &[&str]) -> String {
        let mut s = format!("mig fleet {sub}");
        if let Some(f) = &self.file {
            s.push_str(&format!(" -f {f}"));
        }
        if !only.is_empty() {
            s.push_str(&format!(" --only {}", only.join(" ")));
        }
        format!("`{s}`")
    }
}

/// The NEXT cell of one target: the fleet command for it, or what it waits
/// for (`waits_for`: a dependency not cut over yet).
pub fn for_target(c: &Commands, name: &str, st: &StatusReport, waits_for: Option<&str>) -> String {
    if let Some(job) = &st.running_job {
        return format!(
            "wait: {} job {} is {} (`mig fleet status` again, or {})",
            names::job_kind(job.kind),
            job.job_id,
            names::job_state(job.state),
            c.named("cancel", &[name])
        );
    }
    let only = [name];
    match Phase::try_from(st.phase).unwrap_or(Phase::Unspecified) {
        Phase::NotStarted => match waits_for {
            Some(dep) => format!("waits for {dep} to be cut over"),
            // `rollout` has no `--only`: the step-wise command does.
            None => format!("{} starts it", c.named("migrate", &only)),
        },
        Phase::Copying => format!("{} resumes the copy", c.named("migrate", &only)),
        Phase::Recording => format!(
            "{} (drains, verifying first, then cuts over)",
            c.named("cutover", &only)
        ),
        Phase::Draining => format!("{} finishes the drain", c.named("drain", &only)),
        Phase::Drained => c.named("cutover", &only),
        Phase::CutOver => format!(
            "{} once the new service runs on the new database",
            c.named("cleanup-old", &only)
        ),
        Phase::Complete | Phase::Retired => "done".into(),
        Phase::Standby => format!(
            "revert window open: {} goes back (the whole fleet, last wave first); {} closes it and cleans up",
            c.named("revert", &[]),
            c.named("cleanup-old", &only)
        ),
        Phase::Reverting => format!(
            "a revert froze the new database: {} finishes it",
            c.named("revert", &only)
        ),
        Phase::Reverted => format!(
            "reverted: the old database serves again; to migrate again, {} deletes the reverted new database (kept as a record; it refuses while that holds rows the revert discarded, saying how to keep them), then {}",
            c.named("reset", &only),
            c.named("rollout", &[])
        ),
        Phase::Broken => format!(
            "broken: {} (see `mig fleet status`)",
            c.named("reset", &only)
        ),
        Phase::Unspecified => "unknown phase: check the agent's version".into(),
    }
}

/// The `--only` names that select exactly the targets `chosen` (indexes
/// into the fleet): a many-database target's name when all of its
/// databases are chosen, else each target's own name; in fleet order.
pub fn only_names(fleet: &Fleet, chosen: &[usize]) -> Vec<String> {
    let picked = |i: usize| chosen.contains(&i);
    let whole = |g: &str| {
        (0..fleet.targets.len())
            .filter(|&i| fleet.targets[i].group.as_deref() == Some(g))
            .all(picked)
    };
    let mut names: Vec<String> = Vec::new();
    for &i in chosen {
        let t = &fleet.targets[i];
        let name = match &t.group {
            Some(g) if whole(g) => g.clone(),
            _ => t.name.clone(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The first few targets' names, then how many more.
pub fn few_names(fleet: &Fleet, chosen: &[usize]) -> String {
    const SHOWN: usize = 3;
    let shown: Vec<&str> = chosen
        .iter()
        .take(SHOWN)
        .map(|&i| fleet.targets[i].name.as_str())
        .collect();
    match chosen.len().saturating_sub(SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// How a run was asked to end: the command that continues it differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    CutOver,
    Postponed,
}

/// `next: ...` under a run's summary, from how its targets ended (`None`
/// when a failure is what to look at, or nothing is left to do).
pub fn after_run(c: &Commands, outcomes: &[Option<Outcome>], goal: Goal) -> Option<String> {
    let count =
        |f: &dyn Fn(State) -> bool| outcomes.iter().flatten().filter(|o| f(o.state)).count();
    let failed = count(&|s| matches!(s, State::Failed | State::Cancelled | State::Skipped));
    let waiting = count(&|s| matches!(s, State::Waiting | State::Drained));
    let held = count(&|s| s == State::Held);
    let cut = count(&|s| s == State::CutOver);
    if failed > 0 {
        return None;
    }
    let rollout = match goal {
        Goal::CutOver => c.named("rollout", &[]),
        Goal::Postponed => format!(
            "{} --postpone-cutover`",
            c.named("rollout", &[]).trim_end_matches('`')
        ),
    };
    match (waiting, held) {
        (0, 0) if cut > 0 => Some(format!(
            "next: {} once the new services run on the new databases",
            c.named("cleanup-old", &[])
        )),
        (0, 0) => None,
        (w, 0) => Some(format!(
            "next: {} cuts over the {w} waiting target(s)",
            c.named("cutover", &[])
        )),
        (0, h) => Some(format!("next: {rollout} starts the {h} held target(s)")),
        (w, h) => Some(format!(
            "next: {} cuts over the {w} waiting target(s); then {rollout} starts the {h} held",
            c.named("cutover", &[])
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(phase: Phase) -> StatusReport {
        StatusReport {
            phase: phase as i32,
            ..Default::default()
        }
    }

    #[test]
    fn next_names_the_fleet_command_for_each_phase() {
        let c = Commands::new(Path::new("fleet.toml"));
        let cases = [
            (Phase::NotStarted, "`mig fleet migrate --only eu` starts it"),
            (
                Phase::Recording,
                "`mig fleet cutover --only eu` (drains, verifying first, then cuts over)",
            ),
            (
                Phase::Draining,
                "`mig fleet drain --only eu` finishes the drain",
            ),
            (Phase::Drained, "`mig fleet cutover --only eu`"),
            (
                Phase::CutOver,
                "`mig fleet cleanup-old --only eu` once the new service runs on the new database",
            ),
            (Phase::Complete, "done"),
        ];
        for (phase, want) in cases {
            assert_eq!(for_target(&c, "eu", &at(phase), None), want);
        }
        assert_eq!(
            for_target(&c, "eu", &at(Phase::NotStarted), Some("ref")),
            "waits for ref to be cut over"
        );
        let other = Commands::new(Path::new("prod/fleet.toml"));
        assert_eq!(
            for_target(&other, "eu", &at(Phase::Drained), None),
            "`mig fleet cutover -f prod/fleet.toml --only eu`"
        );
    }

    #[test]
    fn after_a_postponed_run_next_is_cutover_then_the_held_targets() {
        let o = |state| {
            Some(Outcome {
                state,
                detail: String::new(),
                elapsed: Duration::ZERO,
                exit: None,
                refused: None,
            })
        };
        let c = Commands::new(Path::new("fleet.toml"));
        let run = [o(State::Waiting), o(State::Held), None];
        assert_eq!(
            after_run(&c, &run, Goal::Postponed).as_deref(),
            Some("next: `mig fleet cutover` cuts over the 1 waiting target(s); then `mig fleet rollout --postpone-cutover` starts the 1 held")
        );
        assert_eq!(
            after_run(&c, &[o(State::CutOver)], Goal::CutOver).as_deref(),
            Some("next: `mig fleet cleanup-old` once the new services run on the new databases")
        );
        assert_eq!(after_run(&c, &[o(State::Failed)], Goal::CutOver), None);
    }
}
