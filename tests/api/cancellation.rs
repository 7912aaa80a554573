//! Writes whose client hangs up. A client on a bad network sends a signed
//! write and resets the connection (TCP RST) 0–3 ms later, before, while
//! or after the server commits it. Whatever moment the reset hits, the
//! server's memory must agree with its store afterwards: a revoke the feed
//! records leaves no earlier token valid, a delete the feed records leaves
//! no token valid and issues none, the identity counts, the feed and the
//! metrics' counters say the same, and an assignment's put or delete
//! revokes the tokens exchanged under it exactly when the store holds the
//! change. On SQLite and on PostgreSQL.

use crate::api::entra_issuer::*;
use crate::common::app::*;
use crate::common::postgres::{TestSchema, schema};
use crate::common::reset::{send_then_reset, signed_request};
use commid::config::TrustedIssuerEntry;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// An app on the backend the test names, with metrics on, and the feed's
/// position before the test wrote anything.
struct Run {
    app: TestApp,
    cursor: String,
    _schema: Option<TestSchema>,
}

async fn run_on(postgres: bool, test: &str) -> Option<Run> {
    run_with(postgres, test, None).await
}

/// [`run_on`], trusting `issuer` for the Entra-token exchanges.
async fn run_with(postgres: bool, test: &str, issuer: Option<TrustedIssuerEntry>) -> Option<Run> {
    let schema = match postgres {
        true => Some(schema(test).await?),
        false => None,
    };
    let url = schema
        .as_ref()
        .map(|s| commid::domain::Secret::new(s.url.clone()));
    let app = spawn_with(|layer| commid::config::Layer {
        metrics: Some(true),
        database_url: url,
        trusted_issuers: issuer.map(|i| vec![i]),
        ..layer
    })
    .await;
    let start = read(&app, &format!("/identityEvents?{API}")).await;
    let cursor = start["cursor"].as_str().unwrap().to_owned();
    Some(Run {
        app,
        cursor,
        _schema: schema,
    })
}

async fn read(app: &TestApp, path: &str) -> Value {
    let r = app.signed(Method::GET, path, None).await;
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// A small deterministic generator (xorshift), so a failure repeats.
struct Dice(u64);

impl Dice {
    fn reset_after(&mut self) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_micros(self.0 % 3_000)
    }
}

/// Until the abandoned requests have ended: they ran on, so after a pause
/// a write answered now follows them (SQLite commits in order).
async fn settle(app: &TestApp) {
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.create_identity().await;
}

/// Each identity's events since the run began, in feed order.
async fn events(run: &Run) -> HashMap<String, Vec<String>> {
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    let mut next = format!("/identityEvents?{API}&since={}", run.cursor);
    loop {
        let page = read(&run.app, &next).await;
        for e in page["value"].as_array().unwrap() {
            let id = e["id"].as_str().unwrap().to_owned();
            by_id
                .entry(id)
                .or_default()
                .push(e["kind"].as_str().unwrap().to_owned());
        }
        match page["nextLink"].as_str() {
            Some(link) => next = link.to_owned(),
            None => return by_id,
        }
    }
}

/// A counter of `/metrics`, 0 when not yet written.
async fn counter(app: &TestApp, name: &str) -> f64 {
    let text = app
        .http
        .get(format!("{}/metrics", app.local))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().unwrap())
}

/// The counts, the feed and the metrics agree with each other.
async fn counts_agree(run: &Run, by_id: &HashMap<String, Vec<String>>) {
    let kinds = |kind: &str| -> f64 {
        by_id
            .values()
            .flatten()
            .filter(|k| k.as_str() == kind)
            .count() as f64
    };
    let app = &run.app;
    assert_eq!(
        counter(app, "commid_identities_created_total").await,
        kinds("created"),
        "created"
    );
    assert_eq!(
        counter(app, "commid_identities_deleted_total").await,
        kinds("deleted"),
        "deleted"
    );
    assert_eq!(
        counter(app, "commid_identity_revocations_total").await,
        kinds("tokensRevoked"),
        "revoked"
    );
    let count = read(app, &format!("/identities/:count?{API}")).await;
    assert_eq!(
        count["count"].as_f64().unwrap(),
        kinds("created") - kinds("deleted"),
        "{count}"
    );
}

async fn revokes_and_deletes_hold_when_the_client_resets(run: Run) {
    let app = &run.app;
    let mut dice = Dice(0x2545_f491_4f6c_dd1d);
    let mut cases = Vec::new();
    for i in 0..80 {
        let id = app.create_identity().await;
        let token = app.token(&id).await;
        // Verified once, so that the server keeps what it read.
        assert_eq!(app.verify(&token).await["valid"], true);
        let delete = i % 2 == 1;
        let request = match delete {
            true => signed_request(app, "DELETE", &format!("/identities/{id}?{API}"), b""),
            false => signed_request(
                app,
                "POST",
                &format!("/identities/{id}/:revokeAccessTokens?{API}"),
                b"",
            ),
        };
        send_then_reset(app, &request, dice.reset_after()).await;
        cases.push((id, token, delete));
    }
    settle(app).await;
    let by_id = events(&run).await;
    let mut held = 0;
    for (id, token, delete) in &cases {
        let kinds = by_id.get(id).cloned().unwrap_or_default();
        let committed = kinds.iter().any(|k| k == "tokensRevoked" || k == "deleted");
        let verdict = app.verify(token).await;
        assert_eq!(
            verdict["valid"],
            json!(!committed),
            "{id} (delete: {delete}), feed {kinds:?}: {verdict}"
        );
        if *delete && committed {
            assert_eq!(app.issue(id, &["chat"]).await.status(), 404, "{id}");
            assert_eq!(app.get(id).await.status(), 404, "{id}");
        }
        held += usize::from(committed);
    }
    // Most resets come after the server read the request: the cases this
    // test is about.
    assert!(
        held >= cases.len() / 4,
        "only {held} writes reached the store"
    );
    counts_agree(&run, &by_id).await;
}

