//! Shows a job's events as they arrive: progress bars when stderr is a
//! terminal (copy and verify with the agent's ETA), plain lines otherwise
//! (copy progress at most once a second, verify once per table, every step
//! and notice; `#seq` first when the stream can be re-attached to), or with
//! `--json` one JSON object per event.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use mig::proto::job_event::Event;
use mig::proto::{CopyProgress, JobEvent, ReplayProgress, VerifyProgress};

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

/// Whether plain lines start with the event's sequence number (`#12`), for
/// `mig watch --from-seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequence {
    Shown,
    Hidden,
}

pub struct Renderer {
    style: Style,
    sequence: Sequence,
    bars: Option<Bars>,
    last_progress: Option<Instant>,
}

impl Renderer {
    pub fn new(style: Style, sequence: Sequence) -> Renderer {
        Renderer {
            style,
            sequence,
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
                match progress_kind(ev) {
                    Some(Progress::Table { finished: false }) => return Ok(()),
                    Some(Progress::Rate { last_one }) => {
                        let now = Instant::now();
                        if !due(self.last_progress, now, last_one) {
                            return Ok(());
                        }
                        self.last_progress = Some(now);
                    }
                    Some(Progress::Table { finished: true }) | None => {}
                }
                emit(&[match self.sequence {
                    Sequence::Shown => format!("#{} {text}", ev.seq),
                    Sequence::Hidden => text,
                }])
            }
            Style::Bars => match &ev.event {
                Some(Event::Copy(c)) => {
                    self.bars.get_or_insert_with(Bars::default).copy(c);
                    Ok(())
                }
                Some(Event::Verify(v)) => {
                    self.bars.get_or_insert_with(Bars::default).verify(v);
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

/// How a progress event is shown as plain lines.
#[derive(Debug, PartialEq, Eq)]
enum Progress {
    /// At most once a second, and always the last one.
    Rate { last_one: bool },
    /// Once per table, when it is finished.
    Table { finished: bool },
}

/// `None` for the events that are always printed.
fn progress_kind(ev: &JobEvent) -> Option<Progress> {
    match &ev.event {
        // The last table's last chunk (its rows may reach the total a
        // chunk earlier, with that table not yet counted done).
        Some(Event::Copy(c)) => Some(Progress::Rate {
            last_one: c.tables_done >= c.tables_total,
        }),
        Some(Event::Replay(_)) => Some(Progress::Rate { last_one: false }),
        Some(Event::Verify(v)) => Some(Progress::Table {
            finished: v.table_finished,
        }),
        _ => None,
    }
}

/// Whether a plain progress line is printed now.
fn due(last: Option<Instant>, now: Instant, last_one: bool) -> bool {
    last_one || last.is_none_or(|t| now.duration_since(t) >= PLAIN_PROGRESS_EVERY)
}

/// The bar of a whole copy or verify (`{kind}` is the six-letter name),
/// and the bar of its current table under it.
const WHOLE: &str = "{spinner} {kind} [{bar:30}] {pos}/{len} rows  {msg}";
const TABLE: &str = "         [{bar:30}] {pos}/{len} {msg}";

/// `12345 rows/s · ETA 3m07s · 1/4 tables` (the ETA is the agent's).
fn whole_message(rate: f64, eta: Option<f64>, (done, total): (u32, u32)) -> String {
    let rate = if rate > 0.0 {
        format!("{rate:.0} rows/s · ")
    } else {
        String::new()
    };
    format!("{rate}ETA {} · {done}/{total} tables", events::eta(eta))
}

/// `orders · ETA 42s`.
fn table_message(table: &str, eta: Option<f64>) -> String {
    format!("{table} · ETA {}", events::eta(eta))
}

#[derive(Default)]
struct Bars {
    multi: MultiProgress,
    copy: Option<ProgressBar>,
    table: Option<ProgressBar>,
    verify: Option<ProgressBar>,
    verify_table: Option<ProgressBar>,
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

/// A pass over every table (a copy or a verify): the whole run's bar and
/// the current table's, each `(done, total)`.
struct Sweep<'a> {
    kind: &'static str,
    rows: (u64, u64),
    tables: (u32, u32),
    rate: f64,
    eta: Option<f64>,
    table: &'a str,
    table_rows: (u64, u64),
    table_eta: Option<f64>,
}

/// The [`Sweep`] of a `CopyProgress` or a `VerifyProgress`: two messages
/// with the same progress fields.
macro_rules! sweep {
    ($kind:literal, $p:expr) => {{
        let p = $p;
        Sweep {
            kind: $kind,
            rows: (p.rows_done, p.rows_total),
            tables: (p.tables_done, p.tables_total),
            rate: p.recent_rows_per_sec.unwrap_or(0.0),
            eta: p.eta_seconds,
            table: &p.table,
            table_rows: (p.table_rows_done, p.table_rows_total),
            table_eta: p.table_eta_seconds,
        }
    }};
}

impl Sweep<'_> {
    fn show(
        &self,
        multi: &MultiProgress,
        whole: &mut Option<ProgressBar>,
        table: &mut Option<ProgressBar>,
    ) {
        let whole = bar(multi, whole, WHOLE.replace("{kind}", self.kind).as_str());
        whole.set_length(self.rows.1);
        whole.set_position(self.rows.0);
        whole.set_message(whole_message(self.rate, self.eta, self.tables));
        let table = bar(multi, table, TABLE);
        table.set_length(self.table_rows.1);
        table.set_position(self.table_rows.0);
        table.set_message(table_message(self.table, self.table_eta));
    }
}

impl Bars {
    fn copy(&mut self, c: &CopyProgress) {
        sweep!("copy  ", c).show(&self.multi, &mut self.copy, &mut self.table);
    }

    fn verify(&mut self, v: &VerifyProgress) {
        sweep!("verify", v).show(&self.multi, &mut self.verify, &mut self.verify_table);
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
        let all = [
            self.copy,
            self.table,
            self.verify,
            self.verify_table,
            self.replay,
        ];
        for b in all.into_iter().flatten() {
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
    fn the_bar_shows_the_agents_eta_or_unknown() {
        assert_eq!(
            whole_message(1234.4, Some(187.0), (1, 4)),
            "1234 rows/s · ETA 3m07s · 1/4 tables"
        );
        assert_eq!(whole_message(0.0, None, (0, 4)), "ETA unknown · 0/4 tables");
        assert_eq!(table_message("orders", Some(42.0)), "orders · ETA 42s");
    }

    #[test]
    fn plain_verify_progress_is_one_line_per_table() {
        let ev = |finished| JobEvent {
            event: Some(Event::Verify(VerifyProgress {
                table_finished: finished,
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(
            progress_kind(&ev(false)),
            Some(Progress::Table { finished: false })
        );
        assert_eq!(
            progress_kind(&ev(true)),
            Some(Progress::Table { finished: true })
        );
    }

    #[test]
    fn the_last_copy_event_is_always_shown() {
        let ev = |rows_done, tables_done| JobEvent {
            event: Some(Event::Copy(CopyProgress {
                rows_done,
                rows_total: 10,
                tables_done,
                tables_total: 2,
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(
            progress_kind(&ev(3, 1)),
            Some(Progress::Rate { last_one: false })
        );
        // Every row copied, the last table not yet counted done: its last
        // chunk (which counts it) follows.
        assert_eq!(
            progress_kind(&ev(10, 1)),
            Some(Progress::Rate { last_one: false })
        );
        assert_eq!(
            progress_kind(&ev(10, 2)),
            Some(Progress::Rate { last_one: true })
        );
        assert_eq!(progress_kind(&JobEvent::default()), None);
    }
}
