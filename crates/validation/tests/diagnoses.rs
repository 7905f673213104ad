//! Diagnoses against the official ICD-10-CM release: exact findings for each edit.

use std::sync::Arc;

use anescode_codes::Catalog;
use anescode_validation::{
    AnesthesiaType, CaseRecord, Coder, Decision, DecisionStatus, Enumerated, Patient, Payer,
    PayerProfiles, PhysicalStatus, Procedure, Provider, ProviderRole, RawTimestamp, Sex, TimeBlock,
};

fn at(text: &str) -> Option<RawTimestamp> {
    let ts: jiff::Timestamp = text.parse().expect("RFC 3339");
    Some(RawTimestamp {
        seconds: ts.as_second(),
        nanos: 0,
    })
}

/// A clean Medicare case with `code` as its anesthesia code and `diagnoses`.
fn case(code: &str, diagnoses: &[&str], sex: Sex, birth_date: &str) -> CaseRecord {
    CaseRecord {
        case_id: "DX-1".to_owned(),
        revision: 1,
        date_of_service: "2026-03-02".to_owned(),
        patient: Some(Patient {
            birth_date: birth_date.to_owned(),
            sex: Enumerated::Known(sex),
        }),
        anesthesia_type: Enumerated::Known(AnesthesiaType::General),
        time_blocks: vec![TimeBlock {
            start: at("2026-03-02T14:00:00Z"),
            end: at("2026-03-02T15:35:00Z"),
        }],
        procedures: vec![Procedure {
            anesthesia_code: code.to_owned(),
            ..Default::default()
        }],
        diagnoses: diagnoses.iter().map(|d| (*d).to_owned()).collect(),
        physical_status: Enumerated::Known(PhysicalStatus::P2),
        providers: vec![Provider {
            npi: "1234567893".to_owned(),
            role: Enumerated::Known(ProviderRole::Anesthesiologist),
            ..Default::default()
        }],
        place_of_service: "22".to_owned(),
        payer: Some(Payer {
            profile: "medicare".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn decide(record: &CaseRecord) -> Decision {
    Coder::new(
        Arc::new(Catalog::embedded()),
        Arc::new(PayerProfiles::embedded()),
    )
    .code(record)
}

/// (rule id, field, message) of each finding.
fn findings(decision: &Decision) -> Vec<(&'static str, String, String)> {
    decision
        .findings
        .iter()
        .map(|f| (f.rule.id(), f.field.to_string(), f.message.clone()))
        .collect()
}

fn finding(rule: &'static str, field: &str, message: &str) -> (&'static str, String, String) {
    (rule, field.to_owned(), message.to_owned())
}

const FEMALE_ADULT: &str = "1968-05-01";

#[test]
fn billable_codes_with_and_without_dot_are_reported_dotted() {
    for text in ["C50.911", "C50911", "c50.911"] {
        let decision = decide(&case("00404", &[text], Sex::Female, FEMALE_ADULT));
        assert_eq!(findings(&decision), [], "{text}");
        assert_eq!(decision.status, DecisionStatus::Coded);
        assert_eq!(decision.diagnoses[0].code(), "C50.911");
        assert_eq!(
            decision.diagnoses[0].description().as_deref(),
            Some("Malignant neoplasm of unspecified site of right female breast")
        );
    }
}

#[test]
fn header_code_is_an_error_with_its_billable_count() {
    let decision = decide(&case("00404", &["C50"], Sex::Female, FEMALE_ADULT));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_NOT_BILLABLE",
            "diagnoses[0]",
            "C50 (Malignant neoplasm of breast) is a category, not a billable code: 57 billable codes lie under it; report the most specific one"
        )]
    );
    assert_eq!(decision.status, DecisionStatus::Rejected);
}

#[test]
fn seventh_character() {
    let decision = decide(&case("01230", &["S72.001"], Sex::Female, FEMALE_ADULT));
    let found = findings(&decision);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0, found[0].1.as_str()),
        ("DIAGNOSIS_SEVENTH_CHARACTER_MISSING", "diagnoses[0]")
    );
    assert!(
        found[0].2.starts_with(
            "S72.001 needs a 7th character to be valid: S72.001A (initial encounter for closed fracture), S72.001B (initial encounter for open fracture type I or II), S72.001C"
        ),
        "{}",
        found[0].2
    );
    let decision = decide(&case("01230", &["S72.001A"], Sex::Female, FEMALE_ADULT));
    assert_eq!(findings(&decision), []);
    assert_eq!(decision.diagnoses[0].code(), "S72.001A");
}

