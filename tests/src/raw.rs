//! A client that sends messages as raw bytes, to send what a well-behaved client
//! never would: corrupt protobuf, or messages of any size.

use std::marker::PhantomData;

use futures_util::Stream;
use prost::bytes::BufMut;
use tonic::Status;
use tonic::codec::{Codec, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic_prost::{ProstCodec, ProstDecoder};

/// Encodes raw bytes; decodes responses of type `D` with prost.
#[derive(Debug)]
pub struct RawCodec<D>(PhantomData<D>);

impl<D> Default for RawCodec<D> {
    fn default() -> Self {
        RawCodec(PhantomData)
    }
}

impl<D: prost::Message + Default + Send + 'static> Codec for RawCodec<D> {
    type Encode = Vec<u8>;
    type Decode = D;
    type Encoder = RawEncoder;
    type Decoder = ProstDecoder<D>;

    fn encoder(&mut self) -> Self::Encoder {
        RawEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstCodec::<D, D>::default().decoder()
    }
}

/// Writes the bytes as they are.
#[derive(Debug)]
pub struct RawEncoder;

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

/// A raw client on `channel` whose messages may be as large as the server allows.
fn client(channel: Channel) -> tonic::client::Grpc<Channel> {
    tonic::client::Grpc::new(channel)
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX)
}

/// Sends `bytes` as the request of the unary method at `path`.
pub async fn unary<D: prost::Message + Default + Send + 'static>(
    channel: Channel,
    path: &'static str,
    bytes: Vec<u8>,
) -> Result<D, Status> {
    let mut grpc = client(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    grpc.unary(
        tonic::Request::new(bytes),
        PathAndQuery::from_static(path),
        RawCodec::<D>::default(),
    )
    .await
    .map(tonic::Response::into_inner)
}

/// Sends each of `messages` as raw bytes on the streaming method at `path`.
pub async fn streaming<D: prost::Message + Default + Send + 'static>(
    channel: Channel,
    path: &'static str,
    messages: impl Stream<Item = Vec<u8>> + Send + 'static,
) -> Result<tonic::Streaming<D>, Status> {
    let mut grpc = client(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    grpc.streaming(
        tonic::Request::new(messages),
        PathAndQuery::from_static(path),
        RawCodec::<D>::default(),
    )
    .await
    .map(tonic::Response::into_inner)
}
