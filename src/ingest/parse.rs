//! Parsing one block of a file (whole records) into a chunk of text columns, on any thread.
//!
//! Rows that cannot be read as rows (wrong number of fields, undecodable bytes, a field over the
//! size limit, invalid JSON) are quarantined here with their line and reason; every other row
//! reaches the typed conversion with its values exactly as received (decoded to UTF-8).
//!
//! Lines are counted from the start of the block; [`ParsedChunk::place`] makes them file lines
//! once the blocks before are counted.

use std::borrow::Cow;
use std::cell::RefCell;

use arrow::array::StringArray;
use arrow::array::builder::NullBufferBuilder;
use arrow::buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use csv_core::ReadRecordResult;
use serde_json::{Map, Value};
use twox_hash::XxHash3_128;

use super::Quarantined;
use super::mapping::{EntityMapping, FileKind};
use super::read::RawChunk;

/// What every block of one file is parsed with, shared by the parsing threads.
pub struct FileLayout {
    pub entity: EntityMapping,
    /// As shown to the user and recorded in the quarantine.
    pub file: String,
    /// Column names of a CSV file's header.
    pub header: Vec<String>,
    /// For each mapped source column, its field index (CSV).
    pub index: Vec<Option<usize>>,
    /// Fields no mapped column uses (CSV).
    pub extra: Vec<usize>,
    /// Set when every row must be quarantined (key columns missing from the header).
    pub header_problem: Option<String>,
}

/// A run of whole records of a file.
pub struct Block {
    pub bytes: Vec<u8>,
    /// The file's last block: its last record may lack a line end.
    pub last: bool,
}

/// The rows of one block.
pub struct ParsedChunk {
    pub raw: RawChunk,
    pub quarantine: Vec<Quarantined>,
    /// Data rows seen (read = loaded + updated + unchanged + quarantined).
    pub rows_read: u64,
    /// Line ends in the block: the next block starts this many lines further.
    pub newlines: u64,
}

impl ParsedChunk {
    /// Turns the block's line offsets into file lines, the block starting at `first_line`.
    pub fn place(&mut self, first_line: u64) {
        for line in &mut self.raw.lines {
            *line += first_line;
        }
        for row in &mut self.quarantine {
            row.line += first_line;
        }
    }
}

/// Parses a block as the layout's file format says.
pub fn parse_block(layout: &FileLayout, block: &Block) -> Result<ParsedChunk, String> {
    match layout.entity.format.kind() {
        FileKind::Csv => parse_csv(layout, block),
        FileKind::Jsonl => parse_jsonl(layout, block),
    }
}

/// The fields of a block's records, unescaped, one after the other in `text`.
struct CsvRecords {
    text: Vec<u8>,
    /// End offset in `text` of every field.
    ends: Vec<usize>,
    records: Vec<RecordSpan>,
    newlines: u64,
}

#[derive(Clone, Copy)]
struct RecordSpan {
    /// Offset in `text` of the first field.
    start: usize,
    /// Index in `ends` of the first field's end.
    first_end: usize,
    fields: usize,
    /// Line ends before the record in the block: what the csv crate reports as its line.
    line: u64,
}

impl CsvRecords {
    /// Field `i` of a record, without the '\r' of a CRLF line end.
    fn field(&self, record: &RecordSpan, i: usize) -> &[u8] {
        let (start, end) = self.field_range(record, i);
        &self.text[start..end]
    }

    /// Where field `i` of a record is in `text`, without the '\r' of a CRLF line end.
    fn field_range(&self, record: &RecordSpan, i: usize) -> (usize, usize) {
        let start = if i == 0 {
            record.start
        } else {
            self.ends[record.first_end + i - 1]
        };
        let end = self.ends[record.first_end + i];
        if i + 1 == record.fields && end > start && self.text[end - 1] == b'\r' {
            (start, end - 1)
        } else {
            (start, end)
        }
    }
}

thread_local! {
    /// The parser's output buffers, kept for the next block the thread parses: fresh ones
    /// cost a page fault every 4 KiB.
    static BUFFERS: RefCell<(Vec<u8>, Vec<usize>)> = RefCell::default();
}

