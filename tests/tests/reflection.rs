//! Server reflection v1 and v1alpha: both list every service and serve every file
//! a JSON client needs, google.protobuf.Timestamp included.

use anescode_tests::TestServer;
use futures_util::StreamExt;
use prost::Message;
use tonic_reflection::pb::{v1, v1alpha};

const SERVICES: [&str; 6] = [
    "anescode.v1.AnesthesiaCoding",
    "anescode.v1.CaseLedger",
    "anescode.v1.CodeCatalog",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

async fn ask_v1(
    server: &TestServer,
    request: v1::server_reflection_request::MessageRequest,
) -> v1::server_reflection_response::MessageResponse {
    let mut client = v1::server_reflection_client::ServerReflectionClient::new(server.channel());
    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1")
        .into_inner();
    responses
        .next()
        .await
        .expect("one answer")
        .expect("ok")
        .message_response
        .expect("response")
}

/// The names of the files a v1 FileDescriptorResponse carries.
async fn v1_file_names(
    server: &TestServer,
    request: v1::server_reflection_request::MessageRequest,
) -> Vec<String> {
    let response = ask_v1(server, request).await;
    let v1::server_reflection_response::MessageResponse::FileDescriptorResponse(files) = response
    else {
        panic!("unexpected {response:?}");
    };
    files
        .file_descriptor_proto
        .iter()
        .map(|bytes| {
            prost_types::FileDescriptorProto::decode(bytes.as_slice())
                .expect("decodes")
                .name()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn v1_lists_every_anescode_service() {
    let server = TestServer::start().await;
    let response = ask_v1(
        &server,
        v1::server_reflection_request::MessageRequest::ListServices(String::new()),
    )
    .await;
    let v1::server_reflection_response::MessageResponse::ListServicesResponse(list) = response
    else {
        panic!("unexpected {response:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(names, SERVICES);
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn v1_serves_the_timestamp_file_and_documented_symbols() {
    let server = TestServer::start().await;
    let names = v1_file_names(
        &server,
        v1::server_reflection_request::MessageRequest::FileByFilename(
            "google/protobuf/timestamp.proto".into(),
        ),
    )
    .await;
    assert_eq!(
        names.first().map(String::as_str),
        Some("google/protobuf/timestamp.proto")
    );
    let names = v1_file_names(
        &server,
        v1::server_reflection_request::MessageRequest::FileContainingSymbol(
            "anescode.v1.AnesthesiaCoding".into(),
        ),
    )
    .await;
    assert!(
        names.contains(&"anescode/v1/coding_service.proto".to_owned()),
        "{names:?}"
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn v1alpha_lists_every_anescode_service() {
    let server = TestServer::start().await;
    let mut client =
        v1alpha::server_reflection_client::ServerReflectionClient::new(server.channel());
    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1alpha")
        .into_inner();
    let response = responses
        .next()
        .await
        .expect("answer")
        .expect("ok")
        .message_response
        .expect("response");
    let v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list) = response
    else {
        panic!("unexpected {response:?}");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(names, SERVICES);
    server.stop().await.expect("clean stop");
}
