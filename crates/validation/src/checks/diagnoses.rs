//! The diagnoses: each checked against the official ICD-10-CM release as a payer's
//! front-end edits would, then the record's diagnoses against each other, the
//! patient and the procedure.

use std::borrow::Cow;

use anescode_codes::CatalogEntry;
use anescode_codes::icd10cm::{self, CodeSex, Diagnosis, Icd10Cm, Icd10Error};
use anescode_codes::icd10cm_releases::{Icd10CmRelease, Icd10CmReleases, ReleaseChoice};
use anescode_codes::support::DiagnosisSupport;
use compact_str::CompactString;
use jiff::civil::Date;

use crate::checks::header::age_text;
use crate::field::{FieldPath, Name};
use crate::{CaseRecord, Enumerated, Finding, Rule, Sex};

/// Chapter 15: pregnancy, childbirth and the puerperium.
const MATERNITY_CHAPTER: u32 = 15;
/// Chapter 16: certain conditions originating in the perinatal period.
const PERINATAL_CHAPTER: u32 = 16;
/// Chapter 20: external causes of morbidity.
const EXTERNAL_CAUSE_CHAPTER: u32 = 20;
/// Medicare Code Editor maternity age range (domain reference §7.3).
const MATERNITY_AGES: std::ops::RangeInclusive<i16> = 9..=64;
/// Medicare Code Editor adult age range starts at 15 (domain reference §7.3).
const ADULT_AGE: i16 = 15;
/// How many of the subsection's supporting ranges a "does not support" message
/// names as examples: enough to orient a coder, short enough to read.
const SUPPORT_EXAMPLES: usize = 4;
/// Newborn-only codes: age 0 in the Medicare Code Editor.
const NEWBORN_AGE: i16 = 0;

/// A diagnosis as the decision reports it back: a code of the release, whose
/// dotted form and title are the release's own and are written out only when
/// the decision is (nothing is copied per case), or the text as sent when it is
/// not a code of the release.
#[derive(Debug, Clone)]
pub struct ReportedDiagnosis(Reported);

#[derive(Debug, Clone)]
enum Reported {
    Code(Diagnosis<'static>),
    Text(CompactString),
}

impl ReportedDiagnosis {
    /// A code of the release.
    pub fn code_of(diagnosis: Diagnosis<'static>) -> Self {
        ReportedDiagnosis(Reported::Code(diagnosis))
    }

    /// Text that is not a code of the release, reported as sent (or dotted).
    pub fn text(text: &str) -> Self {
        ReportedDiagnosis(Reported::Text(CompactString::from(text)))
    }

    /// The code of the release, when it is one.
    fn diagnosis(&self) -> Option<&Diagnosis<'static>> {
        match &self.0 {
            Reported::Code(diagnosis) => Some(diagnosis),
            Reported::Text(_) => None,
        }
    }

    /// The canonical dotted code; the text as sent when it is not a code.
    pub fn code(&self) -> Cow<'_, str> {
        match self.code_parts() {
            [text, "", ""] => Cow::Borrowed(text),
            parts => Cow::Owned(parts.concat()),
        }
    }

    /// [`ReportedDiagnosis::code`] in the parts it is written in, without a copy.
    pub fn code_parts(&self) -> [&str; 3] {
        match &self.0 {
            Reported::Code(diagnosis) => icd10cm::dotted_parts(diagnosis.code()),
            Reported::Text(text) => [text, "", ""],
        }
    }

    /// The official title, when the code is in the release.
    pub fn description(&self) -> Option<Cow<'static, str>> {
        self.diagnosis().map(Diagnosis::description)
    }

    /// [`ReportedDiagnosis::description`] in the release's parts
    /// ([`Diagnosis::title_parts`]), without a copy.
    pub fn description_parts(&self) -> Option<[&'static str; 3]> {
        self.diagnosis().map(Diagnosis::title_parts)
    }

    /// True when the code is valid for submission.
    pub fn billable(&self) -> bool {
        self.diagnosis().is_some_and(Diagnosis::billable)
    }
}

