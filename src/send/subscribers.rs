//! subscribers.csv, read one row at a time so memory does not grow with the
//! list. A header row is required; `email` is the only required column,
//! `name` is used in greetings, and every other column is passed to the
//! templates as a per-recipient field. A reader marked unsubscribed (a truthy
//! `unsubscribed` column, or a `status` column saying unsubscribed, bounced,
//! blocklisted or inactive) is skipped.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::problem::Problem;

use super::SendError;

/// One valid, subscribed reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// 1-based line in the file.
    pub line: usize,
    /// As written in the file (trimmed).
    pub address: String,
    /// Lower-cased address: the key duplicates are merged on.
    pub key: String,
    pub name: String,
    /// The other columns, by header name.
    pub fields: BTreeMap<String, String>,
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Subscriber(Subscriber),
    Unsubscribed { line: usize, address: String },
    Bad(Problem),
}

/// Counts line ends as the CSV reader pulls bytes, so a row's byte offset can
/// be turned into its real line number (the csv crate's own line count skips
/// blank lines). Only offsets not yet passed are kept, so memory stays flat.
struct LineCounter {
    inner: File,
    consumed: u64,
    newlines: VecDeque<u64>,
}

impl Read for LineCounter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                self.newlines.push_back(self.consumed + i as u64);
            }
        }
        self.consumed += n as u64;
        Ok(n)
    }
}

/// Streams the rows of a subscriber list.
pub struct SubscriberReader {
    path: PathBuf,
    reader: csv::Reader<LineCounter>,
    /// Line ends passed so far (by byte offset), for [`Self::line_at`].
    lines_before: usize,
    headers: Vec<String>,
    email_col: usize,
    name_col: Option<usize>,
    unsub_col: Option<usize>,
    status_col: Option<usize>,
    record: csv::ByteRecord,
    done: bool,
}

impl SubscriberReader {
    /// Opens the list and checks its header. A missing file or a header without
    /// an `email` column is bad input for the whole send.
    pub fn open(path: &Path) -> Result<SubscriberReader, SendError> {
        let file = File::open(path).map_err(|source| SendError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(LineCounter {
                inner: file,
                consumed: 0,
                newlines: VecDeque::new(),
            });
        let headers: Vec<String> = reader
            .byte_headers()
            .map_err(|e| SendError::BadList {
                path: path.to_path_buf(),
                line: 1,
                message: format!("cannot read the header row: {e}"),
            })?
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let find = |name: &str| headers.iter().position(|h| h == name);
        let email_col = find("email").ok_or_else(|| SendError::BadList {
            path: path.to_path_buf(),
            line: 1,
            message: format!(
                "the header row has no `email` column (found: {}); the first line must name the columns, e.g. `email,name`",
                headers.join(",")
            ),
        })?;
        Ok(SubscriberReader {
            path: path.to_path_buf(),
            email_col,
            name_col: find("name"),
            unsub_col: find("unsubscribed"),
            status_col: find("status"),
            headers,
            reader,
            record: csv::ByteRecord::new(),
            done: false,
            lines_before: 0,
        })
    }

    /// The next row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Option<Row> {
        if self.done {
            return None;
        }
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    let byte = self.record.position().map(|p| p.byte()).unwrap_or(0);
                    let line = self.line_at(byte);
                    if self.record.iter().all(|f| f.is_empty()) {
                        continue; // a blank line is not a reader
                    }
                    return Some(self.row(line));
                }
                Err(err) => {
                    let byte = err.position().map(|p| p.byte());
                    let line = byte.map(|b| self.line_at(b));
                    let message = match err.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!(
                            "this row has {len} fields but the header has {expected_len}; quote fields that contain commas"
                        ),
                        _ => format!("unreadable row: {err}"),
                    };
                    let problem = Problem::skipped(&self.path, line, message);
                    // An I/O error means the file itself failed: report once and stop.
                    self.done = matches!(err.kind(), csv::ErrorKind::Io(_));
                    return Some(Row::Bad(problem));
                }
            }
        }
    }

    /// The 1-based line of the byte at `offset` (offsets must not go back).
    fn line_at(&mut self, offset: u64) -> usize {
        let newlines = &mut self.reader.get_mut().newlines;
        while newlines.front().is_some_and(|&nl| nl < offset) {
            newlines.pop_front();
            self.lines_before += 1;
        }
        // The csv reader reports a record after blank lines as starting at
        // the first of them: skip line ends (LF or CRLF) right at the offset.
        let mut at = offset;
        loop {
            match newlines.front() {
                Some(&nl) if nl == at || nl == at + 1 => {
                    newlines.pop_front();
                    self.lines_before += 1;
                    at = nl + 1;
                }
                _ => break,
            }
        }
        self.lines_before + 1
    }

    fn row(&self, line: usize) -> Row {
        let bad = |message: String| Row::Bad(Problem::skipped(&self.path, Some(line), message));
        let mut values = Vec::with_capacity(self.record.len());
        for (i, field) in self.record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(v) => values.push(v),
                Err(_) => {
                    return bad(format!(
                        "column `{}` is not valid UTF-8; save the list as UTF-8",
                        self.headers.get(i).map(String::as_str).unwrap_or("?")
                    ))
                }
            }
        }
        let address = values[self.email_col].to_string();
        if let Err(why) = validate_address(&address) {
            return bad(format!("{address:?} is not a valid email address: {why}"));
        }
        if self.is_unsubscribed(&values) {
            return Row::Unsubscribed { line, address };
        }
        let name = self
            .name_col
            .map(|c| values[c].to_string())
            .unwrap_or_default();
        let mut fields = BTreeMap::new();
        for (i, value) in values.iter().enumerate() {
            if Some(i) != self.name_col && i != self.email_col {
                fields.insert(self.headers[i].clone(), value.to_string());
            }
        }
        Row::Subscriber(Subscriber {
            line,
            key: address.to_lowercase(),
            address,
            name,
            fields,
        })
    }

    fn is_unsubscribed(&self, values: &[&str]) -> bool {
        let unsub = self.unsub_col.map(|c| values[c].to_ascii_lowercase());
        if matches!(
            unsub.as_deref(),
            Some("1" | "true" | "yes" | "y" | "x" | "unsubscribed")
        ) {
            return true;
        }
        let status = self.status_col.map(|c| values[c].to_ascii_lowercase());
        matches!(
            status.as_deref(),
            Some(
                "unsubscribed"
                    | "unsubscribe"
                    | "bounced"
                    | "blocklisted"
                    | "blacklisted"
                    | "inactive"
            )
        )
    }
}

