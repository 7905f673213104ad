//! Case records for the tests and benchmarks that drive the binary: one
//! anesthesiologist directing a CRNA, or alone, on a 00402 Medicare case.

use anescode_server::pb;

/// A valid NPI: "1", eight digits of `n`, and the check digit (Luhn with the
/// 80840 prefix).
pub(crate) fn npi(n: u32) -> String {
    let leading = format!("1{n:08}");
    let sum: u32 = leading
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0');
            if i % 2 == 0 {
                let d = v * 2;
                d / 10 + d % 10
            } else {
                v
            }
        })
        .sum::<u32>()
        + 24;
    format!("{leading}{}", (10 - sum % 10) % 10)
}

fn provider(npi: &str, role: pb::ProviderRole) -> pb::Provider {
    pb::Provider {
        npi: npi.to_owned(),
        role: role.into(),
        medical_direction_documented: true,
        ..Default::default()
    }
}

/// A case at MAIN-OR from `start` to `end` (Unix seconds), its date of service
/// the UTC date of `start`: the anesthesiologist `md` directing `crna` when one
/// is given, alone otherwise.
pub(crate) fn record(
    case_id: &str,
    (start, end): (i64, i64),
    md: &str,
    crna: Option<&str>,
) -> pb::CaseRecord {
    let mut providers = vec![provider(md, pb::ProviderRole::Anesthesiologist)];
    if let Some(crna) = crna {
        providers.push(provider(crna, pb::ProviderRole::Crna));
    }
    let date = jiff::Timestamp::from_second(start)
        .map(|t| jiff::tz::TimeZone::UTC.to_datetime(t).date().to_string())
        .unwrap_or_default();
    pb::CaseRecord {
        case_id: case_id.to_owned(),
        revision: 1,
        facility_id: "MAIN-OR".to_owned(),
        date_of_service: date,
        patient: Some(pb::Patient {
            birth_date: "1974-06-15".to_owned(),
            sex: pb::Sex::Female.into(),
        }),
        anesthesia_type: pb::AnesthesiaType::General.into(),
        time_blocks: vec![pb::TimeBlock {
            start: Some(prost_types::Timestamp {
                seconds: start,
                nanos: 0,
            }),
            end: Some(prost_types::Timestamp {
                seconds: end,
                nanos: 0,
            }),
        }],
        procedures: vec![pb::Procedure {
            anesthesia_code: "00402".to_owned(),
            ..Default::default()
        }],
        diagnoses: vec!["N62".to_owned()],
        physical_status: pb::PhysicalStatus::P3.into(),
        providers,
        place_of_service: "22".to_owned(),
        payer: Some(pb::Payer {
            profile: "medicare".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    }
}
