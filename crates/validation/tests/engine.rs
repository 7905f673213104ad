//! Table-driven tests of the coding engine: each case a record and the exact lines,
//! findings and status a senior coder would produce.

use std::sync::Arc;

use anescode_codes::Catalog;
use anescode_validation::{
    AncillaryProcedure, AnesthesiaType, CaseRecord, ClaimLine, Coder, Decision, DecisionStatus,
    Enumerated, LineKind, Patient, Payer, PayerProfiles, PhysicalStatus, Procedure, Provider,
    ProviderRole, RawTimestamp, Sex, TimeBlock,
};

const MD: &str = "1234567893";
const CRNA: &str = "1456789019";
const MD2: &str = "1987654328";
const RESIDENT: &str = "1678901236";

fn at(text: &str) -> RawTimestamp {
    let ts: jiff::Timestamp = text.parse().expect("RFC 3339");
    RawTimestamp {
        seconds: ts.as_second(),
        nanos: ts.subsec_nanosecond(),
    }
}

fn block(start: &str, end: &str) -> TimeBlock {
    TimeBlock {
        start: Some(at(start)),
        end: Some(at(end)),
    }
}

fn procedure(code: &str) -> Procedure {
    Procedure {
        anesthesia_code: code.to_owned(),
        ..Default::default()
    }
}

fn provider(npi: &str, role: ProviderRole) -> Provider {
    Provider {
        npi: npi.to_owned(),
        role: Enumerated::Known(role),
        ..Default::default()
    }
}

fn directing(concurrent: u32) -> Provider {
    Provider {
        concurrent_cases: concurrent,
        medical_direction_documented: true,
        present_at_induction: true,
        ..provider(MD, ProviderRole::Anesthesiologist)
    }
}

fn ancillary(cpt: &str) -> AncillaryProcedure {
    AncillaryProcedure {
        cpt: cpt.to_owned(),
        performed_by_npi: MD.to_owned(),
        ..Default::default()
    }
}

