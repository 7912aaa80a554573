//! The identity writes on SQLite, each run by the writer thread inside the
//! group's transaction: the change, its event and the counter together.

use super::{events, map_err, rows};
use crate::domain::{CustomId, EventKind, IdentityId, Member, RevocationEpoch, Timestamp};
use crate::storage::{Created, Deleted, IdentityRecord, NewIdentity, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

pub fn create(c: &Connection, new: NewIdentity) -> Result<Created, StoreError> {
    if let Some(custom) = &new.custom_id {
        let existing = c
            .prepare_cached(rows::IDENTITY_BY_CUSTOM_ID)
            .and_then(|mut s| {
                s.query_row(
                    params![new.id.resource().to_string(), custom.as_str()],
                    rows::identity_row,
                )
                .optional()
            })
            .map_err(map_err)?;
        if let Some(row) = existing {
            let mut record = crate::storage::rows::identity(row)?;
            if let Some(at) = new.token_issued_at {
                rows::set_token_issued(c, record.id, at)?;
                record.last_token_issued_at = Some(at);
            }
            return Ok(Created::Existing(record));
        }
    }
    c.prepare_cached(
        "INSERT INTO identities (id, resource_id, custom_id, created_at, last_token_issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| {
        s.execute(params![
            new.id.to_string(),
            new.id.resource().to_string(),
            new.custom_id.as_ref().map(CustomId::as_str),
            new.created_at.micros(),
            new.token_issued_at.map(|t| t.micros()),
        ])
    })
    .map_err(map_err)?;
    events::record(
        c,
        EventKind::Created,
        new.id,
        new.custom_id.as_ref(),
        new.created_at,
        new.actor.as_deref(),
    )?;
    events::count(c, new.id.resource(), 1)?;
    Ok(Created::New(IdentityRecord {
        id: new.id,
        custom_id: new.custom_id,
        created_at: new.created_at,
        last_token_issued_at: new.token_issued_at,
        revocation_epoch: RevocationEpoch::INITIAL,
        deleted_at: None,
    }))
}

pub fn revoke(
    c: &Connection,
    id: IdentityId,
    actor: Option<&str>,
) -> Result<Option<RevocationEpoch>, StoreError> {
    let revoked: Option<(i64, Option<String>)> = c
        .prepare_cached(
            "UPDATE identities SET revocation_epoch = revocation_epoch + 1
             WHERE id = ?1 AND deleted_at IS NULL RETURNING revocation_epoch, custom_id",
        )
        .and_then(|mut s| {
            s.query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(map_err)?;
    let Some((epoch, custom_id)) = revoked else {
        return Ok(None);
    };
    let custom_id = stored_custom_id(custom_id)?;
    events::record(
        c,
        EventKind::TokensRevoked,
        id,
        custom_id.as_ref(),
        Timestamp::now(),
        actor,
    )?;
    Ok(Some(RevocationEpoch::from_i64(epoch)))
}

pub fn delete(c: &Connection, id: IdentityId, actor: Option<&str>) -> Result<Deleted, StoreError> {
    let state: Option<(Option<i64>, Option<String>)> = c
        .prepare_cached("SELECT deleted_at, custom_id FROM identities WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(map_err)?;
    match state {
        None => Ok(Deleted::NotFound),
        Some((Some(_), _)) => Ok(Deleted::Already),
        Some((None, custom_id)) => {
            let now = Timestamp::now();
            c.prepare_cached(
                "UPDATE identities SET deleted_at = ?2, custom_id = NULL, last_token_issued_at = NULL,
                 revocation_epoch = revocation_epoch + 1 WHERE id = ?1",
            )
            .and_then(|mut s| s.execute(params![id.to_string(), now.micros()]))
            .map_err(map_err)?;
            let custom_id = stored_custom_id(custom_id)?;
            events::record(c, EventKind::Deleted, id, custom_id.as_ref(), now, actor)?;
            events::count(c, id.resource(), -1)?;
            Ok(Deleted::Now)
        }
    }
}

fn stored_custom_id(value: Option<String>) -> Result<Option<CustomId>, StoreError> {
    value
        .map(|c| CustomId::parse(c, Member::CustomId))
        .transpose()
        .map_err(|e| StoreError::Internal(format!("a stored custom id: {e}")))
}
