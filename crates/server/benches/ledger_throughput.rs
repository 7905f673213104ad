//! Streaming throughput of the release binary with the case ledger on an SQLite
//! file against `--store none`, in the same run: S CodeCases streams, each of one
//! anesthesiologist's day after day of cases every 30 minutes lasting 45 (each
//! overlaps the next, so most records revise an earlier case), all sent at once
//! and answered in order. Prints decisions per second for both and their ratio,
//! then how long the server takes to load the ledger it left and serve again.
//!
//! `cargo bench -p anescode-server --bench ledger_throughput` (STREAMS, RECORDS
//! and SPACING in minutes in the environment change the shape; defaults 8, 4000
//! and 30; SPACING=60 gives cases that do not overlap; LEDGER_DIR keeps the file).

use std::time::Instant;

use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use futures_util::StreamExt;

#[path = "../tests/support/binary.rs"]
mod binary;
#[path = "../tests/support/records.rs"]
mod records;

/// 2026-03-02T00:00:00Z.
const DAY: i64 = 1_772_409_600;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One stream: `records` cases of anesthesiologist `stream`, one every `spacing`
/// minutes from 07:00, eight a day, each lasting 45 minutes.
fn stream_records(stream: usize, records: usize, spacing: i64) -> Vec<pb::CodeCasesRequest> {
    let md = records::npi(9_000_000 + stream as u32);
    (0..records)
        .map(|n| {
            let start = DAY + (n / 8) as i64 * 86_400 + 7 * 3600 + (n % 8) as i64 * spacing * 60;
            let crna = records::npi(5_000_000 + (stream * records + n) as u32);
            let record = records::record(
                &format!("L{stream}-{n}"),
                (start, start + 45 * 60),
                &md,
                Some(&crna),
            );
            pb::CodeCasesRequest {
                item: Some(pb::code_cases_request::Item::CaseRecord(record)),
                ..Default::default()
            }
        })
        .collect()
}

/// What a /proc `stat` file reports of a process or thread: its command
/// (thread) name, CPU time (user and system) in seconds and minor page faults.
fn stat_seconds(path: &str) -> Option<(String, Use)> {
    let stat = std::fs::read_to_string(path).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_owned();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let faults: u64 = fields.get(7)?.parse().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some((
        name,
        Use {
            seconds: ticks as f64 / 100.0,
            faults: faults as f64,
        },
    ))
}

/// CPU seconds and minor page faults (each a fresh page the kernel zeroes).
#[derive(Debug, Clone, Copy, Default)]
struct Use {
    seconds: f64,
    faults: f64,
}

/// The CPU time and page faults of the process's threads by thread name (the
/// tokio workers summed; Linux, empty elsewhere).
fn thread_seconds(pid: u32) -> std::collections::BTreeMap<String, Use> {
    let mut threads = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return threads;
    };
    for task in tasks.flatten() {
        let path = format!("{}/stat", task.path().display());
        if let Some((name, used)) = stat_seconds(&path) {
            let sum: &mut Use = threads.entry(name).or_default();
            sum.seconds += used.seconds;
            sum.faults += used.faults;
        }
    }
    threads
}

/// The bytes the process `pid` has sent to storage (/proc/PID/io `write_bytes`:
/// the WAL and the checkpoints, not the sockets).
fn written_bytes(pid: u32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines()
        .find_map(|line| line.strip_prefix("write_bytes: "))
        .and_then(|n| n.trim().parse().ok())
}

/// The peak resident memory of the process `pid`, in MiB (/proc/PID/status
/// `VmHWM`).
fn peak_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// One run's figures: decisions per second, and the server's CPU time per
/// decision in microseconds (steadier than the rate on a noisy machine).
struct Figures {
    rate: f64,
    cpu_us: Option<f64>,
    written_per_decision: Option<f64>,
    /// The server's CPU µs and page faults per decision by thread name.
    threads: Vec<(String, Use)>,
    peak_mib: Option<f64>,
    /// This client's CPU µs per decision (it shares the machine).
    client_us: Option<f64>,
}

/// This process's CPU time in seconds.
fn own_seconds() -> Option<f64> {
    stat_seconds("/proc/self/stat").map(|(_, used)| used.seconds)
}

