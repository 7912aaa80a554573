//! Pass-through when the upstream misbehaves, against a scripted double:
//! throttling, outages, silence, redirects, oversized answers, and hosts
//! that are not on the allow-list.

use crate::common::app::*;
use crate::common::double::{Double, Reply};
use commid::config::Layer;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SOMEONE: &str =
    "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000000";
/// Room for a Retry-After of 1 s once, not twice, and for two backoffs.
const BUDGET_MS: u64 = 1900;
const TOKEN: &str = r#"{"token":"t","expiresOn":"2030-01-01T00:00:00.0000000+00:00"}"#;

/// An app that forwards to `allowed`, with a short budget and timeouts.
async fn front(allowed: Vec<String>) -> TestApp {
    spawn_with(|layer| Layer {
        upstream_allowed_hosts: Some(allowed),
        upstream_budget_ms: Some(BUDGET_MS),
        upstream_connect_timeout_ms: Some(300),
        upstream_read_timeout_ms: Some(300),
        ..layer
    })
    .await
}

async fn issue(app: &TestApp, connection_string: &str) -> Response {
    app.with_connection_string(
        connection_string,
        Method::POST,
        &format!("/identities/{}/:issueAccessToken?{API}", encode(SOMEONE)),
        Some(json!({"scopes": ["chat"]})),
    )
    .await
}

async fn create(app: &TestApp, connection_string: &str) -> Response {
    app.with_connection_string(
        connection_string,
        Method::POST,
        &format!("/identities?{API}"),
        None,
    )
    .await
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_and_each_attempt_signed_afresh() {
    let double = Double::start(vec![
        Reply::error(429, "TooManyRequests").header("retry-after", "1"),
        Reply::new(200, TOKEN),
    ]);
    let app = front(vec![double.authority()]).await;
    let started = Instant::now();
    let r = issue(&app, &double.connection_string()).await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(r.text().await.unwrap(), TOKEN);
    let seen = double.requests();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert!(request.signature_is_valid(), "{request:?}");
        assert_eq!(
            request.target,
            format!("/identities/{}/:issueAccessToken?{API}", encode(SOMEONE))
        );
        assert_eq!(request.body, br#"{"scopes":["chat"]}"#);
        assert_eq!(request.header("connection-string"), None);
    }
    assert_ne!(seen[0].header("x-ms-date"), seen[1].header("x-ms-date"));
}

#[tokio::test]
async fn throttling_that_outlasts_the_budget_is_relayed_with_its_retry_after() {
    let double = Double::start(vec![
        Reply::error(429, "TooManyRequests").header("retry-after", "1"),
    ]);
    let app = front(vec![double.authority()]).await;
    let r = issue(&app, &double.connection_string()).await;
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(error_of(r, 429).await["message"], "Said the double.");
    // Attempts at 0 s and 1 s; a third, at 2 s, would pass the 1.9 s budget.
    assert_eq!(double.requests().len(), 2);

    let patient = Double::start(vec![
        Reply::error(429, "TooManyRequests").header("retry-after", "120"),
    ]);
    let app = front(vec![patient.authority()]).await;
    let started = Instant::now();
    let r = issue(&app, &patient.connection_string()).await;
    assert_eq!(r.headers()["retry-after"], "120");
    assert_eq!(r.status(), 429);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(patient.requests().len(), 1);
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_until_the_upstream_recovers() {
    let double = Double::start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::error(503, "ServiceUnavailable"),
        Reply::new(200, TOKEN),
    ]);
    let app = front(vec![double.authority()]).await;
    let r = issue(&app, &double.connection_string()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(double.requests().len(), 3);
}

#[tokio::test]
async fn a_create_is_retried_after_a_503_but_never_after_a_500_or_502() {
    for status in [500, 502] {
        let double = Double::start(vec![
            Reply::error(status, "InternalError"),
            Reply::new(201, r#"{"identity":{"id":"x"}}"#),
        ]);
        let app = front(vec![double.authority()]).await;
        let r = create(&app, &double.connection_string()).await;
        assert_eq!(error_of(r, status).await["code"], "InternalError");
        assert_eq!(double.requests().len(), 1, "{status}");
    }
    let double = Double::start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::new(201, r#"{"identity":{"id":"x"}}"#),
    ]);
    let app = front(vec![double.authority()]).await;
    let r = create(&app, &double.connection_string()).await;
    assert_eq!(r.status(), 201);
    assert_eq!(double.requests().len(), 2);
}

#[tokio::test]
async fn an_upstream_that_does_not_answer_gets_504_within_the_budget() {
    let double = Double::start(vec![Reply::new(200, TOKEN).after(Duration::from_secs(10))]);
    let app = front(vec![double.authority()]).await;
    let started = Instant::now();
    let r = issue(&app, &double.connection_string()).await;
    let elapsed = started.elapsed();
    let e = error_of(r, 504).await;
    assert_eq!(e["code"], "GatewayTimeout");
    assert!(
        elapsed < Duration::from_millis(BUDGET_MS + 500),
        "{elapsed:?}"
    );
    // Issuing is idempotent: timed-out attempts are tried again.
    assert!(double.requests().len() >= 2);

    let silent = Double::start(vec![Reply::new(201, "{}").after(Duration::from_secs(10))]);
    let app = front(vec![silent.authority()]).await;
    let r = create(&app, &silent.connection_string()).await;
    assert_eq!(error_of(r, 504).await["code"], "GatewayTimeout");
    // A create that timed out may have been made: it is not sent again.
    assert_eq!(silent.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_is_neither_followed_nor_relayed() {
    let elsewhere = Double::start(vec![Reply::new(201, "{}")]);
    let double = Double::start(vec![Reply::new(302, "").header(
        "location",
        &format!("http://{}/identities?{API}", elsewhere.authority()),
    )]);
    let app = front(vec![double.authority(), elsewhere.authority()]).await;
    let r = create(&app, &double.connection_string()).await;
    assert!(r.headers().get("location").is_none());
    let e = error_of(r, 502).await;
    assert_eq!(e["code"], "BadGateway");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("redirect (302)"), "{message}");
    assert!(message.contains("not followed"), "{message}");
    assert_eq!(double.requests().len(), 1);
    assert_eq!(elsewhere.connections(), 0);
}

#[tokio::test]
async fn request_and_answer_bodies_are_size_limited() {
    let double = Double::start(vec![Reply::new(200, &"x".repeat(2 * 1024 * 1024))]);
    let app = front(vec![double.authority()]).await;
    let e = error_of(issue(&app, &double.connection_string()).await, 502).await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("exceeds 1048576 bytes"),
        "{e}"
    );
    let quiet = Double::start(vec![Reply::new(200, TOKEN)]);
    let app = front(vec![quiet.authority()]).await;
    let big = json!({"scopes": ["chat"], "padding": "x".repeat(70 * 1024)});
    let r = app
        .with_connection_string(
            &quiet.connection_string(),
            Method::POST,
            &format!("/identities/{}/:issueAccessToken?{API}", encode(SOMEONE)),
            Some(big),
        )
        .await;
    assert_eq!(error_of(r, 413).await["code"], "RequestEntityTooLarge");
    assert_eq!(quiet.connections(), 0);
}

#[tokio::test]
async fn an_unreachable_upstream_gets_502_after_retrying_within_the_budget() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = front(vec![format!("127.0.0.1:{port}")]).await;
    let cs = format!("endpoint=http://127.0.0.1:{port}/;accesskey=c2VjcmV0");
    let started = Instant::now();
    let e = error_of(create(&app, &cs).await, 502).await;
    assert!(started.elapsed() < Duration::from_millis(BUDGET_MS + 1000));
    assert_eq!(
        e["message"],
        format!("The upstream endpoint 127.0.0.1:{port} could not be reached.")
    );
    assert!(!e.to_string().contains("c2VjcmV0"));
}

