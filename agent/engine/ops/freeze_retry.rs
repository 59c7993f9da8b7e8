//! What a freeze does once an attempt ran past its limit, for drain (the
//! old database's writes refused) and revert (the new database's): writes
//! flow again already; either try again after a backoff that grows with the
//! attempts, said as a warning, or give up after the last attempt in one
//! line that says what to do. Only the words differ between the two.

use std::time::Duration;

use crate::engine::error::{EngineError, Result};
use crate::engine::{Ctx, Event};

/// An attempt that ran past its freeze limit, writes flowing again.
pub(crate) struct Overrun<'a> {
    /// Whose freeze: "the freeze", "revert's freeze".
    pub freeze: &'a str,
    pub limit: Duration,
    /// From the freeze's lock to the commit that let writes flow again.
    pub refused: Duration,
    /// Where writes stand now, e.g. "the old database accepts writes
    /// again" (followed by "after refusing them for N ms").
    pub writes_again: &'a str,
    /// Said in parentheses after the figure: what was kept.
    pub kept: &'a str,
    /// Attempts made so far, this one included.
    pub attempts: u32,
    /// Give up now: the last attempt, or the operator asked to stop.
    pub give_up: bool,
    /// What to do, said when giving up.
    pub then: &'a str,
}

/// Waits before the next attempt (a warning says so), or gives up with
/// [`EngineError::FreezeTimeout`].
pub(crate) fn retry_or_give_up(o: Overrun<'_>, ctx: &mut Ctx<'_>) -> Result<()> {
    let what = format!(
        "{} did not finish within its {} ms limit; {} after refusing them for {:.1} ms ({})",
        o.freeze,
        o.limit.as_millis(),
        o.writes_again,
        o.refused.as_secs_f64() * 1000.0,
        o.kept
    );
    if o.give_up {
        return Err(EngineError::FreezeTimeout(format!(
            "{what}; gave up after {} attempt(s): {}",
            o.attempts, o.then
        )));
    }
    let backoff = Duration::from_millis(500 * u64::from(o.attempts));
    (ctx.sink)(Event::Notice {
        warn: true,
        message: format!("{what}; retrying in {} ms", backoff.as_millis()),
    });
    std::thread::sleep(backoff);
    Ok(())
}