async fn creates_hold_when_the_client_resets(run: Run) {
    let app = &run.app;
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    for i in 0..60 {
        let body = json!({"customId": format!("reset-{i}"), "createTokenWithScopes": ["chat"]});
        let body = serde_json::to_vec(&body).unwrap();
        let request = signed_request(app, "POST", &format!("/identities?{API}"), &body);
        send_then_reset(app, &request, dice.reset_after()).await;
    }
    settle(app).await;
    let by_id = events(&run).await;
    // Each custom id maps to the identity its created event names, once.
    let mut created = 0;
    for i in 0..60 {
        let r = app
            .signed(
                Method::GET,
                &format!("/identities/:byCustomId?{API}&customId=reset-{i}"),
                None,
            )
            .await;
        if r.status() == 404 {
            continue;
        }
        assert_eq!(r.status(), 200);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(by_id.get(&id), Some(&vec!["created".to_owned()]), "{id}");
        created += 1;
    }
    assert!(created >= 15, "only {created} creates reached the store");
    counts_agree(&run, &by_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revokes_and_deletes_whose_client_resets_hold_for_every_token_on_sqlite() {
    let run = run_on(false, "").await.unwrap();
    revokes_and_deletes_hold_when_the_client_resets(run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revokes_and_deletes_whose_client_resets_hold_for_every_token_on_postgresql() {
    let test = "revokes and deletes whose client resets";
    if let Some(run) = run_on(true, test).await {
        revokes_and_deletes_hold_when_the_client_resets(run).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_whose_client_resets_are_counted_and_fed_once_on_sqlite() {
    let run = run_on(false, "").await.unwrap();
    creates_hold_when_the_client_resets(run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_whose_client_resets_are_counted_and_fed_once_on_postgresql() {
    if let Some(run) = run_on(true, "creates whose client resets").await {
        creates_hold_when_the_client_resets(run).await;
    }
}

/// Assignments: a put or delete whose client resets revokes the tokens
/// exchanged under the old assignment exactly when the store holds the
/// change.
async fn assignment_changes_hold_when_the_client_resets(run: Run, key: Key) {
    let app = &run.app;
    let mut dice = Dice(0xd1b5_4a32_d192_ed03);
    let mut cases = Vec::new();
    for i in 0..40 {
        let object = uuid::Uuid::new_v4().to_string();
        let admits = json!({"principalType": "user", "clientIds": [APP_ID]});
        assert_eq!(
            put_teams_extension(app, &object, admits).await.status(),
            201
        );
        let mut claims = teams_extension_claims();
        claims["oid"] = json!(object);
        let (token, _) = exchanged(exchange_teams_extension(app, &key.mint(&claims)).await).await;
        assert_eq!(app.verify(&token).await["valid"], true);
        let path = teams_extension_path(TENANT, &object, STABLE);
        let request = match i % 2 {
            0 => signed_request(app, "DELETE", &path, b""),
            _ => {
                let other = json!({"principalType": "user", "clientIds": [APP_ID, OTHER]});
                signed_request(app, "PUT", &path, &serde_json::to_vec(&other).unwrap())
            }
        };
        send_then_reset(app, &request, dice.reset_after()).await;
        cases.push((object, token));
    }
    settle(app).await;
    let mut changed = 0;
    for (object, token) in &cases {
        let path = teams_extension_path(TENANT, object, STABLE);
        let r = app.signed(Method::GET, &path, None).await;
        let unchanged = match r.status().as_u16() {
            404 => false,
            200 => r.json::<Value>().await.unwrap()["clientIds"] == json!([APP_ID]),
            status => panic!("{object}: {status}"),
        };
        let verdict = app.verify(token).await;
        assert_eq!(verdict["valid"], json!(unchanged), "{object}: {verdict}");
        changed += usize::from(!unchanged);
    }
    assert!(
        changed >= cases.len() / 4,
        "only {changed} changes reached the store"
    );
}

async fn assignments_on(postgres: bool, test: &str) {
    let key = Key::rsa("rsa-1");
    let jwks = JwksServer::start(&[&key]).await;
    if let Some(run) = run_with(postgres, test, Some(for_every_exchange(&jwks))).await {
        assignment_changes_hold_when_the_client_resets(run, key).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignment_changes_whose_client_resets_revoke_exactly_what_the_store_holds_on_sqlite() {
    assignments_on(false, "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignment_changes_whose_client_resets_revoke_exactly_what_the_store_holds_on_postgresql()
{
    assignments_on(true, "assignment changes whose client resets").await;
}
