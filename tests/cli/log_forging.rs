//! Log forging: every character that could break a log line or hide text
//! (C0 and C1 controls, DEL, the line and paragraph separators, the bidi
//! controls, the byte order mark), sent through every request value that
//! reaches the log, leaves exactly one access line per request, in the text
//! and in the JSON format, and never a raw control character.

use crate::common::issuer::{self, APP_ID, ISSUER, Key, OID};
use crate::common::server::{Server, start_with_env};
use crate::common::sign::Signer;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Every character `commid::logs::is_control` selects.
fn hostile_characters() -> Vec<char> {
    (0u32..=0x10ffff)
        .filter_map(char::from_u32)
        .filter(|c| commid::logs::is_control(*c))
        .collect()
}

/// Every byte but letters and digits percent-encoded.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// What a forged line would look like if `c` broke the line before it.
fn forged(c: char) -> String {
    format!("x{c}[2026-01-01T00:00:00Z INFO  commid::access] DELETE /identities/all 204")
}

/// A server whose resource trusts the test issuer (keys from a file), logging at info.
fn server(dir: &std::path::Path, format: &str) -> Server {
    let key = Key::ec("k1");
    std::fs::write(dir.join("jwks.json"), issuer::jwks(&[&key]).to_string()).unwrap();
    let config = dir.join("commid.toml");
    std::fs::write(
        &config,
        format!(
            "[[trusted_issuers]]\nresource = \"default\"\nissuer = \"{ISSUER}\"\n\
             jwks_file = \"jwks.json\"\nclient_ids = [\"{APP_ID}\"]\n"
        ),
    )
    .unwrap();
    let data = dir.join("data");
    let config = config.to_str().unwrap().to_owned();
    start_with_env(
        &data,
        &["--http", "--config", &config],
        &[("RUST_LOG", "info"), ("COMMID_LOG_FORMAT", format)],
    )
}

/// Sends, for each hostile character, a request with it in the identity id
/// (and the query and `x-ms-client-request-id`), one with it in an unknown
/// path, and a Teams exchange with it in the Entra token's `alg`; returns
/// how many requests were sent.
async fn send_hostile_requests(server: &Server) -> usize {
    let target = &server.target;
    let http = reqwest::Client::new();
    let signer = Signer {
        base: &target.base,
        host: &target.authority,
        key: &target.key,
    };
    let mut sent = 0;
    for c in hostile_characters() {
        let encoded = percent_encoded(&c.to_string());
        let id = percent_encoded(&forged(c));
        let path = format!("/identities/{id}?api-version=2023-10-01&q={encoded}");
        let r = signer
            .request(&http, Method::GET, &path, Vec::new())
            .header("x-ms-client-request-id", "a\tb")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "U+{:04X}: a malformed id", c as u32);

        let r = http
            .get(format!("{}/nope/{id}", target.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "U+{:04X}", c as u32);

        let header = json!({"alg": forged(c), "kid": "k1", "typ": "JWT"});
        let token = format!(
            "{}.{}.c2ln",
            issuer::part(&header),
            issuer::part(&issuer::claims())
        );
        let body = serde_json::to_vec(&json!({"token": token, "appId": APP_ID, "userId": OID}));
        let r = signer
            .request(
                &http,
                Method::POST,
                "/teamsUser/:exchangeAccessToken?api-version=2023-10-01",
                body.unwrap(),
            )
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            401,
            "U+{:04X}: an alg that is refused",
            c as u32
        );
        sent += 3;
    }
    sent
}

/// The server's log once it holds `count` access lines (as `is_access`
/// tells them from the forged text inside other lines), or after 20 s: the
/// log is written a few milliseconds after the answers.
fn log_with_access_lines(
    path: &std::path::Path,
    count: usize,
    is_access: fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = std::fs::read_to_string(path).unwrap_or_default();
        if log.lines().filter(|l| is_access(l)).count() >= count || Instant::now() > deadline {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A text access line: its bracketed prefix names the access target.
fn is_text_access(line: &str) -> bool {
    line.contains("] ") && line.split("] ").next().unwrap().ends_with("commid::access")
}

/// A JSON access record (quotes inside values are escaped, so the member
/// cannot be forged).
fn is_json_access(line: &str) -> bool {
    line.contains("\"target\":\"commid::access\"")
}

/// The line breaks any reader may split on (Python's `str.splitlines`,
/// JavaScript's line terminators, terminals) are only the lines' own ends.
fn assert_no_raw_control_characters(log: &str) {
    for (n, line) in log.split('\n').enumerate() {
        if let Some(c) = line.chars().find(|c| commid::logs::is_control(*c)) {
            panic!("line {n} holds U+{:04X} raw: {line:?}", c as u32);
        }
    }
}

#[tokio::test]
async fn control_characters_in_requests_never_add_a_text_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path(), "text");
    let sent = send_hostile_requests(&server).await;
    let log = log_with_access_lines(&dir.path().join("data/server.log"), sent, is_text_access);
    assert_no_raw_control_characters(&log);
    let access: Vec<&str> = log.lines().filter(|l| is_text_access(l)).collect();
    assert_eq!(access.len(), sent, "one access line per request:\n{log}");
    assert!(
        !log.lines().any(|l| l.starts_with("[2026-01-01T00:00:00Z")),
        "a forged record:\n{log}"
    );
    let refused = log
        .lines()
        .filter(|l| l.contains("Teams token of resource"))
        .count();
    assert_eq!(refused, sent / 3, "one refusal line per exchange");
    for line in log.lines() {
        assert!(
            line.starts_with('['),
            "every line is a record of its own: {line:?}"
        );
    }
    let newline = access
        .iter()
        .find(|l| l.contains("identity=\"x\\n["))
        .expect("the identity with \\n escaped");
    assert!(newline.starts_with('['), "{newline}");
}

