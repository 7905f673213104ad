//! One measured run: K connections x S CodeCases streams, each keeping at most W
//! records in flight (closed loop), or sending at a fixed total rate (open loop);
//! every answer matched to its record, in order; latency from the moment each
//! record was meant to be sent, so a stalled server cannot hide its queue.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use tokio::sync::{Semaphore, mpsc};

use crate::records::{self, Rng};

/// The shape of a run.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// HTTP/2 connections.
    pub(crate) connections: usize,
    /// CodeCases streams per connection.
    pub(crate) streams: usize,
    /// Records in flight per stream, at most.
    pub(crate) window: usize,
    /// Records per stream.
    pub(crate) records: u64,
    /// Total records per second across all streams (open loop); none for closed.
    pub(crate) rate: Option<f64>,
    /// The decision view asked for (anescode.v1.DecisionView).
    pub(crate) view: i32,
    /// The seed of the records.
    pub(crate) seed: u64,
    /// One record in this many is malformed (0: none).
    pub(crate) malformed_every: u64,
    /// Prefixes every case_id, so runs against a ledger are new cases.
    pub(crate) run: String,
}

/// What a run measured.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Answers received.
    pub(crate) answers: u64,
    /// Answers that did not match their record (wrong case_id or out of order).
    pub(crate) mismatched: u64,
    /// From the first send to the last answer.
    pub(crate) elapsed: Duration,
    /// Latency in microseconds.
    pub(crate) latency: Histogram<u64>,
}

