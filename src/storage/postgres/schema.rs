//! The embedded PostgreSQL migrations. Instances that start together take
//! an advisory lock, so each migration runs once.

use super::map_err;
use crate::storage::StoreError;
use tokio_postgres::Client;

/// How many migrations this commid knows: the schema version it writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE resources (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    location      TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    primary_key   TEXT NOT NULL,
    secondary_key TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE TABLE identities (
    id                   TEXT PRIMARY KEY,
    resource_id          TEXT NOT NULL REFERENCES resources(id),
    external_id          TEXT,
    created_at           BIGINT NOT NULL,
    last_token_issued_at BIGINT,
    revocation_epoch     BIGINT NOT NULL DEFAULT 0,
    deleted_at           BIGINT
);
CREATE UNIQUE INDEX identities_by_external_id
    ON identities (resource_id, external_id) WHERE external_id IS NOT NULL;
CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    private_key_pem TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT
);
"#,
    r#"
ALTER TABLE identities RENAME COLUMN external_id TO custom_id;
ALTER INDEX identities_by_external_id RENAME TO identities_by_custom_id;
-- Byte order, so that a resource's ids (all `8:acs:<resource>_…`) form one
-- range of the primary key, in creation order.
ALTER TABLE identities ALTER COLUMN id TYPE TEXT COLLATE "C";
-- Counted in shards, so that creates on several instances do not queue on
-- one row; the count is their sum.
CREATE TABLE identity_counts (
    resource_id TEXT NOT NULL,
    shard       SMALLINT NOT NULL,
    live        BIGINT NOT NULL,
    PRIMARY KEY (resource_id, shard)
);
INSERT INTO identity_counts (resource_id, shard, live)
    SELECT resource_id, 0, count(*) FROM identities WHERE deleted_at IS NULL GROUP BY resource_id;
-- Events get their sequence number only once committed (see events.rs):
-- `insertion` orders nothing a reader relies on.
CREATE SEQUENCE identity_event_sequence;
CREATE TABLE identity_events (
    insertion   BIGSERIAL PRIMARY KEY,
    sequence    BIGINT UNIQUE,
    resource_id TEXT NOT NULL,
    kind        SMALLINT NOT NULL,
    identity_id TEXT NOT NULL,
    custom_id   TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX identity_events_by_resource
    ON identity_events (resource_id, sequence) WHERE sequence IS NOT NULL;
CREATE INDEX identity_events_unsequenced
    ON identity_events (insertion) WHERE sequence IS NULL;
CREATE TABLE identity_event_pruning (
    resource_id TEXT PRIMARY KEY,
    through     BIGINT NOT NULL
);
CREATE TABLE commid_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
    // Assignments of Teams Phone extensibility and Entra ID users
    // (storage/assignments.rs): tenant_key is the tenant of a Teams-extension
    // assignment and empty for an Entra one, keyed by object id alone.
    r#"
CREATE TABLE assignments (
    resource_id    TEXT NOT NULL REFERENCES resources(id),
    kind           TEXT NOT NULL,
    tenant_key     TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    tenant_id      TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    client_ids     TEXT,
    version        BIGINT NOT NULL,
    PRIMARY KEY (resource_id, kind, tenant_key, object_id)
);
"#,
    // Custom ids in byte order, as ids are, whatever the database's default
    // collation: the custom ids with a prefix are then one range of
    // identities_by_custom_id, which this rebuilds (storage/listing.rs).
    // Equality, and so uniqueness, is unchanged.
    r#"
ALTER TABLE identities ALTER COLUMN custom_id TYPE TEXT COLLATE "C";
"#,
    // Webhook subscriptions (storage/subscriptions.rs): each keeps its place
    // in the change feed (position) and a lease, held by one deliverer at a
    // time, that expires when that deliverer dies.
    r#"
CREATE TABLE webhook_subscriptions (
    id                TEXT PRIMARY KEY,
    resource_id       TEXT NOT NULL REFERENCES resources(id),
    callback_url      TEXT NOT NULL,
    kinds             BIGINT NOT NULL,
    custom_id         TEXT,
    secret            TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    position          BIGINT NOT NULL,
    state             TEXT NOT NULL,
    failures          BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL,
    last_attempt_at   BIGINT,
    last_delivered_at BIGINT,
    last_error        TEXT,
    delivered         BIGINT NOT NULL DEFAULT 0,
    lease_owner       TEXT,
    lease_until       BIGINT
);
CREATE INDEX webhook_subscriptions_by_resource ON webhook_subscriptions (resource_id, id);
CREATE INDEX webhook_subscriptions_due ON webhook_subscriptions (state, next_attempt_at);
"#,
    // Roles principals of trusted issuers hold on resources
    // (storage/roles.rs): principal is written kind:id (oid:…, sub:…).
    r#"
CREATE TABLE role_grants (
    resource_id TEXT NOT NULL REFERENCES resources(id),
    issuer      TEXT NOT NULL,
    principal   TEXT NOT NULL,
    role        TEXT NOT NULL,
    PRIMARY KEY (resource_id, issuer, principal, role)
);
"#,
    // Who made each change of the feed (key:primary, or a principal and its
    // issuer); NULL for events recorded before.
    r#"
ALTER TABLE identity_events ADD COLUMN actor TEXT;
"#,
];

/// An arbitrary constant naming commid's migration lock.
const LOCK_ID: i64 = 0x636f_6d6d_6964;

pub async fn migrate(client: &mut Client) -> Result<usize, StoreError> {
    let tx = client.transaction().await.map_err(map_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_ID])
        .await
        .map_err(map_err)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS commid_schema (version INTEGER NOT NULL)")
        .await
        .map_err(map_err)?;
    let done: Option<i32> = tx
        .query_opt("SELECT version FROM commid_schema", &[])
        .await
        .map_err(map_err)?
        .map(|r| r.get(0));
    let done = done.unwrap_or(0) as usize;
    if done > MIGRATIONS.len() {
        return Err(StoreError::Internal(format!(
            "the database was written by a newer commid (schema version {done}, this one knows {})",
            MIGRATIONS.len()
        )));
    }
    for sql in &MIGRATIONS[done..] {
        tx.batch_execute(sql).await.map_err(map_err)?;
    }
    let version = MIGRATIONS.len() as i32;
    tx.execute("DELETE FROM commid_schema", &[])
        .await
        .map_err(map_err)?;
    tx.execute(
        "INSERT INTO commid_schema (version) VALUES ($1)",
        &[&version],
    )
    .await
    .map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    Ok(MIGRATIONS.len() - done)
}
