//! The record types, page examples and seeded keys of the applyment, contract and upload
//! endpoints in one module, for tests that use several; each is defined in its module of
//! [`endpoints`](crate::endpoints).

pub use crate::endpoints::applyment::ApplymentRecord;
pub use crate::endpoints::applyment::PAGE_EXAMPLE as PAGE_EXAMPLE_APPLYMENT;
pub use crate::endpoints::contract::ContractRecord;
pub use crate::endpoints::contract::PAGE_EXAMPLE as PAGE_EXAMPLE_CONTRACT;
pub use crate::endpoints::media::{MAX_MEDIA_KEPT, MediaRecord, media_id_for};

/// The keys of the seeded records: the out_request_no of the applyment in each state, and
/// those of the contracts.
pub mod seeded {
    pub use crate::endpoints::applyment::seeded::*;
    pub use crate::endpoints::contract::seeded::*;
}
