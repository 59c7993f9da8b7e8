//! The terminal bars of the rollout's live view (`dashboard.rs`): an
//! aggregate spinner line, then either one indicatif bar per active target
//! or, for many targets, one line naming the slowest and the failed.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::dashboard::Row;
use super::state::State;

/// How often the bars redraw on their own.
pub(super) const TICK: Duration = Duration::from_millis(200);

/// Which bars a rollout gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum View {
    /// One bar per active target.
    PerTarget,
    /// Above `COMPACT_ABOVE` targets: the aggregate and a names line.
    Compact,
}

pub(super) struct Bars {
    pub(super) multi: MultiProgress,
    pub(super) targets: Vec<ProgressBar>,
    pub(super) total: ProgressBar,
    /// The compact view's second line: slowest and failed by name.
    pub(super) names: Option<ProgressBar>,
}

pub(super) fn bars(names: &[String], active: &[bool], view: View) -> Bars {
    let multi = MultiProgress::new();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let template = format!("{{prefix:{width}}} [{{bar:20}}] {{percent:>3}}% {{msg}}");
    let style = ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let total = multi.add(ProgressBar::new_spinner());
    total.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    total.enable_steady_tick(TICK);
    if view == View::Compact {
        let line = multi.add(ProgressBar::new_spinner());
        line.set_style(
            ProgressStyle::with_template("  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let targets = names.iter().map(|_| ProgressBar::hidden()).collect();
        return Bars {
            multi,
            targets,
            total,
            names: Some(line),
        };
    }
    let targets = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if !active.get(i).copied().unwrap_or(false) {
                return ProgressBar::hidden();
            }
            let bar = multi.add(ProgressBar::new(1).with_style(style.clone()));
            bar.set_prefix(n.clone());
            bar.set_message("queued");
            bar
        })
        .collect();
    Bars {
        multi,
        targets,
        total,
        names: None,
    }
}

pub(super) fn bar_message(r: &Row) -> String {
    let mut s = r.state.name().to_string();
    if !r.step.is_empty() {
        s.push_str(": ");
        s.push_str(&r.step);
    }
    if r.state == State::Running && r.rate > 0.0 {
        s.push_str(&format!(
            " · {:.0} rows/s · ETA {}",
            r.rate,
            crate::render::events::eta(r.eta)
        ));
    }
    if let Some(lag) = r.lag {
        s.push_str(&format!(" · lag {lag:.1} s"));
    }
    s
}
