//! anescode-loadgen: drives an anescode server with CodeCases streams and, in the
//! same run, a null echo server of the same transport answering the same
//! messages with a canned decision of the same size; prints decisions per second
//! and latency percentiles for both, and their ratio.
//!
//! ```sh
//! anescode-loadgen --target 127.0.0.1:50051 --connections 2 --streams 4 --window 64
//! anescode-loadgen --target 127.0.0.1:50051 --view lean --rate 20000
//! anescode-loadgen --target 127.0.0.1:50051 --sweep 1,2,4,8,16,32,64,128,256 --csv sweep.csv
//! ```

mod echo;
mod plot;
mod records;
mod run;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use clap::Parser;
use prost::Message;

use run::{Outcome, Shape};

/// Load generator for anescode, with a null-echo baseline in the same run.
#[derive(Debug, Parser)]
#[command(name = "anescode-loadgen", version, about)]
struct Args {
    /// The anescode server, host:port.
    #[arg(long, default_value = "127.0.0.1:50051")]
    target: String,
    /// HTTP/2 connections.
    #[arg(long, default_value_t = 2)]
    connections: usize,
    /// CodeCases streams per connection.
    #[arg(long, default_value_t = 4)]
    streams: usize,
    /// Records in flight per stream, at most.
    #[arg(long, default_value_t = 64)]
    window: usize,
    /// Records per stream.
    #[arg(long, default_value_t = 5000)]
    records: u64,
    /// Open loop: total records per second across all streams (latency is then
    /// measured from each record's scheduled send time).
    #[arg(long)]
    rate: Option<f64>,
    /// The decision view: full or lean.
    #[arg(long, default_value = "full")]
    view: String,
    /// The seed of the generated records.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// One record in this many is malformed (0 for none).
    #[arg(long, default_value_t = 50)]
    malformed_every: u64,
    /// Run streams = each of these numbers (split over the connections) and
    /// report one row per count, for anescode and the echo.
    #[arg(long, value_delimiter = ',')]
    sweep: Vec<usize>,
    /// Skip the echo baseline.
    #[arg(long)]
    no_echo: bool,
    /// Write the rows as CSV here.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write the rows as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Draw the sweep (decisions/s and p99 against streams) into this PNG.
    #[arg(long)]
    png: Option<PathBuf>,
    /// The TrueType font of the chart's labels.
    #[arg(
        long,
        default_value = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    )]
    font: PathBuf,
    /// Internal: serve the echo with the canned decision in this file, printing
    /// "listening ADDRESS" on standard output.
    #[arg(long, hide = true)]
    serve_echo: Option<PathBuf>,
}

/// One row of the report.
struct Row {
    server: &'static str,
    streams: usize,
    outcome: Outcome,
}

fn view(name: &str) -> Result<i32, String> {
    match name {
        "full" => Ok(anescode_server::pb::DecisionView::Full as i32),
        "lean" => Ok(anescode_server::pb::DecisionView::Lean as i32),
        other => Err(format!("--view {other:?}: full or lean")),
    }
}

