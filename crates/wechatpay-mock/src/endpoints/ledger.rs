//! The sandbox's money: every sub-merchant order, and every movement of money into or out of
//! an account, in order. It serves no route of its own; the payment, refund, profit-sharing,
//! subsidy, withdraw and transfer endpoints keep their money here, so that each of them sees
//! what the others did (a refund cannot exceed what was paid, a withdraw what is available),
//! and balances and bills are sums over one list that cannot disagree with itself.
//!
//! Money is whole fen. Every account's balance is available at once: the mock does not hold
//! payments back until profit sharing finishes, as the platform may.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Endpoint;
use crate::platform::SetupError;
use crate::sandbox::table;
use crate::store::{Seeding, Store};

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[],
    seed,
    unknown_enum_values: &[],
    tables: &[table::<Ledger>("ledger")],
    progress: &[],
};

fn seed(_: &mut Seeding<'_>) -> Result<(), SetupError> {
    Ok(())
}

/// Every order and every movement of money.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Ledger {
    /// Every sub-merchant order, placed alone or in a combined order, oldest first.
    pub(crate) orders: Vec<Order>,
    /// Every movement of money, oldest first.
    pub(crate) entries: Vec<Entry>,
}

/// One sub-merchant's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Order {
    /// The sub-merchant whose order it is.
    pub(crate) sub_mchid: String,
    /// The merchant's order number, unique per sub-merchant.
    pub(crate) out_trade_no: String,
    /// The platform's order number, given when the order is placed; answered once it is paid.
    pub(crate) transaction_id: String,
    /// The combined order it is part of, if any.
    pub(crate) combine_out_trade_no: Option<String>,
    /// `JSAPI`, `APP`, `MWEB` (H5) or `NATIVE`.
    pub(crate) trade_type: String,
    /// `NOTPAY`, `SUCCESS`, `CLOSED` or `REFUND`, as `trade_state`.
    pub(crate) state: String,
    /// What the payer pays, in fen.
    pub(crate) total: u64,
    /// What the order says it sells.
    pub(crate) description: String,
    /// Where the payment result goes.
    pub(crate) notify_url: String,
    /// Unix seconds.
    pub(crate) created_at: u64,
    /// Unix seconds, once paid.
    pub(crate) paid_at: Option<u64>,
    /// What was refunded of it so far (successful refunds and those in progress), in fen.
    pub(crate) refunded: u64,
    /// What was shared out of it so far, less what came back, in fen.
    pub(crate) shared: u64,
    /// Whether the order was placed for profit sharing (`settle_info.profit_sharing`).
    pub(crate) profit_sharing: bool,
    /// Whether its profit sharing was finished: nothing more can be shared.
    pub(crate) sharing_finished: bool,
    /// The request that placed it (the whole body, or the sub-order of a combined order):
    /// the same request again is a retry, answered as the first; another is a conflict.
    pub(crate) request: Value,
}

/// One movement of money into (positive) or out of (negative) an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// Unix seconds.
    pub(crate) at: u64,
    /// Whose account: a sub-merchant's id, or the platform's own merchant id.
    pub(crate) mchid: String,
    /// Which account: `BASIC`, `OPERATION`, `FEES`...
    pub(crate) account: String,
    /// What moved the money.
    pub(crate) kind: EntryKind,
    /// Fen; positive into the account.
    pub(crate) amount: i64,
    /// The platform's id of what moved it (`transaction_id`, `refund_id`, `order_id`,
    /// `withdraw_id`...).
    pub(crate) id: String,
    /// The merchant's number for it (`out_trade_no`, `out_refund_no`, `out_order_no`...).
    pub(crate) out_no: String,
    /// The `transaction_id` of the order it concerns (a payment's own, a refund's or a
    /// profit sharing's order), when it concerns one: bills list the order with it.
    #[serde(default)]
    pub(crate) transaction_id: Option<String>,
}

/// What moved money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum EntryKind {
    /// A payer paid an order.
    Payment,
    /// An order was refunded.
    Refund,
    /// Profit was shared from an order to a receiver (negative for the sub-merchant, positive
    /// for the receiver).
    ProfitSharing,
    /// Shared profit came back.
    ProfitSharingReturn,
    /// The platform subsidised an order (positive for the sub-merchant, negative for the
    /// platform).
    Subsidy,
    /// A subsidy went back.
    SubsidyReturn,
    /// Money was withdrawn to a bank account.
    Withdraw,
    /// Money was transferred to a user.
    Transfer,
}

impl Ledger {
    /// The order `out_trade_no` of `sub_mchid`.
    pub(crate) fn order(&self, sub_mchid: &str, out_trade_no: &str) -> Option<&Order> {
        self.orders
            .iter()
            .find(|o| o.sub_mchid == sub_mchid && o.out_trade_no == out_trade_no)
    }

    /// The order `out_trade_no` of `sub_mchid`, to change.
    pub(crate) fn order_mut(&mut self, sub_mchid: &str, out_trade_no: &str) -> Option<&mut Order> {
        self.orders
            .iter_mut()
            .find(|o| o.sub_mchid == sub_mchid && o.out_trade_no == out_trade_no)
    }

