//! CodeCases: one decision per record, in order; bad records never end the stream.

use anescode_server::pb;
use anescode_tests::{TestServer, finding_keys, seed_00402};
use futures_util::StreamExt;

const RECORDS: usize = 5_000;
const MALFORMED_AT: usize = 2_500;
const EMPTY_AT: usize = 3_700;

fn message(i: usize) -> pb::CodeCasesRequest {
    if i == EMPTY_AT {
        return pb::CodeCasesRequest {
            item: None,
            ..Default::default()
        };
    }
    let mut record = seed_00402(&format!("S-{i:05}"));
    record.revision = i as u64;
    if i == MALFORMED_AT {
        record.date_of_service = "2026-13-45".into();
        record.providers[0].npi = "12345".into();
        record.time_blocks[0].end = None;
    }
    pb::CodeCasesRequest {
        item: Some(pb::code_cases_request::Item::CaseRecord(record)),
        ..Default::default()
    }
}

#[tokio::test]
async fn five_thousand_records_answered_in_order_through_a_bad_one() {
    let server = TestServer::start().await;
    let requests = tokio_stream::iter((0..RECORDS).map(message));
    let mut responses = server
        .coding()
        .code_cases(requests)
        .await
        .expect("stream opens")
        .into_inner();
    let mut decisions = Vec::with_capacity(RECORDS);
    while let Some(response) = responses.next().await {
        decisions.push(
            response
                .expect("no stream error")
                .decision
                .expect("decision"),
        );
    }
    assert_eq!(decisions.len(), RECORDS);
    for (i, decision) in decisions.iter().enumerate() {
        match i {
            MALFORMED_AT => {
                assert_eq!(decision.case_id, format!("S-{i:05}"));
                assert_eq!(decision.status(), pb::DecisionStatus::Rejected);
                assert_eq!(
                    finding_keys(decision),
                    [
                        (
                            "DATE_OF_SERVICE_INVALID".into(),
                            pb::Severity::Error,
                            "date_of_service".into()
                        ),
                        (
                            "TIME_BLOCK_END_MISSING".into(),
                            pb::Severity::Error,
                            "time_blocks[0].end".into()
                        ),
                        (
                            "PROVIDER_NPI_INVALID".into(),
                            pb::Severity::Error,
                            "providers[0].npi".into()
                        ),
                    ]
                );
            }
            EMPTY_AT => {
                assert_eq!(decision.case_id, "");
                assert_eq!(decision.status(), pb::DecisionStatus::Rejected);
                assert_eq!(
                    finding_keys(decision),
                    [(
                        "STREAM_ITEM_MISSING".into(),
                        pb::Severity::Error,
                        "item".into()
                    )]
                );
            }
            _ => {
                assert_eq!(decision.case_id, format!("S-{i:05}"), "order at {i}");
                assert_eq!(decision.revision, i as u64);
                assert_eq!(decision.status(), pb::DecisionStatus::Coded, "{i}");
                assert_eq!(decision.anesthesia_code, "00402");
                assert_eq!(decision.total_minutes, 95);
            }
        }
    }
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn an_empty_stream_gets_an_empty_answer() {
    let server = TestServer::start().await;
    let mut responses = server
        .coding()
        .code_cases(tokio_stream::iter(Vec::<pb::CodeCasesRequest>::new()))
        .await
        .expect("stream opens")
        .into_inner();
    assert!(responses.next().await.is_none());
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn a_corrupt_message_is_answered_and_the_stream_goes_on() {
    use prost::Message;

    let server = TestServer::start().await;
    let mut messages: Vec<Vec<u8>> = (0..3).map(|i| message(i).encode_to_vec()).collect();
    // Field 1 (case_record, length-delimited) claiming 100 bytes that are not there.
    messages.insert(1, vec![0x0a, 0x64, 0x01]);
    let mut responses = anescode_tests::raw::streaming::<pb::CodeCasesResponse>(
        server.channel(),
        "/anescode.v1.AnesthesiaCoding/CodeCases",
        tokio_stream::iter(messages),
    )
    .await
    .expect("stream opens");
    let mut decisions = Vec::new();
    while let Some(response) = responses.next().await {
        decisions.push(
            response
                .expect("no stream error")
                .decision
                .expect("decision"),
        );
    }
    let summary: Vec<(String, pb::DecisionStatus)> = decisions
        .iter()
        .map(|d| (d.case_id.clone(), d.status()))
        .collect();
    assert_eq!(
        summary,
        [
            ("S-00000".to_owned(), pb::DecisionStatus::Coded),
            (String::new(), pb::DecisionStatus::Rejected),
            ("S-00001".to_owned(), pb::DecisionStatus::Coded),
            ("S-00002".to_owned(), pb::DecisionStatus::Coded),
        ]
    );
    assert_eq!(
        decisions[1].findings[0].rule_id,
        "STREAM_MESSAGE_UNDECODABLE"
    );
    assert!(
        decisions[1].findings[0]
            .message
            .starts_with("the stream message is not a valid anescode.v1.CodeCasesRequest ("),
        "{}",
        decisions[1].findings[0].message
    );
    server.stop().await.expect("clean stop");
}
