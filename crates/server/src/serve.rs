//! Runs the gRPC server on an already-bound listener until a shutdown future
//! completes: health NOT_SERVING while the catalog loads, SERVING once it is in,
//! NOT_SERVING again while in-flight calls drain.

use std::future::Future;
use std::time::Duration;
use tonic::transport::server::Router;
use tower_layer::{Identity, Stack};

use anescode_codes::LoadError;
use anescode_validation::Coder;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tonic::transport::ServerTlsConfig;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::auth::Tokens;
use crate::calls::{CallPolicy, CallsLayer};
use crate::catalog_service::CatalogService;
use crate::coding_routes::CodingRoutes;
use crate::coding_service::CodingService;
use crate::incoming::{self, AcceptOptions};
use crate::ledger::store::StoreError;
use crate::ledger::{self, StoreChoice};
use crate::ledger_service::LedgerService;
use crate::logging::RateLimit;
use crate::pb;
use crate::pb::case_ledger_server::CaseLedgerServer;
use crate::pb::code_catalog_server::CodeCatalogServer;
use crate::profiles_file::ProfilesError;
use crate::readiness::Readiness;
use crate::transport::TransportLimits;

/// Warnings about refused calls logged per second at most; the rest are counted
/// in the next one logged.
const WARNINGS_PER_SECOND: u32 = 10;

/// Why the data could not be loaded at start-up.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A catalog file (base units, crosswalk) is not usable.
    #[error("cannot load the catalog: {0}")]
    Catalog(#[from] LoadError),
    /// The payer-profile file is not usable.
    #[error("cannot load the payer profiles: {0}")]
    Profiles(#[from] ProfilesError),
    /// The case ledger cannot be opened.
    #[error("cannot open the case ledger: {0}")]
    Ledger(#[from] StoreError),
}

/// Why the server stopped other than by a clean shutdown.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The data could not be loaded at start-up.
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// The reflection service could not read a descriptor set.
    #[error("cannot build the reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error("transport failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The server task panicked or was cancelled.
    #[error("server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The names health reports: the whole server ("") and each anescode service.
const HEALTH_NAMES: [&str; 4] = [
    "",
    pb::ANESTHESIA_CODING_SERVICE,
    pb::CODE_CATALOG_SERVICE,
    pb::CASE_LEDGER_SERVICE,
];

async fn report(reporter: &HealthReporter, status: ServingStatus) {
    for name in HEALTH_NAMES {
        reporter.set_service_status(name, status).await;
    }
}

/// How the server runs: transport limits, TLS, client tokens, reflection and the
/// drain timeout. `Default` is what the flags default to, without TLS or tokens.
#[derive(Debug)]
pub struct ServeOptions {
    /// How long in-flight calls may run after shutdown is asked for.
    pub drain_timeout: Duration,
    /// Connection, stream, call and message limits.
    pub limits: TransportLimits,
    /// TLS, and mutual TLS when it names a client CA.
    pub tls: Option<ServerTlsConfig>,
    /// Client tokens; when set every call but health needs one.
    pub tokens: Option<Tokens>,
    /// Whether the reflection services answer.
    pub reflection: bool,
    /// Where the case ledger lives (none: decide each record alone).
    pub store: StoreChoice,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            drain_timeout: Duration::from_secs(crate::transport::DEFAULT_DRAIN_TIMEOUT_SECS),
            limits: TransportLimits::default(),
            tls: None,
            tokens: None,
            reflection: true,
            store: StoreChoice::None,
        }
    }
}