impl Outcome {
    /// Answers per second.
    pub(crate) fn rate(&self) -> f64 {
        self.answers as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 60 s at 3 significant figures: bounds the constructor accepts.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// The records of stream `index`, generated before the clock starts.
fn stream_records(shape: &Shape, index: usize) -> Vec<pb::CodeCasesRequest> {
    let mut rng = Rng::new(shape.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    (0..shape.records)
        .map(|n| pb::CodeCasesRequest {
            item: Some(pb::code_cases_request::Item::CaseRecord(records::record(
                &mut rng,
                &format!("{}-{index}", shape.run),
                n,
                shape.malformed_every,
            ))),
            view: shape.view,
        })
        .collect()
}

/// Connects `shape.connections` times to `address` (host:port).
pub(crate) async fn connect(
    address: &str,
    connections: usize,
) -> Result<Vec<tonic::transport::Channel>, String> {
    let mut channels = Vec::with_capacity(connections);
    for _ in 0..connections {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
            .map_err(|e| e.to_string())?
            .connect()
            .await
            .map_err(|e| format!("cannot connect to {address}: {e}"))?;
        channels.push(channel);
    }
    Ok(channels)
}

/// Runs `shape` against the server at `address`.
pub(crate) async fn run(address: &str, shape: &Shape) -> Result<Outcome, String> {
    let channels = connect(address, shape.connections).await?;
    let total_streams = shape.connections * shape.streams;
    let inputs: Vec<_> = (0..total_streams)
        .map(|i| stream_records(shape, i))
        .collect();
    // Each stream's share of the open-loop rate.
    let interval = shape
        .rate
        .map(|rate| Duration::from_secs_f64(total_streams as f64 / rate.max(f64::EPSILON)));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        let channel = channels[index % channels.len()].clone();
        tasks.push(tokio::spawn(stream(
            channel,
            input,
            shape.window,
            (start, interval),
        )));
    }
    let mut outcome = Outcome {
        answers: 0,
        mismatched: 0,
        elapsed: Duration::ZERO,
        latency: histogram(),
    };
    let mut last = start;
    for task in tasks {
        let (answers, mismatched, latency, finished) = task.await.map_err(|e| e.to_string())??;
        outcome.answers += answers;
        outcome.mismatched += mismatched;
        outcome.latency.add(latency).map_err(|e| e.to_string())?;
        last = last.max(finished);
    }
    outcome.elapsed = last - start;
    Ok(outcome)
}

type StreamResult = Result<(u64, u64, Histogram<u64>, Instant), String>;

/// One stream: sends `input` keeping at most `window` in flight, and matches
/// each answer to its record in order.
async fn stream(
    channel: tonic::transport::Channel,
    input: Vec<pb::CodeCasesRequest>,
    window: usize,
    (start, interval): (Instant, Option<Duration>),
) -> StreamResult {
    let expected: Vec<String> = input
        .iter()
        .map(|m| match &m.item {
            Some(pb::code_cases_request::Item::CaseRecord(r)) => r.case_id.clone(),
            None => String::new(),
        })
        .collect();
    let slots = Arc::new(Semaphore::new(window.max(1)));
    let (requests, outbound) = mpsc::channel(window.max(1));
    let (sent_at, mut sent) = mpsc::unbounded_channel::<Instant>();
    let sender_slots = Arc::clone(&slots);
    tokio::spawn(async move {
        for (n, message) in input.into_iter().enumerate() {
            let Ok(permit) = Arc::clone(&sender_slots).acquire_owned().await else {
                return;
            };
            permit.forget();
            let intended = match interval {
                Some(every) => {
                    let at = start + every.mul_f64(n as f64);
                    tokio::time::sleep_until(at.into()).await;
                    at
                }
                None => Instant::now(),
            };
            if sent_at.send(intended).is_err() || requests.send(message).await.is_err() {
                return;
            }
        }
    });
    let mut answers = AnesthesiaCodingClient::new(channel)
        .max_decoding_message_size(64 * 1024 * 1024)
        .code_cases(tokio_stream::wrappers::ReceiverStream::new(outbound))
        .await
        .map_err(|e| format!("CodeCases: {e}"))?
        .into_inner();
    let mut latency = histogram();
    let (mut count, mut mismatched) = (0u64, 0u64);
    let mut finished = start;
    while let Some(answer) = answers.next().await {
        let answer = answer.map_err(|e| format!("stream ended: {e}"))?;
        let now = Instant::now();
        let intended = sent.recv().await.unwrap_or(now);
        let micros = now.saturating_duration_since(intended).as_micros() as u64;
        let _ = latency.record(micros.max(1));
        let case_id = answer.decision.map(|d| d.case_id).unwrap_or_default();
        if expected.get(count as usize) != Some(&case_id) {
            mismatched += 1;
        }
        count += 1;
        finished = now;
        slots.add_permits(1);
        if count as usize == expected.len() {
            break;
        }
    }
    if (count as usize) < expected.len() {
        return Err(format!("{} of {} records answered", count, expected.len()));
    }
    Ok((count, mismatched, latency, finished))
}

/// How long the load generator waits for a server that is still starting.
const STARTUP_WAIT: Duration = Duration::from_secs(30);

/// A real decision from `address` for this shape's first record, to size the
/// echo's canned answer; waits while the server answers UNAVAILABLE (starting).
pub(crate) async fn sample(address: &str, shape: &Shape) -> Result<pb::CodingDecision, String> {
    let channel = connect(address, 1).await?.remove(0);
    let first = stream_records(shape, 0).remove(0);
    let record = match first.item {
        Some(pb::code_cases_request::Item::CaseRecord(record)) => record,
        None => return Err("no record".to_owned()),
    };
    let request = pb::CodeCaseRequest {
        case_record: Some(pb::CaseRecord {
            case_id: format!("{}-sample", shape.run),
            ..record
        }),
        view: shape.view,
    };
    let waiting = Instant::now();
    loop {
        let answer = AnesthesiaCodingClient::new(channel.clone())
            .code_case(request.clone())
            .await;
        match answer {
            Ok(response) => {
                return response
                    .into_inner()
                    .decision
                    .ok_or_else(|| "no decision".to_owned());
            }
            Err(status)
                if status.code() == tonic::Code::Unavailable
                    && waiting.elapsed() < STARTUP_WAIT =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => return Err(format!("CodeCase: {status}")),
        }
    }
}
