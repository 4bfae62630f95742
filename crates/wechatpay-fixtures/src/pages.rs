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

/// The example answer of the JSAPI and app orders (合单下单 and 普通支付下单, `POST
/// /v3/combine-transactions/{jsapi,app}`, `POST /v3/pay/partner/transactions/{jsapi,app}`):
/// the `prepay_id`.
pub const PREPAY_ID: &str = include_str!("../pages/prepay_id.json");

/// The example answer of the Native orders (`.../native`): the `code_url` to show as a QR
/// code.
pub const CODE_URL: &str = include_str!("../pages/code_url.json");

/// The example answer of the H5 orders (`.../h5`): the `h5_url` that opens the payment.
pub const H5_URL: &str = include_str!("../pages/h5_url.json");

/// The example answer of 合单查询订单
/// (`GET /v3/combine-transactions/out-trade-no/{combine_out_trade_no}`): one paid sub-order
/// of 0.10 yuan, pretty-printed with ` : ` separators.
pub const COMBINE_TRANSACTION: &str = include_str!("../pages/combine_transaction.json");

/// The example answer of the partner order queries
/// (`GET /v3/pay/partner/transactions/id/{transaction_id}` and `.../out-trade-no/{out_trade_no}`),
/// as the pages give it for the `TRANSACTION.SUCCESS` resource too: a paid order of 1.00 yuan
/// with one coupon, the openids ending in the JSON `\t` escape.
pub const PARTNER_TRANSACTION: &str = include_str!("../pages/partner_transaction.json");

/// A request of 合单下单-JSAPI (`POST /v3/combine-transactions/jsapi`) with the page's example
/// values in every field the builder types: one sub-order with profit sharing and a subsidy.
pub const COMBINE_JSAPI_REQUEST: &str = include_str!("../pages/combine_jsapi_request.json");

/// A request of JSAPI下单 (`POST /v3/pay/partner/transactions/jsapi`) with the page's example
/// values in every field the builder types: both openids, goods details, a scene.
pub const PARTNER_JSAPI_REQUEST: &str = include_str!("../pages/partner_jsapi_request.json");
