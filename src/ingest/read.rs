//! Reading input files: the list of inputs, the CSV header, and the cutting of a file into
//! blocks of whole records that [`super::parse`] turns into chunks of text values, in parallel.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, StringArray};
use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use twox_hash::XxHash3_128;

use super::mapping::{EntityMapping, FileKind};
use super::parse::{Block, FileLayout};
use super::split;

/// Bytes per block: big enough that per-block costs vanish, small enough that a few blocks in
/// flight per core bound memory. `AMIGO_INGEST_BLOCK_BYTES` overrides it (tests use tiny blocks
/// to cut files at many places).
pub const BLOCK_BYTES: usize = 8 << 20;

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
    /// Line of each row in its file (1-based; for CSV, the line the csv crate reports: where
    /// the previous record ended).
    pub lines: Vec<u64>,
    /// One array per mapped column that has a source, in mapping order (all null when the file
    /// lacks the column).
    pub columns: Vec<StringArray>,
    /// The row's fields that the mapping does not name, as a JSON object (null when none).
    pub extra: StringArray,
    /// Fingerprint of the row's values: equal for an unchanged record.
    pub row_hashes: Vec<u128>,
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

/// Cuts one file into blocks of whole records, after reading its header.
pub struct RowReader {
    /// What the blocks are parsed with.
    pub layout: Arc<FileLayout>,
    /// Mapped source columns missing from the file's header.
    pub missing_columns: Vec<String>,
    /// Line of the first data row (after the header).
    pub first_line: u64,
    input: HashingReader<Box<dyn Read + Send>>,
    /// Bytes read and not yet handed out, starting at a record start.
    pending: Vec<u8>,
    eof: bool,
    /// Nothing more to hand out.
    done: bool,
    /// No header: the file has no rows (and is fingerprinted as empty, as it always was).
    headerless: bool,
    block_bytes: usize,
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

impl RowReader {
    /// Starts reading `input`; the CSV header is read and checked here.
    pub fn new(
        entity: &EntityMapping,
        file: &str,
        input: Box<dyn Read + Send>,
    ) -> Result<Self, String> {
        let block_bytes = std::env::var("AMIGO_INGEST_BLOCK_BYTES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(BLOCK_BYTES);
        let mut reader = Self {
            layout: Arc::new(FileLayout {
                entity: entity.clone(),
                file: file.to_owned(),
                header: Vec::new(),
                index: source_columns(entity).map(|_| None).collect(),
                extra: Vec::new(),
                header_problem: None,
            }),
            missing_columns: Vec::new(),
            first_line: 1,
            input: HashingReader {
                inner: input,
                hasher: XxHash3_128::new(),
            },
            pending: Vec::new(),
            eof: false,
            done: false,
            headerless: false,
            block_bytes,
        };
        if entity.format.kind() == FileKind::Csv {
            reader.read_header(entity, file)?;
        }
        Ok(reader)
    }

    /// Cuts blocks of about `bytes` (tests cut small files at many places).
    #[cfg(test)]
    pub fn with_block_bytes(mut self, bytes: usize) -> Self {
        self.block_bytes = bytes;
        self
    }

    /// Reads the header record and resolves the mapped columns' positions.
    fn read_header(&mut self, entity: &EntityMapping, file: &str) -> Result<(), String> {
        let mut want = 64 << 10;
        let (header, consumed, line) = loop {
            self.fill(want, file)?;
            // The csv crate reads the header as it read whole files before: same BOM handling,
            // same line count.
            let mut reader = csv::ReaderBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .delimiter(entity.format.delimiter())
                .has_headers(false)
                .flexible(true)
                .from_reader(self.pending.as_slice());
            let mut record = csv::ByteRecord::new();
            let found = reader
                .read_byte_record(&mut record)
                .map_err(|e| format!("{file}: {e}"))?;
            let position = reader.position();
            // A record that reaches the end of what is read may go on.
            if position.byte() as usize >= self.pending.len() && !self.eof {
                want = self.pending.len() * 2;
                continue;
            }
            if !found {
                self.done = true;
                self.headerless = true;
                return Ok(());
            }
            break (record, position.byte() as usize, position.line());
        };
        self.pending.drain(..consumed);
        self.first_line = line;
        let encoding = entity.format.encoding();
        let names: Vec<String> = header
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
            .map(|source| names.iter().position(|h| h == source))
            .collect();
        for (source, i) in source_columns(entity).zip(&index) {
            if i.is_none() {
                self.missing_columns.push(source.to_owned());
            }
        }
        let extra = (0..names.len())
            .filter(|i| !index.contains(&Some(*i)))
            .collect();
        let header_problem = header_problem(entity, &self.missing_columns, names.len());
        self.layout = Arc::new(FileLayout {
            entity: entity.clone(),
            file: file.to_owned(),
            header: names,
            index,
            extra,
            header_problem,
        });
        Ok(())
    }

    /// Reads until `pending` holds `want` bytes or the input ends.
    fn fill(&mut self, want: usize, file: &str) -> Result<(), String> {
        while self.pending.len() < want && !self.eof {
            let missing = (want - self.pending.len()) as u64;
            let n = (&mut self.input)
                .take(missing)
                .read_to_end(&mut self.pending)
                .map_err(|e| format!("cannot read {file}: {e}"))?;
            if n == 0 {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// The next block of whole records; `None` at the end of the file.
    pub fn next_block(&mut self) -> Result<Option<Block>, String> {
        if self.done {
            return Ok(None);
        }
        let kind = self.layout.entity.format.kind();
        let delimiter = self.layout.entity.format.delimiter();
        let mut want = self.block_bytes + (64 << 10);
        loop {
            self.fill(want, &self.layout.file.clone())?;
            let end = match kind {
                FileKind::Csv => split::csv_record_end(&self.pending, self.block_bytes, delimiter),
                FileKind::Jsonl => split::line_end(&self.pending, self.block_bytes),
            };
            if let Some(end) = end.filter(|&end| end < self.pending.len() || !self.eof) {
                let rest = self.pending[end..].to_vec();
                let mut bytes = std::mem::replace(&mut self.pending, rest);
                bytes.truncate(end);
                return Ok(Some(Block { bytes, last: false }));
            }
            if self.eof {
                self.done = true;
                let bytes = std::mem::take(&mut self.pending);
                return Ok((!bytes.is_empty()).then_some(Block { bytes, last: true }));
            }
            // A record longer than what is read: read more.
            want = self.pending.len() * 2;
        }
    }

    /// Hex fingerprint of the bytes read so far (the whole file once reading is done).
    pub fn file_hash(&self) -> String {
        if self.headerless {
            return format!("{:032x}", XxHash3_128::oneshot(b""));
        }
        format!("{:032x}", self.input.hasher.finish_128())
    }
}

/// Why every row of a file must be quarantined: key or required columns missing from its
/// header.
fn header_problem(entity: &EntityMapping, missing: &[String], found: usize) -> Option<String> {
    let needed: Vec<&String> = missing
        .iter()
        .filter(|source| {
            entity.columns.iter().any(|c| {
                c.source.as_ref() == Some(source) && (c.required || entity.key.contains(&c.name))
            })
        })
        .collect();
    if needed.is_empty() {
        return None;
    }
    Some(format!(
        "the header has no column {} ({found} column(s) found with separator {:?}: is that the \
         file's separator?)",
        needed
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        entity.format.delimiter() as char
    ))
}

/// Source names of the mapped columns that come from the file, in mapping order.
pub fn source_columns(entity: &EntityMapping) -> impl Iterator<Item = &str> {
    entity.columns.iter().filter_map(|c| c.source.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::mapping::SourceMapping;
    use crate::ingest::parse::parse_block;

    fn mapping(delimiter: char) -> EntityMapping {
        let text = format!(
            "source = \"t\"\ndescription = \"t\"\n[format]\nkind = \"csv\"\n\
             delimiter = \"{delimiter}\"\n[[entities]]\nname = \"e\"\ntable = \"raw.t\"\n\
             description = \"t\"\nfiles = [\"*.csv\"]\nkey = [\"a\"]\ncolumns = [\n\
             {{ source = \"a\", name = \"a\" }},\n{{ source = \"b\", name = \"b\" }},\n\
             {{ source = \"c\", name = \"c\" }},\n]\n"
        );
        match SourceMapping::parse("t.toml", &text) {
            Ok(source) => source.entities[0].clone(),
            Err(e) => panic!("{e}"),
        }
    }

    /// (line, values or reason) of every row, read block by block.
    fn rows_by_blocks(entity: &EntityMapping, bytes: &[u8], block: usize) -> Vec<(u64, String)> {
        let input = Box::new(std::io::Cursor::new(bytes.to_vec()));
        let mut reader = RowReader::new(entity, "t.csv", input)
            .unwrap()
            .with_block_bytes(block);
        let mut next_line = reader.first_line;
        let mut rows = Vec::new();
        while let Some(block) = reader.next_block().unwrap() {
            let mut parsed = parse_block(&reader.layout, &block).unwrap();
            parsed.place(next_line);
            next_line += parsed.newlines;
            for row in 0..parsed.raw.len() {
                let values: Vec<String> = (0..3)
                    .map(|i| format!("{:?}", parsed.raw.value(i, row)))
                    .collect();
                rows.push((parsed.raw.lines[row], values.join("|")));
            }
            for q in parsed.quarantine {
                rows.push((q.line, format!("{:?}: {}", q.column, q.reason)));
            }
        }
        rows.sort();
        rows
    }

    #[test]
    fn blocks_read_as_the_whole_file_does() {
        let entity = mapping(',');
        let file = "\u{feff}a,b,c\n\
                    1,x,y\n\
                    \n\
                    2,\"quoted, with a comma\",\"and\na newline\"\n\
                    3,\"escaped \"\" quote\",z\r\n\
                    \"4\",x\"y,\"\"\n\
                    5,too,many,fields\n\
                    6,\"\",\"\"\"\n\"\"\"\n\
                    \r\n\
                    7,caf\u{e9},\u{e9}t\u{e9}\n\
                    8,last,no newline";
        let whole = rows_by_blocks(&entity, file.as_bytes(), 1 << 20);
        assert_eq!(whole.len(), 8, "{whole:#?}");
        // Lines where the records start, blank lines counted.
        assert_eq!(whole[0].0, 2);
        assert_eq!(
            whole[1],
            (
                4,
                "Some(\"2\")|Some(\"quoted, with a comma\")|Some(\"and\\na newline\")".to_owned()
            )
        );
        for block in 1..file.len() {
            assert_eq!(
                rows_by_blocks(&entity, file.as_bytes(), block),
                whole,
                "blocks of {block}"
            );
        }
    }

    #[test]
    fn undecodable_bytes_are_found_in_any_block() {
        let entity = mapping(';');
        let mut file = b"a;b;c\n1;ok;ok\n2;\xe9t\xe9;x\n3;\xc3;\xa9\n4;\xc3\xa9;y\n".to_vec();
        file.extend_from_slice(b"5;z;z\n");
        let whole = rows_by_blocks(&entity, &file, 1 << 20);
        for (line, column) in [(3, "b"), (4, "b")] {
            assert!(
                whole.iter().any(|(l, text)| *l == line
                    && text.starts_with(&format!("Some({column:?}): undecodable bytes"))),
                "{whole:#?}"
            );
        }
        for block in 1..file.len() {
            assert_eq!(
                rows_by_blocks(&entity, &file, block),
                whole,
                "blocks of {block}"
            );
        }
    }
}
