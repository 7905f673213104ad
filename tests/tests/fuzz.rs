//! Fuzzing the boundary through a real server: arbitrary bytes as a CodeCase
//! request, and arbitrary wire records (every field, any value, lists and strings
//! over their limits) through decoding, conversion and coding. Every request gets
//! a decision or a specific status, never a panic or a dropped call, and every
//! decision is bounded in findings and size.
//!
//! `cargo test` runs a short pass; the long one is
//! `cargo test --release -p anescode-tests --test fuzz -- --ignored`.

use std::sync::OnceLock;

use anescode_server::pb;
use anescode_tests::{TestServer, raw};
use anescode_validation::limits;
use proptest::prelude::*;
use prost::Message;
use tonic::Code;

const SHORT_CASES: u32 = 128;
const LONG_CASES: u32 = 20_000;
/// No decision may be larger than this (the message limit is 4 MiB).
const MAX_DECISION_BYTES: usize = 512 * 1024;

/// `cases` generated inputs; a failure is reported with its shrunk input, not
/// written to a regressions file.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

fn server() -> &'static (tokio::runtime::Runtime, TestServer) {
    static SERVER: OnceLock<(tokio::runtime::Runtime, TestServer)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let server = runtime.block_on(TestServer::start());
        (runtime, server)
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Z0-9.\\-]{0,10}",
        2 => prop::sample::select(vec![
            "00402", "00406", "01967", "01968", "99100", "19318", "36620", "N62", "C50.911",
            "E11.9", "O80", "1234567893", "1456789019", "207L00000X", "2026-03-02",
            "1960-01-01", "22", "medicare", "commercial-asa", "",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
        1 => (0usize..300).prop_map(|n| "\u{1b}\n".repeat(n)),
        1 => (limits::IDENTIFIER_BYTES.max - 2..limits::IDENTIFIER_BYTES.max + 3)
            .prop_map(|n| "x".repeat(n)),
    ]
}

fn timestamp() -> impl Strategy<Value = Option<prost_types::Timestamp>> {
    prop_oneof![
        1 => Just(None),
        4 => (1_772_400_000i64..1_772_500_000, 0i32..1_000_000_000)
            .prop_map(|(seconds, nanos)| Some(prost_types::Timestamp { seconds, nanos })),
        1 => (any::<i64>(), any::<i32>())
            .prop_map(|(seconds, nanos)| Some(prost_types::Timestamp { seconds, nanos })),
    ]
}

fn blocks(max: usize) -> impl Strategy<Value = Vec<pb::TimeBlock>> {
    prop::collection::vec(
        (timestamp(), timestamp()).prop_map(|(start, end)| pb::TimeBlock { start, end }),
        0..max,
    )
}

/// Lists up to a little past their limits.
fn over(limit: limits::Limit) -> usize {
    limit.max + 3
}

fn procedure() -> impl Strategy<Value = pb::Procedure> {
    (text(), text(), text(), blocks(4)).prop_map(
        |(surgical_cpt, anesthesia_code, description, time_blocks)| pb::Procedure {
            surgical_cpt,
            anesthesia_code,
            description,
            time_blocks,
        },
    )
}

fn provider() -> impl Strategy<Value = pb::Provider> {
    (
        text(),
        -1i32..8,
        text(),
        any::<u32>(),
        any::<bool>(),
        any::<bool>(),
        blocks(4),
    )
        .prop_map(
            |(npi, role, taxonomy, concurrent_cases, documented, induction, time_blocks)| {
                pb::Provider {
                    npi,
                    role,
                    taxonomy,
                    concurrent_cases: concurrent_cases % 8,
                    medical_direction_documented: documented,
                    present_at_induction: induction,
                    time_blocks,
                }
            },
        )
}

fn ancillary() -> impl Strategy<Value = pb::AncillaryProcedure> {
    (text(), text(), any::<[bool; 4]>()).prop_map(|(cpt, performed_by_npi, flags)| {
        pb::AncillaryProcedure {
            cpt,
            performed_by_npi,
            ultrasound_guided: flags[0],
            surgeon_requested_postop_pain: flags[1],
            primary_anesthetic: flags[2],
            emergency: flags[3],
        }
    })
}

fn record() -> impl Strategy<Value = pb::CaseRecord> {
    let header = (
        text(),
        any::<u64>(),
        text(),
        text(),
        prop::option::of((text(), -1i32..5)),
        -1i32..6,
        blocks(over(limits::TIME_BLOCKS)),
    );
    let lists = (
        prop::collection::vec(procedure(), 0..over(limits::PROCEDURES)),
        prop::collection::vec(text(), 0..over(limits::DIAGNOSES)),
        -1i32..9,
        prop::collection::vec(provider(), 0..6),
        prop::collection::vec(ancillary(), 0..over(limits::ANCILLARY_PROCEDURES)),
    );
    let rest = (
        any::<[bool; 5]>(),
        text(),
        prop::option::of((text(), text(), text())),
    );
    (header, lists, rest).prop_map(
        |(
            (
                case_id,
                revision,
                facility_id,
                date_of_service,
                patient,
                anesthesia_type,
                time_blocks,
            ),
            (procedures, diagnoses, physical_status, providers, ancillary_procedures),
            (flags, place_of_service, payer),
        )| pb::CaseRecord {
            case_id,
            revision,
            facility_id,
            date_of_service,
            patient: patient.map(|(birth_date, sex)| pb::Patient { birth_date, sex }),
            anesthesia_type,
            time_blocks,
            procedures,
            diagnoses,
            physical_status,
            emergency: flags[0],
            providers,
            total_body_hypothermia: flags[1],
            controlled_hypotension: flags[2],
            mac_deep_complex: flags[3],
            mac_severe_cardiopulmonary_history: flags[4],
            ancillary_procedures,
            place_of_service,
            payer: payer.map(|(profile, plan_id, locality)| pb::Payer {
                profile,
                plan_id,
                locality,
            }),
        },
    )
}

