//! Splitting a SQL script into statements, keeping the line each one starts on, so an error can
//! point at `file:line`.
//!
//! Semicolons end statements except inside quotes ('...', "..."), dollar-quoted strings
//! ($$...$$, $tag$...$tag$) and comments (-- to end of line, /* ... */, which may nest).
//! Statements made only of comments are dropped. An unterminated quote or comment runs to the
//! end of the script, and the parser then reports it.
//!
//! A script's header (its leading comment lines) may name the tables it reads that another
//! command creates, as `-- requires: raw.consent_events, analytics.ltv_scores`: see
//! [`required_tables`].

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement without its terminating semicolon.
    pub sql: String,
    /// 1-based line where the statement starts (its first token, not leading comments).
    pub line: usize,
}

pub fn split_statements(script: &str) -> Vec<Statement> {
    let bytes = script.as_bytes();
    let mut statements = Vec::new();
    let mut line = 1;
    // Start (byte offset, line) of the current statement's first token.
    let mut start: Option<(usize, usize)> = None;
    let mut i = 0;
    let mut finish = |start: &mut Option<(usize, usize)>, end: usize| {
        if let Some((from, line)) = start.take() {
            let sql = script[from..end].trim_end().to_string();
            if !sql.is_empty() {
                statements.push(Statement { sql, line });
            }
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b';' => {
                finish(&mut start, i);
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if bytes[i] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            _ if b.is_ascii_whitespace() => i += 1,
            _ => {
                start.get_or_insert((i, line));
                match b {
                    b'\'' | b'"' => {
                        // A doubled quote inside is an escaped quote: skipping both keeps going.
                        i += 1;
                        while i < bytes.len() && bytes[i] != b {
                            if bytes[i] == b'\n' {
                                line += 1;
                            }
                            i += 1;
                        }
                        i += 1;
                    }
                    b'$' => match dollar_tag(&script[i..]) {
                        Some(tag) => {
                            let body = i + tag.len();
                            let end = script[body..]
                                .find(tag)
                                .map_or(bytes.len(), |at| body + at + tag.len());
                            line += script[i..end].matches('\n').count();
                            i = end;
                        }
                        None => i += 1,
                    },
                    _ => i += 1,
                }
            }
        }
    }
    finish(&mut start, bytes.len());
    statements
}

/// The opening tag of a dollar-quoted string at the start of `text` (`$$` or `$name$`), if any.
/// `$1` (a placeholder) is not a tag.
fn dollar_tag(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('$')?;
    let end = rest.find('$')?;
    let name = &rest[..end];
    let valid = name.is_empty()
        || (name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit()));
    valid.then(|| &text[..end + 2])
}

/// The tables a script's header names in `-- requires: a.b, c.d` lines: inputs another command
/// creates (consent events from `amigo ingest`, LTV scores from `amigo ltv`), so a runner can
/// skip the script with a message naming them rather than fail half-way.
pub fn required_tables(script: &str) -> Vec<String> {
    script
        .lines()
        .map(str::trim)
        .take_while(|line| line.is_empty() || line.starts_with("--"))
        .filter_map(|line| {
            line.trim_start_matches('-')
                .trim()
                .strip_prefix("requires:")
        })
        .flat_map(|tables| tables.split(','))
        .map(|table| table.trim().to_owned())
        .filter(|table| !table.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(script: &str) -> Vec<(usize, String)> {
        split_statements(script)
            .into_iter()
            .map(|s| (s.line, s.sql))
            .collect()
    }

    #[test]
    fn statements_keep_their_first_line() {
        let script = "-- header\n\nSELECT 1;\n  /* note */ SELECT\n  2 ;\n\nSELECT 3";
        let expected = [(3, "SELECT 1"), (4, "SELECT\n  2"), (7, "SELECT 3")];
        assert_eq!(split(script), expected.map(|(l, s)| (l, s.to_string())));
    }

    #[test]
    fn semicolons_in_quotes_and_comments_do_not_split() {
        let script =
            "SELECT 'a;b', \"c;d\" -- e;f\n, 'it''s; fine' /* g; /* nested; */ h; */;\nSELECT 2;";
        let statements = split_statements(script);
        assert_eq!(statements.len(), 2, "{statements:?}");
        assert!(statements[0].sql.ends_with("*/"));
        assert_eq!(statements[1].line, 3);
    }

    #[test]
    fn dollar_quotes_span_lines_but_placeholders_are_not_quotes() {
        let script = "SELECT $body$ a;\n b $body$;\nSELECT $1;\nSELECT $$x;$$;";
        let lines: Vec<_> = split_statements(script).iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![1, 3, 4]);
    }

    #[test]
    fn comment_only_and_empty_statements_are_dropped() {
        assert!(split_statements("-- nothing\n;;  /* x */ ;\n").is_empty());
        assert!(split_statements("").is_empty());
    }

    #[test]
    fn unterminated_quote_runs_to_the_end() {
        let statements = split_statements("SELECT 1;\nSELECT 'oops;\nSELECT 2;");
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1].line, 2);
        assert!(statements[1].sql.contains("SELECT 2"));
    }

    #[test]
    fn multibyte_text_is_kept_intact() {
        let statements = split_statements("SELECT 'Hélène; Zoé';SELECT '서울'");
        assert_eq!(statements[0].sql, "SELECT 'Hélène; Zoé'");
        assert_eq!(statements[1].sql, "SELECT '서울'");
    }

    #[test]
    fn requirements_come_from_the_header_only() {
        let script = "-- step: x\n-- requires: raw.consent_events, unified.customer_links\n\
                      --requires:analytics.ltv_scores\n\nSELECT 1;\n-- requires: not.this\n";
        assert_eq!(
            required_tables(script),
            [
                "raw.consent_events",
                "unified.customer_links",
                "analytics.ltv_scores"
            ]
        );
        assert!(required_tables("SELECT 1; -- requires: a.b").is_empty());
    }
}