/// Equal when they read the same: the same code text, title and billability,
/// however each is held.
impl PartialEq for ReportedDiagnosis {
    fn eq(&self, other: &Self) -> bool {
        fn text(parts: [&str; 3]) -> impl Iterator<Item = u8> + '_ {
            parts.into_iter().flat_map(str::bytes)
        }
        let same_title = match (self.description_parts(), other.description_parts()) {
            (Some(a), Some(b)) => text(a).eq(text(b)),
            (a, b) => a.is_none() && b.is_none(),
        };
        text(self.code_parts()).eq(text(other.code_parts()))
            && same_title
            && self.billable() == other.billable()
    }
}

impl Eq for ReportedDiagnosis {}

/// The ICD-10-CM release that judges the date of service; a finding when the date
/// is before the oldest held.
pub(crate) fn release<'t>(
    releases: &'t Icd10CmReleases,
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) -> &'t Icd10CmRelease {
    let (release, choice) = releases.for_date(date_of_service);
    if choice == ReleaseChoice::BeforeOldest
        && let Some(date) = date_of_service
    {
        findings.push(Finding::new(
            Rule::Icd10CmReleaseNotHeld,
            FieldPath::of(Name::Diagnoses),
            format!(
                "no ICD-10-CM release held covers {date}; the diagnoses were judged by {}, in force from {}",
                release.set.release(),
                release.effective_from
            ),
        ));
    }
    release
}