/// Runs the CSV parser over a block, as the csv crate would over the file (same settings:
/// `"` quotes, `""` escapes, records ending at '\n').
fn read_records(delimiter: u8, block: &Block) -> Result<CsvRecords, String> {
    let input = block.bytes.as_slice();
    let mut core = csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .terminator(csv_core::Terminator::Any(b'\n'))
        .build();
    let (mut text, mut ends) = BUFFERS.with(|buffers| std::mem::take(&mut *buffers.borrow_mut()));
    text.resize(input.len() + 1, 0);
    ends.resize(input.len() / 8 + 16, 0);
    let mut records = Vec::new();
    let (mut read, mut written, mut ended) = (0, 0, 0);
    loop {
        // The line the record starts on: csv-core skips blank lines ('\n' alone) before a
        // record without reporting them, so they are counted here. (The csv crate reports the
        // line where the previous record ended, which depends on where a block starts.)
        let blank_lines = input[read..].iter().take_while(|&&b| b == b'\n').count() as u64;
        let line = core.line() - 1 + blank_lines;
        let (start, first_end) = (written, ended);
        let result = loop {
            let at_end = read == input.len();
            let (result, nin, nout, nend) =
                core.read_record(&input[read..], &mut text[written..], &mut ends[ended..]);
            read += nin;
            written += nout;
            // Ends count from the record's start.
            for end in &mut ends[ended..ended + nend] {
                *end += start;
            }
            ended += nend;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => text.resize(text.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                ReadRecordResult::Record if at_end && !block.last => {
                    return Err("internal: a block does not end at a record end".to_owned());
                }
                ReadRecordResult::Record => break true,
                ReadRecordResult::End => break false,
            }
        };
        if !result {
            break;
        }
        records.push(RecordSpan {
            start,
            first_end,
            fields: ended - first_end,
            line,
        });
    }
    text.truncate(written);
    ends.truncate(ended);
    Ok(CsvRecords {
        text,
        ends,
        records,
        newlines: core.line() - 1,
    })
}

fn parse_csv(layout: &FileLayout, block: &Block) -> Result<ParsedChunk, String> {
    let format = &layout.entity.format;
    let parsed = read_records(format.delimiter(), block)?;
    let encoding = format.encoding();
    let max_field = format.max_field_bytes();
    let columns = layout.index.len();
    // Whole-block decoding check: when the block is ASCII (in an ASCII-compatible encoding)
    // or valid UTF-8, fields are copied as they are, checking only that no field starts or
    // ends inside a character; else each field is decoded on its own.
    let ascii = parsed.text.is_ascii();
    let as_is = (ascii && encoding.is_ascii_compatible())
        || (encoding == encoding_rs::UTF_8 && std::str::from_utf8(&parsed.text).is_ok());

    let mut chunk = ChunkBuilder::new(columns, parsed.records.len(), parsed.text.len());
    let mut quarantine = Vec::new();
    let mut rows_read = 0;
    let mut values: Vec<Option<Cow<str>>> = Vec::with_capacity(columns);
    let mut extra = Map::new();
    for record in &parsed.records {
        if record.fields == 1 && parsed.field(record, 0).is_empty() {
            continue; // a blank line is not a row
        }
        rows_read += 1;
        values.clear();
        extra.clear();
        let problem = if let Some(problem) = &layout.header_problem {
            Err((None, problem.clone()))
        } else if record.fields != layout.header.len() {
            Err((
                None,
                format!(
                    "expected {} fields, found {}",
                    layout.header.len(),
                    record.fields
                ),
            ))
        } else if as_is {
            check_fields(layout, &parsed, record, max_field, !ascii)
                .map_err(|(column, reason)| (Some(column), reason))
        } else {
            decode_fields(
                layout,
                &parsed,
                record,
                encoding,
                max_field,
                &mut values,
                &mut extra,
            )
            .map_err(|(column, reason)| (Some(column), reason))
        };
        if let Err((column, reason)) = problem {
            quarantine.push(Quarantined {
                file: layout.file.clone(),
                line: record.line,
                column,
                reason,
                record: csv_record_text(layout, &parsed, record),
            });
            continue;
        }
        if as_is {
            // Fields straight from the block's bytes (checked above).
            for &i in &layout.extra {
                let bytes = parsed.field(record, i);
                if !bytes.is_empty() {
                    let text = String::from_utf8_lossy(bytes).into_owned();
                    extra.insert(layout.header[i].clone(), Value::String(text));
                }
            }
            chunk.push_fields(
                record.line,
                layout.index.iter().map(|i| {
                    let bytes = parsed.field(record, (*i)?);
                    (!bytes.is_empty()).then_some(bytes)
                }),
                &extra,
            );
        } else {
            chunk.push_fields(
                record.line,
                values.iter().map(|v| v.as_deref().map(str::as_bytes)),
                &extra,
            );
        }
    }
    let newlines = parsed.newlines;
    BUFFERS.with(|buffers| *buffers.borrow_mut() = (parsed.text, parsed.ends));
    Ok(ParsedChunk {
        raw: chunk.finish()?,
        quarantine,
        rows_read,
        newlines,
    })
}

