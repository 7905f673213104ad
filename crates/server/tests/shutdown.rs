//! The binary under SIGTERM: health turns NOT_SERVING at once and the drain
//! timeout bounds the exit even while a stream stays open.

use std::io::BufRead;
use std::process::Command;
use std::time::{Duration, Instant};

use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use futures_util::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[path = "support/binary.rs"]
mod binary;

/// How long the test gives the process to exit after SIGTERM: the 1-second drain
/// timeout and room for a loaded machine. The bound under test is the drain.
const EXIT_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test]
async fn sigterm_turns_health_off_and_the_drain_timeout_bounds_the_exit() {
    let binary::Binary {
        mut child,
        address,
        log,
    } = binary::start(&["--drain-timeout-secs", "1"], None);
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut health = HealthClient::new(channel.clone())
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("watch")
        .into_inner();
    loop {
        let status = health.next().await.expect("update").expect("status").status;
        if status == ServingStatus::Serving as i32 {
            break;
        }
    }
    // A stream the client never closes.
    let (hold, held) = tokio::sync::mpsc::channel::<pb::CodeCasesRequest>(1);
    let _open = AnesthesiaCodingClient::new(channel)
        .code_cases(tokio_stream::wrappers::ReceiverStream::new(held))
        .await
        .expect("stream opens");

    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(terminated.success());
    let signalled = Instant::now();
    let status = health.next().await.expect("update").expect("status").status;
    assert_eq!(status, ServingStatus::NotServing as i32);

    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            signalled.elapsed() < EXIT_WITHIN,
            "still running {EXIT_WITHIN:?} after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
    drop(hold);
    let rest: Vec<String> = log.lines().map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("drain timeout reached")),
        "{rest:#?}"
    );
}
