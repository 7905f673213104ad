//! The record's own fields: identity, dates, patient, technique, place and payer.

use anescode_codes::place_of_service;
use jiff::civil::Date;

use crate::field::{FieldPath, Name};
use crate::{AnesthesiaType, CaseRecord, Enumerated, Finding, PayerProfile, PayerProfiles, Rule};

const CASE_ID_MAX_CHARS: usize = 64;
/// The Medicare Code Editor's adult range ends at 124 (domain reference §7.3).
const MAX_AGE_YEARS: i16 = 124;

pub(crate) fn case_id(record: &CaseRecord, findings: &mut Vec<Finding>) {
    let id = record.case_id.as_str();
    if id.is_empty() {
        findings.push(Finding::new(
            Rule::CaseIdMissing,
            FieldPath::of(Name::CaseId),
            "the record has no case_id; send the case's identifier so the decision can be matched to it",
        ));
    } else if id.chars().count() > CASE_ID_MAX_CHARS
        || id.trim() != id
        || id.chars().any(char::is_control)
    {
        findings.push(Finding::new(
            Rule::CaseIdInvalid,
            FieldPath::of(Name::CaseId),
            format!(
                "the case_id must be 1 to {CASE_ID_MAX_CHARS} printable characters without spaces at its ends"
            ),
        ));
    }
}

/// Parses the date of service, reporting a missing or malformed one.
pub(crate) fn date_of_service(record: &CaseRecord, findings: &mut Vec<Finding>) -> Option<Date> {
    let text = record.date_of_service.as_str();
    if text.is_empty() {
        findings.push(Finding::new(
            Rule::DateOfServiceMissing,
            FieldPath::of(Name::DateOfService),
            "the record has no date of service; send it as YYYY-MM-DD",
        ));
        return None;
    }
    let date = parse_date(text);
    if date.is_none() {
        findings.push(Finding::new(
            Rule::DateOfServiceInvalid,
            FieldPath::of(Name::DateOfService),
            format!("{text:?} is not a calendar date written YYYY-MM-DD"),
        ));
    }
    date
}

/// A strict "YYYY-MM-DD" date.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    // Shaped as digits: read them directly (jiff's general parser costs more than
    // the rest of the header); `Date::new` refuses what is not a calendar date.
    let number = |range: std::ops::Range<usize>| {
        bytes[range]
            .iter()
            .fold(0i16, |n, b| n * 10 + i16::from(b - b'0'))
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let month = i8::try_from(month).ok()?;
    let day = i8::try_from(day).ok()?;
    Date::new(year, month, day).ok()
}

