//! Listing and counting identities on SQLite: range scans of the primary
//! key (see `storage/listing.rs`), on a reader connection.

use super::rows;
use crate::domain::{ListFilter, Order, ResourceId};
use crate::storage::listing;
use crate::storage::rows::IdentityColumns;
use crate::storage::{IdentityPage, ListQuery, StoreError};
use rusqlite::{Connection, params};

pub fn list(c: &Connection, query: &ListQuery) -> rusqlite::Result<Vec<IdentityColumns>> {
    if let Some(custom_id) = &query.filter.custom_id {
        return c
            .prepare_cached(rows::IDENTITY_BY_CUSTOM_ID)?
            .query_map(
                params![query.resource.to_string(), custom_id.as_str()],
                rows::identity_row,
            )?
            .collect();
    }
    let (low, high) = listing::bounds(query);
    let sql = match query.order {
        Order::OldestFirst => {
            "SELECT id, custom_id, created_at, last_token_issued_at, revocation_epoch, deleted_at
             FROM identities WHERE id > ?1 AND id < ?2 ORDER BY id LIMIT ?3"
        }
        Order::NewestFirst => {
            "SELECT id, custom_id, created_at, last_token_issued_at, revocation_epoch, deleted_at
             FROM identities WHERE id > ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
        }
    };
    c.prepare_cached(sql)?
        .query_map(
            params![low, high, listing::fetch_size(query) as i64],
            rows::identity_row,
        )?
        .collect()
}

pub fn page(query: &ListQuery, rows: Vec<IdentityColumns>) -> Result<IdentityPage, StoreError> {
    let records = rows
        .into_iter()
        .map(crate::storage::rows::identity)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(listing::page(query, records))
}

/// The count: the maintained counter without filters, else a count of the
/// range with the filters in SQL (the same rules as `ListFilter::admits`).
pub fn count(c: &Connection, resource: ResourceId, filter: &ListFilter) -> rusqlite::Result<u64> {
    if filter.is_empty() {
        let live: Option<i64> = c
            .prepare_cached("SELECT live FROM identity_counts WHERE resource_id = ?1")?
            .query_row([resource.to_string()], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        return Ok(live.unwrap_or(0).max(0) as u64);
    }
    let query = ListQuery {
        resource,
        filter: filter.clone(),
        order: Order::OldestFirst,
        after: None,
        limit: 1,
    };
    if filter.custom_id.is_some() {
        // At most one identity has it: the unique index finds it.
        let rows = list(c, &query)?;
        return Ok(page(&query, rows)
            .map(|p| p.items.len() as u64)
            .unwrap_or(0));
    }
    let (low, high) = listing::bounds(&query);
    let micros = |t: Option<crate::domain::Timestamp>| t.map(|t| t.micros());
    let n: i64 = c
        .prepare_cached(
            "SELECT count(*) FROM identities
         WHERE id > ?1 AND id < ?2 AND deleted_at IS NULL
           AND (?3 IS NULL OR created_at > ?3)
           AND (?4 IS NULL OR created_at < ?4)
           AND (?5 IS NULL OR coalesce(last_token_issued_at, created_at) < ?5)",
        )?
        .query_row(
            params![
                low,
                high,
                micros(filter.created_after),
                micros(filter.created_before),
                micros(filter.last_token_issued_before),
            ],
            |r| r.get(0),
        )?;
    Ok(n.max(0) as u64)
}
