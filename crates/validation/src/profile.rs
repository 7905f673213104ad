//! Payer profiles: the payer-specific figures the engine applies — time-unit rule,
//! modifying units, payment split, conversion factors — each with its source and
//! the date it applies from.

use std::collections::BTreeMap;

use anescode_codes::Code;
use jiff::civil::Date;

use crate::PhysicalStatus;
use crate::units::{Rate, Tenths};

/// A figure and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The figure.
    pub value: T,
    /// The document it comes from.
    pub source: String,
    /// The date it applies from; `None` when the source states none.
    pub effective: Option<Date>,
}

impl<T> Sourced<T> {
    /// A figure with its source and effective date.
    pub fn new(value: T, source: impl Into<String>, effective: Option<Date>) -> Self {
        Sourced {
            value,
            source: source.into(),
            effective,
        }
    }
}

/// How a partial time unit is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRounding {
    /// To one decimal, half up (CMS: 16-17 minutes = 1.1 units).
    Tenth,
    /// Up to the next whole unit.
    WholeUp,
    /// To the nearest whole unit, half up.
    NearestWhole,
}

/// How minutes become time units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeUnitRule {
    /// Minutes per unit (15 for Medicare).
    pub divisor_minutes: u32,
    /// How the remainder is rounded.
    pub rounding: TimeRounding,
}

impl TimeUnitRule {
    /// Time units for `minutes`, exactly.
    pub fn units(&self, minutes: u32) -> Tenths {
        let divisor = u64::from(self.divisor_minutes.max(1));
        let minutes = u64::from(minutes);
        let tenths = match self.rounding {
            TimeRounding::Tenth => (minutes * 20 + divisor) / (2 * divisor),
            TimeRounding::WholeUp => minutes.div_ceil(divisor) * 10,
            TimeRounding::NearestWhole => (minutes * 2 + divisor) / (2 * divisor) * 10,
        };
        Tenths::from_tenths(u32::try_from(tenths).unwrap_or(u32::MAX))
    }
}

impl std::fmt::Display for TimeUnitRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rounding = match self.rounding {
            TimeRounding::Tenth => "rounded half-up to 0.1",
            TimeRounding::WholeUp => "rounded up to a whole unit",
            TimeRounding::NearestWhole => "rounded half-up to a whole unit",
        };
        write!(f, "minutes / {} {rounding}", self.divisor_minutes)
    }
}

/// Units for the qualifying-circumstance codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualifyingUnits {
    /// 99100, extreme age.
    pub extreme_age: u32,
    /// 99116, total body hypothermia.
    pub total_body_hypothermia: u32,
    /// 99135, controlled hypotension.
    pub controlled_hypotension: u32,
    /// 99140, emergency conditions.
    pub emergency: u32,
}

/// Physical-status modifying units, P1 to P6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhysicalStatusUnits(pub [u32; 6]);

impl PhysicalStatusUnits {
    /// The units for one status.
    pub fn of(&self, status: PhysicalStatus) -> u32 {
        let index = match status {
            PhysicalStatus::P1 => 0,
            PhysicalStatus::P2 => 1,
            PhysicalStatus::P3 => 2,
            PhysicalStatus::P4 => 3,
            PhysicalStatus::P5 => 4,
            PhysicalStatus::P6 => 5,
        };
        self.0[index]
    }
}

/// A conversion factor: dollars per unit from a date, nationally or for one
/// pricing locality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionFactor {
    /// The locality it applies to; `None` for the national or default factor.
    pub locality: Option<String>,
    /// The first date of service it applies to.
    pub effective: Date,
    /// The last date of service it applies to, when it was replaced mid-year by a
    /// figure not held (e.g. the CY2024 factor until the 2024 Appropriations Act);
    /// `None` while it is in force. Later factors end it in any case.
    pub until: Option<Date>,
    /// Dollars per unit.
    pub rate: Rate,
    /// The document it comes from.
    pub source: String,
}

