//! Listing and counting identities on PostgreSQL: range scans of the
//! primary key, whose `"C"` collation makes text order byte order (see
//! `storage/listing.rs`).

use super::{IDENTITY_COLUMNS, PostgresStore, identity_columns};
use crate::domain::{ListFilter, Order, ResourceId};
use crate::storage::{IdentityPage, ListQuery, StoreError, listing, rows};

pub async fn list(store: &PostgresStore, query: &ListQuery) -> Result<IdentityPage, StoreError> {
    let found = if let Some(custom_id) = &query.filter.custom_id {
        store
            .query(
                &format!(
                    "SELECT {IDENTITY_COLUMNS} FROM identities WHERE resource_id = $1 AND custom_id = $2"
                ),
                &[&query.resource.to_string(), &custom_id.as_str()],
            )
            .await?
    } else {
        let (low, high) = listing::bounds(query);
        let direction = match query.order {
            Order::OldestFirst => "ASC",
            Order::NewestFirst => "DESC",
        };
        store
            .query(
                &format!(
                    "SELECT {IDENTITY_COLUMNS} FROM identities
                     WHERE id > $1 AND id < $2 ORDER BY id {direction} LIMIT $3"
                ),
                &[&low, &high, &(listing::fetch_size(query) as i64)],
            )
            .await?
    };
    let records = found
        .iter()
        .map(|r| rows::identity(identity_columns(r)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(listing::page(query, records))
}

/// The count: the sum of the counter's shards without filters, else a
/// count of the range with the filters in SQL (the rules of
/// `ListFilter::admits`).
pub async fn count(
    store: &PostgresStore,
    resource: ResourceId,
    filter: &ListFilter,
) -> Result<u64, StoreError> {
    if filter.is_empty() {
        let rows = store
            .query(
                "SELECT coalesce(sum(live), 0)::BIGINT FROM identity_counts WHERE resource_id = $1",
                &[&resource.to_string()],
            )
            .await?;
        let live: i64 = rows.first().map(|r| r.get(0)).unwrap_or(0);
        return Ok(live.max(0) as u64);
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
        return Ok(list(store, &query).await?.items.len() as u64);
    }
    let (low, high) = listing::bounds(&query);
    let micros = |t: Option<crate::domain::Timestamp>| t.map(|t| t.micros());
    let rows = store
        .query(
            "SELECT count(*) FROM identities
             WHERE id > $1 AND id < $2 AND deleted_at IS NULL
               AND ($3::BIGINT IS NULL OR created_at > $3)
               AND ($4::BIGINT IS NULL OR created_at < $4)
               AND ($5::BIGINT IS NULL OR coalesce(last_token_issued_at, created_at) < $5)",
            &[
                &low,
                &high,
                &micros(filter.created_after),
                &micros(filter.created_before),
                &micros(filter.last_token_issued_before),
            ],
        )
        .await?;
    let n: i64 = rows.first().map(|r| r.get(0)).unwrap_or(0);
    Ok(n.max(0) as u64)
}
