//! Stored columns to domain values, for every backend. A value that does
//! not parse is corruption, reported as an internal error, never guessed at.
//! Secrets are sealed and opened here, with the store's [`Vault`], at the
//! places `sealing.rs` declares: the one layer both backends go through.

use crate::domain::{
    AccessKey, CustomId, DataLocation, Endpoint, IdentityId, Invalid, KeySlot, Member, Resource,
    ResourceId, ResourceName, RevocationEpoch, Secret, Timestamp,
};
use crate::storage::sealing::{self, SealedColumn};
use crate::storage::{IdentityRecord, StoreError, StoredSigningKey};
use crate::vault::Vault;

/// `id, name, location, endpoint, primary_key, secondary_key`
pub type ResourceColumns = (String, String, String, String, String, String);

pub fn resource(row: ResourceColumns, vault: &Vault) -> Result<Resource, StoreError> {
    let (id, name, location, endpoint, primary, secondary) = row;
    let corrupt =
        |what: &str, e: Invalid| StoreError::Internal(format!("stored resource {id}: {what}: {e}"));
    let key = |slot: KeySlot, text: &str| {
        let column = key_column(slot);
        let opened = open(vault, column, &id, text, &format!("resource {id}"))?;
        AccessKey::parse(opened.expose()).map_err(|e| corrupt(column.column, e))
    };
    Ok(Resource {
        id: ResourceId::parse(&id).map_err(|e| corrupt("id", e))?,
        name: ResourceName::parse(&name).map_err(|e| corrupt("name", e))?,
        location: DataLocation::parse(&location).map_err(|e| corrupt("location", e))?,
        endpoint: Endpoint::parse(&endpoint).map_err(|e| corrupt("endpoint", e))?,
        primary_key: key(KeySlot::Primary, &primary)?,
        secondary_key: key(KeySlot::Secondary, &secondary)?,
    })
}

/// The column that keeps a resource's key in `slot`.
pub fn key_column(slot: KeySlot) -> &'static SealedColumn {
    match slot {
        KeySlot::Primary => &sealing::RESOURCE_PRIMARY_KEY,
        KeySlot::Secondary => &sealing::RESOURCE_SECONDARY_KEY,
    }
}

/// A resource's key in `slot`, as stored.
pub fn sealed_key(
    vault: &Vault,
    id: ResourceId,
    slot: KeySlot,
    key: &AccessKey,
) -> Result<String, StoreError> {
    seal(vault, key_column(slot), &id.to_string(), key.text())
}

/// `kid, private_key_pem, created_at, retired_at`
pub type SigningKeyColumns = (String, String, i64, Option<i64>);

pub fn signing_key(row: SigningKeyColumns, vault: &Vault) -> Result<StoredSigningKey, StoreError> {
    let (kid, pem, created_at, retired_at) = row;
    Ok(StoredSigningKey {
        private_key_pem: open(
            vault,
            &sealing::SIGNING_KEY_PEM,
            &kid,
            &pem,
            &format!("signing key {kid}"),
        )?,
        kid,
        created_at: Timestamp::from_micros(created_at),
        retired_at: retired_at.map(Timestamp::from_micros),
    })
}

/// A signing key's private key, as stored.
pub fn sealed_signing_key(vault: &Vault, key: &StoredSigningKey) -> Result<String, StoreError> {
    seal(
        vault,
        &sealing::SIGNING_KEY_PEM,
        &key.kid,
        &key.private_key_pem,
    )
}

/// The paging secret, as stored.
pub fn sealed_paging_secret(vault: &Vault, secret: &Secret) -> Result<String, StoreError> {
    seal(vault, &sealing::PAGING_SECRET, paging_row(), secret)
}

pub fn paging_secret(stored: &str, vault: &Vault) -> Result<Secret, StoreError> {
    open(
        vault,
        &sealing::PAGING_SECRET,
        paging_row(),
        stored,
        "the paging secret",
    )
}

fn paging_row() -> &'static str {
    sealing::PAGING_SECRET
        .only
        .expect("the paging secret's row")
}

fn seal(
    vault: &Vault,
    column: &'static SealedColumn,
    row: &str,
    secret: &Secret,
) -> Result<String, StoreError> {
    vault.seal(column.at(row), secret.expose()).map_err(|e| {
        StoreError::Internal(format!(
            "cannot seal {}.{} of {row}: {e}",
            column.table, column.column
        ))
    })
}

fn open(
    vault: &Vault,
    column: &'static SealedColumn,
    row: &str,
    stored: &str,
    what: &str,
) -> Result<Secret, StoreError> {
    vault
        .open(column.at(row), stored)
        .map_err(|e| StoreError::Internal(format!("stored {what}: {}: {e}", column.column)))
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

/// `sequence, kind, identity_id, custom_id, at, actor`
pub type EventColumns = (i64, i64, String, Option<String>, i64, Option<String>);

pub fn event(row: EventColumns) -> Result<crate::storage::IdentityEvent, StoreError> {
    let (sequence, kind, id, custom_id, at, actor) = row;
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
        actor,
    })
}
