//! The codec of every generated anescode.v1 method: prost's, except that a
//! request that is not valid protobuf is INVALID_ARGUMENT (the caller must change
//! it) rather than INTERNAL, with prost's short description of the fault and
//! nothing of the bytes.

use std::marker::PhantomData;

use prost::Message;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder};
use tonic_prost::ProstEncoder;

/// prost encoding; decoding faults are INVALID_ARGUMENT.
#[derive(Debug, Clone)]
pub(crate) struct StrictCodec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for StrictCodec<T, U> {
    fn default() -> Self {
        StrictCodec {
            _types: PhantomData,
        }
    }
}

impl<T, U> Codec for StrictCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = StrictDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        StrictDecoder { _type: PhantomData }
    }
}

/// Decodes `U`, or answers INVALID_ARGUMENT.
#[derive(Debug, Clone)]
pub(crate) struct StrictDecoder<U> {
    _type: PhantomData<U>,
}

impl<U: Message + Default> Decoder for StrictDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
        U::decode(buf)
            .map(Some)
            .map_err(|error| undecodable(&error))
    }
}

/// The status of a request that is not valid protobuf: prost's short description
/// of the fault, nothing of the bytes.
pub(crate) fn undecodable(error: &prost::DecodeError) -> Status {
    Status::invalid_argument(format!(
        "the request is not a valid protobuf message of its type: {error}"
    ))
}
