//! Limits that protect, not punish: a resource's rate limit is spent only
//! by requests that authenticated; failed authentications are limited per
//! client address (the connection's, or behind a trusted proxy the one it
//! forwarded for), before credentials are read, so a flood of bad
//! credentials never makes anyone else's requests 429. And the Bearer
//! exchanges check `api-version` before credentials.

use crate::api::entra_issuer::{PREVIEW, STABLE};
use crate::common::app::*;
use commid::config::Layer;
use reqwest::{Method, Response};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const EXCHANGES: [&str; 2] = [
    "/access/teamsExtension/:exchangeAccessToken",
    "/access/entra/:exchangeAccessToken",
];

fn exchange_path(i: usize) -> String {
    let version = if i.is_multiple_of(2) { STABLE } else { PREVIEW };
    format!("{}?{version}", EXCHANGES[i % 2])
}

/// `Authorization: Bearer x` to one of the Bearer exchanges, from `http`.
async fn bad_bearer(app: &TestApp, http: &reqwest::Client, i: usize) -> Response {
    http.post(format!("{}{}", app.base, exchange_path(i)))
        .header("authorization", "Bearer x")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("the server answers")
}

/// A 429 as every limit answers it.
async fn is_too_many(r: Response) -> Value {
    let retry: u32 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let e = error_of(r, 429).await;
    assert_eq!(e["code"], "TooManyRequests");
    e
}

/// Bad Bearer tokens from `http` as fast as the server answers, until
/// `stop`; the count of each status.
async fn flood(
    app: Arc<TestApp>,
    http: reqwest::Client,
    stop: Arc<AtomicBool>,
    first: usize,
) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    let mut i = first;
    while !stop.load(Ordering::Relaxed) {
        let status = bad_bearer(&app, &http, i).await.status().as_u16();
        *counts.entry(status).or_insert(0) += 1;
        i += 1;
    }
    counts
}

