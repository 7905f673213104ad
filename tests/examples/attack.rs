//! Re-runs the hostile requests of the hardening issue against a running server
//! and prints, for each, the answer, how long it took and (with `--pid`) the
//! server's peak resident memory during it.
//!
//! ```sh
//! cargo run --release -p anescode-server &
//! cargo run --release -p anescode-tests --example attack -- --pid $(pgrep -n anescode-server) all
//! ```

use std::time::{Duration, Instant};

use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use anescode_server::pb::code_catalog_client::CodeCatalogClient;
use anescode_tests::{block, raw, seed_00402};
use prost::Message;
use tonic::transport::{Channel, Endpoint};

const ATTACKS: &[&str] = &[
    "search-e-100k",
    "search-e-2k",
    "search-worst",
    "diagnoses-20k",
    "blocks-215k",
    "ancillary-1m",
    "getcode-20k",
    "undecodable",
    "oversized-5m",
    "case-id-1m",
    "streams-10k",
];

fn args() -> (String, Option<u32>, Vec<String>) {
    let mut target = "127.0.0.1:50051".to_owned();
    let mut pid = None;
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--target" => target = args.next().expect("--target ADDRESS"),
            "--pid" => pid = args.next().and_then(|p| p.parse().ok()),
            "all" => names.extend(ATTACKS.iter().map(|s| (*s).to_owned())),
            name => names.push(name.to_owned()),
        }
    }
    (target, pid, names)
}

fn peak_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
}

fn reset_peak(pid: Option<u32>) {
    if let Some(pid) = pid {
        // 5 resets the peak resident set size (VmHWM) to the current one.
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    }
}

thread_local! {
    /// How long the last timed call took: from sending to the answer, without
    /// the time the client spent building the request.
    static LAST_CALL: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
}

async fn timed<F: std::future::Future>(call: F) -> F::Output {
    let started = Instant::now();
    let output = call.await;
    LAST_CALL.with(|last| last.set(started.elapsed()));
    output
}

fn summary(decision: &pb::CodingDecision) -> String {
    let rules: Vec<&str> = decision
        .findings
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect();
    let shown = rules.iter().take(3).copied().collect::<Vec<_>>().join(",");
    format!(
        "{:?}, {} finding(s) [{}{}], {} bytes",
        decision.status(),
        rules.len(),
        shown,
        if rules.len() > 3 { ",…" } else { "" },
        decision.encoded_len()
    )
}

async fn code(channel: &Channel, record: pb::CaseRecord) -> String {
    let mut client = AnesthesiaCodingClient::new(channel.clone())
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX);
    let call = client.code_case(pb::CodeCaseRequest {
        case_record: Some(record),
        ..Default::default()
    });
    match timed(call).await {
        Ok(answer) => summary(&answer.into_inner().decision.unwrap_or_default()),
        Err(status) => status_text(&status),
    }
}

fn status_text(status: &tonic::Status) -> String {
    let message: String = status.message().chars().take(100).collect();
    format!("{:?}: {message}", status.code())
}

async fn search(channel: &Channel, query: String) -> String {
    let mut client = CodeCatalogClient::new(channel.clone());
    let call = client.search_diagnoses(pb::SearchDiagnosesRequest {
        query,
        page_size: 10,
        page_token: String::new(),
        date_of_service: String::new(),
    });
    match timed(call).await {
        Ok(answer) => format!("OK, {} matches", answer.into_inner().total_matches),
        Err(status) => status_text(&status),
    }
}

async fn streams(channel: &Channel, count: usize) -> String {
    // Every stream is asked for at once; those the connection has no room for
    // wait in the client, and count as not opened after two seconds.
    let attempts = (0..count).map(|_| {
        let channel = channel.clone();
        async move {
            let (hold, held) = tokio::sync::mpsc::channel::<pb::CodeCasesRequest>(1);
            let mut client = AnesthesiaCodingClient::new(channel);
            let call = client.code_cases(tokio_stream::wrappers::ReceiverStream::new(held));
            match tokio::time::timeout(Duration::from_secs(2), call).await {
                Ok(Ok(stream)) => Ok((hold, stream)),
                Ok(Err(status)) => Err(status_text(&status)),
                Err(_) => Err("waiting for a free stream on the connection".to_owned()),
            }
        }
    });
    let results = timed(futures_util::future::join_all(attempts)).await;
    let opened = results.iter().filter(|r| r.is_ok()).count();
    let first_refusal = results
        .iter()
        .find_map(|r| r.as_ref().err().cloned())
        .unwrap_or_default();
    format!(
        "{opened} streams opened, {} not ({first_refusal})",
        count - opened
    )
}

