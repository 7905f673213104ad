//! Hostile and oversized input end to end: every attack gets a quick, specific
//! answer (a REJECTED decision with one finding, or a gRPC status naming the
//! limit), and the server stays healthy.

use std::time::Duration;

use anescode_codes::Catalog;
use anescode_server::ServeOptions;
use anescode_server::pb;
use anescode_server::transport::TransportLimits;
use anescode_tests::{TestServer, coder, finding_keys, raw, seed_00402, test_options};
use anescode_validation::PayerProfiles;
use futures_util::StreamExt;
use prost::Message;
use tokio::io::AsyncReadExt;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;

async fn start_with(limits: TransportLimits) -> TestServer {
    TestServer::start_serving(
        coder(Catalog::embedded(), PayerProfiles::embedded()),
        ServeOptions {
            limits,
            ..test_options()
        },
        None,
    )
    .await
}

fn only_finding(decision: &pb::CodingDecision) -> (String, pb::Severity, String) {
    let keys = finding_keys(decision);
    assert_eq!(keys.len(), 1, "{keys:?}");
    keys[0].clone()
}

#[tokio::test]
async fn twenty_thousand_diagnoses_get_one_finding() {
    let server = TestServer::start().await;
    let mut record = seed_00402("BIG-DX");
    record.diagnoses = (0..20_000)
        .map(|i| format!("S72.{:03}A", i % 1000))
        .collect();
    let decision = server.code(record).await;
    assert_eq!(decision.status(), pb::DecisionStatus::Rejected);
    assert_eq!(decision.case_id, "BIG-DX");
    assert_eq!(
        only_finding(&decision),
        (
            "RECORD_LIMIT_EXCEEDED".to_owned(),
            pb::Severity::Error,
            "diagnoses".to_owned()
        )
    );
    assert_eq!(
        decision.findings[0].message,
        "the record has 20000 diagnoses; at most 25 are accepted (an 837P claim carries 12 diagnosis codes and an 837I 25 (the principal and 24 others))"
    );
    assert!(decision.lines.is_empty() && decision.diagnoses.is_empty());
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn a_million_empty_ancillary_procedures_get_one_finding() {
    let server = TestServer::start().await;
    let mut record = seed_00402("BIG-ANC");
    record.ancillary_procedures = vec![pb::AncillaryProcedure::default(); 1_000_000];
    let decision = server.code(record).await;
    assert_eq!(
        only_finding(&decision),
        (
            "RECORD_LIMIT_EXCEEDED".to_owned(),
            pb::Severity::Error,
            "ancillary_procedures".to_owned()
        )
    );
    assert!(
        decision.encoded_len() < 1024,
        "{} bytes",
        decision.encoded_len()
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn a_long_case_id_is_not_echoed() {
    let server = TestServer::start().await;
    let record = seed_00402(&"X\n".repeat(500_000));
    let decision = server.code(record).await;
    assert_eq!(decision.case_id, "");
    assert_eq!(only_finding(&decision).2, "case_id");
    assert_eq!(
        decision.findings[0].message,
        "case_id is 1000000 bytes; at most 128 are accepted (the longest such value in X12 (an 837P reference identifier) is 50 characters)"
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn findings_past_the_cap_are_counted() {
    let server = TestServer::start().await;
    let mut record = seed_00402("MANY-FINDINGS");
    // 30 procedures × 50 blocks with neither start nor end: 3,000 findings.
    record.procedures = vec![
        pb::Procedure {
            anesthesia_code: "00402".into(),
            time_blocks: vec![pb::TimeBlock::default(); 50],
            ..Default::default()
        };
        30
    ];
    let decision = server.code(record).await;
    assert_eq!(decision.status(), pb::DecisionStatus::Rejected);
    assert_eq!(decision.findings.len(), 201);
    let last = decision.findings.last().expect("a last finding");
    assert_eq!(last.rule_id, "FINDINGS_TRUNCATED");
    assert!(
        last.message.ends_with(
            " more findings were left out: a decision reports at most 200; the status counts them all"
        ),
        "{}",
        last.message
    );
    assert!(
        decision.encoded_len() < 256 * 1024,
        "{} bytes",
        decision.encoded_len()
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn an_oversized_message_is_resource_exhausted_with_the_limit() {
    let server = start_with(TransportLimits {
        max_message_bytes: 64 * 1024,
        ..TransportLimits::default()
    })
    .await;
    let mut record = seed_00402("HUGE");
    record.procedures[0].description = "d".repeat(100 * 1024);
    let request = pb::CodeCaseRequest {
        case_record: Some(record.clone()),
        ..Default::default()
    };
    let status = raw::unary::<pb::CodeCaseResponse>(
        server.channel(),
        "/anescode.v1.AnesthesiaCoding/CodeCase",
        request.encode_to_vec(),
    )
    .await
    .expect_err("too large");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(
        status.message(),
        "the message is larger than this server's limit of 65536 bytes (--max-message-bytes)"
    );

    let message = pb::CodeCasesRequest {
        item: Some(pb::code_cases_request::Item::CaseRecord(record)),
        ..Default::default()
    };
    let mut answers = raw::streaming::<pb::CodeCasesResponse>(
        server.channel(),
        "/anescode.v1.AnesthesiaCoding/CodeCases",
        tokio_stream::iter([message.encode_to_vec()]),
    )
    .await
    .expect("the stream opens");
    let status = answers
        .next()
        .await
        .expect("an answer")
        .expect_err("too large");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn an_undecodable_unary_request_is_invalid_argument() {
    let server = TestServer::start().await;
    // Field 1 (case_record, length-delimited) claiming 100 bytes that are not there.
    let status = raw::unary::<pb::CodeCaseResponse>(
        server.channel(),
        "/anescode.v1.AnesthesiaCoding/CodeCase",
        vec![0x0a, 0x64, 0x01],
    )
    .await
    .expect_err("undecodable");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .starts_with("the request is not a valid protobuf message of its type: "),
        "{}",
        status.message()
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn errors_quote_only_a_short_escaped_prefix() {
    let server = TestServer::start().await;
    let mut catalog = server.catalog();
    let status = catalog
        .get_code(pb::GetCodeRequest {
            code: "9".repeat(20_000),
        })
        .await
        .expect_err("not a code");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        format!(
            "code \"{}\"… (20000 bytes): a code has five characters, this one has 20000",
            "9".repeat(32)
        )
    );
    let status = catalog
        .get_diagnosis(pb::GetDiagnosisRequest {
            code: "\u{1b}[31m".repeat(1000),
            ..Default::default()
        })
        .await
        .expect_err("not a diagnosis");
    assert!(status.message().len() < 300, "{}", status.message());
    assert!(!status.message().contains('\u{1b}'));

    let status = catalog
        .search_diagnoses(pb::SearchDiagnosesRequest {
            query: "e ".repeat(50_000),
            ..Default::default()
        })
        .await
        .expect_err("too long");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "the query is 100000 bytes; at most 200 are accepted"
    );
    let status = catalog
        .search_codes(pb::SearchCodesRequest {
            query: "a b c d e f g h i".into(),
            ..Default::default()
        })
        .await
        .expect_err("too many words");
    assert_eq!(
        status.message(),
        "the query has 9 distinct words; at most 8 are accepted"
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn calls_beyond_the_in_flight_limit_are_shed_and_health_still_answers() {
    let server = start_with(TransportLimits {
        max_in_flight: 1,
        ..TransportLimits::default()
    })
    .await;
    // An open stream holds the only slot for its whole life.
    let (hold, held) = tokio::sync::mpsc::channel::<pb::CodeCasesRequest>(1);
    let mut stream = server
        .coding()
        .code_cases(tokio_stream::wrappers::ReceiverStream::new(held))
        .await
        .expect("the stream opens")
        .into_inner();
    hold.send(pb::CodeCasesRequest {
        item: Some(pb::code_cases_request::Item::CaseRecord(seed_00402("HELD"))),
        ..Default::default()
    })
    .await
    .expect("send");
    let first = stream.next().await.expect("answer").expect("decision");
    assert_eq!(first.decision.expect("decision").case_id, "HELD");

    let status = server
        .coding()
        .code_case(pb::CodeCaseRequest {
            case_record: Some(seed_00402("SHED")),
            ..Default::default()
        })
        .await
        .expect_err("shed");
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(
        status.message(),
        "the server has 1 calls in flight, its limit (--max-in-flight); retry with backoff"
    );
    let health = server
        .health()
        .check(HealthCheckRequest {
            service: "anescode.v1.AnesthesiaCoding".into(),
        })
        .await
        .expect("health is exempt from the limit");
    assert_eq!(health.into_inner().status, 1);

    drop(hold);
    assert!(stream.next().await.is_none());
    // The slot is free again once the server has finished the stream's answer,
    // which may be a moment after the client saw its end: retry for up to a second.
    let mut coded = None;
    for _ in 0..100 {
        match server
            .coding()
            .code_case(pb::CodeCaseRequest {
                case_record: Some(seed_00402("AFTER")),
                ..Default::default()
            })
            .await
        {
            Ok(answer) => {
                coded = answer.into_inner().decision;
                break;
            }
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    assert_eq!(
        coded.expect("served once the stream ended").case_id,
        "AFTER"
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let server = start_with(TransportLimits {
        idle_timeout_secs: 1,
        ..TransportLimits::default()
    })
    .await;
    let mut silent = tokio::net::TcpStream::connect(server.address)
        .await
        .expect("connect");
    let mut buffer = Vec::new();
    // The server writes its HTTP/2 settings, then closes: read to the end.
    let read = tokio::time::timeout(Duration::from_secs(30), silent.read_to_end(&mut buffer))
        .await
        .expect("the server closed the silent connection");
    assert!(read.is_ok(), "{read:?}");
    server.stop().await.expect("clean stop");
}