/// Checks the patient's demographics and returns the birth date when it is a
/// calendar date. The birth date never appears in a message.
pub(crate) fn patient(
    record: &CaseRecord,
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Option<Date> {
    let Some(patient) = record.patient.as_ref() else {
        findings.push(birth_date_missing());
        return None;
    };
    if let Enumerated::Unknown(value) = patient.sex {
        findings.push(unknown_enum(
            FieldPath::of(Name::Patient).then(Name::Sex),
            value,
        ));
    }
    if patient.birth_date.is_empty() {
        findings.push(birth_date_missing());
        return None;
    }
    let Some(birth) = parse_date(&patient.birth_date) else {
        findings.push(Finding::new(
            Rule::BirthDateInvalid,
            FieldPath::of(Name::Patient).then(Name::BirthDate),
            "the patient's birth date is not a calendar date written YYYY-MM-DD",
        ));
        return None;
    };
    let Some(service) = date_of_service else {
        return Some(birth);
    };
    if birth > service {
        findings.push(Finding::new(
            Rule::BirthDateAfterService,
            FieldPath::of(Name::Patient).then(Name::BirthDate),
            "the patient's birth date is after the date of service",
        ));
    } else if age_in_years(birth, service) > MAX_AGE_YEARS {
        findings.push(Finding::new(
            Rule::BirthDateImplausible,
            FieldPath::of(Name::Patient).then(Name::BirthDate),
            format!("the patient would be older than {MAX_AGE_YEARS} years on the date of service"),
        ));
    }
    Some(birth)
}

fn birth_date_missing() -> Finding {
    Finding::new(
        Rule::BirthDateMissing,
        FieldPath::of(Name::Patient).then(Name::BirthDate),
        "the patient's birth date is not sent; extreme-age and age-dependent code rules cannot be checked",
    )
}

/// The patient's age in completed years on the date of service, when both dates
/// are known and in order.
pub(crate) fn age(birth: Option<Date>, date_of_service: Option<Date>) -> Option<i16> {
    let birth = birth?;
    let service = date_of_service?;
    // An age past the plausible range is reported and not believed: no
    // age-dependent rule is applied on it.
    (birth <= service)
        .then(|| age_in_years(birth, service))
        .filter(|age| *age <= MAX_AGE_YEARS)
}

/// Ages above this are aggregated in messages (45 CFR 164.514(b)(2)(i)(C)).
const HIPAA_AGE_AGGREGATE_ABOVE: i16 = 89;

/// An age as a message may state it: ages over 89 are identifiers under the HIPAA
/// Safe Harbor rule (45 CFR 164.514(b)(2)(i)(C)), so they are aggregated.
pub(crate) fn age_text(age: i16) -> String {
    if age > HIPAA_AGE_AGGREGATE_ABOVE {
        "90 or older".to_owned()
    } else {
        age.to_string()
    }
}

/// Completed years between two dates.
pub(crate) fn age_in_years(birth: Date, on: Date) -> i16 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

pub(crate) fn anesthesia_type(record: &CaseRecord, findings: &mut Vec<Finding>) {
    match record.anesthesia_type {
        Enumerated::Unspecified => findings.push(Finding::new(
            Rule::AnesthesiaTypeMissing,
            FieldPath::of(Name::AnesthesiaType),
            "the anesthesia type is not sent; whether QS (monitored anesthesia care) applies cannot be decided",
        )),
        Enumerated::Unknown(value) => findings.push(unknown_enum(FieldPath::of(Name::AnesthesiaType), value)),
        Enumerated::Known(_) => {}
    }
}

/// G8 and G9 describe monitored anesthesia care only.
pub(crate) fn mac_flags(record: &CaseRecord, findings: &mut Vec<Finding>) {
    let is_mac =
        record.anesthesia_type == Enumerated::Known(AnesthesiaType::MonitoredAnesthesiaCare);
    if is_mac {
        return;
    }
    let flags = [
        (
            record.mac_deep_complex,
            FieldPath::of(Name::MacDeepComplex),
            "G8",
        ),
        (
            record.mac_severe_cardiopulmonary_history,
            FieldPath::of(Name::MacSevereCardiopulmonaryHistory),
            "G9",
        ),
    ];
    for (set, field, modifier) in flags {
        if set {
            findings.push(Finding::new(
                Rule::MacFlagWithoutMac,
                field,
                format!(
                    "{field} is set but the anesthesia type is not monitored anesthesia care; {modifier} applies only to MAC"
                ),
            ));
        }
    }
}

pub(crate) fn place_of_service(record: &CaseRecord, findings: &mut Vec<Finding>) {
    let code = record.place_of_service.as_str();
    if code.is_empty() {
        findings.push(Finding::new(
            Rule::PlaceOfServiceMissing,
            FieldPath::of(Name::PlaceOfService),
            "the place of service is not sent; send the CMS two-digit code, e.g. \"21\" (inpatient hospital)",
        ));
    } else if place_of_service::lookup(code).is_none() {
        findings.push(Finding::new(
            Rule::PlaceOfServiceUnknown,
            FieldPath::of(Name::PlaceOfService),
            format!("{code:?} is not a CMS place-of-service code"),
        ));
    } else if TELEHEALTH_PLACES_OF_SERVICE.contains(&code) {
        findings.push(Finding::new(
            Rule::PlaceOfServiceTelehealth,
            FieldPath::of(Name::PlaceOfService),
            format!(
                "{code} is a telehealth place of service; anesthesia time needs the practitioner present with the patient, so check where the case took place"
            ),
        ));
    }
}

/// CMS POS 02 (telehealth other than in the patient's home) and 10 (telehealth in
/// the patient's home).
const TELEHEALTH_PLACES_OF_SERVICE: [&str; 2] = ["02", "10"];

/// The profile applied when a record names none.
const DEFAULT_PROFILE: &str = "medicare";

/// The payer profile the record names (the default when it names none); none when
/// it names one that is not loaded.
pub(crate) fn payer_profile<'p>(
    record: &CaseRecord,
    profiles: &'p PayerProfiles,
    findings: &mut Vec<Finding>,
) -> Option<&'p PayerProfile> {
    let name = record.payer.as_ref().map_or("", |p| p.profile.as_str());
    if name.is_empty() {
        findings.push(Finding::new(
            Rule::PayerProfileMissing,
            FieldPath::of(Name::Payer).then(Name::Profile),
            format!("the record names no payer profile; the {DEFAULT_PROFILE} profile is applied"),
        ));
        return profiles.get(DEFAULT_PROFILE);
    }
    let profile = profiles.get(name);
    if profile.is_none() {
        let known: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
        findings.push(Finding::new(
            Rule::PayerProfileUnknown,
            FieldPath::of(Name::Payer).then(Name::Profile),
            format!(
                "{name:?} is not a loaded payer profile; loaded: {}",
                known.join(", ")
            ),
        ));
    }
    profile
}

pub(crate) fn physical_status(record: &CaseRecord, findings: &mut Vec<Finding>) {
    match record.physical_status {
        Enumerated::Unspecified => findings.push(Finding::new(
            Rule::PhysicalStatusMissing,
            FieldPath::of(Name::PhysicalStatus),
            "the ASA physical status is not sent; no P1-P6 modifier can be reported",
        )),
        Enumerated::Unknown(value) => {
            findings.push(unknown_enum(FieldPath::of(Name::PhysicalStatus), value))
        }
        Enumerated::Known(_) => {}
    }
}

pub(crate) fn unknown_enum(field: FieldPath, value: i32) -> Finding {
    Finding::new(
        Rule::EnumValueUnknown,
        field,
        format!("{value} is not a value of {field} in anescode.v1"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digits read directly give what jiff's parser gives, for every day of a
    /// leap year and a common year and for what is not a date.
    #[test]
    fn dates_read_as_jiff_reads_them() {
        let mut texts: Vec<String> = Vec::new();
        for year in ["0000", "1900", "2000", "2024", "2026", "9999"] {
            for month in 0..=13 {
                for day in 0..=32 {
                    texts.push(format!("{year}-{month:02}-{day:02}"));
                }
            }
        }
        for text in &texts {
            let jiff: Option<Date> = text.parse().ok();
            assert_eq!(parse_date(text), jiff, "{text}");
        }
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            parse_date("2026-03-02"),
            Some(jiff::civil::date(2026, 3, 2))
        );
        assert_eq!(parse_date("2026-3-2"), None);
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("+2026-03-0"), None);
        assert_eq!(parse_date("02/03/2026"), None);
    }

    #[test]
    fn age_counts_completed_years() {
        let birth = jiff::civil::date(1955, 3, 3);
        assert_eq!(age_in_years(birth, jiff::civil::date(2026, 3, 2)), 70);
        assert_eq!(age_in_years(birth, jiff::civil::date(2026, 3, 3)), 71);
    }
}
