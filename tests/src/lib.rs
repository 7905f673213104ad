//! The end-to-end test harness: starts the real server on a pre-bound ephemeral
//! port, hands out connected clients, and builds case records.

pub mod pki;
pub mod raw;

use std::future::Future;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anescode_codes::Catalog;
use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use anescode_server::pb::code_catalog_client::CodeCatalogClient;
use anescode_server::{ServeError, ServeOptions, StartupError, serve};
use anescode_validation::{Coder, PayerProfiles};
use futures_util::StreamExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// A running server and a channel to it.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub address: SocketAddr,
    channel: Channel,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl TestServer {
    /// Starts a server on the embedded catalog and waits until health says SERVING.
    pub async fn start() -> Self {
        Self::start_with(Catalog::embedded()).await
    }

    /// Starts a server on `catalog` and the embedded payer profiles, and waits
    /// until health says SERVING.
    pub async fn start_with(catalog: Catalog) -> Self {
        Self::start_with_coder(coder(catalog, PayerProfiles::embedded())).await
    }

    /// Starts a server on `coder` and waits until health says SERVING.
    pub async fn start_with_coder(coder: Coder) -> Self {
        let server = Self::start_loading(async move { Ok(coder) }).await;
        server.wait_for(ServingStatus::Serving).await;
        server
    }

    /// Starts a server whose coder comes from `loader`, without waiting for it.
    pub async fn start_loading<L>(loader: L) -> Self
    where
        L: Future<Output = Result<Coder, StartupError>> + Send + 'static,
    {
        Self::launch(loader, test_options(), None).await
    }

    /// Starts a server on `coder` with `options`, connects to it (over TLS with
    /// `client_tls` when given) and waits until health says SERVING.
    pub async fn start_serving(
        coder: Coder,
        options: ServeOptions,
        client_tls: Option<ClientTlsConfig>,
    ) -> Self {
        let server = Self::launch(async move { Ok(coder) }, options, client_tls).await;
        server.wait_for(ServingStatus::Serving).await;
        server
    }

    async fn launch<L>(
        loader: L,
        options: ServeOptions,
        client_tls: Option<ClientTlsConfig>,
    ) -> Self
    where
        L: Future<Output = Result<Coder, StartupError>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let address = listener.local_addr().expect("local address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            listener,
            loader,
            async {
                let _ = stopped.await;
            },
            options,
        ));
        // The listener is bound before the server task runs, so connecting cannot
        // race it: the kernel queues the connection.
        let mut endpoint = Endpoint::from_shared(format!(
            "{}://{address}",
            if client_tls.is_some() {
                "https"
            } else {
                "http"
            }
        ))
        .expect("endpoint");
        if let Some(tls) = client_tls {
            endpoint = endpoint.tls_config(tls).expect("client TLS");
        }
        let channel = endpoint.connect().await.expect("connect");
        TestServer {
            address,
            channel,
            shutdown: Some(shutdown),
            task,
        }
    }

    /// A client of anescode.v1.AnesthesiaCoding.
    pub fn coding(&self) -> AnesthesiaCodingClient<Channel> {
        AnesthesiaCodingClient::new(self.channel.clone())
    }

    /// Codes one record with CodeCase and returns the decision.
    pub async fn code(&self, record: pb::CaseRecord) -> pb::CodingDecision {
        self.code_request(pb::CodeCaseRequest {
            case_record: Some(record),
            ..Default::default()
        })
        .await
    }

    /// Sends one CodeCase request and returns the decision.
    pub async fn code_request(&self, request: pb::CodeCaseRequest) -> pb::CodingDecision {
        self.coding()
            .code_case(request)
            .await
            .expect("CodeCase answers")
            .into_inner()
            .decision
            .expect("a decision")
    }

    /// A client of anescode.v1.CodeCatalog.
    pub fn catalog(&self) -> CodeCatalogClient<Channel> {
        CodeCatalogClient::new(self.channel.clone())
    }

    /// A client of grpc.health.v1.Health.
    pub fn health(&self) -> HealthClient<Channel> {
        HealthClient::new(self.channel.clone())
    }

    /// The channel, for other clients.
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// Waits, by watching health, until the whole server reports `status`.
    pub async fn wait_for(&self, status: ServingStatus) {
        let mut watch = self
            .health()
            .watch(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("watch health")
            .into_inner();
        while let Some(message) = watch.next().await {
            if message.expect("health update").status == status as i32 {
                return;
            }
        }
        panic!("health stream ended before {status:?}");
    }

    /// Asks the server to shut down, without waiting.
    pub fn request_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// Shuts the server down and returns how `serve` ended.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        self.request_shutdown();
        drop(self.channel);
        self.task.await.expect("server task")
    }
}

