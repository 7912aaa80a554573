//! What pass-through writes to the log: one line per forwarded request with
//! the upstream host, status, attempts and latency, and never the key or the
//! connection string, whatever happens. A test binary of its own, because
//! it installs a logger that captures every record at every level.

mod common;

use base64::Engine;
use common::app::*;
use common::double::{Double, KEY, Reply};
use reqwest::Method;
use serde_json::json;
use std::sync::Mutex;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        LINES.lock().unwrap().push(line);
    }

    fn flush(&self) {}
}

fn lines() -> Vec<String> {
    LINES.lock().unwrap().clone()
}

#[tokio::test]
async fn forwarded_requests_log_one_line_each_and_never_the_key() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let double = Double::start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::new(200, r#"{"token":"t","expiresOn":"x"}"#),
    ]);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let allowed = vec![double.authority(), format!("127.0.0.1:{closed}")];
    let app = spawn_with(|layer| commid::config::Layer {
        upstream_allowed_hosts: Some(allowed),
        upstream_budget_ms: Some(1000),
        ..layer
    })
    .await;
    let id = "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000000";
    let path = format!("/identities/{}/:issueAccessToken?{API}", encode(id));
    let r = app
        .with_connection_string(
            &double.connection_string(),
            Method::POST,
            &path,
            Some(json!({"scopes": ["chat"]})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let unreachable = double
        .connection_string()
        .replace(&double.port.to_string(), &closed.to_string());
    let r = app
        .with_connection_string(
            &unreachable,
            Method::POST,
            &format!("/identities?{API}"),
            None,
        )
        .await;
    assert_eq!(r.status(), 502);

    let lines = lines();
    let key = base64::engine::general_purpose::STANDARD.encode(KEY);
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(!line.contains(&key), "the key in: {line}");
        assert!(
            !line.contains("accesskey"),
            "a connection string in: {line}"
        );
    }
    let upstream_lines = |host: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.contains("commid::upstream") && l.contains(&format!("upstream={host} ")))
            .cloned()
            .collect()
    };
    let ok = upstream_lines(&double.authority());
    assert_eq!(ok.len(), 1, "{ok:?}");
    assert!(
        // Quoted: the query's `=` would read as a field of its own.
        ok[0].starts_with(&format!("INFO commid::upstream: POST \"{path}\" upstream=")),
        "{}",
        ok[0]
    );
    assert!(ok[0].contains(" status=200 attempts=2 "), "{}", ok[0]);
    assert!(ok[0].ends_with("ms"), "{}", ok[0]);
    let failed = upstream_lines(&format!("127.0.0.1:{closed}"));
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains(" status=- attempts="), "{}", failed[0]);
    assert!(
        failed[0].contains("ms error=\"cannot reach"),
        "{}",
        failed[0]
    );
    // The access log names the upstream host as the request's resource.
    assert!(
        lines.iter().any(|l| l.contains("commid::access")
            && l.contains(&format!("resource=upstream:{}", double.authority()))),
        "no access line"
    );
}
