//! The accept loop and the accepted connection. The loop holds at most
//! `max_connections` connections, backs off (and says so in the log) when the
//! process is out of file descriptors instead of spinning, and sets TCP options.
//! Each connection closes itself after `idle_timeout` with no call in flight.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tonic::transport::server::Connected;

use crate::logging::RateLimit;
use crate::telemetry;

/// The first pause after an accept error that is not the peer's fault.
const ACCEPT_BACKOFF_FIRST: Duration = Duration::from_millis(5);
/// The longest pause: new clients wait in the kernel's backlog meanwhile.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// What one connection shares with the calls on it.
#[derive(Debug)]
pub(crate) struct ConnectionState {
    /// The client's address.
    pub(crate) peer: SocketAddr,
    /// Calls in flight on the connection.
    open_calls: AtomicUsize,
    /// Calls ever started on the connection.
    calls: AtomicU64,
    /// When the last call ended, in milliseconds since `opened`.
    idle_since_ms: AtomicU64,
    opened: Instant,
}

impl ConnectionState {
    /// A call started on the connection; the guard ends it.
    pub(crate) fn call_started(self: &Arc<Self>) -> CallOnConnection {
        self.open_calls.fetch_add(1, Ordering::AcqRel);
        self.calls.fetch_add(1, Ordering::Relaxed);
        CallOnConnection(Arc::clone(self))
    }

    fn idle_deadline(&self, timeout: Duration) -> Option<Instant> {
        if self.open_calls.load(Ordering::Acquire) > 0 {
            return None;
        }
        let since = Duration::from_millis(self.idle_since_ms.load(Ordering::Acquire));
        Some(self.opened + since + timeout)
    }
}

/// Counts a call on its connection until dropped.
#[derive(Debug)]
pub(crate) struct CallOnConnection(Arc<ConnectionState>);