/// The options tests serve with: the defaults, a 5-second drain.
pub fn test_options() -> ServeOptions {
    ServeOptions {
        drain_timeout: Duration::from_secs(5),
        ..ServeOptions::default()
    }
}

/// A coder on `catalog` and `profiles`.
pub fn coder(catalog: Catalog, profiles: PayerProfiles) -> Coder {
    Coder::new(Arc::new(catalog), Arc::new(profiles))
}

/// A timestamp from RFC 3339 text.
pub fn at(text: &str) -> prost_types::Timestamp {
    prost_types::Timestamp::from_str(text).expect("RFC 3339 timestamp")
}

/// A time block from RFC 3339 start and end.
pub fn block(start: &str, end: &str) -> pb::TimeBlock {
    pb::TimeBlock {
        start: Some(at(start)),
        end: Some(at(end)),
    }
}

/// A valid NPI (the CMS check-digit example).
pub const ANESTHESIOLOGIST_NPI: &str = "1234567893";
/// A second valid NPI.
pub const CRNA_NPI: &str = "1456789019";

/// The first seed scenario as a clean record: 00402 reconstructive breast
/// procedure, 95 minutes, P3, an anesthesiologist alone, outpatient hospital.
pub fn seed_00402(case_id: &str) -> pb::CaseRecord {
    pb::CaseRecord {
        case_id: case_id.to_owned(),
        revision: 1,
        facility_id: "MAIN-OR".to_owned(),
        date_of_service: "2026-03-02".to_owned(),
        patient: Some(pb::Patient {
            birth_date: "1974-06-15".to_owned(),
            sex: pb::Sex::Female.into(),
        }),
        anesthesia_type: pb::AnesthesiaType::General.into(),
        time_blocks: vec![block("2026-03-02T14:00:00Z", "2026-03-02T15:35:00Z")],
        procedures: vec![pb::Procedure {
            surgical_cpt: "19318".to_owned(),
            anesthesia_code: "00402".to_owned(),
            description: "Bilateral reduction mammaplasty".to_owned(),
            time_blocks: Vec::new(),
        }],
        diagnoses: vec!["N62".to_owned()],
        physical_status: pb::PhysicalStatus::P3.into(),
        providers: vec![pb::Provider {
            npi: ANESTHESIOLOGIST_NPI.to_owned(),
            role: pb::ProviderRole::Anesthesiologist.into(),
            taxonomy: "207L00000X".to_owned(),
            ..Default::default()
        }],
        place_of_service: "22".to_owned(),
        payer: Some(pb::Payer {
            profile: "medicare".to_owned(),
            plan_id: "MEDICARE-B".to_owned(),
            locality: String::new(),
        }),
        ..Default::default()
    }
}

/// The (rule id, severity, field) of each finding, in order.
pub fn finding_keys(decision: &pb::CodingDecision) -> Vec<(String, pb::Severity, String)> {
    decision
        .findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.severity(), f.field.clone()))
        .collect()
}

/// Reads an `examples/` file (proto3 JSON, as grpcurl takes it) into a request.
pub fn example_request(name: &str) -> pb::CodeCaseRequest {
    let path = format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let pool = prost_reflect::DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).expect("descriptors");
    let descriptor = pool
        .get_message_by_name("anescode.v1.CodeCaseRequest")
        .expect("CodeCaseRequest");
    let mut deserializer = serde_json::Deserializer::from_str(&json);
    let message = prost_reflect::DynamicMessage::deserialize(descriptor, &mut deserializer)
        .unwrap_or_else(|e| panic!("{path} is not a CodeCaseRequest in proto3 JSON: {e}"));
    deserializer.end().expect("one JSON value");
    message.transcode_to().expect("transcodes")
}

/// The path of a file in `examples/`.
pub fn example_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}