/// Size limits of the mapped and extra fields, where the block's bytes need no decoding; with
/// `boundaries`, also that no field starts or ends inside a UTF-8 character (such a field is
/// not valid UTF-8 on its own).
fn check_fields(
    layout: &FileLayout,
    parsed: &CsvRecords,
    record: &RecordSpan,
    max_field: usize,
    boundaries: bool,
) -> Result<(), (String, String)> {
    let char_boundary = |at: usize| parsed.text.get(at).is_none_or(|b| (*b as i8) >= -0x40);
    for &i in layout.index.iter().flatten().chain(&layout.extra) {
        let (start, end) = parsed.field_range(record, i);
        if end - start > max_field {
            return Err((
                layout.header[i].clone(),
                format!(
                    "field is {} bytes, over the {max_field}-byte limit",
                    end - start
                ),
            ));
        }
        if boundaries && end > start && !(char_boundary(start) && char_boundary(end)) {
            return Err((
                layout.header[i].clone(),
                "undecodable bytes (not valid UTF-8)".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Decodes the mapped and extra fields of a CSV record; an error names the column.
fn decode_fields<'r>(
    layout: &FileLayout,
    parsed: &'r CsvRecords,
    record: &RecordSpan,
    encoding: &'static encoding_rs::Encoding,
    max_field: usize,
    values: &mut Vec<Option<Cow<'r, str>>>,
    extra: &mut Map<String, Value>,
) -> Result<(), (String, String)> {
    let decode = |i: usize| -> Result<Option<Cow<'r, str>>, (String, String)> {
        let bytes = parsed.field(record, i);
        if bytes.len() > max_field {
            return Err((
                layout.header[i].clone(),
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
                layout.header[i].clone(),
                format!("undecodable bytes (not valid {})", encoding.name()),
            )),
        }
    };
    for index in &layout.index {
        values.push(match index {
            Some(i) => decode(*i)?,
            None => None,
        });
    }
    for &i in &layout.extra {
        if let Some(text) = decode(i)? {
            extra.insert(layout.header[i].clone(), Value::String(text.into_owned()));
        }
    }
    Ok(())
}

/// A CSV record as text, for the quarantine (lossily decoded, at most 64 KiB).
fn csv_record_text(layout: &FileLayout, parsed: &CsvRecords, record: &RecordSpan) -> String {
    let sep = [layout.entity.format.delimiter()];
    let fields: Vec<&[u8]> = (0..record.fields)
        .map(|i| parsed.field(record, i))
        .collect();
    let bytes = fields.join(&sep[..]);
    let text = layout
        .entity
        .format
        .encoding()
        .decode_without_bom_handling(&bytes)
        .0
        .into_owned();
    truncated(text)
}

fn truncated(mut text: String) -> String {
    const MAX: usize = 64 * 1024;
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

fn parse_jsonl(layout: &FileLayout, block: &Block) -> Result<ParsedChunk, String> {
    let entity = &layout.entity;
    let max_field = entity.format.max_field_bytes();
    let columns = layout.index.len();
    let mut chunk = ChunkBuilder::new(columns, block.bytes.len() / 256, block.bytes.len());
    let mut quarantine = Vec::new();
    let mut rows_read = 0;
    let mut newlines = 0;
    let mut values: Vec<Option<Cow<str>>> = Vec::with_capacity(columns);
    let mut extra = Map::new();
    let mut rest = block.bytes.as_slice();
    while !rest.is_empty() {
        // With its line end, as it was always parsed (serde's error positions count it).
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..=i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let line_number = newlines;
        newlines += 1;
        rest = next;
        if line.trim_ascii().is_empty() {
            continue;
        }
        rows_read += 1;
        values.clear();
        extra.clear();
        match decode_json_row(entity, line, max_field, &mut values, &mut extra) {
            Ok(()) => chunk.push_fields(
                line_number,
                values.iter().map(|v| v.as_deref().map(str::as_bytes)),
                &extra,
            ),
            Err((column, reason)) => quarantine.push(Quarantined {
                file: layout.file.clone(),
                line: line_number,
                column,
                reason,
                record: truncated(String::from_utf8_lossy(line.trim_ascii()).into_owned()),
            }),
        }
    }
    // The last line of the file may lack its line end; it is still a line.
    if !block.bytes.ends_with(b"\n") && !block.bytes.is_empty() {
        newlines = newlines.saturating_sub(1);
    }
    Ok(ParsedChunk {
        raw: chunk.finish()?,
        quarantine,
        rows_read,
        newlines,
    })
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
    for source in super::read::source_columns(entity) {
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

/// A text column built from byte slices already known to be UTF-8 (checked again, in one
/// pass, when the array is made).
struct TextColumn {
    offsets: Vec<i32>,
    values: Vec<u8>,
    nulls: NullBufferBuilder,
}

impl TextColumn {
    fn new(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self {
            offsets,
            values: Vec::with_capacity(bytes),
            nulls: NullBufferBuilder::new(rows),
        }
    }

    fn push(&mut self, value: Option<&[u8]>) {
        match value {
            Some(bytes) => {
                self.values.extend_from_slice(bytes);
                self.nulls.append_non_null();
            }
            None => self.nulls.append_null(),
        }
        // Offsets past i32 are caught in `finish`.
        self.offsets.push(self.values.len() as i32);
    }

    fn finish(mut self) -> Result<StringArray, String> {
        if i32::try_from(self.values.len()).is_err() {
            return Err("a block's column holds over 2 GiB of text".to_owned());
        }
        StringArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(self.offsets)),
            Buffer::from_vec(self.values),
            self.nulls.finish(),
        )
        .map_err(|e| format!("internal: {e}"))
    }
}

struct ChunkBuilder {
    lines: Vec<u64>,
    columns: Vec<TextColumn>,
    extra: TextColumn,
    row_hashes: Vec<u128>,
    hash_input: Vec<u8>,
}

impl ChunkBuilder {
    fn new(columns: usize, rows: usize, bytes: usize) -> Self {
        // A column gets an even share of the text to start with; vectors grow as needed.
        let share = bytes / columns.max(1) + 64;
        Self {
            lines: Vec::with_capacity(rows),
            columns: (0..columns).map(|_| TextColumn::new(rows, share)).collect(),
            extra: TextColumn::new(rows, 0),
            row_hashes: Vec::with_capacity(rows),
            hash_input: Vec::new(),
        }
    }

    /// Adds a row of decoded (UTF-8) values, with its fingerprint.
    fn push_fields<'v>(
        &mut self,
        line: u64,
        values: impl Iterator<Item = Option<&'v [u8]>>,
        extra: &Map<String, Value>,
    ) {
        let hash_input = &mut self.hash_input;
        hash_input.clear();
        for (column, value) in self.columns.iter_mut().zip(values) {
            column.push(value);
            // Each value is framed so that ("ab", "c") and ("a", "bc") differ, and null
            // differs from the empty string.
            match value {
                Some(v) => {
                    hash_input.push(1);
                    hash_input.extend_from_slice(&(v.len() as u64).to_le_bytes());
                    hash_input.extend_from_slice(v);
                }
                None => hash_input.push(0),
            }
        }
        if extra.is_empty() {
            self.extra.push(None);
        } else {
            // A map serializes as the object it holds, without a copy into a Value.
            let json = serde_json::to_string(extra).unwrap_or_default();
            hash_input.extend_from_slice(json.as_bytes());
            self.extra.push(Some(json.as_bytes()));
        }
        self.row_hashes.push(XxHash3_128::oneshot(hash_input));
        self.lines.push(line);
    }

    fn finish(self) -> Result<RawChunk, String> {
        Ok(RawChunk {
            lines: self.lines,
            columns: self
                .columns
                .into_iter()
                .map(TextColumn::finish)
                .collect::<Result<_, _>>()?,
            extra: self.extra.finish()?,
            row_hashes: self.row_hashes,
        })
    }
}
