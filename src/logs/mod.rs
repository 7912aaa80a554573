//! The log: env_logger on standard error, in one of two line formats
//! ([`LogFormat`]), and the one function that makes a request's values safe
//! to write into it ([`Escaped`]). Every record is one line in both
//! formats: the formatters escape control characters in every message, and
//! values a request sent are escaped where they are logged, so that their
//! text is the same in both formats.

mod escape;
mod format;
mod writer;

pub use escape::{Escaped, Field, escape, is_control};
pub use writer::{Flush, Flusher};

/// How log lines are written (`log_format`, `COMMID_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// env_logger's layout: `[timestamp LEVEL target] message`.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message`
    /// and the record's fields as members.
    Json,
}

impl LogFormat {
    pub fn parse(text: &str) -> Option<LogFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// A logger for `format`, filtered by `RUST_LOG` or else `default_filter`;
/// `colored`: the text format's level in colour (for a terminal).
pub fn builder(format: LogFormat, default_filter: &str, colored: bool) -> env_logger::Builder {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_filter));
    match (format, colored) {
        (LogFormat::Text, false) => builder.format(|buf, record| format::text(buf, record, false)),
        (LogFormat::Text, true) => builder.format(|buf, record| format::text(buf, record, true)),
        (LogFormat::Json, _) => builder.format(format::json),
    };
    builder
}

/// Installs the process's logger (once, at start), writing through a
/// buffer to standard error ([`writer`]). Hold the returned [`Flush`] until
/// the process ends; a panic flushes the log before its message.
pub fn init(format: LogFormat, default_filter: &str) -> Flush {
    let (sink, flush) = writer::buffered(writer::stderr());
    builder(format, default_filter, colored())
        .target(env_logger::Target::Pipe(Box::new(sink)))
        .init();
    let flusher = flush.0.clone();
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        flusher.flush();
        report(info);
    }));
    flush
}

/// Colour when standard error is a terminal, unless `RUST_LOG_STYLE` (as
/// env_logger reads it) says `never`; always when it says `always`.
fn colored() -> bool {
    use std::io::IsTerminal;
    match std::env::var("RUST_LOG_STYLE").as_deref() {
        Ok("always") => true,
        Ok("never") => false,
        _ => std::io::stderr().is_terminal(),
    }
}

#[cfg(test)]
mod tests;
