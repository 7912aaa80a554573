//! Tokens of Entra principals whose tokens were exchanged under an
//! assignment (Teams Phone extensibility, Entra ID users).

use super::{Grant, exchanged_expiry};
use crate::domain::{
    AssignedUserId, AssignmentVersion, EntraId, Resource, RevocationEpoch, Scopes, Subject,
    Timestamp,
};

/// A token for `user`, exchanged under the assignment of `version` (and,
/// for Entra users, of object id `assignment`): it expires when the Entra
/// token does (`expires`), but at most 24 hours from `now`, and carries the
/// version as `rev`, so that verification can tell when the assignment was
/// deleted or changed.
pub fn assigned_user_grant<'a>(
    resource: &'a Resource,
    user: AssignedUserId,
    scopes: &'a Scopes,
    expires: Timestamp,
    version: AssignmentVersion,
    assignment: Option<EntraId>,
    now: Timestamp,
) -> Grant<'a> {
    Grant {
        resource,
        subject: Subject::Assigned(user),
        scopes,
        issued_at: now,
        expires_at: exchanged_expiry(expires, now),
        revocation_epoch: RevocationEpoch::from_i64(version.as_i64()),
        assignment,
    }
}
