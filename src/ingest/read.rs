//! Reading input files into chunks of text values, one column per mapped source column.
//!
//! Rows that cannot be read as rows (wrong number of fields, undecodable bytes, a field over the
//! size limit, invalid JSON) are quarantined here with their line and reason; every other row
//! reaches the typed conversion with its values exactly as received (decoded to UTF-8).

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, StringArray, StringBuilder};
use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::{Map, Value};
use twox_hash::XxHash3_128;

use super::Quarantined;
use super::mapping::{EntityMapping, FileKind};

/// Rows per chunk: bounds memory on big files while keeping batches large.
pub const CHUNK_ROWS: usize = 128 * 1024;

/// One input file, local or on an object store.
pub struct InputFile {
    /// As shown to the user and recorded in the lake (path or URL).
    pub display: String,
    /// File name, matched against the entities' patterns.
    pub name: String,
    location: Location,
}

enum Location {
    Local(PathBuf),
    Store {
        store: Arc<dyn ObjectStore>,
        path: StorePath,
    },
}

impl InputFile {
    /// Opens the file for reading. An object is downloaded first (exports are files of a few
    /// GB at most, and a download can be retried where a half-read stream cannot).
    pub async fn open(&self) -> Result<Box<dyn Read + Send>, String> {
        match &self.location {
            Location::Local(path) => std::fs::File::open(path)
                .map(|f| Box::new(f) as Box<dyn Read + Send>)
                .map_err(|e| format!("cannot read {}: {e}", self.display)),
            Location::Store { store, path } => {
                let bytes = store
                    .get(path)
                    .await
                    .map_err(|e| format!("cannot read {}: {e}", self.display))?
                    .bytes()
                    .await
                    .map_err(|e| format!("cannot read {}: {e}", self.display))?;
                Ok(Box::new(std::io::Cursor::new(bytes)))
            }
        }
    }

    /// Size in bytes, for the progress bar, when cheap to know.
    pub fn size(&self) -> Option<u64> {
        match &self.location {
            Location::Local(path) => std::fs::metadata(path).ok().map(|m| m.len()),
            Location::Store { .. } => None,
        }
    }
}

/// The files named by a command-line argument: a file, a directory (its files, sorted by
/// name), or an `s3://` / `file://` URL of an object or a prefix.
pub async fn list_inputs(arg: &str) -> Result<Vec<InputFile>, String> {
    match arg.split_once("://") {
        Some(("s3", _)) => list_s3(arg).await,
        Some(("file", rest)) => list_local(rest),
        Some((scheme, _)) => Err(format!(
            "{arg}: {scheme}:// inputs are not supported (use a path, file:// or s3://)"
        )),
        None => list_local(arg),
    }
}

