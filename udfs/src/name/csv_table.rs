//! A small reader for the bundled data tables (`udfs/data/*.csv`) and for the tables a program
//! supplies at run time.
//!
//! The format is CSV with a header row: comma-separated fields, optionally double-quoted (a
//! quote inside a quoted field is doubled), surrounding spaces trimmed. Blank lines and lines
//! starting with `#` are skipped, so a table can carry its own notes and sources.

use datafusion::common::{DataFusionError, Result};

/// The rows of a CSV table, with access to columns by header name.
#[derive(Debug)]
pub(crate) struct CsvTable {
    name: String,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl CsvTable {
    /// Parses `text`; `name` (a file name) appears in errors.
    pub(crate) fn parse(name: &str, text: &str) -> Result<Self> {
        let mut header: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line_number = index + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fields = split_fields(trimmed)
                .ok_or_else(|| table_error(name, line_number, "unterminated quoted field"))?;
            match &header {
                None => header = Some(fields.into_iter().map(|f| f.to_lowercase()).collect()),
                Some(h) if fields.len() != h.len() => {
                    return Err(table_error(
                        name,
                        line_number,
                        &format!("{} fields, the header has {}", fields.len(), h.len()),
                    ));
                }
                Some(_) => rows.push((line_number, fields)),
            }
        }
        let header = header.ok_or_else(|| table_error(name, 0, "no header row"))?;
        Ok(Self {
            name: name.to_owned(),
            header,
            rows,
        })
    }

    /// The index of column `column`, or an error naming the table and the missing column.
    pub(crate) fn column(&self, column: &str) -> Result<usize> {
        self.header.iter().position(|h| h == column).ok_or_else(|| {
            DataFusionError::Execution(format!(
                "{}: no column \"{column}\" in the header ({})",
                self.name,
                self.header.join(",")
            ))
        })
    }

    /// The data rows, each with its line number in the text.
    pub(crate) fn rows(&self) -> impl Iterator<Item = (usize, &[String])> {
        self.rows
            .iter()
            .map(|(line, fields)| (*line, fields.as_slice()))
    }

    /// An error about line `line` of this table.
    pub(crate) fn error(&self, line: usize, message: &str) -> DataFusionError {
        table_error(&self.name, line, message)
    }
}

fn table_error(name: &str, line: usize, message: &str) -> DataFusionError {
    DataFusionError::Execution(format!("{name} line {line}: {message}"))
}

/// Splits one line into trimmed fields; `None` when a quoted field is not closed.
fn split_fields(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                fields.push(finish_field(&mut field, was_quoted));
                was_quoted = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(finish_field(&mut field, was_quoted));
    Some(fields)
}

fn finish_field(field: &mut String, was_quoted: bool) -> String {
    let value = if was_quoted {
        field.trim_end().to_owned()
    } else {
        field.trim().to_owned()
    };
    field.clear();
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_comments_quotes_and_blank_lines() -> Result<()> {
        let table = CsvTable::parse(
            "t.csv",
            "# a note\nNickname, Root ,language\n\nbob,robert,en\n\"Jo, \"\"Jojo\"\"\", joseph ,fr\n",
        )?;
        assert_eq!(table.column("root")?, 1);
        assert!(table.column("missing").is_err());
        let rows: Vec<_> = table.rows().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], (4, &["bob", "robert", "en"].map(String::from)[..]));
        assert_eq!(rows[1].1[0], "Jo, \"Jojo\"");
        assert_eq!(rows[1].1[1], "joseph");
        Ok(())
    }

    #[test]
    fn errors_name_the_table_and_line() {
        let err = CsvTable::parse("t.csv", "a,b\n1,2,3\n").unwrap_err();
        assert!(err.to_string().contains("t.csv line 2"), "{err}");
        let err = CsvTable::parse("t.csv", "a,b\n\"1,2\n").unwrap_err();
        assert!(err.to_string().contains("unterminated"), "{err}");
        assert!(CsvTable::parse("t.csv", "# only a comment\n").is_err());
        let table = CsvTable::parse("t.csv", "a,b\n").ok();
        let err = table.map(|t| t.column("c"));
        assert!(matches!(err, Some(Err(_))));
    }
}
