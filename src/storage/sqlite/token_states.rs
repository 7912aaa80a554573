//! What issuing and verifying a token read of an identity (alive with its
//! revocation epoch, or deleted), kept in memory so that the hot path needs
//! no database read. Exact, because on SQLite this process is the only
//! writer of identities (one server per database; the administrative
//! commands never touch them): every revoke and delete goes through
//! [`TokenStates::forget`] on the writer thread once committed and before
//! it is answered, whether or not its caller still waits.
//!
//! A read that misses remembers its shard's generation, reads the
//! database, and keeps what it read only if no write forgot anything in
//! that shard meanwhile: a value read before a commit can never be kept
//! after the write that made it stale has been answered.

use crate::domain::IdentityId;
use crate::storage::TokenState;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard};

const SHARDS: usize = 16;
/// Identities kept per shard: 65,536 in all, about 4 MB.
const PER_SHARD: usize = 4096;

pub struct TokenStates {
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Default)]
struct Shard {
    /// Raised by every forget.
    generation: u64,
    states: HashMap<IdentityId, TokenState>,
}

/// Where a miss stood: pass it back to [`TokenStates::keep`].
#[derive(Debug, Clone, Copy)]
pub struct Miss {
    shard: usize,
    generation: u64,
}

impl Default for TokenStates {
    fn default() -> Self {
        TokenStates {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl TokenStates {
    fn shard(&self, id: &IdentityId) -> (usize, MutexGuard<'_, Shard>) {
        let at = self.hasher.hash_one(id) as usize % SHARDS;
        let guard = self.shards[at].lock().unwrap_or_else(|p| p.into_inner());
        (at, guard)
    }

    /// The state kept for `id`, or where the miss stood.
    pub fn get(&self, id: IdentityId) -> Result<TokenState, Miss> {
        let (shard, guard) = self.shard(&id);
        guard.states.get(&id).copied().ok_or(Miss {
            shard,
            generation: guard.generation,
        })
    }

    /// Keeps what a read after `miss` found, unless a write came between.
    pub fn keep(&self, id: IdentityId, state: TokenState, miss: Miss) {
        let (shard, mut guard) = self.shard(&id);
        if shard != miss.shard || guard.generation != miss.generation {
            return;
        }
        if guard.states.len() >= PER_SHARD && !guard.states.contains_key(&id) {
            // Full: make room by dropping an arbitrary identity (the first
            // the table yields); a dropped one is read again when next used.
            if let Some(victim) = guard.states.keys().next().copied() {
                guard.states.remove(&victim);
            }
        }
        guard.states.insert(id, state);
    }

    /// Forgets `id` after a write to it; reads in flight keep nothing.
    pub fn forget(&self, id: IdentityId) {
        let (_, mut guard) = self.shard(&id);
        guard.generation += 1;
        guard.states.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ResourceId, RevocationEpoch};

    fn live(epoch: i64) -> TokenState {
        TokenState::Live(RevocationEpoch::from_i64(epoch))
    }

    #[test]
    fn a_kept_state_is_served_until_a_write_forgets_it() {
        let states = TokenStates::default();
        let id = IdentityId::generate(ResourceId::generate());
        let miss = states.get(id).unwrap_err();
        states.keep(id, live(0), miss);
        assert_eq!(states.get(id).unwrap(), live(0));
        states.forget(id);
        assert!(states.get(id).is_err());
    }

    #[test]
    fn a_read_that_a_write_overtook_is_not_kept() {
        let states = TokenStates::default();
        let id = IdentityId::generate(ResourceId::generate());
        let miss = states.get(id).unwrap_err();
        // The database said epoch 0, then a revoke committed and forgot.
        states.forget(id);
        states.keep(id, live(0), miss);
        assert!(states.get(id).is_err(), "the stale epoch was kept");
    }

    #[test]
    fn the_cache_stays_within_its_bound() {
        let states = TokenStates::default();
        let resource = ResourceId::generate();
        for _ in 0..(SHARDS * PER_SHARD * 2) {
            let id = IdentityId::generate(resource);
            let miss = states.get(id).unwrap_err();
            states.keep(id, live(0), miss);
        }
        let kept: usize = states
            .shards
            .iter()
            .map(|s| s.lock().unwrap().states.len())
            .sum();
        assert!(kept <= SHARDS * PER_SHARD, "{kept}");
        assert!(kept >= SHARDS * PER_SHARD / 2, "{kept}");
    }
}
