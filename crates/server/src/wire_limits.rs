//! Counts the lists of a case record in its wire bytes, before decoding it. A
//! few bytes on the wire can stand for a large decoded value (an empty
//! ancillary procedure is 2 bytes on the wire and over 50 in memory), so a record
//! whose lists are over the record limits is answered from this count without
//! being decoded: the memory one request costs stays near its size on the wire.
//!
//! Field numbers are those of `proto/anescode/v1/case.proto`; a test decodes
//! records built with the generated types to keep them in step.

use anescode_validation::Finding;
use anescode_validation::limits::{self, Limit};
use anescode_validation::{FieldPath, Name};
use prost::bytes::Buf;
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};

/// `case_record` in CodeCaseRequest and in CodeCasesRequest's `item`.
const REQUEST_CASE_RECORD: u32 = 1;

mod case_record {
    pub(super) const CASE_ID: u32 = 1;
    pub(super) const REVISION: u32 = 2;
    pub(super) const TIME_BLOCKS: u32 = 7;
    pub(super) const PROCEDURES: u32 = 8;
    pub(super) const DIAGNOSES: u32 = 9;
    pub(super) const PROVIDERS: u32 = 12;
    pub(super) const ANCILLARY_PROCEDURES: u32 = 17;
}
/// `time_blocks` in Procedure.
const PROCEDURE_TIME_BLOCKS: u32 = 4;
/// `time_blocks` in Provider.
const PROVIDER_TIME_BLOCKS: u32 = 7;

/// A record found over its list limits on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OverLimits {
    /// The record's case_id, as far as it is valid UTF-8.
    pub(crate) case_id: String,
    /// The record's revision.
    pub(crate) revision: u64,
    /// One finding per list over its limit.
    pub(crate) findings: Vec<Finding>,
}

/// One field of a message: its number and its payload.
enum Field<'a> {
    Bytes(u32, &'a [u8]),
    Varint(u32, u64),
}

/// Calls `visit` for every length-delimited and varint field of `message`,
/// skipping the others. `None` when the bytes are not well-formed protobuf;
/// the decoder then reports them.
fn each_field<'a>(mut message: &'a [u8], mut visit: impl FnMut(Field<'a>)) -> Option<()> {
    while message.has_remaining() {
        let (tag, wire_type) = decode_key(&mut message).ok()?;
        match wire_type {
            WireType::LengthDelimited => {
                let len = usize::try_from(decode_varint(&mut message).ok()?).ok()?;
                if len > message.len() {
                    return None;
                }
                let (payload, rest) = message.split_at(len);
                visit(Field::Bytes(tag, payload));
                message = rest;
            }
            WireType::Varint => visit(Field::Varint(tag, decode_varint(&mut message).ok()?)),
            other => skip_field(other, tag, &mut message, DecodeContext::default()).ok()?,
        }
    }
    Some(())
}

/// Counts the occurrences of field `tag` in `message`.
fn count(message: &[u8], tag: u32) -> Option<usize> {
    let mut n = 0;
    each_field(message, |field| {
        if matches!(field, Field::Bytes(t, _) if t == tag) {
            n += 1;
        }
    })?;
    Some(n)
}

#[derive(Default)]
struct Counts<'a> {
    case_id: &'a [u8],
    revision: u64,
    time_blocks: usize,
    procedures: Vec<&'a [u8]>,
    diagnoses: usize,
    providers: Vec<&'a [u8]>,
    ancillary_procedures: usize,
}

/// The record of a CodeCaseRequest or CodeCasesRequest over its list limits, or
/// `None` when it is within them (or is not well-formed; decoding reports that).
pub(crate) fn over_limits(request: &[u8]) -> Option<OverLimits> {
    let mut counts = Counts::default();
    let mut records = Vec::new();
    each_field(request, |field| {
        if let Field::Bytes(REQUEST_CASE_RECORD, record) = field {
            records.push(record);
        }
    })?;
    // Protobuf merges repeated occurrences of a message field: count them all.
    for record in records {
        each_field(record, |field| match field {
            Field::Bytes(case_record::CASE_ID, id) => counts.case_id = id,
            Field::Varint(case_record::REVISION, revision) => counts.revision = revision,
            Field::Bytes(case_record::TIME_BLOCKS, _) => counts.time_blocks += 1,
            Field::Bytes(case_record::PROCEDURES, p) => counts.procedures.push(p),
            Field::Bytes(case_record::DIAGNOSES, _) => counts.diagnoses += 1,
            Field::Bytes(case_record::PROVIDERS, p) => counts.providers.push(p),
            Field::Bytes(case_record::ANCILLARY_PROCEDURES, _) => counts.ancillary_procedures += 1,
            Field::Bytes(..) | Field::Varint(..) => {}
        })?;
    }
    let findings = counts.findings()?;
    if findings.is_empty() {
        return None;
    }
    Some(OverLimits {
        case_id: String::from_utf8_lossy(counts.case_id).into_owned(),
        revision: counts.revision,
        findings,
    })
}

