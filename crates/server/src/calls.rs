//! The layer every call passes through before its service: who is calling
//! (client token, else client certificate), admission under the global in-flight
//! limit (shed at once with RESOURCE_EXHAUSTED beyond it), the message-size
//! refusal as RESOURCE_EXHAUSTED naming the limit, metrics, and a rate-limited
//! warning for every refused call with the peer and the client. Health is exempt
//! from tokens and from the in-flight limit, so it answers while the server is
//! saturated.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use http::HeaderMap;
use http_body::{Body, Frame};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::codegen::BoxFuture;
use tonic::transport::server::TlsConnectInfo;
use tonic::{Code, Status};
use tower_service::Service;

use crate::auth::{ClientIdentity, Tokens};
use crate::coding_service::Caller;
use crate::incoming::{CallOnConnection, ConnectionInfo};
use crate::logging::{Clipped, RateLimit};
use crate::telemetry;

const HEALTH_PREFIX: &str = "/grpc.health.v1.Health/";
const REFLECTION_PREFIXES: [&str; 2] = [
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// What the layer enforces; shared by every connection.
#[derive(Debug)]
pub(crate) struct CallPolicy {
    pub(crate) tokens: Option<Tokens>,
    pub(crate) in_flight: Arc<Semaphore>,
    pub(crate) max_in_flight: usize,
    pub(crate) max_message_bytes: usize,
    pub(crate) reflection: bool,
    pub(crate) warn: RateLimit,
}

/// The tower layer of [`CallPolicy`].
#[derive(Debug, Clone)]
pub(crate) struct CallsLayer(pub(crate) Arc<CallPolicy>);

impl<S> tower_layer::Layer<S> for CallsLayer {
    type Service = Calls<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Calls {
            inner,
            policy: Arc::clone(&self.0),
        }
    }
}

/// A service behind [`CallsLayer`].
#[derive(Debug, Clone)]
pub(crate) struct Calls<S> {
    inner: S,
    policy: Arc<CallPolicy>,
}

/// The peer and the client certificate's subject, from the connection.
fn peer_of<B>(
    request: &http::Request<B>,
) -> (
    Option<Arc<crate::incoming::ConnectionState>>,
    Option<String>,
) {
    let extensions = request.extensions();
    // Under TLS tonic inserts both; the TLS one carries the client certificate.
    if let Some(tls) = extensions.get::<TlsConnectInfo<ConnectionInfo>>() {
        let subject = tls
            .peer_certs()
            .and_then(|certs| certs.first().and_then(|c| certificate_subject(c)));
        return (Some(Arc::clone(&tls.get_ref().0)), subject);
    }
    let state = extensions
        .get::<ConnectionInfo>()
        .map(|ConnectionInfo(state)| Arc::clone(state));
    (state, None)
}

/// The subject of a DER certificate, as RFC 4514 text.
fn certificate_subject(der: &[u8]) -> Option<String> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(certificate.subject().to_string())
}

impl<S, B> Service<http::Request<B>> for Calls<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let started = Instant::now();
        let path = request.uri().path();
        let method = telemetry::method_label(path);
        let health = path.starts_with(HEALTH_PREFIX);
        let reflection = REFLECTION_PREFIXES.iter().any(|p| path.starts_with(p));
        let (connection, subject) = peer_of(&request);
        let peer = connection.as_ref().map(|c| c.peer);
        // Counted on its connection from here, refused or not.
        let on_connection = connection.map(|c| c.call_started());
        let policy = Arc::clone(&self.policy);
        let refuse = |status: Status, reason: &'static str, client: &str| {
            telemetry::refused(reason);
            policy.warn_refused(method, &status, peer, client);
            telemetry::call_finished(method, status.code(), started.elapsed().as_secs_f64());
            let response = status.into_http();
            Box::pin(async move { Ok(response) }) as Self::Future
        };

        let client = subject.as_deref().unwrap_or("");
        let identity = match policy.identity(&request, health, client) {
            Ok(identity) => identity,
            Err(status) => return refuse(status, "unauthenticated", client),
        };
        if reflection && !policy.reflection {
            return refuse(
                Status::unimplemented(
                    "reflection is turned off on this server (--reflection false)",
                ),
                "reflection_off",
                &identity.name,
            );
        }
        let permit = match policy.permit(health) {
            Ok(permit) => permit,
            Err(status) => return refuse(status, "shed", &identity.name),
        };
        let guard = CallGuard {
            method,
            started,
            code: None,
            peer,
            client: Arc::clone(&identity.name),
            policy: Arc::clone(&policy),
            _permit: permit,
            _on_connection: on_connection,
            _gauge: telemetry::CallGauge::open(),
        };
        request.extensions_mut().insert(Caller { identity, peer });
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await?;
            let (mut parts, body) = response.into_parts();
            let mut guard = guard;
            guard.observe(&mut parts.headers);
            let body = ObservedBody { inner: body, guard };
            Ok(http::Response::from_parts(
                parts,
                tonic::body::Body::new(body),
            ))
        })
    }
}

