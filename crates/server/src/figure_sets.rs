//! Figure sets: the figures a decision applied (base units, unit rules, split,
//! conversion factor) are the same for every case of a code and profile, so each
//! set is encoded once, as a decision's `figures` field, and its bytes follow the
//! rest of each decision that applied it (protobuf fields may come in any order).
//! The case ledger also stores each set once, by the SHA-256 of its encoding.

use std::sync::{Arc, Mutex, PoisonError};

use anescode_validation::AppliedFigure;
use prost::bytes::Bytes;
use sha2::{Digest as _, Sha256};

use crate::pb;

/// The `figures` field's number in anescode.v1.CodingDecision.
const FIGURES_FIELD: u32 = 11;

/// Sets remembered at most; past it the memory starts over (a set is then
/// encoded again when next used).
pub(crate) const MAX_REMEMBERED: usize = 4096;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;

/// A set of figures encoded as a decision's `figures` field, and as messages
/// (for the versions published to watchers); cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct FigureSet {
    /// The SHA-256 of `bytes`.
    pub(crate) digest: [u8; 32],
    pub(crate) bytes: Bytes,
    figures: Arc<[pb::AppliedFigure]>,
}

impl FigureSet {
    /// The set of figures already converted.
    pub(crate) fn of_messages(figures: Vec<pb::AppliedFigure>) -> Self {
        let mut bytes = Vec::new();
        for figure in &figures {
            prost::encoding::message::encode(FIGURES_FIELD, figure, &mut bytes);
        }
        FigureSet {
            digest: Sha256::digest(&bytes).into(),
            bytes: bytes.into(),
            figures: figures.into(),
        }
    }

    /// The figures as a decision's field.
    pub(crate) fn messages(&self) -> Vec<pb::AppliedFigure> {
        self.figures.to_vec()
    }
}

/// The engine's figures are shared (`Arc`) per catalog entry and profile: a set
/// is known by the addresses of its figures, and encoded once. Each entry keeps
/// its figures alive, so an address cannot be reused by other figures while it
/// is remembered. At most [`MAX_REMEMBERED`] sets, a few hundred bytes each.
#[derive(Debug, Default)]
pub(crate) struct FigureCache {
    encoded: HashMap<Vec<usize>, (Vec<Arc<AppliedFigure>>, FigureSet)>,
    /// The key being looked up, kept to spare an allocation per look-up.
    key: Vec<usize>,
}

impl FigureCache {
    /// The set of these figures.
    pub(crate) fn set(&mut self, figures: Vec<Arc<AppliedFigure>>) -> FigureSet {
        self.key.clear();
        self.key
            .extend(figures.iter().map(|f| Arc::as_ptr(f) as usize));
        if let Some((_, set)) = self.encoded.get(self.key.as_slice()) {
            return set.clone();
        }
        let set = FigureSet::of_messages(figures.iter().map(|f| f.as_ref().into()).collect());
        if self.encoded.len() >= MAX_REMEMBERED {
            self.encoded.clear();
        }
        self.encoded
            .insert(self.key.clone(), (figures, set.clone()));
        set
    }
}

/// A [`FigureCache`] shared by the calls answered without the ledger.
#[derive(Debug, Default)]
pub(crate) struct SharedFigureCache(Mutex<FigureCache>);

impl SharedFigureCache {
    /// The set of these figures.
    pub(crate) fn set(&self, figures: Vec<Arc<AppliedFigure>>) -> FigureSet {
        // The cache holds no invariant a panic elsewhere could break.
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cache.set(figures)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn figure(value: &str) -> Arc<AppliedFigure> {
        Arc::new(AppliedFigure {
            kind: anescode_validation::FigureKind::ConversionFactor,
            code: None,
            locality: None,
            name: "conversion factor".to_owned(),
            value: value.to_owned(),
            source: "CMS PFS 2026".to_owned(),
            effective: None,
        })
    }

    #[test]
    fn the_same_figures_are_encoded_once_and_equal_ones_get_the_same_bytes() {
        let cache = SharedFigureCache::default();
        let shared = vec![figure("20.3178"), figure("1")];
        let first = cache.set(shared.clone());
        let again = cache.set(shared.clone());
        // The same encoding, not another one.
        assert_eq!(again.bytes.as_ptr(), first.bytes.as_ptr());
        let copy = cache.set(vec![figure("20.3178"), figure("1")]);
        assert_ne!(copy.bytes.as_ptr(), first.bytes.as_ptr());
        assert_eq!(
            (copy.digest, copy.bytes),
            (first.digest, first.bytes.clone())
        );
        let mut expected = Vec::new();
        for value in ["20.3178", "1"] {
            let message = pb::AppliedFigure::from(figure(value).as_ref());
            prost::encoding::message::encode(FIGURES_FIELD, &message, &mut expected);
        }
        assert_eq!(first.bytes, expected);
        let values: Vec<String> = first.messages().into_iter().map(|f| f.value).collect();
        assert_eq!(values, ["20.3178", "1"]);
    }
}