#[tokio::test]
async fn control_characters_in_requests_never_add_a_json_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path(), "json");
    let sent = send_hostile_requests(&server).await;
    let log = log_with_access_lines(&dir.path().join("data/server.log"), sent, is_json_access);
    assert_no_raw_control_characters(&log);
    let records: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    let access: Vec<&Value> = records
        .iter()
        .filter(|r| r["target"] == "commid::access")
        .collect();
    assert_eq!(access.len(), sent, "one access record per request");
    for record in &access {
        let identity = record["identity"].as_str().unwrap();
        assert!(
            !identity.chars().any(commid::logs::is_control),
            "{identity:?}"
        );
        for field in ["method", "path", "resource", "request_id"] {
            assert!(record[field].is_string(), "{field} in {record}");
        }
        assert!(record["status"].is_u64() && record["latency_ms"].is_number());
    }
    let refused = records
        .iter()
        .filter(|r| {
            r["message"]
                .as_str()
                .unwrap()
                .contains("Teams token of resource")
        })
        .count();
    assert_eq!(refused, sent / 3);
    assert!(
        access.iter().any(|r| r["identity"]
            .as_str()
            .unwrap()
            .starts_with("x\\n[2026-01-01T00:00:00Z")),
        "the identity keeps its text, with \\n escaped"
    );
}

/// The `key=value` fields of a text access line's message, by logfmt's
/// rules: a value is bare up to the next space, or quoted with `\`
/// escapes. Bare words (the method, path, status, latency) have no value.
fn logfmt_fields(message: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = message.trim_start();
    while !rest.is_empty() {
        let word_end = rest.find([' ', '=']).unwrap_or(rest.len());
        let (key, after) = rest.split_at(word_end);
        let Some(after) = after.strip_prefix('=') else {
            rest = after.trim_start();
            continue;
        };
        let (value, after) = match after.strip_prefix('"') {
            Some(quoted) => {
                let (mut value, mut chars) = (String::new(), quoted.char_indices());
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next().map(|(_, c)| c)),
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &quoted[end..])
            }
            None => {
                let end = after.find(' ').unwrap_or(after.len());
                (after[..end].to_owned(), &after[end..])
            }
        };
        fields.push((key.to_owned(), value));
        rest = after.trim_start();
    }
    fields
}

#[tokio::test]
async fn a_value_with_a_space_or_an_equals_sign_plants_no_field_in_either_format() {
    for format in ["text", "json"] {
        let dir = tempfile::tempdir().unwrap();
        let server = server(dir.path(), format);
        let target = &server.target;
        let signer = Signer {
            base: &target.base,
            host: &target.authority,
            key: &target.key,
        };
        let path = "/identities/x%20request_id%3Dforged%22%20resource%3D?api-version=2023-10-01";
        let r = signer
            .request(&reqwest::Client::new(), Method::GET, path, Vec::new())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "a malformed id");
        let is_access = if format == "text" {
            is_text_access
        } else {
            is_json_access
        };
        let log = log_with_access_lines(&dir.path().join("data/server.log"), 1, is_access);
        let line = log.lines().find(|l| is_access(l)).expect("the access line");
        let planted = "x request_id=forged\" resource=";
        if format == "json" {
            let record: Value = serde_json::from_str(line).unwrap();
            assert_eq!(record["identity"], planted.replace('"', "\\\""), "{line}");
            continue;
        }
        let message = line.split_once("] ").unwrap().1;
        let fields = logfmt_fields(message);
        let named = |key: &str| -> Vec<&str> {
            fields
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(named("request_id").len(), 1, "{line}");
        assert_eq!(named("resource"), ["default"], "{line}");
        // The value whole in its own field, as the request sent it.
        assert_eq!(named("identity"), [planted], "{line}");
    }
}
