//! Every file in examples/ is valid proto3 JSON for CodeCase (as grpcurl -d @ takes
//! it) and is coded as documented in the README.

use anescode_codes::{BaseUnitSchedule, Catalog, Crosswalk};
use anescode_server::pb;
use anescode_tests::{TestServer, example_path, example_request};

async fn decide(server: &TestServer, name: &str) -> pb::CodingDecision {
    server.code_request(example_request(name)).await
}

/// A line as "CODE-MODIFIERS npi minutes total percent $amount".
fn line_text(line: &pb::ClaimLine) -> String {
    let modifiers: String = line.modifiers.iter().map(|m| format!("-{m}")).collect();
    format!(
        "{}{modifiers} {} {}m {} {}% ${}",
        line.code,
        line.provider_npi,
        line.minutes,
        line.total_units,
        line.payment_percent,
        line.allowed_amount
    )
}

#[tokio::test]
async fn seed_scenarios_are_coded() {
    let server = TestServer::start().await;
    let expected: [(&str, &str, &str, u32, &[&str]); 5] = [
        (
            "00402-reconstructive-breast.json",
            "EX-00402-0001",
            "00402",
            95,
            &["00402-AA-P3 1234567893 95m 11.3 100% $231.62"],
        ),
        (
            "00406-radical-breast-internal-mammary.json",
            "EX-00406-0001",
            "00406",
            255,
            &[
                "00406-QK-P3 1987654328 255m 30.0 50% $307.46",
                "00406-QX-P3 1456789019 255m 30.0 50% $307.46",
                "36620 1987654328 0m 1.0 100% $",
            ],
        ),
        (
            "00300-posterior-trunk-skin.json",
            "EX-00300-0001",
            "00300",
            44,
            // commercial-asa has no conversion factor until the operator gives one.
            &["00300-QZ-QS-P2 1678901236 44m 7.9 100% $"],
        ),
        (
            "00620-thoracic-spine.json",
            "EX-00620-0001",
            "00620",
            192,
            &[
                "00620-QY-P2 1122334455 192m 22.8 50% $233.67",
                "00620-QX-P2 1456789019 192m 22.8 50% $233.67",
            ],
        ),
        (
            "00632-lumbar-sympathectomy.json",
            "EX-00632-0001",
            "00632",
            70,
            // The patient is 76: 99100 is reported, Medicare pays it no units.
            &[
                "00632-QK-QS-G9-P3 1122334455 70m 11.7 50% $119.91",
                "99100 1122334455 0m 0.0 50% $0.00",
                "00632-QX-QS-G9-P3 1200000010 70m 11.7 50% $119.91",
                "99100 1200000010 0m 0.0 50% $0.00",
            ],
        ),
    ];
    for (file, case_id, code, minutes, lines) in expected {
        let decision = decide(&server, file).await;
        assert_eq!(decision.case_id, case_id, "{file}");
        // Seed 002's diagnoses (glottis carcinoma, tracheostomy) do not support a
        // breast procedure: the one warning of the seeds.
        let (status, rules) = if code == "00406" {
            (
                pb::DecisionStatus::NeedsReview,
                vec!["DIAGNOSIS_DOES_NOT_SUPPORT_PROCEDURE"],
            )
        } else {
            (pb::DecisionStatus::Coded, Vec::new())
        };
        let warned: Vec<&str> = decision
            .findings
            .iter()
            .filter(|f| f.severity() != pb::Severity::Info)
            .map(|f| f.rule_id.as_str())
            .collect();
        assert_eq!(warned, rules, "{file}");
        assert_eq!(decision.status(), status, "{file}");
        assert_eq!(decision.anesthesia_code, code, "{file}");
        assert_eq!(decision.total_minutes, minutes, "{file}");
        let actual: Vec<String> = decision.lines.iter().map(line_text).collect();
        assert_eq!(actual, lines, "{file}");
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
