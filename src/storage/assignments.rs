//! Assignments (Teams Phone extensibility, Entra ID users): a trait of
//! their own, which every [`Store`](super::Store) also implements, and the
//! stored columns every backend shares. One table holds both kinds, keyed
//! by resource, kind, `tenant_key` (the tenant of a Teams-extension
//! assignment, empty for an Entra one) and object id.

use super::StoreError;
use crate::domain::{
    Assignment, AssignmentKey, AssignmentKind, AssignmentVersion, EntraId, PrincipalType,
    ResourceId, StoredAssignment,
};
use async_trait::async_trait;

/// What a put did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Put {
    Created(StoredAssignment),
    Replaced(StoredAssignment),
}

/// One change of a bulk update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignmentChange {
    /// Create or replace, with the version it takes if anything changes.
    Set(Assignment, AssignmentVersion),
    Remove(AssignmentKey),
}

#[async_trait]
pub trait AssignmentStore: Send + Sync {
    async fn assignment(
        &self,
        resource: ResourceId,
        key: AssignmentKey,
    ) -> Result<Option<StoredAssignment>, StoreError>;

    /// Creates or replaces. A new assignment, or a replacement that changes
    /// anything, takes `version`; one that changes nothing keeps its own,
    /// so that repeating a put does not make tokens of it invalid.
    async fn put_assignment(
        &self,
        resource: ResourceId,
        assignment: Assignment,
        version: AssignmentVersion,
    ) -> Result<Put, StoreError>;

    /// `false` when there was none.
    async fn delete_assignment(
        &self,
        resource: ResourceId,
        key: AssignmentKey,
    ) -> Result<bool, StoreError>;

    /// The assignments of `kind` in key order (tenant, then object id),
    /// those after `after`, at most `limit`.
    async fn assignments(
        &self,
        resource: ResourceId,
        kind: AssignmentKind,
        after: Option<AssignmentKey>,
        limit: usize,
    ) -> Result<Vec<StoredAssignment>, StoreError>;

    /// Applies every change, or none; returns the assignments set, as
    /// stored, in the order given.
    async fn update_assignments(
        &self,
        resource: ResourceId,
        changes: Vec<AssignmentChange>,
    ) -> Result<Vec<StoredAssignment>, StoreError>;

    /// The assignments of `kind` for any of `objects`, in any tenant.
    async fn assignments_for(
        &self,
        resource: ResourceId,
        kind: AssignmentKind,
        objects: &[EntraId],
    ) -> Result<Vec<StoredAssignment>, StoreError>;
}

/// The key columns of an assignment: `kind, tenant_key, object_id`.
pub(crate) fn key_columns(key: &AssignmentKey) -> (&'static str, String, String) {
    (
        key.kind.as_str(),
        key.tenant.map(|t| t.to_string()).unwrap_or_default(),
        key.object.to_string(),
    )
}

/// The content columns: `tenant_id, principal_type, client_ids` (a JSON
/// array, `None` when not given).
pub(crate) fn content_columns(a: &Assignment) -> (String, &'static str, Option<String>) {
    let client_ids = a.client_ids.as_ref().map(|ids| {
        let ids: Vec<String> = ids.iter().map(EntraId::to_string).collect();
        serde_json::to_string(&ids).expect("strings serialize")
    });
    (
        a.tenant_id.to_string(),
        a.principal_type.as_str(),
        client_ids,
    )
}

/// `kind, object_id, tenant_id, principal_type, client_ids, version`
pub(crate) type AssignmentColumns = (String, String, String, String, Option<String>, i64);

/// The columns every query selects, in [`AssignmentColumns`]' order.
pub(crate) const ASSIGNMENT_COLUMNS: &str =
    "kind, object_id, tenant_id, principal_type, client_ids, version";

/// A stored row as a domain value; one that does not parse is corruption.
pub(crate) fn stored(row: AssignmentColumns) -> Result<StoredAssignment, StoreError> {
    let (kind, object, tenant, principal_type, client_ids, version) = row;
    let corrupt = |what: &str| {
        StoreError::Internal(format!(
            "stored assignment {kind} {tenant} {object}: {what}"
        ))
    };
    let kind = [AssignmentKind::TeamsExtension, AssignmentKind::EntraUser]
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| corrupt("kind"))?;
    let client_ids = match client_ids {
        None => None,
        Some(text) => {
            let ids: Vec<String> =
                serde_json::from_str(&text).map_err(|_| corrupt("client_ids"))?;
            let ids: Option<Vec<EntraId>> = ids.iter().map(|i| EntraId::from_guid(i)).collect();
            Some(ids.ok_or_else(|| corrupt("client_ids"))?)
        }
    };
    let assignment = Assignment::new(
        kind,
        EntraId::from_guid(&tenant).ok_or_else(|| corrupt("tenant_id"))?,
        EntraId::from_guid(&object).ok_or_else(|| corrupt("object_id"))?,
        PrincipalType::parse(kind, Some(&principal_type)).map_err(|_| corrupt("principal_type"))?,
        client_ids,
    )
    .map_err(|e| corrupt(&e.message))?;
    Ok(StoredAssignment {
        assignment,
        version: AssignmentVersion::from_i64(version),
    })
}