#[test]
fn unknown_and_malformed_codes() {
    let decision = decide(&case(
        "00404",
        &["C50.9111", "C5O-911"],
        Sex::Female,
        FEMALE_ADULT,
    ));
    assert_eq!(
        findings(&decision),
        [
            finding(
                "DIAGNOSIS_UNKNOWN",
                "diagnoses[0]",
                "C50.9111 is not a code of ICD-10-CM FY2026 April 1, 2026 update (CDC icd10c-tabular-April-1-2026.xml)"
            ),
            finding(
                "DIAGNOSIS_INVALID_FORMAT",
                "diagnoses[1]",
                "\"C5O-911\" is not shaped like an ICD-10-CM code (a letter, a digit, a letter or digit, then up to four letters or digits, e.g. C50.911)"
            ),
        ]
    );
}

#[test]
fn pregnancy_code_on_a_male_patient() {
    let decision = decide(&case("01960", &["O80"], Sex::Male, "1990-01-01"));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_SEX_CONFLICT",
            "diagnoses[0]",
            "O80 is a pregnancy, childbirth or puerperium code (chapter 15) on a male patient"
        )]
    );
    assert_eq!(decision.status, DecisionStatus::NeedsReview);
}

#[test]
fn pregnancy_code_outside_maternity_ages() {
    let decision = decide(&case("01960", &["O80"], Sex::Female, "1960-01-01"));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_AGE_CONFLICT",
            "diagnoses[0]",
            "O80 is a pregnancy code (chapter 15); the patient is 66, outside the maternity ages 9-64 of the Medicare Code Editor"
        )]
    );
}

#[test]
fn perinatal_code_on_an_adult() {
    let decision = decide(&case(
        "00790",
        &["K80.20", "P07.32"],
        Sex::Female,
        "1986-01-01",
    ));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_AGE_CONFLICT",
            "diagnoses[1]",
            "P07.32 is a perinatal code (chapter 16) on a patient aged 40; the official guidelines allow perinatal codes later in life only while the condition that began in the perinatal period persists: confirm it"
        )]
    );
}

#[test]
fn genital_organ_codes_expect_their_sex() {
    let decision = decide(&case("00914", &["N40.1"], Sex::Female, FEMALE_ADULT));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_SEX_CONFLICT",
            "diagnoses[0]",
            "N40.1 lies in \"Diseases of male genital organs (N40-N53)\", a block or category of male genital organs, on a female patient"
        )]
    );
}

#[test]
fn external_cause_listed_first() {
    let decision = decide(&case(
        "01230",
        &["V43.52XA", "S72.001A"],
        Sex::Male,
        "1980-01-01",
    ));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_EXTERNAL_CAUSE_PRIMARY",
            "diagnoses[0]",
            "V43.52XA is an external-cause code (V00-Y99); it describes how an injury happened and is never listed first: list the injury or condition first"
        )]
    );
    assert_eq!(decision.status, DecisionStatus::Rejected);
}

#[test]
fn manifestation_listed_first_names_the_code_first_note() {
    let decision = decide(&case("01991", &["G63", "E11.42"], Sex::Male, "1960-01-01"));
    let found = findings(&decision);
    assert_eq!(
        found[0],
        finding(
            "DIAGNOSIS_MANIFESTATION_PRIMARY",
            "diagnoses[0]",
            "G63 (Polyneuropathy in diseases classified elsewhere) is a manifestation code and is never listed first; the tabular says: code first underlying disease, such as: amyloidosis (E85.-) endocrine disease, except diabetes (E00-E07, E15-E16, E20-E34) metabolic diseases (E70-E88) neoplasm (C00-D49) nutritional deficiency (E40-E64)"
        )
    );
    assert_eq!(decision.status, DecisionStatus::Rejected);
}

#[test]
fn excludes1_pair_is_a_warning() {
    let decision = decide(&case("01991", &["A69.22", "G63"], Sex::Male, "1970-01-01"));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_EXCLUDES1",
            "diagnoses[1]",
            "A69.22 and G63 are not coded together: an Excludes1 note at G63 excludes A69.22; keep the one the record supports"
        )]
    );
    assert_eq!(decision.status, DecisionStatus::NeedsReview);
}

