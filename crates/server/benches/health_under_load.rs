//! Health latency while the server is saturated: the release binary is started,
//! 4 connections × 8 CodeCases streams (32 records in flight on each) keep it as
//! busy as it can be, and meanwhile a connection of its own sends 1,000 health
//! checks, one every 5 ms. Prints decisions/s, the server's CPU use and the
//! health-check latency percentiles.
//!
//! `cargo bench -p anescode-server --bench health_under_load`

use std::io::BufRead;
use std::time::{Duration, Instant};

use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use futures_util::StreamExt;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

#[path = "../tests/support/binary.rs"]
mod binary;

const CONNECTIONS: usize = 4;
const STREAMS_PER_CONNECTION: usize = 8;
const IN_FLIGHT_PER_STREAM: usize = 32;
const HEALTH_CHECKS: usize = 1_000;
const HEALTH_EVERY: Duration = Duration::from_millis(5);

fn record(i: usize) -> pb::CaseRecord {
    let start = 1_772_460_000 + (i as i64 % 1000) * 60;
    let ts = |s: i64| {
        Some(prost_types::Timestamp {
            seconds: s,
            nanos: 0,
        })
    };
    pb::CaseRecord {
        case_id: format!("LOAD-{i}"),
        revision: 1,
        facility_id: "MAIN-OR".into(),
        date_of_service: "2026-03-02".into(),
        patient: Some(pb::Patient {
            birth_date: "1967-09-20".into(),
            sex: pb::Sex::Female.into(),
        }),
        anesthesia_type: pb::AnesthesiaType::General.into(),
        time_blocks: vec![pb::TimeBlock {
            start: ts(start),
            end: ts(start + 255 * 60),
        }],
        procedures: vec![pb::Procedure {
            anesthesia_code: "00406".into(),
            ..Default::default()
        }],
        diagnoses: vec!["C50.911".into(), "I10".into(), "E11.9".into()],
        physical_status: pb::PhysicalStatus::P3.into(),
        providers: vec![
            pb::Provider {
                npi: "1234567893".into(),
                role: pb::ProviderRole::Anesthesiologist.into(),
                concurrent_cases: 2,
                medical_direction_documented: true,
                ..Default::default()
            },
            pb::Provider {
                npi: "1456789019".into(),
                role: pb::ProviderRole::Crna.into(),
                ..Default::default()
            },
        ],
        place_of_service: "22".into(),
        payer: Some(pb::Payer {
            profile: "medicare".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Server CPU seconds so far (user + system), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()
    });
    ticks / 100.0
}

async fn load(channel: Channel, stop: tokio::sync::watch::Receiver<bool>) -> u64 {
    let (send, receive) = tokio::sync::mpsc::channel(IN_FLIGHT_PER_STREAM);
    let mut answers = AnesthesiaCodingClient::new(channel)
        .code_cases(tokio_stream::wrappers::ReceiverStream::new(receive))
        .await
        .expect("stream opens")
        .into_inner();
    let message = |i| pb::CodeCasesRequest {
        item: Some(pb::code_cases_request::Item::CaseRecord(record(i))),
        ..Default::default()
    };
    for i in 0..IN_FLIGHT_PER_STREAM {
        send.send(message(i)).await.expect("send");
    }
    let mut answered = 0u64;
    while let Some(answer) = answers.next().await {
        answer.expect("a decision");
        answered += 1;
        if *stop.borrow() {
            break;
        }
        if send.send(message(answered as usize)).await.is_err() {
            break;
        }
    }
    answered
}

#[tokio::main]
async fn main() {
    let binary::Binary {
        mut child,
        address,
        log,
    } = binary::start(&[], Some("warn,anescode_server=info"));
    std::thread::spawn(move || log.lines().for_each(drop));
    let endpoint = Endpoint::from_shared(format!("http://{address}")).expect("endpoint");
    let mut health = HealthClient::new(endpoint.connect().await.expect("connect"));
    // Wait until the catalog is in.
    loop {
        let answer = health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("health");
        if answer.into_inner().status == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let channel = endpoint.connect().await.expect("connect");
        for _ in 0..STREAMS_PER_CONNECTION {
            workers.push(tokio::spawn(load(channel.clone(), stopped.clone())));
        }
    }
    // Let the load settle before measuring.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = child.id();
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(HEALTH_CHECKS);
    let mut ticker = tokio::time::interval(HEALTH_EVERY);
    for _ in 0..HEALTH_CHECKS {
        ticker.tick().await;
        let sent = Instant::now();
        let answer = health
            .check(HealthCheckRequest {
                service: "anescode.v1.AnesthesiaCoding".into(),
            })
            .await
            .expect("health answers under load");
        assert_eq!(answer.into_inner().status, 1);
        latencies.push(sent.elapsed());
    }
    let elapsed = started.elapsed();
    let cpu = cpu_seconds(pid) - cpu_before;
    stop.send(true).expect("stop");
    let mut answered = 0;
    for worker in workers {
        answered += worker.await.expect("worker");
    }
    let _ = child.kill();
    let _ = child.wait();

    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "load: {CONNECTIONS} connections x {STREAMS_PER_CONNECTION} streams x {IN_FLIGHT_PER_STREAM} in flight; \
         {answered} decisions ({:.0}/s over the {:.1} s of checks); server CPU {:.0}% of one core",
        answered as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        100.0 * cpu / elapsed.as_secs_f64()
    );
    println!(
        "health under load, {HEALTH_CHECKS} checks: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(*latencies.last().expect("checks"))
    );
}
