//! Decodes a CodeCase or CodeCases message's record from its wire bytes straight
//! into the domain record. prost would first build the generated message, and
//! `convert` would then move it into the domain record field by field; here each
//! string is copied once, from the wire into its place. For the ledger it also
//! tells whether the bytes are the encoding prost writes of the record
//! ([`Canonical`]): then they are stored and hashed as received, where the
//! generated message would have been encoded again.
//!
//! Only the shape senders write is decoded here: the fields of
//! `proto/anescode/v1/case.proto` with their own wire types, and each singular
//! message at most once. Anything else answers `None` and the caller decodes the
//! message with prost, whose result (or error) stands: an unknown field, a field
//! with another wire type, a singular message sent twice (prost merges the two),
//! text that is not UTF-8, bytes that are not protobuf. Values follow prost's
//! rules (the last of a repeated scalar wins; varints are truncated to the
//! field's width), and a test holds the two decoders to the same result.
//!
//! A list one over its record limit is left to the caller too, which then counts
//! the record's lists on the wire (`wire_limits`) and answers it without decoding
//! it: this decoder never holds more of a record than an accepted one holds.

use std::cell::Cell;
use std::sync::Arc;

use anescode_validation as domain;
use anescode_validation::limits::{self, Limit};
use prost::Message;
use prost::encoding::{WireType, decode_key, decode_varint, encoded_len_varint};

use crate::convert;
use crate::pb;

/// Told when the bytes read are not those prost writes for what they decode to:
/// a field out of field-number order, a singular field twice, a varint longer
/// than it need be, a scalar at its default (which prost leaves out), an int32
/// or uint32 not written as prost writes one. Until then a record's own bytes
/// are its encoding, and the ledger stores and hashes them as they came.
trait Canonical {
    fn not_canonical(&self);
}

/// Whether the bytes are canonical, for the ledger.
impl Canonical for Cell<bool> {
    fn not_canonical(&self) {
        self.set(false);
    }
}

/// Not asked (the stateless path keeps no encoding): the checks compile away.
impl Canonical for () {
    #[inline(always)]
    fn not_canonical(&self) {}
}

/// One field's payload.
#[derive(Clone, Copy)]
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

impl<'a> Value<'a> {
    fn number(self) -> Option<u64> {
        match self {
            Value::Varint(value) => Some(value),
            Value::Bytes(_) => None,
        }
    }

    /// A bool: prost writes only true, as 1.
    fn flag(self, canonical: &impl Canonical) -> Option<bool> {
        let value = self.number()?;
        if value != 1 {
            canonical.not_canonical();
        }
        Some(value != 0)
    }

    /// An int32 (an enum's number, a timestamp's nanos), as prost reads one: the
    /// varint truncated. prost writes a negative one sign-extended to 64 bits.
    fn int32(self, canonical: &impl Canonical) -> Option<i32> {
        let value = self.number()?;
        let number = value as i32;
        if i64::from(number) as u64 != value {
            canonical.not_canonical();
        }
        Some(number)
    }

    /// A uint32, as prost reads one: the varint truncated.
    fn uint32(self, canonical: &impl Canonical) -> Option<u32> {
        let value = self.number()?;
        if value > u64::from(u32::MAX) {
            canonical.not_canonical();
        }
        Some(value as u32)
    }

    fn bytes(self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(bytes) => Some(bytes),
            Value::Varint(_) => None,
        }
    }

    /// A singular string field: prost leaves out an empty one.
    fn text(self, canonical: &impl Canonical) -> Option<String> {
        let text = self.element()?;
        if text.is_empty() {
            canonical.not_canonical();
        }
        Some(text)
    }

    /// An element of a repeated string field, empty or not.
    fn element(self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_owned)
    }
}

/// A varint, and whether it took no more bytes than it needs.
fn varint(message: &mut &[u8]) -> Option<(u64, bool)> {
    let before = message.len();
    let value = decode_varint(message).ok()?;
    Some((value, before - message.len() == encoded_len_varint(value)))
}