/// Medicare 00402, P3, 95 minutes, an anesthesiologist alone, on 2026-03-02.
fn case() -> CaseRecord {
    CaseRecord {
        case_id: "T-1".to_owned(),
        revision: 1,
        date_of_service: "2026-03-02".to_owned(),
        patient: Some(Patient {
            birth_date: "1974-06-15".to_owned(),
            sex: Enumerated::Known(Sex::Female),
        }),
        anesthesia_type: Enumerated::Known(AnesthesiaType::General),
        time_blocks: vec![block("2026-03-02T14:00:00Z", "2026-03-02T15:35:00Z")],
        procedures: vec![procedure("00402")],
        diagnoses: vec!["N62".to_owned()],
        physical_status: Enumerated::Known(PhysicalStatus::P3),
        providers: vec![provider(MD, ProviderRole::Anesthesiologist)],
        place_of_service: "22".to_owned(),
        payer: Some(Payer {
            profile: "medicare".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn coder() -> Coder {
    Coder::new(
        Arc::new(Catalog::embedded()),
        Arc::new(PayerProfiles::embedded()),
    )
}

/// One line as a coder reads it: kind, code, modifiers, provider, minutes,
/// base+time+modifying=total, percent, amount, diagnosis pointers.
fn line_text(line: &ClaimLine) -> String {
    let kind = match line.kind {
        LineKind::Anesthesia => "ANES",
        LineKind::AddOn => "ADD-ON",
        LineKind::QualifyingCircumstance => "QC",
        LineKind::SeparateProcedure => "SEPARATE",
    };
    let units =
        |u: Option<anescode_validation::Tenths>| u.map_or("-".to_owned(), |u| u.to_string());
    format!(
        "{kind} {}{} {} {}m {}+{}+{}={} {}% {} dx{:?}",
        line.code,
        line.modifiers
            .iter()
            .map(|m| format!("-{m}"))
            .collect::<String>(),
        line.provider_npi,
        line.minutes,
        units(line.base_units),
        units(line.time_units),
        units(line.modifying_units),
        line.total_units,
        line.payment_percent,
        line.allowed_amount
            .map_or("$-".to_owned(), |a| format!("${a}")),
        line.diagnosis_pointers,
    )
}

fn findings(decision: &Decision) -> Vec<String> {
    decision
        .findings
        .iter()
        .map(|f| format!("{} {}", f.rule.id(), f.field))
        .collect()
}

struct Expect {
    code: &'static str,
    lines: &'static [&'static str],
    findings: &'static [&'static str],
    status: DecisionStatus,
}

fn check(name: &str, record: &CaseRecord, expect: &Expect) {
    let decision = coder().code(record);
    let lines: Vec<String> = decision.lines.iter().map(line_text).collect();
    assert_eq!(lines, expect.lines, "{name}: lines");
    assert_eq!(findings(&decision), expect.findings, "{name}: findings");
    assert_eq!(decision.status, expect.status, "{name}: status");
    let code = decision
        .anesthesia_code
        .map(|c| c.to_string())
        .unwrap_or_default();
    assert_eq!(code, expect.code, "{name}: code");
}

#[test]
fn medicare_00402_personally_performed() {
    check(
        "00402 AA",
        &case(),
        &Expect {
            code: "00402",
            lines: &["ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
}

#[test]
fn medicare_00402_medically_directed_two_cases() {
    let mut record = case();
    record.providers = vec![directing(2), provider(CRNA, ProviderRole::Crna)];
    check(
        "00402 QK+QX",
        &record,
        &Expect {
            code: "00402",
            lines: &[
                "ANES 00402-QK-P3 1234567893 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                "ANES 00402-QX-P3 1456789019 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
}

#[test]
fn highest_base_units_carry_three_procedures() {
    let mut record = case();
    record.procedures = vec![procedure("00400"), procedure("00406"), procedure("00402")];
    check(
        "three procedures",
        &record,
        &Expect {
            code: "00406",
            lines: &["ANES 00406-AA-P3 1234567893 95m 13.0+6.3+0.0=19.3 100% $395.60 dx[1]"],
            findings: &["MULTIPLE_PROCEDURES_HIGHEST_BASE procedures[1]"],
            status: DecisionStatus::Coded,
        },
    );
}

fn labor_case() -> CaseRecord {
    let mut record = case();
    record.anesthesia_type = Enumerated::Known(AnesthesiaType::Neuraxial);
    record.physical_status = Enumerated::Known(PhysicalStatus::P2);
    // Labour 10:00-13:00, then the cesarean 13:10-14:10: the case's time holds both,
    // the add-on's own blocks the cesarean.
    record.time_blocks = vec![
        block("2026-03-02T10:00:00Z", "2026-03-02T13:00:00Z"),
        block("2026-03-02T13:10:00Z", "2026-03-02T14:10:00Z"),
    ];
    record.diagnoses = vec!["O80".to_owned()];
    record.procedures = vec![
        procedure("01967"),
        Procedure {
            time_blocks: vec![block("2026-03-02T13:10:00Z", "2026-03-02T14:10:00Z")],
            ..procedure("01968")
        },
    ];
    record
}

#[test]
fn obstetric_add_on_carries_its_own_time() {
    check(
        "01967 + 01968",
        &labor_case(),
        &Expect {
            code: "01967",
            lines: &[
                "ANES 01967-AA-P2 1234567893 180m 5.0+12.0+0.0=17.0 100% $348.46 dx[1]",
                "ADD-ON 01968-AA-P2 1234567893 60m 2.0+4.0+0.0=6.0 100% $122.99 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
    // One block of 250 minutes that holds the cesarean hour: 01967 gets the other
    // 190 minutes, 190 / 15 = 12.67 -> 12.7 time units, 17.7 units x 20.4976 =
    // $362.80752 -> $362.81; 01968 keeps its 60 minutes, 6.0 units, $122.99.
    let mut record = labor_case();
    record.time_blocks = vec![block("2026-03-02T10:00:00Z", "2026-03-02T14:10:00Z")];
    check(
        "01968 inside one long block",
        &record,
        &Expect {
            code: "01967",
            lines: &[
                "ANES 01967-AA-P2 1234567893 190m 5.0+12.7+0.0=17.7 100% $362.81 dx[1]",
                "ADD-ON 01968-AA-P2 1234567893 60m 2.0+4.0+0.0=6.0 100% $122.99 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
    let decision = coder().code(&record);
    assert!(
        decision.rationale.contains(
            "60 minutes of the case's anesthesia time are 01968's own and are billed on it only; 01967 carries the other 190."
        ),
        "{}",
        decision.rationale
    );
    // The cesarean hour sent only as the add-on's time, outside the case's: each
    // line keeps its own minutes and the block is flagged.
    let mut record = labor_case();
    record.time_blocks.truncate(1);
    check(
        "01968 outside the case's time",
        &record,
        &Expect {
            code: "01967",
            lines: &[
                "ANES 01967-AA-P2 1234567893 180m 5.0+12.0+0.0=17.0 100% $348.46 dx[1]",
                "ADD-ON 01968-AA-P2 1234567893 60m 2.0+4.0+0.0=6.0 100% $122.99 dx[1]",
            ],
            findings: &["ADD_ON_TIME_OUTSIDE_CASE procedures[1].time_blocks[0]"],
            status: DecisionStatus::NeedsReview,
        },
    );
    let mut record = labor_case();
    record.procedures[1].time_blocks.clear();
    check(
        "01968 without its time",
        &record,
        &Expect {
            code: "01967",
            lines: &[
                "ANES 01967-AA-P2 1234567893 240m 5.0+16.0+0.0=21.0 100% $430.45 dx[1]",
                "ADD-ON 01968-AA-P2 1234567893 0m 2.0+0.0+0.0=2.0 100% $41.00 dx[1]",
            ],
            findings: &["ADD_ON_TIME_MISSING procedures[1].time_blocks"],
            status: DecisionStatus::Rejected,
        },
    );
}

/// Highmark WV A-5 (domain reference §1.13): the physician places the labour
/// epidural alone, a CRNA joins for the cesarean hour under the physician's
/// direction (2 concurrent cases). Each line is billed by the providers present in
/// its own time: 01967-AA at 100% (180 minutes: 5 + 12.0 = 17.0 units x 20.4976 =
/// $348.46), then 01968-QK and 01968-QX at 50% (60 minutes: 2 + 4.0 = 6.0 units,
/// 6.0 x 20.4976 x 50% = $61.4928 -> $61.49 each).
#[test]
fn labor_epidural_then_cesarean_with_another_team() {
    let mut record = labor_case();
    record.providers = vec![
        directing(2),
        Provider {
            time_blocks: vec![block("2026-03-02T13:10:00Z", "2026-03-02T14:10:00Z")],
            ..provider(CRNA, ProviderRole::Crna)
        },
    ];
    check(
        "01967 alone, 01968 directed",
        &record,
        &Expect {
            code: "01967",
            lines: &[
                "ANES 01967-AA-P2 1234567893 180m 5.0+12.0+0.0=17.0 100% $348.46 dx[1]",
                "ADD-ON 01968-QK-P2 1234567893 60m 2.0+4.0+0.0=6.0 50% $61.49 dx[1]",
                "ADD-ON 01968-QX-P2 1456789019 60m 2.0+4.0+0.0=6.0 50% $61.49 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
    let decision = coder().code(&record);
    assert!(
        decision
            .rationale
            .contains("01968 has a team of its own, the providers present in its time:"),
        "{}",
        decision.rationale
    );
    // The same team throughout (no CRNA time of its own): one arrangement for both.
    record.providers[1].time_blocks.clear();
    check(
        "one team throughout",
        &record,
        &Expect {
            code: "01967",
            lines: &[
                "ANES 01967-QK-P2 1234567893 180m 5.0+12.0+0.0=17.0 50% $174.23 dx[1]",
                "ADD-ON 01968-QK-P2 1234567893 60m 2.0+4.0+0.0=6.0 50% $61.49 dx[1]",
                "ANES 01967-QX-P2 1456789019 180m 5.0+12.0+0.0=17.0 50% $174.23 dx[1]",
                "ADD-ON 01968-QX-P2 1456789019 60m 2.0+4.0+0.0=6.0 50% $61.49 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
}

#[test]
fn burn_add_on_carries_no_time() {
    let mut record = case();
    record.procedures = vec![procedure("01952"), procedure("01953")];
    record.diagnoses = vec!["T21.31XA".to_owned()];
    check(
        "01952 + 01953",
        &record,
        &Expect {
            code: "01952",
            lines: &[
                "ANES 01952-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]",
                "ADD-ON 01953-AA-P3 1234567893 0m 1.0+0.0+0.0=1.0 100% $20.50 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
}

#[test]
fn medical_supervision_ad() {
    let mut record = case();
    record.providers = vec![directing(5), provider(CRNA, ProviderRole::Crna)];
    check(
        "AD present at induction",
        &record,
        &Expect {
            code: "00402",
            lines: &[
                "ANES 00402-AD-P3 1234567893 0m 4.0+0.0+0.0=4.0 100% $81.99 dx[1]",
                "ANES 00402-QX-P3 1456789019 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
    record.providers[0].present_at_induction = false;
    check(
        "AD not at induction",
        &record,
        &Expect {
            code: "00402",
            lines: &[
                "ANES 00402-AD-P3 1234567893 0m 3.0+0.0+0.0=3.0 100% $61.49 dx[1]",
                "ANES 00402-QX-P3 1456789019 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
}

/// Qualifying circumstances under medical supervision go on the directed CRNA's
/// lines only: the AD line is 3 base units, +1 at induction, and nothing more
/// (CMS ch.12 §50.D). Commercial-asa pays 99140 2 units and P3 1 unit; it has no
/// conversion factor, so no amounts.
#[test]
fn qualifying_circumstances_are_not_paid_to_a_supervising_anesthesiologist() {
    let mut record = case();
    record.emergency = true;
    record.payer = Some(Payer {
        profile: "commercial-asa".to_owned(),
        ..Default::default()
    });
    record.providers = vec![directing(5), provider(CRNA, ProviderRole::Crna)];
    check(
        "AD with an emergency",
        &record,
        &Expect {
            code: "00402",
            lines: &[
                "ANES 00402-AD-P3 1234567893 0m 4.0+0.0+0.0=4.0 100% $- dx[1]",
                "ANES 00402-QX-P3 1456789019 95m 5.0+6.3+1.0=12.3 50% $- dx[1]",
                "QC 99140 1456789019 0m -+-+2.0=2.0 50% $- dx[1]",
            ],
            findings: &["NO_CONVERSION_FACTOR payer.profile"],
            status: DecisionStatus::Coded,
        },
    );
}

#[test]
fn payment_modifiers_follow_the_team() {
    let cases: Vec<(&str, Vec<Provider>, Expect)> = vec![
        (
            "CRNA alone",
            vec![provider(CRNA, ProviderRole::Crna)],
            Expect {
                code: "00402",
                lines: &["ANES 00402-QZ-P3 1456789019 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"],
                findings: &[],
                status: DecisionStatus::Coded,
            },
        ),
        (
            "one CRNA directed",
            vec![directing(1), provider(CRNA, ProviderRole::Crna)],
            Expect {
                code: "00402",
                lines: &[
                    "ANES 00402-QY-P3 1234567893 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                    "ANES 00402-QX-P3 1456789019 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                ],
                findings: &[],
                status: DecisionStatus::Coded,
            },
        ),
        (
            "four concurrent",
            vec![
                directing(4),
                provider(CRNA, ProviderRole::AnesthesiologistAssistant),
            ],
            Expect {
                code: "00402",
                lines: &[
                    "ANES 00402-QK-P3 1234567893 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                    "ANES 00402-QX-P3 1456789019 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                ],
                findings: &[],
                status: DecisionStatus::Coded,
            },
        ),
        (
            "direction not documented",
            vec![
                Provider {
                    medical_direction_documented: false,
                    ..directing(1)
                },
                provider(CRNA, ProviderRole::Crna),
            ],
            Expect {
                code: "00402",
                lines: &[
                    "ANES 00402-QY-P3 1234567893 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                    "ANES 00402-QX-P3 1456789019 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                ],
                findings: &[
                    "MEDICAL_DIRECTION_NOT_DOCUMENTED providers[0].medical_direction_documented",
                ],
                status: DecisionStatus::NeedsReview,
            },
        ),
        (
            "concurrency not sent",
            vec![directing(0), provider(CRNA, ProviderRole::Crna)],
            Expect {
                code: "00402",
                lines: &[
                    "ANES 00402-QY-P3 1234567893 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                    "ANES 00402-QX-P3 1456789019 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                ],
                findings: &["CONCURRENCY_MISSING providers[0].concurrent_cases"],
                status: DecisionStatus::NeedsReview,
            },
        ),
        (
            "anesthesiologist assistant alone",
            vec![provider(CRNA, ProviderRole::AnesthesiologistAssistant)],
            Expect {
                code: "00402",
                lines: &["ANES 00402-P3 1456789019 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"],
                findings: &["ANESTHESIOLOGIST_ASSISTANT_NOT_DIRECTED providers[0]"],
                status: DecisionStatus::Rejected,
            },
        ),
        (
            "anesthesiologist assistant, direction not documented",
            vec![
                Provider {
                    medical_direction_documented: false,
                    ..directing(1)
                },
                provider(CRNA, ProviderRole::AnesthesiologistAssistant),
            ],
            Expect {
                code: "00402",
                lines: &[
                    "ANES 00402-QY-P3 1234567893 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                    "ANES 00402-P3 1456789019 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]",
                ],
                findings: &[
                    "ANESTHESIOLOGIST_ASSISTANT_NOT_DIRECTED providers[0].medical_direction_documented",
                ],
                status: DecisionStatus::Rejected,
            },
        ),
        (
            "teaching with a resident",
            vec![
                provider(MD, ProviderRole::Anesthesiologist),
                provider(RESIDENT, ProviderRole::Resident),
            ],
            Expect {
                code: "00402",
                lines: &["ANES 00402-AA-GC-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"],
                findings: &[],
                status: DecisionStatus::Coded,
            },
        ),
        (
            "two student nurse anesthetist cases",
            vec![
                Provider {
                    concurrent_cases: 2,
                    ..provider(MD, ProviderRole::Anesthesiologist)
                },
                provider(RESIDENT, ProviderRole::StudentNurseAnesthetist),
            ],
            Expect {
                code: "00402",
                lines: &["ANES 00402-QK-P3 1234567893 95m 5.0+6.3+0.0=11.3 50% $115.81 dx[1]"],
                findings: &[],
                status: DecisionStatus::Coded,
            },
        ),
        (
            "concurrency without anyone directed",
            vec![Provider {
                concurrent_cases: 3,
                ..provider(MD, ProviderRole::Anesthesiologist)
            }],
            Expect {
                code: "00402",
                lines: &["ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"],
                findings: &["CONCURRENCY_WITHOUT_DIRECTION providers[0].concurrent_cases"],
                status: DecisionStatus::NeedsReview,
            },
        ),
        (
            "resident alone",
            vec![provider(RESIDENT, ProviderRole::Resident)],
            Expect {
                code: "00402",
                lines: &[],
                findings: &["NO_BILLING_PROVIDER providers"],
                status: DecisionStatus::Rejected,
            },
        ),
        (
            "hand-off between anesthesiologists",
            vec![
                Provider {
                    time_blocks: vec![block("2026-03-02T14:00:00Z", "2026-03-02T14:30:00Z")],
                    ..provider(MD, ProviderRole::Anesthesiologist)
                },
                Provider {
                    time_blocks: vec![block("2026-03-02T14:30:00Z", "2026-03-02T15:35:00Z")],
                    ..provider(MD2, ProviderRole::Anesthesiologist)
                },
            ],
            Expect {
                code: "00402",
                lines: &["ANES 00402-AA-P3 1987654328 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"],
                findings: &["PROVIDER_HANDOFF providers[1]"],
                status: DecisionStatus::Coded,
            },
        ),
    ];
    for (name, providers, expect) in cases {
        let mut record = case();
        record.providers = providers;
        check(name, &record, &expect);
    }
}

#[test]
fn informational_modifiers_follow_the_payment_modifier() {
    let mut record = case();
    record.anesthesia_type = Enumerated::Known(AnesthesiaType::MonitoredAnesthesiaCare);
    record.mac_deep_complex = true;
    record.mac_severe_cardiopulmonary_history = true;
    check(
        "MAC G8 G9",
        &record,
        &Expect {
            code: "00402",
            lines: &[
                "ANES 00402-AA-QS-G8-G9-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]",
            ],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
    let mut record = case();
    record.physical_status = Enumerated::Unspecified;
    check(
        "no physical status",
        &record,
        &Expect {
            code: "00402",
            lines: &["ANES 00402-AA 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"],
            findings: &["PHYSICAL_STATUS_MISSING physical_status"],
            status: DecisionStatus::NeedsReview,
        },
    );
}

#[test]
fn commercial_71_year_old_emergency() {
    let mut record = case();
    record.patient = Some(Patient {
        birth_date: "1955-01-10".to_owned(),
        sex: Enumerated::Known(Sex::Male),
    });
    record.emergency = true;
    record.payer = Some(Payer {
        profile: "commercial-asa".to_owned(),
        ..Default::default()
    });
    check(
        "commercial 71 emergency",
        &record,
        &Expect {
            code: "00402",
            lines: &[
                "ANES 00402-AA-P3 1234567893 95m 5.0+6.3+1.0=12.3 100% $- dx[1]",
                "QC 99100 1234567893 0m -+-+1.0=1.0 100% $- dx[1]",
                "QC 99140 1234567893 0m -+-+2.0=2.0 100% $- dx[1]",
            ],
            findings: &["NO_CONVERSION_FACTOR payer.profile"],
            status: DecisionStatus::Coded,
        },
    );
}

#[test]
fn medicare_reports_qualifying_circumstances_without_units() {
    let mut record = case();
    record.patient = Some(Patient {
        birth_date: "2025-10-01".to_owned(),
        sex: Enumerated::Known(Sex::Male),
    });
    record.controlled_hypotension = true;
    check(
        "infant on medicare",
        &record,
        &Expect {
            code: "00402",
            lines: &[
                "ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]",
                "QC 99100 1234567893 0m -+-+0.0=0.0 100% $0.00 dx[1]",
                "QC 99135 1234567893 0m -+-+0.0=0.0 100% $0.00 dx[1]",
            ],
            findings: &["QUALIFYING_CIRCUMSTANCE_NOT_PAID "],
            status: DecisionStatus::Coded,
        },
    );
    record.controlled_hypotension = false;
    record.procedures = vec![procedure("00326")];
    record.diagnoses = vec!["Q31.5".to_owned()];
    check(
        "code that reflects age",
        &record,
        &Expect {
            code: "00326",
            lines: &["ANES 00326-AA-P3 1234567893 95m 7.0+6.3+0.0=13.3 100% $272.62 dx[1]"],
            findings: &["EXTREME_AGE_IN_CODE patient.birth_date"],
            status: DecisionStatus::Coded,
        },
    );
}

/// Name, ancillary procedures, the separate lines and findings they produce, status.
type AncillaryCase = (
    &'static str,
    Vec<AncillaryProcedure>,
    &'static [&'static str],
    &'static [&'static str],
    DecisionStatus,
);

#[test]
fn separately_billable_work() {
    let requested_block = AncillaryProcedure {
        surgeon_requested_postop_pain: true,
        ..ancillary("64447")
    };
    let cases: Vec<AncillaryCase> = vec![
        (
            "femoral block requested by the surgeon",
            vec![requested_block.clone()],
            &["SEPARATE 64447-59 1234567893 0m -+-+-=1.0 100% $- dx[1]"],
            &[],
            DecisionStatus::Coded,
        ),
        (
            "block that was the anesthetic",
            vec![AncillaryProcedure {
                primary_anesthetic: true,
                ..requested_block.clone()
            }],
            &[],
            &["BLOCK_IS_PRIMARY_ANESTHETIC ancillary_procedures[0]"],
            DecisionStatus::Coded,
        ),
        (
            "block not requested",
            vec![ancillary("62323")],
            &[],
            &["BLOCK_NOT_REQUESTED_BY_SURGEON ancillary_procedures[0]"],
            DecisionStatus::NeedsReview,
        ),
        (
            "central line 36555 on an adult",
            vec![ancillary("36555")],
            &[],
            &["CENTRAL_LINE_AGE_MISMATCH ancillary_procedures[0]"],
            DecisionStatus::Rejected,
        ),
        (
            "central line 36556 on an adult",
            vec![ancillary("36556")],
            &["SEPARATE 36556 1234567893 0m -+-+-=1.0 100% $- dx[1]"],
            &[],
            DecisionStatus::Coded,
        ),
        (
            "arterial line with documented ultrasound",
            vec![
                ancillary("36620"),
                AncillaryProcedure {
                    ultrasound_guided: true,
                    ..ancillary("76937")
                },
            ],
            &[
                "SEPARATE 36620 1234567893 0m -+-+-=1.0 100% $- dx[1]",
                "SEPARATE 76937 1234567893 0m -+-+-=1.0 100% $- dx[1]",
            ],
            &[],
            DecisionStatus::Coded,
        ),
        (
            "ultrasound without access",
            vec![AncillaryProcedure {
                ultrasound_guided: true,
                ..ancillary("76937")
            }],
            &[],
            &["ULTRASOUND_GUIDANCE_WITHOUT_ACCESS ancillary_procedures[0]"],
            DecisionStatus::NeedsReview,
        ),
        (
            "ultrasound not documented",
            vec![ancillary("93503"), ancillary("76937")],
            &["SEPARATE 93503 1234567893 0m -+-+-=1.0 100% $- dx[1]"],
            &["ULTRASOUND_GUIDANCE_NOT_DOCUMENTED ancillary_procedures[1]"],
            DecisionStatus::NeedsReview,
        ),
        (
            "diagnostic TEE",
            vec![ancillary("93312")],
            &["SEPARATE 93312-59 1234567893 0m -+-+-=1.0 100% $- dx[1]"],
            &[],
            DecisionStatus::Coded,
        ),
        (
            "TEE monitoring",
            vec![ancillary("93318")],
            &[],
            &["INCLUDED_IN_ANESTHESIA ancillary_procedures[0]"],
            DecisionStatus::Coded,
        ),
        (
            "IV start",
            vec![ancillary("36000")],
            &[],
            &["INCLUDED_IN_ANESTHESIA ancillary_procedures[0]"],
            DecisionStatus::Coded,
        ),
        (
            "emergency intubation",
            vec![AncillaryProcedure {
                emergency: true,
                ..ancillary("31500")
            }],
            &["SEPARATE 31500 1234567893 0m -+-+-=1.0 100% $- dx[1]"],
            &[],
            DecisionStatus::Coded,
        ),
        (
            "routine intubation",
            vec![ancillary("31500")],
            &[],
            &["INCLUDED_IN_ANESTHESIA ancillary_procedures[0]"],
            DecisionStatus::Coded,
        ),
        (
            "critical care",
            vec![ancillary("99291")],
            &[],
            &["ANCILLARY_NOT_RECOGNIZED ancillary_procedures[0]"],
            DecisionStatus::NeedsReview,
        ),
    ];
    for (name, procedures, separate, findings, status) in cases {
        let mut record = case();
        record.ancillary_procedures = procedures;
        let mut lines = vec!["ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"];
        lines.extend_from_slice(separate);
        let lines: &'static [&'static str] = Vec::leak(lines);
        check(
            name,
            &record,
            &Expect {
                code: "00402",
                lines,
                findings,
                status,
            },
        );
    }
}

#[test]
fn central_line_for_a_child() {
    let mut record = case();
    record.patient = Some(Patient {
        birth_date: "2022-06-01".to_owned(),
        sex: Enumerated::Known(Sex::Female),
    });
    record.ancillary_procedures = vec![ancillary("36556")];
    let decision = coder().code(&record);
    assert_eq!(
        findings(&decision),
        ["CENTRAL_LINE_AGE_MISMATCH ancillary_procedures[0]"]
    );
    assert_eq!(
        decision.findings[0].message,
        "36556 is for patients 5 years or older; the patient is 3: bill 36555"
    );
}

#[test]
fn conversion_factor_by_date_of_service() {
    let on = |date: &str| {
        let mut record = case();
        record.date_of_service = date.to_owned();
        record.time_blocks = vec![block(
            &format!("{date}T14:00:00Z"),
            &format!("{date}T15:35:00Z"),
        )];
        record
    };
    check(
        "2025 factor",
        &on("2025-07-01"),
        &Expect {
            code: "00402",
            lines: &["ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $229.59 dx[1]"],
            findings: &[],
            status: DecisionStatus::Coded,
        },
    );
    // CY2024: 20.4349 until 2024-03-08; 11.3 x 20.4349 = $230.91437 -> $230.91.
    // Dates before FY2025 (2024-10-01) are before the oldest ICD-10-CM release held.
    check(
        "2024 factor before the Appropriations Act",
        &on("2024-03-08"),
        &Expect {
            code: "00402",
            lines: &["ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $230.91 dx[1]"],
            findings: &["ICD10CM_RELEASE_NOT_HELD diagnoses"],
            status: DecisionStatus::NeedsReview,
        },
    );
    check(
        "no verified factor from 2024-03-09",
        &on("2024-03-09"),
        &Expect {
            code: "00402",
            lines: &["ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $- dx[1]"],
            findings: &[
                "ICD10CM_RELEASE_NOT_HELD diagnoses",
                "NO_CONVERSION_FACTOR payer.profile",
            ],
            status: DecisionStatus::NeedsReview,
        },
    );
    check(
        "no factor before 2025",
        &on("2024-07-01"),
        &Expect {
            code: "00402",
            lines: &["ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $- dx[1]"],
            findings: &[
                "ICD10CM_RELEASE_NOT_HELD diagnoses",
                "NO_CONVERSION_FACTOR payer.profile",
            ],
            status: DecisionStatus::NeedsReview,
        },
    );
}

#[test]
fn codes_without_time_units() {
    let mut record = case();
    record.procedures = vec![procedure("01996")];
    check(
        "01996",
        &record,
        &Expect {
            code: "01996",
            lines: &["ANES 01996-AA-P3 1234567893 0m -+0.0+0.0=0.0 100% $- dx[1]"],
            findings: &["ANESTHESIA_CODE_UNPRICED procedures[0].anesthesia_code"],
            status: DecisionStatus::NeedsReview,
        },
    );
}

#[test]
fn unknown_payer_profile_is_an_error_and_bills_nothing() {
    let mut record = case();
    record.payer = Some(Payer {
        profile: "acme-ppo".to_owned(),
        ..Default::default()
    });
    let decision = coder().code(&record);
    assert_eq!(findings(&decision), ["PAYER_PROFILE_UNKNOWN payer.profile"]);
    assert_eq!(
        decision.findings[0].message,
        "\"acme-ppo\" is not a loaded payer profile; loaded: commercial-asa, medicare"
    );
    assert_eq!(decision.status, DecisionStatus::Rejected);
    assert!(decision.lines.is_empty());
    assert_eq!(decision.payer_profile, "");
}

#[test]
fn every_line_points_to_at_most_four_diagnoses() {
    let mut record = case();
    record.diagnoses = ["C50.911", "Z80.3", "N62", "E66.9", "I10"]
        .map(String::from)
        .to_vec();
    record.ancillary_procedures = vec![ancillary("36620")];
    let decision = coder().code(&record);
    for line in &decision.lines {
        assert_eq!(line.diagnosis_pointers[..], [1, 2, 3, 4], "{}", line.code);
    }
}

/// The findings (rule id and field) and status of a record, for edits whose lines
/// are as usual.
fn findings_and_status(record: &CaseRecord) -> (Vec<String>, DecisionStatus) {
    let decision = coder().code(record);
    (findings(&decision), decision.status)
}

fn born(record: &mut CaseRecord, birth_date: &str) {
    record.patient = Some(Patient {
        birth_date: birth_date.to_owned(),
        sex: Enumerated::Known(Sex::Male),
    });
}

#[test]
fn age_defined_codes_are_checked_against_the_patients_age() {
    let mut record = case();
    record.procedures = vec![procedure("00834")];
    record.diagnoses = vec!["K40.90".to_owned()];
    // Born 1974: aged 51 on 2026-03-02.
    assert_eq!(
        findings_and_status(&record),
        (
            vec!["ANESTHESIA_CODE_AGE_MISMATCH procedures[0]".to_owned()],
            DecisionStatus::Rejected
        )
    );
    let decision = coder().code(&record);
    assert_eq!(
        decision.findings[0].message,
        "00834 is for a patient younger than 1 year; the patient is aged 51 on the date of service"
    );
    // Six months old: the code fits, and 99100 is not added to it.
    born(&mut record, "2025-09-02");
    assert_eq!(
        findings_and_status(&record),
        (
            vec!["EXTREME_AGE_IN_CODE patient.birth_date".to_owned()],
            DecisionStatus::Coded
        )
    );
    // 00836: under 50 weeks' postconceptional age, so never 50 weeks after birth.
    record.procedures = vec![procedure("00836")];
    born(&mut record, "2025-12-01"); // 13 weeks old
    assert_eq!(findings_and_status(&record).1, DecisionStatus::Coded);
    born(&mut record, "2025-02-10"); // 55 weeks old
    let decision = coder().code(&record);
    assert_eq!(
        decision.findings[0].rule.id(),
        "ANESTHESIA_CODE_AGE_MISMATCH"
    );
    assert_eq!(
        decision.findings[0].message,
        "00836 is for a premature infant under 50 weeks' postconceptional age; the patient is aged 1"
    );
    born(&mut record, "2025-03-20"); // 49 weeks old: not provably wrong
    assert!(
        !findings_and_status(&record)
            .0
            .iter()
            .any(|f| f.starts_with("ANESTHESIA_CODE_AGE_MISMATCH"))
    );
}

#[test]
fn delivery_codes_are_not_reported_with_the_labor_epidural() {
    let mut record = labor_case();
    record.procedures.push(procedure("01961"));
    let (findings, status) = findings_and_status(&record);
    assert_eq!(status, DecisionStatus::Rejected);
    assert!(
        findings.contains(&"DELIVERY_CODE_WITH_LABOR_EPIDURAL procedures[2]".to_owned()),
        "{findings:?}"
    );
    // 01961 alone is a cesarean without labour analgesia: no edit.
    let mut record = labor_case();
    record.procedures = vec![procedure("01961")];
    assert!(
        !findings_and_status(&record)
            .0
            .iter()
            .any(|f| f.starts_with("DELIVERY_CODE_WITH_LABOR_EPIDURAL"))
    );
}

#[test]
fn telehealth_places_of_service_are_flagged() {
    for code in ["02", "10"] {
        let mut record = case();
        record.place_of_service = code.to_owned();
        assert_eq!(
            findings_and_status(&record),
            (
                vec!["PLACE_OF_SERVICE_TELEHEALTH place_of_service".to_owned()],
                DecisionStatus::NeedsReview
            ),
            "{code}"
        );
    }
}

#[test]
fn p6_belongs_with_organ_procurement() {
    let mut record = case();
    record.physical_status = Enumerated::Known(PhysicalStatus::P6);
    assert_eq!(
        findings_and_status(&record),
        (
            vec!["PHYSICAL_STATUS_P6_NOT_ORGAN_PROCUREMENT physical_status".to_owned()],
            DecisionStatus::NeedsReview
        )
    );
    record.procedures = vec![procedure("01990")];
    record.diagnoses = vec!["G93.82".to_owned()];
    assert!(
        !findings_and_status(&record)
            .0
            .iter()
            .any(|f| f.starts_with("PHYSICAL_STATUS_P6"))
    );
}

/// Two overlapping blocks, 14:00-15:00 and 14:30-15:35: rejected, and the minutes
/// reported are their union, 95, not the first block's 60.
#[test]
fn overlapping_blocks_report_their_union() {
    let mut record = case();
    record.time_blocks = vec![
        block("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z"),
        block("2026-03-02T14:30:00Z", "2026-03-02T15:35:00Z"),
    ];
    check(
        "overlap",
        &record,
        &Expect {
            code: "00402",
            lines: &["ANES 00402-AA-P3 1234567893 95m 5.0+6.3+0.0=11.3 100% $231.62 dx[1]"],
            findings: &["TIME_BLOCKS_OVERLAP time_blocks[1]"],
            status: DecisionStatus::Rejected,
        },
    );
    assert_eq!(coder().code(&record).total_minutes, 95);
}

/// An operator profile with 1-minute time units and a block of seven thousand
/// years (a timestamp typo): the units saturate instead of overflowing, and the
/// record is still decided (and flagged for the block's length).
#[test]
fn units_saturate_under_an_extreme_profile_and_block() {
    let mut profiles = PayerProfiles::embedded();
    let mut per_minute = anescode_validation::PayerProfile::medicare();
    per_minute.name = "per-minute".to_owned();
    per_minute.time_units.value.divisor_minutes = 1;
    profiles.insert(per_minute);
    let coder = Coder::new(Arc::new(Catalog::embedded()), Arc::new(profiles));
    let mut record = case();
    record.payer = Some(Payer {
        profile: "per-minute".to_owned(),
        ..Default::default()
    });
    record.time_blocks = vec![block("2026-03-02T14:00:00Z", "9000-01-01T00:00:00Z")];
    let decision = coder.code(&record);
    let line = &decision.lines[0];
    assert_eq!(
        line.total_units,
        anescode_validation::Tenths::from_tenths(u32::MAX)
    );
    assert!(
        findings(&decision).contains(&"TIME_BLOCK_OVER_24_HOURS time_blocks[0].end".to_owned()),
        "{:?}",
        findings(&decision)
    );
}

/// A birth date that would make the patient older than 124 (the Medicare Code
/// Editor's range) is an error on the birth date.
#[test]
fn an_implausible_birth_date_is_an_error() {
    let mut record = case();
    born(&mut record, "1890-05-01");
    let decision = coder().code(&record);
    assert_eq!(
        findings(&decision),
        ["BIRTH_DATE_IMPLAUSIBLE patient.birth_date"]
    );
    assert_eq!(decision.status, DecisionStatus::Rejected);
}

/// A surgical CPT code the loaded crosswalk does not map is an error on the
/// procedure; one it maps is coded through it.
#[test]
fn a_surgical_code_the_crosswalk_lacks_is_an_error() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/crosswalk.csv");
    let crosswalk = anescode_codes::Crosswalk::from_file(std::path::Path::new(path))
        .expect("the example crosswalk loads");
    let catalog = Catalog::new(
        anescode_codes::BaseUnitSchedule::embedded(),
        Some(crosswalk),
    )
    .expect("catalog");
    let coder = Coder::new(Arc::new(catalog), Arc::new(PayerProfiles::embedded()));
    let mut record = case();
    record.procedures = vec![Procedure {
        surgical_cpt: "27447".to_owned(),
        ..Default::default()
    }];
    let decision = coder.code(&record);
    assert_eq!(
        findings(&decision),
        ["CROSSWALK_NO_MATCH procedures[0].surgical_cpt"]
    );
    assert_eq!(decision.status, DecisionStatus::Rejected);
    record.procedures[0].surgical_cpt = "19306".to_owned();
    let decision = coder.code(&record);
    assert_eq!(
        decision.anesthesia_code.map(|c| c.to_string()).as_deref(),
        Some("00406")
    );
}
