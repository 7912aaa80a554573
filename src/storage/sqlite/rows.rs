//! SQLite rows to the columns `storage::rows` turns into domain values.

use super::map_err;
use crate::domain::{IdentityId, Secret, Timestamp};
use crate::storage::rows::{IdentityColumns, ResourceColumns, SigningKeyColumns};
use crate::storage::{StoreError, StoredValue, sealing};
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

pub fn signing_key_row(r: &Row<'_>) -> rusqlite::Result<SigningKeyColumns> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

/// Every value of the sealed columns, as stored.
pub fn sealed_values(c: &Connection) -> rusqlite::Result<Vec<StoredValue>> {
    let mut values = Vec::new();
    for &column in sealing::COLUMNS {
        let mut stmt = c.prepare_cached(&column.select_sql())?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredValue {
                column,
                row: r.get(0)?,
                text: Secret::new(r.get::<_, String>(1)?),
            })
        })?;
        for value in rows {
            values.push(value?);
        }
    }
    Ok(values)
}

/// Stores `text` in place of `value` if the row still holds it.
pub fn replace_sealed(c: &Connection, value: &StoredValue, text: &str) -> Result<bool, StoreError> {
    let sql = value.column.update_sql(|n| format!("?{n}"));
    c.execute(
        &sql,
        rusqlite::params![text, value.row, value.text.expose()],
    )
    .map(|n| n == 1)
    .map_err(map_err)
}
