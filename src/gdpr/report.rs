//! Access and portability bundles: what the lake holds about one person.
//!
//! Both are built from named sections, each one SQL query over the lake (a section whose
//! tables the lake does not have is left out). The access report also lists, for every other
//! table, the rows that mention the person (found by [`PersonMatcher`], the same test erasure
//! uses), so nothing held is missing from it. Formats are documented in README.md
//! ("GDPR bundles"); `format` in the JSON says which version a reader gets.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::RecordBatch;
use serde_json::{Map, Value, json};

use super::matcher::PersonMatcher;
use super::sql::{collect, lit, table_exists};
use super::subject::Subject;
use crate::lake::TableName;
use crate::session::AmigoSession;

pub const ACCESS_FORMAT: &str = "amigo-gdpr-access/1";
pub const PORTABILITY_FORMAT: &str = "amigo-gdpr-portability/1";

/// One part of a bundle: a name (also the CSV file name), a title, the tables it reads and
/// its query.
struct Section {
    name: &'static str,
    title: &'static str,
    tables: &'static [&'static str],
    sql: String,
    /// Part of the portability bundle (data the person provided or generated).
    portable: bool,
}

fn sections(subject: &Subject) -> Vec<Section> {
    let id = lit(&subject.unified_id);
    let records = subject.owns_record("source_id");
    let customer_records = subject.owns_record("customer_source_id");
    vec![
        Section {
            name: "golden_record",
            title: "Golden record (with the provenance of each field)",
            tables: &["unified.customers"],
            sql: format!("SELECT * FROM unified.customers WHERE unified_id = {id}"),
            portable: true,
        },
        Section {
            name: "source_records",
            title: "Source records",
            tables: &["raw.customer_records"],
            sql: format!(
                "SELECT * FROM raw.customer_records WHERE {records} ORDER BY source_system, source_id"
            ),
            portable: true,
        },
        Section {
            name: "record_links",
            title: "How the source records were linked",
            tables: &["unified.customer_links"],
            sql: format!(
                "SELECT * FROM unified.customer_links WHERE unified_id = {id} ORDER BY record_id"
            ),
            portable: false,
        },
        Section {
            name: "orders",
            title: "Orders",
            tables: &["raw.orders"],
            sql: format!(
                "SELECT * FROM raw.orders WHERE {customer_records} ORDER BY ordered_at, order_id"
            ),
            portable: true,
        },
        Section {
            name: "order_lines",
            title: "Order lines",
            tables: &["raw.orders", "raw.order_lines"],
            sql: format!(
                "SELECT l.* FROM raw.order_lines l
                 JOIN raw.orders o ON o.source_system = l.source_system AND o.order_id = l.order_id
                 WHERE o.source_system || ':' || o.customer_source_id IN
                       (SELECT source_system || ':' || source_id FROM raw.customer_records WHERE {records})
                 ORDER BY l.source_system, l.order_id, l.line_number"
            ),
            portable: true,
        },
        Section {
            name: "consent_state",
            title: "Consents in force",
            tables: &["unified.consent_state"],
            sql: format!(
                "SELECT * FROM unified.consent_state WHERE unified_id = {id} ORDER BY channel, purpose"
            ),
            portable: true,
        },
        Section {
            name: "consent_history",
            title: "Consent history",
            tables: &["raw.consent_events"],
            sql: format!(
                "SELECT * FROM raw.consent_events WHERE {customer_records} ORDER BY recorded_at, event_id"
            ),
            portable: true,
        },
        Section {
            name: "interactions",
            title: "Interactions",
            tables: &["raw.interactions"],
            sql: format!(
                "SELECT * FROM raw.interactions WHERE {customer_records} ORDER BY occurred_at, interaction_id"
            ),
            portable: true,
        },
        Section {
            name: "merge_history",
            title: "Merges and splits of their unified id",
            tables: &["unified.merge_log"],
            sql: format!(
                "SELECT * FROM unified.merge_log WHERE from_id = {id} OR into_id = {id} ORDER BY logged_at"
            ),
            portable: false,
        },
        Section {
            name: "exports",
            title: "Audience exports they were in (sent to marketing tools)",
            tables: &["marketing.export_snapshots", "marketing.exports"],
            sql: format!(
                "SELECT x.exported_at, x.segment, x.channel, x.destination, x.exported_by, x.export_id
                 FROM marketing.export_snapshots s
                 JOIN marketing.exports x ON x.export_id = s.export_id
                 WHERE s.unified_id = {id} ORDER BY x.exported_at, x.export_id"
            ),
            portable: false,
        },
        Section {
            name: "corrections",
            title: "Corrections (rectifications)",
            tables: &["unified.overrides"],
            sql: format!(
                "SELECT * FROM unified.overrides WHERE unified_id = {id} ORDER BY overridden_at"
            ),
            portable: false,
        },
        Section {
            name: "requests",
            title: "Their GDPR requests",
            tables: &["unified.gdpr_requests"],
            sql: format!(
                "SELECT request_id, kind, requested_at, status, approved_at, executed_at
                 FROM unified.gdpr_requests WHERE unified_id = {id} ORDER BY requested_at"
            ),
            portable: false,
        },
    ]
}

