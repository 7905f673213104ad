//! Which ICD-10-CM codes plausibly support an anesthesia code of each CPT
//! subsection (`crates/codes/data/diagnosis_support.csv`).

use std::sync::OnceLock;

use crate::icd10cm::{self, CodeRange, Icd10Cm, PackedRange};

const TABLE: &str = include_str!("../data/diagnosis_support.csv");

/// One row: a range of diagnoses that supports a subsection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportRow {
    /// The CPT anesthesia subsection, 1-19.
    pub subsection: u32,
    /// The diagnoses, as undotted code prefixes.
    pub range: (String, String),
    /// What the range is, in words.
    pub what: &'static str,
}

impl SupportRow {
    fn code_range(&self) -> CodeRange<'_> {
        CodeRange {
            low: &self.range.0,
            high: &self.range.1,
        }
    }
}

/// The support table.
#[derive(Debug)]
pub struct DiagnosisSupport {
    /// By subsection, each subsection's rows in the table's order.
    rows: Vec<SupportRow>,
    /// Each subsection with rows, and where its rows lie in `rows`: a record's
    /// diagnoses are looked up among its subsection's rows only.
    spans: Vec<(u32, std::ops::Range<usize>)>,
    /// Each row's range as packed keys when it is compared in string order
    /// (`CodeRange::packed_in_string_order`), beside `rows`.
    packed: Vec<Option<PackedRange>>,
}

impl DiagnosisSupport {
    /// The embedded table, parsed on first use.
    pub fn embedded() -> &'static DiagnosisSupport {
        static TABLE_ROWS: OnceLock<DiagnosisSupport> = OnceLock::new();
        TABLE_ROWS.get_or_init(|| {
            // Checked by this crate's tests; a malformed row is a build defect.
            parse(TABLE)
                .unwrap_or_else(|line| panic!("diagnosis_support.csv is malformed at line {line}"))
        })
    }

    /// A table of the given rows (a later or a hospital's own table).
    pub fn new(mut rows: Vec<SupportRow>) -> Self {
        // Stable: within a subsection the rows keep the order they were given.
        rows.sort_by_key(|row| row.subsection);
        let mut spans: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
        for (at, row) in rows.iter().enumerate() {
            match spans.last_mut() {
                Some((subsection, span)) if *subsection == row.subsection => span.end = at + 1,
                _ => spans.push((row.subsection, at..at + 1)),
            }
        }
        let packed = rows
            .iter()
            .map(|row| row.code_range().packed_in_string_order())
            .collect();
        DiagnosisSupport {
            rows,
            spans,
            packed,
        }
    }

    /// The rows of `subsection`, in the table's order.
    pub fn rows_of(&self, subsection: u32) -> &[SupportRow] {
        &self.rows[self.span(subsection)]
    }

    /// Where the rows of `subsection` lie in `rows`.
    fn span(&self, subsection: u32) -> std::ops::Range<usize> {
        self.spans
            .binary_search_by_key(&subsection, |(s, _)| *s)
            .map_or(0..0, |at| self.spans[at].1.clone())
    }

    /// True when the subsection has rows; subsections without rows (radiological
    /// and other procedures) accept any diagnosis.
    pub fn restricts(&self, subsection: u32) -> bool {
        !self.rows_of(subsection).is_empty()
    }

    /// The row of `subsection` that `code` (undotted) falls in, if any, ranges
    /// read in the tabular order of `set` (C4A.61 is inside C43-C44).
    /// A code and a range both in string order are compared as packed keys.
    pub fn supporting(&self, set: &Icd10Cm, subsection: u32, code: &str) -> Option<&SupportRow> {
        let span = self.span(subsection);
        let key = icd10cm::string_order_key(code);
        self.rows[span.clone()]
            .iter()
            .zip(&self.packed[span])
            .find(|(row, packed)| match (key, packed) {
                (Some(key), Some(packed)) => packed.contains(key),
                _ => set.in_range(&row.code_range(), code),
            })
            .map(|(row, _)| row)
    }

    /// Every row, by subsection.
    pub fn rows(&self) -> &[SupportRow] {
        &self.rows
    }
}

