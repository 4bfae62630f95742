//! A 100 MiB trade bill, gzip'd, downloaded from the loopback mock through the hyper and the
//! ureq adapters: the signed ticket, the download, gunzip, the SHA-1 of the text, and the
//! write to a file. Throughput is MiB/s of bill text (target ≥ 200 MB/s).
//!
//! Peak memory (target ≤ 16 MiB above the process's baseline) is measured once per adapter
//! before the timed runs, each in a process of its own (this binary again, with
//! `WECHATPAY_BENCH_MEMORY` naming the adapter), so that no other download's freed memory
//! hides its peak: the client built and the ticket asked for, the kernel's high-water mark of
//! resident memory (`VmHWM`) is reset through `/proc/self/clear_refs`, the resident size
//! (`VmRSS`) read as the baseline, the download made, and `VmHWM` read again. The mock runs
//! in a process of its own too (`WECHATPAY_BENCH_MOCK`), so that its bill stays out of both.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use wechatpay_core::DownloadTicket;
use wechatpay_core::bill::TradeBill;
use wechatpay_hyper::HyperClient;
use wechatpay_mock::{MockKeys, MockPlatform, MockServer};
use wechatpay_ureq::UreqClient;

/// The size of the bill's text.
const BILL_SIZE: usize = 100 * 1024 * 1024;
const MOCK: &str = "WECHATPAY_BENCH_MOCK";
const MEMORY: &str = "WECHATPAY_BENCH_MEMORY";

/// The mock, in the child: serves until its stdin closes.
fn serve_mock() {
    let platform = MockPlatform::new(
        MockKeys::fixtures(),
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .expect("mock platform");
    platform.set_bill_size(BILL_SIZE);
    let server = MockServer::start(Arc::new(platform)).expect("mock server");
    println!("{}", server.url());
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    server.stop();
}

/// The mock's child process and its URL.
struct Mock {
    child: Child,
    url: String,
}

impl Mock {
    fn start() -> Mock {
        let mut child = Command::new(std::env::current_exe().expect("this binary"))
            .env(MOCK, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the mock's process");
        let mut url = String::new();
        let stdout = child.stdout.take().expect("its stdout");
        BufReader::new(stdout).read_line(&mut url).expect("its URL");
        Mock {
            child,
            url: url.trim().to_owned(),
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        // Closing its stdin stops it.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Runs `download` once and returns (peak resident bytes above the baseline, baseline).
fn peak_above_baseline(download: impl FnOnce()) -> (u64, u64) {
    // "5" resets the peak resident size to the current one (Linux 4.0 and later).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let baseline = status("VmRSS:");
    download();
    (status("VmHWM:").saturating_sub(baseline), baseline)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1048576.0
}

/// In a child: one download through `adapter` from the mock at `url` into `out`, and its
/// peak memory above the baseline, printed as one line.
fn measure_memory(adapter: &str, url: &str, out: &std::path::Path) {
    let bill = TradeBill::new("2024-11-23").expect("date").gzipped();
    let core = MockKeys::fixtures().client(url).expect("client");
    let (text, (peak, baseline)) = if adapter == "hyper" {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let hyper = HyperClient::new(core).expect("hyper client");
        let ticket = runtime.block_on(hyper.execute(&bill)).expect("ticket");
        let mut text = 0;
        let measured = peak_above_baseline(|| {
            text = runtime.block_on(async {
                let mut file = tokio::fs::File::create(out).await.expect("file");
                hyper.download(&ticket, &mut file).await.expect("download")
            });
        });
        (text, measured)
    } else {
        let ureq = UreqClient::new(core).expect("ureq client");
        let ticket = ureq.execute(&bill).expect("ticket");
        let mut text = 0;
        let measured = peak_above_baseline(|| {
            let mut file = std::fs::File::create(out).expect("file");
            text = ureq.download(&ticket, &mut file).expect("download");
        });
        (text, measured)
    };
    println!(
        "bill_download/{adapter}: {:.1} MiB of text, peak resident memory {:.2} MiB above a baseline of {:.1} MiB (target ≤ 16 MiB)",
        mib(text),
        mib(peak),
        mib(baseline)
    );
}

fn bench(c: &mut Criterion) {
    let mock = Mock::start();
    let folder = std::env::temp_dir().join(format!("wechatpay-bench-bill-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a scratch folder");
    let out = folder.join("bill.csv");
    let bill = TradeBill::new("2024-11-23").expect("date").gzipped();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hyper = HyperClient::new(MockKeys::fixtures().client(&mock.url).expect("client"))
        .expect("hyper client");
    let ureq = UreqClient::new(MockKeys::fixtures().client(&mock.url).expect("client"))
        .expect("ureq client");
    // The mock makes the bill on the first ask; the timed runs fetch it ready.
    let ticket: DownloadTicket = ureq.execute(&bill).expect("ticket");

    let by_hyper = |out: &std::path::Path| -> u64 {
        runtime.block_on(async {
            let ticket = hyper.execute(&bill).await.expect("ticket");
            let mut file = tokio::fs::File::create(out).await.expect("file");
            hyper.download(&ticket, &mut file).await.expect("download")
        })
    };
    let by_ureq = |out: &std::path::Path| -> u64 {
        let ticket = ureq.execute(&bill).expect("ticket");
        let mut file = std::fs::File::create(out).expect("file");
        ureq.download(&ticket, &mut file).expect("download")
    };

    for adapter in ["hyper", "ureq"] {
        let measured = Command::new(std::env::current_exe().expect("this binary"))
            .env(MEMORY, adapter)
            .arg(&mock.url)
            .arg(&out)
            .output()
            .expect("the measuring process");
        print!("{}", String::from_utf8_lossy(&measured.stdout));
        assert!(
            measured.status.success(),
            "{}",
            String::from_utf8_lossy(&measured.stderr)
        );
    }
    let text = by_ureq(&out);
    assert_eq!(text, std::fs::metadata(&out).map_or(0, |m| m.len()));
    assert!(ticket.is_gzipped());

    let mut group = c.benchmark_group("bill_download");
    group.throughput(Throughput::Bytes(text));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("hyper", |b| b.iter(|| by_hyper(&out)));
    group.bench_function("ureq", |b| b.iter(|| by_ureq(&out)));
    group.finish();
    let _ = std::fs::remove_dir_all(&folder);
}

fn main() {
    if std::env::var_os(MOCK).is_some() {
        serve_mock();
        return;
    }
    if let Some(adapter) = std::env::var_os(MEMORY) {
        let mut args = std::env::args_os().skip(1);
        let (Some(url), Some(out)) = (args.next(), args.next()) else {
            panic!("usage: {MEMORY}=ADAPTER bill_download URL FILE");
        };
        measure_memory(
            &adapter.to_string_lossy(),
            &url.to_string_lossy(),
            std::path::Path::new(&out),
        );
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
