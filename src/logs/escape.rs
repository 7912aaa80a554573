//! Escaping of what a request sent before it is written into a log line, so
//! that one record is one line whatever the caller put in a path, an id or a
//! header: no character a terminal or a log shipper treats as a line break,
//! an escape sequence or a change of text direction is ever written raw.
//! One explicit predicate, independent of the toolchain's Unicode tables.

use std::fmt::{self, Write as _};

/// Characters never written raw into a log line: C0 controls, DEL, C1
/// controls (NEL and CSI included), the line and paragraph separators, the
/// bidirectional controls and the byte order mark.
#[inline]
pub fn is_control(c: char) -> bool {
    matches!(c,
        '\0'..='\x1f' | '\x7f'..='\u{9f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{061c}' | '\u{200e}' | '\u{200f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{feff}')
}

/// Writes `c` as the escape text logs use: `\n`, `\r`, `\t`, `\0`, `\\`,
/// `\"`, else `\u{hex}`.
pub(super) fn write_escape(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        '\0' => out.write_str("\\0"),
        '\\' => out.write_str("\\\\"),
        '"' => out.write_str("\\\""),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    }
}

/// Writes `text` with every character `escape` selects escaped.
pub(super) fn write_escaped(
    out: &mut impl fmt::Write,
    text: &str,
    escape: impl Fn(char) -> bool,
) -> fmt::Result {
    // Most of what is logged is printable ASCII that needs nothing: one
    // pass over the bytes, one write.
    if text
        .bytes()
        .all(|b| (b' '..b'\x7f').contains(&b) && !escape(b as char))
    {
        return out.write_str(text);
    }
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if escape(c) {
            out.write_str(&text[start..i])?;
            write_escape(out, c)?;
            start = i + c.len_utf8();
        }
    }
    out.write_str(&text[start..])
}

/// A value from a request as a log line shows it: control characters,
/// backslashes and double quotes escaped (so that the text cannot pass for
/// an escape or end a quoted value), shortened to `max` characters with a
/// trailing `…`. Writes without allocating.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a> {
    text: &'a str,
    max: usize,
}

impl<'a> Escaped<'a> {
    /// The whole of `text`.
    pub fn new(text: &'a str) -> Self {
        Escaped {
            text,
            max: usize::MAX,
        }
    }

    /// At most `max` characters of `text`.
    pub fn at_most(text: &'a str, max: usize) -> Self {
        Escaped { text, max }
    }
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No more bytes than the limit: no more characters either.
        let (text, cut) = match self.text.len() > self.max {
            true => match self.text.char_indices().nth(self.max) {
                Some((end, _)) => (&self.text[..end], true),
                None => (self.text, false),
            },
            false => (self.text, false),
        };
        write_escaped(f, text, |c| is_control(c) || c == '\\' || c == '"')?;
        if cut {
            f.write_char('…')?;
        }
        Ok(())
    }
}

/// A value from a request as a field of a text line (`key=value`, logfmt's
/// rules): [`Escaped`], and between double quotes when it is empty or holds
/// whitespace, `=`, a quote, a backslash or an escape, so that no value can
/// read as a field of its own (`identity=x request_id=forged`) or end
/// another's quotes. The JSON format has members, and needs none of this.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a>(Escaped<'a>);

impl<'a> Field<'a> {
    /// The whole of `text`.
    pub fn new(text: &'a str) -> Self {
        Field(Escaped::new(text))
    }

    /// At most `max` characters of `text`.
    pub fn at_most(text: &'a str, max: usize) -> Self {
        Field(Escaped::at_most(text, max))
    }
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.text;
        let quoted = text.is_empty()
            || text
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '=' | '"' | '\\') || is_control(c));
        if !quoted {
            return self.0.fmt(f);
        }
        f.write_char('"')?;
        self.0.fmt(f)?;
        f.write_char('"')
    }
}

/// [`Escaped`] as a `String`, for values kept beyond one log call.
pub fn escape(text: &str) -> String {
    Escaped::new(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes_and_text_stays_as_it_was() {
        let hostile =
            "x\nforged-line DELETE /identities/all 204\r\u{1b}[31m\u{85}\u{2028}\u{202e}\0\u{7f}";
        assert_eq!(
            Escaped::new(hostile).to_string(),
            "x\\nforged-line DELETE /identities/all 204\\r\\u{1b}[31m\\u{85}\\u{2028}\\u{202e}\\0\\u{7f}"
        );
        let text = "8:acs:abc_def é日本 नमस्ते 👨‍👩‍👧 /identities/{id}";
        assert_eq!(Escaped::new(text).to_string(), text);
    }

    #[test]
    fn backslashes_and_quotes_are_escaped_so_that_input_cannot_pass_for_an_escape() {
        assert_eq!(escape(r#"a\nb"c"#), r#"a\\nb\"c"#);
    }

    #[test]
    fn a_field_is_quoted_when_its_value_could_read_as_another_field() {
        assert_eq!(
            Field::new("x request_id=forged").to_string(),
            r#""x request_id=forged""#
        );
        assert_eq!(Field::new("a=b").to_string(), r#""a=b""#);
        assert_eq!(Field::new(r#"x" y="z"#).to_string(), r#""x\" y=\"z""#);
        assert_eq!(Field::new("a\tb").to_string(), r#""a\tb""#);
        assert_eq!(Field::new("a\u{a0}b").to_string(), "\"a\u{a0}b\"");
        assert_eq!(Field::new("").to_string(), "\"\"");
        // What needs nothing stays bare.
        for bare in [
            "8:acs:abc_def",
            "/identities/8%3Aacs",
            "default",
            "-",
            "é日本",
        ] {
            assert_eq!(Field::new(bare).to_string(), bare);
        }
        assert_eq!(Field::at_most("a b c", 3).to_string(), r#""a b…""#);
    }

    #[test]
    fn long_values_are_cut_after_their_limit_in_characters() {
        assert_eq!(Escaped::at_most("ab\ncd", 3).to_string(), "ab\\n…");
        assert_eq!(Escaped::at_most("abc", 3).to_string(), "abc");
    }

    #[test]
    fn every_character_the_predicate_selects_is_one_that_breaks_or_hides_text() {
        for c in (0u32..=0x10ffff).filter_map(char::from_u32) {
            let expected = c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{feff}'
                )
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c);
            assert_eq!(is_control(c), expected, "U+{:04X}", c as u32);
        }
    }
}
