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
/// The example request of 申请退款 (`POST /v3/ecommerce/refunds/apply`): a full refund of 8.88
/// yuan, funded by the sub-merchant, both order numbers given.
pub const ECOMMERCE_REFUND_APPLY_REQUEST: &str =
    include_str!("../pages/ecommerce_refund_apply_request.json");

/// The example answer of 申请退款 (`POST /v3/ecommerce/refunds/apply`): the refund accepted,
/// with two discounts refunded.
pub const ECOMMERCE_REFUND_APPLY: &str = include_str!("../pages/ecommerce_refund_apply.json");

/// The example answer of both refund queries (`GET /v3/ecommerce/refunds/id/{refund_id}` and
/// `GET /v3/ecommerce/refunds/out-refund-no/{out_refund_no}`): a refund of 8.88 yuan, `SUCCESS`.
pub const ECOMMERCE_REFUND: &str = include_str!("../pages/ecommerce_refund.json");

/// The example request of 发起异常退款
/// (`POST /v3/ecommerce/refunds/{refund_id}/apply-abnormal-refund`): to the user's bank card,
/// with the card number and the name as placeholders of ciphertexts.
pub const ECOMMERCE_REFUND_ABNORMAL_REQUEST: &str =
    include_str!("../pages/ecommerce_refund_abnormal_request.json");

/// The example answer of 发起异常退款: the refund, with the platform's advance and the
/// funding accounts (`from`).
pub const ECOMMERCE_REFUND_ABNORMAL: &str = include_str!("../pages/ecommerce_refund_abnormal.json");

/// The example answer of both return-advance calls (垫付回补,
/// `POST` and `GET /v3/ecommerce/refunds/{refund_id}/return-advance`): 8.88 yuan returned from
/// the sub-merchant's basic account to the platform's.
pub const ECOMMERCE_REFUND_RETURN_ADVANCE: &str =
    include_str!("../pages/ecommerce_refund_return_advance.json");

/// The example request of 请求分账 (`POST /v3/ecommerce/profitsharing/orders`): 1.00 yuan to
/// one merchant, `receiver_name` a placeholder of a ciphertext, and the order finished.
pub const ECOMMERCE_PROFITSHARING_ORDER_REQUEST: &str =
    include_str!("../pages/ecommerce_profitsharing_order_request.json");

/// The example answer of 请求分账: the order `PROCESSING`.
pub const ECOMMERCE_PROFITSHARING_ORDER: &str =
    include_str!("../pages/ecommerce_profitsharing_order.json");

/// The example answer of 查询分账结果 (`GET /v3/ecommerce/profitsharing/orders`): the order
/// `FINISHED`, with the amount and description of the finishing.
pub const ECOMMERCE_PROFITSHARING_ORDER_FINISHED: &str =
    include_str!("../pages/ecommerce_profitsharing_order_finished.json");

/// The example request of 完结分账 (`POST /v3/ecommerce/profitsharing/finish-order`).
pub const ECOMMERCE_PROFITSHARING_FINISH_REQUEST: &str =
    include_str!("../pages/ecommerce_profitsharing_finish_request.json");

/// The example answer of 完结分账.
pub const ECOMMERCE_PROFITSHARING_FINISH: &str =
    include_str!("../pages/ecommerce_profitsharing_finish.json");

/// The example request of 请求分账回退 (`POST /v3/ecommerce/profitsharing/returnorders`):
/// 0.10 yuan back from merchant `86693852`.
pub const ECOMMERCE_PROFITSHARING_RETURN_REQUEST: &str =
    include_str!("../pages/ecommerce_profitsharing_return_request.json");

/// The example answer of 请求分账回退 and of 查询分账回退结果
/// (`GET /v3/ecommerce/profitsharing/returnorders`).
pub const ECOMMERCE_PROFITSHARING_RETURN: &str =
    include_str!("../pages/ecommerce_profitsharing_return.json");

/// The example request of 添加分账接收方 (`POST /v3/ecommerce/profitsharing/receivers/add`):
/// a merchant as supplier.
pub const ECOMMERCE_PROFITSHARING_RECEIVER_ADD_REQUEST: &str =
    include_str!("../pages/ecommerce_profitsharing_receiver_add_request.json");

/// The example answer of 添加分账接收方 and of 删除分账接收方
/// (`POST /v3/ecommerce/profitsharing/receivers/delete`).
pub const ECOMMERCE_PROFITSHARING_RECEIVER: &str =
    include_str!("../pages/ecommerce_profitsharing_receiver.json");

/// The example request of 删除分账接收方.
pub const ECOMMERCE_PROFITSHARING_RECEIVER_DELETE_REQUEST: &str =
    include_str!("../pages/ecommerce_profitsharing_receiver_delete_request.json");

/// The example answer of 查询订单剩余待分金额
/// (`GET /v3/ecommerce/profitsharing/orders/{transaction_id}/amounts`): 10.00 yuan left.
pub const ECOMMERCE_PROFITSHARING_AMOUNTS: &str =
    include_str!("../pages/ecommerce_profitsharing_amounts.json");
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
