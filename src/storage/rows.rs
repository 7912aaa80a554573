//! Stored columns to domain values, for every backend. A value that does
//! not parse is corruption, reported as an internal error, never guessed at.

use crate::domain::{
    AccessKey, CustomId, DataLocation, Endpoint, IdentityId, Invalid, Member, Resource, ResourceId,
    ResourceName, RevocationEpoch, Timestamp,
};
use crate::storage::{IdentityRecord, StoreError};

/// `id, name, location, endpoint, primary_key, secondary_key`
pub type ResourceColumns = (String, String, String, String, String, String);

pub fn resource(row: ResourceColumns) -> Result<Resource, StoreError> {
    let (id, name, location, endpoint, primary, secondary) = row;
    let corrupt =
        |what: &str, e: Invalid| StoreError::Internal(format!("stored resource {id}: {what}: {e}"));
    Ok(Resource {
        id: ResourceId::parse(&id).map_err(|e| corrupt("id", e))?,
        name: ResourceName::parse(&name).map_err(|e| corrupt("name", e))?,
        location: DataLocation::parse(&location).map_err(|e| corrupt("location", e))?,
        endpoint: Endpoint::parse(&endpoint).map_err(|e| corrupt("endpoint", e))?,
        primary_key: AccessKey::parse(&primary).map_err(|e| corrupt("primary key", e))?,
        secondary_key: AccessKey::parse(&secondary).map_err(|e| corrupt("secondary key", e))?,
    })
}

/// `id, custom_id, created_at, last_token_issued_at, revocation_epoch, deleted_at`
pub type IdentityColumns = (String, Option<String>, i64, Option<i64>, i64, Option<i64>);

pub fn identity(row: IdentityColumns) -> Result<IdentityRecord, StoreError> {
    let (id, custom_id, created_at, last_issued, epoch, deleted_at) = row;
    let corrupt = |e: Invalid| StoreError::Internal(format!("stored identity {id}: {e}"));
    Ok(IdentityRecord {
        id: IdentityId::parse(&id).map_err(corrupt)?,
        custom_id: custom_id
            .map(|c| CustomId::parse(c, Member::CustomId))
            .transpose()
            .map_err(corrupt)?,
        created_at: Timestamp::from_micros(created_at),
        last_token_issued_at: last_issued.map(Timestamp::from_micros),
        revocation_epoch: RevocationEpoch::from_i64(epoch),
        deleted_at: deleted_at.map(Timestamp::from_micros),
    })
}

/// `sequence, kind, identity_id, custom_id, at`
pub type EventColumns = (i64, i64, String, Option<String>, i64);

pub fn event(row: EventColumns) -> Result<crate::storage::IdentityEvent, StoreError> {
    let (sequence, kind, id, custom_id, at) = row;
    let corrupt = |what: String| StoreError::Internal(format!("stored event {sequence}: {what}"));
    Ok(crate::storage::IdentityEvent {
        position: crate::domain::FeedPosition(
            u64::try_from(sequence).map_err(|_| corrupt("a negative sequence".into()))?,
        ),
        kind: crate::domain::EventKind::from_code(kind)
            .ok_or_else(|| corrupt(format!("unknown kind {kind}")))?,
        id: IdentityId::parse(&id).map_err(|e| corrupt(e.to_string()))?,
        custom_id: custom_id
            .map(|c| CustomId::parse(c, Member::CustomId))
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?,
        at: Timestamp::from_micros(at),
    })
}