/// One payer profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerProfile {
    /// The name records use, e.g. "medicare".
    pub name: String,
    /// What the profile is.
    pub description: String,
    /// How minutes become time units.
    pub time_units: Sourced<TimeUnitRule>,
    /// Modifying units per physical status.
    pub physical_status_units: Sourced<PhysicalStatusUnits>,
    /// Units per qualifying circumstance.
    pub qualifying_units: Sourced<QualifyingUnits>,
    /// Whether qualifying-circumstance lines are reported (with their units, which
    /// may be zero).
    pub report_qualifying_circumstances: bool,
    /// Percent of the allowance each of the directing anesthesiologist and the
    /// directed anesthetist receives (QK, QY, QX).
    pub medical_direction_percent: Sourced<u32>,
    /// Percent of the allowance the supervising anesthesiologist's AD line receives.
    pub supervision_percent: Sourced<u32>,
    /// Conversion factors by date and locality; empty when the payer's is unknown.
    pub conversion_factors: Vec<ConversionFactor>,
    /// Anesthesia codes that take modifier 23 (unusual anesthesia) when done under
    /// general anesthesia.
    pub unusual_anesthesia_codes: Vec<Code>,
    /// Whether a case that ends at the minute another starts counts as concurrent
    /// with it (a payer setting in billing suites, domain reference §1.16; default
    /// no).
    pub touching_cases_concurrent: bool,
}

impl PayerProfile {
    /// The factor in force on `date`: the locality's own when it has one, else the
    /// profile's default; the latest whose effective date is not after `date`.
    pub fn conversion_factor(
        &self,
        date: Date,
        locality: Option<&str>,
    ) -> Option<&ConversionFactor> {
        let latest = |want: Option<&str>| {
            self.conversion_factors
                .iter()
                .filter(|f| f.locality.as_deref() == want && f.effective <= date)
                .max_by_key(|f| f.effective)
                .filter(|f| f.until.is_none_or(|until| date <= until))
        };
        locality
            .and_then(|l| latest(Some(l)))
            .or_else(|| latest(None))
    }

    /// The embedded Medicare profile (domain reference §1, §4).
    pub fn medicare() -> Self {
        let cms_50 = "CMS Claims Processing Manual ch.12 §50";
        PayerProfile {
            name: "medicare".to_owned(),
            description: "Medicare Part B anesthesia: base + time units, no modifying units"
                .to_owned(),
            time_units: Sourced::new(
                TimeUnitRule {
                    divisor_minutes: 15,
                    rounding: TimeRounding::Tenth,
                },
                "CMS Claims Processing Manual ch.12 §50.G: minutes / 15, rounded to one decimal",
                Some(jiff::civil::date(1994, 1, 1)),
            ),
            physical_status_units: Sourced::new(
                PhysicalStatusUnits([0; 6]),
                "42 CFR 414.46(b)(1): payment is base plus time units; P1-P6 add no units",
                None,
            ),
            qualifying_units: Sourced::new(
                QualifyingUnits {
                    extreme_age: 0,
                    total_body_hypothermia: 0,
                    controlled_hypotension: 0,
                    emergency: 0,
                },
                "99100-99140 have Medicare status B (bundled): reported, not paid \
                 (domain reference §1.10)",
                None,
            ),
            report_qualifying_circumstances: true,
            medical_direction_percent: Sourced::new(
                50,
                format!(
                    "{cms_50}.C and §140 (CA 8 CCR 9789.18.3(a)): 50% each to the directing anesthesiologist and the directed CRNA/AA"
                ),
                Some(jiff::civil::date(1998, 1, 1)),
            ),
            supervision_percent: Sourced::new(
                100,
                format!(
                    "{cms_50}.D (Palmetto GBA 8EELAB1511): 3 base units, +1 when present at induction, no split stated"
                ),
                None,
            ),
            conversion_factors: medicare_conversion_factors(),
            unusual_anesthesia_codes: Vec::new(),
            touching_cases_concurrent: false,
        }
    }