/// Calls `field` with every field of `message` in order; `None` as soon as a
/// field is neither a varint nor length-delimited, is cut short, or `field`
/// refuses it. `repeated` are the message's repeated fields, the only ones
/// prost writes more than once; a varint field prost writes is never 0.
fn each_field<'a>(
    mut message: &'a [u8],
    repeated: &[u32],
    canonical: &impl Canonical,
    mut field: impl FnMut(u32, Value<'a>) -> Option<()>,
) -> Option<()> {
    let mut last = 0;
    while !message.is_empty() {
        let before = message.len();
        let (tag, wire_type) = decode_key(&mut message).ok()?;
        let key_len = before - message.len();
        let in_order = tag > last || (tag == last && repeated.contains(&tag));
        let mut as_prost_writes =
            in_order && key_len == encoded_len_varint(u64::from(tag << 3 | 2));
        last = tag;
        let value = match wire_type {
            WireType::Varint => {
                let (value, short) = varint(&mut message)?;
                as_prost_writes &= short && value != 0;
                Value::Varint(value)
            }
            WireType::LengthDelimited => {
                let (len, short) = varint(&mut message)?;
                as_prost_writes &= short;
                let len = usize::try_from(len).ok()?;
                if len > message.len() {
                    return None;
                }
                let (payload, rest) = message.split_at(len);
                message = rest;
                Value::Bytes(payload)
            }
            _ => return None,
        };
        if !as_prost_writes {
            canonical.not_canonical();
        }
        field(tag, value)?;
    }
    Some(())
}

/// A message's decoder: `None` for bytes left to prost.
type Decode<T, C> = fn(&[u8], &C) -> Option<T>;

/// A singular message field, decoded the first time it is seen.
fn once<T, C: Canonical>(
    slot: &mut Option<T>,
    value: Value<'_>,
    decode: Decode<T, C>,
    canonical: &C,
) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(decode(value.bytes()?, canonical)?);
    Some(())
}

/// Appends the item `decode` makes of `value` to `list`, unless `list` is full.
fn push<T, C: Canonical>(
    list: &mut Vec<T>,
    (limit, value): (Limit, Value<'_>),
    decode: Decode<T, C>,
    canonical: &C,
) -> Option<()> {
    if list.len() >= limit.max {
        return None;
    }
    list.push(decode(value.bytes()?, canonical)?);
    Some(())
}

/// A CodeCaseRequest's or CodeCasesRequest's record, decoded.
#[derive(Debug)]
pub(crate) struct DecodedRecord {
    pub(crate) record: domain::CaseRecord,
    /// The view asked for.
    pub(crate) view: i32,
    /// The record's bytes, which are prost's encoding of it: asked for by the
    /// ledger only, which stores and hashes them and keeps them in memory (one
    /// allocation, shared with the rows that store them).
    pub(crate) encoding: Option<Arc<[u8]>>,
}

impl DecodedRecord {
    /// A record decoded by prost, as `request` gives one: with prost's encoding
    /// of it when `keep` asks for it.
    pub(crate) fn of_message(record: pb::CaseRecord, view: i32, keep: bool) -> Self {
        let encoding = keep.then(|| record.encode_to_vec().into());
        DecodedRecord {
            record: record.into(),
            view,
            encoding,
        }
    }
}

/// A CodeCaseRequest or CodeCasesRequest (the same fields on the wire:
/// `case_record = 1`, `view = 2`) carrying a record; with a copy of its bytes
/// when `keep` asks for them and they are prost's encoding of it. `None` for a
/// request without a record, or one left to prost.
pub(crate) fn request(message: &[u8], keep: bool) -> Option<DecodedRecord> {
    if !keep {
        let (record, view, _) = request_parts(message, &())?;
        return Some(DecodedRecord {
            record,
            view,
            encoding: None,
        });
    }
    let canonical = Cell::new(true);
    let (record, view, bytes) = request_parts(message, &canonical)?;
    Some(DecodedRecord {
        record,
        view,
        encoding: canonical.get().then(|| Arc::from(bytes)),
    })
}

/// The record, the view and the record's bytes, whose canonical form only
/// `canonical` is told of: the request around them is not kept.
fn request_parts<'a>(
    message: &'a [u8],
    canonical: &impl Canonical,
) -> Option<(domain::CaseRecord, i32, &'a [u8])> {
    let mut record = None;
    let mut record_bytes: &[u8] = &[];
    let mut view = 0;
    each_field(message, &[], &(), |tag, value| match tag {
        1 => {
            record_bytes = value.bytes()?;
            once(&mut record, value, case_record, canonical)
        }
        2 => value.int32(&()).map(|number| view = number),
        _ => None,
    })?;
    Some((record?, view, record_bytes))
}

