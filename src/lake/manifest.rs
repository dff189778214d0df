//! A table version: the list of immutable Parquet files that make the table at that version.
//!
//! Commit protocol: data files are written first under `<table>/data/`, then the manifest of the
//! next version is created at `<table>/_log/<version>.json` with a create-if-absent put. That put
//! is the commit: until it succeeds no reader sees the new files, and if two writers race for the
//! same version exactly one wins. The previous manifest (and its files) stay readable.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Format tag written in every manifest, so a future layout change can be detected.
pub const MANIFEST_FORMAT: &str = "amigo-table/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u64,
    /// What produced this version: create, replace, insert, overwrite, delete, update, drop.
    pub operation: String,
    pub committed_at: DateTime<Utc>,
    /// A dropped table keeps its history; its last version is a tombstone with no files.
    #[serde(default)]
    pub dropped: bool,
    /// Data files, relative to the table directory. Never empty for a live table: an empty
    /// table has one file with no rows, so its schema is always known.
    pub files: Vec<DataFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
}

impl Manifest {
    pub fn new(version: u64, operation: &str, files: Vec<DataFile>) -> Self {
        Self {
            format: MANIFEST_FORMAT.to_string(),
            version,
            operation: operation.to_string(),
            committed_at: Utc::now(),
            dropped: false,
            files,
        }
    }

    pub fn rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }
}

/// Object name of a version's manifest inside `_log/`: zero-padded so names sort by version.
pub fn log_file_name(version: u64) -> String {
    format!("{version:020}.json")
}

/// Parses a `_log/` object name back to its version; other names are not manifests.
pub fn parse_log_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".json")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names_round_trip_and_sort_by_version() {
        assert_eq!(parse_log_file_name(&log_file_name(42)), Some(42));
        assert!(log_file_name(9) < log_file_name(10));
        assert_eq!(parse_log_file_name("00000000000000000001.json.tmp"), None);
        assert_eq!(parse_log_file_name("1.json"), None);
    }

    #[test]
    fn manifest_round_trips_through_json() {
        let m = Manifest::new(
            3,
            "insert",
            vec![DataFile {
                path: "data/a.parquet".into(),
                rows: 10,
                bytes: 100,
            }],
        );
        let text = serde_json::to_string(&m).expect("serialize");
        let back: Manifest = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, m);
        assert_eq!(back.rows(), 10);
    }
}
