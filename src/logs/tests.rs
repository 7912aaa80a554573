//! The formatters against env_logger's own default layout and against
//! hostile messages, through loggers that write into a buffer.

use super::{Escaped, format};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A logger writing into a buffer: ours in `format`, or env_logger's default.
fn logger(
    format: Option<fn(&mut env_logger::fmt::Formatter, &log::Record) -> std::io::Result<()>>,
) -> (env_logger::Logger, Buffer) {
    // The macros consult the process's level first; no logger is installed.
    log::set_max_level(log::LevelFilter::Trace);
    let buffer = Buffer::default();
    let mut builder = env_logger::Builder::new();
    if let Some(format) = format {
        builder.format(format);
    }
    let logger = builder
        .filter_level(log::LevelFilter::Trace)
        .write_style(env_logger::WriteStyle::Never)
        .target(env_logger::Target::Pipe(Box::new(buffer.clone())))
        .build();
    (logger, buffer)
}

/// The access line as the middleware writes it, for `path` and `identity`.
fn access_line(logger: &env_logger::Logger, path: &str, identity: &str) {
    let (path, identity) = (Escaped::at_most(path, 200), Escaped::new(identity));
    log::info!(
        logger: logger,
        target: "commid::access",
        method = "GET", path:% = path, status = 404u16, latency_ms = 1.5, identity:% = identity;
        "GET {path} 404 1.5ms resource=- identity={identity} request_id=r"
    );
}

/// `[2026-12-01T22:40:51Z INFO  …` without its time, which may differ.
fn without_time(line: &str) -> String {
    let end = line.find('Z').expect("a timestamp");
    format!("[…{}", &line[end..])
}

#[test]
fn the_text_format_writes_ordinary_lines_exactly_as_env_logger_does() {
    let (ours, ours_out) = logger(Some(|buf, record| format::text(buf, record, false)));
    let (theirs, theirs_out) = logger(None);
    for logger in [&ours, &theirs] {
        access_line(
            logger,
            "/identities/8%3Aacs%3Aabc/:issueAccessToken",
            "8:acs:abc",
        );
        log::warn!(logger: logger, target: "commid::upstream", "cannot reload: disk \"full\" at C:\\x");
        log::error!(logger: logger, "no target of its own");
    }
    let (ours, theirs) = (ours_out.text(), theirs_out.text());
    assert_eq!(ours.lines().count(), 3, "{ours}");
    // env_logger's default layout appends the key-values; ours leaves them to JSON.
    let theirs: Vec<String> = theirs
        .lines()
        .map(|l| l.split(" method=").next().unwrap().to_owned())
        .collect();
    let ours: Vec<String> = ours.lines().map(without_time).collect();
    let theirs: Vec<String> = theirs.iter().map(|l| without_time(l)).collect();
    assert_eq!(ours, theirs);
}

#[test]
fn a_message_with_control_characters_stays_one_text_line() {
    let (logger, out) = logger(Some(|buf, record| format::text(buf, record, false)));
    log::warn!(logger: &logger, "raw input: a\nforged\r\u{1b}[2J\u{2028}\u{202e} end");
    let text = out.text();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.ends_with("raw input: a\\nforged\\r\\u{1b}[2J\\u{2028}\\u{202e} end\n"),
        "{text}"
    );
}

#[test]
fn json_lines_carry_the_fields_as_members_and_parse_back() {
    let (logger, out) = logger(Some(format::json));
    access_line(&logger, "/identities/x", "x\nforged \"quoted\" \u{202e}");
    log::warn!(logger: &logger, target: "t", "message with \u{0} and \u{85} and \u{2029}");
    let text = out.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let access: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(access["level"], "INFO");
    assert_eq!(access["target"], "commid::access");
    assert_eq!(access["method"], "GET");
    assert_eq!(access["path"], "/identities/x");
    assert_eq!(access["status"], 404);
    assert_eq!(access["latency_ms"], 1.5);
    // The member holds the same escaped text as the message.
    let identity = r#"x\nforged \"quoted\" \u{202e}"#;
    assert_eq!(access["identity"], identity);
    assert!(access["message"].as_str().unwrap().contains(identity));
    assert!(access["timestamp"].as_str().unwrap().ends_with('Z'));
    let other: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(
        other["message"],
        "message with \u{0} and \u{85} and \u{2029}"
    );
    for raw in ['\u{0}', '\u{85}', '\u{2029}', '\u{202e}'] {
        assert!(!text.contains(raw), "{raw:?} written raw: {text}");
    }
}