/// A CaseRecord's own bytes (as the ledger stores them); `None` for bytes left
/// to prost.
pub(crate) fn record(message: &[u8]) -> Option<domain::CaseRecord> {
    case_record(message, &())
}

fn case_record<C: Canonical>(message: &[u8], canonical: &C) -> Option<domain::CaseRecord> {
    let mut record = domain::CaseRecord::default();
    let mut patient = None;
    let mut payer = None;
    let mut anesthesia_type = 0;
    let mut physical_status = 0;
    let r = &mut record;
    each_field(message, &[7, 8, 9, 12, 17], canonical, |tag, value| {
        match tag {
            1 => r.case_id = value.text(canonical)?,
            2 => r.revision = value.number()?,
            3 => r.facility_id = value.text(canonical)?,
            4 => r.date_of_service = value.text(canonical)?,
            5 => once(&mut patient, value, self::patient, canonical)?,
            6 => anesthesia_type = value.int32(canonical)?,
            7 => push(
                &mut r.time_blocks,
                (limits::TIME_BLOCKS, value),
                time_block,
                canonical,
            )?,
            8 => push(
                &mut r.procedures,
                (limits::PROCEDURES, value),
                procedure,
                canonical,
            )?,
            9 if r.diagnoses.len() < limits::DIAGNOSES.max => r.diagnoses.push(value.element()?),
            10 => physical_status = value.int32(canonical)?,
            11 => r.emergency = value.flag(canonical)?,
            12 => push(
                &mut r.providers,
                (limits::PROVIDERS, value),
                provider,
                canonical,
            )?,
            13 => r.total_body_hypothermia = value.flag(canonical)?,
            14 => r.controlled_hypotension = value.flag(canonical)?,
            15 => r.mac_deep_complex = value.flag(canonical)?,
            16 => r.mac_severe_cardiopulmonary_history = value.flag(canonical)?,
            17 => push(
                &mut r.ancillary_procedures,
                (limits::ANCILLARY_PROCEDURES, value),
                ancillary,
                canonical,
            )?,
            18 => r.place_of_service = value.text(canonical)?,
            19 => once(&mut payer, value, self::payer, canonical)?,
            _ => return None,
        }
        Some(())
    })?;
    record.patient = patient;
    record.payer = payer;
    record.anesthesia_type = convert::anesthesia_type(anesthesia_type);
    record.physical_status = convert::physical_status(physical_status);
    Some(record)
}

