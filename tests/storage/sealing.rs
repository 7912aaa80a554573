//! Secrets at rest, on every backend: what the columns really hold (read
//! with SQL, around the store), servers started and restarted on them with
//! and without keys, rotation beside a running server, legacy plaintext.

use crate::common::server::{Target, call};
use commid::config::Layer;
use commid::domain::{AccessKey, KeySlot, Secret};
use commid::startup::{Application, StartError};
use commid::storage::sealing::{self, Reseal, SealingError};
use commid::storage::{Database, Opener, Store, StoreError};
use commid::vault::{EncryptionKey, KeyId};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A key-encryption key and its text, as an operator configures it.
#[derive(Clone)]
pub struct Key {
    pub id: KeyId,
    pub text: String,
}

pub fn new_key() -> Key {
    let (key, text) = EncryptionKey::generate();
    Key {
        id: key.id(),
        text: text.expose().to_owned(),
    }
}

/// A database of one backend, for servers and commands to open, and read
/// with SQL around them.
pub struct Backend {
    raw: Raw,
    dir: tempfile::TempDir,
    _guard: Box<dyn std::any::Any + Send>,
}

enum Raw {
    Sqlite(PathBuf),
    Postgres(String),
}

pub async fn sqlite_backend(_test: &str) -> Option<Backend> {
    let dir = tempfile::tempdir().unwrap();
    Some(Backend {
        raw: Raw::Sqlite(dir.path().join("commid.sqlite3")),
        dir,
        _guard: Box::new(()),
    })
}

pub async fn postgres_backend(test: &str) -> Option<Backend> {
    let schema = crate::common::postgres::schema(test).await?;
    Some(Backend {
        raw: Raw::Postgres(schema.url.clone()),
        dir: tempfile::tempdir().unwrap(),
        _guard: Box::new(schema),
    })
}

impl Backend {
    /// A server's settings on this database with `keys` (none: plaintext).
    pub fn layer(&self, keys: &[&Key]) -> Layer {
        Layer {
            listen: Some("127.0.0.1:0".into()),
            http: Some(true),
            workers: Some(1),
            data_dir: Some(self.dir.path().to_path_buf()),
            database_url: match &self.raw {
                Raw::Sqlite(_) => None,
                Raw::Postgres(url) => Some(Secret::new(url.clone())),
            },
            encryption_keys: (!keys.is_empty())
                .then(|| keys.iter().map(|k| Secret::new(k.text.clone())).collect()),
            ..Layer::default()
        }
    }

    /// The store as an administrative command opens it, with `keys`.
    pub async fn open(&self, keys: &[&Key]) -> Arc<dyn Store> {
        let layer = self.layer(keys);
        let database: Database = layer.database().unwrap();
        commid::storage::migrate(&database).await.unwrap();
        commid::storage::open(&database, Opener::Command, &layer.vault().unwrap())
            .await
            .unwrap()
    }

    /// `commid serve` with `keys`, in process. A SQLite server stopped a
    /// moment ago may still hold the data dir's lock: that is waited out.
    pub async fn start(&self, keys: &[&Key]) -> Result<Running, StartError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Application::build(self.layer(keys).resolve().unwrap()).await {
                Err(StartError::Store(StoreError::Unavailable(m)))
                    if m.contains("another commid server") && Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e),
                Ok(app) => return Ok(Running::of(app)),
            }
        }
    }

    /// The text of one column of every row `sql` selects.
    pub async fn column(&self, sql: &str) -> Vec<String> {
        match &self.raw {
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut stmt = conn.prepare(sql).unwrap();
                stmt.query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Raw::Postgres(url) => {
                let client = pg(url).await;
                let rows = client.query(sql, &[]).await.unwrap();
                rows.iter().map(|r| r.get(0)).collect()
            }
        }
    }

    pub async fn execute(&self, sql: &str) {
        match &self.raw {
            Raw::Sqlite(path) => {
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            Raw::Postgres(url) => pg(url).await.batch_execute(sql).await.unwrap(),
        }
    }

    /// Every sealed column's stored text.
    pub async fn stored_secrets(&self) -> Vec<String> {
        let mut all = Vec::new();
        for column in sealing::COLUMNS {
            let only = column
                .only
                .map(|row| format!(" WHERE {} = '{row}'", column.key))
                .unwrap_or_default();
            let sql = format!("SELECT {} FROM {}{only}", column.column, column.table);
            all.extend(self.column(&sql).await);
        }
        all
    }
}

