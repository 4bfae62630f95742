//! Operations of the merchant APIs every kind of merchant shares.

pub mod media;

/// Each module's endpoints, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[&[crate::endpoint::Endpoint]] = &[media::ENDPOINTS];