#[tokio::test]
async fn a_flood_of_bad_bearer_tokens_never_makes_a_legitimate_signed_request_429() {
    let app = Arc::new(
        spawn_with(|layer| Layer {
            rate_limit_per_second: Some(50),
            metrics: Some(true),
            ..layer
        })
        .await,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let attacker = client_from("127.0.0.2");
    let floods: Vec<_> = (0..6)
        .map(|i| tokio::spawn(flood(app.clone(), attacker.clone(), stop.clone(), i)))
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // About 20 a second: well within the resource's 50.
    let mut legitimate = BTreeMap::new();
    for _ in 0..38 {
        let r = app
            .signed(Method::POST, &format!("/identities?{API}"), None)
            .await;
        *legitimate.entry(r.status().as_u16()).or_insert(0) += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut flooded = BTreeMap::new();
    for f in floods {
        for (status, n) in f.await.unwrap() {
            *flooded.entry(status).or_insert(0) += n;
        }
    }
    assert_eq!(
        legitimate,
        BTreeMap::from([(201, 38)]),
        "flood: {flooded:?}"
    );
    assert_eq!(
        flooded.keys().copied().collect::<Vec<_>>(),
        [401, 429],
        "{flooded:?}"
    );
    assert!(flooded[&429] > flooded[&401], "{flooded:?}");

    let metrics = app
        .unsigned(Method::GET, "/metrics")
        .await
        .text()
        .await
        .unwrap();
    let series = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {name} in {metrics}"))
            .parse()
            .unwrap()
    };
    assert_eq!(series("commid_rate_limited_requests_total"), 0.0);
    assert_eq!(
        series("commid_auth_failure_limited_requests_total"),
        flooded[&429] as f64
    );
}

fn strict(layer: Layer) -> Layer {
    Layer {
        auth_failure_limit_per_second: Some(2),
        auth_failure_limit_burst: Some(3),
        ..layer
    }
}

async fn create_via(app: &TestApp, http: &reqwest::Client) -> Response {
    app.signed_via(http, Method::POST, &format!("/identities?{API}"), None)
        .await
}

/// A create signed with a wrong key, from `http` with `headers`.
async fn wrong_key(app: &TestApp, http: &reqwest::Client, forwarded_for: Option<&str>) -> Response {
    let path = format!("/identities?{API}");
    let signer = crate::common::sign::Signer {
        base: &app.base,
        host: &app.authority,
        key: b"not the resource's key",
    };
    let mut request = signer.request(http, Method::POST, &path, vec![]);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap()
}

async fn create_forwarded_for(app: &TestApp, address: &str) -> Response {
    let path = format!("/identities?{API}");
    let signer = crate::common::sign::Signer {
        base: &app.base,
        host: &app.authority,
        key: &app.key,
    };
    signer
        .request(&app.http, Method::POST, &path, vec![])
        .header("x-forwarded-for", address)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_address_that_keeps_failing_is_refused_before_its_credentials_are_read_until_it_cools_off()
 {
    let app = spawn_with(strict).await;
    let other = client_from("127.0.0.2");
    for _ in 0..3 {
        assert_eq!(
            error_of(wrong_key(&app, &other, None).await, 401).await["code"],
            "Denied"
        );
    }
    let e = is_too_many(wrong_key(&app, &other, None).await).await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("failed authentication"),
        "{e}"
    );
    // Its good credentials are not even read while it is refused …
    is_too_many(create_via(&app, &other).await).await;
    // … and another address is served as ever.
    assert_eq!(create_via(&app, &app.http).await.status(), 201);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(create_via(&app, &other).await.status(), 201);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_it_forwards_for_is_limited_on_its_own() {
    let app = spawn_with(|layer| Layer {
        trusted_proxies: Some(vec!["127.0.0.1".into()]),
        ..strict(layer)
    })
    .await;
    let attacker = "203.0.113.7";
    for _ in 0..3 {
        let r = wrong_key(&app, &app.http, Some(attacker)).await;
        assert_eq!(r.status(), 401);
    }
    is_too_many(wrong_key(&app, &app.http, Some(attacker)).await).await;
    is_too_many(create_forwarded_for(&app, attacker).await).await;
    // The proxy itself and the other clients behind it are served.
    assert_eq!(
        create_forwarded_for(&app, "198.51.100.1").await.status(),
        201
    );
    // A client that sent its own X-Forwarded-For through the proxy is
    // known by the address the proxy appended.
    let forged = format!("198.51.100.1, {attacker}");
    is_too_many(create_forwarded_for(&app, &forged).await).await;
}

#[tokio::test]
async fn a_sender_that_is_not_a_trusted_proxy_cannot_pick_its_address() {
    let app = spawn_with(strict).await;
    for i in 0..3 {
        let r = wrong_key(&app, &app.http, Some(&format!("198.51.100.{i}"))).await;
        assert_eq!(r.status(), 401);
    }
    is_too_many(wrong_key(&app, &app.http, Some("198.51.100.9")).await).await;
    is_too_many(create_forwarded_for(&app, "198.51.100.10").await).await;
}

#[tokio::test]
async fn the_bearer_exchanges_check_the_api_version_before_credentials() {
    let app = spawn_app().await;
    for path in EXCHANGES {
        let send = |query: &'static str| {
            app.http
                .post(format!("{}{path}{query}", app.base))
                .header("content-type", "application/json")
                .body("{}")
                .send()
        };
        let e = error_of(send("?api-version=2023-10-01").await.unwrap(), 400).await;
        assert_eq!(e["code"], "UnsupportedApiVersion", "{path}");
        let e = error_of(send("").await.unwrap(), 400).await;
        assert_eq!(e["code"], "MissingApiVersionParameter", "{path}");
    }
    for i in 0..2 {
        let r = app
            .http
            .post(format!("{}{}", app.base, exchange_path(i)))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(r, 401).await["code"], "Denied");
    }
}
