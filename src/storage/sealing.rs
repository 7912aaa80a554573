//! Secrets at rest in the store: which columns are sealed with the
//! [`Vault`], and the work on all of them at once. `rows.rs` seals and opens
//! each value as rows are written and read; here, [`census`] reads every
//! sealed value (what `serve` checks at start and `commid secrets status`
//! shows) and [`reseal`] seals plaintext values (`serve`, at start) or
//! moves every value under the first key (`commid secrets rotate`).
//!
//! To seal a new column: declare a [`SealedColumn`], add it to [`COLUMNS`],
//! and seal and open it in `rows.rs` with `vault.seal(COLUMN.at(row), …)`
//! and `vault.open(COLUMN.at(row), …)`.

use super::{Store, StoreError};
use crate::domain::Secret;
use crate::vault::{KeyId, Place, Stored, Vault, VaultError, inspect};
use std::collections::{BTreeMap, BTreeSet};

/// A column whose values are sealed, and the column that keys its rows.
#[derive(Debug, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    /// The row's key, part of each value's associated data.
    pub key: &'static str,
    /// Only the row with this key (in a table of settings); `None`: every row.
    pub only: Option<&'static str>,
}

pub const RESOURCE_PRIMARY_KEY: SealedColumn = SealedColumn {
    table: "resources",
    column: "primary_key",
    key: "id",
    only: None,
};
pub const RESOURCE_SECONDARY_KEY: SealedColumn = SealedColumn {
    table: "resources",
    column: "secondary_key",
    key: "id",
    only: None,
};
pub const SIGNING_KEY_PEM: SealedColumn = SealedColumn {
    table: "signing_keys",
    column: "private_key_pem",
    key: "kid",
    only: None,
};
pub const PAGING_SECRET: SealedColumn = SealedColumn {
    table: "commid_settings",
    column: "value",
    key: "name",
    only: Some("paging_secret"),
};

/// The secret a webhook subscription's deliveries are signed with.
pub const SUBSCRIPTION_SECRET: SealedColumn = SealedColumn {
    table: "webhook_subscriptions",
    column: "secret",
    key: "id",
    only: None,
};

/// Every sealed column: what the census reads and rotation reseals.
pub const COLUMNS: &[&SealedColumn] = &[
    &RESOURCE_PRIMARY_KEY,
    &RESOURCE_SECONDARY_KEY,
    &SIGNING_KEY_PEM,
    &PAGING_SECRET,
    &SUBSCRIPTION_SECRET,
];

impl SealedColumn {
    /// The place of this column's value in the row keyed `row`.
    pub fn at<'a>(&'static self, row: &'a str) -> Place<'a> {
        Place {
            table: self.table,
            column: self.column,
            row,
        }
    }

    /// `SELECT key, column FROM table`: every stored value of the column.
    pub fn select_sql(&self) -> String {
        let only = self
            .only
            .map(|row| format!(" WHERE {} = '{row}'", self.key))
            .unwrap_or_default();
        format!(
            "SELECT {}, {} FROM {}{only} ORDER BY {}",
            self.key, self.column, self.table, self.key
        )
    }

    /// Sets the value of row `?2` to `?1` if it is still `?3` (placeholders
    /// as the backend writes them).
    pub fn update_sql(&self, placeholder: fn(usize) -> String) -> String {
        format!(
            "UPDATE {} SET {} = {} WHERE {} = {} AND {} = {}",
            self.table,
            self.column,
            placeholder(1),
            self.key,
            placeholder(2),
            self.column,
            placeholder(3)
        )
    }
}

/// A sealed column's value in one row, as stored (sealed or plaintext).
#[derive(Debug, Clone)]
pub struct StoredValue {
    pub column: &'static SealedColumn,
    pub row: String,
    pub text: Secret,
}

impl StoredValue {
    pub fn place(&self) -> Place<'_> {
        self.column.at(&self.row)
    }
}

/// How the stored secrets are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    pub values: usize,
    pub plaintext: usize,
    /// Sealed values by the key that sealed them, configured or not.
    pub by_key: BTreeMap<KeyId, usize>,
    /// Keys that sealed values but are not configured.
    pub missing: BTreeSet<KeyId>,
    /// Values that do not open under their configured key, and why.
    pub unreadable: Vec<String>,
}