fn list_local(path: &str) -> Result<Vec<InputFile>, String> {
    let path = PathBuf::from(path);
    let file = |p: PathBuf| InputFile {
        display: p.display().to_string(),
        name: p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        location: Location::Local(p),
    };
    if path.is_file() {
        return Ok(vec![file(path)]);
    }
    if !path.is_dir() {
        return Err(format!("{}: no such file or directory", path.display()));
    }
    let mut paths = std::fs::read_dir(&path)
        .map_err(|e| format!("cannot list {}: {e}", path.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot list {}: {e}", path.display()))?;
    paths.retain(|p| p.is_file());
    paths.sort();
    Ok(paths.into_iter().map(file).collect())
}

async fn list_s3(arg: &str) -> Result<Vec<InputFile>, String> {
    let invalid = |e: String| format!("{arg}: {e}");
    let (store, url) = crate::lake::s3_store(arg).map_err(invalid)?;
    let bucket = url.host_str().unwrap_or_default().to_owned();
    let path = StorePath::from(url.path());
    let file = |path: StorePath| InputFile {
        display: format!("s3://{bucket}/{path}"),
        name: path.filename().unwrap_or_default().to_owned(),
        location: Location::Store {
            store: store.clone(),
            path,
        },
    };
    // An object, else a prefix.
    if !arg.ends_with('/') && store.head(&path).await.is_ok() {
        return Ok(vec![file(path)]);
    }
    let mut objects: Vec<StorePath> = store
        .list(Some(&path))
        .map_ok(|meta| meta.location)
        .try_collect()
        .await
        .map_err(|e| invalid(e.to_string()))?;
    if objects.is_empty() {
        return Err(invalid("no such object or prefix".to_owned()));
    }
    objects.sort();
    Ok(objects.into_iter().map(file).collect())
}

/// Values of one chunk of rows, as received (decoded to UTF-8).
pub struct RawChunk {
    /// Line of each row in its file (1-based; for CSV, the line the record starts on).
    pub lines: Vec<u64>,
    /// One array per mapped column that has a source, in mapping order (all null when the file
    /// lacks the column).
    pub columns: Vec<StringArray>,
    /// The row's fields that the mapping does not name, as a JSON object (null when none).
    pub extra: StringArray,
    /// Fingerprint of the row's values: equal for an unchanged record.
    pub row_hashes: Vec<u128>,
}

/// A reader of one file's rows, chunk by chunk.
pub struct RowReader<'m> {
    entity: &'m EntityMapping,
    file: String,
    inner: Inner,
    /// Mapped source columns missing from the file's header.
    pub missing_columns: Vec<String>,
    /// Data rows seen so far (read = loaded + updated + unchanged + quarantined).
    pub rows_read: u64,
    hasher_input: Vec<u8>,
}

enum Inner {
    Csv(CsvState),
    Jsonl(JsonlState),
    Empty,
}

struct CsvState {
    reader: csv::Reader<HashingReader<Box<dyn Read + Send>>>,
    header: Vec<String>,
    /// For each mapped source column, its field index.
    index: Vec<Option<usize>>,
    /// Fields no mapped column uses.
    extra: Vec<usize>,
    record: csv::ByteRecord,
}

struct JsonlState {
    reader: BufReader<HashingReader<Box<dyn Read + Send>>>,
    line: u64,
    buffer: Vec<u8>,
}

/// Passes bytes through while hashing them, to fingerprint the file in the same read.
pub struct HashingReader<R> {
    inner: R,
    hasher: XxHash3_128,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.write(&buf[..n]);
        Ok(n)
    }
}

impl<'m> RowReader<'m> {
    /// Starts reading `input`; the CSV header is read and checked here.
    pub fn new(
        entity: &'m EntityMapping,
        file: &str,
        input: Box<dyn Read + Send>,
    ) -> Result<Self, String> {
        let input = HashingReader {
            inner: input,
            hasher: XxHash3_128::new(),
        };
        let mut missing_columns = Vec::new();
        let inner = match entity.format.kind() {
            FileKind::Jsonl => Inner::Jsonl(JsonlState {
                reader: BufReader::with_capacity(1 << 20, input),
                line: 0,
                buffer: Vec::new(),
            }),
            FileKind::Csv => {
                // Records end at '\n' only (a '\r' before it is removed from the last field):
                // with the default CR/LF terminators, the csv crate reports the line of every
                // record after the first one too low in CRLF files.
                let mut reader = csv::ReaderBuilder::new()
                    .terminator(csv::Terminator::Any(b'\n'))
                    .delimiter(entity.format.delimiter())
                    .has_headers(false)
                    .flexible(true)
                    .buffer_capacity(1 << 20)
                    .from_reader(input);
                let mut record = csv::ByteRecord::new();
                let has_header = reader
                    .read_byte_record(&mut record)
                    .map_err(|e| format!("{file}: {e}"))?;
                if has_header {
                    let encoding = entity.format.encoding();
                    let header: Vec<String> = record
                        .iter()
                        .enumerate()
                        .map(|(i, field)| {
                            let field = if i == 0 {
                                field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
                            } else {
                                field
                            };
                            encoding
                                .decode_without_bom_handling(field)
                                .0
                                .trim()
                                .to_owned()
                        })
                        .collect();
                    let index: Vec<Option<usize>> = source_columns(entity)
                        .map(|source| header.iter().position(|h| h == source))
                        .collect();
                    for (source, i) in source_columns(entity).zip(&index) {
                        if i.is_none() {
                            missing_columns.push(source.to_owned());
                        }
                    }
                    let extra = (0..header.len())
                        .filter(|i| !index.contains(&Some(*i)))
                        .collect();
                    Inner::Csv(CsvState {
                        reader,
                        header,
                        index,
                        extra,
                        record,
                    })
                } else {
                    Inner::Empty
                }
            }
        };
        Ok(Self {
            entity,
            file: file.to_owned(),
            inner,
            missing_columns,
            rows_read: 0,
            hasher_input: Vec::new(),
        })
    }

