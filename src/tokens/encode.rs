//! A token's text, written in one pass: the key's header (encoded once, when
//! the key is loaded), the claims serialized straight into a buffer that is
//! safe for standard base64 readers, and the signature.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::ser::Formatter;
use std::io::{self, Write};

/// `{"alg":"ES256","kid":…,"typ":"JWT"}` of a key, base64url-encoded.
pub fn header(kid: &str) -> String {
    #[derive(Serialize)]
    struct Header<'a> {
        alg: &'static str,
        kid: &'a str,
        typ: &'static str,
    }
    let json = serde_json::to_vec(&Header {
        alg: "ES256",
        kid,
        typ: "JWT",
    })
    .expect("a header serializes");
    URL_SAFE_NO_PAD.encode(json)
}

/// `claims` as JSON whose base64url text holds no `-` or `_` (see
/// [`SafeForStandardBase64`]).
pub fn claims_json(claims: &impl Serialize) -> Vec<u8> {
    let mut json = Vec::with_capacity(512);
    let mut serializer = serde_json::Serializer::with_formatter(&mut json, SafeForStandardBase64);
    claims.serialize(&mut serializer).expect("claims serialize");
    json
}

/// `header.payload`, with room for the signature to follow.
pub fn signing_input(header: &str, payload: &[u8]) -> String {
    let mut text = String::with_capacity(header.len() + payload.len() * 4 / 3 + 96);
    text.push_str(header);
    text.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut text);
    text
}

/// Appends `.signature` to the signing input: the whole token.
pub fn append_signature(mut text: String, signature: &[u8]) -> String {
    text.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut text);
    text
}

/// Python's and .NET's token readers decode the payload with standard
/// base64, so its base64url text must hold no `-` or `_`. In ASCII text only
/// `>`, `?`, `~` and DEL can produce those; JSON lets us write them, and
/// anything outside ASCII, as `\u` escapes, which base64 cleanly. This
/// formatter writes strings that way as serde_json hands them over.
pub struct SafeForStandardBase64;

impl Formatter for SafeForStandardBase64 {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Most claims are plain ASCII: one pass over the bytes, one write.
        if fragment
            .bytes()
            .all(|b| b < 0x7f && !matches!(b, b'>' | b'?' | b'~'))
        {
            return writer.write_all(fragment.as_bytes());
        }
        let mut plain = 0;
        for (at, c) in fragment.char_indices() {
            if c.is_ascii() && !matches!(c, '>' | '?' | '~' | '\u{7f}') {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[plain..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            plain = at + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[plain..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe(value: &str) -> String {
        String::from_utf8(claims_json(&value)).unwrap()
    }

    #[test]
    fn characters_that_would_need_url_safe_base64_are_escaped() {
        assert_eq!(safe("x>?~é\u{7f}"), r#""x\u003e\u003f\u007e\u00e9\u007f""#);
        let escaped = safe("\u{1F600}");
        assert_eq!(escaped, r#""\ud83d\ude00""#);
        let back: String = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, "\u{1F600}");
    }

    #[test]
    fn json_escapes_stay_as_json_writes_them() {
        assert_eq!(safe("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
    }
}
