//! Decodes a CodeCases message's record from its wire bytes straight into the
//! domain record, on the stateless path. prost would first build the generated
//! message, and `convert` would then move it into the domain record field by
//! field; here each string is copied once, from the wire into its place.
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

use anescode_validation as domain;
use anescode_validation::limits::{self, Limit};
use prost::encoding::{WireType, decode_key, decode_varint};

use crate::convert;

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

    fn flag(self) -> Option<bool> {
        self.number().map(|value| value != 0)
    }

    /// An enum's number, as prost reads an int32: the varint truncated.
    fn enum_number(self) -> Option<i32> {
        self.number().map(|value| value as i32)
    }

    fn bytes(self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(bytes) => Some(bytes),
            Value::Varint(_) => None,
        }
    }

    fn text(self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_owned)
    }
}

/// Calls `field` with every field of `message` in order; `None` as soon as a
/// field is neither a varint nor length-delimited, is cut short, or `field`
/// refuses it.
fn each_field<'a>(
    mut message: &'a [u8],
    mut field: impl FnMut(u32, Value<'a>) -> Option<()>,
) -> Option<()> {
    while !message.is_empty() {
        let (tag, wire_type) = decode_key(&mut message).ok()?;
        let value = match wire_type {
            WireType::Varint => Value::Varint(decode_varint(&mut message).ok()?),
            WireType::LengthDelimited => {
                let len = usize::try_from(decode_varint(&mut message).ok()?).ok()?;
                if len > message.len() {
                    return None;
                }
                let (payload, rest) = message.split_at(len);
                message = rest;
                Value::Bytes(payload)
            }
            _ => return None,
        };
        field(tag, value)?;
    }
    Some(())
}

/// A singular message field, decoded by `decode` the first time it is seen.
fn once<T>(slot: &mut Option<T>, value: Value<'_>, decode: fn(&[u8]) -> Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(decode(value.bytes()?)?);
    Some(())
}

/// Appends the item `decode` makes of `value` to `list`, unless `list` is full.
fn push<T>(
    list: &mut Vec<T>,
    limit: Limit,
    value: Value<'_>,
    decode: fn(&[u8]) -> Option<T>,
) -> Option<()> {
    if list.len() >= limit.max {
        return None;
    }
    list.push(decode(value.bytes()?)?);
    Some(())
}

/// A CodeCaseRequest or CodeCasesRequest (the same fields on the wire:
/// `case_record = 1`, `view = 2`) carrying a record: the record and the view asked
/// for. `None` for a request without a record, or one left to prost.
pub(crate) fn request(message: &[u8]) -> Option<(domain::CaseRecord, i32)> {
    let mut record = None;
    let mut view = 0;
    each_field(message, |tag, value| match tag {
        1 => once(&mut record, value, case_record),
        2 => value.enum_number().map(|number| view = number),
        _ => None,
    })?;
    Some((record?, view))
}