/// Checks every diagnosis and returns them in canonical form, in record order.
pub(crate) fn check(
    record: &CaseRecord,
    (set, support_table): (&'static Icd10Cm, &DiagnosisSupport),
    age: Option<i16>,
    carrying: Option<&CatalogEntry>,
    findings: &mut Vec<Finding>,
) -> Vec<ReportedDiagnosis> {
    if record.diagnoses.is_empty() {
        findings.push(Finding::new(
            Rule::DiagnosesMissing,
            FieldPath::of(Name::Diagnoses),
            "the record has no diagnosis; send at least the primary ICD-10-CM code",
        ));
        return Vec::new();
    }
    let mut reported = Vec::with_capacity(record.diagnoses.len());
    let mut known: Vec<(usize, Diagnosis<'_>)> = Vec::with_capacity(record.diagnoses.len());
    for (i, text) in record.diagnoses.iter().enumerate() {
        let field = FieldPath::of(Name::Diagnoses).at(i);
        match set.lookup(text) {
            Err(Icd10Error::Malformed(_)) => {
                findings.push(Finding::new(
                    Rule::DiagnosisInvalidFormat,
                    field,
                    format!(
                        "{text:?} is not shaped like an ICD-10-CM code (a letter, a digit, a letter or digit, then up to four letters or digits, e.g. C50.911)"
                    ),
                ));
                reported.push(ReportedDiagnosis::text(text));
            }
            Err(Icd10Error::Unknown(dotted, release)) => {
                findings.push(Finding::new(
                    Rule::DiagnosisUnknown,
                    field,
                    format!("{dotted} is not a code of {release}"),
                ));
                reported.push(ReportedDiagnosis::text(&dotted));
            }
            Ok(diagnosis) => {
                // At most `limits::DIAGNOSES` codes: a scan is cheaper than a set.
                if known.iter().any(|(_, d)| d.key() == diagnosis.key()) {
                    findings.push(Finding::new(
                        Rule::DiagnosisDuplicate,
                        field,
                        format!("{diagnosis} is listed twice; list each diagnosis once"),
                    ));
                }
                not_billable(set, &diagnosis, field, findings);
                reported.push(ReportedDiagnosis::code_of(diagnosis));
                known.push((i, diagnosis));
            }
        }
    }
    if let Some((0, primary)) = known.first() {
        primary_position(primary, findings);
    }
    excludes1(&known, findings);
    patient(&known, record, age, findings);
    if let Some(entry) = carrying {
        support((set, support_table), &known, entry, findings);
    }
    reported
}

fn not_billable(
    set: &Icd10Cm,
    diagnosis: &Diagnosis<'_>,
    field: FieldPath,
    findings: &mut Vec<Finding>,
) {
    if diagnosis.billable() {
        return;
    }
    if diagnosis.needs_seventh_character() {
        let options: Vec<String> = seventh_character_codes(set, diagnosis)
            .iter()
            .map(|child| {
                let meaning = child.description();
                let meaning = meaning
                    .rsplit_once(", ")
                    .map_or(meaning.as_ref(), |(_, m)| m);
                format!("{} ({meaning})", child.dotted())
            })
            .collect();
        findings.push(Finding::new(
            Rule::DiagnosisSeventhCharacterMissing,
            field,
            format!(
                "{diagnosis} needs a 7th character to be valid: {}",
                options.join(", ")
            ),
        ));
        return;
    }
    findings.push(Finding::new(
        Rule::DiagnosisNotBillable,
        field,
        format!(
            "{diagnosis} ({}) is a category, not a billable code: {} billable codes lie under it; report the most specific one",
            diagnosis.description(),
            diagnosis.billable_descendants()
        ),
    ));
}

/// The codes made from `diagnosis` by adding a 7th character.
fn seventh_character_codes<'a>(set: &'a Icd10Cm, diagnosis: &Diagnosis<'_>) -> Vec<Diagnosis<'a>> {
    let code = diagnosis.code();
    let base = format!("{code:X<6}");
    set.with_prefix(&base)
        .filter(|d| d.code().len() == 7 && d.parent().is_some_and(|p| p.code() == code))
        .collect()
}

fn primary_position(primary: &Diagnosis<'_>, findings: &mut Vec<Finding>) {
    if primary.chapter().number == EXTERNAL_CAUSE_CHAPTER {
        findings.push(Finding::new(
            Rule::DiagnosisExternalCausePrimary,
            FieldPath::of(Name::Diagnoses).at(0),
            format!(
                "{primary} is an external-cause code (V00-Y99); it describes how an injury happened and is never listed first: list the injury or condition first"
            ),
        ));
    }
    if primary.manifestation() {
        let note = primary
            .code_first()
            .map(|note| format!("; the tabular says: code first {note}"))
            .unwrap_or_default();
        findings.push(Finding::new(
            Rule::DiagnosisManifestationPrimary,
            FieldPath::of(Name::Diagnoses).at(0),
            format!(
                "{primary} ({}) is a manifestation code and is never listed first{note}",
                primary.description()
            ),
        ));
    }
}

/// Reports every pair of the record's diagnoses in an Excludes1 relation, in
/// record order. Each code's Excludes1 ranges are looked up in the record's codes
/// sorted, so the work grows with codes × ranges × log(codes), not with pairs.
fn excludes1(known: &[(usize, Diagnosis<'_>)], findings: &mut Vec<Finding>) {
    let mut sorted: Vec<(u64, usize)> = known
        .iter()
        .enumerate()
        .map(|(at, (_, d))| (d.key(), at))
        .collect();
    sorted.sort_unstable();
    // (earlier, later) positions in `known`, and whether the earlier one's note
    // names the later.
    let mut pairs: Vec<((usize, usize), bool)> = Vec::new();
    for (owner_at, (_, owner)) in known.iter().enumerate() {
        for range in owner.excludes1_packed() {
            let from = sorted.partition_point(|(key, _)| range.below(*key));
            let to = sorted.partition_point(|(key, _)| range.not_above(*key));
            for &(key, named_at) in sorted.get(from..to).unwrap_or_default() {
                if key != owner.key() {
                    let pair = (owner_at.min(named_at), owner_at.max(named_at));
                    pairs.push((pair, owner_at < named_at));
                }
            }
        }
    }
    // One finding per pair, the earlier code's note preferred.
    pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    pairs.dedup_by_key(|(pair, _)| *pair);
    for ((a, b), earlier_owns) in pairs {
        let ((_, first), (j, second)) = (&known[a], &known[b]);
        let (owner, named) = if earlier_owns {
            (first, second)
        } else {
            (second, first)
        };
        findings.push(Finding::new(
            Rule::DiagnosisExcludes1,
            FieldPath::of(Name::Diagnoses).at(*j),
            format!(
                "{first} and {second} are not coded together: an Excludes1 note at {owner} excludes {named}; keep the one the record supports"
            ),
        ));
    }
}

fn patient(
    known: &[(usize, Diagnosis<'_>)],
    record: &CaseRecord,
    age: Option<i16>,
    findings: &mut Vec<Finding>,
) {
    let sex = match record.patient.as_ref().map(|p| p.sex) {
        Some(Enumerated::Known(Sex::Female)) => Some(CodeSex::Female),
        Some(Enumerated::Known(Sex::Male)) => Some(CodeSex::Male),
        _ => None,
    };
    for (i, diagnosis) in known {
        let field = FieldPath::of(Name::Diagnoses).at(*i);
        maternity(diagnosis, field, sex, age, findings);
        newborn(diagnosis, field, age, findings);
        organs_or_title_sex(diagnosis, field, sex, findings);
    }
}

/// Pregnancy codes: chapter 15 and the pregnancy Z codes, on a female patient of
/// maternity age.
fn maternity(
    diagnosis: &Diagnosis<'_>,
    field: FieldPath,
    sex: Option<CodeSex>,
    age: Option<i16>,
    findings: &mut Vec<Finding>,
) {
    if !diagnosis.maternity() {
        return;
    }
    let (what, short) = if diagnosis.chapter().number == MATERNITY_CHAPTER {
        (
            "a pregnancy, childbirth or puerperium code (chapter 15)",
            "a pregnancy code (chapter 15)",
        )
    } else {
        (
            "a pregnancy or delivery code (Z33.1, Z34, Z36, Z37, Z39, Z3A)",
            "a pregnancy or delivery code (Z33.1, Z34, Z36, Z37, Z39, Z3A)",
        )
    };
    if sex == Some(CodeSex::Male) {
        findings.push(Finding::new(
            Rule::DiagnosisSexConflict,
            field,
            format!("{diagnosis} is {what} on a male patient"),
        ));
    }
    if let Some(age) = age
        && !MATERNITY_AGES.contains(&age)
    {
        findings.push(Finding::new(
            Rule::DiagnosisAgeConflict,
            field,
            format!(
                "{diagnosis} is {short}; the patient is {}, outside the maternity ages {}-{} of the Medicare Code Editor",
                age_text(age),
                MATERNITY_AGES.start(),
                MATERNITY_AGES.end()
            ),
        ));
    }
}

/// Perinatal codes past childhood, and newborn-only codes past the first year.
fn newborn(
    diagnosis: &Diagnosis<'_>,
    field: FieldPath,
    age: Option<i16>,
    findings: &mut Vec<Finding>,
) {
    let Some(age) = age else {
        return;
    };
    if diagnosis.chapter().number == PERINATAL_CHAPTER && age >= ADULT_AGE {
        findings.push(Finding::new(
            Rule::DiagnosisAgeConflict,
            field,
            format!(
                "{diagnosis} is a perinatal code (chapter 16) on a patient aged {}; the official guidelines allow perinatal codes later in life only while the condition that began in the perinatal period persists: confirm it",
                age_text(age)
            ),
        ));
    } else if diagnosis.newborn_only() && age > NEWBORN_AGE {
        findings.push(Finding::new(
            Rule::DiagnosisAgeConflict,
            field,
            format!(
                "{diagnosis} is a newborn code (Z38, Z05, Z00.11: age 0 in the Medicare Code Editor) on a patient aged {}",
                age_text(age)
            ),
        ));
    }
}

/// Codes of one sex's organs, or whose title names the patient's sex.
fn organs_or_title_sex(
    diagnosis: &Diagnosis<'_>,
    field: FieldPath,
    sex: Option<CodeSex>,
    findings: &mut Vec<Finding>,
) {
    if diagnosis.maternity() {
        return; // reported as a pregnancy code
    }
    if let (Some(expected), Some(actual)) = (diagnosis.sex(), sex)
        && expected != actual
    {
        let (sex_word, organs, patient) = match expected {
            CodeSex::Female => ("female", "female genital or pelvic organs", "a male"),
            CodeSex::Male => ("male", "male genital organs", "a female"),
        };
        let group = diagnosis_group(diagnosis);
        let lowered = group.to_ascii_lowercase();
        let message = if ["genital", "pelvic"].iter().any(|w| lowered.contains(w)) {
            format!(
                "{diagnosis} lies in \"{group}\", a block or category of {organs}, on {patient} patient"
            )
        } else {
            format!(
                "{diagnosis} (\"{}\") names a {sex_word} patient, on {patient} patient",
                diagnosis.description()
            )
        };
        findings.push(Finding::new(Rule::DiagnosisSexConflict, field, message));
    }
}

/// The title that names the organs: the block's when it does, else the category's.
fn diagnosis_group(diagnosis: &Diagnosis<'_>) -> String {
    let block = diagnosis.block().title;
    let names_organs = ["genital", "pelvic"]
        .iter()
        .any(|word| block.to_ascii_lowercase().contains(word));
    match diagnosis.lineage().last() {
        Some(category) if !names_organs => category.description().into_owned(),
        _ => block.to_owned(),
    }
}

fn support(
    (set, table): (&Icd10Cm, &DiagnosisSupport),
    known: &[(usize, Diagnosis<'_>)],
    entry: &CatalogEntry,
    findings: &mut Vec<Finding>,
) {
    let Some(subsection) = entry.subsection else {
        return;
    };
    if !table.restricts(subsection.number) || known.is_empty() {
        return;
    }
    if known
        .iter()
        .any(|(_, d)| table.supporting(set, subsection.number, d.code()).is_some())
    {
        return;
    }
    let listed: Vec<String> = known
        .iter()
        .map(|(_, d)| format!("{d} ({})", d.description()))
        .collect();
    let expected: Vec<&str> = table
        .rows_of(subsection.number)
        .iter()
        .take(SUPPORT_EXAMPLES)
        .map(|row| row.what)
        .collect();
    findings.push(Finding::new(
        Rule::DiagnosisDoesNotSupportProcedure,
        FieldPath::of(Name::Diagnoses),
        format!(
            "no diagnosis supports {} ({}, {} subsection): the record lists {}; expected for example {}",
            entry.code,
            entry.description,
            subsection.name,
            listed.join("; "),
            expected.join("; ")
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_code_is_written_in_parts_as_the_code_set_dots_and_titles_it() {
        let set = Icd10Cm::embedded();
        for code in ["I10", "C50.911", "Z80.3", "J45.909", "S72.001A", "T36.0X1A"] {
            let diagnosis = set.lookup(code).expect("in the release");
            let reported = ReportedDiagnosis::code_of(diagnosis);
            assert_eq!(reported.code(), code);
            assert_eq!(reported.code_parts().concat(), code);
            let description = diagnosis.description();
            assert_eq!(reported.description().as_deref(), Some(&*description));
            let parts = reported.description_parts().expect("a code's title");
            assert_eq!(parts.concat(), description, "{code}");
            assert_eq!(reported.billable(), diagnosis.billable());
            // Read the same as the same text sent as text, but for the title.
            assert_ne!(reported, ReportedDiagnosis::text(code));
            assert_eq!(reported, ReportedDiagnosis::code_of(diagnosis));
        }
        // A 7th-character code's title is its base's and the character's meaning.
        let fracture = ReportedDiagnosis::code_of(set.lookup("S72.001A").expect("held"));
        assert_eq!(
            fracture.description_parts(),
            Some([
                "Fracture of unspecified part of neck of right femur",
                ", ",
                "initial encounter for closed fracture"
            ])
        );
        let text = ReportedDiagnosis::text("not a code");
        assert_eq!(text.code_parts(), ["not a code", "", ""]);
        assert_eq!((text.description(), text.billable()), (None, false));
        assert_eq!(text, ReportedDiagnosis::text("not a code"));
    }
}