/// A built bundle: JSON, and each section's rows for CSV.
pub struct Bundle {
    pub json: Value,
    pub markdown: String,
    csv: Vec<(String, Vec<RecordBatch>)>,
}

/// Builds the access report (`portable = false`) or the portability bundle (`true`).
pub async fn build(
    session: &AmigoSession,
    request_id: &str,
    subject: &Subject,
    matcher: &PersonMatcher,
    portable: bool,
) -> Result<Bundle, String> {
    let format = if portable {
        PORTABILITY_FORMAT
    } else {
        ACCESS_FORMAT
    };
    let generated_at = chrono::Utc::now().to_rfc3339();
    let mut json_sections = Map::new();
    let mut markdown = format!(
        "# {} report for customer {}\n\nRequest {request_id}, generated {generated_at} \
         (format {format}).\n\nSource records: {}.\n",
        if portable { "Portability" } else { "Access" },
        subject.unified_id,
        subject.record_ids.join(", ")
    );
    let mut csv = Vec::new();
    let mut covered: Vec<&str> = Vec::new();
    for section in sections(subject) {
        if portable && !section.portable {
            continue;
        }
        covered.extend(section.tables.iter().copied());
        if !section.tables.iter().all(|t| table_exists(session, t)) {
            continue;
        }
        let batches = collect(session, &section.sql)
            .await
            .map_err(|e| format!("section {}: {e}", section.name))?;
        json_sections.insert(section.name.to_string(), rows_json(&batches)?);
        markdown.push_str(&markdown_section(section.title, &batches)?);
        csv.push((section.name.to_string(), batches));
    }
    let mut bundle = Map::new();
    bundle.insert("format".into(), json!(format));
    bundle.insert("request_id".into(), json!(request_id));
    bundle.insert("generated_at".into(), json!(generated_at));
    bundle.insert("unified_id".into(), json!(subject.unified_id));
    bundle.insert("source_records".into(), json!(subject.record_ids));
    bundle.insert("sections".into(), Value::Object(json_sections));
    if !portable {
        let elsewhere = other_tables(session, matcher, &covered).await?;
        let mut other = Map::new();
        if !elsewhere.is_empty() {
            markdown.push_str("\n## Other tables that mention them\n");
        }
        for (table, batches) in elsewhere {
            markdown.push_str(&markdown_section(&table, &batches)?);
            other.insert(table, rows_json(&batches)?);
        }
        bundle.insert("other_tables".into(), Value::Object(other));
    }
    Ok(Bundle {
        json: Value::Object(bundle),
        markdown,
        csv,
    })
}

