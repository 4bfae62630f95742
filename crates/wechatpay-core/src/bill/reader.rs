//! A bill's text as rows: the header line, the rows, then the summary header and the summary
//! line, each value with the backtick the platform puts in front of it removed.
//!
//! The text is comma-separated without CSV quoting (`"` is a character like any other), UTF-8,
//! with `\r\n` or `\n` line ends and sometimes a byte-order mark in front of the header. Rows
//! are told from the summary header by that backtick: every value of a row has one, no
//! column name does. Columns are read by name, since their order and number change with the
//! bill's kind and with the platform's versions.

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use crate::error::{DecodeError, Error};

/// The mark in front of every value of a row, so that spreadsheets keep long numbers as text.
const VALUE_MARK: char = '`';
const BYTE_ORDER_MARK: char = '\u{feff}';
/// The most of a line an error quotes.
const QUOTED_LINE: usize = 512;

/// One row of a bill: its values, read by column name. Typed views:
/// [`BillRow::trade`], [`BillRow::fund_flow`].
#[derive(Clone, PartialEq, Eq)]
pub struct BillRow {
    columns: Arc<[String]>,
    values: Vec<String>,
    line: u64,
}

impl BillRow {
    /// The value of column `name`, its backtick removed; `None` when the bill has no such
    /// column (or the row stops short of it).
    pub fn get(&self, name: &str) -> Option<&str> {
        let index = self.columns.iter().position(|column| column == name)?;
        self.values.get(index).map(String::as_str)
    }

    /// The column names, as the header line gives them.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in the header's order.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The row's line in the bill, from 1.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// `(column, value)` pairs in order; columns the row stops short of are left out.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.columns
            .iter()
            .zip(&self.values)
            .map(|(column, value)| (column.as_str(), value.as_str()))
    }

    /// An error about this row's `column`.
    pub(crate) fn error<T>(&self, column: &str, reason: impl fmt::Display) -> Error {
        let text = self.values.join(",");
        bill_error::<T>(self.line, &format!("column {column}: {reason}"), &text)
    }
}

impl fmt::Debug for BillRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A bill's summary: the summary header and the summary line, as a row of their own. Typed
/// views: [`BillRow::trade_summary`], [`BillRow::fund_flow_summary`].
pub type Summary = BillRow;

/// Reads a bill row by row from any reader, holding one row at a time: for bills of any
/// size. The summary is there once the rows are read ([`BillReader::summary`]).
///
/// ```
/// use wechatpay_core::bill::BillReader;
///
/// let text = "交易时间,商户订单号,新的列\r\n\
///             `2024-11-23 10:00:00,`ORDER_1,`x\r\n\
///             总交易单数,应结订单总金额\r\n\
///             `1,`0.01\r\n";
/// let mut bill = BillReader::new(text.as_bytes())?;
/// let row = bill.next().transpose()?.expect("one row");
/// assert_eq!(row.get("商户订单号"), Some("ORDER_1"));
/// assert_eq!(row.get("新的列"), Some("x")); // unknown columns are kept
/// assert!(bill.next().is_none());
/// assert_eq!(bill.summary().and_then(|s| s.get("总交易单数")), Some("1"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
pub struct BillReader<R> {
    records: csv::Reader<R>,
    record: csv::StringRecord,
    columns: Arc<[String]>,
    summary: Option<Summary>,
    finished: bool,
}