#[tokio::test]
async fn hosts_outside_the_allow_list_are_refused_without_any_connection() {
    let double = Double::start(vec![Reply::new(201, "{}")]);
    let other = Double::start(vec![Reply::new(201, "{}")]);
    let port = double.port;
    let cases = [
        // The default list: only *.communication.azure.com over https.
        (None, format!("http://127.0.0.1:{port}/")),
        // Another port of the same host.
        (
            Some(vec![other.authority()]),
            format!("http://127.0.0.1:{port}/"),
        ),
        // A wildcard never admits an IP address or a loopback name.
        (
            Some(vec!["*.example.com".into()]),
            format!("http://localhost:{port}/"),
        ),
    ];
    for (allowed, endpoint) in cases {
        let app = spawn_with(|layer| Layer {
            upstream_allowed_hosts: allowed,
            ..layer
        })
        .await;
        let cs = format!("endpoint={endpoint};accesskey=c2VjcmV0");
        let e = error_of(create(&app, &cs).await, 401).await;
        assert_eq!(e["code"], "Denied", "{endpoint}");
    }
    assert_eq!(double.connections(), 0);
    assert_eq!(other.connections(), 0);
}

#[tokio::test]
async fn the_allow_list_compares_hosts_after_url_parsing() {
    let double = Double::start(vec![Reply::new(200, TOKEN)]);
    let app = front(vec![double.authority()]).await;
    // 127.1 is 127.0.0.1: the same allow-listed host, written otherwise.
    let cs = double.connection_string().replace("127.0.0.1", "127.1");
    let r = issue(&app, &cs).await;
    assert_eq!(r.status(), 200);
    let seen = double.requests();
    assert_eq!(seen[0].header("host"), Some(double.authority().as_str()));
    assert!(seen[0].signature_is_valid());
    let body: Value = serde_json::from_str(TOKEN).unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), body);
}
