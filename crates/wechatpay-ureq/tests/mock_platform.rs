//! The ureq adapter against the loopback mock platform: the conformance table every adapter
//! runs (`wechatpay_mock::conformance`), with the default agent and with one a caller built
//! against the contract, downloads, uploads and endpoints called without a typed model,
//! platform certificates, and the request exactly as it goes on the wire.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ureq::tls::{RootCerts, TlsConfig};
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{AdapterSettings, DownloadTicket, RetryPolicy};
use wechatpay_mock::MockKeys;
use wechatpay_mock::conformance::{self, Loopback, OneAnswer, block_on};
use wechatpay_mock::records::seeded;
use wechatpay_ureq::{UreqClient, UreqTransport};

#[test]
fn the_conformance_table_holds() {
    let site = Loopback::start().unwrap();
    let report = block_on(site.suite().run(UreqClient::new));
    assert!(report.all_passed(), "{report}");
}

#[test]
fn uploads_and_untyped_endpoints_go_through_whole() {
    let site = Loopback::start().unwrap();
    let report = block_on(conformance::check_uploads(&site.url(), UreqClient::new));
    assert!(report.all_passed(), "{report}");
    assert_eq!(report.passed.len(), 5);
    let statuses: Vec<Option<u16>> = site
        .platform()
        .requests()
        .iter()
        .filter(|r| r.path_and_query.starts_with("/v3/merchant/media/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(200), Some(200)]);
}

#[test]
fn certificates_download_rotate_and_say_public_key_mode() {
    let site = Loopback::start().unwrap();
    let report = block_on(conformance::check_certificates(
        &**site.platform(),
        &site.url(),
        UreqClient::new,
    ));
    assert!(report.all_passed(), "{report}");
    assert_eq!(report.passed.len(), 5);
}

#[test]
fn an_agent_built_against_the_contract_cannot_break_it() {
    let site = Loopback::start().unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let counted = attempts.clone();
    // ureq's defaults where the adapter has a contract (4xx and 5xx as errors, ten redirects,
    // 15 s idle age), gzip asked for, and a timeout far longer than any scenario's. A caller's
    // agent names its TLS provider and roots, as ureq then has none of its own.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let agent = ureq::Agent::config_builder()
        .tls_config(
            TlsConfig::builder()
                .unversioned_rustls_crypto_provider(provider)
                .root_certs(RootCerts::PlatformVerifier)
                .build(),
        )
        .proxy(None)
        .accept_encoding("gzip")
        .timeout_global(Some(Duration::from_secs(60)))
        .middleware(
            move |request: http::Request<ureq::SendBody>,
                  next: ureq::middleware::MiddlewareNext| {
                counted.fetch_add(1, Ordering::SeqCst);
                next.handle(request)
            },
        )
        .build()
        .new_agent();
    let report = block_on(
        site.suite()
            .run(|core| UreqClient::with_transport(core, UreqTransport::new(agent.clone()))),
    );
    assert!(report.all_passed(), "{report}");
    let through_the_agent = attempts.load(Ordering::SeqCst);
    assert!(
        report.requests_seen > 0 && through_the_agent >= report.requests_seen,
        "{through_the_agent} attempts through the agent given, {} requests seen",
        report.requests_seen
    );
}

#[test]
fn a_download_streams_to_a_writer_through_its_digest() {
    let to_memory = async |client: &UreqClient, ticket: &DownloadTicket| {
        let mut file = Vec::new();
        Ok((client.download(ticket, &mut file)?, file))
    };
    let report = block_on(conformance::check_downloads(
        conformance::serve_once,
        UreqClient::new,
        to_memory,
    ));
    assert!(report.all_passed(), "{report}");
}

#[test]
fn bills_of_several_mib_stream_from_the_mock_through_their_digest() {
    let site = Loopback::start().unwrap();
    let client = UreqClient::new(MockKeys::fixtures().client(&site.url()).unwrap()).unwrap();
    let to_memory = async |client: &UreqClient, ticket: &DownloadTicket| {
        let mut file = Vec::new();
        Ok((client.download(ticket, &mut file)?, file))
    };
    let report = block_on(conformance::check_bills(
        &**site.platform(),
        client,
        to_memory,
    ));
    assert!(report.all_passed(), "{report}");
}

#[test]
fn the_request_on_the_wire_is_the_one_signed_and_a_redirect_is_an_answer() {
    let server = OneAnswer::start(
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_vec(),
    )
    .unwrap();
    // An agent that would ask for gzip and follow the redirect, if it were let.
    let agent = ureq::Agent::config_builder()
        .proxy(None)
        .accept_encoding("gzip")
        .build()
        .new_agent();
    let core = MockKeys::fixtures().client(server.url()).unwrap();
    let client = UreqClient::with_transport(core, UreqTransport::new(agent))
        .unwrap()
        .with_settings(AdapterSettings::default().with_retry_policy(RetryPolicy::none()));
    let error = client
        .execute(&QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap())
        .unwrap_err();
    let api = error.core().and_then(wechatpay_core::Error::api);
    assert_eq!(api.map(|api| api.status.as_u16()), Some(302), "{error:?}");

    let head = server.request_head().unwrap().to_ascii_lowercase();
    assert!(
        head.starts_with(
            "get /v3/ecommerce/applyments/out-request-no/%e5%95%86%e6%88%b7%e7%94%b3%e8%af%b7%2f2024%20%231%3f http/1.1\r\n"
        ),
        "{head}"
    );
    assert!(head.contains("\r\nuser-agent: wechatpay-ureq/"), "{head}");
    assert!(
        head.contains("\r\nauthorization: wechatpay2-sha256-rsa2048 "),
        "{head}"
    );
    assert!(!head.contains("accept-encoding"), "{head}");
    assert!(
        !head.contains("content-length"),
        "a GET carries no body: {head}"
    );
}
