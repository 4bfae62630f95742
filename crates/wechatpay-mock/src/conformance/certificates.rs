//! Platform certificates through an adapter (certificate mode): the first download, made by
//! the refresh before a keyless client's first call; a rotation picked up from an answer
//! signed with a certificate the client does not hold yet; the listing as the platform lists
//! it; and the `404` of public key mode, said as such.

use std::time::Duration;

use wechatpay_core::ecommerce::applyment::{ApplymentState, QueryApplymentByOutRequestNo};
use wechatpay_core::{AdapterError, ApiV3Key, Client, Error, RefreshPolicy};

use super::{CertificateState, Control, Failure, Report, Settings, Subject};
use crate::keyring::PlatformMode;
use crate::keys::{CertificateKey, MockKeys};
use crate::platform::SeenRequest;
use crate::records::seeded;

/// The path of the certificate download.
const CERTIFICATES: &str = "/v3/certificates";

/// Where the query the checks make goes: the seeded applyment in `CHECKING`, by request
/// number.
const QUERY_PATH: &str = "/v3/ecommerce/applyments/out-request-no/";

/// The longest the rotation check waits for the adapter's clock to turn a second.
const CLOCK_PATIENCE: Duration = Duration::from_secs(5);

/// Runs the certificate checks against the mock behind `control`, whose platform answers at
/// `base_url`, with clients `build` makes from a core client of the fixture merchant that
/// holds no platform key yet ([`MockKeys::keyless_client`]):
///
/// - in certificate mode, a client refreshing its certificates downloads them (naming no key)
///   before its first query, which then verifies;
/// - after the platform rotates in its next certificate and retires the old one, the next
///   query, which still names the old one, is answered signed with the new one: the client
///   downloads once more and verifies that same answer, sending the query once;
/// - [`Subject::download_certificates`] lists what the platform holds;
/// - in public key mode, the download is a `404` the client reports as
///   [`Error::PublicKeyMode`], and nothing else is sent.
///
/// The platform is left in the mode and with the certificates it had, whatever happened
/// (checked as one more scenario); a certificate retired meanwhile comes back when it is one
/// of the fixtures'.
pub async fn check_certificates<C: Subject, P: Control>(
    control: &P,
    base_url: &str,
    build: impl Fn(Client) -> Result<C, AdapterError>,
) -> Report {
    let mut report = Report::default();
    let mut record = |scenario: &'static str, outcome: Result<(), String>| match outcome {
        Ok(()) => report.passed.push(scenario),
        Err(reason) => report.failed.push(Failure { scenario, reason }),
    };
    let found = match control.certificates().await {
        Ok(found) => found,
        Err(reason) => {
            record("the platform's certificates are read", Err(reason));
            return report;
        }
    };
    let keys = MockKeys::fixtures();
    let refreshing = || -> Result<C, String> {
        let key = ApiV3Key::new(&keys.api_v3_key).map_err(text)?;
        let core = keys.keyless_client(base_url).map_err(text)?;
        Ok(build(core)
            .map_err(|e| format!("building the client: {e}"))?
            .with_settings(Settings::FAST.adapter_settings())
            .with_certificate_refresh(key, policy()))
    };
    match refreshing() {
        Ok(client) => {
            record(
                "a keyless client downloads the certificates before its first query",
                first_download(control, &client).await,
            );
            record(
                "a rotation is picked up from the answer it signs, the query sent once",
                rotation(control, &client).await,
            );
            record(
                "the certificates downloaded are those the platform lists",
                listing(control, &client, &keys).await,
            );
        }
        Err(reason) => record("the keyless client", Err(reason)),
    }
    record(
        "in public key mode the download says so, and nothing else is sent",
        public_key_mode(control, refreshing).await,
    );
    record(
        "the platform is left as it was found",
        restore(control, &found).await,
    );
    report
}

/// A refresh at most once a second, the least the policy allows: a rotation is seen at the
/// first answer signed with a new certificate, and a test waits for no longer.
fn policy() -> RefreshPolicy {
    RefreshPolicy::default().with_min_gap(1)
}

