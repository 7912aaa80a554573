//! How `commid identity` prints a result: az's JSON field names, or az's
//! table layout for people.

use clap::ValueEnum;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Json,
    Table,
}

pub(super) enum Output {
    /// The JSON document, and the columns of the table.
    Record(Value, Vec<(&'static str, String)>),
    /// A JSON array, and one table row per item.
    Rows(Value, Vec<Vec<(&'static str, String)>>),
    /// No JSON (as az), a sentence for people.
    Nothing(String),
}

impl Output {
    pub(super) fn record(
        value: &impl serde::Serialize,
        columns: Vec<(&'static str, String)>,
    ) -> Self {
        Output::Record(
            serde_json::to_value(value).expect("JSON serializes"),
            columns,
        )
    }

    pub(super) fn print(self, format: Format) {
        match (self, format) {
            (Output::Record(json, _), Format::Json) => println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("JSON serializes")
            ),
            (Output::Record(_, columns), Format::Table) => print!("{}", table(&columns)),
            (Output::Rows(json, _), Format::Json) => println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("JSON serializes")
            ),
            (Output::Rows(_, rows), Format::Table) => print!("{}", rows_table(&rows)),
            (Output::Nothing(_), Format::Json) => {}
            (Output::Nothing(note), Format::Table) => println!("{note}"),
        }
    }
}

/// az's table layout for several rows: a header row, dashes, a line per
/// row; no rows, no output (as az).
pub(super) fn rows_table(rows: &[Vec<(&str, String)>]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let widths: Vec<usize> = first
        .iter()
        .enumerate()
        .map(|(i, (h, _))| {
            rows.iter()
                .map(|r| r[i].1.chars().count())
                .max()
                .unwrap_or(0)
                .max(h.chars().count())
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(first.iter().map(|(h, _)| h.to_string()).collect());
    out += &line(widths.iter().map(|w| "-".repeat(*w)).collect());
    for row in rows {
        out += &line(row.iter().map(|(_, v)| v.clone()).collect());
    }
    out
}

/// az's table layout: a header row, dashes, the values.
pub(super) fn table(columns: &[(&str, String)]) -> String {
    rows_table(&[columns.to_vec()])
}
