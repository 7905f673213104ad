//! The ledger's cases by provider and UTC day of their time, for the concurrency
//! look-ups: a case is found only by cases that share a provider with it and
//! whose time shares a day with its.
//!
//! One ordered set of (provider, day, case) for the whole ledger: an entry costs
//! its 32 bytes in a B-tree node, however many providers and days there are. A
//! map per provider, then a set per day, cost about 400 bytes for a provider seen
//! once (a map, a node and a copy of the NPI), and every fresh page the ledger
//! touches is a page fault (docs/performance.md, eighth session).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::book::CaseId;

/// Providers as keys: a 10-digit NPI is its number; anything else a provider
/// was sent as is numbered above every NPI, in the order first seen. Those
/// numbers are kept for good: they grow with the distinct texts ever sent, as
/// the ledger grows with the cases that carried them.
#[derive(Debug, Default)]
struct Providers {
    others: std::collections::HashMap<Box<str>, u64, foldhash::quality::RandomState>,
}

/// Above every 10-digit number.
const FIRST_OTHER: u64 = 10_000_000_000;

impl Providers {
    fn number(npi: &str) -> Option<u64> {
        (npi.len() == 10 && npi.bytes().all(|b| b.is_ascii_digit()))
            .then(|| npi.parse().ok())
            .flatten()
    }

    /// The key of `npi`, if it has one.
    fn get(&self, npi: &str) -> Option<u64> {
        Self::number(npi).or_else(|| self.others.get(npi).copied())
    }

    /// The key of `npi`, given one when it has none.
    fn key(&mut self, npi: &str) -> u64 {
        if let Some(key) = self.get(npi) {
            return key;
        }
        let key = FIRST_OTHER + self.others.len() as u64;
        self.others.insert(npi.into(), key);
        key
    }
}

/// Cases by provider and UTC day.
#[derive(Debug)]
pub(crate) struct ProviderDays {
    providers: Providers,
    entries: BTreeSet<(u64, i64, CaseId)>,
    /// The least case id, for the bounds of a day's range.
    least: CaseId,
}

impl Default for ProviderDays {
    fn default() -> Self {
        ProviderDays {
            providers: Providers::default(),
            entries: BTreeSet::new(),
            least: Arc::from(""),
        }
    }
}

impl ProviderDays {
    pub(crate) fn insert(&mut self, npi: &str, day: i64, case_id: &CaseId) {
        let key = self.providers.key(npi);
        self.entries.insert((key, day, Arc::clone(case_id)));
    }

    pub(crate) fn remove(&mut self, npi: &str, day: i64, case_id: &CaseId) {
        if let Some(key) = self.providers.get(npi) {
            self.entries.remove(&(key, day, Arc::clone(case_id)));
        }
    }

    /// The cases of `npi` whose time touches `day`, in case_id order.
    pub(crate) fn cases(&self, npi: &str, day: i64) -> impl Iterator<Item = &CaseId> {
        let from = self.providers.get(npi).map(|key| {
            (
                key,
                self.entries.range((key, day, Arc::clone(&self.least))..),
            )
        });
        from.into_iter()
            .flat_map(move |(key, entries)| {
                entries.take_while(move |(k, d, _)| *k == key && *d == day)
            })
            .map(|(_, _, id)| id)
    }

    /// How many (provider, day, case) entries it holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(index: &ProviderDays, npi: &str, day: i64) -> Vec<String> {
        index.cases(npi, day).map(|id| id.to_string()).collect()
    }

    #[test]
    fn a_case_is_found_under_its_providers_and_days_only() {
        let mut index = ProviderDays::default();
        let a: CaseId = Arc::from("A");
        let b: CaseId = Arc::from("B");
        index.insert("1234567893", 10, &a);
        index.insert("1234567893", 11, &a);
        index.insert("1234567893", 10, &b);
        index.insert("1456789019", 10, &b);
        assert_eq!(ids(&index, "1234567893", 10), ["A", "B"]);
        assert_eq!(ids(&index, "1234567893", 11), ["A"]);
        assert!(ids(&index, "1234567893", 9).is_empty());
        assert!(ids(&index, "1234567893", 12).is_empty());
        assert_eq!(ids(&index, "1456789019", 10), ["B"]);
        assert!(ids(&index, "1987654328", 10).is_empty());
        index.remove("1234567893", 10, &a);
        assert_eq!(ids(&index, "1234567893", 10), ["B"]);
        assert_eq!(ids(&index, "1234567893", 11), ["A"]);
        assert_eq!(index.len(), 3);
    }

    #[test]
    fn a_provider_that_is_not_an_npi_is_its_own_provider() {
        let mut index = ProviderDays::default();
        let a: CaseId = Arc::from("A");
        let b: CaseId = Arc::from("B");
        // Not ten digits: neither may stand for the other or for a number.
        index.insert("123456789", 1, &a);
        index.insert("0123456789 ", 1, &b);
        index.insert("", 1, &b);
        assert_eq!(ids(&index, "123456789", 1), ["A"]);
        assert_eq!(ids(&index, "0123456789 ", 1), ["B"]);
        assert_eq!(ids(&index, "", 1), ["B"]);
        assert!(ids(&index, "0123456789", 1).is_empty());
        assert!(ids(&index, "12345678", 1).is_empty());
        index.remove("123456789", 1, &a);
        assert!(ids(&index, "123456789", 1).is_empty());
        // Removing under a provider never seen changes nothing.
        index.remove("never", 1, &b);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn days_far_apart_and_negative_are_their_own() {
        let mut index = ProviderDays::default();
        let a: CaseId = Arc::from("A");
        index.insert("1234567893", -1, &a);
        index.insert("1234567893", i64::MAX, &a);
        assert_eq!(ids(&index, "1234567893", -1), ["A"]);
        assert!(ids(&index, "1234567893", 0).is_empty());
        assert_eq!(ids(&index, "1234567893", i64::MAX), ["A"]);
        assert!(ids(&index, "1234567893", i64::MIN).is_empty());
    }
}