/// References written with a dash ("E10.-") and qualified ones ("E08-E13 with .44")
/// are read from the tabular: E11's Excludes1 note names E10, so type 1 and type 2
/// diabetes are not coded together.
#[test]
fn excludes1_references_written_with_a_dash_are_read() {
    let decision = decide(&case("01991", &["E10.9", "E11.9"], Sex::Male, "1970-01-01"));
    let rules: Vec<&str> = findings(&decision).iter().map(|f| f.0).collect();
    assert_eq!(rules, ["DIAGNOSIS_EXCLUDES1"], "{:?}", findings(&decision));
    assert_eq!(decision.findings[0].field, "diagnoses[1]");
    assert_eq!(decision.status, DecisionStatus::NeedsReview);
}

#[test]
fn seed_002_diagnoses_do_not_support_a_breast_procedure() {
    let decision = decide(&case(
        "00406",
        &["C32.0", "J95.02", "R09.3", "J38.00", "Q31.5"],
        Sex::Female,
        "1967-09-20",
    ));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_DOES_NOT_SUPPORT_PROCEDURE",
            "diagnoses",
            "no diagnosis supports 00406 (Radical or modified radical breast procedures with internal mammary node dissection, Thorax (chest wall and shoulder girdle) subsection): the record lists C32.0 (Malignant neoplasm of glottis); J95.02 (Infection of tracheostomy stoma); R09.3 (Abnormal sputum); J38.00 (Paralysis of vocal cords and larynx, unspecified); Q31.5 (Congenital laryngomalacia); expected for example malignant neoplasm of breast; disorders of breast; melanoma in situ, carcinoma in situ of skin and of breast; personal history of malignant neoplasm of breast"
        )]
    );
    assert_eq!(decision.status, DecisionStatus::NeedsReview);
    // The same diagnoses support a neck procedure.
    let decision = decide(&case(
        "00320",
        &["C32.0", "J95.02", "R09.3", "J38.00", "Q31.5"],
        Sex::Female,
        "1967-09-20",
    ));
    assert_eq!(findings(&decision), []);
}

#[test]
fn symptom_and_injury_codes_support_their_own_region_only() {
    // Knee pain supports nothing in the thorax, a knee injury supports knee surgery.
    let decision = decide(&case("00400", &["S83.511A"], Sex::Male, "1980-01-01"));
    assert_eq!(findings(&decision).len(), 1);
    let decision = decide(&case("01400", &["S83.511A"], Sex::Male, "1980-01-01"));
    assert_eq!(findings(&decision), []);
    // Radiological procedures accept any diagnosis.
    let decision = decide(&case("01922", &["R51.9"], Sex::Male, "1980-01-01"));
    assert_eq!(findings(&decision), []);
}

#[test]
fn ages_over_89_are_not_stated_exactly() {
    // HIPAA Safe Harbor treats ages over 89 as identifiers.
    let decision = decide(&case("01960", &["O80"], Sex::Female, "1930-01-01"));
    let found = findings(&decision);
    assert_eq!(
        found[0],
        finding(
            "DIAGNOSIS_AGE_CONFLICT",
            "diagnoses[0]",
            "O80 is a pregnancy code (chapter 15); the patient is 90 or older, outside the maternity ages 9-64 of the Medicare Code Editor"
        )
    );
}

/// Merkel cell carcinoma C4A.61 lies in the tabular's block C43-C44 (skin), so it
/// supports 00400 (integumentary system, thorax subsection), whose support rows
/// name C43-C44; string order would put C4A after C44 and warn.
#[test]
fn letter_categories_support_their_tabular_ranges() {
    let decision = decide(&case("00400", &["C4A.61"], Sex::Male, "1970-01-01"));
    assert_eq!(findings(&decision), []);
    assert_eq!(decision.diagnoses[0].code(), "C4A.61");
}

/// Sex and age from the whole classification: a title that names the patient's sex
/// (C50.911, "... right female breast"), pregnancy Z codes (Z3A weeks of gestation),
/// and newborn-only codes (Z38 liveborn infant).
#[test]
fn sex_and_age_come_from_titles_and_the_z_families() {
    let decision = decide(&case("00402", &["C50.911"], Sex::Male, "1970-01-01"));
    assert_eq!(
        findings(&decision),
        [finding(
            "DIAGNOSIS_SEX_CONFLICT",
            "diagnoses[0]",
            "C50.911 (\"Malignant neoplasm of unspecified site of right female breast\") names a female patient, on a male patient"
        )]
    );
    let male_breast = decide(&case("00402", &["C50.921"], Sex::Male, "1970-01-01"));
    assert_eq!(findings(&male_breast), []);

    let decision = decide(&case("01967", &["O80", "Z3A.39"], Sex::Male, "1990-01-01"));
    let rules: Vec<(&str, String)> = findings(&decision)
        .into_iter()
        .map(|(rule, field, _)| (rule, field))
        .collect();
    assert_eq!(
        rules,
        [
            ("DIAGNOSIS_SEX_CONFLICT", "diagnoses[0]".to_owned()),
            ("DIAGNOSIS_SEX_CONFLICT", "diagnoses[1]".to_owned()),
        ]
    );
    assert_eq!(
        decision.findings[1].message,
        "Z3A.39 is a pregnancy or delivery code (Z33.1, Z34, Z36, Z37, Z39, Z3A) on a male patient"
    );

    let decision = decide(&case(
        "00834",
        &["Z38.00", "K40.90"],
        Sex::Male,
        "1990-01-01",
    ));
    assert!(
        findings(&decision).contains(&finding(
            "DIAGNOSIS_AGE_CONFLICT",
            "diagnoses[0]",
            "Z38.00 is a newborn code (Z38, Z05, Z00.11: age 0 in the Medicare Code Editor) on a patient aged 36"
        )),
        "{:?}",
        findings(&decision)
    );
}

