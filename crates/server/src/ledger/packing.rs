//! Stored decisions are compressed with zstd and a dictionary trained on
//! decisions (`examples/train_decision_dictionary.rs`): a decision's rationale,
//! findings and lines are mostly the engine's own words, so the dictionary holds
//! them and a version stores about a tenth of its bytes (docs/performance.md).
//! The file keeps every dictionary it was written with (table `dictionaries`),
//! and each version names its own (NULL: stored as it was encoded), so the file
//! reads alone, whatever the binary reading it ships.

use std::collections::HashMap;

use prost::bytes::Bytes;
use zstd::bulk::{Compressor, Decompressor};

/// The dictionary new versions are compressed with, and its number in
/// `dictionaries`. A released dictionary never changes: a new one is a new file
/// and the next number.
pub(crate) const DICTIONARY_ID: i64 = 1;
pub(crate) const DICTIONARY: &[u8] = include_bytes!("../../data/decisions-1.zdict");

/// zstd's fastest level: with the dictionary, higher levels gain under 2 %.
const LEVEL: i32 = 1;

/// A stored decision decompresses to at most this: far above any decision (the
/// largest message a call may carry is 4 MiB), so a damaged frame that claims
/// more is refused before anything is allocated.
const MAX_DECISION_BYTES: usize = 16 << 20;

/// Compresses decisions for the store, on the ledger thread.
pub(crate) struct Packer {
    /// None when zstd could not be set up: versions are then stored as encoded.
    compressor: Option<Compressor<'static>>,
    scratch: Vec<u8>,
}

impl Default for Packer {
    fn default() -> Self {
        Packer {
            compressor: Compressor::with_dictionary(LEVEL, DICTIONARY).ok(),
            scratch: Vec::new(),
        }
    }
}

impl std::fmt::Debug for Packer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packer")
            .field("compressing", &self.compressor.is_some())
            .finish()
    }
}

impl Packer {
    /// The decision as stored, and the dictionary it was compressed with (none:
    /// as encoded, when compressing failed or saved nothing).
    pub(crate) fn pack(&mut self, decision: &Bytes) -> (Bytes, Option<i64>) {
        let Some(compressor) = &mut self.compressor else {
            return (decision.clone(), None);
        };
        self.scratch.clear();
        self.scratch
            .reserve(zstd::zstd_safe::compress_bound(decision.len()));
        match compressor.compress_to_buffer(decision, &mut self.scratch) {
            Ok(_) if self.scratch.len() < decision.len() => {
                (Bytes::copy_from_slice(&self.scratch), Some(DICTIONARY_ID))
            }
            _ => (decision.clone(), None),
        }
    }
}

/// Decompresses stored decisions with the dictionaries their file holds.
#[derive(Default)]
pub(crate) struct Unpacker {
    by_id: HashMap<i64, Decompressor<'static>>,
}

impl std::fmt::Debug for Unpacker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unpacker")
            .field("dictionaries", &self.by_id.len())
            .finish()
    }
}

/// Why a stored decision could not be read back.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UnpackError {
    #[error("names dictionary {0}, which the file does not hold")]
    UnknownDictionary(i64),
    #[error("does not decompress: {0}")]
    Damaged(std::io::Error),
}

impl Unpacker {
    /// Adds a dictionary of the file.
    pub(crate) fn add(&mut self, id: i64, bytes: &[u8]) -> std::io::Result<()> {
        self.by_id.insert(id, Decompressor::with_dictionary(bytes)?);
        Ok(())
    }

    /// The decision `stored` was packed from with `dictionary`.
    pub(crate) fn unpack(
        &mut self,
        stored: Vec<u8>,
        dictionary: Option<i64>,
    ) -> Result<Vec<u8>, UnpackError> {
        let Some(id) = dictionary else {
            return Ok(stored);
        };
        let decompressor = self
            .by_id
            .get_mut(&id)
            .ok_or(UnpackError::UnknownDictionary(id))?;
        decompressor
            .decompress(&stored, MAX_DECISION_BYTES)
            .map_err(UnpackError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_decision_unpacks_to_its_bytes_and_a_damaged_one_is_an_error() {
        let decision = Bytes::from(
            "the anesthesia time is 255 minutes: 17.0 time units of 15 minutes each; ".repeat(8),
        );
        let mut packer = Packer::default();
        let (stored, dictionary) = packer.pack(&decision);
        assert_eq!(dictionary, Some(DICTIONARY_ID));
        assert!(stored.len() < decision.len() / 4, "{} bytes", stored.len());
        let mut unpacker = Unpacker::default();
        unpacker
            .add(DICTIONARY_ID, DICTIONARY)
            .expect("a dictionary");
        let unpacked = unpacker
            .unpack(stored.to_vec(), dictionary)
            .expect("unpacks");
        assert_eq!(unpacked, decision);
        // Stored as encoded: read as it is.
        assert_eq!(unpacker.unpack(b"raw".to_vec(), None).expect("raw"), b"raw");
        assert!(matches!(
            unpacker.unpack(stored.to_vec(), Some(9)),
            Err(UnpackError::UnknownDictionary(9))
        ));
        let mut damaged = stored.to_vec();
        let last = damaged.len() - 1;
        damaged.truncate(last);
        assert!(matches!(
            unpacker.unpack(damaged, dictionary),
            Err(UnpackError::Damaged(_))
        ));
    }

    #[test]
    fn a_decision_too_short_to_gain_is_stored_as_encoded() {
        let decision = Bytes::from_static(b"\x0a\x01C");
        assert_eq!(Packer::default().pack(&decision), (decision, None));
    }
}