/// Starts this program again as the echo server, in its own process like the
/// server it stands beside.
fn start_echo(
    canned: &anescode_server::pb::CodingDecision,
) -> Result<(Child, String, PathBuf), String> {
    let file = std::env::temp_dir().join(format!("anescode-loadgen-{}.bin", std::process::id()));
    std::fs::write(&file, canned.encode_to_vec()).map_err(|e| e.to_string())?;
    let mut child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .arg("--serve-echo")
        .arg(&file)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the echo: {e}"))?;
    let stdout = child.stdout.take().ok_or("no echo stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let address = line
        .strip_prefix("listening ")
        .ok_or_else(|| format!("the echo said {line:?}"))?
        .trim()
        .to_owned();
    Ok((child, address, file))
}

async fn serve_echo(file: PathBuf) -> Result<(), String> {
    let bytes = std::fs::read(&file).map_err(|e| e.to_string())?;
    let canned =
        anescode_server::pb::CodingDecision::decode(bytes.as_slice()).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening {address}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    echo::serve(listener, canned)
        .await
        .map_err(|e| e.to_string())
}

fn print(rows: &[Row]) {
    println!(
        "{:<9} {:>7} {:>12} {:>9} {:>9} {:>9} {:>10}",
        "server", "streams", "decisions/s", "p50 µs", "p99 µs", "p99.9 µs", "mismatched"
    );
    for row in rows {
        let h = &row.outcome.latency;
        println!(
            "{:<9} {:>7} {:>12.0} {:>9} {:>9} {:>9} {:>10}",
            row.server,
            row.streams,
            row.outcome.rate(),
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            row.outcome.mismatched
        );
    }
    for pair in rows.chunks(2) {
        if let [anescode, echo] = pair {
            println!(
                "streams {}: anescode / echo = {:.2} (decisions/s), {:.2} (p50 latency)",
                anescode.streams,
                anescode.outcome.rate() / echo.outcome.rate(),
                anescode.outcome.latency.value_at_quantile(0.5) as f64
                    / echo.outcome.latency.value_at_quantile(0.5).max(1) as f64
            );
        }
    }
}

fn write_files(rows: &[Row], args: &Args) -> Result<(), String> {
    let fields = |row: &Row| {
        let h = &row.outcome.latency;
        (
            row.server,
            row.streams,
            row.outcome.answers,
            row.outcome.rate(),
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            row.outcome.mismatched,
        )
    };
    if let Some(path) = &args.csv {
        let mut text = String::from(
            "server,streams,answers,decisions_per_second,p50_us,p99_us,p999_us,mismatched\n",
        );
        for row in rows {
            let (s, n, a, r, p50, p99, p999, m) = fields(row);
            text.push_str(&format!("{s},{n},{a},{r:.0},{p50},{p99},{p999},{m}\n"));
        }
        std::fs::write(path, text).map_err(|e| e.to_string())?;
    }
    if let Some(path) = &args.json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|row| {
                let (s, n, a, r, p50, p99, p999, m) = fields(row);
                serde_json::json!({"server": s, "streams": n, "answers": a,
                    "decisions_per_second": r.round(), "p50_us": p50, "p99_us": p99,
                    "p999_us": p999, "mismatched": m})
            })
            .collect();
        std::fs::write(path, serde_json::Value::Array(rows).to_string())
            .map_err(|e| e.to_string())?;
    }
    if let Some(path) = &args.png {
        let points: Vec<plot::Point> = rows
            .iter()
            .map(|row| {
                let (s, n, _, r, _, p99, _, _) = fields(row);
                (s, n, r, p99)
            })
            .collect();
        plot::draw(&points, path, &args.font)?;
    }
    Ok(())
}

async fn measure(args: &Args) -> Result<Vec<Row>, String> {
    let run_id = format!(
        "LG{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    );
    let base = Shape {
        connections: args.connections.max(1),
        streams: args.streams.max(1),
        window: args.window,
        records: args.records,
        rate: args.rate,
        view: view(&args.view)?,
        seed: args.seed,
        malformed_every: args.malformed_every,
        run: run_id,
    };
    // Also waits for a server that is still starting.
    let canned = run::sample(&args.target, &base).await?;
    let echo = if args.no_echo {
        None
    } else {
        Some(start_echo(&canned)?)
    };
    let counts = if args.sweep.is_empty() {
        vec![base.connections * base.streams]
    } else {
        args.sweep.clone()
    };
    let mut rows = Vec::new();
    for (i, total) in counts.into_iter().enumerate() {
        let connections = base.connections.min(total.max(1));
        let shape = Shape {
            connections,
            streams: total.div_ceil(connections).max(1),
            run: format!("{}-{i}", base.run),
            ..base.clone()
        };
        let streams = shape.connections * shape.streams;
        let outcome = run::run(&args.target, &shape).await?;
        rows.push(Row {
            server: "anescode",
            streams,
            outcome,
        });
        if let Some((_, address, _)) = &echo {
            let outcome = run::run(address, &shape).await?;
            rows.push(Row {
                server: "echo",
                streams,
                outcome,
            });
        }
    }
    if let Some((mut child, _, file)) = echo {
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_file(file);
    }
    Ok(rows)
}

/// The allocator anescode-server runs on, so the echo (this program again) pays
/// for its allocations what the server pays.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Some(file) = args.serve_echo.clone() {
        return match serve_echo(file).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("anescode-loadgen echo: {error}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let rows = match measure(&args).await {
        Ok(rows) => rows,
        Err(error) => {
            eprintln!("anescode-loadgen: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    print(&rows);
    if let Err(error) = write_files(&rows, &args) {
        eprintln!("anescode-loadgen: {error}");
        return std::process::ExitCode::FAILURE;
    }
    let short = rows.iter().any(|r| r.outcome.mismatched > 0);
    if short {
        eprintln!("anescode-loadgen: some answers did not match their records");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
