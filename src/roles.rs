//! The roles principals hold on the resources, in memory: read whole from
//! the store at start and again every few seconds (with the resources), so
//! a grant or revoke made on any instance, or by `commid access`, holds on
//! every instance within seconds; a principal refused for want of a role
//! makes a reload at once, at most once a second, so a new grant needs no
//! wait.

use crate::domain::{Principal, ResourceId, Role, RoleGrant};
use crate::storage::{RoleStore, StoreError};
use crate::throttle::Throttle;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Who holds what, by resource, then issuer and principal.
type Book = HashMap<ResourceId, HashMap<(String, Principal), BTreeSet<Role>>>;

pub struct RoleBook {
    book: RwLock<Arc<Book>>,
    misses: Throttle,
}

impl RoleBook {
    pub async fn load(store: &dyn RoleStore) -> Result<RoleBook, StoreError> {
        let book = RoleBook {
            book: RwLock::new(Arc::default()),
            misses: Throttle::just_permitted(Duration::from_secs(1)),
        };
        book.reload(store).await?;
        Ok(book)
    }

    pub async fn reload(&self, store: &dyn RoleStore) -> Result<(), StoreError> {
        let mut book = Book::new();
        for (resource, grant) in store.role_grants().await? {
            let RoleGrant {
                issuer,
                principal,
                role,
            } = grant;
            book.entry(resource)
                .or_default()
                .entry((issuer, principal))
                .or_default()
                .insert(role);
        }
        *self.book.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(book);
        Ok(())
    }

    /// Reloads unless one did within the last second; whether it did.
    pub async fn reload_throttled(&self, store: &dyn RoleStore) -> bool {
        if !self.misses.permit() {
            return false;
        }
        match self.reload(store).await {
            Ok(()) => true,
            Err(e) => {
                log::warn!("cannot reload the roles: {e}");
                false
            }
        }
    }

    /// The roles any of `principals` of `issuer` holds on `resource`.
    pub fn held(&self, resource: ResourceId, issuer: &str, principals: &[Principal]) -> Vec<Role> {
        let book = self.book.read().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(grants) = book.get(&resource) else {
            return Vec::new();
        };
        let mut held = BTreeSet::new();
        for principal in principals {
            // The key borrows nothing: a small clone per principal.
            if let Some(roles) = grants.get(&(issuer.to_owned(), principal.clone())) {
                held.extend(roles);
            }
        }
        held.into_iter().collect()
    }
}