fn query() -> Result<QueryApplymentByOutRequestNo, String> {
    QueryApplymentByOutRequestNo::new(seeded::CHECKING).map_err(text)
}

/// Runs the query with `client` and checks the applyment it answers.
async fn checked_query<C: Subject>(client: &C) -> Result<(), String> {
    let applyment = client.execute(&query()?).await.map_err(text)?;
    if applyment.applyment_state != ApplymentState::Checking {
        return Err(format!(
            "the applyment is {}, not CHECKING",
            applyment.applyment_state
        ));
    }
    Ok(())
}

async fn first_download<C: Subject, P: Control>(control: &P, client: &C) -> Result<(), String> {
    control.set_mode(PlatformMode::Certificate).await?;
    control.reset().await?;
    checked_query(client).await?;
    let seen = control.requests().await?;
    let platform = control.certificates().await?;
    let held = client.core().platform_keys().serials();
    match seen.as_slice() {
        [download, query]
            if is_download(download)
                && download.status == Some(200)
                && download.wechatpay_serial.is_none()
                && is_query(query)
                && query.status == Some(200)
                && query.wechatpay_serial.is_some()
                && query.wechatpay_serial == download.signed_by => {}
        _ => {
            return Err(format!(
                "expected a download naming no key, then the query naming the key it \
                 gave; the platform saw {seen:?}"
            ));
        }
    }
    if held != platform.serials {
        return Err(format!(
            "the client holds {held:?}, the platform {:?}",
            platform.serials
        ));
    }
    Ok(())
}

async fn rotation<C: Subject, P: Control>(control: &P, client: &C) -> Result<(), String> {
    let old = client
        .core()
        .platform_keys()
        .preferred()
        .map(|key| key.serial().to_owned())
        .ok_or("the client holds no certificate before the rotation")?;
    let next = CertificateKey::next_fixture();
    control.rotate(&next).await?;
    control.retire(&old).await?;
    wait_for_the_next_second(client).await?;
    control.reset().await?;
    checked_query(client).await?;
    let seen = control.requests().await?;
    let queries: Vec<&SeenRequest> = seen.iter().filter(|r| is_query(r)).collect();
    let downloads = seen.iter().filter(|r| is_download(r)).count();
    match (queries.as_slice(), downloads, seen.len()) {
        ([query], 1, 2)
            if query.wechatpay_serial.as_deref() == Some(old.as_str())
                && query.signed_by.as_deref() == Some(next.serial.as_str()) => {}
        _ => {
            return Err(format!(
                "expected the query once (naming {old}, answered by {}) and one download; \
                 the platform saw {seen:?}",
                next.serial
            ));
        }
    }
    if client.core().platform_keys().get(&next.serial).is_none() {
        return Err(format!("the client does not hold {} yet", next.serial));
    }
    Ok(())
}

/// Waits until the adapter's clock shows a later second than now: the policy never downloads
/// twice within the same second (so that no answer can make it loop), and this check's first
/// download may have been made within this one.
async fn wait_for_the_next_second<C: Subject>(client: &C) -> Result<(), String> {
    let now = client.now();
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    while client.now() <= now {
        if waited >= CLOCK_PATIENCE {
            return Err(format!(
                "the adapter's clock stayed at {now} for {CLOCK_PATIENCE:?}"
            ));
        }
        client.sleep(step).await.map_err(text)?;
        waited += step;
    }
    Ok(())
}