impl<R: Read> BillReader<R> {
    /// Reads the header line.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the text is not UTF-8 or has no header line.
    pub fn new(reader: R) -> Result<Self, Error> {
        let mut records = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .quoting(false)
            .from_reader(reader);
        let mut record = csv::StringRecord::new();
        let columns = loop {
            if !read(&mut records, &mut record)? {
                return Err(bill_error::<Self>(1, "the bill is empty", ""));
            }
            if !is_blank(&record) {
                break record
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let name = if i == 0 {
                            name.trim_start_matches(BYTE_ORDER_MARK)
                        } else {
                            name
                        };
                        name.trim().to_owned()
                    })
                    .collect::<Arc<[String]>>();
            }
        };
        if columns.iter().any(|name| name.starts_with(VALUE_MARK)) {
            return Err(bill_error::<Self>(
                line_of(&record),
                "the first line is a row, not the header",
                &record.iter().collect::<Vec<_>>().join(","),
            ));
        }
        Ok(BillReader {
            records,
            record,
            columns,
            summary: None,
            finished: false,
        })
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The summary, once every row was read.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// Reads the summary header and line that follow the rows.
    fn read_summary(&mut self) -> Result<(), Error> {
        let header_line = line_of(&self.record);
        let names: Arc<[String]> = self.record.iter().map(|n| n.trim().to_owned()).collect();
        loop {
            if !read(&mut self.records, &mut self.record)? {
                return Err(bill_error::<Self>(
                    header_line,
                    "the summary header is not followed by the summary line",
                    &names.join(","),
                ));
            }
            if !is_blank(&self.record) {
                break;
            }
        }
        let summary = row(&names, &self.record)?;
        loop {
            if !read(&mut self.records, &mut self.record)? {
                break;
            }
            if !is_blank(&self.record) {
                return Err(bill_error::<Self>(
                    line_of(&self.record),
                    "text after the summary line",
                    &self.record.iter().collect::<Vec<_>>().join(","),
                ));
            }
        }
        self.summary = Some(summary);
        Ok(())
    }

    fn next_row(&mut self) -> Result<Option<BillRow>, Error> {
        loop {
            if !read(&mut self.records, &mut self.record)? {
                return Err(bill_error::<Self>(
                    line_of(&self.record),
                    "the bill ends without its summary: it was cut short",
                    "",
                ));
            }
            if is_blank(&self.record) {
                continue;
            }
            let first = self.record.get(0).unwrap_or_default();
            if !first.starts_with(VALUE_MARK) {
                self.read_summary()?;
                return Ok(None);
            }
            return row(&self.columns, &self.record).map(Some);
        }
    }
}

impl<R: Read> Iterator for BillReader<R> {
    type Item = Result<BillRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.next_row() {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(error) => {
                self.finished = true;
                Some(Err(error))
            }
        }
    }
}

impl<R> fmt::Debug for BillReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillReader")
            .field("columns", &self.columns)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// A whole bill in memory: for the bills of a small merchant; read large ones with
/// [`BillReader`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bill {
    /// The column names.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<BillRow>,
    /// The summary header and line.
    pub summary: Summary,
}

impl Bill {
    /// Parses a whole bill's text.
    ///
    /// # Errors
    ///
    /// As [`BillReader`]: [`Error::Decode`] naming the line.
    pub fn parse(text: &[u8]) -> Result<Self, Error> {
        let mut reader = BillReader::new(text)?;
        let rows = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
        let summary = reader
            .summary
            .take()
            .ok_or_else(|| bill_error::<Self>(0, "the bill has no summary", ""))?;
        Ok(Bill {
            columns: reader.columns.to_vec(),
            rows,
            summary,
        })
    }
}

fn read<R: Read>(
    records: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
) -> Result<bool, Error> {
    records.read_record(record).map_err(|e| {
        let line = e.position().map_or(0, |p| p.line());
        bill_error::<BillRow>(line, &e.to_string(), "")
    })
}

fn row(columns: &Arc<[String]>, record: &csv::StringRecord) -> Result<BillRow, Error> {
    Ok(BillRow {
        columns: columns.clone(),
        values: record
            .iter()
            .map(|value| value.strip_prefix(VALUE_MARK).unwrap_or(value).to_owned())
            .collect(),
        line: line_of(record),
    })
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|value| value.trim().is_empty())
}

fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

fn bill_error<T>(line: u64, reason: &str, text: &str) -> Error {
    let mut end = text.len().min(QUOTED_LINE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Error::Decode(Box::new(DecodeError {
        target: std::any::type_name::<T>(),
        reason: format!("bill line {line}: {reason}"),
        body: text.as_bytes()[..end].to_vec(),
        request_id: None,
    }))
}
