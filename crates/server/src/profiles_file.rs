//! The operator's payer-profile file (TOML): adds profiles and overrides the
//! embedded ones. Every figure it sets names its source; effective dates are
//! optional where the source states none. A conversion factor may name the last
//! date it applies (`until`), when it was replaced by a figure not held: dates
//! after it are unpriced until a later factor starts.
//!
//! ```toml
//! # Add a locality conversion factor to the embedded medicare profile.
//! [[profiles.medicare.conversion_factors]]
//! locality = "01112-05"
//! effective = "2026-01-01"
//! value = "24.1234"
//! source = "CMS 2026 locality-adjusted anesthesia conversion factors"
//!
//! # A new profile that starts from commercial-asa.
//! [profiles.acme-ppo]
//! base = "commercial-asa"
//! description = "ACME PPO 2026 contract"
//! time_units = { divisor_minutes = 10, rounding = "tenth", source = "ACME contract §4" }
//! conversion_factors = [{ effective = "2026-01-01", value = "80.70", source = "ACME contract exhibit B" }]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anescode_codes::Code;
use anescode_validation::{
    ConversionFactor, PayerProfile, PayerProfiles, PhysicalStatusUnits, QualifyingUnits, Rate,
    Sourced, TimeRounding, TimeUnitRule,
};
use jiff::civil::Date;
use serde::Deserialize;