fn over_any_list_limit(record: &pb::CaseRecord) -> bool {
    record.time_blocks.len() > limits::TIME_BLOCKS.max
        || record.procedures.len() > limits::PROCEDURES.max
        || record.diagnoses.len() > limits::DIAGNOSES.max
        || record.ancillary_procedures.len() > limits::ANCILLARY_PROCEDURES.max
}

fn check_record(record: pb::CaseRecord) -> Result<(), TestCaseError> {
    let (runtime, server) = server();
    let expected_id = if record.case_id.len() <= limits::IDENTIFIER_BYTES.max {
        record.case_id.clone()
    } else {
        String::new()
    };
    let over = over_any_list_limit(&record);
    let decision = runtime.block_on(server.code(record));
    prop_assert_eq!(&decision.case_id, &expected_id);
    prop_assert!(decision.findings.len() <= limits::MAX_FINDINGS + 1);
    prop_assert!(
        decision.encoded_len() < MAX_DECISION_BYTES,
        "{} bytes",
        decision.encoded_len()
    );
    if over {
        prop_assert_eq!(decision.status(), pb::DecisionStatus::Rejected);
        prop_assert!(
            decision
                .findings
                .iter()
                .all(|f| f.rule_id == "RECORD_LIMIT_EXCEEDED")
        );
    }
    Ok(())
}

fn check_bytes(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let (runtime, server) = server();
    let answer = runtime.block_on(raw::unary::<pb::CodeCaseResponse>(
        server.channel(),
        "/anescode.v1.AnesthesiaCoding/CodeCase",
        bytes.clone(),
    ));
    let decodes = pb::CodeCaseRequest::decode(bytes.as_slice());
    match answer {
        Ok(response) => {
            let decision = response.decision.expect("a decision");
            prop_assert!(decision.encoded_len() < MAX_DECISION_BYTES);
            if decodes.is_err() {
                // Lists over their limits are counted before decoding, so such a
                // record is refused for them even if it is damaged elsewhere.
                prop_assert_eq!(decision.status(), pb::DecisionStatus::Rejected);
                prop_assert!(
                    decision
                        .findings
                        .iter()
                        .all(|f| f.rule_id == "RECORD_LIMIT_EXCEEDED")
                );
            }
        }
        Err(status) => match status.code() {
            Code::InvalidArgument => prop_assert!(
                decodes.is_err() || decodes.as_ref().is_ok_and(|r| r.case_record.is_none()),
                "{status:?}"
            ),
            other => prop_assert!(false, "{other:?}: {}", status.message()),
        },
    }
    Ok(())
}

/// Bytes that are mostly a valid request with some damage: a real record,
/// then bytes flipped, cut or appended.
fn damaged_request() -> impl Strategy<Value = Vec<u8>> {
    (
        record(),
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        any::<usize>(),
    )
        .prop_map(|(record, flips, cut)| {
            let mut bytes = pb::CodeCaseRequest {
                case_record: Some(record),
                ..Default::default()
            }
            .encode_to_vec();
            for (at, byte) in flips {
                if !bytes.is_empty() {
                    let i = at % bytes.len();
                    bytes[i] = byte;
                }
            }
            if cut % 3 == 0 && !bytes.is_empty() {
                bytes.truncate(cut % bytes.len());
            }
            bytes
        })
}

proptest! {
    #![proptest_config(config(SHORT_CASES))]

    #[test]
    fn any_wire_record_gets_a_bounded_decision(record in record()) {
        check_record(record)?;
    }

    #[test]
    fn any_bytes_get_a_decision_or_invalid_argument(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_bytes(bytes)?;
    }

    #[test]
    fn damaged_requests_get_a_decision_or_invalid_argument(bytes in damaged_request()) {
        check_bytes(bytes)?;
    }
}

proptest! {
    #![proptest_config(config(LONG_CASES))]

    #[test]
    #[ignore = "long fuzzing run; see the module documentation"]
    fn long_any_wire_record_gets_a_bounded_decision(record in record()) {
        check_record(record)?;
    }

    #[test]
    #[ignore = "long fuzzing run; see the module documentation"]
    fn long_damaged_requests_get_a_decision_or_invalid_argument(bytes in damaged_request()) {
        check_bytes(bytes)?;
    }
}
