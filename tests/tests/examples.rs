//! Every file in examples/ is valid proto3 JSON for CodeCase (as grpcurl -d @ takes
//! it) and is coded as documented in the README.

use anescode_codes::{BaseUnitSchedule, Catalog, Crosswalk};
use anescode_server::pb;
use anescode_tests::{TestServer, example_path, example_request};

async fn decide(server: &TestServer, name: &str) -> pb::CodingDecision {
    server.code_request(example_request(name)).await
}

#[tokio::test]
async fn seed_scenarios_are_coded() {
    let server = TestServer::start().await;
    let expected = [
        (
            "00402-reconstructive-breast.json",
            "EX-00402-0001",
            "00402",
            95,
        ),
        (
            "00406-radical-breast-internal-mammary.json",
            "EX-00406-0001",
            "00406",
            255,
        ),
        (
            "00300-posterior-trunk-skin.json",
            "EX-00300-0001",
            "00300",
            44,
        ),
        ("00620-thoracic-spine.json", "EX-00620-0001", "00620", 192),
        (
            "00632-lumbar-sympathectomy.json",
            "EX-00632-0001",
            "00632",
            70,
        ),
    ];
    for (file, case_id, code, minutes) in expected {
        let decision = decide(&server, file).await;
        assert_eq!(decision.case_id, case_id, "{file}");
        assert_eq!(
            decision.status(),
            pb::DecisionStatus::Coded,
            "{file}: {:?}",
            decision.findings
        );
        assert_eq!(decision.anesthesia_code, code, "{file}");
        assert_eq!(decision.total_minutes, minutes, "{file}");
    }
    // Without a crosswalk a surgical code alone cannot be coded.
    let decision = decide(&server, "00402-by-surgical-cpt.json").await;
    assert_eq!(decision.status(), pb::DecisionStatus::Rejected);
    assert_eq!(decision.findings[0].rule_id, "CROSSWALK_NOT_LOADED");
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn surgical_code_example_is_coded_with_the_example_crosswalk() {
    let crosswalk = Crosswalk::from_file(&example_path("crosswalk.csv")).expect("loads");
    let catalog = Catalog::new(BaseUnitSchedule::embedded(), Some(crosswalk)).expect("catalog");
    let server = TestServer::start_with(catalog).await;
    let decision = decide(&server, "00402-by-surgical-cpt.json").await;
    assert_eq!(
        decision.status(),
        pb::DecisionStatus::Coded,
        "{:?}",
        decision.findings
    );
    assert_eq!(decision.anesthesia_code, "00402");
    server.stop().await.expect("clean stop");
}
