//! Answers of the API pages (`pages/`): the pages' own examples byte for byte, and minimal
//! answers as the pages' field tables allow them. The core's tests decode them; the mock
//! platform serves them.

/// The example answer of 通过业务申请编号查询申请状态
/// (`GET /v3/ecommerce/applyments/out-request-no/{out_request_no}`), byte for byte:
/// pretty-printed with ` : ` separators, state `FINISH`. Its account ciphertexts are the page's
/// own and decrypt with no test key.
pub const APPLYMENT_STATE: &str = include_str!("../pages/applyment_state.json");

/// A just-submitted applyment: only its ids and the state `CHECKING`, every optional field
/// absent.
pub const APPLYMENT_STATE_CHECKING: &str = include_str!("../pages/applyment_state_checking.json");

/// The example answer of 根据业务申请单号查签约信息
/// (`GET /v3/ecommerce/individual-contracts/out-contract-code/{out_contract_code}`), byte for
/// byte, with the JSON `\t` escape at the end of `individual_openid`.
pub const INDIVIDUAL_CONTRACT: &str = include_str!("../pages/individual_contract.json");

/// A contract not signed yet: only `auth_state` `UNAUTHORIZED`, with no `signed_time`, no
/// `individual_auth_id` and no `individual_openid`.
pub const INDIVIDUAL_CONTRACT_UNAUTHORIZED: &str =
    include_str!("../pages/individual_contract_unauthorized.json");

/// The example answer of 查询二级商户账户实时余额
/// (`GET /v3/ecommerce/fund/balance/{sub_mchid}`): sub-merchant `1900000109`, 100.00 yuan
/// available in its basic account.
pub const ECOMMERCE_FUND_BALANCE: &str = include_str!("../pages/ecommerce_fund_balance.json");

/// The answer of 请求补差 (`POST /v3/ecommerce/subsidies/create`), assembled from the example
/// values of the page's answer table in the page's layout: the stored copies of the page show
/// the table, not the example block. Subsidy `3008450740201411110007820472`, 10 fen, `SUCCESS`.
pub const ECOMMERCE_SUBSIDY_CREATE: &str = include_str!("../pages/ecommerce_subsidy_create.json");

/// The answer of 请求补差回退 (`POST /v3/ecommerce/subsidies/return`), assembled like
/// [`ECOMMERCE_SUBSIDY_CREATE`]: return `P20150806125346` of 10 fen, `SUCCESS`.
pub const ECOMMERCE_SUBSIDY_RETURN: &str = include_str!("../pages/ecommerce_subsidy_return.json");

/// The example answer of 取消补差 (`POST /v3/ecommerce/subsidies/cancel`), byte for byte:
/// sub-merchant `1900013401`, `SUCCESS`.
pub const ECOMMERCE_SUBSIDY_CANCEL: &str = include_str!("../pages/ecommerce_subsidy_cancel.json");

/// The example answer of 查询二级商户账户日终余额
/// (`GET /v3/ecommerce/fund/enddaybalance/{sub_mchid}`) as the earlier version of the page
/// gives it (no `account_type`), laid out with two-space indents: the stored copies show its
/// fields and values, not its whitespace. 100.00 yuan available.
pub const ECOMMERCE_FUND_END_DAY_BALANCE: &str =
    include_str!("../pages/ecommerce_fund_end_day_balance.json");

/// The example answer of 查询账户实时余额 (`GET /v3/merchant/fund/balance/{account_type}`),
/// byte for byte; 查询账户日终余额 (`GET /v3/merchant/fund/dayendbalance/{account_type}`)
/// shows the same bytes. 100.00 yuan available, 1 fen pending.
pub const MERCHANT_FUND_BALANCE: &str = include_str!("../pages/merchant_fund_balance.json");

/// The answer of 二级商户预约提现 (`POST /v3/ecommerce/fund/withdraw`), assembled from the
/// example values of the page's answer table in the page's layout (the stored copies cut the
/// example block short): withdrawal `20190611222222222200000000012122` from `BASIC`.
pub const ECOMMERCE_FUND_WITHDRAW: &str = include_str!("../pages/ecommerce_fund_withdraw.json");

/// The answer of 查询二级商户预约提现状态 (`GET /v3/ecommerce/fund/withdraw/{withdraw_id}`,
/// and by `out_request_no`), assembled from the example values of its answer table: 1.00
/// yuan, `SUCCESS`, to an account ending in `1178`.
pub const ECOMMERCE_FUND_WITHDRAW_STATUS: &str =
    include_str!("../pages/ecommerce_fund_withdraw_status.json");

/// The example answer of 电商平台预约提现 (`POST /v3/merchant/fund/withdraw`) with the fields
/// and values of the earlier version of the page, laid out with two-space indents.
pub const MERCHANT_FUND_WITHDRAW: &str = include_str!("../pages/merchant_fund_withdraw.json");

/// The answer of 电商平台查询预约提现状态
/// (`GET /v3/merchant/fund/withdraw/withdraw-id/{withdraw_id}`, and by `out_request_no`),
/// assembled from the example values of its answer table: `CREATE_SUCCESS`, with `solution`.
pub const MERCHANT_FUND_WITHDRAW_STATUS: &str =
    include_str!("../pages/merchant_fund_withdraw_status.json");

/// The answer of 发起转账 (`POST /v3/ecommerce/mch-transfer/transfer-bills`), assembled from
/// the example values of the page's answer table in the page's layout (the stored copies cut
/// the example block short): `ACCEPTED`, with a `package_info`.
pub const ECOMMERCE_TRANSFER_BILL: &str = include_str!("../pages/ecommerce_transfer_bill.json");

/// The answer of 商户单号查询转账单
/// (`GET /v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}`, and of the
/// query by `transfer_bill_no`), assembled from the example values of its answer table; its
/// `user_name` is the page's placeholder, which decrypts with no key.
pub const ECOMMERCE_TRANSFER_BILL_QUERY: &str =
    include_str!("../pages/ecommerce_transfer_bill_query.json");

/// The answer of 撤销转账
/// (`POST /v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel`),
/// assembled from the example values of its answer table: `CANCELING`.
pub const ECOMMERCE_TRANSFER_BILL_CANCEL: &str =
    include_str!("../pages/ecommerce_transfer_bill_cancel.json");
