use crate::Code;

/// A CPT anesthesia subsection: the codes for one body region or kind of service.
///
/// The ranges are the first and last codes in use (domain reference §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subsection {
    /// 1–19 in CPT order.
    pub number: u32,
    /// The subsection's name.
    pub name: &'static str,
    /// The first code of the range.
    pub first: u32,
    /// The last code of the range.
    pub last: u32,
}

const fn subsection(number: u32, name: &'static str, first: u32, last: u32) -> Subsection {
    Subsection {
        number,
        name,
        first,
        last,
    }
}

/// The 19 subsections of the CPT anesthesia section.
const SUBSECTIONS: [Subsection; 19] = [
    subsection(1, "Head", 100, 222),
    subsection(2, "Neck", 300, 352),
    subsection(3, "Thorax (chest wall and shoulder girdle)", 400, 474),
    subsection(4, "Intrathoracic", 500, 580),
    subsection(5, "Spine and spinal cord", 600, 670),
    subsection(6, "Upper abdomen", 700, 797),
    subsection(7, "Lower abdomen", 800, 882),
    subsection(8, "Perineum", 902, 952),
    subsection(9, "Pelvis (except hip)", 1112, 1173),
    subsection(10, "Upper leg (except knee)", 1200, 1274),
    subsection(11, "Knee and popliteal area", 1320, 1444),
    subsection(
        12,
        "Lower leg (below knee, including ankle and foot)",
        1462,
        1522,
    ),
    subsection(13, "Shoulder and axilla", 1610, 1680),
    subsection(14, "Upper arm and elbow", 1710, 1782),
    subsection(15, "Forearm, wrist and hand", 1810, 1860),
    subsection(16, "Radiological procedures", 1916, 1942),
    subsection(17, "Burn excisions or debridement", 1951, 1953),
    subsection(18, "Obstetric", 1958, 1969),
    subsection(19, "Other procedures", 1990, 1999),
];

impl Subsection {
    /// All subsections in CPT order.
    pub fn all() -> &'static [Subsection] {
        &SUBSECTIONS
    }

    /// The subsection with this number (1–19).
    pub fn by_number(number: u32) -> Option<&'static Subsection> {
        SUBSECTIONS.iter().find(|s| s.number == number)
    }

    /// The subsection an anesthesia code belongs to.
    pub fn of(code: Code) -> Option<&'static Subsection> {
        let number = code.number()?;
        SUBSECTIONS
            .iter()
            .find(|s| (s.first..=s.last).contains(&number))
    }

    /// The first code as text, e.g. "00400".
    pub fn first_code(&self) -> String {
        format!("{:05}", self.first)
    }

    /// The last code as text, e.g. "00474".
    pub fn last_code(&self) -> String {
        format!("{:05}", self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Code {
        text.parse().expect("valid code")
    }

    #[test]
    fn ranges_are_ordered_and_disjoint() {
        for pair in SUBSECTIONS.windows(2) {
            assert!(pair[0].first <= pair[0].last);
            assert!(pair[0].last < pair[1].first, "{pair:?}");
            assert_eq!(pair[0].number + 1, pair[1].number);
        }
    }

    #[test]
    fn codes_fall_in_their_subsection() {
        assert_eq!(Subsection::of(code("00402")).map(|s| s.number), Some(3));
        assert_eq!(Subsection::of(code("00632")).map(|s| s.number), Some(5));
        assert_eq!(Subsection::of(code("01968")).map(|s| s.number), Some(18));
        assert_eq!(Subsection::of(code("99100")), None);
        assert_eq!(Subsection::of(code("00230")), None);
    }
}