    /// The order whose platform number is `transaction_id`.
    pub(crate) fn order_by_transaction_id(&self, transaction_id: &str) -> Option<&Order> {
        self.orders
            .iter()
            .find(|o| o.transaction_id == transaction_id)
    }

    /// The order whose platform number is `transaction_id`, to change.
    pub(crate) fn order_by_transaction_id_mut(
        &mut self,
        transaction_id: &str,
    ) -> Option<&mut Order> {
        self.orders
            .iter_mut()
            .find(|o| o.transaction_id == transaction_id)
    }

    /// The sub-orders of the combined order `combine_out_trade_no`, in the order placed.
    pub(crate) fn combined<'a>(
        &'a self,
        combine_out_trade_no: &'a str,
    ) -> impl Iterator<Item = &'a Order> + 'a {
        self.orders
            .iter()
            .filter(move |o| o.combine_out_trade_no.as_deref() == Some(combine_out_trade_no))
    }

    /// Records a movement of money.
    pub(crate) fn record(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// The balance of `account` of `mchid` now, in fen: the sum of its entries.
    pub(crate) fn balance(&self, mchid: &str, account: &str) -> i64 {
        self.balance_until(mchid, account, u64::MAX)
    }

    /// The balance of `account` of `mchid` as it was at Unix time `until` (entries at or
    /// before it), in fen.
    pub(crate) fn balance_until(&self, mchid: &str, account: &str, until: u64) -> i64 {
        self.entries
            .iter()
            .filter(|e| e.mchid == mchid && e.account == account && e.at <= until)
            .fold(0i64, |sum, e| sum.saturating_add(e.amount))
    }

    /// The entries of the day (China Standard Time) that starts at Unix time `day_start`.
    pub(crate) fn day(&self, day_start: u64) -> impl Iterator<Item = &Entry> {
        let day_end = day_start.saturating_add(86_400);
        self.entries
            .iter()
            .filter(move |e| e.at >= day_start && e.at < day_end)
    }

    /// A new platform id: `prefix` then digits, `len` characters in all, one above the
    /// highest id with that prefix among the orders and entries, so that ids never repeat
    /// and saved state loads back without clashes.
    pub(crate) fn next_id(&self, prefix: &str, len: usize) -> String {
        let digits = len.saturating_sub(prefix.len()).clamp(1, 30);
        let used = self
            .orders
            .iter()
            .map(|o| o.transaction_id.as_str())
            .chain(self.entries.iter().map(|e| e.id.as_str()))
            .filter_map(|id| id.strip_prefix(prefix))
            .filter_map(|rest| rest.parse::<u128>().ok())
            .max()
            .unwrap_or(0);
        format!("{prefix}{:0digits$}", used.saturating_add(1))
    }
}

/// `change` applied to the ledger of `store`.
pub(crate) fn write<R>(store: &Store, change: impl FnOnce(&mut Ledger) -> R) -> R {
    store.write(change)
}

/// `read` applied to the ledger of `store`.
pub(crate) fn read<R>(store: &Store, read: impl FnOnce(&Ledger) -> R) -> R {
    store.read(read)
}

/// The Unix time at which the day (China Standard Time, UTC+8) of Unix time `at` starts.
pub(crate) fn day_start(at: u64) -> u64 {
    const OFFSET: u64 = 8 * 3600;
    (at.saturating_add(OFFSET) / 86_400 * 86_400).saturating_sub(OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: u64, mchid: &str, amount: i64, id: &str) -> Entry {
        Entry {
            at,
            mchid: mchid.to_owned(),
            account: "BASIC".to_owned(),
            kind: EntryKind::Payment,
            amount,
            id: id.to_owned(),
            out_no: "X".to_owned(),
            transaction_id: None,
        }
    }

    #[test]
    fn balances_are_sums_of_entries_up_to_a_time() {
        let mut ledger = Ledger::default();
        ledger.record(entry(100, "1900000109", 500, "4200000001"));
        ledger.record(entry(200, "1900000109", -120, "5030000001"));
        ledger.record(entry(300, "1900000110", 700, "4200000002"));
        assert_eq!(ledger.balance("1900000109", "BASIC"), 380);
        assert_eq!(ledger.balance_until("1900000109", "BASIC", 150), 500);
        assert_eq!(ledger.balance("1900000109", "OPERATION"), 0);
        assert_eq!(ledger.next_id("4200", 10), "4200000003");
        assert_eq!(ledger.next_id("99", 6), "990001");
    }

    #[test]
    fn days_are_china_standard_time() {
        // 2024-01-01T00:00:00+08:00 is 1704038400.
        assert_eq!(day_start(1_704_038_400), 1_704_038_400);
        assert_eq!(day_start(1_704_038_400 + 86_399), 1_704_038_400);
        assert_eq!(day_start(1_704_038_399), 1_704_038_400 - 86_400);
        let mut ledger = Ledger::default();
        ledger.record(entry(1_704_038_399, "1", 1, "a"));
        ledger.record(entry(1_704_038_400, "1", 2, "b"));
        let ids: Vec<&str> = ledger.day(1_704_038_400).map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["b"]);
    }
}
