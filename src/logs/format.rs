//! The two line formats. Text: env_logger's own layout,
//! `[2026-12-01T22:40:51Z INFO  commid::access] message`, with control
//! characters in the message escaped. JSON: one object per line with
//! `timestamp`, `level`, `target`, `message` and the record's key-values as
//! members (the access line's method, path, status, …), for log shippers.
//! Both write into env_logger's reused buffer, without allocating.

use super::escape::{is_control, write_escape, write_escaped};
use env_logger::fmt::Formatter;
use log::kv::{self, Key, Value, VisitSource, VisitValue};
use std::fmt::{self, Write as _};
use std::io::{self, Write};

/// env_logger's default layout; the message with control characters
/// escaped; with `colored`, the level in env_logger's colours and the
/// brackets dimmed, as env_logger writes them to a terminal.
pub fn text(buf: &mut Formatter, record: &log::Record<'_>, colored: bool) -> io::Result<()> {
    let level = record.level();
    let (dim, paint, reset) = if colored {
        let paint = match level {
            log::Level::Error => "\x1b[1m\x1b[31m",
            log::Level::Warn => "\x1b[33m",
            log::Level::Info => "\x1b[32m",
            log::Level::Debug => "\x1b[34m",
            log::Level::Trace => "\x1b[36m",
        };
        ("\x1b[90m", paint, "\x1b[0m")
    } else {
        ("", "", "")
    };
    let timestamp = buf.timestamp_seconds();
    write!(buf, "{dim}[{reset}{timestamp} {paint}{level:<5}{reset}")?;
    match record.target() {
        "" => {}
        target => write!(buf, " {target}")?,
    }
    write!(buf, "{dim}]{reset} ")?;
    with_fmt(buf, |w| TextStr(w).write_fmt(*record.args()))?;
    buf.write_all(b"\n")
}

/// One JSON object per line.
pub fn json(buf: &mut Formatter, record: &log::Record<'_>) -> io::Result<()> {
    let timestamp = buf.timestamp_millis();
    with_fmt(buf, |w| {
        write!(
            w,
            "{{\"timestamp\":\"{timestamp}\",\"level\":\"{}\",\"target\":",
            record.level()
        )?;
        json_string(w, format_args!("{}", record.target()))?;
        w.write_str(",\"message\":")?;
        json_string(w, *record.args())?;
        record
            .key_values()
            .visit(&mut JsonMembers(&mut *w))
            .map_err(|_| fmt::Error)?;
        w.write_str("}\n")
    })
}

/// Runs `write` against `buf` as a `fmt::Write`, keeping the I/O error.
fn with_fmt(
    buf: &mut Formatter,
    write: impl FnOnce(&mut Io<'_, Formatter>) -> fmt::Result,
) -> io::Result<()> {
    let mut io = Io(buf, Ok(()));
    let written = write(&mut io);
    io.1?;
    written.map_err(|_| io::Error::other("a log record could not be formatted"))
}

struct Io<'a, W: Write>(&'a mut W, io::Result<()>);

impl<W: Write> fmt::Write for Io<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_all(s.as_bytes()).map_err(|e| {
            self.1 = Err(e);
            fmt::Error
        })
    }
}

/// Escapes control characters only: a text message keeps its quotes and
/// backslashes as written.
struct TextStr<W>(W);

impl<W: fmt::Write> fmt::Write for TextStr<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_escaped(&mut self.0, s, is_control)
    }
}

/// The inside of a JSON string (RFC 8259), with the log's control
/// characters (DEL, C1, the separators, the bidi controls) as `\u` escapes
/// too.
struct JsonStr<W>(W);

impl<W: fmt::Write> fmt::Write for JsonStr<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if !(is_control(c) || c == '"' || c == '\\') {
                continue;
            }
            self.0.write_str(&s[start..i])?;
            match c {
                '\n' | '\r' | '\t' | '"' | '\\' => write_escape(&mut self.0, c)?,
                c => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        write!(self.0, "\\u{unit:04x}")?;
                    }
                }
            }
            start = i + c.len_utf8();
        }
        self.0.write_str(&s[start..])
    }
}

fn json_string(out: &mut impl fmt::Write, args: fmt::Arguments<'_>) -> fmt::Result {
    out.write_char('"')?;
    JsonStr(&mut *out).write_fmt(args)?;
    out.write_char('"')
}

/// `,"key":value` for each key-value of a record.
struct JsonMembers<'a, W>(&'a mut W);

impl<'kvs, W: fmt::Write> VisitSource<'kvs> for JsonMembers<'_, W> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        self.0.write_char(',')?;
        json_string(self.0, format_args!("{}", key.as_str()))?;
        self.0.write_char(':')?;
        value.visit(JsonValue(&mut *self.0))
    }
}

/// Numbers and booleans bare, `null`, anything else as a JSON string.
struct JsonValue<'a, W>(&'a mut W);

impl<'v, W: fmt::Write> VisitValue<'v> for JsonValue<'_, W> {
    fn visit_any(&mut self, value: Value) -> Result<(), kv::Error> {
        Ok(json_string(self.0, format_args!("{value}"))?)
    }

    fn visit_null(&mut self) -> Result<(), kv::Error> {
        Ok(self.0.write_str("null")?)
    }

    fn visit_u64(&mut self, value: u64) -> Result<(), kv::Error> {
        Ok(write!(self.0, "{value}")?)
    }

    fn visit_i64(&mut self, value: i64) -> Result<(), kv::Error> {
        Ok(write!(self.0, "{value}")?)
    }

    fn visit_f64(&mut self, value: f64) -> Result<(), kv::Error> {
        if value.is_finite() {
            Ok(write!(self.0, "{value}")?)
        } else {
            Ok(json_string(self.0, format_args!("{value}"))?)
        }
    }

    fn visit_bool(&mut self, value: bool) -> Result<(), kv::Error> {
        Ok(write!(self.0, "{value}")?)
    }

    fn visit_str(&mut self, value: &str) -> Result<(), kv::Error> {
        Ok(json_string(self.0, format_args!("{value}"))?)
    }
}
