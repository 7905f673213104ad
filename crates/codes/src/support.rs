//! Which ICD-10-CM codes plausibly support an anesthesia code of each CPT
//! subsection (`crates/codes/data/diagnosis_support.csv`).

use std::sync::OnceLock;

use crate::icd10cm::CodeRange;

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

/// The support table.
#[derive(Debug)]
pub struct DiagnosisSupport {
    rows: Vec<SupportRow>,
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

    /// True when the subsection has rows; subsections without rows (radiological
    /// and other procedures) accept any diagnosis.
    pub fn restricts(&self, subsection: u32) -> bool {
        self.rows.iter().any(|r| r.subsection == subsection)
    }

    /// The row of `subsection` that `code` (undotted) falls in, if any.
    pub fn supporting(&self, subsection: u32, code: &str) -> Option<&SupportRow> {
        self.rows.iter().find(|row| {
            row.subsection == subsection
                && CodeRange {
                    low: &row.range.0,
                    high: &row.range.1,
                }
                .contains(code)
        })
    }

    /// Every row.
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
    Ok(DiagnosisSupport { rows })
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn breast_and_glottis() {
        let support = DiagnosisSupport::embedded();
        assert_eq!(
            support.supporting(3, "C50911").map(|r| r.what),
            Some("malignant neoplasm of breast")
        );
        for code in ["C320", "J9502", "R093", "J3800", "Q315"] {
            assert_eq!(support.supporting(3, code), None, "{code}");
        }
        assert!(support.supporting(2, "C320").is_some());
        assert!(!support.restricts(16) && !support.restricts(19) && support.restricts(18));
    }
}