    /// Key or required columns the file's header lacks: every row of such a file is
    /// quarantined, with this reason.
    pub fn header_problem(&self) -> Option<String> {
        let Inner::Csv(state) = &self.inner else {
            return None;
        };
        let needed: Vec<&String> = self
            .missing_columns
            .iter()
            .filter(|source| {
                self.entity.columns.iter().any(|c| {
                    c.source.as_ref() == Some(source)
                        && (c.required || self.entity.key.contains(&c.name))
                })
            })
            .collect();
        if needed.is_empty() {
            return None;
        }
        Some(format!(
            "the header has no column {} ({} column(s) found with separator {:?}: is that the \
             file's separator?)",
            needed
                .iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            state.header.len(),
            self.entity.format.delimiter() as char
        ))
    }

    /// Hex fingerprint of the bytes read so far (the whole file once reading is done).
    pub fn file_hash(&self) -> String {
        let hasher = match &self.inner {
            Inner::Csv(state) => &state.reader.get_ref().hasher,
            Inner::Jsonl(state) => &state.reader.get_ref().hasher,
            Inner::Empty => return format!("{:032x}", XxHash3_128::oneshot(b"")),
        };
        format!("{:032x}", hasher.finish_128())
    }

    /// Reads the next chunk; `None` at the end of the file. Rows that cannot be read are
    /// appended to `quarantine`.
    pub fn next_chunk(
        &mut self,
        quarantine: &mut Vec<Quarantined>,
    ) -> Result<Option<RawChunk>, String> {
        let columns = source_columns(self.entity).count();
        let mut chunk = ChunkBuilder::new(columns);
        let header_problem = self.header_problem();
        let max_field = self.entity.format.max_field_bytes();
        let encoding = self.entity.format.encoding();
        let mut extra = Map::new();
        while chunk.lines.len() < CHUNK_ROWS {
            // Values borrow from the current record, so the vector lives for one row.
            let mut values: Vec<Option<Cow<str>>> = Vec::with_capacity(columns);
            extra.clear();
            let (line, problem) = match &mut self.inner {
                Inner::Empty => break,
                Inner::Csv(state) => {
                    match state.reader.read_byte_record(&mut state.record) {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => return Err(format!("{}: {e}", self.file)),
                    }
                    let record = &state.record;
                    let line = record.position().map_or(0, |p| p.line());
                    if record.len() == 1 && field(record, 0).is_empty() {
                        continue; // a blank line is not a row
                    }
                    self.rows_read += 1;
                    let problem = if let Some(problem) = &header_problem {
                        Some((None, problem.clone()))
                    } else if record.len() != state.header.len() {
                        Some((
                            None,
                            format!(
                                "expected {} fields, found {}",
                                state.header.len(),
                                record.len()
                            ),
                        ))
                    } else {
                        decode_csv_row(state, encoding, max_field, &mut values, &mut extra)
                            .err()
                            .map(|(column, reason)| (Some(column), reason))
                    };
                    (line, problem)
                }
                Inner::Jsonl(state) => {
                    state.buffer.clear();
                    let n = state
                        .reader
                        .read_until(b'\n', &mut state.buffer)
                        .map_err(|e| format!("{}: {e}", self.file))?;
                    if n == 0 {
                        break;
                    }
                    state.line += 1;
                    if state.buffer.trim_ascii().is_empty() {
                        continue;
                    }
                    self.rows_read += 1;
                    let problem = decode_json_row(
                        self.entity,
                        &state.buffer,
                        max_field,
                        &mut values,
                        &mut extra,
                    )
                    .err();
                    (state.line, problem)
                }
            };
            if let Some((column, reason)) = problem {
                quarantine.push(Quarantined {
                    file: self.file.clone(),
                    line,
                    column,
                    reason,
                    record: self.current_record_text(),
                });
                continue;
            }
            chunk.push(line, &values, &extra, &mut self.hasher_input);
        }
        Ok((!chunk.lines.is_empty()).then(|| chunk.finish()))
    }

