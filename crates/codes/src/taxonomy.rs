//! NUCC health care provider taxonomy codes of anesthesia providers (domain
//! reference §6.2).

/// Which kind of anesthesia provider a taxonomy code describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxonomyGroup {
    /// An anesthesiology physician (any subspecialty).
    Anesthesiologist,
    /// A certified registered nurse anesthetist.
    NurseAnesthetist,
    /// An anesthesiologist assistant.
    AnesthesiologistAssistant,
}

/// One taxonomy code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taxonomy {
    /// The ten-character code.
    pub code: &'static str,
    /// The NUCC classification and specialization.
    pub name: &'static str,
    /// The kind of provider.
    pub group: TaxonomyGroup,
}

const fn taxonomy(code: &'static str, name: &'static str, group: TaxonomyGroup) -> Taxonomy {
    Taxonomy { code, name, group }
}

/// The anesthesia provider taxonomies.
pub const ANESTHESIA_TAXONOMIES: &[Taxonomy] = &[
    taxonomy(
        "207L00000X",
        "Anesthesiology",
        TaxonomyGroup::Anesthesiologist,
    ),
    taxonomy(
        "207LA0401X",
        "Anesthesiology, Addiction Medicine",
        TaxonomyGroup::Anesthesiologist,
    ),
    taxonomy(
        "207LC0200X",
        "Anesthesiology, Critical Care Medicine",
        TaxonomyGroup::Anesthesiologist,
    ),
    taxonomy(
        "207LH0002X",
        "Anesthesiology, Hospice and Palliative Medicine",
        TaxonomyGroup::Anesthesiologist,
    ),
    taxonomy(
        "207LP2900X",
        "Anesthesiology, Pain Medicine",
        TaxonomyGroup::Anesthesiologist,
    ),
    taxonomy(
        "207LP3000X",
        "Anesthesiology, Pediatric Anesthesiology",
        TaxonomyGroup::Anesthesiologist,
    ),
    taxonomy(
        "367500000X",
        "Nurse Anesthetist, Certified Registered",
        TaxonomyGroup::NurseAnesthetist,
    ),
    taxonomy(
        "367H00000X",
        "Anesthesiologist Assistant",
        TaxonomyGroup::AnesthesiologistAssistant,
    ),
];

/// The anesthesia taxonomy with this code.
pub fn lookup(code: &str) -> Option<&'static Taxonomy> {
    ANESTHESIA_TAXONOMIES.iter().find(|t| t.code == code)
}

/// True when `code` has the NUCC shape: ten characters, upper-case letters and
/// digits, ending in "X".
pub fn is_well_formed(code: &str) -> bool {
    code.len() == 10
        && code.ends_with('X')
        && code
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_and_shape() {
        assert_eq!(
            lookup("367500000X").map(|t| t.group),
            Some(TaxonomyGroup::NurseAnesthetist)
        );
        assert_eq!(lookup("207Q00000X"), None);
        assert!(ANESTHESIA_TAXONOMIES.iter().all(|t| is_well_formed(t.code)));
        assert!(is_well_formed("207Q00000X"));
        assert!(!is_well_formed("207L00000"));
        assert!(!is_well_formed("207l00000X"));
    }
}
