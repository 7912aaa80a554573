//! The change feed's vocabulary: what happened to an identity, and where a
//! reader is in the feed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What happened to an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    /// The identity was created.
    Created,
    /// The identity was deleted.
    Deleted,
    /// Every token of the identity was revoked.
    TokensRevoked,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [
        EventKind::Created,
        EventKind::Deleted,
        EventKind::TokensRevoked,
    ];

    /// As stored: a small number.
    pub fn code(self) -> i16 {
        match self {
            EventKind::Created => 1,
            EventKind::Deleted => 2,
            EventKind::TokensRevoked => 3,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        EventKind::ALL
            .into_iter()
            .find(|k| i64::from(k.code()) == code)
    }
}

/// A position in the change feed: the sequence number of the last event a
/// reader has seen (0: none). Sequence numbers rise in the order events
/// become visible, across every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FeedPosition(pub u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_codes() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_code(i64::from(kind.code())), Some(kind));
        }
        assert_eq!(EventKind::from_code(9), None);
        assert_eq!(
            serde_json::to_string(&EventKind::TokensRevoked).unwrap(),
            "\"tokensRevoked\""
        );
    }
}
