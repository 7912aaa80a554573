//! The log: env_logger on standard error, in one of two line formats
//! ([`LogFormat`]), and the one function that makes a request's values safe
//! to write into it ([`Escaped`]). Every record is one line in both
//! formats: the formatters escape control characters in every message, and
//! values a request sent are escaped where they are logged, so that their
//! text is the same in both formats.

mod escape;
mod format;

pub use escape::{Escaped, escape, is_control};

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

/// A logger for `format`, filtered by `RUST_LOG` or else `default_filter`.
pub fn builder(format: LogFormat, default_filter: &str) -> env_logger::Builder {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_filter));
    match format {
        LogFormat::Text => builder.format(format::text),
        LogFormat::Json => builder.format(format::json),
    };
    builder
}

/// Installs the process's logger (once, at start).
pub fn init(format: LogFormat, default_filter: &str) {
    builder(format, default_filter).init();
}

#[cfg(test)]
mod tests;
