//! The Prometheus endpoint, scraped after real calls: exact counts per method
//! and code, per decision status and per finding rule.

use anescode_server::{pb, telemetry};
use anescode_tests::{TestServer, seed_00402};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn scrape(address: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .expect("send");
    let mut text = String::new();
    stream.read_to_string(&mut text).await.expect("read");
    text
}

#[tokio::test]
async fn the_metrics_endpoint_counts_calls_decisions_and_findings() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let metrics = listener.local_addr().expect("address");
    telemetry::serve_metrics(listener).expect("metrics start");
    let server = TestServer::start().await;

    server.code(seed_00402("M-1")).await;
    let mut bad = seed_00402("M-2");
    bad.date_of_service = "2026-02-30".into();
    server.code(bad).await;
    let refused = server
        .catalog()
        .get_code(pb::GetCodeRequest { code: "x".into() })
        .await;
    assert!(refused.is_err());

    let text = scrape(metrics, "/metrics").await;
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    for line in [
        "anescode_requests_total{method=\"anescode.v1.AnesthesiaCoding/CodeCase\",code=\"OK\"} 2",
        "anescode_requests_total{method=\"anescode.v1.CodeCatalog/GetCode\",code=\"INVALID_ARGUMENT\"} 1",
        "anescode_decisions_total{status=\"CODED\"} 1",
        "anescode_decisions_total{status=\"REJECTED\"} 1",
        "anescode_findings_total{rule=\"DATE_OF_SERVICE_INVALID\"} 1",
        "anescode_refused_total{reason=\"invalid_argument\"} 1",
        // Registered when the endpoint starts: listed before any such finding.
        "anescode_findings_total{rule=\"REVISION_CONFLICT\"} 0",
        "anescode_decisions_total{status=\"NEEDS_REVIEW\"} 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in\n{text}"
        );
    }
    assert!(
        text.lines().any(|l| l.starts_with(
            "anescode_request_duration_seconds_bucket{method=\"anescode.v1.AnesthesiaCoding/CodeCase\",code=\"OK\",le=\"0.1\"} 2"
        )),
        "{text}"
    );
    let open = text
        .lines()
        .find_map(|l| l.strip_prefix("anescode_open_connections "))
        .expect("open connections gauge");
    assert!(open.parse::<f64>().expect("a number") >= 1.0, "{open}");
    assert!(text.contains("anescode_open_calls "), "{text}");

    let missing = scrape(metrics, "/other").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    server.stop().await.expect("clean stop");
}