async fn listing<C: Subject, P: Control>(
    control: &P,
    client: &C,
    keys: &MockKeys,
) -> Result<(), String> {
    // Both certificates listed: the one the rotation retired comes back.
    let original = keys
        .certificate
        .as_ref()
        .ok_or("the fixtures have no certificate")?;
    if !control
        .certificates()
        .await?
        .serials
        .contains(&original.serial)
    {
        control.rotate(original).await?;
    }
    control.reset().await?;
    let key = ApiV3Key::new(&keys.api_v3_key).map_err(text)?;
    let downloaded = client.download_certificates(&key).await.map_err(text)?;
    let platform = control.certificates().await?;
    let serials: Vec<&str> = downloaded.iter().map(|c| c.serial()).collect();
    if serials != platform.serials || serials.len() < 2 {
        return Err(format!(
            "downloaded {serials:?}, the platform holds {:?}",
            platform.serials
        ));
    }
    let fixtures = [original.clone(), CertificateKey::next_fixture()];
    for certificate in &downloaded {
        let expected = fixtures
            .iter()
            .find(|fixture| fixture.serial == certificate.serial())
            .map(|fixture| fixture.certificate_pem.trim());
        if expected != Some(certificate.pem().trim()) {
            return Err(format!(
                "certificate {} decrypted to another PEM",
                certificate.serial()
            ));
        }
        if client
            .core()
            .platform_keys()
            .get(certificate.serial())
            .is_none()
        {
            return Err(format!(
                "certificate {} was not added to the client's keys",
                certificate.serial()
            ));
        }
    }
    let seen = control.requests().await?;
    if !matches!(seen.as_slice(), [one] if is_download(one) && one.status == Some(200)) {
        return Err(format!("the platform saw {seen:?}"));
    }
    Ok(())
}

async fn public_key_mode<C: Subject, P: Control>(
    control: &P,
    refreshing: impl FnOnce() -> Result<C, String>,
) -> Result<(), String> {
    control.set_mode(PlatformMode::PublicKey).await?;
    control.reset().await?;
    let client = refreshing()?;
    let outcome = client.execute(&query()?).await;
    let seen = control.requests().await?;
    match &outcome {
        Err(error)
            if matches!(error.core(), Some(Error::PublicKeyMode { .. }))
                && error.to_string().contains("public key") => {}
        _ => {
            return Err(format!(
                "expected the public key mode error, got {:?}",
                outcome.map(|a| a.applyment_state)
            ));
        }
    }
    if !matches!(seen.as_slice(), [one] if is_download(one) && one.status == Some(404)) {
        return Err(format!(
            "expected the download alone, answered 404; the platform saw {seen:?}"
        ));
    }
    Ok(())
}

/// Brings the platform back to `found`: certificates retired since come back (the fixtures'
/// ones, the only ones whose keys are known here), those brought in since are retired, and
/// the mode is set back. Public key mode in between, where retiring is always allowed.
async fn restore<P: Control>(control: &P, found: &CertificateState) -> Result<(), String> {
    let known = [
        MockKeys::fixtures().certificate,
        Some(CertificateKey::next_fixture()),
    ];
    let now = control.certificates().await?;
    for serial in found.serials.iter().filter(|s| !now.serials.contains(s)) {
        let certificate = known
            .iter()
            .flatten()
            .find(|c| &c.serial == serial)
            .ok_or_else(|| format!("certificate {serial} was retired and its key is unknown"))?;
        control.rotate(certificate).await?;
    }
    control.set_mode(PlatformMode::PublicKey).await?;
    for serial in now.serials.iter().filter(|s| !found.serials.contains(s)) {
        control.retire(serial).await?;
    }
    control.set_mode(found.mode).await?;
    control.reset().await?;
    let left = control.certificates().await?;
    // Order aside: a certificate brought back is listed after the others.
    let sorted = |state: &CertificateState| {
        let mut serials = state.serials.clone();
        serials.sort();
        (state.mode, serials)
    };
    if sorted(&left) != sorted(found) {
        return Err(format!("found {found:?}, left {left:?}"));
    }
    Ok(())
}

fn is_download(request: &SeenRequest) -> bool {
    request.method == "GET" && request.path_and_query == CERTIFICATES
}

fn is_query(request: &SeenRequest) -> bool {
    request.method == "GET" && request.path_and_query.starts_with(QUERY_PATH)
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}
