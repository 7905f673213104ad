//! The coder the services share, set once the catalog has loaded.

use std::sync::{Arc, OnceLock};

use anescode_validation::Coder;

use crate::error::ServiceError;

/// Holds the coder once start-up has loaded the catalog. Requests before then are
/// answered UNAVAILABLE.
#[derive(Debug, Clone, Default)]
pub(crate) struct Readiness {
    coder: Arc<OnceLock<Coder>>,
}

impl Readiness {
    pub(crate) fn set(&self, coder: Coder) {
        // Set exactly once, by `serve`, before health turns SERVING.
        let _ = self.coder.set(coder);
    }

    pub(crate) fn coder(&self) -> Result<&Coder, ServiceError> {
        self.coder.get().ok_or(ServiceError::NotReady)
    }
}
