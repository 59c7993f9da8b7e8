//! `mig-agent`'s log lines on stderr, fit for a log pipeline: colours only
//! when stderr is a terminal, and with `--log-format json` one JSON object
//! per line whose fields are JSON values — numbers and booleans as such,
//! and a field logged with `?` (a list, a quoted string) as the JSON value
//! its text is when it is one, never a string holding JSON. (Text is best
//! logged as a plain `&str` field: a `%` field arrives as its Display text
//! and is read the same way as `?`.)

use std::io::{IsTerminal, Write};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the process's logger: `RUST_LOG` filters (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .init(),
        LogFormat::Json => tracing_subscriber::registry()
            .with(JsonLines.with_filter(filter))
            .init(),
    }
}

/// Writes each event as one JSON line on stderr.
struct JsonLines;

impl<S: Subscriber> Layer<S> for JsonLines {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields(Map::new());
        event.record(&mut fields);
        let line = json_line(event.metadata(), fields.0);
        let mut err = std::io::stderr().lock();
        // Nowhere to report a failed log write.
        let _ = writeln!(err, "{line}");
    }
}

fn json_line(meta: &tracing::Metadata<'_>, mut fields: Map<String, Value>) -> Value {
    let mut line = Map::new();
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    line.insert("timestamp".into(), Value::String(now));
    line.insert("level".into(), Value::String(meta.level().to_string()));
    line.insert("target".into(), Value::String(meta.target().to_string()));
    if let Some(message) = fields.remove("message") {
        line.insert("message".into(), message);
    }
    line.insert("fields".into(), Value::Object(fields));
    Value::Object(line)
}

/// The fields of one event as JSON values.
struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let v = serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.0.insert(field.name().into(), v);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().into(), Value::String(value.into()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        // The message and `%` fields arrive here as their Display text.
        let v = if field.name() == "message" {
            Value::String(text)
        } else {
            debug_value(text)
        };
        self.0.insert(field.name().into(), v);
    }
}

/// A `?` field's Debug text as the JSON value it spells (`["a", "b"]`,
/// `"done"`, `Some(3)` stays text), else as a string.
fn debug_value(text: String) -> Value {
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => v,
        Err(_) => Value::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_fields_that_spell_json_become_json_values() {
        let list = vec!["tix-a".to_string(), "tix-b".into()];
        assert_eq!(
            debug_value(format!("{list:?}")),
            serde_json::json!(["tix-a", "tix-b"])
        );
        assert_eq!(
            debug_value(format!("{:?}", "completed")),
            serde_json::json!("completed")
        );
        assert_eq!(
            debug_value(format!("{:?}", Some(3))),
            serde_json::json!("Some(3)")
        );
        assert_eq!(debug_value(format!("{:?}", 1.5)), serde_json::json!(1.5));
    }
}