/// Serves on `listener`. Connections are accepted at once; `load` (the catalog and
/// payer profiles) runs meanwhile, and the coding and catalog services answer UNAVAILABLE until it
/// completes. When `shutdown` completes, health turns NOT_SERVING, no new
/// connection is accepted, and in-flight calls get the drain timeout to finish.
pub async fn serve<L, S>(
    listener: TcpListener,
    load: L,
    shutdown: S,
    options: ServeOptions,
) -> Result<(), ServeError>
where
    L: Future<Output = Result<Coder, StartupError>>,
    S: Future<Output = ()>,
{
    let ServeOptions {
        drain_timeout,
        limits,
        tls,
        tokens,
        reflection: reflection_on,
        store,
    } = options;
    let readiness = Readiness::default();
    let policy = call_policy(&limits, tokens, reflection_on);
    let (router, reporter) = router(&limits, tls, policy, &readiness)?;
    report(&reporter, ServingStatus::NotServing).await;
    let incoming = incoming::incoming(listener, accept_options(&limits));
    let (stop, stopped) = oneshot::channel::<()>();
    let mut server = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
        let _ = stopped.await;
    }));

    tokio::pin!(shutdown);
    tokio::pin!(load);
    let loading = std::time::Instant::now();
    let loaded = tokio::select! {
        loaded = &mut load => loaded,
        () = &mut shutdown => {
            tracing::info!("shutdown requested while loading the catalog");
            return drain(&reporter, stop, server, drain_timeout).await;
        }
        joined = &mut server => return Ok(joined??),
    };
    let coder = match loaded {
        Ok(coder) => coder,
        Err(error) => {
            let _ = drain(&reporter, stop, server, drain_timeout).await;
            return Err(error.into());
        }
    };
    log_loaded(&coder, loading);
    let ledger = match open_ledger(store, &coder).await? {
        Ok(ledger) => ledger,
        Err(error) => {
            let _ = drain(&reporter, stop, server, drain_timeout).await;
            return Err(StartupError::Ledger(error).into());
        }
    };
    readiness.set(coder, ledger);
    report(&reporter, ServingStatus::Serving).await;
    tracing::info!("serving");

    tokio::select! {
        () = &mut shutdown => {}
        joined = &mut server => return Ok(joined??),
    }
    drain(&reporter, stop, server, drain_timeout).await
}

/// Every service, behind the calls' policy, and the health service's reporter.
fn router(
    limits: &TransportLimits,
    tls: Option<tonic::transport::ServerTlsConfig>,
    policy: CallPolicy,
    readiness: &Readiness,
) -> Result<(Router<Stack<CallsLayer, Identity>>, HealthReporter), ServeError> {
    let max_message = limits.max_message_bytes;
    let (reporter, health) = tonic_health::server::health_reporter();
    let mut builder = limits.builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls)?;
    }
    let router = builder
        .layer(CallsLayer(Arc::new(policy)))
        .add_service(health)
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?)
        .add_service(CodingRoutes::new(
            CodingService::new(readiness.clone()),
            max_message,
        ))
        .add_service(
            CodeCatalogServer::new(CatalogService::new(readiness.clone()))
                .max_decoding_message_size(max_message)
                .max_encoding_message_size(max_message),
        )
        .add_service(
            CaseLedgerServer::new(LedgerService::new(readiness.clone()))
                .max_decoding_message_size(max_message)
                .max_encoding_message_size(max_message),
        );
    Ok((router, reporter))
}

/// What every call is held to: tokens, the in-flight bound, the message size.
fn call_policy(limits: &TransportLimits, tokens: Option<Tokens>, reflection: bool) -> CallPolicy {
    CallPolicy {
        tokens,
        in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
        max_in_flight: limits.max_in_flight,
        max_message_bytes: limits.max_message_bytes,
        reflection,
        warn: RateLimit::per_second(WARNINGS_PER_SECOND),
    }
}

fn log_loaded(coder: &Coder, loading: std::time::Instant) {
    tracing::info!(
        catalog_version = %coder.catalog().version(),
        codes = coder.catalog().entries().len(),
        profiles = coder.profiles().iter().count(),
        icd10cm_codes = coder.diagnoses().code_count(),
        load_ms = loading.elapsed().as_millis() as u64,
        "catalog, ICD-10-CM and payer profiles loaded"
    );
}

/// Opens the ledger off the runtime's threads (it reads the whole store).
async fn open_ledger(
    store: StoreChoice,
    coder: &Coder,
) -> Result<Result<Option<ledger::Ledger>, ledger::store::StoreError>, tokio::task::JoinError> {
    let coder = coder.clone();
    tokio::task::spawn_blocking(move || ledger::open(&store, coder)).await
}

/// The reflection service's builder. Both reflection versions describe
/// everything served, themselves included, so a client of either version lists
/// the same services.
fn reflection() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .include_reflection_service(false)
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET)
}

fn accept_options(limits: &TransportLimits) -> AcceptOptions {
    AcceptOptions {
        max_connections: limits.max_connections,
        idle_timeout: limits.idle_timeout(),
        tcp_keepalive: limits.tcp_keepalive(),
    }
}

async fn drain(
    reporter: &HealthReporter,
    stop: oneshot::Sender<()>,
    mut server: tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
    drain_timeout: Duration,
) -> Result<(), ServeError> {
    report(reporter, ServingStatus::NotServing).await;
    tracing::info!(timeout_ms = drain_timeout.as_millis() as u64, "draining");
    let _ = stop.send(());
    match tokio::time::timeout(drain_timeout, &mut server).await {
        Ok(joined) => {
            joined??;
            tracing::info!("stopped");
        }
        Err(_) => {
            tracing::warn!("drain timeout reached; closing the remaining calls");
            server.abort();
        }
    }
    Ok(())
}