/// Why the profile file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfilesError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{file}: {message}")]
    Parse { file: PathBuf, message: String },
    /// A value is not valid.
    #[error("{file}: profile {profile:?}: {message}")]
    Invalid {
        file: PathBuf,
        profile: String,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    #[serde(default)]
    profiles: BTreeMap<String, ProfileEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileEntry {
    base: Option<String>,
    description: Option<String>,
    time_units: Option<TimeUnitsEntry>,
    physical_status_units: Option<PhysicalStatusEntry>,
    qualifying_units: Option<QualifyingEntry>,
    report_qualifying_circumstances: Option<bool>,
    medical_direction_percent: Option<PercentEntry>,
    supervision_percent: Option<PercentEntry>,
    #[serde(default)]
    conversion_factors: Vec<FactorEntry>,
    unusual_anesthesia_codes: Option<Vec<String>>,
    touching_cases_concurrent: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeUnitsEntry {
    divisor_minutes: u32,
    rounding: RoundingEntry,
    source: String,
    effective: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RoundingEntry {
    Tenth,
    WholeUp,
    NearestWhole,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhysicalStatusEntry {
    /// P1 to P6.
    units: [u32; 6],
    source: String,
    effective: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QualifyingEntry {
    extreme_age: u32,
    total_body_hypothermia: u32,
    controlled_hypotension: u32,
    emergency: u32,
    source: String,
    effective: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PercentEntry {
    value: u32,
    source: String,
    effective: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactorEntry {
    locality: Option<String>,
    effective: String,
    until: Option<String>,
    value: String,
    source: String,
}

/// Reads the file and applies it over the embedded profiles.
pub fn load(path: &Path) -> Result<PayerProfiles, ProfilesError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProfilesError::Read {
        file: path.to_owned(),
        source,
    })?;
    apply(&text, path, PayerProfiles::embedded())
}

/// Applies the file's text over `profiles`; `path` names it in errors.
pub fn apply(
    text: &str,
    path: &Path,
    mut profiles: PayerProfiles,
) -> Result<PayerProfiles, ProfilesError> {
    let file: ProfilesFile = toml::from_str(text).map_err(|e| ProfilesError::Parse {
        file: path.to_owned(),
        message: e.to_string().trim_end().replace('\n', " "),
    })?;
    for (name, entry) in file.profiles {
        let invalid = |message: String| ProfilesError::Invalid {
            file: path.to_owned(),
            profile: name.clone(),
            message,
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid(
                "a profile name is lower-case letters, digits and hyphens".to_owned(),
            ));
        }
        let start = match (&entry.base, profiles.get(&name)) {
            (Some(base), _) => profiles
                .get(base)
                .cloned()
                .ok_or_else(|| invalid(format!("base profile {base:?} is not defined")))?,
            (None, Some(existing)) => existing.clone(),
            (None, None) => {
                return Err(invalid(
                    "a new profile needs `base`, the profile it starts from".to_owned(),
                ));
            }
        };
        let profile = merge(start, name.clone(), entry).map_err(invalid)?;
        profiles.insert(profile);
    }
    Ok(profiles)
}

fn date(text: Option<&str>) -> Result<Option<Date>, String> {
    text.map(|t| t.parse::<Date>().map_err(|e| format!("date {t:?}: {e}")))
        .transpose()
}

/// Sets on `profile` every figure the entry gives.
fn merge(
    mut profile: PayerProfile,
    name: String,
    entry: ProfileEntry,
) -> Result<PayerProfile, String> {
    let ProfileEntry {
        base: _,
        description,
        time_units,
        physical_status_units,
        qualifying_units,
        report_qualifying_circumstances,
        medical_direction_percent,
        supervision_percent,
        conversion_factors,
        unusual_anesthesia_codes,
        touching_cases_concurrent,
    } = entry;
    profile.name = name;
    if let Some(description) = description {
        profile.description = description;
    }
    if let Some(entry) = time_units {
        profile.time_units = entry.sourced()?;
    }
    if let Some(entry) = physical_status_units {
        profile.physical_status_units = entry.sourced()?;
    }
    if let Some(entry) = qualifying_units {
        profile.qualifying_units = entry.sourced()?;
    }
    if let Some(touching) = touching_cases_concurrent {
        profile.touching_cases_concurrent = touching;
    }
    if let Some(report) = report_qualifying_circumstances {
        profile.report_qualifying_circumstances = report;
    }
    if let Some(entry) = medical_direction_percent {
        profile.medical_direction_percent = entry.sourced("medical_direction_percent")?;
    }
    if let Some(entry) = supervision_percent {
        profile.supervision_percent = entry.sourced("supervision_percent")?;
    }
    for entry in conversion_factors {
        let factor = entry.factor()?;
        // A factor for the same locality and date replaces the one held.
        profile
            .conversion_factors
            .retain(|f| !(f.locality == factor.locality && f.effective == factor.effective));
        profile.conversion_factors.push(factor);
    }
    if let Some(codes) = unusual_anesthesia_codes {
        profile.unusual_anesthesia_codes = anesthesia_codes(&codes)?;
    }
    Ok(profile)
}

impl TimeUnitsEntry {
    fn sourced(self) -> Result<Sourced<TimeUnitRule>, String> {
        if self.divisor_minutes == 0 {
            return Err("time_units.divisor_minutes must be at least 1".to_owned());
        }
        let rounding = match self.rounding {
            RoundingEntry::Tenth => TimeRounding::Tenth,
            RoundingEntry::WholeUp => TimeRounding::WholeUp,
            RoundingEntry::NearestWhole => TimeRounding::NearestWhole,
        };
        let rule = TimeUnitRule {
            divisor_minutes: self.divisor_minutes,
            rounding,
        };
        Ok(Sourced::new(
            rule,
            self.source,
            date(self.effective.as_deref())?,
        ))
    }
}

impl PhysicalStatusEntry {
    fn sourced(self) -> Result<Sourced<PhysicalStatusUnits>, String> {
        let effective = date(self.effective.as_deref())?;
        Ok(Sourced::new(
            PhysicalStatusUnits(self.units),
            self.source,
            effective,
        ))
    }
}

impl QualifyingEntry {
    fn sourced(self) -> Result<Sourced<QualifyingUnits>, String> {
        let units = QualifyingUnits {
            extreme_age: self.extreme_age,
            total_body_hypothermia: self.total_body_hypothermia,
            controlled_hypotension: self.controlled_hypotension,
            emergency: self.emergency,
        };
        let effective = date(self.effective.as_deref())?;
        Ok(Sourced::new(units, self.source, effective))
    }
}

impl PercentEntry {
    /// The percent of `field`, at most 100.
    fn sourced(self, field: &str) -> Result<Sourced<u32>, String> {
        if self.value > 100 {
            return Err(format!("{field} {} is over 100", self.value));
        }
        let effective = date(self.effective.as_deref())?;
        Ok(Sourced::new(self.value, self.source, effective))
    }
}

impl FactorEntry {
    fn factor(self) -> Result<ConversionFactor, String> {
        let effective = date(Some(&self.effective))?.unwrap_or_default();
        let until = date(self.until.as_deref())?;
        let rate: Rate = self
            .value
            .parse()
            .map_err(|e| format!("conversion factor: {e}"))?;
        Ok(ConversionFactor {
            locality: self.locality.filter(|l| !l.is_empty()),
            effective,
            until,
            rate,
            source: self.source,
        })
    }
}

/// The codes, each an anesthesia code.
fn anesthesia_codes(codes: &[String]) -> Result<Vec<Code>, String> {
    codes
        .iter()
        .map(|c| {
            c.parse::<Code>()
                .ok()
                .filter(Code::is_anesthesia)
                .ok_or_else(|| format!("unusual_anesthesia_codes: {c:?} is not an anesthesia code"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[[profiles.medicare.conversion_factors]]
locality = "01112-05"
effective = "2026-01-01"
value = "24.1234"
source = "CMS 2026 locality-adjusted anesthesia conversion factors"

[profiles.acme-ppo]
base = "commercial-asa"
description = "ACME PPO 2026 contract"
time_units = { divisor_minutes = 10, rounding = "whole-up", source = "ACME contract §4" }
conversion_factors = [{ effective = "2026-01-01", value = "80.70", source = "ACME contract exhibit B" }]
unusual_anesthesia_codes = ["00104"]
"#;

    #[test]
    fn adds_and_overrides_profiles() {
        let profiles =
            apply(EXAMPLE, Path::new("p.toml"), PayerProfiles::embedded()).expect("valid");
        let medicare = profiles.get("medicare").expect("kept");
        let date = jiff::civil::date(2026, 3, 2);
        assert_eq!(
            medicare
                .conversion_factor(date, Some("01112-05"))
                .map(|f| f.rate),
            Some(Rate::from_ten_thousandths(241_234))
        );
        assert_eq!(
            medicare.conversion_factor(date, None).map(|f| f.rate),
            Some(Rate::from_ten_thousandths(204_976))
        );
        let acme = profiles.get("acme-ppo").expect("added");
        assert_eq!(
            acme.time_units.value,
            TimeUnitRule {
                divisor_minutes: 10,
                rounding: TimeRounding::WholeUp
            }
        );
        assert_eq!(acme.time_units.source, "ACME contract §4");
        assert_eq!(
            acme.physical_status_units.value,
            PhysicalStatusUnits([0, 0, 1, 2, 3, 0])
        );
        assert_eq!(
            acme.conversion_factor(date, None).map(|f| f.rate),
            Some(Rate::from_ten_thousandths(807_000))
        );
        assert_eq!(
            acme.unusual_anesthesia_codes,
            ["00104".parse::<Code>().expect("code")]
        );
    }

    #[test]
    fn errors_name_file_and_profile() {
        let cases = [
            (
                "[profiles.new]\ndescription = \"x\"\n",
                "p.toml: profile \"new\": a new profile needs `base`, the profile it starts from",
            ),
            (
                "[profiles.x]\nbase = \"nope\"\n",
                "p.toml: profile \"x\": base profile \"nope\" is not defined",
            ),
            (
                "[[profiles.medicare.conversion_factors]]\neffective = \"2026-01-01\"\nvalue = \"20.49761\"\nsource = \"s\"\n",
                "p.toml: profile \"medicare\": conversion factor: \"20.49761\" is not an amount in dollars with at most four decimals, e.g. \"20.4976\"",
            ),
            (
                "[profiles.medicare]\nmedical_direction_percent = { value = 150, source = \"s\" }\n",
                "p.toml: profile \"medicare\": medical_direction_percent 150 is over 100",
            ),
        ];
        for (text, expected) in cases {
            let error =
                apply(text, Path::new("p.toml"), PayerProfiles::embedded()).expect_err(expected);
            assert_eq!(error.to_string(), expected);
        }
        let missing_source =
            "[profiles.medicare]\ntime_units = { divisor_minutes = 15, rounding = \"tenth\" }\n";
        let error = apply(
            missing_source,
            Path::new("p.toml"),
            PayerProfiles::embedded(),
        )
        .expect_err("source required");
        assert!(
            error.to_string().contains("missing field `source`"),
            "{error}"
        );
    }
}
