/// An identity's revocation epoch: raised by every revoke (and the delete);
/// a token carries the epoch it was issued under (its `rev` claim) and is
/// revoked once the identity's epoch has moved past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RevocationEpoch(i64);

impl RevocationEpoch {
    /// The epoch of a new identity.
    pub const INITIAL: RevocationEpoch = RevocationEpoch(0);

    /// As stored, or as a token's `rev` claim carries it.
    pub fn from_i64(value: i64) -> Self {
        RevocationEpoch(value)
    }

    pub fn as_i64(self) -> i64 {
        self.0
    }
}
