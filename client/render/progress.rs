//! Shows a job's events as they arrive: progress bars when stderr is a
//! terminal, plain lines otherwise (progress at most once a second, every
//! step and notice), or with `--json` one JSON object per event.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use mig::proto::job_event::Event;
use mig::proto::{CopyProgress, JobEvent, ReplayProgress};

use super::{emit, events, json_line};

/// Plain progress lines are printed at most this often.
const PLAIN_PROGRESS_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Json,
    Plain,
    Bars,
}

impl Style {
    /// JSON if asked for, bars on a terminal, plain lines otherwise.
    pub fn pick(json: bool) -> Style {
        if json {
            Style::Json
        } else if std::io::stderr().is_terminal() {
            Style::Bars
        } else {
            Style::Plain
        }
    }
}

pub struct Renderer {
    style: Style,
    bars: Option<Bars>,
    last_progress: Option<Instant>,
}

impl Renderer {
    pub fn new(style: Style) -> Renderer {
        Renderer {
            style,
            bars: None,
            last_progress: None,
        }
    }

    pub fn event(&mut self, ev: &JobEvent) -> anyhow::Result<()> {
        match self.style {
            Style::Json => json_line(ev),
            Style::Plain => {
                let Some(text) = events::line(ev) else {
                    return Ok(());
                };
                if let Some(last_one) = progress_kind(ev) {
                    let now = Instant::now();
                    if !due(self.last_progress, now, last_one) {
                        return Ok(());
                    }
                    self.last_progress = Some(now);
                }
                emit(&[text])
            }
            Style::Bars => match &ev.event {
                Some(Event::Copy(c)) => {
                    self.bars.get_or_insert_with(Bars::default).copy(c);
                    Ok(())
                }
                Some(Event::Replay(r)) => {
                    self.bars.get_or_insert_with(Bars::default).replay(r);
                    Ok(())
                }
                _ => match events::line(ev) {
                    Some(text) => self.say(&text),
                    None => Ok(()),
                },
            },
        }
    }

    /// A message for the operator (not in JSON mode), above any bars.
    pub fn say(&self, text: &str) -> anyhow::Result<()> {
        match (&self.style, &self.bars) {
            (Style::Json, _) => Ok(()),
            (_, Some(bars)) => bars.multi.suspend(|| emit(&[text.to_string()])),
            (_, None) => emit(&[text.to_string()]),
        }
    }

    /// Removes the bars; the summary follows.
    pub fn finish(&mut self) {
        if let Some(bars) = self.bars.take() {
            bars.clear();
        }
    }
}

/// `Some(final)` for progress events (final: the copy just finished),
/// `None` for the events that are always printed.
fn progress_kind(ev: &JobEvent) -> Option<bool> {
    match &ev.event {
        Some(Event::Copy(c)) => Some(c.rows_done >= c.rows_total),
        Some(Event::Replay(_)) => Some(false),
        _ => None,
    }
}

/// Whether a plain progress line is printed now.
fn due(last: Option<Instant>, now: Instant, last_one: bool) -> bool {
    last_one || last.is_none_or(|t| now.duration_since(t) >= PLAIN_PROGRESS_EVERY)
}

#[derive(Default)]
struct Bars {
    multi: MultiProgress,
    copy: Option<ProgressBar>,
    table: Option<ProgressBar>,
    replay: Option<ProgressBar>,
}

/// Adds a bar to `multi` the first time it is needed.
fn bar<'a>(
    multi: &MultiProgress,
    slot: &'a mut Option<ProgressBar>,
    template: &str,
) -> &'a ProgressBar {
    slot.get_or_insert_with(|| {
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = multi.add(ProgressBar::new(0).with_style(style));
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    })
}

impl Bars {
    fn copy(&mut self, c: &CopyProgress) {
        let copy = bar(
            &self.multi,
            &mut self.copy,
            "{spinner} copy   [{bar:30}] {pos}/{len} rows  {msg}  ETA {eta}",
        );
        copy.set_length(c.rows_total);
        copy.set_position(c.rows_done);
        copy.set_message(format!(
            "{:.0} rows/s, {}/{} tables",
            c.rows_per_sec, c.tables_done, c.tables_total
        ));
        let table = bar(
            &self.multi,
            &mut self.table,
            "         [{bar:30}] {pos}/{len} {msg}",
        );
        table.set_length(c.table_rows_total);
        table.set_position(c.table_rows_done);
        table.set_message(c.table.clone());
    }

    fn replay(&mut self, r: &ReplayProgress) {
        let replay = bar(
            &self.multi,
            &mut self.replay,
            "{spinner} replay [{bar:30}] {pos}/{len} entries  {msg}",
        );
        replay.set_length(r.applied + r.pending);
        replay.set_position(r.applied);
        replay.set_message(format!(
            "lag {:.1} s, {:.0} entries/s",
            r.lag_seconds, r.entries_per_sec
        ));
    }

    fn clear(self) {
        for b in [self.copy, self.table, self.replay].into_iter().flatten() {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_progress_is_throttled_to_once_a_second() {
        let t0 = Instant::now();
        assert!(due(None, t0, false));
        assert!(!due(Some(t0), t0 + Duration::from_millis(400), false));
        assert!(due(Some(t0), t0 + Duration::from_millis(1000), false));
        assert!(due(Some(t0), t0 + Duration::from_millis(10), true));
    }

    #[test]
    fn the_last_copy_event_is_always_shown() {
        let ev = |done| JobEvent {
            event: Some(Event::Copy(CopyProgress {
                rows_done: done,
                rows_total: 10,
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(progress_kind(&ev(3)), Some(false));
        assert_eq!(progress_kind(&ev(10)), Some(true));
        assert_eq!(progress_kind(&JobEvent::default()), None);
    }
}
