//! Where a block of input may end: after a whole record, so blocks parse independently.
//!
//! A CSV record ends at a newline outside quotes. The scan follows the quoting rules of the
//! parser (csv-core with `"` quotes, doubled `""` escapes and `\n` terminators): a quote opens a
//! quoted field only at the start of a field (after the delimiter or a record end); elsewhere it
//! is a literal character. In a quoted field, `""` is an escaped quote and any other quote closes
//! the field. Only quotes and the one newline that ends the block are looked at, so the scan
//! costs little more than a `memchr` over the quotes.

use memchr::memchr;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Offset just past the newline that ends the first CSV record ending at or after `target`,
/// in `bytes`, which start at a record start. `None` when `bytes` does not tell yet (no such
/// record end in them, or they end right after a quote).
///
/// A block never starts with a UTF-8 byte order mark: a parser strips one at the start of its
/// input, which is only right at the start of the file.
pub fn csv_record_end(bytes: &[u8], target: usize, delimiter: u8) -> Option<usize> {
    let mut position = 0;
    let mut target = target;
    loop {
        // Outside quotes at `position`.
        let next_quote = memchr(b'"', &bytes[position..]).map(|i| position + i);
        let limit = next_quote.unwrap_or(bytes.len());
        let from = position.max(target);
        if from < limit
            && let Some(i) = memchr(b'\n', &bytes[from..limit])
        {
            let end = from + i + 1;
            let rest = &bytes[end..];
            if rest.len() < BOM.len() && BOM.starts_with(rest) {
                // What follows is not read yet (or the file ends here: the caller takes it all).
                return None;
            }
            if !rest.starts_with(BOM) {
                return Some(end);
            }
            // Records continue after the mark: look for the next record end.
            position = end;
            target = end;
            continue;
        }
        let quote = next_quote?;
        let opens = quote == 0 || bytes[quote - 1] == delimiter || bytes[quote - 1] == b'\n';
        position = quote + 1;
        if opens {
            // Skip the quoted field, up to its closing quote.
            loop {
                let close = position + memchr(b'"', &bytes[position..])?;
                match bytes.get(close + 1) {
                    None => return None,
                    Some(b'"') => position = close + 2,
                    Some(_) => {
                        position = close + 1;
                        break;
                    }
                }
            }
        }
    }
}

/// Offset just past the first newline at or after `target` (JSON lines have no quoting that
/// spans lines).
pub fn line_end(bytes: &[u8], target: usize) -> Option<usize> {
    let from = target.min(bytes.len());
    memchr(b'\n', &bytes[from..]).map(|i| from + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_after_the_first_newline_past_the_target() {
        let bytes = b"a,b\nc,d\ne,f\n";
        assert_eq!(csv_record_end(bytes, 0, b','), Some(4));
        assert_eq!(csv_record_end(bytes, 4, b','), Some(8));
        assert_eq!(csv_record_end(bytes, 5, b','), Some(8));
        assert_eq!(
            csv_record_end(bytes, 9, b','),
            None,
            "what follows is unknown"
        );
        assert_eq!(csv_record_end(b"a,b", 0, b','), None);
    }

    #[test]
    fn newlines_in_quoted_fields_do_not_end_records() {
        let bytes = b"a,\"x\ny\",b\nc\n";
        assert_eq!(csv_record_end(bytes, 0, b','), Some(10));
        // An escaped quote keeps the field open.
        let bytes = b"a,\"x\"\"\ny\",b\nc\n";
        assert_eq!(csv_record_end(bytes, 0, b','), Some(12));
        // A quote inside an unquoted field is a literal.
        let bytes = b"a,x\"y\nb,\"c\nd\"\n";
        assert_eq!(csv_record_end(bytes, 0, b','), Some(6));
        assert_eq!(csv_record_end(bytes, 6, b','), None);
        assert_eq!(csv_record_end(b"b,\"c\nd\"\ne\n", 0, b','), Some(8));
        // Unknown until the byte after a quote is there.
        assert_eq!(csv_record_end(b"a,\"x\"", 0, b','), None);
        assert_eq!(csv_record_end(b"a,\"x\n", 0, b','), None);
    }

    #[test]
    fn a_block_never_starts_with_a_byte_order_mark() {
        let bytes = b"a\n\xEF\xBB\xBFb\nc\nd";
        assert_eq!(csv_record_end(bytes, 0, b','), Some(7));
        assert_eq!(csv_record_end(b"a\n\xEF\xBB", 0, b','), None);
    }

    #[test]
    fn json_lines_end_at_newlines() {
        assert_eq!(line_end(b"{}\n{}\n", 1), Some(3));
        assert_eq!(line_end(b"{}", 0), None);
    }
}
