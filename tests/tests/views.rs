//! Decision views: the lean view answers what a machine acts on, the full view
//! (the default) everything, per request and per stream message.

use anescode_server::pb;
use anescode_tests::{TestServer, seed_00402};
use futures_util::StreamExt;

/// The full decision trimmed by hand to the lean view's contents, independently
/// of the server's trimming.
fn lean_by_hand(mut full: pb::CodingDecision) -> pb::CodingDecision {
    full.rationale.clear();
    full.figures.clear();
    full.catalog_version.clear();
    full.icd10cm_release.clear();
    full.diagnoses
        .iter_mut()
        .for_each(|d| d.description.clear());
    full.findings.iter_mut().for_each(|f| f.reference.clear());
    full
}

async fn code(
    server: &TestServer,
    record: pb::CaseRecord,
    view: pb::DecisionView,
) -> pb::CodingDecision {
    server
        .coding()
        .code_case(pb::CodeCaseRequest {
            case_record: Some(record),
            view: view.into(),
        })
        .await
        .expect("CodeCase")
        .into_inner()
        .decision
        .expect("a decision")
}

#[tokio::test]
async fn the_lean_view_keeps_what_a_machine_acts_on() {
    let server = TestServer::start().await;
    let mut record = seed_00402("V-1");
    // A diagnosis that needs review, so there is a finding to trim.
    record.diagnoses.push("Z99.999".to_owned());
    let full = code(&server, record.clone(), pb::DecisionView::Unspecified).await;
    assert!(!full.rationale.is_empty() && !full.figures.is_empty());
    assert!(!full.findings.is_empty() && !full.findings[0].reference.is_empty());
    assert_eq!(
        code(&server, record.clone(), pb::DecisionView::Full).await,
        full
    );
    let lean = code(&server, record, pb::DecisionView::Lean).await;
    assert_eq!(lean, lean_by_hand(full.clone()));
    assert_eq!(lean.lines, full.lines);
    assert_eq!(lean.diagnoses[0].code, "N62");
    assert!(lean.diagnoses[0].billable);
    // The saving on the wire.
    use prost::Message;
    assert!(
        lean.encoded_len() * 2 < full.encoded_len(),
        "{} vs {}",
        lean.encoded_len(),
        full.encoded_len()
    );
}

#[tokio::test]
async fn each_stream_message_gets_its_own_view() {
    let server = TestServer::start().await;
    let messages = [
        pb::DecisionView::Lean,
        pb::DecisionView::Unspecified,
        pb::DecisionView::Lean,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, view)| pb::CodeCasesRequest {
        item: Some(pb::code_cases_request::Item::CaseRecord(seed_00402(
            &format!("S-{i}"),
        ))),
        view: view.into(),
    });
    let answers: Vec<pb::CodingDecision> = server
        .coding()
        .code_cases(futures_util::stream::iter(messages))
        .await
        .expect("CodeCases")
        .into_inner()
        .map(|r| r.expect("answer").decision.expect("decision"))
        .collect()
        .await;
    let rationales: Vec<bool> = answers.iter().map(|d| d.rationale.is_empty()).collect();
    assert_eq!(rationales, [true, false, true]);
    assert_eq!(
        answers[0],
        lean_by_hand(pb::CodingDecision {
            case_id: "S-0".to_owned(),
            ..answers[1].clone()
        })
    );
}
