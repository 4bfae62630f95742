//! A WeChat Pay callback endpoint on a bare hyper server: the raw body read within a limit,
//! verified, decrypted and typed by the core, de-duplicated on the notification id, handled,
//! and answered as the platform expects.
//!
//! Against the mock platform, in two terminals:
//!
//! ```text
//! wechatpay mock                       # prints the export lines to paste below
//! export WECHATPAY_MCHID=... (all six)
//! cargo run -p wechatpay-hyper --example callback_server
//! wechatpay trigger TRANSACTION.SUCCESS --to http://127.0.0.1:8080/wechatpay/notify
//! ```
//!
//! `CALLBACK_ADDR` changes the address (default `127.0.0.1:8080`).

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wechatpay_core::{
    ApiV3Key, Client, DEFAULT_BODY_LIMIT, Event, MerchantCredentials, NotificationAnswer,
    OpenedNotification, PlatformKeys, VerificationError,
};

/// The path the platform posts callbacks to: the `notify_url` given when ordering.
pub const PATH: &str = "/wechatpay/notify";

/// What the endpoint holds: the client that verifies, the APIv3 key, and the merchant's
/// records (here in memory; a database in production).
pub struct Endpoint {
    /// Verifies with its platform keys and clock window.
    pub client: Client,
    /// Decrypts the resources.
    pub key: ApiV3Key,
    /// The time, in Unix seconds.
    pub clock: fn() -> u64,
    /// The merchant's records.
    pub ledger: Mutex<Ledger>,
}

/// The merchant's side of each event, and the notification ids already handled.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Every notification id handled. In a database: a table with the id as its unique key,
    /// written in the same transaction as the effect, so that a redelivery racing the first
    /// delivery fails on the key instead of doing it twice.
    pub handled: HashSet<String>,
    /// Orders marked paid: (out_trade_no, amount in fen).
    pub paid: Vec<(String, u64)>,
    /// Refunds settled: (out_refund_no, status).
    pub refunds: Vec<(String, String)>,
    /// Deliveries of ids already handled, answered without doing anything.
    pub duplicates: u32,
}

/// Serves callbacks on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, endpoint: Arc<Endpoint>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let endpoint = endpoint.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let endpoint = endpoint.clone();
                async move { Ok::<_, Infallible>(answer(&endpoint, request).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(endpoint: &Endpoint, request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::POST || request.uri().path() != PATH {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    let (parts, body) = request.into_parts();
    // The exact bytes: the signature is over them, so nothing may parse them first.
    let body = match Limited::new(body, DEFAULT_BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return respond(failure(StatusCode::PAYLOAD_TOO_LARGE, "body too large")),
    };
    let opened =
        endpoint
            .client
            .open_notification(&parts.headers, &body, (endpoint.clock)(), &endpoint.key);
    let notification = match opened {
        Ok(notification) => notification,
        Err(refused) => {
            if matches!(
                refused.verification(),
                Some(VerificationError::SignatureProbe)
            ) {
                eprintln!("refused WeChat Pay's signature probe, as it must be");
            } else {
                eprintln!("callback refused: {refused}");
            }
            return respond(NotificationAnswer::refusal(&refused));
        }
    };
    respond(handle(endpoint, notification))
}

/// The merchant's logic: once per notification id.
fn handle(endpoint: &Endpoint, notification: OpenedNotification) -> NotificationAnswer {
    let Ok(mut ledger) = endpoint.ledger.lock() else {
        return NotificationAnswer::failure("ledger unavailable");
    };
    if !ledger.handled.insert(notification.id.clone()) {
        ledger.duplicates += 1;
        return NotificationAnswer::success();
    }
    match notification.event {
        Event::Transaction(paid) => {
            // Here: look the order up, check paid.amount.total against it, mark it paid.
            println!(
                "order {} paid: {} fen",
                paid.out_trade_no, paid.amount.total
            );
            ledger.paid.push((paid.out_trade_no, paid.amount.total));
        }
        Event::CombineTransaction(paid) => {
            for order in paid.sub_orders {
                ledger
                    .paid
                    .push((order.out_trade_no, order.amount.total_amount));
            }
        }
        Event::Refund(refund) => {
            println!(
                "refund {} of order {}: {}",
                refund.out_refund_no, refund.out_trade_no, refund.refund_status
            );
            ledger
                .refunds
                .push((refund.out_refund_no, refund.refund_status.to_string()));
        }
        other => println!("{}: not handled here ({other:?})", notification.event_type),
    }
    NotificationAnswer::success()
}

fn failure(status: StatusCode, message: &str) -> NotificationAnswer {
    NotificationAnswer::failure_with_status(status, message)
        .unwrap_or_else(|_| NotificationAnswer::failure(message))
}

fn respond(answer: NotificationAnswer) -> Response<Full<Bytes>> {
    answer
        .to_response()
        .map(|body| Full::new(Bytes::from(body)))
}

fn system_clock() -> u64 {
    #[allow(clippy::disallowed_methods)] // the endpoint is the clock of the callbacks it checks
    let now = SystemTime::now();
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The endpoint configured from the variables `wechatpay mock` prints.
fn from_environment() -> Result<Endpoint, Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let credentials = MerchantCredentials::new(
        &var("WECHATPAY_MCHID")?,
        &var("WECHATPAY_SERIAL_NO")?,
        &std::fs::read_to_string(var("WECHATPAY_PRIVATE_KEY")?)?,
    )?;
    let mut platform_keys = PlatformKeys::new();
    platform_keys.add_public_key(
        &var("WECHATPAY_PUBLIC_KEY_ID")?,
        &std::fs::read_to_string(var("WECHATPAY_PUBLIC_KEY")?)?,
    )?;
    Ok(Endpoint {
        client: Client::new(credentials, platform_keys)?,
        key: ApiV3Key::new(&var("WECHATPAY_APIV3_KEY")?)?,
        clock: system_clock,
        ledger: Mutex::default(),
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = Arc::new(from_environment()?);
    let addr = std::env::var("CALLBACK_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    println!("callbacks: POST http://{}{PATH}", listener.local_addr()?);
    serve(listener, endpoint).await;
    Ok(())
}