async fn run(channel: &Channel, name: &str) -> String {
    match name {
        "search-e-100k" => search(channel, "e ".repeat(50_000)).await,
        "search-e-2k" => search(channel, "e ".repeat(1_000)).await,
        "search-worst" => search(channel, "e a i o n r s t".to_owned()).await,
        "diagnoses-20k" => {
            let set = anescode_codes::icd10cm::Icd10Cm::embedded();
            let mut record = seed_00402("ATTACK-DX");
            record.diagnoses = set
                .iter()
                .filter(|d| d.billable())
                .take(20_000)
                .map(|d| d.dotted())
                .collect();
            code(channel, record).await
        }
        "blocks-215k" => {
            let mut record = seed_00402("ATTACK-BLOCKS");
            let start = jiff::Timestamp::from_second(1_772_460_000).expect("2026");
            record.time_blocks = (0..215_000_i64)
                .map(|i| {
                    let from = start + jiff::SignedDuration::from_secs(i * 2);
                    let to = from + jiff::SignedDuration::from_secs(1);
                    block(&from.to_string(), &to.to_string())
                })
                .collect();
            code(channel, record).await
        }
        "ancillary-1m" => {
            let mut record = seed_00402("ATTACK-ANC");
            record.ancillary_procedures = vec![pb::AncillaryProcedure::default(); 1_000_000];
            code(channel, record).await
        }
        "case-id-1m" => code(channel, seed_00402(&"X\n".repeat(500_000))).await,
        "getcode-20k" => match timed(CodeCatalogClient::new(channel.clone()).get_code(
            pb::GetCodeRequest {
                code: "9".repeat(20_000),
            },
        ))
        .await
        {
            Ok(_) => "OK".to_owned(),
            Err(status) => format!(
                "{} ({} byte message)",
                status_text(&status),
                status.message().len()
            ),
        },
        "undecodable" => match timed(raw::unary::<pb::CodeCaseResponse>(
            channel.clone(),
            "/anescode.v1.AnesthesiaCoding/CodeCase",
            vec![0x0a, 0x64, 0x01],
        ))
        .await
        {
            Ok(_) => "OK".to_owned(),
            Err(status) => status_text(&status),
        },
        "oversized-5m" => {
            let mut record = seed_00402("ATTACK-BIG");
            record.procedures[0].description = "d".repeat(5 * 1024 * 1024);
            let bytes = pb::CodeCaseRequest {
                case_record: Some(record),
                ..Default::default()
            }
            .encode_to_vec();
            match timed(raw::unary::<pb::CodeCaseResponse>(
                channel.clone(),
                "/anescode.v1.AnesthesiaCoding/CodeCase",
                bytes,
            ))
            .await
            {
                Ok(_) => "OK".to_owned(),
                Err(status) => status_text(&status),
            }
        }
        "streams-10k" => streams(channel, 10_000).await,
        other => format!("unknown attack {other:?}; known: {}", ATTACKS.join(", ")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (target, pid, names) = args();
    let channel = Endpoint::from_shared(format!("http://{target}"))
        .expect("target address")
        .connect()
        .await
        .expect("connect to the server");
    println!("| attack | answer | time | server peak RSS |");
    println!("|---|---|---|---|");
    for name in names {
        reset_peak(pid);
        let answer = run(&channel, &name).await;
        let elapsed = LAST_CALL.with(std::cell::Cell::get);
        let peak = peak_kib(pid).map_or_else(
            || "-".to_owned(),
            |k| format!("{:.1} MiB", k as f64 / 1024.0),
        );
        println!(
            "| {name} | {answer} | {:.1} ms | {peak} |",
            elapsed.as_secs_f64() * 1000.0
        );
    }
}