impl Counts<'_> {
    /// The findings, in the order the engine's own limit check reports them.
    fn findings(&self) -> Option<Vec<Finding>> {
        let mut findings = Vec::new();
        let mut check = |limit: Limit, field: FieldPath, n: usize| {
            if n > limit.max {
                findings.push(limits::list_over_limit(limit, field, n));
                false
            } else {
                true
            }
        };
        check(
            limits::TIME_BLOCKS,
            FieldPath::of(Name::TimeBlocks),
            self.time_blocks,
        );
        if check(
            limits::PROCEDURES,
            FieldPath::of(Name::Procedures),
            self.procedures.len(),
        ) {
            for (i, procedure) in self.procedures.iter().enumerate() {
                let n = count(procedure, PROCEDURE_TIME_BLOCKS)?;
                check(
                    limits::TIME_BLOCKS,
                    FieldPath::of(Name::Procedures).at(i).then(Name::TimeBlocks),
                    n,
                );
            }
        }
        check(
            limits::DIAGNOSES,
            FieldPath::of(Name::Diagnoses),
            self.diagnoses,
        );
        if check(
            limits::PROVIDERS,
            FieldPath::of(Name::Providers),
            self.providers.len(),
        ) {
            for (i, provider) in self.providers.iter().enumerate() {
                let n = count(provider, PROVIDER_TIME_BLOCKS)?;
                check(
                    limits::TIME_BLOCKS,
                    FieldPath::of(Name::Providers).at(i).then(Name::TimeBlocks),
                    n,
                );
            }
        }
        check(
            limits::ANCILLARY_PROCEDURES,
            FieldPath::of(Name::AncillaryProcedures),
            self.ancillary_procedures,
        );
        Some(findings)
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::pb;

    fn record() -> pb::CaseRecord {
        pb::CaseRecord {
            case_id: "W-1".into(),
            revision: 7,
            time_blocks: vec![pb::TimeBlock::default(); 3],
            procedures: vec![pb::Procedure {
                time_blocks: vec![pb::TimeBlock::default(); 2],
                ..Default::default()
            }],
            diagnoses: vec!["N62".into()],
            providers: vec![pb::Provider::default()],
            ancillary_procedures: vec![pb::AncillaryProcedure::default()],
            ..Default::default()
        }
    }

    fn request(record: pb::CaseRecord) -> Vec<u8> {
        pb::CodeCaseRequest {
            case_record: Some(record),
            ..Default::default()
        }
        .encode_to_vec()
    }

    #[test]
    fn a_record_within_its_limits_is_left_to_the_decoder() {
        assert_eq!(over_limits(&request(record())), None);
        assert_eq!(
            over_limits(b"\x0a\x64\x01"),
            None,
            "malformed: the decoder reports it"
        );
    }

    /// Every list the engine limits, over its limit, is found on the wire with
    /// the same findings the engine's own check gives the decoded record.
    #[test]
    fn the_wire_count_agrees_with_the_engine_check() {
        let mut big = record();
        big.time_blocks = vec![pb::TimeBlock::default(); 51];
        big.procedures[0].time_blocks = vec![pb::TimeBlock::default(); 60];
        big.diagnoses = vec![String::new(); 26];
        big.providers = vec![
            pb::Provider {
                time_blocks: vec![pb::TimeBlock::default(); 51],
                ..Default::default()
            };
            2
        ];
        big.ancillary_procedures = vec![pb::AncillaryProcedure::default(); 1_000];
        let found = over_limits(&request(big.clone())).expect("over its limits");
        assert_eq!(found.case_id, "W-1");
        assert_eq!(found.revision, 7);
        let domain: anescode_validation::CaseRecord = big.into();
        let coder = anescode_validation::Coder::new(
            std::sync::Arc::new(anescode_codes::Catalog::embedded()),
            std::sync::Arc::new(anescode_validation::PayerProfiles::embedded()),
        );
        assert_eq!(coder.code(&domain).findings, found.findings);
        let fields: Vec<String> = found.findings.iter().map(|f| f.field.to_string()).collect();
        assert_eq!(
            fields,
            [
                "time_blocks",
                "procedures[0].time_blocks",
                "diagnoses",
                "providers[0].time_blocks",
                "providers[1].time_blocks",
                "ancillary_procedures"
            ]
        );
    }

    #[test]
    fn a_stream_message_is_counted_the_same_way() {
        let mut big = record();
        big.procedures = vec![pb::Procedure::default(); 31];
        let message = pb::CodeCasesRequest {
            item: Some(pb::code_cases_request::Item::CaseRecord(big)),
            ..Default::default()
        }
        .encode_to_vec();
        let found = over_limits(&message).expect("over");
        assert_eq!(found.findings.len(), 1);
        assert_eq!(found.findings[0].field, "procedures");
    }
}