    /// The embedded commercial profile with ASA-style units (domain reference §1.3,
    /// §1.9, §1.10). No conversion factor until the operator gives one.
    pub fn commercial_asa() -> Self {
        PayerProfile {
            name: "commercial-asa".to_owned(),
            description:
                "Commercial payer paying ASA-style modifying and qualifying-circumstance units"
                    .to_owned(),
            time_units: Sourced::new(
                TimeUnitRule {
                    divisor_minutes: 15,
                    rounding: TimeRounding::Tenth,
                },
                "15-minute units to one decimal (Highmark BS NENY and Anthem policies, domain reference §1.3)",
                None,
            ),
            physical_status_units: Sourced::new(
                PhysicalStatusUnits([0, 0, 1, 2, 3, 0]),
                "ASA Relative Value Guide physical-status units as stated in Regence \
                 Reimbursement Policy 102 (domain reference §1.9)",
                None,
            ),
            qualifying_units: Sourced::new(
                QualifyingUnits {
                    extreme_age: 1,
                    total_body_hypothermia: 5,
                    controlled_hypotension: 5,
                    emergency: 2,
                },
                "ASA values 1/5/5/2 as stated in 114.3 CMR 40.05(2)(f) and AAPC 148907 \
                 (domain reference §1.10)",
                None,
            ),
            report_qualifying_circumstances: true,
            medical_direction_percent: Sourced::new(
                50,
                "([base + time + modifying] x CF) x modifier percent, 50% under medical \
                 direction (UHC policy summary, domain reference §1.1)",
                None,
            ),
            supervision_percent: Sourced::new(
                100,
                "([3 + 1 if present at induction] x CF) x modifier percent (UHC policy summary, \
                 domain reference §1.1); percent not stated, 100% assumed",
                None,
            ),
            conversion_factors: Vec::new(),
            unusual_anesthesia_codes: Vec::new(),
            touching_cases_concurrent: false,
        }
    }
}

/// The profiles in force, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerProfiles {
    profiles: BTreeMap<String, PayerProfile>,
}

impl PayerProfiles {
    /// The embedded profiles: `medicare` and `commercial-asa`.
    pub fn embedded() -> Self {
        let mut profiles = PayerProfiles {
            profiles: BTreeMap::new(),
        };
        profiles.insert(PayerProfile::medicare());
        profiles.insert(PayerProfile::commercial_asa());
        profiles
    }

    /// Adds a profile, replacing one of the same name.
    pub fn insert(&mut self, profile: PayerProfile) {
        self.profiles.insert(profile.name.clone(), profile);
    }

    /// The profile with this name.
    pub fn get(&self, name: &str) -> Option<&PayerProfile> {
        self.profiles.get(name)
    }

    /// Every profile, by name.
    pub fn iter(&self) -> impl Iterator<Item = &PayerProfile> {
        self.profiles.values()
    }
}

impl Default for PayerProfiles {
    fn default() -> Self {
        Self::embedded()
    }
}

