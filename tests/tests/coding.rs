//! CodeCase against a real server: a clean seed case answered exactly, and each
//! structural error class answered with its specific finding.

use anescode_server::pb;
use anescode_tests::{ANESTHESIOLOGIST_NPI, TestServer, at, block, finding_keys, seed_00402};

const CATALOG_VERSION: &str =
    "anescode-codes 0.1.0; base units VA-RC-2018 effective 2018-01-01 (embedded default)";

#[tokio::test]
async fn clean_seed_case_is_coded_exactly() {
    let server = TestServer::start().await;
    let decision = server.code(seed_00402("CASE-1")).await;
    let figures: Vec<(&str, &str, &str)> = decision
        .figures
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str(), f.effective_date.as_str()))
        .collect();
    assert_eq!(
        figures,
        [
            ("base units 00402", "5", "2018-01-01"),
            (
                "time units",
                "minutes / 15 rounded half-up to 0.1",
                "1994-01-01"
            ),
            ("physical status units P1-P6", "0/0/0/0/0/0", ""),
            (
                "qualifying circumstance units 99100/99116/99135/99140",
                "0/0/0/0",
                ""
            ),
            ("medical direction percent", "50", "1998-01-01"),
            ("conversion factor", "20.4976", "2026-01-01"),
        ]
    );
    // Programs match on the kind, never on the name.
    let kinds: Vec<(pb::FigureKind, &str, &str)> = decision
        .figures
        .iter()
        .map(|f| (f.kind(), f.code.as_str(), f.locality.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (pb::FigureKind::BaseUnits, "00402", ""),
            (pb::FigureKind::TimeUnitRule, "", ""),
            (pb::FigureKind::PhysicalStatusUnits, "", ""),
            (pb::FigureKind::QualifyingCircumstanceUnits, "", ""),
            (pb::FigureKind::MedicalDirectionPercent, "", ""),
            (pb::FigureKind::ConversionFactor, "", ""),
        ]
    );
    assert_eq!(
        pb::CodingDecision {
            figures: Vec::new(),
            ..decision
        },
        pb::CodingDecision {
            ledger: None,
            case_id: "CASE-1".to_owned(),
            revision: 1,
            status: pb::DecisionStatus::Coded.into(),
            anesthesia_code: "00402".to_owned(),
            lines: vec![pb::ClaimLine {
                code: "00402".to_owned(),
                modifiers: vec!["AA".to_owned(), "P3".to_owned()],
                provider_npi: ANESTHESIOLOGIST_NPI.to_owned(),
                kind: pb::LineKind::Anesthesia.into(),
                minutes: 95,
                base_units: "5.0".to_owned(),
                time_units: "6.3".to_owned(),
                modifying_units: "0.0".to_owned(),
                total_units: "11.3".to_owned(),
                payment_percent: 100,
                allowed_amount: "231.62".to_owned(),
                diagnosis_pointers: vec![1],
            }],
            findings: Vec::new(),
            total_minutes: 95,
            catalog_version: CATALOG_VERSION.to_owned(),
            icd10cm_release:
                "ICD-10-CM FY2026 April 1, 2026 update (CDC icd10c-tabular-April-1-2026.xml)"
                    .to_owned(),
            payer_profile: "medicare".to_owned(),
            diagnoses: vec![pb::DecisionDiagnosis {
                code: "N62".to_owned(),
                description: "Hypertrophy of breast".to_owned(),
                billable: true,
            }],
            rationale: "00402 (Reconstructive breast procedures (reduction; augmentation; muscle \
                        flaps)) carries the case with 5 base units (VA-RC-2018 effective \
                        2018-01-01, SINGLE_SOURCE); it was given as procedure 1's anesthesia code. \
                        Anesthesia time is 95 minutes in 1 block. The anesthesiologist personally \
                        performed the anesthetic: AA at 100%. 00402-AA-P3 for 1234567893: 5.0 \
                        base + 6.3 time (95 minutes / 15 rounded half-up to 0.1) + 0.0 modifying \
                        = 11.3 units at 100%: $231.62. Payer profile: medicare."
                .to_owned(),
            figures: Vec::new(),
        }
    );
    server.stop().await.expect("clean stop");
}