    /// The current row as text, for the quarantine (lossily decoded, at most 64 KiB).
    fn current_record_text(&self) -> String {
        const MAX: usize = 64 * 1024;
        let mut text = match &self.inner {
            Inner::Csv(state) => {
                let sep = [self.entity.format.delimiter()];
                let record = &state.record;
                let fields: Vec<&[u8]> = (0..record.len()).map(|i| field(record, i)).collect();
                let bytes = fields.join(&sep[..]);
                self.entity
                    .format
                    .encoding()
                    .decode_without_bom_handling(&bytes)
                    .0
                    .into_owned()
            }
            Inner::Jsonl(state) => String::from_utf8_lossy(state.buffer.trim_ascii()).into_owned(),
            Inner::Empty => String::new(),
        };
        if text.len() > MAX {
            let total = text.len();
            let mut cut = MAX;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str(&format!("… (truncated, {total} bytes)"));
        }
        text
    }
}

/// Source names of the mapped columns that come from the file, in mapping order.
pub fn source_columns(entity: &EntityMapping) -> impl Iterator<Item = &str> {
    entity.columns.iter().filter_map(|c| c.source.as_deref())
}

/// Decodes the mapped and extra fields of a CSV record; an error names the column.
fn decode_csv_row<'r>(
    state: &'r CsvState,
    encoding: &'static encoding_rs::Encoding,
    max_field: usize,
    values: &mut Vec<Option<Cow<'r, str>>>,
    extra: &mut Map<String, Value>,
) -> Result<(), (String, String)> {
    let record = &state.record;
    let decode = |i: usize| -> Result<Option<Cow<'r, str>>, (String, String)> {
        let bytes = field(record, i);
        if bytes.len() > max_field {
            return Err((
                state.header[i].clone(),
                format!(
                    "field is {} bytes, over the {max_field}-byte limit",
                    bytes.len()
                ),
            ));
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(text) => Ok(Some(text)),
            None => Err((
                state.header[i].clone(),
                format!("undecodable bytes (not valid {})", encoding.name()),
            )),
        }
    };
    for index in &state.index {
        values.push(match index {
            Some(i) => decode(*i)?,
            None => None,
        });
    }
    for &i in &state.extra {
        if let Some(text) = decode(i)? {
            extra.insert(state.header[i].clone(), Value::String(text.into_owned()));
        }
    }
    Ok(())
}

/// Field `i` of a record, without the '\r' of a CRLF line end.
fn field(record: &csv::ByteRecord, i: usize) -> &[u8] {
    let bytes = record.get(i).unwrap_or_default();
    if i + 1 == record.len() {
        bytes.strip_suffix(b"\r").unwrap_or(bytes)
    } else {
        bytes
    }
}