/// Checks an address: the RFC 5321 shape lettre accepts, plus a domain that
/// could receive mail (a dot, no leading/trailing dot or hyphen).
pub fn validate_address(address: &str) -> Result<lettre::Address, String> {
    if address.is_empty() {
        return Err("it is empty".into());
    }
    let parsed: lettre::Address = address.parse().map_err(|e| format!("{e}"))?;
    let domain = parsed.domain();
    let literal = domain.starts_with('[') && domain.ends_with(']');
    if !literal {
        if !domain.contains('.') {
            return Err(format!("the domain {domain:?} has no dot"));
        }
        if domain
            .split('.')
            .any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
        {
            return Err(format!("the domain {domain:?} is malformed"));
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(csv: &str) -> Vec<Row> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, csv).unwrap();
        let mut reader = SubscriberReader::open(&path).unwrap();
        std::iter::from_fn(|| reader.next_row()).collect()
    }

    #[test]
    fn reads_columns_skips_unsubscribed_and_reports_bad_rows_with_lines() {
        let got = rows(
            "Email,Name,company,status\n\
             ada@example.com,Ada,\"Analytical, Ltd\",active\n\
             not-an-address,Bob,,\n\
             carol@example.com,Carol,,unsubscribed\n\
             dave@example.com,Dave\n\
             \n\
             Erin@Example.COM,,X,\n",
        );
        assert_eq!(got.len(), 5, "{got:?}");
        let Row::Subscriber(ada) = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!(ada.line, 2);
        assert_eq!(ada.name, "Ada");
        assert_eq!(ada.fields["company"], "Analytical, Ltd");
        assert!(!ada.fields.contains_key("name"));
        let Row::Bad(p) = &got[1] else { panic!() };
        assert_eq!(p.line, Some(3));
        assert!(p.message.contains("not-an-address"));
        assert!(matches!(&got[2], Row::Unsubscribed { line: 4, .. }));
        let Row::Bad(p) = &got[3] else { panic!() };
        assert_eq!(p.line, Some(5), "{p}");
        let Row::Subscriber(erin) = &got[4] else {
            panic!()
        };
        assert_eq!(erin.key, "erin@example.com");
        assert_eq!(erin.address, "Erin@Example.COM");
        assert_eq!(erin.line, 7);
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_and_quoted_newlines() {
        let got = rows("email,name\r\n\r\n\r\na@example.com,\"two\r\nlines\"\r\nbad,x\r\n\nb@example.com,B\r\n");
        let lines: Vec<Option<usize>> = got
            .iter()
            .map(|r| match r {
                Row::Subscriber(s) => Some(s.line),
                Row::Bad(p) => p.line,
                Row::Unsubscribed { line, .. } => Some(*line),
            })
            .collect();
        assert_eq!(lines, vec![Some(4), Some(6), Some(8)], "{got:?}");
    }

    #[test]
    fn header_without_email_is_an_error_naming_line_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, "mail,name\na@example.com,A\n").unwrap();
        let err = SubscriberReader::open(&path).err().unwrap();
        assert!(err.to_string().contains("s.csv:1:"), "{err}");
    }

    #[test]
    fn address_validation() {
        assert!(validate_address("a.b+tag@mail.example.org").is_ok());
        assert!(validate_address("a@localhost").is_err());
        assert!(validate_address("a@@example.com").is_err());
        assert!(validate_address("a@-x.example").is_err());
        assert!(validate_address("a b@example.com").is_err());
    }
}
