//! Routes anescode.v1.AnesthesiaCoding. CodeCase and CodeCases go through a codec
//! that decodes a record straight into the domain record (`record_wire`), or,
//! for any other message, counts its record's lists on the wire before decoding
//! it with prost (a record over the record limits is answered without being
//! decoded, `wire_limits`). It keeps a message it cannot decode as a value, so
//! one corrupt message in a stream is answered with a REJECTED decision and the
//! stream goes on. Any other path goes to the generated server (which answers
//! UNIMPLEMENTED).

use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::Arc;

use prost::Message;
use prost::bytes::Buf;
use tonic::codec::{Codec, DecodeBuf, Decoder};
use tonic::codegen::{Body, BoxFuture, Context, Poll, Service, StdError, http};
use tonic::server::{NamedService, StreamingService, UnaryService};
use tonic::{Request, Response, Status, Streaming};

use crate::coding_service::{Caller, CodingService, DecisionStream};
use crate::outgoing::{DecisionResponse, Outgoing, OutgoingEncoder};
use crate::pb;
use crate::pb::anesthesia_coding_server::AnesthesiaCodingServer;
use crate::record_wire::{self, DecodedRecord};
use crate::wire_limits::{self, OverLimits};

const CODE_CASE_PATH: &str = "/anescode.v1.AnesthesiaCoding/CodeCase";
const CODE_CASES_PATH: &str = "/anescode.v1.AnesthesiaCoding/CodeCases";

/// One request message as received.
#[derive(Debug)]
pub(crate) enum Received<M> {
    /// Decoded by prost. Boxed: a message holds its record inline, over 400
    /// bytes, and the item is moved through every stream adapter; most records
    /// come as `Record`.
    Message(Box<M>),
    /// Its record's lists are over the record limits; not decoded.
    OverLimits(OverLimits),
    /// Not valid protobuf.
    Undecodable(prost::DecodeError),
    /// Its record, decoded straight into the domain record (`record_wire`).
    Record(Box<DecodedRecord>),
}

/// The AnesthesiaCoding service with its counting, lenient routes.
#[derive(Debug, Clone)]
pub(crate) struct CodingRoutes {
    generated: AnesthesiaCodingServer<CodingService>,
    service: Arc<CodingService>,
    max_message_bytes: usize,
}

impl CodingRoutes {
    /// The routes, with requests and responses up to `max_message_bytes`.
    pub(crate) fn new(service: CodingService, max_message_bytes: usize) -> Self {
        CodingRoutes {
            generated: AnesthesiaCodingServer::new(service.clone())
                .max_decoding_message_size(max_message_bytes)
                .max_encoding_message_size(max_message_bytes),
            service: Arc::new(service),
            max_message_bytes,
        }
    }
}

impl NamedService for CodingRoutes {
    const NAME: &'static str = pb::ANESTHESIA_CODING_SERVICE;
}

impl<B> Service<http::Request<B>> for CodingRoutes
where
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let limit = self.max_message_bytes;
        let service = Arc::clone(&self.service);
        // A stateless server needs nothing of a record but the domain record; a
        // server with a ledger (or not yet ready) keeps each record's encoding.
        let keep = !service.stateless();
        match request.uri().path() {
            CODE_CASE_PATH => Box::pin(async move {
                let codec = RecordCodec::<pb::CodeCaseResponse, pb::CodeCaseRequest>::new(keep);
                let mut grpc = tonic::server::Grpc::new(codec)
                    .max_decoding_message_size(limit)
                    .max_encoding_message_size(limit);
                Ok(grpc.unary(CodeCaseMethod(service), request).await)
            }),
            CODE_CASES_PATH => Box::pin(async move {
                let codec = RecordCodec::<pb::CodeCasesResponse, pb::CodeCasesRequest>::new(keep);
                let mut grpc = tonic::server::Grpc::new(codec)
                    .max_decoding_message_size(limit)
                    .max_encoding_message_size(limit);
                Ok(grpc.streaming(CodeCasesMethod(service), request).await)
            }),
            _ => self.generated.call(request),
        }
    }
}

