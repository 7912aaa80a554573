//! What the store keeps and gives back, as domain values.

use crate::domain::{
    CustomId, EventKind, FeedPosition, IdentityId, ListFilter, ListPosition, Order, ResourceId,
    RevocationEpoch, Secret, Timestamp,
};

/// An identity as stored. A deleted identity stays as a tombstone: its id,
/// resource and revocation state, and nothing personal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    pub id: IdentityId,
    pub custom_id: Option<CustomId>,
    pub created_at: Timestamp,
    pub last_token_issued_at: Option<Timestamp>,
    /// Raised by every revoke; a token carries the value it was issued under.
    pub revocation_epoch: RevocationEpoch,
    pub deleted_at: Option<Timestamp>,
}

impl IdentityRecord {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// What issuing and verifying a token need of an identity that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Alive: tokens carry this epoch.
    Live(RevocationEpoch),
    /// Deleted: no token of it is valid, and none is issued.
    Deleted,
}

impl TokenState {
    pub fn of(record: &IdentityRecord) -> Self {
        match record.deleted_at {
            Some(_) => TokenState::Deleted,
            None => TokenState::Live(record.revocation_epoch),
        }
    }

    /// The epoch of a live identity.
    pub fn live_epoch(self) -> Option<RevocationEpoch> {
        match self {
            TokenState::Live(epoch) => Some(epoch),
            TokenState::Deleted => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub id: IdentityId,
    pub custom_id: Option<CustomId>,
    pub created_at: Timestamp,
    /// Set when the identity is created together with a token.
    pub token_issued_at: Option<Timestamp>,
    /// Who creates it (`key:primary`, a principal and its issuer), for its
    /// `created` event.
    pub actor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    New(IdentityRecord),
    /// An identity with the same custom id already existed.
    Existing(IdentityRecord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Now,
    Already,
    NotFound,
}

/// A token signing key. `retired_at` is set when a newer key takes over; a
/// retired key is still published until every token it signed has expired.
#[derive(Debug, Clone)]
pub struct StoredSigningKey {
    pub kid: String,
    pub private_key_pem: Secret,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

/// Which page of a resource's live identities to read.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub resource: ResourceId,
    pub filter: ListFilter,
    pub order: Order,
    /// Where the previous page ended (exclusive).
    pub after: Option<ListPosition>,
    /// Items per page, at most.
    pub limit: usize,
}

/// A page: its items, and where the next one starts when more may follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityPage {
    pub items: Vec<IdentityRecord>,
    pub resume_after: Option<ListPosition>,
}

/// One event of the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityEvent {
    pub position: FeedPosition,
    pub kind: EventKind,
    pub id: IdentityId,
    /// The identity's custom id when the event happened.
    pub custom_id: Option<CustomId>,
    pub at: Timestamp,
    /// Who made the change, when it was recorded.
    pub actor: Option<String>,
}

impl IdentityEvent {
    /// The event as the feed, the triggers and webhook deliveries answer it.
    pub fn answered(&self) -> crate::acs::models::IdentityEvent {
        crate::acs::models::IdentityEvent {
            sequence: self.position.0,
            kind: self.kind,
            id: self.id.to_string(),
            custom_id: self.custom_id.as_ref().map(|c| c.as_str().to_owned()),
            at: self.at.to_acs_string(),
            actor: self.actor.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventsRead {
    Events(Vec<IdentityEvent>),
    /// Events after the position were pruned, through `through` (the
    /// oldest a reader can still read after): the reader must start again.
    Expired {
        through: FeedPosition,
    },
}
