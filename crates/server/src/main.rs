use std::process::ExitCode;
use std::time::Duration;

use anescode_server::{Config, logging, serve, telemetry};
use clap::Parser;
use tokio::net::TcpListener;

/// How long past the drain timeout the process may take to exit before it is
/// ended regardless.
const EXIT_MARGIN: Duration = Duration::from_secs(1);

/// jemalloc rather than glibc's malloc: the ledger thread allocates what the
/// connections' tasks free, which glibc pays for in arena locks and chunk
/// consolidation; mimalloc was as fast but held a quarter more memory with 1,000
/// streams open (docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    logging::init(config.log_format);
    let code = run(config).await;
    // Exit now: nothing in flight may hold the process past the drain timeout.
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 })
}

async fn run(config: Config) -> ExitCode {
    let options = match config.options() {
        Ok(options) => options,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    if let Some(address) = config.metrics_listen {
        let served = match TcpListener::bind(address).await {
            Ok(listener) => {
                let bound = listener.local_addr().unwrap_or(address);
                telemetry::serve_metrics(listener)
                    .map(|()| tracing::info!(address = %bound, "metrics on http://{bound}/metrics"))
                    .map_err(|error| error.to_string())
            }
            Err(error) => Err(format!("cannot listen on {address}: {error}")),
        };
        if let Err(error) = served {
            tracing::error!(%error, "cannot serve metrics");
            return ExitCode::FAILURE;
        }
    }
    let listener = match TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(address = %config.listen, %error, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().unwrap_or(config.listen);
    tracing::info!(
        %address,
        version = env!("CARGO_PKG_VERSION"),
        tls = options.tls.is_some(),
        mutual_tls = config.tls_client_ca.is_some(),
        client_tokens = options.tokens.as_ref().map_or(0, |t| t.len()),
        reflection = options.reflection,
        "listening"
    );

    let loader_config = config.clone();
    let load = async move {
        tokio::task::spawn_blocking(move || loader_config.load())
            .await
            .unwrap_or_else(|error| panic!("catalog loader panicked: {error}"))
    };
    let hard_stop = options.drain_timeout + EXIT_MARGIN;
    let shutdown = async move {
        shutdown_signal().await;
        watchdog(hard_stop);
    };
    match serve(listener, load, shutdown, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "anescode-server stopped");
            ExitCode::FAILURE
        }
    }
}

/// Ends the process after `after`, from a thread of its own, so that no call
/// still running on the runtime can hold the exit past the drain timeout.
fn watchdog(after: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        eprintln!("anescode-server: drain timeout passed; exiting");
        std::process::exit(1);
    });
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
