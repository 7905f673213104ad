//! Client tokens end to end: a token accepted, one refused, one out of its
//! facilities; health exempt; reflection closable.

use anescode_codes::Catalog;
use anescode_server::ServeOptions;
use anescode_server::auth::Tokens;
use anescode_server::pb;
use anescode_tests::{TestServer, coder, seed_00402, test_options};
use anescode_validation::PayerProfiles;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;

const MAIN_TOKEN: &str = "token-for-main-only-7f3a";
const ANY_TOKEN: &str = "token-for-every-facility-91c2";

fn tokens_file(tag: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("anescode-tokens-{tag}-{}.toml", std::process::id()));
    let sha = |t: &str| hex::encode(Sha256::digest(t.as_bytes()));
    std::fs::write(
        &path,
        format!(
            "[[client]]\nname = \"or-scheduler\"\ntoken_sha256 = \"{}\"\nfacilities = [\"MAIN-OR\"]\n\n[[client]]\nname = \"billing\"\ntoken_sha256 = \"{}\"\n",
            sha(MAIN_TOKEN),
            sha(ANY_TOKEN)
        ),
    )
    .expect("write tokens");
    path
}

async fn start(tag: &str, reflection: bool) -> TestServer {
    let path = tokens_file(tag);
    let tokens = Tokens::from_file(&path).expect("tokens load");
    std::fs::remove_file(&path).ok();
    TestServer::start_serving(
        coder(Catalog::embedded(), PayerProfiles::embedded()),
        ServeOptions {
            tokens: Some(tokens),
            reflection,
            ..test_options()
        },
        None,
    )
    .await
}

fn with_token<T>(message: T, token: Option<&str>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(token) = token {
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("ASCII header"),
        );
    }
    request
}

fn case(facility: &str) -> pb::CodeCaseRequest {
    let mut record = seed_00402("AUTH-1");
    record.facility_id = facility.to_owned();
    pb::CodeCaseRequest {
        case_record: Some(record),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_token_is_accepted_refused_or_kept_to_its_facilities() {
    let server = start("calls", true).await;
    let mut coding = server.coding();

    let decision = coding
        .code_case(with_token(case("MAIN-OR"), Some(MAIN_TOKEN)))
        .await
        .expect("a valid token is served")
        .into_inner()
        .decision
        .expect("a decision");
    assert_eq!(decision.status(), pb::DecisionStatus::Coded);

    for token in [None, Some("not-a-token"), Some("")] {
        let status = coding
            .code_case(with_token(case("MAIN-OR"), token))
            .await
            .expect_err("refused");
        assert_eq!(
            status.code(),
            Code::Unauthenticated,
            "{token:?}: {status:?}"
        );
        assert_eq!(
            status.message(),
            "a valid client token is required: send the metadata authorization: Bearer <token>"
        );
    }
    let status = server
        .catalog()
        .get_code(with_token(
            pb::GetCodeRequest {
                code: "00402".into(),
            },
            None,
        ))
        .await
        .expect_err("catalog needs a token too");
    assert_eq!(status.code(), Code::Unauthenticated);

    let status = coding
        .code_case(with_token(case("EAST-OR"), Some(MAIN_TOKEN)))
        .await
        .expect_err("outside its facilities");
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(
        status.message(),
        "client \"or-scheduler\" may not send records of facility \"EAST-OR\""
    );
    let east = coding
        .code_case(with_token(case("EAST-OR"), Some(ANY_TOKEN)))
        .await
        .expect("a client without a facility list may send any");
    assert!(east.into_inner().decision.is_some());

    // Health answers without a token.
    let health = server
        .health()
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health is exempt");
    assert_eq!(health.into_inner().status, 1);
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn a_stream_ends_with_permission_denied_at_a_foreign_facility() {
    let server = start("stream", true).await;
    let messages =
        [case("MAIN-OR"), case("EAST-OR"), case("MAIN-OR")].map(|c| pb::CodeCasesRequest {
            item: c.case_record.map(pb::code_cases_request::Item::CaseRecord),
            ..Default::default()
        });
    let mut answers = server
        .coding()
        .code_cases(with_token(
            tokio_stream::iter(messages.to_vec()),
            Some(MAIN_TOKEN),
        ))
        .await
        .expect("stream opens")
        .into_inner();
    let first = answers
        .next()
        .await
        .expect("first answer")
        .expect("decision");
    assert_eq!(first.decision.expect("decision").case_id, "AUTH-1");
    let second = answers
        .next()
        .await
        .expect("second answer")
        .expect_err("refused");
    assert_eq!(second.code(), Code::PermissionDenied);
    assert!(answers.next().await.is_none(), "the stream ends there");
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn reflection_can_be_closed() {
    let server = start("reflection", false).await;
    let mut client =
        tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient::new(
            server.channel(),
        );
    let request = tonic_reflection::pb::v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            tonic_reflection::pb::v1::server_reflection_request::MessageRequest::ListServices(
                String::new(),
            ),
        ),
    };
    let status = client
        .server_reflection_info(with_token(tokio_stream::iter([request]), Some(ANY_TOKEN)))
        .await
        .expect_err("reflection is off");
    assert_eq!(status.code(), Code::Unimplemented);
    server.stop().await.expect("clean stop");
}

#[test]
fn the_example_tokens_file_loads() {
    let tokens = Tokens::from_file(&anescode_tests::example_path("auth-tokens.toml"))
        .expect("examples/auth-tokens.toml loads");
    assert_eq!(tokens.len(), 2);
}
