//! Invariants of the engine over generated records, valid and damaged, that do not
//! restate the code: time units never exceed the minutes divided by the profile's
//! divisor, rounded up; the status follows the worst finding; every line belongs to
//! a provider on the record; every amount is units x factor x percent, worked from
//! the decimals the decision prints.

use std::sync::Arc;

use anescode_codes::{Catalog, CodeKind};
use anescode_validation::{
    AncillaryProcedure, AnesthesiaType, CaseRecord, Coder, DecisionStatus, Enumerated, FigureKind,
    LineKind, Patient, Payer, PayerProfiles, PhysicalStatus, Procedure, Provider, ProviderRole,
    RawTimestamp, Sex, Tenths, TimeBlock,
};
use proptest::prelude::*;

/// 2026-03-02T12:00:00Z.
const NOON: i64 = 1_772_452_800;
const NPIS: [&str; 4] = ["1234567893", "1456789019", "1987654328", "1678901236"];
const ANCILLARY: [&str; 12] = [
    "36620", "36555", "36556", "93503", "76937", "93312", "93318", "64447", "62323", "31500",
    "36000", "99291",
];

fn active_codes() -> Vec<String> {
    let date = jiff::civil::date(2026, 3, 2);
    Catalog::embedded()
        .entries()
        .iter()
        .filter(|e| e.kind == CodeKind::Anesthesia && e.is_active_on(date))
        .map(|e| e.code.to_string())
        .collect()
}

fn blocks(spans: Vec<(u32, u32)>) -> Vec<TimeBlock> {
    // Consecutive, non-overlapping blocks: (gap before, length) in minutes.
    let mut start = NOON - 3 * 3600;
    spans
        .into_iter()
        .map(|(gap, length)| {
            start += i64::from(gap) * 60;
            let end = start + i64::from(length) * 60;
            let block = TimeBlock {
                start: Some(RawTimestamp {
                    seconds: start,
                    nanos: 0,
                }),
                end: Some(RawTimestamp {
                    seconds: end,
                    nanos: 0,
                }),
            };
            start = end;
            block
        })
        .collect()
}

fn role(index: u8) -> ProviderRole {
    match index % 5 {
        0 => ProviderRole::Anesthesiologist,
        1 => ProviderRole::Crna,
        2 => ProviderRole::AnesthesiologistAssistant,
        3 => ProviderRole::Resident,
        _ => ProviderRole::StudentNurseAnesthetist,
    }
}

prop_compose! {
    fn provider(index: usize)(
        role_index in 0u8..5,
        concurrent in 0u32..8,
        documented in any::<bool>(),
        induction in any::<bool>(),
    ) -> Provider {
        Provider {
            npi: NPIS[index].to_owned(),
            role: Enumerated::Known(role(role_index)),
            concurrent_cases: concurrent,
            medical_direction_documented: documented,
            present_at_induction: induction,
            ..Default::default()
        }
    }
}

