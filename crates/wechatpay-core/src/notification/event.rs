//! A verified callback, opened: its resource decrypted and read by event type.

use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::{ApiV3Key, Notification};
use crate::ecommerce::protocol_enum;
use crate::ecommerce::refund::Refund;
use crate::ecommerce::transaction::{CombineTransaction, Transaction};
use crate::error::{DecodeError, Error};
use crate::sensitive::SensitiveString;

protocol_enum! {
    /// `event_type`: what a callback reports. The e-commerce payment and refund events are
    /// named; any other arrives as [`EventType::Unknown`], its resource as [`Event::Other`].
    pub enum EventType {
        /// 支付成功: an order was paid.
        TransactionSuccess => "TRANSACTION.SUCCESS",
        /// 退款成功: a refund reached the user.
        RefundSuccess => "REFUND.SUCCESS",
        /// 退款异常: a refund could not reach the user.
        RefundAbnormal => "REFUND.ABNORMAL",
        /// 退款关闭: a refund was closed.
        RefundClosed => "REFUND.CLOSED",
    }
}

/// A callback whose signature verified and whose resource was decrypted and read: what a
/// handler acts on. Made by [`Notification::open`] (or [`crate::Client::open_notification`],
/// which verifies first).
///
/// **Idempotency.** The platform delivers a callback again until it is answered with success
/// (about 15 times over a day, at growing intervals), and may deliver it twice even then.
/// Each delivery carries the same [`OpenedNotification::id`] and a fresh signature. Handle a
/// callback so that doing it twice changes nothing: remember the ids handled (a unique key
/// in the database that records the effect, in the same transaction), answer success at once
/// for an id already handled, and check the order's own state before acting on it. A copy
/// replayed by someone else within the clock window verifies like a redelivery, and is made
/// harmless the same way; outside the window it is refused as stale.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenedNotification {
    /// The notification id, the same on every delivery of one notification: the key to
    /// de-duplicate on.
    pub id: String,
    /// When the platform created the notification, RFC 3339.
    pub create_time: String,
    /// What happened.
    pub event_type: EventType,
    /// The platform's one-line summary, such as `支付成功`.
    pub summary: Option<String>,
    /// The decrypted resource, typed by event.
    pub event: Event,
}

/// The decrypted resource of a callback, typed by its event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// `TRANSACTION.SUCCESS` for a partner order.
    Transaction(Box<Transaction>),
    /// `TRANSACTION.SUCCESS` for a combined order (the resource has a
    /// `combine_out_trade_no`).
    CombineTransaction(Box<CombineTransaction>),
    /// `REFUND.SUCCESS`, `REFUND.ABNORMAL` or `REFUND.CLOSED`.
    Refund(Box<Refund>),
    /// Any other event (or a known event with another `original_type`): the decrypted JSON,
    /// for [`RawResource::json`] into a type of your own.
    Other(RawResource),
}

/// A decrypted resource of an event this version does not type. `Debug` shows its type and
/// length only: it may hold personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct RawResource {
    original_type: String,
    plaintext: SensitiveString,
}

impl RawResource {
    /// The resource's `original_type`, such as `applyment`.
    pub fn original_type(&self) -> &str {
        &self.original_type
    }

    /// The decrypted JSON text, exactly as decrypted.
    pub fn plaintext(&self) -> &SensitiveString {
        &self.plaintext
    }

    /// Reads the JSON into `T` (`serde_json::Value` for any shape).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`], which names the line and column but never shows the text.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        from_plaintext(&self.plaintext, &self.original_type)
    }
}

impl fmt::Debug for RawResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResource")
            .field("original_type", &self.original_type)
            .field(
                "plaintext",
                &format_args!("<{} bytes>", self.plaintext.expose().len()),
            )
            .finish()
    }
}

impl Notification {
    /// Decrypts the resource with the APIv3 key and reads it by event type. Call it on a
    /// notification whose signature verified ([`crate::Client::parse_notification`]), or use
    /// [`crate::Client::open_notification`], which does both.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] as [`super::NotificationResource::decrypt`] says (above all
    /// `DecryptionFailed`: another APIv3 key); [`Error::Decode`] when a typed resource lacks
    /// a required field.
    pub fn open(&self, key: &ApiV3Key) -> Result<OpenedNotification, Error> {
        let plaintext = self.resource.decrypt(key)?;
        self.open_with(plaintext)
    }

    /// As [`Notification::open`], for a resource decrypted elsewhere (a runtime's WebCrypto:
    /// `wechatpay_fetch::FetchTransport::decrypt_notification`).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when a typed resource lacks a required field, or is not JSON.
    pub fn open_with(&self, plaintext: SensitiveString) -> Result<OpenedNotification, Error> {
        let event_type = EventType::from(self.event_type.as_str());
        let original_type = self.resource.original_type.as_str();
        let event = match (&event_type, original_type) {
            (EventType::TransactionSuccess, "transaction") => {
                #[derive(Deserialize)]
                struct Combined {
                    combine_out_trade_no: Option<IgnoredAny>,
                }
                let combined: Combined = from_plaintext(&plaintext, original_type)?;
                if combined.combine_out_trade_no.is_some() {
                    Event::CombineTransaction(from_plaintext(&plaintext, original_type)?)
                } else {
                    Event::Transaction(from_plaintext(&plaintext, original_type)?)
                }
            }
            (
                EventType::RefundSuccess | EventType::RefundAbnormal | EventType::RefundClosed,
                "refund",
            ) => Event::Refund(from_plaintext(&plaintext, original_type)?),
            _ => Event::Other(RawResource {
                original_type: original_type.to_owned(),
                plaintext,
            }),
        };
        Ok(OpenedNotification {
            id: self.id.clone(),
            create_time: self.create_time.clone(),
            event_type,
            summary: self.summary.clone(),
            event,
        })
    }
}

/// Reads a decrypted resource. The error keeps neither the text nor serde's message when that
/// may quote a value (`invalid type: string "oUpF8…"`): a decrypted resource holds personal
/// data. A missing field is named, since a field name is no one's data.
fn from_plaintext<T: DeserializeOwned>(
    plaintext: &SensitiveString,
    original_type: &str,
) -> Result<T, Error> {
    serde_json::from_str(plaintext.expose()).map_err(|e| {
        let message = e.to_string();
        let what = if message.starts_with("missing field") {
            message
                .split(" at line")
                .next()
                .unwrap_or("missing field")
                .to_owned()
        } else {
            format!("{:?} error", e.classify())
        };
        Error::Decode(Box::new(DecodeError {
            target: std::any::type_name::<T>(),
            reason: format!(
                "the decrypted {original_type:?} resource: {what} at line {} column {} \
                 (its text is not shown: it holds personal data)",
                e.line(),
                e.column()
            ),
            body: Vec::new(),
            request_id: None,
        }))
    })
}
