//! Listing and counting identities on SQLite: range scans of the primary
//! key, or with a custom id prefix of the `(resource_id, custom_id)` index,
//! whose `BINARY` collation is the byte order the range assumes (see
//! `storage/listing.rs`), on a reader connection.

use super::rows;
use crate::domain::{ListFilter, Order, ResourceId};
use crate::storage::listing::{self, CustomIdRange};
use crate::storage::rows::IdentityColumns;
use crate::storage::{IdentityPage, ListQuery, StoreError};
use rusqlite::types::ToSql;
use rusqlite::{Connection, params};

/// The conditions of a custom id range, on parameters 2 (low) and 3
/// (high): the custom id index's range, for any `resource_id = ?1`.
fn range_sql(range: &CustomIdRange) -> String {
    let low = if range.low_inclusive { ">=" } else { ">" };
    match range.high {
        Some(_) => format!("custom_id {low} ?2 AND custom_id < ?3"),
        None => format!("custom_id {low} ?2 AND ?3 IS NULL"),
    }
}

/// A page by custom id prefix: `?1` resource, `?2`/`?3` the range, `?4` the limit.
pub(super) fn prefix_page_sql(range: &CustomIdRange, order: Order) -> String {
    let direction = match order {
        Order::OldestFirst => "",
        Order::NewestFirst => " DESC",
    };
    format!(
        "SELECT id, custom_id, created_at, last_token_issued_at, revocation_epoch, deleted_at
         FROM identities WHERE resource_id = ?1 AND {} ORDER BY custom_id{direction} LIMIT ?4",
        range_sql(range)
    )
}

/// A count by custom id prefix: `?1` resource, `?2`/`?3` the range, and
/// with time filters `?4`..`?6` as in [`count`]. A custom id is only ever
/// on a live identity, so without time filters the index alone answers.
pub(super) fn prefix_count_sql(range: &CustomIdRange, timed: bool) -> String {
    let times = if timed { TIME_CONDITIONS } else { "" };
    format!(
        "SELECT count(*) FROM identities WHERE resource_id = ?1 AND {}{times}",
        range_sql(range)
    )
}

/// The time filters, on parameters 4 to 6 (the rules of `ListFilter::admits`).
const TIME_CONDITIONS: &str = "
           AND (?4 IS NULL OR created_at > ?4)
           AND (?5 IS NULL OR created_at < ?5)
           AND (?6 IS NULL OR coalesce(last_token_issued_at, created_at) < ?6)";

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
    if let Some(range) = listing::custom_id_range(query) {
        return c
            .prepare_cached(&prefix_page_sql(&range, query.order))?
            .query_map(
                params![
                    query.resource.to_string(),
                    range.low,
                    range.high,
                    listing::fetch_size(query) as i64
                ],
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
    let micros = |t: Option<crate::domain::Timestamp>| t.map(|t| t.micros());
    let times = [
        micros(filter.created_after),
        micros(filter.created_before),
        micros(filter.last_token_issued_before),
    ];
    if let Some(range) = listing::custom_id_range(&query) {
        let timed = times.iter().any(Option::is_some);
        let resource = resource.to_string();
        let mut values: Vec<&dyn ToSql> = vec![&resource, &range.low, &range.high];
        if timed {
            values.extend(times.iter().map(|t| t as &dyn ToSql));
        }
        let n: i64 = c
            .prepare_cached(&prefix_count_sql(&range, timed))?
            .query_row(values.as_slice(), |r| r.get(0))?;
        return Ok(n.max(0) as u64);
    }
    let (low, high) = listing::bounds(&query);
    let n: i64 = c
        .prepare_cached(
            "SELECT count(*) FROM identities
         WHERE id > ?1 AND id < ?2 AND deleted_at IS NULL
           AND (?3 IS NULL OR created_at > ?3)
           AND (?4 IS NULL OR created_at < ?4)
           AND (?5 IS NULL OR coalesce(last_token_issued_at, created_at) < ?5)",
        )?
        .query_row(params![low, high, times[0], times[1], times[2]], |r| {
            r.get(0)
        })?;
    Ok(n.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::listing::sample_ranges as ranges;

    /// SQLite's plan for `sql`, one line per step.
    fn plan(sql: &str, values: &[&dyn ToSql]) -> String {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut c).unwrap();
        let mut statement = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps: Vec<String> = statement
            .query_map(values, |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        steps.join("\n")
    }

    #[test]
    fn a_page_by_prefix_is_a_range_of_the_custom_id_index_in_its_order() {
        for range in ranges() {
            for order in [Order::OldestFirst, Order::NewestFirst] {
                let sql = prefix_page_sql(&range, order);
                let steps = plan(&sql, &[&"r", &range.low, &range.high, &101]);
                assert!(
                    steps.contains(
                        "SEARCH identities USING INDEX identities_by_custom_id (resource_id=? AND custom_id>"
                    ),
                    "{steps}"
                );
                assert!(!steps.contains("B-TREE"), "no sort: {steps}");
            }
        }
    }

    #[test]
    fn a_count_by_prefix_reads_only_the_index_unless_times_are_filtered() {
        for range in ranges() {
            let sql = prefix_count_sql(&range, false);
            let covering = plan(&sql, &[&"r", &range.low, &range.high]);
            assert!(
                covering.contains("SEARCH identities USING COVERING INDEX identities_by_custom_id"),
                "{covering}"
            );
            let sql = prefix_count_sql(&range, true);
            let none: Option<i64> = None;
            let timed = plan(&sql, &[&"r", &range.low, &range.high, &none, &none, &none]);
            assert!(
                timed.contains("SEARCH identities USING INDEX identities_by_custom_id"),
                "{timed}"
            );
        }
    }
}
