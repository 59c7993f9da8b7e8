//! The execution order of a fleet: `depends_on` must name known targets,
//! form no cycle and never point at a later wave. Targets are sorted by
//! wave, then dependencies first, then by priority (higher first), then by
//! their place in the file. Pure functions: no I/O.

use std::collections::HashMap;

use super::file::{FileError, FleetTarget};

/// Checks the graph and returns the targets in execution order.
pub fn sort(targets: Vec<FleetTarget>) -> Result<Vec<FleetTarget>, FileError> {
    let index: HashMap<&str, usize> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut deps: Vec<Vec<usize>> = Vec::with_capacity(targets.len());
    for t in &targets {
        let mut mine = Vec::with_capacity(t.depends_on.len());
        for d in &t.depends_on {
            let Some(&j) = index.get(d.as_str()) else {
                return Err(FileError::UnknownDependency {
                    target: t.name.clone(),
                    unknown: d.clone(),
                });
            };
            mine.push(j);
        }
        deps.push(mine);
    }
    if let Some(cycle) = find_cycle(&deps) {
        return Err(FileError::Cycle(
            cycle.iter().map(|&i| targets[i].name.clone()).collect(),
        ));
    }
    for (i, t) in targets.iter().enumerate() {
        for &j in &deps[i] {
            if targets[j].wave > t.wave {
                return Err(FileError::LaterWave {
                    target: t.name.clone(),
                    wave: t.wave,
                    dependency: targets[j].name.clone(),
                    dep_wave: targets[j].wave,
                });
            }
        }
    }
    let order = schedule(&targets, &deps);
    let mut slots: Vec<Option<FleetTarget>> = targets.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// A cycle as a path that returns to its start (`a -> b -> a`), if any.
fn find_cycle(deps: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(i: usize, deps: &[Vec<usize>], mark: &mut [Mark], path: &mut Vec<usize>) -> bool {
        mark[i] = Mark::Open;
        path.push(i);
        for &j in &deps[i] {
            if mark[j] == Mark::Open {
                let start = path.iter().position(|&p| p == j).unwrap_or(0);
                path.drain(..start);
                path.push(j);
                return true;
            }
            if mark[j] == Mark::New && visit(j, deps, mark, path) {
                return true;
            }
        }
        path.pop();
        mark[i] = Mark::Done;
        false
    }
    let mut mark = vec![Mark::New; deps.len()];
    for i in 0..deps.len() {
        let mut path = Vec::new();
        if mark[i] == Mark::New && visit(i, deps, &mut mark, &mut path) {
            return Some(path);
        }
    }
    None
}

/// Wave by wave, repeatedly the ready target of highest priority (ties:
/// file order). Assumes no cycle and no dependency on a later wave.
fn schedule(targets: &[FleetTarget], deps: &[Vec<usize>]) -> Vec<usize> {
    let mut placed = vec![false; targets.len()];
    let mut order = Vec::with_capacity(targets.len());
    let mut waves: Vec<u32> = targets.iter().map(|t| t.wave).collect();
    waves.sort_unstable();
    waves.dedup();
    for wave in waves {
        loop {
            let next = (0..targets.len())
                .filter(|&i| !placed[i] && targets[i].wave == wave)
                .filter(|&i| deps[i].iter().all(|&j| placed[j]))
                .max_by_key(|&i| (targets[i].priority, std::cmp::Reverse(i)));
            let Some(i) = next else { break };
            placed[i] = true;
            order.push(i);
        }
    }
    order
}

/// The execution order as lines: one per wave, dependencies in brackets.
pub fn describe(targets: &[FleetTarget]) -> Vec<String> {
    let mut out = vec!["execution order:".to_string()];
    let mut i = 0;
    while i < targets.len() {
        let wave = targets[i].wave;
        let names: Vec<String> = targets[i..]
            .iter()
            .take_while(|t| t.wave == wave)
            .map(|t| match t.depends_on.as_slice() {
                [] => t.name.clone(),
                d => format!("{} (after {})", t.name, d.join(", ")),
            })
            .collect();
        i += names.len();
        // A wave of many databases: a few names and how many more.
        let shown = match names.len() {
            n if n > 10 => format!("{} and {} more", names[..5].join(", "), n - 5),
            _ => names.join(", "),
        };
        out.push(format!("  wave {wave}: {shown}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, deps: &[&str], wave: u32, priority: i32) -> FleetTarget {
        FleetTarget {
            ignore_tables: Vec::new(),
            name: name.into(),
            url: "http://h:1".into(),
            database: "d".into(),
            select: crate::fleet::file::Selector::One("d".into()),
            group: None,
            tls: None,
            schema: "s.sql".into(),
            accept_data_loss: false,
            allow_same_schema: false,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            wave,
            priority,
        }
    }

    fn names(v: &[FleetTarget]) -> Vec<&str> {
        v.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn waves_then_dependencies_then_priority() {
        let sorted = sort(vec![
            t("late", &[], 2, 0),
            t("child", &["parent"], 1, 9),
            t("parent", &[], 1, 0),
            t("urgent", &[], 1, 5),
        ])
        .expect("valid");
        assert_eq!(names(&sorted), ["urgent", "parent", "child", "late"]);
        assert_eq!(
            describe(&sorted),
            [
                "execution order:",
                "  wave 1: urgent, parent, child (after parent)",
                "  wave 2: late",
            ]
        );
    }

    #[test]
    fn cycles_are_named_as_a_path() {
        let e = sort(vec![
            t("a", &["b"], 1, 0),
            t("b", &["c"], 1, 0),
            t("c", &["a"], 1, 0),
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), "depends_on has a cycle: a -> b -> c -> a");
        let e = sort(vec![t("self", &["self"], 1, 0)]).unwrap_err();
        assert_eq!(e.to_string(), "depends_on has a cycle: self -> self");
    }

    #[test]
    fn unknown_and_later_wave_dependencies_are_refused() {
        let e = sort(vec![t("a", &["ghost"], 1, 0)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "target \"a\" depends on unknown target \"ghost\""
        );
        let e = sort(vec![t("a", &["b"], 1, 0), t("b", &[], 2, 0)]).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("target \"a\" (wave 1) depends on \"b\""));
    }
}