impl Drop for CallOnConnection {
    fn drop(&mut self) {
        let state = &self.0;
        let ms = u64::try_from(state.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        state.idle_since_ms.store(ms, Ordering::Release);
        state.open_calls.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What tonic puts in each request's extensions about its connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionInfo(pub(crate) Arc<ConnectionState>);

/// An accepted TCP connection.
#[derive(Debug)]
pub(crate) struct Connection {
    stream: TcpStream,
    state: Arc<ConnectionState>,
    idle_timeout: Option<Duration>,
    idle_timer: Pin<Box<Sleep>>,
    _slot: OwnedSemaphorePermit,
    _open: telemetry::ConnectionGauge,
}

/// Notes connections that closed before any call: a failed TLS handshake, an
/// HTTP/2 protocol error, a port probe or a slowloris that timed out.
impl Drop for Connection {
    fn drop(&mut self) {
        if self.state.calls.load(Ordering::Relaxed) > 0 {
            return;
        }
        telemetry::connection_without_call();
        static LOG: std::sync::OnceLock<RateLimit> = std::sync::OnceLock::new();
        if let Some(suppressed) = LOG.get_or_init(|| RateLimit::per_second(1)).allow() {
            tracing::info!(
                peer = %self.state.peer,
                open_ms = self.state.opened.elapsed().as_millis() as u64,
                suppressed,
                "connection closed before any call (TLS handshake or HTTP/2 failure, probe, or idle)"
            );
        }
    }
}

impl Connected for Connection {
    type ConnectInfo = ConnectionInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        ConnectionInfo(Arc::clone(&self.state))
    }
}

impl Connection {
    /// True when the connection has had no call for the idle timeout; re-arms the
    /// timer otherwise, so the task wakes when the deadline may have come.
    fn idle_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(timeout) = self.idle_timeout else {
            return false;
        };
        let deadline = self
            .state
            .idle_deadline(timeout)
            .unwrap_or_else(|| Instant::now() + timeout);
        if self.idle_timer.deadline() != deadline {
            self.idle_timer.as_mut().reset(deadline);
        }
        if self.idle_timer.as_mut().poll(cx).is_pending() {
            return false;
        }
        // Fired: idle only if still no call is open and the deadline has passed.
        self.state
            .idle_deadline(timeout)
            .is_some_and(|d| d <= Instant::now())
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Pending if this.idle_expired(cx) => {
                tracing::debug!(peer = %this.state.peer, "closing an idle connection");
                // End of stream: the HTTP/2 connection closes as if the peer had gone.
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// How the accept loop treats connections.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AcceptOptions {
    pub(crate) max_connections: usize,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) tcp_keepalive: Option<Duration>,
}

/// True for errors that concern one connection only (the peer gave up before
/// accept completed); anything else (EMFILE, ENFILE, ENOBUFS, ENOMEM) is the
/// process's own state and is waited out.
fn peer_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

struct Acceptor {
    listener: TcpListener,
    options: AcceptOptions,
    slots: Arc<Semaphore>,
    backoff: Duration,
    warn: RateLimit,
}

impl Acceptor {
    async fn next(&mut self) -> Connection {
        loop {
            if self.slots.available_permits() == 0
                && let Some(suppressed) = self.warn.allow()
            {
                tracing::warn!(
                    max_connections = self.options.max_connections,
                    suppressed,
                    "at the connection limit (--max-connections); new connections wait"
                );
            }
            let Ok(slot) = Arc::clone(&self.slots).acquire_owned().await else {
                // The semaphore is never closed.
                std::future::pending::<()>().await;
                continue;
            };
            match self.listener.accept().await {
                Ok((stream, peer)) => {
                    self.backoff = ACCEPT_BACKOFF_FIRST;
                    return self.connection(stream, peer, slot);
                }
                Err(error) if peer_error(&error) => {}
                Err(error) => {
                    if let Some(suppressed) = self.warn.allow() {
                        tracing::warn!(
                            %error,
                            backoff_ms = self.backoff.as_millis() as u64,
                            suppressed,
                            "cannot accept connections (out of file descriptors or memory?); backing off"
                        );
                    }
                    telemetry::accept_error();
                    tokio::time::sleep(self.backoff).await;
                    self.backoff = (self.backoff * 2).min(ACCEPT_BACKOFF_MAX);
                }
            }
        }
    }

    fn connection(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        slot: OwnedSemaphorePermit,
    ) -> Connection {
        // Small request/response messages: do not wait to coalesce them.
        let _ = stream.set_nodelay(true);
        if let Some(time) = self.options.tcp_keepalive {
            let keepalive = socket2::TcpKeepalive::new()
                .with_time(time)
                .with_interval(Duration::from_secs(10));
            let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive);
        }
        let now = Instant::now();
        let idle_timeout = self.options.idle_timeout;
        Connection {
            stream,
            state: Arc::new(ConnectionState {
                peer,
                open_calls: AtomicUsize::new(0),
                calls: AtomicU64::new(0),
                idle_since_ms: AtomicU64::new(0),
                opened: now,
            }),
            idle_timeout,
            idle_timer: Box::pin(tokio::time::sleep_until(
                now + idle_timeout.unwrap_or(Duration::from_secs(3600)),
            )),
            _slot: slot,
            _open: telemetry::ConnectionGauge::open(),
        }
    }
}

/// The connections `listener` accepts, as tonic's incoming stream. It never
/// yields an error: accept errors are handled here.
pub(crate) fn incoming(
    listener: TcpListener,
    options: AcceptOptions,
) -> impl Stream<Item = Result<Connection, io::Error>> {
    let acceptor = Acceptor {
        listener,
        options,
        slots: Arc::new(Semaphore::new(options.max_connections.max(1))),
        backoff: ACCEPT_BACKOFF_FIRST,
        warn: RateLimit::per_second(1),
    };
    futures_util::stream::unfold(acceptor, |mut acceptor| async move {
        let connection = acceptor.next().await;
        Some((Ok(connection), acceptor))
    })
}
