//! SQLite rows to the columns `storage::rows` turns into domain values.

use super::map_err;
use crate::domain::{IdentityId, Secret, Timestamp};
use crate::storage::rows::{IdentityColumns, ResourceColumns};
use crate::storage::{StoreError, StoredSigningKey};
use rusqlite::{Connection, Row};

pub const RESOURCE_SELECT: &str = "SELECT id, name, location, endpoint, primary_key, secondary_key FROM resources ORDER BY created_at, name";

pub fn resource_row(r: &Row<'_>) -> rusqlite::Result<ResourceColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

pub const IDENTITY_BY_ID: &str =
    "SELECT id, custom_id, created_at, last_token_issued_at, revocation_epoch, deleted_at
     FROM identities WHERE id = ?1";
pub const IDENTITY_BY_CUSTOM_ID: &str =
    "SELECT id, custom_id, created_at, last_token_issued_at, revocation_epoch, deleted_at
     FROM identities WHERE resource_id = ?1 AND custom_id = ?2";

pub fn identity_row(r: &Row<'_>) -> rusqlite::Result<IdentityColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

pub fn set_token_issued(c: &Connection, id: IdentityId, at: Timestamp) -> Result<(), StoreError> {
    c.prepare_cached(
        "UPDATE identities SET last_token_issued_at = max(coalesce(last_token_issued_at, 0), ?2)
         WHERE id = ?1 AND deleted_at IS NULL",
    )
    .and_then(|mut s| s.execute(rusqlite::params![id.to_string(), at.micros()]))
    .map(drop)
    .map_err(map_err)
}

pub fn signing_key_row(r: &Row<'_>) -> rusqlite::Result<StoredSigningKey> {
    Ok(StoredSigningKey {
        kid: r.get(0)?,
        private_key_pem: Secret::new(r.get::<_, String>(1)?),
        created_at: Timestamp::from_micros(r.get(2)?),
        retired_at: r.get::<_, Option<i64>>(3)?.map(Timestamp::from_micros),
    })
}
