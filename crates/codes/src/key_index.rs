//! Every code's place by its packed key: an open-addressing table of positions,
//! probed linearly, kept under two-thirds full. A look-up is one multiplication
//! and, nearly always, one or two adjacent slots, where a binary search took a
//! chain of dependent loads (perf, 2026-12-02: the ICD-10-CM look-up was 7 % of
//! coding a case).
//!
//! The table is built from the code set alone, so no input can lengthen its
//! probes: a look-up of any key stops at its key or at the first empty slot, and
//! an empty slot always exists.

/// A slot that holds no position.
const EMPTY: u32 = u32::MAX;

/// Positions of keys, by key.
#[derive(Debug, Default)]
pub(crate) struct KeyIndex {
    slots: Vec<u32>,
    /// log2 of the number of slots.
    bits: u32,
}

impl KeyIndex {
    /// The index of `keys` (each key once): key `keys[i]` finds `i`.
    pub(crate) fn new(keys: &[u64]) -> Self {
        // At least half again as many slots as keys: under two-thirds full.
        let len = (keys.len() + keys.len() / 2 + 1).next_power_of_two();
        let bits = len.trailing_zeros();
        let mut slots = vec![EMPTY; len];
        for (position, &key) in keys.iter().enumerate() {
            let Ok(position) = u32::try_from(position) else {
                break;
            };
            let mut at = slot(key, bits);
            while slots[at] != EMPTY {
                at = (at + 1) & (len - 1);
            }
            slots[at] = position;
        }
        KeyIndex { slots, bits }
    }

    /// The position of `wanted` in `keys` (the keys it was built from).
    pub(crate) fn find(&self, keys: &[u64], wanted: u64) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = slot(wanted, self.bits);
        loop {
            let position = *self.slots.get(at)?;
            if position == EMPTY {
                return None;
            }
            if keys.get(position as usize) == Some(&wanted) {
                return Some(position as usize);
            }
            at = (at + 1) & mask;
        }
    }
}

/// The slot a key starts its probe at: Fibonacci hashing, the product's top
/// `bits` bits, which depend on every bit of the key.
fn slot(key: u64, bits: u32) -> usize {
    if bits == 0 {
        return 0;
    }
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_finds_its_position_and_no_other_key_finds_one() {
        let keys: Vec<u64> = (0..5_000u64).map(|k| k * 7919 + (k << 40)).collect();
        let index = KeyIndex::new(&keys);
        for (position, &key) in keys.iter().enumerate() {
            assert_eq!(index.find(&keys, key), Some(position));
        }
        for absent in [1, 2, 7918, u64::MAX, 1 << 63] {
            assert_eq!(index.find(&keys, absent), None, "{absent}");
        }
        assert!(index.slots.iter().filter(|s| **s == EMPTY).count() > keys.len() / 2);
    }

    #[test]
    fn an_empty_set_finds_nothing() {
        let index = KeyIndex::new(&[]);
        assert_eq!(index.find(&[], 0), None);
        assert_eq!(KeyIndex::default().find(&[], 0), None);
    }
}
