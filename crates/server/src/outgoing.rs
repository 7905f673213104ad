//! Answers of CodeCase and CodeCases as they leave: a response message, or a
//! decision already encoded, sent as those bytes. A decision is encoded straight
//! from the domain decision (`decision_wire`), its full view followed by its
//! figure set's bytes, encoded once per set (`figure_sets`); the case ledger's
//! is the encoding it stored, so a full-view answer is not encoded twice. Both
//! responses carry the decision as field 1, so one encoding serves both.

use prost::Message;
use prost::bytes::{BufMut, Bytes};
use tonic::Status;
use tonic::codec::{BufferSettings, EncodeBuf, Encoder};

use crate::pb;

/// `decision` (field 1, length-delimited) of CodeCaseResponse and CodeCasesResponse.
const DECISION_KEY: u8 = (1 << 3) | 2;

/// The response messages whose field 1 is the decision.
pub(crate) trait DecisionResponse: Message + Default + Send + 'static {
    fn of(decision: pb::CodingDecision) -> Self;
}

impl DecisionResponse for pb::CodeCaseResponse {
    fn of(decision: pb::CodingDecision) -> Self {
        pb::CodeCaseResponse {
            decision: Some(decision),
        }
    }
}

impl DecisionResponse for pb::CodeCasesResponse {
    fn of(decision: pb::CodingDecision) -> Self {
        pb::CodeCasesResponse {
            decision: Some(decision),
        }
    }
}

/// A response on its way out.
#[derive(Debug, Clone)]
pub(crate) enum Outgoing<T> {
    /// A message, encoded as it is sent. Boxed: an answer is moved through
    /// every stream adapter between the coder and the encoder, and a message
    /// is over 300 bytes.
    Message(Box<T>),
    /// A response of just a decision whose anescode.v1.CodingDecision encoding
    /// is these two parts, one after the other (the second may be empty): a
    /// decision and its figure set, or a lean decision and its ledger entry.
    Encoded([Bytes; 2]),
}

impl<T: DecisionResponse> Outgoing<T> {
    /// The response with this decision.
    pub(crate) fn decision(decision: pb::CodingDecision) -> Self {
        Outgoing::Message(Box::new(T::of(decision)))
    }

    /// The response as a message (for the generated server's routes).
    pub(crate) fn into_message(self) -> Result<T, Status> {
        match self {
            Outgoing::Message(message) => Ok(*message),
            Outgoing::Encoded(parts) => {
                let decision = pb::CodingDecision::decode(parts.concat().as_slice())
                    .map_err(|error| Status::internal(format!("a stored decision: {error}")))?;
                Ok(T::of(decision))
            }
        }
    }

    /// Writes the response after making room for all of it at once: a buffer
    /// that grows while a message is written copies what it holds each time.
    fn encode(&self, buf: &mut impl Room) {
        match self {
            Outgoing::Message(message) => {
                buf.make_room(message.encoded_len());
                message.encode_raw(buf);
            }
            Outgoing::Encoded(parts) => {
                put_decision_key(parts.iter().map(Bytes::len).sum(), buf);
                for part in parts {
                    buf.put_slice(part);
                }
            }
        }
    }
}

/// A buffer that can be grown ahead of writing.
pub(crate) trait Room: BufMut {
    fn make_room(&mut self, additional: usize);
}

impl Room for Vec<u8> {
    fn make_room(&mut self, additional: usize) {
        self.reserve(additional);
    }
}

impl Room for EncodeBuf<'_> {
    fn make_room(&mut self, additional: usize) {
        self.reserve(additional);
    }
}

/// The most bytes of a field's key and length: one byte of key, a varint of at
/// most ten.
const KEY_AND_LENGTH: usize = 11;

/// The key and length of a response's decision field of `len` bytes, with room
/// made for the field's `len` bytes.
fn put_decision_key(len: usize, buf: &mut impl Room) {
    buf.make_room(KEY_AND_LENGTH + len);
    buf.put_u8(DECISION_KEY);
    prost::encoding::encode_varint(len as u64, buf);
}

/// A stream's answers are sent in chunks of at least this many bytes when they
/// are ready faster than they leave.
const SEND_AT: usize = 12 * 1024;
/// Room for a chunk and one full decision (about 3 KB) past it, so that a chunk
/// needs one allocation. Measured with the loadgen (docs/performance.md, eighth
/// session): server CPU per full-view decision 7.06-7.12 µs with tonic's 8 KiB
/// buffer sent at 32 KiB, 6.94-7.00 µs with this; peak RSS with 1,000 streams
/// 84.7 MB before, 80.4 MB with this, 96.2 MB with 32 KiB sent at 24 KiB.
const ENCODE_BUFFER: usize = 16 * 1024;
const _: () = assert!(ENCODE_BUFFER >= SEND_AT + 3 * 1024);

/// Encodes [`Outgoing`] responses.
#[derive(Debug)]
pub(crate) struct OutgoingEncoder<T>(std::marker::PhantomData<T>);

impl<T> Default for OutgoingEncoder<T> {
    fn default() -> Self {
        OutgoingEncoder(std::marker::PhantomData)
    }
}

impl<T: DecisionResponse> Encoder for OutgoingEncoder<T> {
    type Item = Outgoing<T>;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, buf: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        item.encode(buf);
        Ok(())
    }

    /// A buffer that holds a whole chunk: tonic's default starts at 8 KiB and
    /// sends at 32 KiB, so a burst of answers (a ledger batch's) grew it up to
    /// three times, copying what it held each time.
    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::new(ENCODE_BUFFER, SEND_AT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision() -> pb::CodingDecision {
        pb::CodingDecision {
            case_id: "C-1".to_owned(),
            status: pb::DecisionStatus::Coded.into(),
            anesthesia_code: "00406".to_owned(),
            rationale: "r".repeat(300),
            ledger: Some(pb::LedgerEntry {
                decision_version: 2,
                sequence: 9,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn an_encoded_decision_goes_out_as_the_message_would() {
        let bytes = decision().encode_to_vec();
        let (head, tail) = bytes.split_at(100);
        let parts = [Bytes::copy_from_slice(head), Bytes::copy_from_slice(tail)];
        let mut sent = Vec::new();
        Outgoing::<pb::CodeCasesResponse>::Encoded(parts.clone()).encode(&mut sent);
        let expected = pb::CodeCasesResponse::of(decision()).encode_to_vec();
        assert_eq!(sent, expected);
        let mut one = Vec::new();
        Outgoing::<pb::CodeCaseResponse>::Encoded(parts.clone()).encode(&mut one);
        assert_eq!(one, pb::CodeCaseResponse::of(decision()).encode_to_vec());
        let message = Outgoing::<pb::CodeCasesResponse>::Encoded(parts)
            .into_message()
            .expect("decodes");
        assert_eq!(message.decision, Some(decision()));
    }
}