prop_compose! {
    fn record(codes: Vec<String>)(
        code_picks in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        own_time in prop::collection::vec((0u32..30, 1u32..240), 0..2),
        spans in prop::collection::vec((0u32..30, 1u32..300), 1..4),
        providers in (1usize..4).prop_flat_map(|n| (0..n).map(provider).collect::<Vec<_>>()),
        status in 1u8..7,
        kind in 0u8..4,
        age in 0i16..100,
        flags in any::<[bool; 5]>(),
        ancillary in prop::collection::vec((0usize..ANCILLARY.len(), any::<[bool; 4]>()), 0..4),
        medicare in any::<bool>(),
    ) -> CaseRecord {
        let procedures = code_picks
            .iter()
            .map(|pick| Procedure {
                anesthesia_code: pick.get(&codes).clone(),
                time_blocks: blocks(own_time.clone()),
                ..Default::default()
            })
            .collect();
        let physical_status = [
            PhysicalStatus::P1, PhysicalStatus::P2, PhysicalStatus::P3,
            PhysicalStatus::P4, PhysicalStatus::P5, PhysicalStatus::P6,
        ][usize::from(status - 1)];
        let anesthesia_type = [
            AnesthesiaType::General, AnesthesiaType::Regional,
            AnesthesiaType::Neuraxial, AnesthesiaType::MonitoredAnesthesiaCare,
        ][usize::from(kind)];
        CaseRecord {
            case_id: "P-1".to_owned(),
            revision: 1,
            date_of_service: "2026-03-02".to_owned(),
            patient: Some(Patient {
                birth_date: format!("{}-01-01", 2025 - age),
                sex: Enumerated::Known(Sex::Female),
            }),
            anesthesia_type: Enumerated::Known(anesthesia_type),
            time_blocks: blocks(spans),
            procedures,
            diagnoses: vec!["N62".to_owned(), "I10".to_owned()],
            physical_status: Enumerated::Known(physical_status),
            emergency: flags[0],
            providers,
            total_body_hypothermia: flags[1],
            controlled_hypotension: flags[2],
            mac_deep_complex: flags[3],
            mac_severe_cardiopulmonary_history: flags[4],
            ancillary_procedures: ancillary
                .into_iter()
                .map(|(i, f)| AncillaryProcedure {
                    cpt: ANCILLARY[i].to_owned(),
                    performed_by_npi: NPIS[0].to_owned(),
                    ultrasound_guided: f[0],
                    surgeon_requested_postop_pain: f[1],
                    primary_anesthetic: f[2],
                    emergency: f[3],
                })
                .collect(),
            place_of_service: "21".to_owned(),
            payer: Some(Payer {
                profile: if medicare { "medicare" } else { "commercial-asa" }.to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn engine_decides_and_time_units_stay_within_the_minutes(record in record(active_codes())) {
        let coder = Coder::new(Arc::new(Catalog::embedded()), Arc::new(PayerProfiles::embedded()));
        let decision = coder.code(&record);
        for line in &decision.lines {
            if line.kind == LineKind::SeparateProcedure {
                prop_assert_eq!(line.total_units, Tenths::whole(1));
                continue;
            }
            // Both embedded profiles count 15-minute units.
            let ceiling = Tenths::from_tenths(line.minutes.div_ceil(15) * 10);
            prop_assert!(line.time_units.unwrap_or_default() <= ceiling, "{:?}", line);
        }
    }
}

/// A record damaged the ways senders damage them: a field emptied or mistyped.
fn damaged(mut record: CaseRecord, damage: [u8; 6]) -> CaseRecord {
    match damage[0] % 4 {
        0 => record.date_of_service = "2026-02-30".to_owned(),
        1 => record.date_of_service.clear(),
        _ => {}
    }
    if damage[1].is_multiple_of(3) && !record.providers.is_empty() {
        record.providers[0].npi = "1234567890".to_owned();
    }
    if damage[2].is_multiple_of(4) {
        record.providers.clear();
    }
    match damage[3] % 4 {
        0 => record.diagnoses = vec!["Z99.999".to_owned()],
        1 => record.diagnoses.clear(),
        _ => {}
    }
    if damage[4].is_multiple_of(4) {
        record.time_blocks.reverse();
        if let Some(block) = record.time_blocks.first_mut() {
            std::mem::swap(&mut block.start, &mut block.end);
        }
    }
    if damage[5].is_multiple_of(5) {
        record.procedures = vec![Procedure {
            anesthesia_code: "00999".to_owned(),
            ..Default::default()
        }];
    }
    record
}

/// A decimal string ("11.3", "20.4976") as an integer count of 10^-places.
fn scaled(decimal: &str, places: u32) -> u128 {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    let fraction = format!("{fraction:0<width$}", width = places as usize);
    format!("{whole}{fraction}").parse().expect("a decimal")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// Invariants that do not restate the engine: the status follows the worst
    /// finding; every line belongs to a provider on the record; every amount is
    /// units x factor x percent, worked here from the decimals the decision prints.
    #[test]
    fn decisions_on_damaged_records_keep_their_invariants(
        record in record(active_codes()),
        damage in any::<[u8; 6]>(),
    ) {
        let record = damaged(record, damage);
        let coder = Coder::new(Arc::new(Catalog::embedded()), Arc::new(PayerProfiles::embedded()));
        let decision = coder.code(&record);
        let in_ledger = coder.code_in_ledger(&record, &mut |_| Default::default()).1;
        prop_assert_eq!(coder.timeline(&record), in_ledger);

        let worst = decision.findings.iter().map(|f| f.severity()).max();
        let expected = match worst {
            Some(anescode_validation::Severity::Error) => DecisionStatus::Rejected,
            Some(anescode_validation::Severity::Warning) => DecisionStatus::NeedsReview,
            _ => DecisionStatus::Coded,
        };
        prop_assert_eq!(decision.status, expected);

        let on_record = |npi: &str| {
            record.providers.iter().any(|p| p.npi == npi)
                || record.ancillary_procedures.iter().any(|a| a.performed_by_npi == npi)
        };
        for line in &decision.lines {
            prop_assert!(on_record(&line.provider_npi), "{:?}", line);
        }

        let factor = decision
            .figures
            .iter()
            .find(|f| f.kind == FigureKind::ConversionFactor)
            .map(|f| scaled(&f.value, 4));
        for line in decision.lines.iter().filter(|l| l.allowed_amount.is_some()) {
            let factor = factor.expect("a priced line has a factor");
            // tenths x ten-thousandths x percent = 10^-7 dollars; a cent is 10^5.
            let exact = scaled(&line.total_units.to_string(), 1)
                * factor
                * u128::from(line.payment_percent);
            let cents = (exact + 50_000) / 100_000;
            let shown = line.allowed_amount.expect("priced").to_string();
            prop_assert_eq!(scaled(&shown, 2), cents, "{:?}", line);
        }
    }
}

/// Text a sender might put in a code or identifier field: a value that means
/// something, or any text at all.
fn text(meaningful: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(meaningful).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

fn raw_timestamp() -> impl Strategy<Value = Option<RawTimestamp>> {
    prop::option::weighted(
        0.9,
        (
            prop_oneof![NOON - 6 * 3600..NOON + 6 * 3600, any::<i64>()],
            prop_oneof![Just(0), any::<i32>()],
        )
            .prop_map(|(seconds, nanos)| RawTimestamp { seconds, nanos }),
    )
}

fn time_blocks(most: usize) -> impl Strategy<Value = Vec<TimeBlock>> {
    prop::collection::vec(
        (raw_timestamp(), raw_timestamp()).prop_map(|(start, end)| TimeBlock { start, end }),
        0..most,
    )
}

fn enumerated<T: std::fmt::Debug + Clone + 'static>(
    known: Vec<T>,
) -> impl Strategy<Value = Enumerated<T>> {
    prop_oneof![
        4 => prop::sample::select(known).prop_map(Enumerated::Known),
        1 => Just(Enumerated::Unspecified),
        1 => (7i32..100).prop_map(Enumerated::Unknown),
    ]
}

const CODES: &[&str] = &[
    "00402", "00406", "00300", "00620", "00632", "01967", "01968", "01961", "00836", "00326",
    "01990", "99100", "00999", "19318",
];
const DIAGNOSES: &[&str] = &[
    "N62", "C50.911", "I10", "O80", "Z38.00", "E11.9", "S72.001A", "V43.52XA", "C50", "Q21.0",
];

fn arbitrary_provider() -> impl Strategy<Value = Provider> {
    (
        text(&NPIS),
        enumerated(vec![
            ProviderRole::Anesthesiologist,
            ProviderRole::Crna,
            ProviderRole::AnesthesiologistAssistant,
            ProviderRole::Resident,
            ProviderRole::StudentNurseAnesthetist,
        ]),
        text(&["207L00000X", "367500000X", "367H00000X", ""]),
        0u32..7,
        any::<[bool; 2]>(),
        time_blocks(3),
    )
        .prop_map(
            |(npi, role, taxonomy, concurrent_cases, flags, time_blocks)| Provider {
                npi,
                role,
                taxonomy,
                concurrent_cases,
                medical_direction_documented: flags[0],
                present_at_induction: flags[1],
                time_blocks,
            },
        )
}

prop_compose! {
    /// A record whose every field may be anything the contract lets a sender
    /// send: missing, malformed, contradictory or well-formed.
    fn arbitrary_record()(
        case_id in text(&["A-1", "", " padded "]),
        date_of_service in text(&["2026-03-02", "2024-02-01", "2026-02-30", ""]),
        patient in prop::option::weighted(0.9, (text(&["1950-05-05", "2026-01-01", "1890-01-01", "2027-01-01"]),
            enumerated(vec![Sex::Female, Sex::Male]))),
        anesthesia_type in enumerated(vec![AnesthesiaType::General, AnesthesiaType::MonitoredAnesthesiaCare,
            AnesthesiaType::Regional, AnesthesiaType::Neuraxial]),
        time_blocks in time_blocks(4),
        procedures in prop::collection::vec((text(CODES), text(&["19318", "", "1931"]), time_blocks(2)), 0..4),
        diagnoses in prop::collection::vec(text(DIAGNOSES), 0..5),
        physical_status in enumerated(vec![PhysicalStatus::P1, PhysicalStatus::P3, PhysicalStatus::P6]),
        providers in prop::collection::vec(arbitrary_provider(), 0..4),
        flags in any::<[bool; 5]>(),
        ancillary in prop::collection::vec((text(&ANCILLARY), text(&NPIS), any::<[bool; 4]>()), 0..4),
        place_of_service in text(&["21", "22", "02", "99", ""]),
        payer in prop::option::weighted(0.9, (text(&["medicare", "commercial-asa", ""]), text(&["", "NYC"]))),
    ) -> CaseRecord {
        CaseRecord {
            case_id,
            revision: 1,
            facility_id: String::new(),
            date_of_service,
            patient: patient.map(|(birth_date, sex)| Patient { birth_date, sex }),
            anesthesia_type,
            time_blocks,
            procedures: procedures
                .into_iter()
                .map(|(anesthesia_code, surgical_cpt, time_blocks)| Procedure {
                    anesthesia_code,
                    surgical_cpt,
                    time_blocks,
                    ..Default::default()
                })
                .collect(),
            diagnoses,
            physical_status,
            emergency: flags[0],
            providers,
            total_body_hypothermia: flags[1],
            controlled_hypotension: flags[2],
            mac_deep_complex: flags[3],
            mac_severe_cardiopulmonary_history: flags[4],
            ancillary_procedures: ancillary
                .into_iter()
                .map(|(cpt, performed_by_npi, f)| AncillaryProcedure {
                    cpt,
                    performed_by_npi,
                    ultrasound_guided: f[0],
                    surgeon_requested_postop_pain: f[1],
                    primary_anesthetic: f[2],
                    emergency: f[3],
                })
                .collect(),
            place_of_service,
            payer: payer.map(|(profile, locality)| Payer { profile, locality, ..Default::default() }),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Over records of any shape: the status follows the worst finding; every
    /// finding names a field of the record or none; no line is billed under
    /// someone the record does not name; coding twice gives the same decision.
    #[test]
    fn arbitrary_records_keep_the_invariants(record in arbitrary_record()) {
        let coder = Coder::new(Arc::new(Catalog::embedded()), Arc::new(PayerProfiles::embedded()));
        let decision = coder.code(&record);
        let worst = decision.findings.iter().map(|f| f.severity()).max();
        let rejected = worst == Some(anescode_validation::Severity::Error);
        prop_assert_eq!(decision.status == DecisionStatus::Rejected, rejected);
        for finding in &decision.findings {
            let field = finding.field.to_string();
            let top = field.split(['.', '[']).next().unwrap_or("");
            prop_assert!(
                top.is_empty() || TOP_LEVEL_FIELDS.contains(&top),
                "{} points at {:?}", finding.rule.id(), field
            );
        }
        for line in &decision.lines {
            let named = record.providers.iter().any(|p| p.npi == line.provider_npi)
                || record.ancillary_procedures.iter().any(|a| a.performed_by_npi == line.provider_npi);
            prop_assert!(named, "{:?}", line);
        }
        prop_assert_eq!(coder.code(&record), decision.clone());
        // The timeline alone is the one coding in a ledger makes.
        let in_ledger = coder.code_in_ledger(&record, &mut |_| Default::default()).1;
        prop_assert_eq!(coder.timeline(&record), in_ledger);
        // The lean decision is the full one without its explanation.
        let lean = coder.code_lean(&record);
        let over_limits = decision.rationale.starts_with("The record is over");
        prop_assert_eq!(
            lean,
            anescode_validation::Decision {
                rationale: if over_limits { decision.rationale.clone() } else { String::new() },
                figures: Vec::new(),
                ..decision
            }
        );
    }
}

/// The top-level fields of anescode.v1.CaseRecord, from the contract.
const TOP_LEVEL_FIELDS: &[&str] = &[
    "case_id",
    "revision",
    "facility_id",
    "date_of_service",
    "patient",
    "anesthesia_type",
    "time_blocks",
    "procedures",
    "diagnoses",
    "physical_status",
    "emergency",
    "providers",
    "total_body_hypothermia",
    "controlled_hypotension",
    "mac_deep_complex",
    "mac_severe_cardiopulmonary_history",
    "ancillary_procedures",
    "place_of_service",
    "payer",
];
