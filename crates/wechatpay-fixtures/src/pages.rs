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

/// The example answer of 提交申请单 (`POST /v3/ecommerce/applyments/`), in the pages' layout:
/// the applyment's two ids. The revocations (`POST /v3/ecommerce/applyments/{applyment_id}/revoke`
/// and by `out_request_no`) answer the same two fields.
pub const ECOMMERCE_APPLYMENT_IDS: &str = include_str!("../pages/ecommerce_applyment_ids.json");

/// The example answer of 查询结算账户 (`GET /v3/apply4sub/sub_merchants/{sub_mchid}/settlement`),
/// in the pages' layout: a corporate account at 工商银行, its number masked, verified (the page
/// shows a `verify_fail_reason` even so).
pub const ECOMMERCE_SETTLEMENT: &str = include_str!("../pages/ecommerce_settlement.json");

/// The example answer of 修改结算账户
/// (`POST /v3/apply4sub/sub_merchants/{sub_mchid}/modify-settlement`): the application number.
pub const ECOMMERCE_SETTLEMENT_MODIFICATION: &str =
    include_str!("../pages/ecommerce_settlement_modification.json");

/// The example answer of 查询结算账户修改申请状态
/// (`GET /v3/apply4sub/sub_merchants/{sub_mchid}/application/{application_no}`), in the pages'
/// layout: `AUDIT_SUCCESS`, the name and number masked.
pub const ECOMMERCE_SETTLEMENT_APPLICATION: &str =
    include_str!("../pages/ecommerce_settlement_application.json");

/// The example answer of the pre-signing endpoints of individual payees (APP场景预签约,
/// 小程序场景预签约, and their real-name variants,
/// `POST /v3/ecommerce/individual-contracts/pre-entrust-sign*/{app,mini-program}`), in the
/// pages' layout: the `pre_entrustweb_id`.
pub const INDIVIDUAL_CONTRACT_PRE_ENTRUST_SIGN: &str =
    include_str!("../pages/individual_contract_pre_entrust_sign.json");
