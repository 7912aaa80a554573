//! The access log of a real `commid serve` process, read from its stderr:
//! one line per request naming the identity, and never a token, the access
//! key or the connection string, whichever way the client authenticates, in
//! the text and in the JSON format.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The server's log once it holds a line for every one of `expected`
/// (substrings of `commid::access` lines), or after 10 s.
fn log_with(path: &std::path::Path, expected: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(path).unwrap_or_default();
        let done = expected.iter().all(|e| {
            log.lines()
                .any(|l| l.contains("commid::access") && l.contains(e))
        });
        if done || Instant::now() > deadline {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn local_requests_log_the_identity_and_never_a_token_or_the_key() {
    requests_log_the_identity_and_never_a_secret("text").await;
}

#[tokio::test]
async fn json_logs_name_the_identity_and_never_a_token_or_the_key() {
    requests_log_the_identity_and_never_a_secret("json").await;
}

/// The identity and resource of an access line: from its text, or from the
/// members of a JSON record.
fn identity_and_resource(line: &str, format: &str) -> (String, String) {
    if format == "json" {
        let record: Value = serde_json::from_str(line).unwrap();
        assert_eq!(record["target"], "commid::access", "{line}");
        assert!(record["status"].is_u64(), "{line}");
        let member = |name: &str| record[name].as_str().unwrap().to_owned();
        return (member("identity"), member("resource"));
    }
    let field = |name: &str| {
        let start = line.find(&format!(" {name}=")).expect(name) + name.len() + 2;
        line[start..].split(' ').next().unwrap().to_owned()
    };
    (field("identity"), field("resource"))
}

async fn requests_log_the_identity_and_never_a_secret(format: &str) {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::common::server::start_with_env(
        dir.path(),
        &["--http"],
        &[("RUST_LOG", "info"), ("COMMID_LOG_FORMAT", format)],
    );
    let target = &server.target;
    let http = reqwest::Client::new();

    // HMAC-signed, as the SDKs send: create with a token, then issue one.
    let (status, created) = crate::common::server::call(
        &http,
        target,
        reqwest::Method::POST,
        "/identities",
        Some(json!({"createTokenWithScopes": ["chat"]})),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{created}");
    let id = created["identity"]["id"].as_str().unwrap().to_owned();
    let first_token = created["accessToken"]["token"].as_str().unwrap().to_owned();
    let encoded = id.replace(':', "%3A");
    let issue_path = format!("/identities/{encoded}/:issueAccessToken");
    let (status, issued) = crate::common::server::call(
        &http,
        target,
        reqwest::Method::POST,
        &issue_path,
        Some(json!({"scopes": ["voip"]})),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{issued}");
    let second_token = issued["token"].as_str().unwrap().to_owned();

    // With the connection string in a header, as the connector sends: the
    // endpoint is this server's own, so the request is served, not forwarded.
    let r = http
        .post(format!(
            "{}/accessTokens/:verify?api-version=2023-10-01",
            target.base
        ))
        .header("Connection-String", &target.connection_string)
        .json(&json!({"token": second_token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let verdict: Value = r.json().await.unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");

    let log = log_with(
        &dir.path().join("server.log"),
        &[
            "POST /identities 201",
            &format!("POST {issue_path} 200"),
            "POST /accessTokens/:verify 200",
        ],
    );
    let access: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("commid::access"))
        .collect();
    let line_for = |request: &str| -> &str {
        let found: Vec<&&str> = access.iter().filter(|l| l.contains(request)).collect();
        assert_eq!(found.len(), 1, "one line for {request} in:\n{log}");
        found[0]
    };
    for request in [
        "POST /identities 201",
        &format!("POST {issue_path} 200"),
        "POST /accessTokens/:verify 200",
    ] {
        let line = line_for(request);
        let (identity, resource) = identity_and_resource(line, format);
        assert_eq!(identity, id, "the identity in: {line}");
        assert_ne!(resource, "-", "{line}");
        assert!(!resource.starts_with("upstream:"), "not forwarded: {line}");
    }

    let key = target
        .connection_string
        .split(";accesskey=")
        .nth(1)
        .expect("a connection string with a key")
        .to_owned();
    assert!(key.len() >= 40, "a real key: {key}");
    for token in [&first_token, &second_token] {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!log.contains(token.as_str()), "a token in the log:\n{log}");
        assert!(!log.contains(signature), "a token's signature in the log");
    }
    assert!(!log.contains(&key), "the access key in the log:\n{log}");
    assert!(!log.contains("accesskey"), "a connection string in the log");
    assert!(
        !log.contains("HMAC-SHA256"),
        "an Authorization header in the log"
    );
}
