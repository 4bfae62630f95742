//! Every typed endpoint of the core, described as data: tools that go through all of them
//! (the fuzz targets) find a new endpoint here without being edited. Public only to fuzz
//! builds (`crate::fuzzing`); the tests below hold every endpoint to its own example.
#![cfg_attr(not(any(test, fuzzing)), allow(dead_code))]

use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::error::Error;
use crate::operation::VerifiedBody;

/// One typed endpoint, with text parameters in and a verified body out, whatever its own types.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// The method and path as the API page writes it: `GET /v3/ecommerce/applyments/{applyment_id}`.
    pub name: &'static str,
    /// The parameters [`Endpoint::request`] takes, in order.
    pub params: &'static [&'static str],
    /// Valid values of the parameters.
    pub example: &'static [&'static str],
    /// Builds the operation from parameter values (as many as [`Endpoint::params`]) and returns
    /// what it would send, or why the values were refused.
    pub request: fn(&[&str], &mut RequestContext<'_>) -> Result<RequestParts, Error>,
    /// Decodes `body` as the endpoint's answer, and exercises what the output offers beyond
    /// its fields (derived states, conversions).
    pub decode: fn(VerifiedBody<'_>) -> Result<(), Error>,
}

/// The parameter at `index`, or an error naming it: a fuzz input may give too few.
pub(crate) fn param<'a>(
    endpoint: &str,
    values: &[&'a str],
    index: usize,
) -> Result<&'a str, Error> {
    values.get(index).copied().ok_or_else(|| {
        Error::invalid(
            "params",
            format!("{endpoint} takes at least {} parameters", index + 1),
        )
    })
}

/// Every typed endpoint of the core.
pub fn endpoints() -> impl Iterator<Item = &'static Endpoint> {
    crate::ecommerce::ENDPOINTS
        .iter()
        .chain(crate::merchant::ENDPOINTS)
        .chain([crate::bill::ENDPOINTS, crate::security::ENDPOINTS].iter())
        .flat_map(|module| module.iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform_keys::PlatformKeys;

    #[test]
    fn every_endpoint_builds_its_example_into_a_sendable_request() {
        // A platform key, for the endpoints whose requests encrypt a field.
        let mut keys = PlatformKeys::new();
        keys.add_public_key(
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID,
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM,
        )
        .unwrap();
        let mut rng = rand_chacha_rng();
        let mut names = Vec::new();
        for endpoint in endpoints() {
            assert_eq!(
                endpoint.params.len(),
                endpoint.example.len(),
                "{}",
                endpoint.name
            );
            let parts =
                (endpoint.request)(endpoint.example, &mut RequestContext::new(&keys, &mut rng))
                    .unwrap_or_else(|e| panic!("{}: {e}", endpoint.name));
            crate::signing::check_path_and_query(parts.path_and_query()).unwrap();
            let (method, path) = endpoint.name.split_once(' ').unwrap();
            assert_eq!(parts.method().as_str(), method);
            let fixed = path.split('{').next().unwrap();
            assert!(
                parts.path_and_query().starts_with(fixed),
                "{}",
                endpoint.name
            );
            // Too few parameters is an error, never a panic.
            if !endpoint.params.is_empty() {
                assert!(
                    (endpoint.request)(&[], &mut RequestContext::new(&keys, &mut rng)).is_err()
                );
            }
            // A body that is not the answer is an error too.
            let garbage = VerifiedBody::new(b"<html>", http::StatusCode::OK, None);
            assert!((endpoint.decode)(garbage).is_err(), "{}", endpoint.name);
            names.push(endpoint.name);
        }
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "each endpoint listed once");
        assert!(count >= 4);
    }

    #[test]
    fn the_readme_coverage_table_lists_every_endpoint() {
        // Read at run time: the README is the workspace's, not part of this crate's package.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).expect("the workspace README");
        let table: Vec<&str> = readme
            .lines()
            .skip_while(|line| !line.starts_with("## Coverage"))
            .take_while(|line| !line.starts_with("## The mock"))
            .filter(|line| line.starts_with("| "))
            .collect();
        for endpoint in endpoints() {
            let cell = format!("| `{}` |", endpoint.name);
            assert!(
                table.iter().any(|row| row.contains(&cell)),
                "README.md's coverage table lacks {}",
                endpoint.name
            );
        }
        // And lists nothing twice.
        let mut rows = table.clone();
        rows.sort_unstable();
        rows.dedup();
        assert_eq!(rows.len(), table.len());
    }

    fn rand_chacha_rng() -> impl rand_core::CryptoRng {
        use rand_core::SeedableRng;
        rand_chacha::ChaCha20Rng::from_seed([9; 32])
    }
}