async fn run(store: &str, streams: usize, records: usize) -> Figures {
    // LEDGER_LOG=PATH keeps the server's debug log of the ledger's batches.
    let binary = match std::env::var("LEDGER_LOG") {
        Ok(path) => {
            let binary::Binary {
                child,
                address,
                mut log,
            } = binary::start(
                &["--store", store],
                Some("info,anescode_server::ledger=debug"),
            );
            let mut file = std::fs::File::create(path).expect("log file");
            std::thread::spawn(move || std::io::copy(&mut log, &mut file));
            binary::Running { child, address }
        }
        Err(_) => binary::start_draining(&["--store", store]),
    };
    let channel = binary::serving(&binary.address, "").await;
    // SPACING=60 spaces the cases so none overlaps: no record revises another.
    let spacing = setting("SPACING", 30) as i64;
    let inputs: Vec<_> = (0..streams)
        .map(|s| stream_records(s, records, spacing))
        .collect();
    let threads_before = thread_seconds(binary.child.id());
    let written_before = written_bytes(binary.child.id());
    let client_before = own_seconds();
    let started = Instant::now();
    let tasks: Vec<_> = inputs
        .into_iter()
        .map(|input| {
            let channel = channel.clone();
            tokio::spawn(async move {
                let mut answers = AnesthesiaCodingClient::new(channel)
                    .code_cases(futures_util::stream::iter(input))
                    .await
                    .expect("CodeCases")
                    .into_inner();
                let mut count = 0;
                while let Some(answer) = answers.next().await {
                    answer.expect("an answer");
                    count += 1;
                }
                count
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("stream task");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let client_us = own_seconds()
        .zip(client_before)
        .map(|(after, before)| (after - before) * 1e6 / total as f64);
    let threads: Vec<(String, Use)> = thread_seconds(binary.child.id())
        .into_iter()
        .map(|(name, after)| {
            let before = threads_before.get(&name).copied().unwrap_or_default();
            let per = Use {
                seconds: (after.seconds - before.seconds) * 1e6 / total as f64,
                faults: (after.faults - before.faults) / total as f64,
            };
            (name, per)
        })
        .filter(|(_, per)| per.seconds > 0.0)
        .collect();
    let written = written_bytes(binary.child.id())
        .zip(written_before)
        .map(|(after, before)| after - before);
    let peak = peak_mib(binary.child.id());
    let mut child = binary.child;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(total, streams * records, "every record answered once");
    Figures {
        rate: total as f64 / elapsed,
        cpu_us: (!threads.is_empty()).then(|| threads.iter().map(|(_, per)| per.seconds).sum()),
        written_per_decision: written.map(|bytes| bytes as f64 / total as f64),
        threads,
        peak_mib: peak,
        client_us,
    }
}

fn figures_text(figures: &Figures) -> String {
    let cpu = figures
        .cpu_us
        .map_or_else(String::new, |us| format!(", server CPU {us:.1} µs"));
    let written = figures
        .written_per_decision
        .map_or_else(String::new, |b| format!(", {:.1} KB to disk", b / 1000.0));
    let threads: Vec<String> = figures
        .threads
        .iter()
        .map(|(name, per)| format!("{name} {:.1} ({:.2})", per.seconds, per.faults))
        .collect();
    let peak = figures
        .peak_mib
        .map_or_else(String::new, |mib| format!("; peak RSS {mib:.0} MiB"));
    let client = figures
        .client_us
        .map_or_else(String::new, |us| format!("; client CPU {us:.1} µs"));
    format!(
        "{cpu}{written} per decision{peak}\n    by thread, µs (page faults): {}{client}",
        threads.join(", ")
    )
}

#[tokio::main]
async fn main() {
    let streams = setting("STREAMS", 8);
    let records = setting("RECORDS", 4000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    // LEDGER_DIR=DIR keeps the ledger file in DIR (an empty directory), to try
    // the calls on it afterwards.
    let dir_path = std::env::var_os("LEDGER_DIR").map_or_else(|| dir.path().to_owned(), Into::into);
    let file = dir_path.join("ledger.sqlite3");
    let none = run("none", streams, records).await;
    let ledger = run(file.to_str().expect("UTF-8"), streams, records).await;
    println!("{streams} streams x {records} records, one connection");
    println!(
        "--store none:        {:>9.0} decisions/s{}",
        none.rate,
        figures_text(&none)
    );
    println!(
        "--store FILE (WAL):  {:>9.0} decisions/s{}",
        ledger.rate,
        figures_text(&ledger)
    );
    let wal = std::fs::metadata(dir_path.join("ledger.sqlite3-wal")).map_or(0, |m| m.len());
    let db = std::fs::metadata(&file).map_or(0, |m| m.len());
    println!(
        "ledger file {:.1} MB, its WAL {:.1} MB at the end",
        db as f64 / 1e6,
        wal as f64 / 1e6
    );
    println!("ledger / none:       {:>9.2}", ledger.rate / none.rate);
    println!(
        "{}",
        restart(file.to_str().expect("UTF-8"), streams * records).await
    );
}

/// Starts the server again on the ledger the run left (killed, not stopped) and
/// says how long it took to load the file and serve, and what it then holds.
async fn restart(file: &str, cases: usize) -> String {
    let started = Instant::now();
    let binary = binary::start_draining(&["--store", file]);
    drop(binary::serving(&binary.address, "").await);
    let elapsed = started.elapsed().as_secs_f64();
    let peak = peak_mib(binary.child.id());
    let mut child = binary.child;
    let _ = child.kill();
    let _ = child.wait();
    let peak = peak.map_or_else(String::new, |mib| format!(", peak RSS {mib:.0} MiB"));
    format!("restart on {cases} cases: serving after {elapsed:.2} s{peak}")
}
