//! The log of a real `commid serve` around the Bearer exchanges: the
//! exchanged identity on the access line, why a token was refused, and
//! never an Entra token or the token given in exchange.

use crate::common::issuer::{self, Key};
use crate::common::server;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TENANT: &str = "9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1";

fn log_once(path: &std::path::Path, lines: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(path).unwrap_or_default();
        if log.matches("commid::access").count() >= lines || Instant::now() > deadline {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_bearer_exchange_logs_whom_it_was_for_and_never_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let key = Key::rsa("rsa-1");
    let config = issuer::trusting_config(
        dir.path(),
        &[&key],
        &format!(
            "client_ids = [\"{APP_ID}\"]\nexchanges = [\"teams_extension\"]",
            APP_ID = issuer::APP_ID
        ),
    );
    let data = dir.path().join("data");
    let config = config.to_str().unwrap();
    let server = server::start_with_env(
        &data,
        &["--http", "--config", config],
        &[("RUST_LOG", "info")],
    );
    let cs = &server.target.connection_string;
    let set = std::process::Command::new(env!("CARGO_BIN_EXE_commid"))
        .args([
            "identity",
            "teams-extension",
            "assignment",
            "set",
            "--tenant-id",
            TENANT,
        ])
        .args([
            "--object-id",
            issuer::OID,
            "--principal-type",
            "resourceAccount",
        ])
        .args(["--connection-string", cs])
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    assert_eq!(set.status.code(), Some(0), "{set:?}");

    let mut claims = issuer::claims();
    claims["scp"] = json!("TeamsExtension.ManageCalls");
    let entra = key.mint(&claims);
    claims["scp"] = json!("User.Read");
    let refused = key.mint(&claims);
    let http = reqwest::Client::new();
    let url = format!(
        "{}/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30",
        server.target.base
    );
    let exchange = |token: String| {
        let request = http.post(&url).bearer_auth(token).body("{}");
        async move { request.send().await.unwrap() }
    };
    let r = exchange(entra.clone()).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let ours = body["accessToken"]["token"].as_str().unwrap().to_owned();
    let id = body["identity"]["id"].as_str().unwrap().to_owned();
    assert_eq!(exchange(refused.clone()).await.status(), 401);

    let log = log_once(&data.join("server.log"), 3);
    let line = log
        .lines()
        .find(|l| l.contains("commid::access") && l.contains(" 200 "))
        .unwrap_or_else(|| panic!("no access line:\n{log}"));
    assert!(line.contains(&format!(" identity={id} ")), "{line}");
    assert!(
        log.contains("teams_extension token of resource 'default' refused: its scp lacks TeamsExtension.ManageCalls"),
        "{log}"
    );
    for token in [&entra, &refused, &ours] {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!log.contains(signature), "a token in the log:\n{log}");
    }
    assert!(
        !log.contains("Bearer"),
        "an Authorization header in the log:\n{log}"
    );
}
