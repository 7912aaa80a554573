//! The embedded migrations, applied in order; `PRAGMA user_version` records
//! how many have run.

use super::map_err;
use crate::storage::StoreError;
use rusqlite::Connection;

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
    created_at    INTEGER NOT NULL
);
CREATE TABLE identities (
    id                   TEXT PRIMARY KEY,
    resource_id          TEXT NOT NULL REFERENCES resources(id),
    external_id          TEXT,
    created_at           INTEGER NOT NULL,
    last_token_issued_at INTEGER,
    revocation_epoch     INTEGER NOT NULL DEFAULT 0,
    deleted_at           INTEGER
) WITHOUT ROWID;
CREATE UNIQUE INDEX identities_by_external_id
    ON identities (resource_id, external_id) WHERE external_id IS NOT NULL;
CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    private_key_pem TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER
);
"#,
    r#"
DROP INDEX identities_by_external_id;
ALTER TABLE identities RENAME COLUMN external_id TO custom_id;
CREATE UNIQUE INDEX identities_by_custom_id
    ON identities (resource_id, custom_id) WHERE custom_id IS NOT NULL;
CREATE TABLE identity_counts (
    resource_id TEXT PRIMARY KEY,
    live        INTEGER NOT NULL
);
INSERT INTO identity_counts (resource_id, live)
    SELECT resource_id, count(*) FROM identities WHERE deleted_at IS NULL GROUP BY resource_id;
-- AUTOINCREMENT: a sequence number is never reused, even once every event
-- is pruned, so a reader's position stays meaningful.
CREATE TABLE identity_events (
    sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id TEXT NOT NULL,
    kind        INTEGER NOT NULL,
    identity_id TEXT NOT NULL,
    custom_id   TEXT,
    at          INTEGER NOT NULL
);
CREATE INDEX identity_events_by_resource ON identity_events (resource_id, sequence);
CREATE TABLE identity_event_pruning (
    resource_id TEXT PRIMARY KEY,
    through     INTEGER NOT NULL
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
    version        INTEGER NOT NULL,
    PRIMARY KEY (resource_id, kind, tenant_key, object_id)
) WITHOUT ROWID;
"#,
    // Webhook subscriptions (storage/subscriptions.rs): each keeps its place
    // in the change feed (position) and a lease, held by one deliverer at a
    // time, that expires when that deliverer dies.
    r#"
CREATE TABLE webhook_subscriptions (
    id                TEXT PRIMARY KEY,
    resource_id       TEXT NOT NULL REFERENCES resources(id),
    callback_url      TEXT NOT NULL,
    kinds             INTEGER NOT NULL,
    custom_id         TEXT,
    secret            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    position          INTEGER NOT NULL,
    state             TEXT NOT NULL,
    failures          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    last_attempt_at   INTEGER,
    last_delivered_at INTEGER,
    last_error        TEXT,
    delivered         INTEGER NOT NULL DEFAULT 0,
    lease_owner       TEXT,
    lease_until       INTEGER
) WITHOUT ROWID;
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
) WITHOUT ROWID;
"#,
    // Who made each change of the feed (key:primary, or a principal and its
    // issuer); NULL for events recorded before.
    r#"
ALTER TABLE identity_events ADD COLUMN actor TEXT;
"#,
];

/// Applies the migrations this database has not seen yet, in one transaction.
/// Returns how many ran.
pub fn migrate(conn: &mut Connection) -> Result<usize, StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(map_err)?;
    let done: usize = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(map_err)?;
    if done > MIGRATIONS.len() {
        return Err(StoreError::Internal(format!(
            "the database was written by a newer commid (schema version {done}, this one knows {})",
            MIGRATIONS.len()
        )));
    }
    for sql in &MIGRATIONS[done..] {
        tx.execute_batch(sql).map_err(map_err)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len())
        .map_err(map_err)?;
    tx.commit().map_err(map_err)?;
    Ok(MIGRATIONS.len() - done)
}

/// Settings every connection gets: WAL with full sync, so that a committed
/// write survives a crash of the process or the machine.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(())
}

/// Statements each connection keeps prepared: more than the store has
/// (rusqlite's default, 16, is fewer, so its least recently used were
/// parsed again and again).
const STATEMENTS: usize = 64;

/// Readers map the database file: a lookup in a large store reads pages
/// from the OS page cache shared by all readers instead of through a small
/// private cache per connection and a system call per page.
pub fn configure_reader(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "mmap_size", READER_MMAP_BYTES)?;
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(())
}

/// Address space, not memory: only the pages a lookup touches become
/// resident, and the kernel may drop them again.
const READER_MMAP_BYTES: i64 = 1 << 30;
