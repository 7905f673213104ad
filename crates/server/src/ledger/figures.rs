//! Figure sets: the figures a decision applied (base units, unit rules, split,
//! conversion factor) are the same for every case of a code and profile, so the
//! store keeps each set once, by the SHA-256 of its encoding, and a decision
//! version names its set. A stored decision's bytes followed by its set's bytes
//! are the decision's encoding (protobuf fields may come in any order).

use std::collections::HashMap;
use std::sync::Arc;

use anescode_validation::AppliedFigure;
use prost::bytes::Bytes;

use super::book::{Digest, sha256};
use crate::pb;

/// The `figures` field's number in anescode.v1.CodingDecision.
const FIGURES_FIELD: u32 = 11;

/// Sets remembered at most; past it the memory starts over (a set the store
/// already holds is then offered again, and ignored by the store).
const MAX_REMEMBERED: usize = 4096;

/// A set of figures encoded as a decision's `figures` field, and as messages
/// (for the versions published to watchers); cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct FigureSet {
    pub(crate) digest: Digest,
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
            digest: sha256(&bytes),
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
/// is remembered.
#[derive(Debug, Default)]
pub(crate) struct FigureSets {
    encoded: HashMap<Vec<usize>, (Vec<Arc<AppliedFigure>>, FigureSet)>,
    /// Digests of the sets sent to the store.
    stored: std::collections::HashSet<Digest>,
}

impl FigureSets {
    /// The set of these figures, and whether the store still needs it.
    pub(crate) fn get(&mut self, figures: Vec<Arc<AppliedFigure>>) -> (FigureSet, bool) {
        let key: Vec<usize> = figures.iter().map(|f| Arc::as_ptr(f) as usize).collect();
        let set = match self.encoded.get(&key) {
            Some((_, set)) => set.clone(),
            None => {
                let set =
                    FigureSet::of_messages(figures.iter().map(|f| f.as_ref().into()).collect());
                if self.encoded.len() >= MAX_REMEMBERED {
                    self.encoded.clear();
                }
                self.encoded.insert(key, (figures, set.clone()));
                set
            }
        };
        if self.stored.len() >= MAX_REMEMBERED {
            self.stored.clear();
        }
        let new = self.stored.insert(set.digest);
        (set, new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(value: &str) -> Arc<AppliedFigure> {
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
    fn a_set_is_encoded_once_and_stored_once_and_equal_sets_share_a_digest() {
        let mut sets = FigureSets::default();
        let shared = vec![figure("20.3178"), figure("1")];
        let (first, new) = sets.get(shared.clone());
        assert!(new);
        let (again, new) = sets.get(shared.clone());
        assert!(!new);
        assert_eq!(
            (again.digest, again.bytes.clone()),
            (first.digest, first.bytes.clone())
        );
        // The same content in other allocations: the same set, already stored.
        let (copy, new) = sets.get(vec![figure("20.3178"), figure("1")]);
        assert!(!new);
        assert_eq!(copy.digest, first.digest);
        let (other, new) = sets.get(vec![figure("21.0")]);
        assert!(new);
        assert_ne!(other.digest, first.digest);
        let values: Vec<String> = first.messages().into_iter().map(|f| f.value).collect();
        assert_eq!(values, ["20.3178", "1"]);
    }
}