/// Parses a JSON line and picks the mapped values (dotted paths) and the rest.
fn decode_json_row<'a>(
    entity: &EntityMapping,
    line: &[u8],
    max_field: usize,
    values: &mut Vec<Option<Cow<'a, str>>>,
    extra: &mut Map<String, Value>,
) -> Result<(), (Option<String>, String)> {
    let text = std::str::from_utf8(line)
        .map_err(|e| (None, format!("undecodable bytes (not valid UTF-8): {e}")))?;
    let object = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => object,
        Ok(other) => {
            return Err((
                None,
                format!("expected a JSON object, found {}", json_kind(&other)),
            ));
        }
        Err(e) => return Err((None, format!("invalid JSON: {e}"))),
    };
    let mut leaves = Vec::new();
    flatten("", &object, &mut leaves);
    for source in source_columns(entity) {
        let value = leaves
            .iter_mut()
            .find(|(path, _)| path == source)
            .and_then(|(_, value)| value.take());
        let text = match value {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        };
        if let Some(text) = &text
            && text.len() > max_field
        {
            return Err((
                Some(source.to_owned()),
                format!(
                    "field is {} bytes, over the {max_field}-byte limit",
                    text.len()
                ),
            ));
        }
        values.push(text.map(Cow::Owned));
    }
    for (path, value) in leaves {
        if let Some(value) = value {
            extra.insert(path, value);
        }
    }
    Ok(())
}

/// Leaves of a JSON object by dotted path (arrays are leaves).
fn flatten(prefix: &str, object: &Map<String, Value>, out: &mut Vec<(String, Option<Value>)>) {
    for (key, value) in object {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) => flatten(&path, inner, out),
            leaf => out.push((path, Some(leaf.clone()))),
        }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct ChunkBuilder {
    lines: Vec<u64>,
    columns: Vec<StringBuilder>,
    extra: StringBuilder,
    row_hashes: Vec<u128>,
}

impl ChunkBuilder {
    fn new(columns: usize) -> Self {
        Self {
            lines: Vec::with_capacity(CHUNK_ROWS),
            columns: (0..columns)
                .map(|_| StringBuilder::with_capacity(CHUNK_ROWS, CHUNK_ROWS * 8))
                .collect(),
            extra: StringBuilder::new(),
            row_hashes: Vec::with_capacity(CHUNK_ROWS),
        }
    }

    fn push(
        &mut self,
        line: u64,
        values: &[Option<Cow<str>>],
        extra: &Map<String, Value>,
        hash_input: &mut Vec<u8>,
    ) {
        hash_input.clear();
        for (builder, value) in self.columns.iter_mut().zip(values) {
            builder.append_option(value.as_deref());
            // Each value is framed so that ("ab", "c") and ("a", "bc") differ, and null
            // differs from the empty string.
            match value {
                Some(v) => {
                    hash_input.push(1);
                    hash_input.extend_from_slice(&(v.len() as u64).to_le_bytes());
                    hash_input.extend_from_slice(v.as_bytes());
                }
                None => hash_input.push(0),
            }
        }
        if extra.is_empty() {
            self.extra.append_null();
        } else {
            // A map serializes as the object it holds, without a copy into a Value.
            let json = serde_json::to_string(extra).unwrap_or_default();
            hash_input.extend_from_slice(json.as_bytes());
            self.extra.append_value(json);
        }
        self.row_hashes.push(XxHash3_128::oneshot(hash_input));
        self.lines.push(line);
    }

    fn finish(mut self) -> RawChunk {
        RawChunk {
            lines: self.lines,
            columns: self.columns.iter_mut().map(|b| b.finish()).collect(),
            extra: self.extra.finish(),
            row_hashes: self.row_hashes,
        }
    }
}

impl RawChunk {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Text of mapped source column `i` at `row`.
    pub fn value(&self, i: usize, row: usize) -> Option<&str> {
        let column = &self.columns[i];
        column.is_valid(row).then(|| column.value(row))
    }
}