/// The embedded national Medicare anesthesia conversion factors, each with its
/// final rule.
fn medicare_conversion_factors() -> Vec<ConversionFactor> {
    vec![
        // From 2024-03-09 the Consolidated Appropriations Act 2024 raised the
        // factor by 1.68%; no four-decimal figure is verified (domain
        // reference §4), so those dates stay unpriced.
        ConversionFactor {
            locality: None,
            effective: jiff::civil::date(2024, 1, 1),
            until: Some(jiff::civil::date(2024, 3, 8)),
            rate: Rate::from_ten_thousandths(204_349),
            source: "CY2024 Medicare PFS final rule (Table 117), national anesthesia \
                     conversion factor, for dates of service 2024-01-01 to 2024-03-08"
                .to_owned(),
        },
        ConversionFactor {
            locality: None,
            effective: jiff::civil::date(2025, 1, 1),
            until: None,
            rate: Rate::from_ten_thousandths(203_178),
            source: "CY2025 Medicare PFS final rule, national anesthesia conversion factor"
                .to_owned(),
        },
        ConversionFactor {
            locality: None,
            effective: jiff::civil::date(2026, 1, 1),
            until: None,
            rate: Rate::from_ten_thousandths(204_976),
            source: "CY2026 Medicare PFS final rule, national anesthesia conversion factor \
                     for non-qualifying APM participants"
                .to_owned(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medicare_time_units_match_the_carrier_table() {
        let rule = PayerProfile::medicare().time_units.value;
        // domain reference §1.2: 1-2 min = 0.1; 3 = 0.2; 4-5 = 0.3; 6 = 0.4; 7-8 = 0.5;
        // 16-17 = 1.1; 18 = 1.2; 19-20 = 1.3; 21 = 1.4.
        let table = [
            (1, 1),
            (2, 1),
            (3, 2),
            (4, 3),
            (5, 3),
            (6, 4),
            (7, 5),
            (8, 5),
            (16, 11),
            (17, 11),
            (18, 12),
            (19, 13),
            (20, 13),
            (21, 14),
            (95, 63),
            (0, 0),
        ];
        for (minutes, tenths) in table {
            assert_eq!(
                rule.units(minutes),
                Tenths::from_tenths(tenths),
                "{minutes} minutes"
            );
        }
    }

    #[test]
    fn whole_unit_roundings() {
        let up = TimeUnitRule {
            divisor_minutes: 15,
            rounding: TimeRounding::WholeUp,
        };
        assert_eq!(
            (up.units(84), up.units(90), up.units(1)),
            (
                Tenths::from_tenths(60),
                Tenths::from_tenths(60),
                Tenths::from_tenths(10)
            )
        );
        let nearest = TimeUnitRule {
            divisor_minutes: 15,
            rounding: TimeRounding::NearestWhole,
        };
        assert_eq!(
            (nearest.units(97), nearest.units(98), nearest.units(7)),
            (
                Tenths::from_tenths(60),
                Tenths::from_tenths(70),
                Tenths::default()
            )
        );
        let ten = TimeUnitRule {
            divisor_minutes: 10,
            rounding: TimeRounding::Tenth,
        };
        assert_eq!(ten.units(84), Tenths::from_tenths(84));
    }

    #[test]
    fn conversion_factor_by_date_and_locality() {
        let mut medicare = PayerProfile::medicare();
        let on = |y, m, d| jiff::civil::date(y, m, d);
        assert_eq!(medicare.conversion_factor(on(2023, 12, 31), None), None);
        assert_eq!(
            medicare
                .conversion_factor(on(2024, 1, 1), None)
                .map(|f| f.rate),
            Some(Rate::from_ten_thousandths(204_349))
        );
        assert_eq!(
            medicare
                .conversion_factor(on(2024, 3, 8), None)
                .map(|f| f.rate),
            Some(Rate::from_ten_thousandths(204_349))
        );
        // The CAA 2024 figure from 2024-03-09 is not verified: unpriced.
        assert_eq!(medicare.conversion_factor(on(2024, 3, 9), None), None);
        assert_eq!(medicare.conversion_factor(on(2024, 12, 31), None), None);
        assert_eq!(
            medicare
                .conversion_factor(on(2025, 6, 1), None)
                .map(|f| f.rate),
            Some(Rate::from_ten_thousandths(203_178))
        );
        assert_eq!(
            medicare
                .conversion_factor(on(2026, 1, 1), None)
                .map(|f| f.rate),
            Some(Rate::from_ten_thousandths(204_976))
        );
        medicare.conversion_factors.push(ConversionFactor {
            locality: Some("01112-05".into()),
            effective: on(2026, 1, 1),
            until: None,
            rate: Rate::from_ten_thousandths(241_234),
            source: "operator".into(),
        });
        assert_eq!(
            medicare
                .conversion_factor(on(2026, 3, 2), Some("01112-05"))
                .map(|f| f.rate),
            Some(Rate::from_ten_thousandths(241_234))
        );
        assert_eq!(
            medicare
                .conversion_factor(on(2026, 3, 2), Some("99999-99"))
                .map(|f| f.rate),
            Some(Rate::from_ten_thousandths(204_976))
        );
        assert_eq!(
            medicare
                .conversion_factor(on(2025, 3, 2), Some("01112-05"))
                .map(|f| f.rate),
            Some(Rate::from_ten_thousandths(203_178))
        );
    }
}
