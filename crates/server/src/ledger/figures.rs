//! The ledger's figure sets: each set is stored once, by the SHA-256 of its
//! encoding, and a decision version names its set.

use std::sync::Arc;

use anescode_validation::AppliedFigure;

use super::book::Digest;
use crate::figure_sets::{FigureCache, FigureSet, MAX_REMEMBERED};

/// The sets encoded, and those sent to the store (at most [`MAX_REMEMBERED`]
/// digests; past it the memory starts over, and a set the store already holds
/// is offered again and ignored by the store).
#[derive(Debug, Default)]
pub(crate) struct FigureSets {
    cache: FigureCache,
    stored: std::collections::HashSet<Digest>,
}

impl FigureSets {
    /// The set of these figures, and whether the store still needs it.
    pub(crate) fn get(&mut self, figures: Vec<Arc<AppliedFigure>>) -> (FigureSet, bool) {
        let set = self.cache.set(figures);
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
    use crate::figure_sets::tests::figure;

    #[test]
    fn a_set_is_stored_once_and_equal_sets_share_a_digest() {
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
    }
}
