//! What the services share once start-up has loaded: the coder, and the case
//! ledger when the server keeps one.

use std::sync::{Arc, OnceLock};

use anescode_validation::Coder;

use crate::error::ServiceError;
use crate::ledger::Ledger;

#[derive(Debug)]
struct Ready {
    coder: Coder,
    ledger: Option<Ledger>,
}

/// Holds the coder (and ledger) once start-up has loaded them. Requests before
/// then are answered UNAVAILABLE.
#[derive(Debug, Clone, Default)]
pub(crate) struct Readiness {
    ready: Arc<OnceLock<Ready>>,
}

impl Readiness {
    pub(crate) fn set(&self, coder: Coder, ledger: Option<Ledger>) {
        // Set exactly once, by `serve`, before health turns SERVING.
        let _ = self.ready.set(Ready { coder, ledger });
    }

    pub(crate) fn coder(&self) -> Result<&Coder, ServiceError> {
        self.ready
            .get()
            .map(|r| &r.coder)
            .ok_or(ServiceError::NotReady)
    }

    /// The ledger, when the server keeps one.
    pub(crate) fn ledger(&self) -> Result<Option<&Ledger>, ServiceError> {
        self.ready
            .get()
            .map(|r| r.ledger.as_ref())
            .ok_or(ServiceError::NotReady)
    }
}
