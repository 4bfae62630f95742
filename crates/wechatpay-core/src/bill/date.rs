//! The day a bill covers, as the bill requests write it.

use std::fmt;

use time::Date;
use time::macros::format_description;

use crate::error::Error;
use crate::text::Quoted;

/// A bill's date, `YYYY-MM-DD` (`bill_date`): a real calendar date, so that the platform is
/// never asked for the 30th of February.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BillDate(String);

impl BillDate {
    /// Parses `YYYY-MM-DD`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bill_date`) for any other text, or a day the calendar lacks.
    pub fn new(text: &str) -> Result<Self, Error> {
        let format = format_description!("[year]-[month]-[day]");
        match Date::parse(text, format) {
            Ok(_) if text.len() == 10 => Ok(BillDate(text.to_owned())),
            _ => Err(Error::invalid(
                "bill_date",
                format!(
                    "{:?} is not a date written YYYY-MM-DD (2024-11-23)",
                    Quoted::value(text)
                ),
            )),
        }
    }

    /// The date as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BillDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BillDate({})", self.0)
    }
}

impl fmt::Display for BillDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
