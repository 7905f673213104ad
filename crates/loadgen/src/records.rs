//! Realistic case records, generated deterministically from a seed: the seed
//! scenarios (00402, 00406, 00300, 00620, 00632) varied in date, time, providers,
//! diagnoses and flags, and one in `malformed_every` damaged the ways senders
//! damage records.

use anescode_server::pb;

/// A small, fast, deterministic generator (xorshift64*): the same seed gives the
/// same records on every machine.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced, xorshift needs a non-zero state).
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next number.
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Valid NPIs (check digit included).
const NPIS: [&str; 6] = [
    "1234567893",
    "1456789019",
    "1987654328",
    "1678901236",
    "1245319599",
    "1003000126",
];

/// (anesthesia code, diagnoses that support it, anesthesia type, physical status).
const SCENARIOS: [(&str, &[&str], pb::AnesthesiaType, pb::PhysicalStatus); 5] = [
    (
        "00402",
        &["N62", "Z42.1"],
        pb::AnesthesiaType::General,
        pb::PhysicalStatus::P3,
    ),
    (
        "00406",
        &["C50.911", "C77.3"],
        pb::AnesthesiaType::General,
        pb::PhysicalStatus::P3,
    ),
    (
        "00300",
        &["D23.5", "L72.3"],
        pb::AnesthesiaType::MonitoredAnesthesiaCare,
        pb::PhysicalStatus::P2,
    ),
    (
        "00620",
        &["M48.04", "G95.20"],
        pb::AnesthesiaType::General,
        pb::PhysicalStatus::P2,
    ),
    (
        "00632",
        &["I73.9", "G90.50"],
        pb::AnesthesiaType::MonitoredAnesthesiaCare,
        pb::PhysicalStatus::P3,
    ),
];

/// 2026-03-02T00:00:00Z.
const FIRST_DAY: i64 = 1_772_409_600;
const DAYS: u64 = 28;

fn timestamp(seconds: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos: 0 })
}

fn provider(npi: &str, role: pb::ProviderRole, concurrent: u32) -> pb::Provider {
    pb::Provider {
        npi: npi.to_owned(),
        role: role.into(),
        concurrent_cases: concurrent,
        medical_direction_documented: true,
        ..Default::default()
    }
}

/// Record number `n` of a run: its case_id is `{prefix}-{n}`.
pub(crate) fn record(rng: &mut Rng, prefix: &str, n: u64, malformed_every: u64) -> pb::CaseRecord {
    let (code, diagnoses, kind, status) = *rng.pick(&SCENARIOS);
    let day = rng.below(DAYS) as i64;
    let start = FIRST_DAY + day * 86_400 + (7 * 3600) + rng.below(10 * 60) as i64 * 60;
    let minutes = 30 + rng.below(240) as i64;
    let date = civil_date(FIRST_DAY + day * 86_400);
    let md = *rng.pick(&NPIS);
    let mut providers = vec![provider(md, pb::ProviderRole::Anesthesiologist, 0)];
    if rng.below(3) > 0 {
        let crna = *rng.pick(&NPIS);
        if crna != md {
            providers[0].concurrent_cases = 1 + rng.below(3) as u32;
            providers.push(provider(crna, pb::ProviderRole::Crna, 0));
        }
    }
    let mut record = pb::CaseRecord {
        case_id: format!("{prefix}-{n}"),
        revision: 1,
        facility_id: "MAIN-OR".to_owned(),
        date_of_service: date,
        patient: Some(pb::Patient {
            birth_date: format!(
                "{}-0{}-1{}",
                1930 + rng.below(90),
                1 + rng.below(9),
                rng.below(9)
            ),
            sex: if rng.below(2) == 0 {
                pb::Sex::Female
            } else {
                pb::Sex::Male
            }
            .into(),
        }),
        anesthesia_type: kind.into(),
        time_blocks: vec![pb::TimeBlock {
            start: timestamp(start),
            end: timestamp(start + minutes * 60),
        }],
        procedures: vec![pb::Procedure {
            anesthesia_code: code.to_owned(),
            ..Default::default()
        }],
        diagnoses: diagnoses.iter().map(|d| (*d).to_owned()).collect(),
        physical_status: status.into(),
        emergency: rng.below(10) == 0,
        providers,
        place_of_service: "22".to_owned(),
        payer: Some(pb::Payer {
            profile: if rng.below(4) == 0 {
                "commercial-asa"
            } else {
                "medicare"
            }
            .to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    };
    if malformed_every > 0 && n % malformed_every == malformed_every - 1 {
        damage(rng, &mut record);
    }
    record
}

/// Damages a record one of the ways senders do.
fn damage(rng: &mut Rng, record: &mut pb::CaseRecord) {
    match rng.below(4) {
        0 => record.date_of_service = "2026-02-30".to_owned(),
        1 => record.providers[0].npi = "1234567890".to_owned(),
        2 => record.diagnoses = vec!["Z99.999".to_owned()],
        _ => record.time_blocks.clear(),
    }
}

/// YYYY-MM-DD of a Unix second (days from 1970, civil calendar).
fn civil_date(seconds: i64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = seconds.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_date(FIRST_DAY), "2026-03-02");
        assert_eq!(civil_date(FIRST_DAY + 28 * 86_400), "2026-03-30");
        assert_eq!(civil_date(0), "1970-01-01");
    }

    #[test]
    fn the_same_seed_gives_the_same_records() {
        let a: Vec<_> = (0..50)
            .map(|n| record(&mut Rng::new(7), "A", n, 10))
            .collect();
        let b: Vec<_> = (0..50)
            .map(|n| record(&mut Rng::new(7), "A", n, 10))
            .collect();
        assert_eq!(a, b);
    }
}