async fn pg(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// A server serving in this process, and what a client of it knows.
pub struct Running {
    pub target: Target,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    http: reqwest::Client,
}

impl Running {
    fn of(app: Application) -> Running {
        let connection_string = app.connection_string().expose().to_owned();
        let cs = commid::acs::ConnectionString::parse(&connection_string).unwrap();
        let target = Target {
            base: app.base_url().as_str().trim_end_matches('/').to_owned(),
            authority: cs.endpoint.authority(),
            key: cs.key.bytes().to_vec(),
            connection_string,
            tls_certificate: None,
            metrics: None,
        };
        let handle = app.handle();
        Running {
            target,
            handle,
            task: tokio::spawn(app.run_until_stopped()),
            http: reqwest::Client::new(),
        }
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.task.await.unwrap().unwrap();
    }

    /// A signed request with `key` (this server's primary key unless said).
    pub async fn call_with(
        &self,
        key: &[u8],
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let target = Target {
            key: key.to_vec(),
            ..self.target.clone()
        };
        call(&self.http, &target, method, path, body)
            .await
            .expect("the server answers")
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_with(&self.target.key, method, path, body).await
    }

    /// A new identity's token.
    pub async fn token(&self) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/identities",
                Some(json!({"createTokenWithScopes": ["chat"]})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["accessToken"]["token"].as_str().unwrap().to_owned()
    }

    /// Whether this server finds `token` valid, asked with `key`.
    pub async fn verifies(&self, key: &[u8], token: &str) -> bool {
        let (status, verdict) = self
            .call_with(
                key,
                Method::POST,
                "/accessTokens/:verify",
                Some(json!({"token": token})),
            )
            .await;
        assert_eq!(status, 200, "{verdict}");
        verdict["valid"] == true
    }
}

fn message(e: &StartError) -> String {
    commid::report::chain(e)
}

/// Every sealed column holds a value sealed under `key` that contains none
/// of `plaintexts`.
async fn all_sealed_under(backend: &Backend, key: &Key, plaintexts: &[&str]) {
    let stored = backend.stored_secrets().await;
    assert!(
        stored.len() >= 4,
        "two access keys, a signing key, the paging secret"
    );
    for text in &stored {
        assert!(
            text.starts_with(&format!("sealed:v1:{}:", key.id)),
            "not sealed under {}: {}",
            key.id,
            &text[..text.len().min(24)]
        );
        for plaintext in plaintexts {
            assert!(!text.contains(plaintext));
        }
        assert!(!text.contains("PRIVATE KEY"));
    }
}

pub async fn the_columns_hold_sealed_values_that_read_back_whole(backend: Backend) {
    let key = new_key();
    let store = backend.open(&[&key]).await;
    let resource = crate::resource("default");
    store.insert_resource(resource.clone()).await.unwrap();
    let signing = commid::tokens::SigningKey::generate().unwrap();
    store.insert_signing_key(signing.clone()).await.unwrap();
    let paging = store.paging_secret().await.unwrap();
    let subscription = store
        .create_subscription(commid::storage::NewSubscription {
            id: commid::domain::SubscriptionId::generate(),
            resource: resource.id,
            callback_url: commid::domain::CallbackUrl::parse("https://hooks.example.com/x")
                .unwrap(),
            kinds: commid::domain::EventKinds::of(&[commid::domain::EventKind::Created]),
            custom_id: None,
            secret: commid::domain::WebhookSecret::generate(),
            created_at: commid::domain::Timestamp::now(),
        })
        .await
        .unwrap()
        .unwrap();
    let plaintexts = [
        resource.primary_key.text().expose(),
        resource.secondary_key.text().expose(),
        paging.expose(),
        subscription.secret.expose(),
    ];
    all_sealed_under(&backend, &key, &plaintexts).await;
    drop(store);

    let again = backend.open(&[&key]).await;
    assert_eq!(again.resources().await.unwrap(), vec![resource.clone()]);
    let stored = again.signing_keys().await.unwrap();
    assert_eq!(stored[0].private_key_pem, signing.private_key_pem);
    assert_eq!(again.paging_secret().await.unwrap(), paging);
    let read = again
        .subscription(resource.id, subscription.id)
        .await
        .unwrap();
    assert_eq!(
        read.map(|s| s.secret),
        Some(subscription.secret),
        "opened whole"
    );
    let census = sealing::census(&*again, &backend.layer(&[&key]).vault().unwrap())
        .await
        .unwrap();
    assert_eq!((census.values, census.plaintext), (5, 0));
    assert_eq!(census.by_key.get(&key.id), Some(&5));
}

pub async fn a_restart_with_the_same_key_serves_the_same_keys_and_tokens(backend: Backend) {
    let key = new_key();
    let first = backend.start(&[&key]).await.unwrap();
    let token = first.token().await;
    let access_key = first.target.key.clone();
    let jwks = first
        .call(Method::GET, "/.well-known/jwks.json", None)
        .await;
    first.stop().await;
    all_sealed_under(&backend, &key, &[]).await;

    let second = backend.start(&[&key]).await.unwrap();
    assert_eq!(
        second.target.key, access_key,
        "the same key (on a new port)"
    );
    assert!(
        second.verifies(&access_key, &token).await,
        "the old key authenticates, the old token verifies"
    );
    assert_eq!(
        second
            .call(Method::GET, "/.well-known/jwks.json", None)
            .await,
        jwks
    );
    second.stop().await;
}

pub async fn plaintext_from_before_a_key_is_sealed_at_the_first_start_with_one(backend: Backend) {
    let old = backend.start(&[]).await.unwrap();
    let token = old.token().await;
    let access_key = old.target.key.clone();
    let connection_string = old.target.connection_string.clone();
    old.stop().await;
    let keys = backend.column("SELECT primary_key FROM resources").await;
    assert_eq!(
        keys,
        vec![
            commid::acs::ConnectionString::parse(&connection_string)
                .unwrap()
                .key
                .text()
                .expose()
                .to_owned()
        ],
        "without a key, as always: plaintext"
    );

    let key = new_key();
    let sealed = backend.start(&[&key]).await.unwrap();
    assert_eq!(sealed.target.key, access_key);
    assert!(sealed.verifies(&access_key, &token).await);
    sealed.stop().await;
    all_sealed_under(&backend, &key, &[&keys[0]]).await;
}

pub async fn rotation_beside_a_running_server_reseals_everything_and_the_old_key_can_go(
    backend: Backend,
) {
    let (old, new) = (new_key(), new_key());
    let first = backend.start(&[&old]).await.unwrap();
    let token = first.token().await;
    let access_key = first.target.key.clone();
    first.stop().await;

    // The new key first, the old one still there: a restart, then rotation
    // (as `commid secrets rotate` does) while that server serves.
    let both = backend.start(&[&new, &old]).await.unwrap();
    let admin = backend.open(&[&new, &old]).await;
    let vault = backend.layer(&[&new, &old]).vault().unwrap();
    sealing::census(&*admin, &vault)
        .await
        .unwrap()
        .check(&vault)
        .unwrap();
    let resealed = sealing::reseal(&*admin, &vault, Reseal::NotUnderFirstKey)
        .await
        .unwrap();
    assert_eq!(
        resealed, 4,
        "the old key's four values; nothing was plaintext"
    );
    all_sealed_under(&backend, &new, &[]).await;
    assert!(both.verifies(&access_key, &token).await);
    // A key regenerated meanwhile makes the server reload every resource,
    // all of them now sealed under the new key.
    let id = admin.resources().await.unwrap()[0].id;
    let secondary = AccessKey::generate();
    admin
        .replace_key(id, KeySlot::Secondary, secondary.clone())
        .await
        .unwrap();
    // Seen within a second: a key no resource had reloads them, at most
    // twice a second (the throttle may have just let the start's reload by).
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let verify = Some(json!({"token": token}));
        let (status, verdict) = both
            .call_with(
                secondary.bytes(),
                Method::POST,
                "/accessTokens/:verify",
                verify,
            )
            .await;
        if status == 200 {
            assert_eq!(verdict["valid"], true, "{verdict}");
            break;
        }
        assert_eq!(status, 401, "{verdict}");
        assert!(
            Instant::now() < deadline,
            "the regenerated key never authenticated"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    both.stop().await;
    drop(admin);

    let refused = backend
        .start(&[&old])
        .await
        .err()
        .expect("the new key is needed");
    assert!(
        message(&refused).contains(&new.id.to_string()),
        "{}",
        message(&refused)
    );

    let new_only = backend.start(&[&new]).await.unwrap();
    assert!(
        new_only.verifies(&access_key, &token).await,
        "the old key gone, its data still opens"
    );
    new_only.stop().await;
}

pub async fn a_server_without_the_key_that_sealed_refuses_to_start_and_names_it(backend: Backend) {
    let (sealing, other) = (new_key(), new_key());
    backend.start(&[&sealing]).await.unwrap().stop().await;
    for (keys, configured) in [
        (vec![&other], format!("configured: {}", other.id)),
        (vec![], "no key is configured".to_owned()),
    ] {
        let Err(refused) = backend.start(&keys).await else {
            panic!("started without key {}", sealing.id)
        };
        let text = message(&refused);
        assert!(
            matches!(&refused, StartError::Secrets(SealingError::MissingKeys { missing, .. }) if missing == &vec![sealing.id]),
            "{text}"
        );
        for wanted in [
            sealing.id.to_string().as_str(),
            &configured,
            "COMMID_ENCRYPTION_KEYS",
        ] {
            assert!(text.contains(wanted), "{text}");
        }
    }
}

pub async fn a_sealed_value_copied_to_another_row_or_column_stops_the_start(backend: Backend) {
    let key = new_key();
    backend.start(&[&key]).await.unwrap().stop().await;
    backend
        .execute("UPDATE resources SET secondary_key = primary_key")
        .await;
    let Err(refused) = backend.start(&[&key]).await else {
        panic!("served a key copied from the primary column as the secondary")
    };
    let text = message(&refused);
    assert!(text.contains("resources.secondary_key"), "{text}");
    assert!(text.contains("does not authenticate"), "{text}");
}

pub async fn resealing_never_overwrites_a_key_written_meanwhile(backend: Backend) {
    let (old, new) = (new_key(), new_key());
    let resource = crate::resource("default");
    backend
        .open(&[&old])
        .await
        .insert_resource(resource.clone())
        .await
        .unwrap();
    // A writer with the new configuration replaces the key again and again
    // while rotation runs.
    let writer = backend.open(&[&new, &old]).await;
    let rotating = backend.open(&[&new, &old]).await;
    let vault = backend.layer(&[&new, &old]).vault().unwrap();
    let regenerate = tokio::spawn(async move {
        let mut last = None;
        for _ in 0..30 {
            let key = AccessKey::generate();
            assert!(
                writer
                    .replace_key(resource.id, KeySlot::Primary, key.clone())
                    .await
                    .unwrap()
            );
            last = Some(key);
            tokio::task::yield_now().await;
        }
        last.unwrap()
    });
    for _ in 0..5 {
        sealing::reseal(&*rotating, &vault, Reseal::NotUnderFirstKey)
            .await
            .unwrap();
    }
    let last = regenerate.await.unwrap();
    sealing::reseal(&*rotating, &vault, Reseal::NotUnderFirstKey)
        .await
        .unwrap();
    assert_eq!(
        rotating.resources().await.unwrap()[0].primary_key,
        last,
        "the last key written is the key stored"
    );
    for text in backend.column("SELECT primary_key FROM resources").await {
        assert!(text.starts_with(&format!("sealed:v1:{}:", new.id)));
    }
    // Compare and set: a value read before a write is not written back.
    let stale = rotating.sealed_values().await.unwrap().remove(0);
    rotating
        .replace_key(resource.id, KeySlot::Primary, AccessKey::generate())
        .await
        .unwrap();
    assert!(
        !rotating
            .replace_sealed(&stale, stale.text.expose().to_owned())
            .await
            .unwrap()
    );
}

macro_rules! sealing_suite {
    ($($backend:ident),*) => {
        $(
            mod $backend {
                sealing_suite!(@tests $backend;
                    the_columns_hold_sealed_values_that_read_back_whole,
                    a_restart_with_the_same_key_serves_the_same_keys_and_tokens,
                    plaintext_from_before_a_key_is_sealed_at_the_first_start_with_one,
                    rotation_beside_a_running_server_reseals_everything_and_the_old_key_can_go,
                    a_server_without_the_key_that_sealed_refuses_to_start_and_names_it,
                    a_sealed_value_copied_to_another_row_or_column_stops_the_start,
                    resealing_never_overwrites_a_key_written_meanwhile,
                );
            }
        )*
    };
    (@tests $backend:ident; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(backend) = super::$backend(stringify!($name)).await {
                    super::$name(backend).await;
                }
            }
        )*
    };
}

sealing_suite!(sqlite_backend, postgres_backend);