/// Why stored secrets cannot be used or resealed; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error(
        "the database holds secrets sealed with encryption key(s) {}, which are not configured \
         ({}): add each to encryption_keys (COMMID_ENCRYPTION_KEYS) or encryption_keys_file, \
         after the key that seals (`commid secrets status` shows the configured keys' ids)",
        ids(.missing),
        if .configured.is_empty() { "no key is configured".to_owned() } else { format!("configured: {}", ids(.configured)) }
    )]
    MissingKeys {
        missing: Vec<KeyId>,
        configured: Vec<KeyId>,
    },
    #[error("{} stored secret(s) cannot be opened; the first: {}", .0.len(), .0[0])]
    Unreadable(Vec<String>),
    #[error(
        "no encryption key is configured: set encryption_keys (COMMID_ENCRYPTION_KEYS) or \
         encryption_keys_file, the new key first; {}",
        crate::vault::HOW_TO_MAKE_ONE
    )]
    NoKey,
    #[error("cannot seal {0}")]
    Seal(String, #[source] VaultError),
    #[error("the stored secrets kept changing while they were resealed: run it again")]
    KeptChanging,
    #[error("cannot read or write the stored secrets")]
    Store(#[from] StoreError),
}

fn ids(keys: &[KeyId]) -> String {
    keys.iter()
        .map(KeyId::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Census {
    /// Fails unless every value opens with the configured keys.
    pub fn check(&self, vault: &Vault) -> Result<(), SealingError> {
        if !self.missing.is_empty() {
            return Err(SealingError::MissingKeys {
                missing: self.missing.iter().copied().collect(),
                configured: vault.key_ids(),
            });
        }
        if !self.unreadable.is_empty() {
            return Err(SealingError::Unreadable(self.unreadable.clone()));
        }
        Ok(())
    }

    /// Values sealed under a key other than `vault`'s first.
    pub fn under_older_keys(&self, vault: &Vault) -> usize {
        self.by_key
            .iter()
            .filter(|(key, _)| Some(**key) != vault.sealing_key())
            .map(|(_, n)| n)
            .sum()
    }
}

/// Reads every stored secret and tries to open it with `vault`.
pub async fn census(store: &dyn Store, vault: &Vault) -> Result<Census, StoreError> {
    let mut census = Census::default();
    for value in store.sealed_values().await? {
        census.values += 1;
        let opened = vault.open(value.place(), value.text.expose());
        match inspect(value.text.expose()) {
            Ok(Stored::Plaintext) => census.plaintext += 1,
            Ok(Stored::Sealed(key)) => *census.by_key.entry(key).or_default() += 1,
            Err(_) => {}
        }
        match opened {
            Ok(_) => {}
            Err(VaultError::MissingKey { key, .. }) => {
                census.missing.insert(key);
            }
            Err(e) => census.unreadable.push(format!("{}: {e}", value.place())),
        }
    }
    Ok(census)
}

/// Which values [`reseal`] seals again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reseal {
    /// Those stored in plaintext (`serve`, at start).
    Plaintext,
    /// Every value not sealed under the first key (`commid secrets rotate`).
    NotUnderFirstKey,
}

/// How many rounds [`reseal`] makes when writers change values under it.
const ROUNDS: usize = 5;

/// Seals the values `which` names under `vault`'s first key, one at a time,
/// each replaced only if it still holds what was read: safe while servers
/// and commands write, and every value stays readable by a server that has
/// both the old and the new key throughout. Says how many it sealed.
pub async fn reseal(
    store: &dyn Store,
    vault: &Vault,
    which: Reseal,
) -> Result<usize, SealingError> {
    if vault.sealing_key().is_none() {
        return Err(SealingError::NoKey);
    }
    let mut sealed = 0;
    for _ in 0..ROUNDS {
        let mut raced = false;
        for value in store.sealed_values().await? {
            let text = value.text.expose();
            let due = match which {
                Reseal::Plaintext => inspect(text) == Ok(Stored::Plaintext),
                Reseal::NotUnderFirstKey => !vault.is_current(text),
            };
            if !due {
                continue;
            }
            let place = value.place();
            let plaintext = vault
                .open(place, text)
                .map_err(|e| SealingError::Unreadable(vec![format!("{place}: {e}")]))?;
            let again = vault
                .seal(place, plaintext.expose())
                .map_err(|e| SealingError::Seal(place.to_string(), e))?;
            if store.replace_sealed(&value, again).await? {
                sealed += 1;
            } else {
                raced = true;
            }
        }
        if !raced {
            return Ok(sealed);
        }
    }
    Err(SealingError::KeptChanging)
}
