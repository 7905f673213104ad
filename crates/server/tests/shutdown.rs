//! The binary under SIGTERM: health turns NOT_SERVING at once and the drain
//! timeout bounds the exit even while a stream stays open.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use futures_util::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// How long the test gives the process to exit after SIGTERM: the 1-second drain
/// timeout and room for a loaded machine. The bound under test is the drain.
const EXIT_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test]
async fn sigterm_turns_health_off_and_the_drain_timeout_bounds_the_exit() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_anescode-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--drain-timeout-secs",
            "1",
            "--log-format",
            "json",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut log = BufReader::new(child.stderr.take().expect("stderr"));
    let address = loop {
        let mut line = String::new();
        assert!(
            log.read_line(&mut line).expect("read the log") > 0,
            "no listening line"
        );
        let event: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
        if event["fields"]["message"] == "listening" {
            break event["fields"]["address"]
                .as_str()
                .expect("address")
                .to_owned();
        }
    };
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
