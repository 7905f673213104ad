//! The service's own error type and its single mapping to gRPC status codes.

use tonic::{Code, Status};

/// What can go wrong handling a request, short of a finding on a record.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServiceError {
    /// The catalog is still loading at start-up.
    #[error("anescode is starting: the code catalog is not loaded yet")]
    NotReady,
    /// A required request field is absent.
    #[error("{0} is required")]
    MissingField(&'static str),
    /// A request argument is malformed.
    #[error("{0}")]
    InvalidArgument(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
}

/// The most characters of a client's input an error message quotes.
pub(crate) const PREVIEW_CHARS: usize = 32;

/// A client's input as an error message may quote it: escaped (`{:?}`), at most
/// [`PREVIEW_CHARS`] characters, and marked with its full length when cut.
pub(crate) fn preview(input: &str) -> String {
    match input.char_indices().nth(PREVIEW_CHARS) {
        None => format!("{input:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &input[..cut], input.len()),
    }
}

impl From<ServiceError> for Status {
    fn from(error: ServiceError) -> Self {
        // Deliberately no catch-all arm: a new error kind must choose its code.
        let code = match &error {
            // Retryable: health says NOT_SERVING until the catalog is in.
            ServiceError::NotReady => Code::Unavailable,
            // The caller must change the request.
            ServiceError::MissingField(_) | ServiceError::InvalidArgument(_) => {
                Code::InvalidArgument
            }
            ServiceError::NotFound(_) => Code::NotFound,
        };
        Status::new(code, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_escaped_and_cut() {
        assert_eq!(preview("00402"), "\"00402\"");
        assert_eq!(preview("a\nb\u{1b}[31m"), "\"a\\nb\\u{1b}[31m\"");
        let long = "x".repeat(20_000);
        assert_eq!(
            preview(&long),
            format!("\"{}\"… (20000 bytes)", "x".repeat(PREVIEW_CHARS))
        );
    }
}
