//! Metrics, exposed in the Prometheus text format on their own address when
//! `--metrics-listen` is given (off by default). Labels take only values from
//! fixed sets (method names we serve, gRPC codes, statuses, rule ids), so a
//! client cannot grow the number of series.

use std::sync::OnceLock;
use std::time::Duration;

use anescode_validation::{DecisionStatus, Rule};

use http_body_util::Full;
use metrics::{Counter, counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tonic::codegen::Bytes;

/// Calls answered, by `method` and gRPC `code`.
pub const REQUESTS: &str = "anescode_requests_total";
/// Seconds from a call's headers to the end of its answer, by `method` and `code`.
pub const REQUEST_SECONDS: &str = "anescode_request_duration_seconds";
/// Coding decisions, by `status`.
pub const DECISIONS: &str = "anescode_decisions_total";
/// Findings in decisions, by `rule`.
pub const FINDINGS: &str = "anescode_findings_total";
/// Connections open now.
pub const OPEN_CONNECTIONS: &str = "anescode_open_connections";
/// Calls (streams included) in flight now.
pub const OPEN_CALLS: &str = "anescode_open_calls";
/// Calls refused before they were served, by `reason`: shed (over
/// --max-in-flight), unauthenticated, permission_denied, oversized, undecodable.
pub const REFUSED: &str = "anescode_refused_total";
/// Accept errors that were not the peer's fault (out of file descriptors).
pub const ACCEPT_ERRORS: &str = "anescode_accept_errors_total";

/// Connections that closed before any call (failed TLS handshakes, HTTP/2
/// protocol errors, probes, idle connections).
pub const CONNECTIONS_WITHOUT_CALL: &str = "anescode_connections_without_call_total";

/// Every metric, for documentation and the end-to-end test.
pub const ALL: &[&str] = &[
    CONNECTIONS_WITHOUT_CALL,
    REQUESTS,
    REQUEST_SECONDS,
    DECISIONS,
    FINDINGS,
    OPEN_CONNECTIONS,
    OPEN_CALLS,
    REFUSED,
    ACCEPT_ERRORS,
];

/// Latency buckets in seconds: coding takes microseconds, a saturated server milliseconds.
const SECONDS_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Why the metrics endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The recorder could not be built.
    #[error("cannot build the metrics recorder: {0}")]
    Build(#[from] metrics_exporter_prometheus::BuildError),
    /// Another metrics recorder is installed in this process.
    #[error("a metrics recorder is already installed in this process")]
    AlreadyInstalled,
}

/// How often histograms are folded for rendering.
const UPKEEP: Duration = Duration::from_secs(5);
/// How long a scrape may take to send its request headers.
const SCRAPE_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Installs the process-wide recorder and serves `GET /metrics` in the Prometheus
/// text format on `listener` (HTTP/1.1; any other path is 404). Call once, inside
/// the runtime; the endpoint runs until the process ends.
pub fn serve_metrics(listener: TcpListener) -> Result<(), MetricsError> {
    let recorder = PrometheusBuilder::new()
        .set_buckets(SECONDS_BUCKETS)?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|_| MetricsError::AlreadyInstalled)?;
    DECISION_COUNTERS.get_or_init(DecisionCounters::register);
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(UPKEEP);
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let handle = handle.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
                    let response = scrape(&handle, request.uri().path());
                    async move { Ok::<_, std::convert::Infallible>(response) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(SCRAPE_HEADER_TIMEOUT)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(())
}

fn scrape(handle: &PrometheusHandle, path: &str) -> hyper::Response<Full<Bytes>> {
    let (status, body) = if path == "/metrics" {
        (hyper::StatusCode::OK, handle.render())
    } else {
        (
            hyper::StatusCode::NOT_FOUND,
            "metrics are at /metrics\n".to_owned(),
        )
    };
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

/// The method label for a request path: the methods we serve by name, anything
/// else "unknown".
pub(crate) fn method_label(path: &str) -> &'static str {
    const SERVED: &[&str] = &[
        "/anescode.v1.AnesthesiaCoding/CodeCase",
        "/anescode.v1.AnesthesiaCoding/CodeCases",
        "/anescode.v1.CodeCatalog/GetCode",
        "/anescode.v1.CodeCatalog/SearchCodes",
        "/anescode.v1.CodeCatalog/GetCatalogInfo",
        "/anescode.v1.CodeCatalog/GetDiagnosis",
        "/anescode.v1.CodeCatalog/SearchDiagnoses",
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    ];
    SERVED
        .iter()
        .find(|served| **served == path)
        .map_or("unknown", |served| &served[1..])
}

/// The gRPC code's name, for labels.
pub(crate) fn code_label(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Records a finished call.
pub(crate) fn call_finished(method: &'static str, code: tonic::Code, seconds: f64) {
    let code = code_label(code);
    counter!(REQUESTS, "method" => method, "code" => code).increment(1);
    histogram!(REQUEST_SECONDS, "method" => method, "code" => code).record(seconds);
}

/// Records a refused call.
pub(crate) fn refused(reason: &'static str) {
    counter!(REFUSED, "reason" => reason).increment(1);
}

/// The decision counters, one per status and one per rule, registered with the
/// recorder when it is installed: a decision is counted without building and
/// hashing a key per counter. Every series is there from the start, at 0.
struct DecisionCounters {
    /// By `status_index`.
    by_status: [Counter; 3],
    /// By rule, in the order of `Rule::ALL` (a rule's own number).
    by_rule: Vec<Counter>,
}

/// Set once the recorder is installed; without one, metrics are off and a
/// decision counts nothing.
static DECISION_COUNTERS: OnceLock<DecisionCounters> = OnceLock::new();

const STATUSES: [DecisionStatus; 3] = [
    DecisionStatus::Coded,
    DecisionStatus::NeedsReview,
    DecisionStatus::Rejected,
];

fn status_label(status: DecisionStatus) -> &'static str {
    match status {
        DecisionStatus::Coded => "CODED",
        DecisionStatus::NeedsReview => "NEEDS_REVIEW",
        DecisionStatus::Rejected => "REJECTED",
    }
}

fn status_index(status: DecisionStatus) -> usize {
    match status {
        DecisionStatus::Coded => 0,
        DecisionStatus::NeedsReview => 1,
        DecisionStatus::Rejected => 2,
    }
}

impl DecisionCounters {
    fn register() -> Self {
        DecisionCounters {
            by_status: STATUSES.map(|status| counter!(DECISIONS, "status" => status_label(status))),
            by_rule: Rule::ALL
                .iter()
                .map(|rule| counter!(FINDINGS, "rule" => rule.id()))
                .collect(),
        }
    }
}

/// Records a decision and its findings.
pub(crate) fn decision(decision: &anescode_validation::Decision) {
    let Some(counters) = DECISION_COUNTERS.get() else {
        return;
    };
    counters.by_status[status_index(decision.status)].increment(1);
    for finding in &decision.findings {
        // A rule's number is its place in Rule::ALL (a test holds it).
        if let Some(counter) = counters.by_rule.get(finding.rule as usize) {
            counter.increment(1);
        }
    }
}

/// Records a decision as the wire carries it (from the case ledger). Rule ids come
/// from anescode's own rules catalog, a fixed set.
pub(crate) fn wire_decision(decision: &crate::pb::CodingDecision) {
    let Some(counters) = DECISION_COUNTERS.get() else {
        return;
    };
    let status = match decision.status() {
        crate::pb::DecisionStatus::Coded => Some(DecisionStatus::Coded),
        crate::pb::DecisionStatus::NeedsReview => Some(DecisionStatus::NeedsReview),
        crate::pb::DecisionStatus::Rejected => Some(DecisionStatus::Rejected),
        crate::pb::DecisionStatus::Unspecified => None,
    };
    match status {
        Some(status) => counters.by_status[status_index(status)].increment(1),
        None => counter!(DECISIONS, "status" => "UNSPECIFIED").increment(1),
    }
    for finding in &decision.findings {
        counter!(FINDINGS, "rule" => finding.rule_id.clone()).increment(1);
    }
}

/// Records a connection that closed before any call.
pub(crate) fn connection_without_call() {
    counter!(CONNECTIONS_WITHOUT_CALL).increment(1);
}

/// Records an accept error.
pub(crate) fn accept_error() {
    counter!(ACCEPT_ERRORS).increment(1);
}

/// Counts an open connection until dropped.
#[derive(Debug)]
pub(crate) struct ConnectionGauge(());

impl ConnectionGauge {
    pub(crate) fn open() -> Self {
        gauge!(OPEN_CONNECTIONS).increment(1.0);
        ConnectionGauge(())
    }
}

impl Drop for ConnectionGauge {
    fn drop(&mut self) {
        gauge!(OPEN_CONNECTIONS).decrement(1.0);
    }
}

/// Counts a call in flight until dropped.
#[derive(Debug)]
pub(crate) struct CallGauge(());

impl CallGauge {
    pub(crate) fn open() -> Self {
        gauge!(OPEN_CALLS).increment(1.0);
        CallGauge(())
    }
}

impl Drop for CallGauge {
    fn drop(&mut self) {
        gauge!(OPEN_CALLS).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding is counted on its rule's counter: the rule's number is its place
    /// in `Rule::ALL`, and a status's index its place in `STATUSES`.
    #[test]
    fn counters_are_found_by_number() {
        for (at, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(*rule as usize, at, "{rule:?}");
        }
        for (at, status) in STATUSES.into_iter().enumerate() {
            assert_eq!(status_index(status), at, "{status:?}");
        }
    }
}