type Mutation = fn(&mut pb::CaseRecord);
type Expected = Vec<(&'static str, pb::Severity, &'static str)>;
type ErrorClass = (&'static str, Mutation, Expected, pb::DecisionStatus);

/// Each structural error class: a mutation of the clean case and the exact
/// findings (rule, severity, field) and status it must produce. One row a case.
#[rustfmt::skip]
fn error_classes() -> Vec<ErrorClass> {
    use pb::DecisionStatus::{NeedsReview, Rejected};
    use pb::Severity::{Error, Info, Warning};
    vec![
        ("missing case id", |r| r.case_id.clear(), vec![("CASE_ID_MISSING", Error, "case_id")], Rejected),
        ("case id with control character", |r| r.case_id = "A\u{7}".into(), vec![("CASE_ID_INVALID", Error, "case_id")], Rejected),
        ("missing date of service", |r| r.date_of_service.clear(), vec![("DATE_OF_SERVICE_MISSING", Error, "date_of_service")], Rejected),
        ("impossible date of service", |r| r.date_of_service = "2026-02-30".into(), vec![("DATE_OF_SERVICE_INVALID", Error, "date_of_service")], Rejected),
        ("birth date after service", |r| r.patient.as_mut().expect("patient").birth_date = "2026-03-03".into(), vec![("BIRTH_DATE_AFTER_SERVICE", Error, "patient.birth_date")], Rejected),
        ("birth date not a date", |r| r.patient.as_mut().expect("patient").birth_date = "15/06/1974".into(), vec![("BIRTH_DATE_INVALID", Error, "patient.birth_date")], Rejected),
        ("no patient", |r| r.patient = None, vec![("BIRTH_DATE_MISSING", Warning, "patient.birth_date")], NeedsReview),
        ("unknown sex value", |r| r.patient.as_mut().expect("patient").sex = 9, vec![("ENUM_VALUE_UNKNOWN", Error, "patient.sex")], Rejected),
        ("no anesthesia type", |r| r.anesthesia_type = 0, vec![("ANESTHESIA_TYPE_MISSING", Warning, "anesthesia_type")], NeedsReview),
        ("no time", |r| r.time_blocks.clear(), vec![("TIME_BLOCKS_MISSING", Error, "time_blocks")], Rejected),
        ("end before start", |r| r.time_blocks = vec![block("2026-03-02T15:35:00Z", "2026-03-02T14:00:00Z")], vec![("TIME_BLOCK_END_BEFORE_START", Error, "time_blocks[0].end")], Rejected),
        ("missing end", |r| r.time_blocks[0].end = None, vec![("TIME_BLOCK_END_MISSING", Error, "time_blocks[0].end")], Rejected),
        ("invalid timestamp", |r| r.time_blocks[0].start = Some(prost_types::Timestamp { seconds: 1_772_460_000, nanos: 1_000_000_000 }), vec![("TIMESTAMP_INVALID", Error, "time_blocks[0].start")], Rejected),
        ("overlapping blocks", |r| r.time_blocks.push(block("2026-03-02T15:00:00Z", "2026-03-02T15:50:00Z")), vec![("TIME_BLOCKS_OVERLAP", Error, "time_blocks[1]")], Rejected),
        ("block far from the date of service", |r| r.time_blocks = vec![block("2026-03-09T14:00:00Z", "2026-03-09T15:35:00Z")], vec![("TIME_BLOCK_OUTSIDE_DATE_OF_SERVICE", Warning, "time_blocks[0].start")], NeedsReview),
        ("no procedures", |r| r.procedures.clear(), vec![("PROCEDURES_MISSING", Error, "procedures")], Rejected),
        ("procedure without codes", |r| r.procedures[0] = pb::Procedure::default(), vec![("PROCEDURE_CODE_MISSING", Error, "procedures[0]")], Rejected),
        ("anesthesia code of four digits", |r| r.procedures[0].anesthesia_code = "0402".into(), vec![("ANESTHESIA_CODE_INVALID", Error, "procedures[0].anesthesia_code")], Rejected),
        ("surgical code as anesthesia code", |r| r.procedures[0].anesthesia_code = "19318".into(), vec![("ANESTHESIA_CODE_INVALID", Error, "procedures[0].anesthesia_code")], Rejected),
        ("qualifying circumstance as anesthesia code", |r| r.procedures[0].anesthesia_code = "99140".into(), vec![("ANESTHESIA_CODE_IS_QUALIFYING_CIRCUMSTANCE", Error, "procedures[0].anesthesia_code")], Rejected),
        ("code deleted before the date of service", |r| r.procedures[0].anesthesia_code = "00740".into(), vec![("ANESTHESIA_CODE_NOT_ACTIVE", Error, "procedures[0].anesthesia_code")], Rejected),
        ("unpriced code", |r| r.procedures[0].anesthesia_code = "01937".into(), vec![("ANESTHESIA_CODE_UNPRICED", Warning, "procedures[0].anesthesia_code")], NeedsReview),
        ("malformed surgical code", |r| r.procedures[0].surgical_cpt = "1931".into(), vec![("SURGICAL_CPT_INVALID", Error, "procedures[0].surgical_cpt")], Rejected),
        ("surgical code without crosswalk", |r| r.procedures[0].anesthesia_code.clear(), vec![("CROSSWALK_NOT_LOADED", Error, "procedures[0].surgical_cpt")], Rejected),
        ("add-on without its primary", |r| r.procedures.push(pb::Procedure { anesthesia_code: "01968".into(), ..Default::default() }), vec![("ADD_ON_WITHOUT_PRIMARY", Error, "procedures[1]")], Rejected),
        ("two procedures", |r| r.procedures.push(pb::Procedure { anesthesia_code: "00400".into(), ..Default::default() }), vec![("MULTIPLE_PROCEDURES_HIGHEST_BASE", Info, "procedures[0]")], pb::DecisionStatus::Coded),
        ("no diagnosis", |r| r.diagnoses.clear(), vec![("DIAGNOSES_MISSING", Error, "diagnoses")], Rejected),
        ("malformed diagnosis", |r| r.diagnoses.push("C50-911".into()), vec![("DIAGNOSIS_INVALID_FORMAT", Error, "diagnoses[1]")], Rejected),
        ("duplicate diagnosis", |r| r.diagnoses.push("n62".into()), vec![("DIAGNOSIS_DUPLICATE", Warning, "diagnoses[1]")], NeedsReview),
        ("no physical status", |r| r.physical_status = 0, vec![("PHYSICAL_STATUS_MISSING", Warning, "physical_status")], NeedsReview),
        ("no providers", |r| r.providers.clear(), vec![("PROVIDERS_MISSING", Error, "providers")], Rejected),
        ("provider without NPI", |r| r.providers[0].npi.clear(), vec![("PROVIDER_NPI_MISSING", Error, "providers[0].npi")], Rejected),
        ("NPI with a wrong check digit", |r| r.providers[0].npi = "1234567890".into(), vec![("PROVIDER_NPI_INVALID", Error, "providers[0].npi")], Rejected),
        ("NPI of nine digits", |r| r.providers[0].npi = "123456789".into(), vec![("PROVIDER_NPI_INVALID", Error, "providers[0].npi")], Rejected),
        ("provider listed twice", |r| { let again = r.providers[0].clone(); r.providers.push(again); }, vec![("PROVIDER_DUPLICATE", Error, "providers[1].npi")], Rejected),
        ("provider without role", |r| r.providers[0].role = 0, vec![("PROVIDER_ROLE_MISSING", Error, "providers[0].role")], Rejected),
        ("unknown role value", |r| r.providers[0].role = 42, vec![("ENUM_VALUE_UNKNOWN", Error, "providers[0].role")], Rejected),
        ("malformed taxonomy", |r| r.providers[0].taxonomy = "207L0000".into(), vec![("PROVIDER_TAXONOMY_INVALID", Error, "providers[0].taxonomy")], Rejected),
        ("taxonomy outside anesthesia", |r| r.providers[0].taxonomy = "207Q00000X".into(), vec![("PROVIDER_TAXONOMY_NOT_ANESTHESIA", Warning, "providers[0].taxonomy")], NeedsReview),
        ("taxonomy of another role", |r| r.providers[0].taxonomy = "367500000X".into(), vec![("PROVIDER_TAXONOMY_ROLE_MISMATCH", Warning, "providers[0].taxonomy")], NeedsReview),
        ("G9 without MAC", |r| r.mac_severe_cardiopulmonary_history = true, vec![("MAC_FLAG_WITHOUT_MAC", Warning, "mac_severe_cardiopulmonary_history")], NeedsReview),
        ("ancillary without code", |r| r.ancillary_procedures.push(pb::AncillaryProcedure { performed_by_npi: ANESTHESIOLOGIST_NPI.into(), ..Default::default() }), vec![("ANCILLARY_CPT_MISSING", Error, "ancillary_procedures[0].cpt")], Rejected),
        ("ancillary with a malformed code", |r| r.ancillary_procedures.push(pb::AncillaryProcedure { cpt: "3662".into(), performed_by_npi: ANESTHESIOLOGIST_NPI.into(), ..Default::default() }), vec![("ANCILLARY_CPT_INVALID", Error, "ancillary_procedures[0].cpt")], Rejected),
        ("ancillary without performer", |r| r.ancillary_procedures.push(pb::AncillaryProcedure { cpt: "36620".into(), ..Default::default() }), vec![("ANCILLARY_PERFORMER_MISSING", Warning, "ancillary_procedures[0].performed_by_npi")], NeedsReview),
        ("ancillary by someone not on the case", |r| r.ancillary_procedures.push(pb::AncillaryProcedure { cpt: "36620".into(), performed_by_npi: "1456789019".into(), ..Default::default() }), vec![("ANCILLARY_PERFORMER_NOT_ON_CASE", Error, "ancillary_procedures[0].performed_by_npi")], Rejected),
        ("no place of service", |r| r.place_of_service.clear(), vec![("PLACE_OF_SERVICE_MISSING", Warning, "place_of_service")], NeedsReview),
        ("unknown place of service", |r| r.place_of_service = "30".into(), vec![("PLACE_OF_SERVICE_UNKNOWN", Error, "place_of_service")], Rejected),
        ("unknown payer profile", |r| r.payer.as_mut().expect("payer").profile = "Medicare Part B".into(), vec![("PAYER_PROFILE_UNKNOWN", Error, "payer.profile")], Rejected),
        ("no payer", |r| r.payer = None, vec![("PAYER_PROFILE_MISSING", Warning, "payer.profile")], NeedsReview),
    ]
}

#[tokio::test]
async fn each_structural_error_class_has_its_finding() {
    let server = TestServer::start().await;
    for (name, mutate, expected, status) in error_classes() {
        let mut record = seed_00402(name);
        mutate(&mut record);
        let decision = server.code(record).await;
        let expected: Vec<(String, pb::Severity, String)> = expected
            .into_iter()
            .map(|(id, severity, field)| (id.to_owned(), severity, field.to_owned()))
            .collect();
        assert_eq!(finding_keys(&decision), expected, "{name}");
        assert_eq!(decision.status(), status, "{name}");
        for finding in &decision.findings {
            assert!(
                !finding.message.is_empty() && !finding.reference.is_empty(),
                "{name}"
            );
        }
    }
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn messages_say_what_is_wrong() {
    let server = TestServer::start().await;
    let mut record = seed_00402("MESSAGES");
    record.providers[0].npi = "1234567890".into();
    record
        .time_blocks
        .push(block("2026-03-02T15:00:00Z", "2026-03-02T15:50:00Z"));
    let decision = server.code(record).await;
    let messages: Vec<(&str, &str, &str)> = decision
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.message.as_str(), f.reference.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "TIME_BLOCKS_OVERLAP",
                "block 2 overlaps block 1; the minutes they share are counted once",
                "CMS Claims Processing Manual ch.12 §50.G (blocks around an interruption must not double-count)",
            ),
            (
                "PROVIDER_NPI_INVALID",
                "1234567890 is not a valid NPI: the check digit should be 3; check for a mistyped digit",
                "CMS NPI check digit requirements (Luhn with prefix 80840; 69 FR 3434)",
            ),
        ]
    );
    // 14:00-15:35 and 15:00-15:50: their union, 110 minutes, each minute once.
    assert_eq!(decision.total_minutes, 110);
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn unknown_anesthesia_code_is_an_error_finding() {
    let server = TestServer::start().await;
    let mut record = seed_00402("UNKNOWN-CODE");
    record.procedures[0].anesthesia_code = "00230".into();
    let decision = server.code(record).await;
    assert_eq!(decision.status(), pb::DecisionStatus::Rejected);
    assert_eq!(decision.anesthesia_code, "");
    assert_eq!(decision.findings.len(), 1);
    let finding = &decision.findings[0];
    assert_eq!(finding.rule_id, "ANESTHESIA_CODE_UNKNOWN");
    assert_eq!(finding.field, "procedures[0].anesthesia_code");
    assert_eq!(
        finding.message,
        "00230 is not an anesthesia code in the catalog"
    );
    assert_eq!(
        decision.rationale,
        "No anesthesia code could be resolved for the case; see the findings. Anesthesia time is 95 minutes in 1 block. Payer profile: medicare."
    );
    assert_eq!(decision.lines, []);
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn highest_base_unit_code_carries_several_procedures() {
    let server = TestServer::start().await;
    let mut record = seed_00402("THREE-PROCEDURES");
    record.procedures = ["00400", "00406", "00402"]
        .into_iter()
        .map(|code| pb::Procedure {
            anesthesia_code: code.into(),
            ..Default::default()
        })
        .collect();
    let decision = server.code(record).await;
    assert_eq!(decision.anesthesia_code, "00406");
    assert_eq!(decision.status(), pb::DecisionStatus::Coded);
    assert_eq!(
        decision.rationale,
        "00406 (Radical or modified radical breast procedures with internal mammary node \
         dissection) carries the case with 13 base units (VA-RC-2018 effective 2018-01-01, \
         SINGLE_SOURCE); it was given as procedure 2's anesthesia code. It has the highest base \
         units of the case's procedures, so 00400 (procedure 1, 3 base units), 00402 (procedure \
         3, 5 base units) are reported under it with the total time. Anesthesia time is 95 \
         minutes in 1 block. The anesthesiologist personally performed the anesthetic: AA at \
         100%. 00406-AA-P3 for 1234567893: 13.0 base + 6.3 time (95 minutes / 15 rounded \
         half-up to 0.1) + 0.0 modifying = 19.3 units at 100%: $395.60. Payer profile: \
         medicare."
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn missing_case_record_is_invalid_argument() {
    let server = TestServer::start().await;
    let status = server
        .coding()
        .code_case(pb::CodeCaseRequest {
            case_record: None,
            ..Default::default()
        })
        .await
        .expect_err("no record");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(status.message(), "case_record is required");
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn interrupted_care_counts_every_block() {
    let server = TestServer::start().await;
    let mut record = seed_00402("INTERRUPTED");
    record.time_blocks = vec![
        block("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z"),
        pb::TimeBlock {
            start: Some(at("2026-03-02T15:20:00Z")),
            end: Some(at("2026-03-02T15:55:00Z")),
        },
    ];
    let decision = server.code(record).await;
    assert_eq!(decision.total_minutes, 95);
    assert!(
        decision
            .rationale
            .contains("Anesthesia time is 95 minutes in 2 blocks.")
    );
    assert_eq!(decision.lines[0].time_units, "6.3");
    server.stop().await.expect("clean stop");
}
