//! Transport limits: how many connections, streams and calls the server holds,
//! how long it keeps quiet or old connections, and how large a message may be.
//! Each has a flag, an environment variable and a default chosen so that one
//! client cannot stall or bloat the server.

use std::time::Duration;

use tonic::transport::Server;

/// Default: HTTP/2 streams one connection may have open at once. A sender needs
/// one CodeCases stream; a few dozen unary calls in flight are plenty.
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 100;
/// Default: calls in flight across the server; more are shed with RESOURCE_EXHAUSTED.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;
/// Default: open connections; the accept loop waits for one to close beyond it.
pub const DEFAULT_MAX_CONNECTIONS: usize = 2048;
/// Default: the largest request or response message, 4 MiB as in every gRPC stack.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// Default seconds between HTTP/2 keepalive pings.
pub const DEFAULT_HTTP2_KEEPALIVE_SECS: u64 = 30;
/// Default seconds an HTTP/2 ping may go unanswered.
pub const DEFAULT_HTTP2_KEEPALIVE_TIMEOUT_SECS: u64 = 10;
/// Default seconds of silence before TCP keepalive probes.
pub const DEFAULT_TCP_KEEPALIVE_SECS: u64 = 60;
/// Default seconds a connection may stay open with no call in flight.
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 300;
/// Default seconds a connection may live before GOAWAY.
pub const DEFAULT_MAX_CONNECTION_AGE_SECS: u64 = 3600;
/// Default seconds of grace after the maximum age.
pub const DEFAULT_MAX_CONNECTION_AGE_GRACE_SECS: u64 = 60;
/// Default seconds in-flight calls get after SIGTERM or SIGINT.
pub const DEFAULT_DRAIN_TIMEOUT_SECS: u64 = 10;
/// Default seconds a TLS handshake may take.
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT_SECS: u64 = 10;

/// Transport limits. All durations are whole seconds; 0 turns a timer off.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct TransportLimits {
    /// HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    #[arg(long, env = "ANESCODE_MAX_CONCURRENT_STREAMS", default_value_t = DEFAULT_MAX_CONCURRENT_STREAMS)]
    pub max_concurrent_streams: u32,

    /// Calls in flight across the whole server (a stream counts for its whole life);
    /// calls beyond it are refused at once with RESOURCE_EXHAUSTED. Health is exempt.
    #[arg(long, env = "ANESCODE_MAX_IN_FLIGHT", default_value_t = DEFAULT_MAX_IN_FLIGHT)]
    pub max_in_flight: usize,

    /// Open connections; beyond it new connections wait in the kernel's backlog.
    #[arg(long, env = "ANESCODE_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// The largest request or response message in bytes; a larger request is
    /// refused with RESOURCE_EXHAUSTED naming the limit.
    #[arg(long, env = "ANESCODE_MAX_MESSAGE_BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_message_bytes: usize,

    /// Seconds between HTTP/2 keepalive pings on a connection.
    #[arg(long, env = "ANESCODE_HTTP2_KEEPALIVE_SECS", default_value_t = DEFAULT_HTTP2_KEEPALIVE_SECS)]
    pub http2_keepalive_secs: u64,

    /// Seconds to wait for a ping's acknowledgement before closing the connection.
    #[arg(
        long,
        env = "ANESCODE_HTTP2_KEEPALIVE_TIMEOUT_SECS",
        default_value_t = DEFAULT_HTTP2_KEEPALIVE_TIMEOUT_SECS
    )]
    pub http2_keepalive_timeout_secs: u64,

    /// Seconds of silence before the kernel probes a TCP connection (TCP keepalive).
    #[arg(long, env = "ANESCODE_TCP_KEEPALIVE_SECS", default_value_t = DEFAULT_TCP_KEEPALIVE_SECS)]
    pub tcp_keepalive_secs: u64,

    /// Seconds a connection may stay open with no call in flight before it is closed.
    #[arg(long, env = "ANESCODE_IDLE_TIMEOUT_SECS", default_value_t = DEFAULT_IDLE_TIMEOUT_SECS)]
    pub idle_timeout_secs: u64,

    /// Seconds a connection may live before the server asks the client to reconnect
    /// (HTTP/2 GOAWAY), so that load spreads again across replicas.
    #[arg(long, env = "ANESCODE_MAX_CONNECTION_AGE_SECS", default_value_t = DEFAULT_MAX_CONNECTION_AGE_SECS)]
    pub max_connection_age_secs: u64,

    /// Seconds in-flight calls get after the maximum age before the connection is closed.
    #[arg(
        long,
        env = "ANESCODE_MAX_CONNECTION_AGE_GRACE_SECS",
        default_value_t = DEFAULT_MAX_CONNECTION_AGE_GRACE_SECS
    )]
    pub max_connection_age_grace_secs: u64,

    /// Seconds a TLS handshake may take.
    #[arg(
        long,
        env = "ANESCODE_TLS_HANDSHAKE_TIMEOUT_SECS",
        default_value_t = DEFAULT_TLS_HANDSHAKE_TIMEOUT_SECS
    )]
    pub tls_handshake_timeout_secs: u64,
}

impl Default for TransportLimits {
    fn default() -> Self {
        TransportLimits {
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            http2_keepalive_secs: DEFAULT_HTTP2_KEEPALIVE_SECS,
            http2_keepalive_timeout_secs: DEFAULT_HTTP2_KEEPALIVE_TIMEOUT_SECS,
            tcp_keepalive_secs: DEFAULT_TCP_KEEPALIVE_SECS,
            idle_timeout_secs: DEFAULT_IDLE_TIMEOUT_SECS,
            max_connection_age_secs: DEFAULT_MAX_CONNECTION_AGE_SECS,
            max_connection_age_grace_secs: DEFAULT_MAX_CONNECTION_AGE_GRACE_SECS,
            tls_handshake_timeout_secs: DEFAULT_TLS_HANDSHAKE_TIMEOUT_SECS,
        }
    }
}

/// A number of seconds as a timer, 0 meaning none.
pub(crate) fn seconds(secs: u64) -> Option<Duration> {
    (secs > 0).then(|| Duration::from_secs(secs))
}

impl TransportLimits {
    /// The idle-connection timeout, if any.
    pub(crate) fn idle_timeout(&self) -> Option<Duration> {
        seconds(self.idle_timeout_secs)
    }

    /// The TCP keepalive time, if any.
    pub(crate) fn tcp_keepalive(&self) -> Option<Duration> {
        seconds(self.tcp_keepalive_secs)
    }

    /// A server builder with the HTTP/2 limits applied.
    pub fn builder(&self) -> Server {
        let mut server = Server::builder()
            .max_concurrent_streams(self.max_concurrent_streams)
            .http2_keepalive_interval(seconds(self.http2_keepalive_secs))
            .http2_keepalive_timeout(seconds(self.http2_keepalive_timeout_secs))
            // A client resetting streams faster than they are answered is cut off.
            .http2_max_pending_accept_reset_streams(Some(64))
            .accept_http1(false);
        if let Some(age) = seconds(self.max_connection_age_secs) {
            server = server.max_connection_age(age);
        }
        if let Some(grace) = seconds(self.max_connection_age_grace_secs) {
            server = server.max_connection_age_grace(grace);
        }
        server
    }
}
