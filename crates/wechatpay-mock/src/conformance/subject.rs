//! What the runner needs of a client, and the two kinds of client that have it.

use std::future::Future;
use std::time::Duration;

use http::{Request, Response};
use rand_core::CryptoRng;
use wechatpay_core::{
    Adapter, AdapterError, AdapterSettings, ApiV3Key, BlockingAdapter, BlockingTransport, Call,
    Client, Operation, PlatformCertificate, RefreshPolicy, RetryPolicy, Transport,
};

/// The client under test, as the runner drives it: an [`Adapter`] or a [`BlockingAdapter`].
pub trait Subject: Sized {
    /// The adapter's product token (`wechatpay-hyper/0.1.0`), which must lead its `User-Agent`.
    fn product(&self) -> &'static str;

    /// The core client.
    fn core(&self) -> &Client;

    /// The same client with these settings.
    fn with_settings(self, settings: AdapterSettings) -> Self;

    /// The same client, keeping the platform certificates current with `policy`
    /// ([`Adapter::with_certificate_refresh`]).
    fn with_certificate_refresh(self, key: ApiV3Key, policy: RefreshPolicy) -> Self;

    /// Downloads the platform certificates into the client's keys
    /// ([`Adapter::download_certificates`]).
    fn download_certificates(
        &self,
        key: &ApiV3Key,
    ) -> impl Future<Output = Result<Vec<PlatformCertificate>, AdapterError>>;

    /// Runs `operation` through the adapter: attempts, verification, decoding.
    fn execute<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> impl Future<Output = Result<O::Output, AdapterError>>;

    /// Sends one request as given.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, AdapterError>>;

    /// The adapter's clock, in Unix seconds.
    fn now(&self) -> u64;

    /// Waits `wait` with the adapter's own timer.
    fn sleep(&self, wait: Duration) -> impl Future<Output = Result<(), AdapterError>>;

    /// The adapter's random source.
    fn rng(&self) -> impl CryptoRng;

    /// `operation`'s first request, signed with the adapter's clock and randomness.
    ///
    /// # Errors
    ///
    /// As [`Call::request`].
    fn sign<O: Operation + ?Sized>(&self, operation: &O) -> Result<Request<Vec<u8>>, AdapterError> {
        let mut call = Call::new(self.core(), operation, RetryPolicy::none());
        Ok(call.request(self.now(), &mut self.rng())?)
    }
}

impl<T: Transport> Subject for Adapter<T> {
    fn product(&self) -> &'static str {
        T::PRODUCT
    }

    fn core(&self) -> &Client {
        Adapter::core(self)
    }

    fn with_settings(self, settings: AdapterSettings) -> Self {
        Adapter::with_settings(self, settings)
    }

    fn with_certificate_refresh(self, key: ApiV3Key, policy: RefreshPolicy) -> Self {
        Adapter::with_certificate_refresh(self, key, policy)
    }

    fn download_certificates(
        &self,
        key: &ApiV3Key,
    ) -> impl Future<Output = Result<Vec<PlatformCertificate>, AdapterError>> {
        Adapter::download_certificates(self, key)
    }

    fn execute<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> impl Future<Output = Result<O::Output, AdapterError>> {
        Adapter::execute(self, operation)
    }

    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, AdapterError>> {
        Adapter::send(self, request)
    }

    fn now(&self) -> u64 {
        self.transport().now()
    }

    fn sleep(&self, wait: Duration) -> impl Future<Output = Result<(), AdapterError>> {
        self.transport().sleep(wait)
    }

    fn rng(&self) -> impl CryptoRng {
        self.transport().rng()
    }
}

impl<T: BlockingTransport> Subject for BlockingAdapter<T> {
    fn product(&self) -> &'static str {
        T::PRODUCT
    }

    fn core(&self) -> &Client {
        BlockingAdapter::core(self)
    }

    fn with_settings(self, settings: AdapterSettings) -> Self {
        BlockingAdapter::with_settings(self, settings)
    }

    fn with_certificate_refresh(self, key: ApiV3Key, policy: RefreshPolicy) -> Self {
        BlockingAdapter::with_certificate_refresh(self, key, policy)
    }

    fn download_certificates(
        &self,
        key: &ApiV3Key,
    ) -> impl Future<Output = Result<Vec<PlatformCertificate>, AdapterError>> {
        std::future::ready(BlockingAdapter::download_certificates(self, key))
    }

    fn execute<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> impl Future<Output = Result<O::Output, AdapterError>> {
        std::future::ready(BlockingAdapter::execute(self, operation))
    }

    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, AdapterError>> {
        std::future::ready(BlockingAdapter::send(self, request))
    }

    fn now(&self) -> u64 {
        self.transport().now()
    }

    fn sleep(&self, wait: Duration) -> impl Future<Output = Result<(), AdapterError>> {
        self.transport().sleep(wait);
        std::future::ready(Ok(()))
    }

    fn rng(&self) -> impl CryptoRng {
        self.transport().rng()
    }
}
