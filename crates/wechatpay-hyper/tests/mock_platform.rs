//! The hyper adapter against the loopback mock platform: the conformance table every adapter
//! runs (`wechatpay_mock::conformance`), downloads, uploads and endpoints called without a
//! typed model, platform certificates, and a client over a hyper-util client of the caller's making.

use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use wechatpay_core::DownloadTicket;
use wechatpay_hyper::{HyperClient, HyperTransport};
use wechatpay_mock::conformance::{self, Hosts, Loopback, SCENARIOS};
use wechatpay_mock::{MockKeys, PlatformMode};

#[tokio::test]
async fn the_conformance_table_holds() {
    let site = Loopback::start().unwrap();
    let report = site.suite().run(HyperClient::new).await;
    assert!(report.all_passed(), "{report}");
}

#[tokio::test]
async fn a_download_streams_to_a_tokio_writer_through_its_digest() {
    let to_memory = async |client: &HyperClient, ticket: &DownloadTicket| {
        let mut file = Vec::new();
        Ok((client.download(ticket, &mut file).await?, file))
    };
    let report =
        conformance::check_downloads(conformance::serve_once, HyperClient::new, to_memory).await;
    assert!(report.all_passed(), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bills_of_several_mib_stream_from_the_mock_to_a_file_through_their_digest() {
    let site = Loopback::start().unwrap();
    let client = HyperClient::new(MockKeys::fixtures().client(&site.url()).unwrap()).unwrap();
    let folder = std::env::temp_dir().join(format!("wechatpay-hyper-bills-{}", std::process::id()));
    tokio::fs::create_dir_all(&folder).await.unwrap();
    let count = std::sync::atomic::AtomicUsize::new(0);
    // Each file goes to a file on disk, as a bill should, and is read back for the checks.
    let to_file = async |client: &HyperClient, ticket: &DownloadTicket| {
        let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = folder.join(format!("bill-{n}"));
        let mut file = tokio::fs::File::create(&path).await.unwrap();
        let length = client.download(ticket, &mut file).await;
        drop(file);
        let written = tokio::fs::read(&path).await.unwrap();
        Ok((length?, written))
    };
    let report = conformance::check_bills(&**site.platform(), client, to_file).await;
    tokio::fs::remove_dir_all(&folder).await.unwrap();
    assert!(report.all_passed(), "{report}");
}

#[tokio::test]
async fn uploads_and_untyped_endpoints_go_through_whole() {
    let site = Loopback::start().unwrap();
    let report = conformance::check_uploads(&site.url(), HyperClient::new).await;
    assert!(report.all_passed(), "{report}");
    assert_eq!(report.passed.len(), 5);
    // The platform saw both uploads, the video at the endpoint's limit.
    let seen = site.platform().requests();
    let uploads: Vec<&str> = seen
        .iter()
        .filter(|r| r.path_and_query.starts_with("/v3/merchant/media/"))
        .map(|r| r.path_and_query.as_str())
        .collect();
    assert_eq!(
        uploads,
        [
            "/v3/merchant/media/upload",
            "/v3/merchant/media/video_upload"
        ]
    );
}

#[tokio::test]
async fn certificates_download_rotate_and_say_public_key_mode() {
    let site = Loopback::start().unwrap();
    let report =
        conformance::check_certificates(&**site.platform(), &site.url(), HyperClient::new).await;
    assert!(report.all_passed(), "{report}");
    assert_eq!(report.passed.len(), 5);
    // Left as found: public key mode, the fixtures' certificate alone.
    assert_eq!(site.platform().mode(), PlatformMode::PublicKey);
    let held: Vec<String> = site
        .platform()
        .certificates()
        .into_iter()
        .map(|c| c.serial)
        .collect();
    assert_eq!(held, [MockKeys::fixtures().certificate.unwrap().serial]);
}

#[tokio::test]
async fn a_hyper_util_client_of_the_callers_making_holds_the_table_over_plain_http() {
    let site = Loopback::start().unwrap();
    // Plain HTTP only: the https:// scenarios are the default connector's.
    let http = PooledClient::builder(TokioExecutor::new()).build(HttpConnector::new());
    let plain = SCENARIOS
        .iter()
        .filter(|s| !matches!(s.hosts, Hosts::PrimaryOverTls | Hosts::Unresolvable));
    let report = site
        .suite()
        .run_scenarios(plain, |core| {
            HyperClient::with_transport(core, HyperTransport::new(http.clone()))
        })
        .await;
    assert!(report.all_passed(), "{report}");
}
