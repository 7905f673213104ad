//! Health: NOT_SERVING while the catalog loads, SERVING when ready, NOT_SERVING
//! while draining; coding answers UNAVAILABLE before it is ready.

use anescode_codes::Catalog;
use anescode_server::pb;
use anescode_tests::{TestServer, coder, seed_00402};
use anescode_validation::PayerProfiles;
use futures_util::StreamExt;
use tokio::sync::oneshot;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;

async fn check(server: &TestServer, service: &str) -> ServingStatus {
    server
        .health()
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .expect("health check")
        .into_inner()
        .status()
}

#[tokio::test]
async fn health_follows_loading_serving_and_draining() {
    let (release, gate) = oneshot::channel::<()>();
    let mut server = TestServer::start_loading(async move {
        let _ = gate.await;
        Ok(coder(Catalog::embedded(), PayerProfiles::embedded()))
    })
    .await;

    for service in ["", pb::ANESTHESIA_CODING_SERVICE, pb::CODE_CATALOG_SERVICE] {
        assert_eq!(
            check(&server, service).await,
            ServingStatus::NotServing,
            "{service:?}"
        );
    }
    let early = server
        .coding()
        .code_case(pb::CodeCaseRequest {
            case_record: Some(seed_00402("EARLY")),
            ..Default::default()
        })
        .await
        .expect_err("not ready");
    assert_eq!(early.code(), tonic::Code::Unavailable);

    let mut watch = server
        .health()
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("watch")
        .into_inner();
    let mut next = async || watch.next().await.expect("update").expect("ok").status();
    assert_eq!(next().await, ServingStatus::NotServing);

    release.send(()).expect("loader waiting");
    assert_eq!(next().await, ServingStatus::Serving);
    assert_eq!(
        check(&server, pb::ANESTHESIA_CODING_SERVICE).await,
        ServingStatus::Serving
    );
    let decision = server.code(seed_00402("READY")).await;
    assert_eq!(decision.status(), pb::DecisionStatus::Coded);

    server.request_shutdown();
    assert_eq!(next().await, ServingStatus::NotServing);
    drop(watch);
    server.stop().await.expect("drains and stops");
}

#[tokio::test]
async fn unknown_service_name_is_not_found() {
    let server = TestServer::start().await;
    let status = server
        .health()
        .check(HealthCheckRequest {
            service: "anescode.v1.Nope".to_owned(),
        })
        .await
        .expect_err("unknown service");
    assert_eq!(status.code(), tonic::Code::NotFound);
    server.stop().await.expect("clean stop");
}