impl CallPolicy {
    /// Who calls: the client its token names, or (without tokens, and for
    /// health checks) the TLS subject.
    fn identity<B>(
        &self,
        request: &http::Request<B>,
        health: bool,
        subject: &str,
    ) -> Result<ClientIdentity, Status> {
        match (&self.tokens, health) {
            (Some(tokens), false) => {
                let header = request.headers().get(http::header::AUTHORIZATION);
                tokens.authenticate(header.map(|v| v.as_bytes()))
            }
            _ => Ok(ClientIdentity::unrestricted(subject)),
        }
    }

    /// A place among the calls in flight (health checks need none).
    fn permit(&self, health: bool) -> Result<Option<OwnedSemaphorePermit>, Status> {
        if health {
            return Ok(None);
        }
        match Arc::clone(&self.in_flight).try_acquire_owned() {
            Ok(permit) => Ok(Some(permit)),
            Err(_) => Err(Status::resource_exhausted(format!(
                "the server has {} calls in flight, its limit (--max-in-flight); retry with backoff",
                self.max_in_flight
            ))),
        }
    }

    fn warn_refused(&self, method: &str, status: &Status, peer: Option<SocketAddr>, client: &str) {
        if let Some(suppressed) = self.warn.allow() {
            tracing::warn!(
                method,
                code = telemetry::code_label(status.code()),
                detail = %Clipped(status.message()),
                peer = ?peer,
                client = %Clipped(client),
                suppressed,
                "call refused"
            );
        }
    }
}

/// Follows one call to its end: its code from the headers (trailers-only) or the
/// trailers, the message-size refusal rewritten, and its metrics when it ends.
struct CallGuard {
    method: &'static str,
    started: Instant,
    code: Option<Code>,
    peer: Option<SocketAddr>,
    client: Arc<str>,
    policy: Arc<CallPolicy>,
    _permit: Option<OwnedSemaphorePermit>,
    _on_connection: Option<CallOnConnection>,
    _gauge: telemetry::CallGauge,
}

impl CallGuard {
    /// Reads (and where needed rewrites) the grpc-status in headers or trailers.
    fn observe(&mut self, headers: &mut HeaderMap) {
        let Some(status) = Status::from_header_map(headers) else {
            return;
        };
        let status = if status.code() == Code::OutOfRange {
            // tonic reports a message over the decoding limit as OUT_OF_RANGE;
            // gRPC says RESOURCE_EXHAUSTED. Nothing we serve is OUT_OF_RANGE.
            let rewritten = Status::resource_exhausted(format!(
                "the message is larger than this server's limit of {} bytes (--max-message-bytes)",
                self.policy.max_message_bytes
            ));
            let _ = rewritten.add_header(headers);
            rewritten
        } else {
            status
        };
        if matches!(
            status.code(),
            Code::InvalidArgument
                | Code::ResourceExhausted
                | Code::PermissionDenied
                | Code::Unauthenticated
        ) {
            let reason = match status.code() {
                Code::ResourceExhausted => "oversized",
                Code::PermissionDenied => "permission_denied",
                Code::Unauthenticated => "unauthenticated",
                _ => "invalid_argument",
            };
            telemetry::refused(reason);
            self.policy
                .warn_refused(self.method, &status, self.peer, &self.client);
        }
        self.code = Some(status.code());
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        // A call whose answer ended without a status was cut off.
        let code = self.code.unwrap_or(Code::Cancelled);
        telemetry::call_finished(self.method, code, self.started.elapsed().as_secs_f64());
    }
}

/// The response body, observed for its trailers and its end.
struct ObservedBody {
    inner: tonic::body::Body,
    guard: CallGuard,
}

impl Body for ObservedBody {
    type Data = tonic::codegen::Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = polled {
            return Poll::Ready(Some(Ok(match frame.into_trailers() {
                Ok(mut trailers) => {
                    this.guard.observe(&mut trailers);
                    Frame::trailers(trailers)
                }
                Err(frame) => frame,
            })));
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
