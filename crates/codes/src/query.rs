//! Search queries: bounded in length and in distinct words, so the work one
//! search can cost is bounded whatever a client sends.

/// The longest query accepted, in bytes: a code prefix is at most 8 characters and
/// the longest ICD-10-CM title is under 250, but a search names a few words of it.
pub const MAX_QUERY_BYTES: usize = 200;
/// The most distinct words a query may have. Each word is one substring scan of
/// every title, so this bounds the work of a search.
pub const MAX_QUERY_WORDS: usize = 8;

/// Why a query is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The query is longer than [`MAX_QUERY_BYTES`].
    #[error("the query is {0} bytes; at most {MAX_QUERY_BYTES} are accepted")]
    TooLong(usize),
    /// The query has more than [`MAX_QUERY_WORDS`] distinct words.
    #[error("the query has {0} distinct words; at most {MAX_QUERY_WORDS} are accepted")]
    TooManyWords(usize),
}

/// The distinct lower-case words of `text`, longest first (the most selective
/// words are tried first), after checking the query's limits.
pub fn words(text: &str) -> Result<Vec<String>, QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(QueryError::TooLong(text.len()));
    }
    let mut words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    words.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    words.dedup();
    if words.len() > MAX_QUERY_WORDS {
        return Err(QueryError::TooManyWords(words.len()));
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_deduplicated_longest_first() {
        assert_eq!(
            words("Fracture of femur fracture  OF").expect("within limits"),
            ["fracture", "femur", "of"]
        );
    }

    #[test]
    fn long_and_wordy_queries_are_refused() {
        assert_eq!(
            words(&"e ".repeat(50_000)),
            Err(QueryError::TooLong(100_000))
        );
        assert_eq!(
            words("a b c d e f g h i j"),
            Err(QueryError::TooManyWords(10))
        );
        assert_eq!(words(&"e ".repeat(100)).map(|w| w.len()), Ok(1));
    }
}