struct CodeCaseMethod(Arc<CodingService>);

impl UnaryService<Received<pb::CodeCaseRequest>> for CodeCaseMethod {
    type Response = Outgoing<pb::CodeCaseResponse>;
    type Future = BoxFuture<Response<Self::Response>, Status>;

    fn call(&mut self, request: Request<Received<pb::CodeCaseRequest>>) -> Self::Future {
        let service = Arc::clone(&self.0);
        let caller = Caller::of(&request);
        Box::pin(async move { service.answer_one(&caller, request.into_inner()).await })
    }
}

struct CodeCasesMethod(Arc<CodingService>);

impl StreamingService<Received<pb::CodeCasesRequest>> for CodeCasesMethod {
    type Response = Outgoing<pb::CodeCasesResponse>;
    type ResponseStream = DecisionStream;
    type Future = BoxFuture<Response<Self::ResponseStream>, Status>;

    fn call(
        &mut self,
        request: Request<Streaming<Received<pb::CodeCasesRequest>>>,
    ) -> Self::Future {
        let service = Arc::clone(&self.0);
        let caller = Caller::of(&request);
        Box::pin(async move { service.answer_stream(caller, request.into_inner()) })
    }
}

/// Encodes responses as [`Outgoing`]; decodes each request into [`Received`],
/// with its record's encoding when `keep`.
#[derive(Debug, Clone, Copy)]
struct RecordCodec<T, U> {
    keep: bool,
    types: PhantomData<(T, U)>,
}

impl<T, U> RecordCodec<T, U> {
    fn new(keep: bool) -> Self {
        RecordCodec {
            keep,
            types: PhantomData,
        }
    }
}

impl<T, U> Codec for RecordCodec<T, U>
where
    T: DecisionResponse,
    U: Message + Default + Send + 'static,
{
    type Encode = Outgoing<T>;
    type Decode = Received<U>;
    type Encoder = OutgoingEncoder<T>;
    type Decoder = RecordDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        OutgoingEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        RecordDecoder {
            keep: self.keep,
            message: PhantomData,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct RecordDecoder<U> {
    keep: bool,
    message: PhantomData<U>,
}

impl<U: Message + Default> Decoder for RecordDecoder<U> {
    type Item = Received<U>;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
        // tonic buffers a whole message before decoding it, in one chunk.
        let whole = buf.chunk().len() == buf.remaining();
        // A record within its limits (and, when its encoding is kept, written
        // as prost writes it) is decoded straight into the domain record; any
        // other message is counted, then decoded by prost.
        let direct = whole
            .then(|| record_wire::request(buf.chunk(), self.keep))
            .flatten()
            .filter(|decoded| !self.keep || decoded.encoding.is_some());
        if let Some(decoded) = direct {
            buf.advance(buf.remaining());
            return Ok(Some(Received::Record(Box::new(decoded))));
        }
        let received = match whole
            .then(|| wire_limits::over_limits(buf.chunk()))
            .flatten()
        {
            Some(over) => Received::OverLimits(over),
            // Decoded from the contiguous chunk: prost reads a slice's varints
            // and strings directly, where through the buffer each one is an
            // `advance` of the frame's `Take<BytesMut>`.
            None if whole => received(U::decode(buf.chunk())),
            None => received(U::decode(&mut *buf)),
        };
        // The frame is intact even when its content is not: skip what is left of
        // it so the next message is read from its own header.
        let rest = buf.remaining();
        buf.advance(rest);
        Ok(Some(received))
    }
}

fn received<U>(message: Result<U, prost::DecodeError>) -> Received<U> {
    match message {
        Ok(message) => Received::Message(Box::new(message)),
        Err(error) => Received::Undecodable(error),
    }
}

/// Maps a stream decoded by the generated server to the routes' item type.
pub(crate) fn decoded(
    stream: Streaming<pb::CodeCasesRequest>,
) -> impl futures_util::Stream<Item = Result<Received<pb::CodeCasesRequest>, Status>> {
    use futures_util::StreamExt;
    stream.map(|message| message.map(|request| Received::Message(Box::new(request))))
}