fn case_record(message: &[u8]) -> Option<domain::CaseRecord> {
    let mut record = domain::CaseRecord::default();
    let mut patient = None;
    let mut payer = None;
    let mut anesthesia_type = 0;
    let mut physical_status = 0;
    let r = &mut record;
    each_field(message, |tag, value| {
        match tag {
            1 => r.case_id = value.text()?,
            2 => r.revision = value.number()?,
            3 => r.facility_id = value.text()?,
            4 => r.date_of_service = value.text()?,
            5 => once(&mut patient, value, self::patient)?,
            6 => anesthesia_type = value.enum_number()?,
            7 => push(&mut r.time_blocks, limits::TIME_BLOCKS, value, time_block)?,
            8 => push(&mut r.procedures, limits::PROCEDURES, value, procedure)?,
            9 if r.diagnoses.len() < limits::DIAGNOSES.max => r.diagnoses.push(value.text()?),
            10 => physical_status = value.enum_number()?,
            11 => r.emergency = value.flag()?,
            12 => push(&mut r.providers, limits::PROVIDERS, value, provider)?,
            13 => r.total_body_hypothermia = value.flag()?,
            14 => r.controlled_hypotension = value.flag()?,
            15 => r.mac_deep_complex = value.flag()?,
            16 => r.mac_severe_cardiopulmonary_history = value.flag()?,
            17 => push(
                &mut r.ancillary_procedures,
                limits::ANCILLARY_PROCEDURES,
                value,
                ancillary,
            )?,
            18 => r.place_of_service = value.text()?,
            19 => once(&mut payer, value, self::payer)?,
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

fn patient(message: &[u8]) -> Option<domain::Patient> {
    let mut birth_date = String::new();
    let mut sex = 0;
    each_field(message, |tag, value| {
        match tag {
            1 => birth_date = value.text()?,
            2 => sex = value.enum_number()?,
            _ => return None,
        }
        Some(())
    })?;
    Some(domain::Patient {
        birth_date,
        sex: convert::sex(sex),
    })
}

fn time_block(message: &[u8]) -> Option<domain::TimeBlock> {
    let mut block = domain::TimeBlock::default();
    each_field(message, |tag, value| match tag {
        1 => once(&mut block.start, value, timestamp),
        2 => once(&mut block.end, value, timestamp),
        _ => None,
    })?;
    Some(block)
}

/// A google.protobuf.Timestamp: int64 seconds, int32 nanos.
fn timestamp(message: &[u8]) -> Option<domain::RawTimestamp> {
    let mut stamp = domain::RawTimestamp {
        seconds: 0,
        nanos: 0,
    };
    each_field(message, |tag, value| {
        match tag {
            1 => stamp.seconds = value.number()? as i64,
            2 => stamp.nanos = value.number()? as i32,
            _ => return None,
        }
        Some(())
    })?;
    Some(stamp)
}

fn procedure(message: &[u8]) -> Option<domain::Procedure> {
    let mut procedure = domain::Procedure::default();
    let p = &mut procedure;
    each_field(message, |tag, value| {
        match tag {
            1 => p.surgical_cpt = value.text()?,
            2 => p.anesthesia_code = value.text()?,
            3 => p.description = value.text()?,
            4 => push(&mut p.time_blocks, limits::TIME_BLOCKS, value, time_block)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(procedure)
}

fn provider(message: &[u8]) -> Option<domain::Provider> {
    let mut provider = domain::Provider::default();
    let mut role = 0;
    let p = &mut provider;
    each_field(message, |tag, value| {
        match tag {
            1 => p.npi = value.text()?,
            2 => role = value.enum_number()?,
            3 => p.taxonomy = value.text()?,
            4 => p.concurrent_cases = value.number()? as u32,
            5 => p.medical_direction_documented = value.flag()?,
            6 => p.present_at_induction = value.flag()?,
            7 => push(&mut p.time_blocks, limits::TIME_BLOCKS, value, time_block)?,
            _ => return None,
        }
        Some(())
    })?;
    provider.role = convert::role(role);
    Some(provider)
}

fn ancillary(message: &[u8]) -> Option<domain::AncillaryProcedure> {
    let mut procedure = domain::AncillaryProcedure::default();
    let p = &mut procedure;
    each_field(message, |tag, value| {
        match tag {
            1 => p.cpt = value.text()?,
            2 => p.performed_by_npi = value.text()?,
            3 => p.ultrasound_guided = value.flag()?,
            4 => p.surgeon_requested_postop_pain = value.flag()?,
            5 => p.primary_anesthetic = value.flag()?,
            6 => p.emergency = value.flag()?,
            _ => return None,
        }
        Some(())
    })?;
    Some(procedure)
}

fn payer(message: &[u8]) -> Option<domain::Payer> {
    let mut payer = domain::Payer::default();
    each_field(message, |tag, value| {
        match tag {
            1 => payer.profile = value.text()?,
            2 => payer.plan_id = value.text()?,
            3 => payer.locality = value.text()?,
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
            prop_assert_eq!(request(&bytes), Some((record.into(), view)));
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
                if let Some(decoded) = request(damaged) {
                    prop_assert_eq!(Some(decoded), through_prost(damaged));
                }
            }
        }
    }

    #[test]
    fn a_realistic_record_decodes_at_every_damage_as_through_prost_or_not_at_all() {
        let bytes = wire(realistic(), 2);
        assert_eq!(request(&bytes), through_prost(&bytes));
        assert!(request(&bytes).is_some());
        for at in 0..bytes.len() {
            for change in [0x00, 0x01, 0x08, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= change;
                if let Some(decoded) = request(&damaged) {
                    assert_eq!(
                        Some(decoded),
                        through_prost(&damaged),
                        "byte {at} ^ {change}"
                    );
                }
            }
            if let Some(decoded) = request(&bytes[..at]) {
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
        assert_eq!(request(&unknown), None);
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
            request(&request_twice),
            None,
            "a patient sent twice is merged by prost"
        );

        let not_utf8 = [0x0a, 0x03, 0x0a, 0x01, 0xff];
        assert_eq!(request(&not_utf8), None);
        assert!(pb::CodeCasesRequest::decode(&not_utf8[..]).is_err());

        let case_id_as_number = [0x0a, 0x02, 0x08, 0x01];
        assert_eq!(request(&case_id_as_number), None);

        assert_eq!(request(&[0x10, 0x01]), None, "no record");
        assert_eq!(request(&[]), None);
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
        assert_eq!(request(&bytes), Some((at_limit.into(), 0)));
        let mut over = realistic();
        over.providers[1].time_blocks = vec![pb::TimeBlock::default(); limits::TIME_BLOCKS.max + 1];
        let bytes = wire(over, 0);
        assert_eq!(request(&bytes), None);
        assert!(crate::wire_limits::over_limits(&bytes).is_some());
    }
}