fn patient<C: Canonical>(message: &[u8], canonical: &C) -> Option<domain::Patient> {
    let mut birth_date = String::new();
    let mut sex = 0;
    each_field(message, &[], canonical, |tag, value| {
        match tag {
            1 => birth_date = value.text(canonical)?,
            2 => sex = value.int32(canonical)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(domain::Patient {
        birth_date,
        sex: convert::sex(sex),
    })
}

fn time_block<C: Canonical>(message: &[u8], canonical: &C) -> Option<domain::TimeBlock> {
    let mut block = domain::TimeBlock::default();
    each_field(message, &[], canonical, |tag, value| match tag {
        1 => once(&mut block.start, value, timestamp, canonical),
        2 => once(&mut block.end, value, timestamp, canonical),
        _ => None,
    })?;
    Some(block)
}

/// A google.protobuf.Timestamp: int64 seconds, int32 nanos.
fn timestamp<C: Canonical>(message: &[u8], canonical: &C) -> Option<domain::RawTimestamp> {
    let mut stamp = domain::RawTimestamp {
        seconds: 0,
        nanos: 0,
    };
    each_field(message, &[], canonical, |tag, value| {
        match tag {
            1 => stamp.seconds = value.number()? as i64,
            2 => stamp.nanos = value.int32(canonical)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(stamp)
}

fn procedure<C: Canonical>(message: &[u8], canonical: &C) -> Option<domain::Procedure> {
    let mut procedure = domain::Procedure::default();
    let p = &mut procedure;
    each_field(message, &[4], canonical, |tag, value| {
        match tag {
            1 => p.surgical_cpt = value.text(canonical)?,
            2 => p.anesthesia_code = value.text(canonical)?,
            3 => p.description = value.text(canonical)?,
            4 => push(
                &mut p.time_blocks,
                (limits::TIME_BLOCKS, value),
                time_block,
                canonical,
            )?,
            _ => return None,
        }
        Some(())
    })?;
    Some(procedure)
}

fn provider<C: Canonical>(message: &[u8], canonical: &C) -> Option<domain::Provider> {
    let mut provider = domain::Provider::default();
    let mut role = 0;
    let p = &mut provider;
    each_field(message, &[7], canonical, |tag, value| {
        match tag {
            1 => p.npi = value.text(canonical)?,
            2 => role = value.int32(canonical)?,
            3 => p.taxonomy = value.text(canonical)?,
            4 => p.concurrent_cases = value.uint32(canonical)?,
            5 => p.medical_direction_documented = value.flag(canonical)?,
            6 => p.present_at_induction = value.flag(canonical)?,
            7 => push(
                &mut p.time_blocks,
                (limits::TIME_BLOCKS, value),
                time_block,
                canonical,
            )?,
            _ => return None,
        }
        Some(())
    })?;
    provider.role = convert::role(role);
    Some(provider)
}

fn ancillary<C: Canonical>(message: &[u8], canonical: &C) -> Option<domain::AncillaryProcedure> {
    let mut procedure = domain::AncillaryProcedure::default();
    let p = &mut procedure;
    each_field(message, &[], canonical, |tag, value| {
        match tag {
            1 => p.cpt = value.text(canonical)?,
            2 => p.performed_by_npi = value.text(canonical)?,
            3 => p.ultrasound_guided = value.flag(canonical)?,
            4 => p.surgeon_requested_postop_pain = value.flag(canonical)?,
            5 => p.primary_anesthetic = value.flag(canonical)?,
            6 => p.emergency = value.flag(canonical)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(procedure)
}

fn payer<C: Canonical>(message: &[u8], canonical: &C) -> Option<domain::Payer> {
    let mut payer = domain::Payer::default();
    each_field(message, &[], canonical, |tag, value| {
        match tag {
            1 => payer.profile = value.text(canonical)?,
            2 => payer.plan_id = value.text(canonical)?,
            3 => payer.locality = value.text(canonical)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(payer)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use prost::Message;

    use super::*;
    use crate::pb;

    /// Texts of zero to a few characters, some outside ASCII.
    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 .é€-]{0,12}"
    }

    /// Any number an enum field can carry, known or not, negative included.
    fn enum_number() -> impl Strategy<Value = i32> {
        prop_oneof![0..8i32, any::<i32>()]
    }

    fn timestamp() -> impl Strategy<Value = Option<prost_types::Timestamp>> {
        proptest::option::of(
            (any::<i64>(), any::<i32>())
                .prop_map(|(seconds, nanos)| prost_types::Timestamp { seconds, nanos }),
        )
    }

    fn blocks() -> impl Strategy<Value = Vec<pb::TimeBlock>> {
        proptest::collection::vec(
            (timestamp(), timestamp()).prop_map(|(start, end)| pb::TimeBlock { start, end }),
            0..3,
        )
    }

    fn provider() -> impl Strategy<Value = pb::Provider> {
        (
            text(),
            enum_number(),
            text(),
            any::<u32>(),
            any::<(bool, bool)>(),
            blocks(),
        )
            .prop_map(
                |(npi, role, taxonomy, concurrent_cases, flags, time_blocks)| pb::Provider {
                    npi,
                    role,
                    taxonomy,
                    concurrent_cases,
                    medical_direction_documented: flags.0,
                    present_at_induction: flags.1,
                    time_blocks,
                },
            )
    }

    fn procedure() -> impl Strategy<Value = pb::Procedure> {
        (text(), text(), text(), blocks()).prop_map(
            |(surgical_cpt, anesthesia_code, description, time_blocks)| pb::Procedure {
                surgical_cpt,
                anesthesia_code,
                description,
                time_blocks,
            },
        )
    }

    fn ancillary() -> impl Strategy<Value = pb::AncillaryProcedure> {
        (text(), text(), any::<[bool; 4]>()).prop_map(|(cpt, performed_by_npi, flags)| {
            pb::AncillaryProcedure {
                cpt,
                performed_by_npi,
                ultrasound_guided: flags[0],
                surgeon_requested_postop_pain: flags[1],
                primary_anesthetic: flags[2],
                emergency: flags[3],
            }
        })
    }

    fn record() -> impl Strategy<Value = pb::CaseRecord> {
        let ids = (text(), any::<u64>(), text(), text(), text());
        let patient = proptest::option::of(
            (text(), enum_number()).prop_map(|(birth_date, sex)| pb::Patient { birth_date, sex }),
        );
        let payer = proptest::option::of((text(), text(), text()).prop_map(
            |(profile, plan_id, locality)| pb::Payer {
                profile,
                plan_id,
                locality,
            },
        ));
        let lists = (
            blocks(),
            proptest::collection::vec(procedure(), 0..3),
            proptest::collection::vec(text(), 0..4),
            proptest::collection::vec(provider(), 0..3),
            proptest::collection::vec(ancillary(), 0..2),
        );
        let scalars = (enum_number(), enum_number(), any::<[bool; 5]>());
        (ids, patient, payer, lists, scalars).prop_map(|(ids, patient, payer, lists, scalars)| {
            let (case_id, revision, facility_id, date_of_service, place_of_service) = ids;
            let (time_blocks, procedures, diagnoses, providers, ancillary_procedures) = lists;
            let (anesthesia_type, physical_status, flags) = scalars;
            pb::CaseRecord {
                case_id,
                revision,
                facility_id,
                date_of_service,
                patient,
                anesthesia_type,
                time_blocks,
                procedures,
                diagnoses,
                physical_status,
                emergency: flags[0],
                providers,
                total_body_hypothermia: flags[1],
                controlled_hypotension: flags[2],
                mac_deep_complex: flags[3],
                mac_severe_cardiopulmonary_history: flags[4],
                ancillary_procedures,
                place_of_service,
                payer,
            }
        })
    }

    /// The record and view `request` decodes.
    /// The same whether its encoding is asked for or not.
    fn decode(bytes: &[u8]) -> Option<(domain::CaseRecord, i32)> {
        let kept = request(bytes, true).map(|decoded| (decoded.record, decoded.view));
        let alone = request(bytes, false).map(|decoded| (decoded.record, decoded.view));
        assert_eq!(kept, alone);
        kept
    }

    /// The encoding `request` finds the record's bytes to be.
    fn encoding(bytes: &[u8]) -> Option<Vec<u8>> {
        request(bytes, true)?.encoding.map(|kept| kept.to_vec())
    }

    fn wire(record: pb::CaseRecord, view: i32) -> Vec<u8> {
        pb::CodeCasesRequest {
            item: Some(pb::code_cases_request::Item::CaseRecord(record)),
            view,
        }
        .encode_to_vec()
    }

    /// What prost and `convert` make of `bytes`, as this decoder answers it.
    fn through_prost(bytes: &[u8]) -> Option<(domain::CaseRecord, i32)> {
        let request = pb::CodeCasesRequest::decode(bytes).ok()?;
        match request.item {
            Some(pb::code_cases_request::Item::CaseRecord(record)) => {
                Some((record.into(), request.view))
            }
            None => None,
        }
    }

    fn at(seconds: i64) -> Option<prost_types::Timestamp> {
        Some(prost_types::Timestamp { seconds, nanos: 0 })
    }

    /// A record as senders write one: every list and message present.
    fn realistic() -> pb::CaseRecord {
        let block = pb::TimeBlock {
            start: at(1_772_525_400),
            end: at(1_772_531_100),
        };
        pb::CaseRecord {
            case_id: "EX-00406-0001".into(),
            revision: 3,
            facility_id: "MAIN-OR".into(),
            date_of_service: "2026-03-03".into(),
            patient: Some(pb::Patient {
                birth_date: "1961-07-14".into(),
                sex: pb::Sex::Female.into(),
            }),
            anesthesia_type: pb::AnesthesiaType::General.into(),
            time_blocks: vec![block],
            procedures: vec![pb::Procedure {
                surgical_cpt: "19306".into(),
                description: "radical mastectomy".into(),
                ..Default::default()
            }],
            diagnoses: vec!["C50.911".into(), "Z17.0".into()],
            physical_status: pb::PhysicalStatus::P3.into(),
            providers: vec![
                pb::Provider {
                    npi: "1234567893".into(),
                    role: pb::ProviderRole::Anesthesiologist.into(),
                    concurrent_cases: 2,
                    medical_direction_documented: true,
                    present_at_induction: true,
                    ..Default::default()
                },
                pb::Provider {
                    npi: "1245319599".into(),
                    role: pb::ProviderRole::Crna.into(),
                    time_blocks: vec![block],
                    ..Default::default()
                },
            ],
            ancillary_procedures: vec![pb::AncillaryProcedure {
                cpt: "36620".into(),
                performed_by_npi: "1234567893".into(),
                ..Default::default()
            }],
            place_of_service: "21".into(),
            payer: Some(pb::Payer {
                profile: "medicare".into(),
                plan_id: "MCR-B".into(),
                locality: "05102-01".into(),
            }),
            ..Default::default()
        }
    }

    proptest! {
        /// Any record the generated types can write decodes here to what prost
        /// and `convert` make of it.
        #[test]
        fn a_record_decodes_as_through_prost(record in record(), view in enum_number()) {
            let bytes = wire(record.clone(), view);
            prop_assert_eq!(super::record(&record.encode_to_vec()), Some(record.clone().into()));
            prop_assert_eq!(decode(&bytes), Some((record.into(), view)));
        }

        /// Damaged bytes are either left to prost or decoded as prost decodes
        /// them: never a different record.
        #[test]
        fn damaged_bytes_decode_as_through_prost_or_not_at_all(
            record in record(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = wire(record, 1);
            let at = at.index(bytes.len());
            bytes[at] = byte;
            for damaged in [&bytes[..], &bytes[..cut.index(bytes.len())]] {
                if let Some(decoded) = decode(damaged) {
                    prop_assert_eq!(Some(decoded), through_prost(damaged));
                }
            }
        }
    }

    /// Bytes this decoder takes for prost's encoding of their record are that:
    /// prost decodes them and writes them again the same.
    fn holds_as_encoding(bytes: &[u8]) -> bool {
        encoding(bytes).is_none_or(|kept| {
            pb::CaseRecord::decode(&kept[..]).is_ok_and(|record| record.encode_to_vec() == kept)
        })
    }

    proptest! {
        /// Any record the generated types write is its own encoding.
        #[test]
        fn a_record_prost_wrote_is_kept_as_its_encoding(record in record(), view in enum_number()) {
            let bytes = wire(record.clone(), view);
            prop_assert_eq!(encoding(&bytes), Some(record.encode_to_vec()));
        }

        /// Damaged bytes are kept as an encoding only when they are one.
        #[test]
        fn damaged_bytes_are_kept_only_as_what_prost_writes(
            record in record(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut bytes = wire(record, 1);
            let at = at.index(bytes.len());
            bytes[at] = byte;
            prop_assert!(holds_as_encoding(&bytes));
        }
    }

    /// Bytes prost reads as the same record but would not write: decoded, not
    /// kept as its encoding.
    #[test]
    fn other_encodings_of_a_record_are_not_kept() {
        let record = |fields: &[u8]| {
            let mut bytes = vec![0x0a, fields.len() as u8];
            bytes.extend_from_slice(fields);
            bytes
        };
        let case_id = [0x0a, 0x01, b'A'];
        assert_eq!(encoding(&record(&case_id)), Some(case_id.to_vec()));
        let others: [&[u8]; 8] = [
            // revision before case_id
            &[0x10, 0x01, 0x0a, 0x01, b'A'],
            // revision 0, which prost leaves out
            &[0x0a, 0x01, b'A', 0x10, 0x00],
            // revision 1 in two bytes
            &[0x0a, 0x01, b'A', 0x10, 0x81, 0x00],
            // emergency written as 2
            &[0x0a, 0x01, b'A', 0x58, 0x02],
            // case_id twice
            &[0x0a, 0x01, b'A', 0x0a, 0x01, b'B'],
            // an empty case_id
            &[0x0a, 0x00],
            // anesthesia type -1 in five bytes
            &[0x0a, 0x01, b'A', 0x30, 0xff, 0xff, 0xff, 0xff, 0x0f],
            // a provider's concurrent cases over 32 bits
            &[
                0x0a, 0x01, b'A', 0x62, 0x06, 0x20, 0x80, 0x80, 0x80, 0x80, 0x10,
            ],
        ];
        for fields in others {
            let bytes = record(fields);
            assert!(decode(&bytes).is_some(), "{fields:?} is decoded");
            assert_eq!(decode(&bytes), through_prost(&bytes), "{fields:?}");
            assert_eq!(encoding(&bytes), None, "{fields:?} is not kept");
        }
    }

    #[test]
    fn a_realistic_record_decodes_at_every_damage_as_through_prost_or_not_at_all() {
        let bytes = wire(realistic(), 2);
        assert_eq!(decode(&bytes), through_prost(&bytes));
        assert!(decode(&bytes).is_some());
        for at in 0..bytes.len() {
            for change in [0x00, 0x01, 0x08, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= change;
                if let Some(decoded) = decode(&damaged) {
                    assert_eq!(
                        Some(decoded),
                        through_prost(&damaged),
                        "byte {at} ^ {change}"
                    );
                }
                assert!(holds_as_encoding(&damaged), "byte {at} ^ {change}");
            }
            if let Some(decoded) = decode(&bytes[..at]) {
                assert_eq!(Some(decoded), through_prost(&bytes[..at]), "cut at {at}");
            }
        }
    }

    /// The shapes this decoder leaves to prost, each of which prost decodes
    /// (or refuses) by its own rules.
    #[test]
    fn other_shapes_are_left_to_prost() {
        let record = realistic();
        let mut unknown = wire(record.clone(), 0);
        unknown.extend_from_slice(&[0x18, 0x01]); // field 3, a varint
        assert_eq!(decode(&unknown), None);
        assert!(through_prost(&unknown).is_some(), "prost skips it");

        let patient = pb::Patient {
            birth_date: "1970-01-01".into(),
            sex: 1,
        };
        let mut twice = pb::CaseRecord {
            patient: Some(patient.clone()),
            ..record.clone()
        }
        .encode_to_vec();
        twice.extend_from_slice(
            &pb::CaseRecord {
                patient: Some(patient),
                ..Default::default()
            }
            .encode_to_vec(),
        );
        let mut request_twice = vec![0x0a];
        prost::encoding::encode_varint(twice.len() as u64, &mut request_twice);
        request_twice.extend_from_slice(&twice);
        assert_eq!(
            decode(&request_twice),
            None,
            "a patient sent twice is merged by prost"
        );

        let not_utf8 = [0x0a, 0x03, 0x0a, 0x01, 0xff];
        assert_eq!(decode(&not_utf8), None);
        assert!(pb::CodeCasesRequest::decode(&not_utf8[..]).is_err());

        let case_id_as_number = [0x0a, 0x02, 0x08, 0x01];
        assert_eq!(decode(&case_id_as_number), None);

        assert_eq!(decode(&[0x10, 0x01]), None, "no record");
        assert_eq!(decode(&[]), None);
    }

    /// A list at its limit is decoded; one over it is left to the caller, which
    /// answers it from the wire count without decoding it.
    #[test]
    fn a_list_over_its_limit_is_left_to_the_caller() {
        let at_limit = pb::CaseRecord {
            diagnoses: vec!["C50.911".into(); limits::DIAGNOSES.max],
            ..realistic()
        };
        let bytes = wire(at_limit.clone(), 0);
        assert_eq!(decode(&bytes), Some((at_limit.into(), 0)));
        let mut over = realistic();
        over.providers[1].time_blocks = vec![pb::TimeBlock::default(); limits::TIME_BLOCKS.max + 1];
        let bytes = wire(over, 0);
        assert_eq!(decode(&bytes), None);
        assert!(crate::wire_limits::over_limits(&bytes).is_some());
    }
}
