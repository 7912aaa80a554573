//! Listing and counting identities on PostgreSQL: range scans of the
//! primary key, or with a custom id prefix of the `(resource_id,
//! custom_id)` index; both columns have the `"C"` collation, which makes
//! text order byte order (see `storage/listing.rs`).

use super::{IDENTITY_COLUMNS, PostgresStore, identity_columns};
use crate::domain::{ListFilter, Order, ResourceId};
use crate::storage::listing::CustomIdRange;
use crate::storage::{IdentityPage, ListQuery, StoreError, listing, rows};

/// The conditions of a custom id range, on parameters 2 (low) and 3
/// (high): the custom id index's range, for any `resource_id = $1`. The
/// collation is stated, so that the range is a byte range whatever the
/// column's; the index can serve it only because it is the index's too.
fn range_sql(range: &CustomIdRange) -> String {
    let low = if range.low_inclusive { ">=" } else { ">" };
    match range.high {
        Some(_) => format!("custom_id {low} $2 COLLATE \"C\" AND custom_id < $3 COLLATE \"C\""),
        None => format!("custom_id {low} $2 COLLATE \"C\" AND $3::TEXT IS NULL"),
    }
}

/// A page by custom id prefix: `$1` resource, `$2`/`$3` the range, `$4` the limit.
fn prefix_page_sql(range: &CustomIdRange, order: Order) -> String {
    let direction = match order {
        Order::OldestFirst => "ASC",
        Order::NewestFirst => "DESC",
    };
    format!(
        "SELECT {IDENTITY_COLUMNS} FROM identities
         WHERE resource_id = $1 AND {} ORDER BY custom_id COLLATE \"C\" {direction} LIMIT $4",
        range_sql(range)
    )
}

/// A count by custom id prefix: `$1` resource, `$2`/`$3` the range, `$4`..`$6`
/// the time filters. A custom id is only ever on a live identity.
fn prefix_count_sql(range: &CustomIdRange) -> String {
    format!(
        "SELECT count(*) FROM identities WHERE resource_id = $1 AND {}{TIME_CONDITIONS}",
        range_sql(range)
    )
}

/// The time filters, on parameters 4 to 6 (the rules of `ListFilter::admits`).
const TIME_CONDITIONS: &str = "
               AND ($4::BIGINT IS NULL OR created_at > $4)
               AND ($5::BIGINT IS NULL OR created_at < $5)
               AND ($6::BIGINT IS NULL OR coalesce(last_token_issued_at, created_at) < $6)";

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
    } else if let Some(range) = listing::custom_id_range(query) {
        store
            .query(
                &prefix_page_sql(&range, query.order),
                &[
                    &query.resource.to_string(),
                    &range.low,
                    &range.high,
                    &(listing::fetch_size(query) as i64),
                ],
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
    let micros = |t: Option<crate::domain::Timestamp>| t.map(|t| t.micros());
    if let Some(range) = listing::custom_id_range(&query) {
        let rows = store
            .query(
                &prefix_count_sql(&range),
                &[
                    &resource.to_string(),
                    &range.low,
                    &range.high,
                    &micros(filter.created_after),
                    &micros(filter.created_before),
                    &micros(filter.last_token_issued_before),
                ],
            )
            .await?;
        let n: i64 = rows.first().map(|r| r.get(0)).unwrap_or(0);
        return Ok(n.max(0) as u64);
    }
    let (low, high) = listing::bounds(&query);
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

#[cfg(test)]
mod tests {
    //! The plans PostgreSQL makes for the queries by prefix, on a schema of
    //! their own in `COMMID_TEST_POSTGRES_URL` (skipped without it, unless
    //! `COMMID_REQUIRE_POSTGRES=1`). Sequential scans are priced out, so a
    //! plan without the index means the index cannot serve the query (a
    //! collation other than the index's, say), not that a tiny table is
    //! cheaper to read whole.

    use super::*;
    use crate::domain::Secret;
    use crate::storage::postgres::PgOptions;
    use std::time::Duration;
    use tokio_postgres::types::ToSql;

    async fn explain(store: &PostgresStore, sql: &str, params: &[&(dyn ToSql + Sync)]) -> String {
        let mut client = store.client().await.unwrap();
        let tx = client.transaction().await.unwrap();
        tx.batch_execute("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
        let rows = tx.query(&format!("EXPLAIN {sql}"), params).await.unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        tx.rollback().await.unwrap();
        plan.join("\n")
    }

    #[tokio::test]
    async fn pages_and_counts_by_prefix_are_ranges_of_the_custom_id_index() {
        let Ok(base) = std::env::var("COMMID_TEST_POSTGRES_URL") else {
            assert_ne!(
                std::env::var("COMMID_REQUIRE_POSTGRES").as_deref(),
                Ok("1"),
                "COMMID_REQUIRE_POSTGRES=1 but COMMID_TEST_POSTGRES_URL is not set"
            );
            return;
        };
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let (admin, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let options = PgOptions {
            url: Secret::new(format!(
                "{base}{separator}options=-c%20search_path%3D{schema}"
            )),
            pool_size: 1,
            timeout: Duration::from_secs(5),
        };
        let store = PostgresStore::connect(&options).await.unwrap();
        let none: Option<i64> = None;
        let mut plans = Vec::new();
        for range in listing::sample_ranges() {
            for order in [Order::OldestFirst, Order::NewestFirst] {
                let sql = prefix_page_sql(&range, order);
                let params: [&(dyn ToSql + Sync); 4] = [&"r", &range.low, &range.high, &101i64];
                plans.push(explain(&store, &sql, &params).await);
            }
            let sql = prefix_count_sql(&range);
            let params: [&(dyn ToSql + Sync); 6] =
                [&"r", &range.low, &range.high, &none, &none, &none];
            plans.push(explain(&store, &sql, &params).await);
        }
        drop(store);
        admin
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .unwrap();
        for plan in plans {
            assert!(plan.contains("using identities_by_custom_id"), "{plan}");
            assert!(
                plan.lines()
                    .any(|l| l.contains("Index Cond") && l.contains("custom_id >")),
                "the range is the index's: {plan}"
            );
            assert!(!plan.contains("Sort"), "in the index's order: {plan}");
        }
    }
}