impl Bundle {
    /// Writes `<stem>.json`, `<stem>.md`, and with `csv` one `<stem>/<section>.csv` each.
    pub fn write(&self, dir: &Path, stem: &str, csv: bool) -> Result<Vec<String>, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let mut written = Vec::new();
        let json_path = dir.join(format!("{stem}.json"));
        let text = serde_json::to_string_pretty(&self.json).map_err(|e| e.to_string())?;
        write_file(&json_path, text.as_bytes())?;
        written.push(json_path.display().to_string());
        let md_path = dir.join(format!("{stem}.md"));
        write_file(&md_path, self.markdown.as_bytes())?;
        written.push(md_path.display().to_string());
        if csv {
            let csv_dir = dir.join(stem);
            std::fs::create_dir_all(&csv_dir)
                .map_err(|e| format!("creating {}: {e}", csv_dir.display()))?;
            for (name, batches) in &self.csv {
                let path = csv_dir.join(format!("{name}.csv"));
                let mut bytes = Vec::new();
                {
                    let mut writer = arrow::csv::WriterBuilder::new()
                        .with_header(true)
                        .build(&mut bytes);
                    for batch in batches {
                        writer
                            .write(&csv_ready(batch)?)
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                    }
                }
                write_file(&path, &bytes)?;
                written.push(path.display().to_string());
            }
        }
        Ok(written)
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// CSV has no nested values: struct and list columns become their JSON text.
fn csv_ready(batch: &RecordBatch) -> Result<RecordBatch, String> {
    use arrow::array::{ArrayRef, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if field.data_type().is_nested() {
            let single = RecordBatch::try_new(
                Arc::new(Schema::new(vec![field.as_ref().clone()])),
                vec![column.clone()],
            )
            .map_err(|e| e.to_string())?;
            let rows = rows_json(&[single])?;
            let texts: Vec<Option<String>> = rows
                .as_array()
                .map(|rows| {
                    rows.iter()
                        .map(|row| row.get(field.name()).map(Value::to_string))
                        .collect()
                })
                .unwrap_or_default();
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(Arc::new(StringArray::from(texts)));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
}

/// Rows as a JSON array of objects (column name → value; NULLs included as null).
fn rows_json(batches: &[RecordBatch]) -> Result<Value, String> {
    let mut bytes = Vec::new();
    {
        let builder = arrow::json::WriterBuilder::new().with_explicit_nulls(true);
        let mut writer = builder.build::<_, arrow::json::writer::JsonArray>(&mut bytes);
        for batch in batches {
            writer.write(batch).map_err(|e| e.to_string())?;
        }
        writer.finish().map_err(|e| e.to_string())?;
    }
    if bytes.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

fn markdown_section(title: &str, batches: &[RecordBatch]) -> Result<String, String> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut out = format!("\n## {title}\n\n");
    if rows == 0 {
        out.push_str("None.\n");
        return Ok(out);
    }
    let table = arrow::util::pretty::pretty_format_batches(batches).map_err(|e| e.to_string())?;
    out.push_str(&format!("{rows} row(s).\n\n```text\n{table}\n```\n"));
    Ok(out)
}

/// Rows mentioning the person in every current table not covered by a section.
async fn other_tables(
    session: &AmigoSession,
    matcher: &PersonMatcher,
    covered: &[&str],
) -> Result<BTreeMap<String, Vec<RecordBatch>>, String> {
    let lake = session.lake();
    let contents = lake.contents().await.map_err(|e| e.to_string())?;
    let mut found = BTreeMap::new();
    for (schema, tables) in &contents.tables {
        for table in tables.keys() {
            let name = TableName::new(schema, table);
            let qualified = name.to_string();
            if covered.contains(&qualified.as_str()) {
                continue;
            }
            let Some(manifest) = lake
                .current_manifest(&name)
                .await
                .map_err(|e| e.to_string())?
            else {
                continue;
            };
            let mut rows = Vec::new();
            for file in &manifest.files {
                for batch in lake
                    .read_data_file(&name, file)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    let mine = matcher.keep_rows(&batch)?;
                    if mine.num_rows() > 0 {
                        rows.push(mine);
                    }
                }
            }
            if !rows.is_empty() {
                found.insert(qualified, rows);
            }
        }
    }
    Ok(found)
}
