//! SIGTERM drains before the stop: health checks answer 503 at once, so a
//! proxy takes the instance out, while requests are still served (each
//! closing its connection); a second signal ends the drain, and the process
//! exits 0. SIGINT (Ctrl-C) skips the drain. The rolling restart behind a real proxy is tests/operations/run.

use crate::common::server::{Server, start_with_env};
use crate::common::sign::Signer;
use reqwest::Method;
use std::process::Command;
use std::time::{Duration, Instant};

fn signal(server: &Server, name: &str) {
    let pid = server.child.id().to_string();
    let sent = Command::new("kill").args([name, &pid]).status().unwrap();
    assert!(sent.success());
}

async fn get(http: &reqwest::Client, server: &Server, path: &str) -> reqwest::Response {
    http.get(format!("{}{path}", server.target.base))
        .send()
        .await
        .unwrap()
}

async fn create_identity(http: &reqwest::Client, server: &Server) -> reqwest::Response {
    let signer = Signer {
        base: &server.target.base,
        host: &server.target.authority,
        key: &server.target.key,
    };
    signer
        .request(
            http,
            Method::POST,
            "/identities?api-version=2023-10-01",
            b"{}".to_vec(),
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sigterm_fails_the_health_checks_while_requests_still_succeed_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    // A drain far longer than the test: the second signal ends it.
    let mut server = start_with_env(dir.path(), &["--http"], &[("COMMID_DRAIN_SECONDS", "300")]);
    let http = reqwest::Client::new();
    assert_eq!(get(&http, &server, "/readyz").await.status(), 200);
    assert_eq!(create_identity(&http, &server).await.status(), 201);

    signal(&server, "-TERM");
    let deadline = Instant::now() + Duration::from_secs(15);
    let ready = loop {
        let ready = get(&http, &server, "/readyz").await;
        if ready.status() == 503 || Instant::now() > deadline {
            break ready;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(ready.status(), 503, "readyz after SIGTERM");
    assert!(ready.headers().contains_key("retry-after"));
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ServiceUnavailable", "{body}");
    assert_eq!(get(&http, &server, "/healthz").await.status(), 503);

    // Still served, on a fresh connection and on a kept-alive one alike,
    // and every answer tells the client to move on.
    for client in [reqwest::Client::new(), http.clone()] {
        let created = create_identity(&client, &server).await;
        assert_eq!(created.status(), 201, "a request during the drain");
        let connection = created.headers().get("connection").map(|v| v.to_owned());
        assert_eq!(
            connection.as_ref().and_then(|v| v.to_str().ok()),
            Some("close")
        );
    }

    signal(&server, "-TERM");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after the second SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
}

#[tokio::test]
async fn sigint_stops_without_the_drain() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with_env(dir.path(), &["--http"], &[("COMMID_DRAIN_SECONDS", "300")]);
    signal(&server, "-INT");
    // Far sooner than the 300 s drain.
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 15 s after SIGINT");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
}
