//! Routes anescode.v1.AnesthesiaCoding. CodeCases goes through a codec that keeps
//! a message it cannot decode as an error value, so one corrupt message is answered
//! with a REJECTED decision and the stream goes on; every other method goes to the
//! generated server.

use std::convert::Infallible;
use std::sync::Arc;

use futures_util::StreamExt;
use prost::Message;
use prost::bytes::Buf;
use tonic::codec::{Codec, DecodeBuf, Decoder};
use tonic::codegen::{Body, BoxFuture, Context, Poll, Service, StdError, http};
use tonic::server::{NamedService, StreamingService};
use tonic::{Request, Response, Status, Streaming};
use tonic_prost::{ProstCodec, ProstEncoder};

use crate::coding_service::{Caller, CodingService, DecisionStream};
use crate::pb;
use crate::pb::anesthesia_coding_server::AnesthesiaCodingServer;

const CODE_CASES_PATH: &str = "/anescode.v1.AnesthesiaCoding/CodeCases";

/// One CodeCases message as received: decoded, or why it could not be.
pub(crate) type Received = Result<pb::CodeCasesRequest, prost::DecodeError>;

/// The AnesthesiaCoding service with its lenient CodeCases route.
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
        if request.uri().path() != CODE_CASES_PATH {
            return self.generated.call(request);
        }
        let method = CodeCasesMethod(Arc::clone(&self.service));
        let limit = self.max_message_bytes;
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(LenientCodec)
                .max_decoding_message_size(limit)
                .max_encoding_message_size(limit);
            Ok(grpc.streaming(method, request).await)
        })
    }
}

struct CodeCasesMethod(Arc<CodingService>);

impl StreamingService<Received> for CodeCasesMethod {
    type Response = pb::CodeCasesResponse;
    type ResponseStream = DecisionStream;
    type Future = BoxFuture<Response<Self::ResponseStream>, Status>;

    fn call(&mut self, request: Request<Streaming<Received>>) -> Self::Future {
        let service = Arc::clone(&self.0);
        let caller = Caller::of(&request);
        Box::pin(async move { service.answer_stream(caller, request.into_inner()) })
    }
}

/// Encodes responses as prost does; decodes each request into [`Received`].
#[derive(Debug, Clone, Copy)]
struct LenientCodec;

impl Codec for LenientCodec {
    type Encode = pb::CodeCasesResponse;
    type Decode = Received;
    type Encoder = ProstEncoder<pb::CodeCasesResponse>;
    type Decoder = LenientDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        ProstCodec::<pb::CodeCasesResponse, pb::CodeCasesRequest>::default().encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        LenientDecoder
    }
}

#[derive(Debug, Clone, Copy)]
struct LenientDecoder;

impl Decoder for LenientDecoder {
    type Item = Received;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
        let received = pb::CodeCasesRequest::decode(&mut *buf);
        // The frame is intact even when its content is not: skip what is left of
        // it so the next message is read from its own header.
        let rest = buf.remaining();
        buf.advance(rest);
        Ok(Some(received))
    }
}

/// Maps a decoded stream to the generated service's item type.
pub(crate) fn decoded(
    stream: Streaming<pb::CodeCasesRequest>,
) -> impl futures_util::Stream<Item = Result<Received, Status>> {
    stream.map(|message| message.map(Ok))
}