/// The record on another date of service, its time moved with it.
fn on_date(mut record: CaseRecord, date: &str) -> CaseRecord {
    record.date_of_service = date.to_owned();
    record.time_blocks = vec![TimeBlock {
        start: at(&format!("{date}T14:00:00Z")),
        end: at(&format!("{date}T15:35:00Z")),
    }];
    record
}

const FY2025: &str = "ICD-10-CM FY2025 April 1, 2025 update (CDC icd10cm-tabular-April-2025.xml)";
const FY2026: &str = "ICD-10-CM FY2026 April 1, 2026 update (CDC icd10c-tabular-April-1-2026.xml)";

/// Each diagnosis is judged by the release in force on the date of service:
/// E11.A is new in FY2026 (2025-10-01), G35 is a billable code until FY2026 made
/// it a category with subcodes.
#[test]
fn diagnoses_are_judged_by_the_release_of_the_date_of_service() {
    let late_fy2025 = decide(&on_date(
        case("01991", &["E11.A"], Sex::Male, "1970-01-01"),
        "2025-09-15",
    ));
    assert_eq!(late_fy2025.icd10cm_release, FY2025);
    assert_eq!(
        findings(&late_fy2025),
        [finding(
            "DIAGNOSIS_UNKNOWN",
            "diagnoses[0]",
            &format!("E11.A is not a code of {FY2025}")
        )]
    );
    let early_fy2026 = decide(&on_date(
        case("01991", &["E11.A"], Sex::Male, "1970-01-01"),
        "2025-10-15",
    ));
    assert_eq!(early_fy2026.icd10cm_release, FY2026);
    assert_eq!(findings(&early_fy2026), []);

    let g35 = |date| {
        decide(&on_date(
            case("01991", &["G35"], Sex::Male, "1970-01-01"),
            date,
        ))
        .findings
        .iter()
        .map(|f| f.rule.id())
        .collect::<Vec<_>>()
    };
    assert_eq!(g35("2025-09-15"), Vec::<&str>::new());
    assert_eq!(g35("2025-10-15"), ["DIAGNOSIS_NOT_BILLABLE"]);

    let before = decide(&on_date(
        case("01991", &["G35"], Sex::Male, "1970-01-01"),
        "2024-06-01",
    ));
    assert_eq!(
        findings(&before)[0],
        finding(
            "ICD10CM_RELEASE_NOT_HELD",
            "diagnoses",
            &format!(
                "no ICD-10-CM release held covers 2024-06-01; the diagnoses were judged by {FY2025}, in force from 2024-10-01"
            )
        )
    );
}

/// The support table is given to the coder like the catalog: an empty table
/// restricts nothing, so the seed's glottis carcinoma passes on a breast code.
#[test]
fn the_support_table_is_injected() {
    let record = case("00406", &["C32.0"], Sex::Female, "1967-09-20");
    let rules = |decision: &Decision| -> Vec<&'static str> {
        decision.findings.iter().map(|f| f.rule.id()).collect()
    };
    assert_eq!(
        rules(&decide(&record)),
        ["DIAGNOSIS_DOES_NOT_SUPPORT_PROCEDURE"]
    );
    let empty: &'static anescode_codes::support::DiagnosisSupport = Box::leak(Box::new(
        anescode_codes::support::DiagnosisSupport::new(Vec::new()),
    ));
    let coder = Coder::new(
        Arc::new(Catalog::embedded()),
        Arc::new(PayerProfiles::embedded()),
    )
    .with_support(empty);
    assert_eq!(rules(&coder.code(&record)), Vec::<&str>::new());
}