fn parse(text: &'static str) -> Result<DiagnosisSupport, usize> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let line_no = index + 1;
        let mut fields = line.splitn(4, ',');
        let mut field = || fields.next().ok_or(line_no);
        let subsection: u32 = field()?.parse().map_err(|_| line_no)?;
        let low = field()?.replace('.', "");
        let high = field()?.replace('.', "");
        let what = field()?;
        if !(1..=19).contains(&subsection) || low.len() < 3 || high.len() < 3 || low > high {
            return Err(line_no);
        }
        rows.push(SupportRow {
            subsection,
            range: (low, high),
            what,
        });
    }
    Ok(DiagnosisSupport::new(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> &'static Icd10Cm {
        Icd10Cm::embedded()
    }
    use crate::icd10cm::Icd10Cm;

    #[test]
    fn every_row_names_real_codes() {
        let set = Icd10Cm::embedded();
        for row in DiagnosisSupport::embedded().rows() {
            for end in [&row.range.0, &row.range.1] {
                assert!(
                    set.with_prefix(end).next().is_some(),
                    "{row:?}: {end} names no code"
                );
            }
        }
    }

    #[test]
    fn rows_given_in_any_order_are_found_by_their_subsection() {
        let row = |subsection, low: &str, high: &str, what| SupportRow {
            subsection,
            range: (low.to_owned(), high.to_owned()),
            what,
        };
        let support = DiagnosisSupport::new(vec![
            row(7, "K80", "K87", "gallbladder"),
            row(3, "C50", "C50", "breast"),
            row(7, "K35", "K38", "appendix"),
        ]);
        let whats = |s| {
            support
                .rows_of(s)
                .iter()
                .map(|r| r.what)
                .collect::<Vec<_>>()
        };
        assert_eq!(whats(7), ["gallbladder", "appendix"]);
        assert_eq!(whats(3), ["breast"]);
        assert!(whats(5).is_empty());
        assert!(support.restricts(7) && support.restricts(3));
        assert!(!support.restricts(5) && !support.restricts(19));
        assert_eq!(
            support.supporting(set(), 7, "K359").map(|r| r.what),
            Some("appendix")
        );
        assert_eq!(support.supporting(set(), 3, "K359"), None);
    }

    #[test]
    fn breast_and_glottis() {
        let support = DiagnosisSupport::embedded();
        assert_eq!(
            support.supporting(set(), 3, "C50911").map(|r| r.what),
            Some("malignant neoplasm of breast")
        );
        for code in ["C320", "J9502", "R093", "J3800", "Q315"] {
            assert_eq!(support.supporting(set(), 3, code), None, "{code}");
        }
        assert!(support.supporting(set(), 2, "C320").is_some());
        assert!(!support.restricts(16) && !support.restricts(19) && support.restricts(18));
    }

    /// Ranges and codes in string order are compared as packed keys: the rows
    /// found are those the tabular's order finds, for codes of the release and
    /// for texts that are not codes.
    #[test]
    fn packed_keys_find_the_rows_the_tabular_order_finds() {
        let set = set();
        let support = DiagnosisSupport::embedded();
        let odd = [
            "",
            "C5",
            "C50",
            "c50911",
            "Z3A",
            "C4A61",
            "ÄÖÜ",
            "ZAÖ",
            "C50é",
            "C50911XYZ9",
            "C50.911",
        ];
        let codes = set.with_prefix("").step_by(13).map(|d| d.code());
        let mut compared = 0;
        for code in codes.chain(odd) {
            for &(subsection, _) in &support.spans {
                let by_tabular = support
                    .rows_of(subsection)
                    .iter()
                    .find(|row| set.in_range(&row.code_range(), code));
                assert_eq!(
                    support.supporting(set, subsection, code),
                    by_tabular,
                    "{code}"
                );
                compared += 1;
            }
        }
        assert!(compared > 50_000, "{compared}");
    }

    /// Categories with a letter sit where the tabular puts them: Merkel cell
    /// carcinoma C4A.61 is a skin neoplasm (C43-C44), M1A a gout of M05-M14.
    #[test]
    fn letter_categories_follow_the_tabular() {
        let set = set();
        let range = |low, high| CodeRange { low, high };
        assert!(set.in_range(&range("C43", "C44"), "C4A61"));
        assert!(
            !range("C43", "C44").contains("C4A61"),
            "string order would miss it"
        );
        assert!(set.in_range(&range("M05", "M14"), "M1A0710"));
        assert!(set.in_range(&range("Z30", "Z39"), "Z3A39"));
        assert!(!set.in_range(&range("C43", "C44"), "C45"));
        assert!(set.in_range(&range("C50", "C50"), "C50911"));
        assert!(!set.in_range(&range("C501", "C509"), "C500"));
    }
}
