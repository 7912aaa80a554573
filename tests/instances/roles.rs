//! Roles on two servers sharing one PostgreSQL database: a grant or a
//! revoke made with `commid access` holds on both within seconds.

use crate::common::issuer::{ISSUER, Key, jwks};
use crate::common::server::{Server, start};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

const OID: &str = "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d01";

fn token(key: &Key) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    key.mint(&json!({
        "aud": "https://communication.azure.com", "iss": ISSUER, "iat": now, "nbf": now,
        "exp": now + 3600, "oid": OID, "sub": OID,
    }))
}

async fn create(http: &reqwest::Client, server: &Server, token: &str) -> u16 {
    http.request(
        Method::POST,
        format!("{}/identities?api-version=2023-10-01", server.target.base),
    )
    .bearer_auth(token)
    .send()
    .await
    .unwrap()
    .status()
    .as_u16()
}

/// Waits until both servers answer `status`; how long that took.
async fn until_both(
    http: &reqwest::Client,
    servers: [&Server; 2],
    token: &str,
    status: u16,
) -> Duration {
    let started = Instant::now();
    loop {
        let mut both = true;
        for server in servers {
            both &= create(http, server, token).await == status;
        }
        if both {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "not {status} on both within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn access(config: &std::path::Path, url: &str, verb: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_commid"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "access",
            verb,
            "--role",
            "owner",
        ])
        .args(["--principal", &format!("oid:{OID}"), "--database-url", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_or_revoke_holds_on_every_instance_within_seconds() {
    let Some(schema) = crate::common::postgres::schema("the two-instance roles test").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = Key::rsa("rsa-1");
    std::fs::write(dir.path().join("keys.json"), jwks(&[&key]).to_string()).unwrap();
    let config = dir.path().join("commid.toml");
    std::fs::write(
        &config,
        format!(
            "[[trusted_issuers]]\nissuer = \"{ISSUER}\"\njwks_file = \"keys.json\"\nexchanges = [\"management\"]\n"
        ),
    )
    .unwrap();
    let flags = [
        "--http",
        "--database-url",
        schema.url.as_str(),
        "--config",
        config.to_str().unwrap(),
    ];
    let a = start(&dir.path().join("a"), &flags);
    let b = start(&dir.path().join("b"), &flags);
    let http = reqwest::Client::new();
    let token = token(&key);
    assert_eq!(create(&http, &a, &token).await, 403);
    assert_eq!(create(&http, &b, &token).await, 403);

    access(&config, &schema.url, "grant");
    let took = until_both(&http, [&a, &b], &token, 201).await;
    eprintln!("the grant held on both after {took:?}");
    access(&config, &schema.url, "revoke");
    let took = until_both(&http, [&a, &b], &token, 403).await;
    assert!(took < Duration::from_secs(10), "{took:?}");
}
