//! Qualifying circumstances: anesthesia made harder by the patient's age, total
//! body hypothermia, controlled hypotension or an emergency, each its own CPT code
//! and units (domain reference §1.10; CMS pays none of them).

use anescode_codes::Code;

use crate::checked::CheckedCase;
use crate::explanation::Reason;
use crate::field::FieldPath;
use crate::field::Name;
use crate::{Finding, PayerProfile, Rule, Tenths};

/// 99100 applies under 1 year and over 70 (CPT 99100 descriptor; domain reference
/// §1.10): these ages do not qualify.
const NOT_EXTREME_AGE: std::ops::RangeInclusive<i16> = 1..=70;

/// One qualifying circumstance, as the case shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Circumstance {
    /// 99100, a patient under 1 year.
    YoungerThanOne,
    /// 99100, a patient over 70.
    OlderThanSeventy,
    /// 99116.
    TotalBodyHypothermia,
    /// 99135.
    ControlledHypotension,
    /// 99140.
    Emergency,
}

const EXTREME_AGE: Code = Code::from_ascii(b"99100");
const TOTAL_BODY_HYPOTHERMIA: Code = Code::from_ascii(b"99116");
const CONTROLLED_HYPOTENSION: Code = Code::from_ascii(b"99135");
const EMERGENCY: Code = Code::from_ascii(b"99140");

impl Circumstance {
    /// Its CPT code.
    pub(crate) fn code(self) -> Code {
        match self {
            Circumstance::YoungerThanOne | Circumstance::OlderThanSeventy => EXTREME_AGE,
            Circumstance::TotalBodyHypothermia => TOTAL_BODY_HYPOTHERMIA,
            Circumstance::ControlledHypotension => CONTROLLED_HYPOTENSION,
            Circumstance::Emergency => EMERGENCY,
        }
    }

    /// The profile's units for it.
    fn units(self, profile: &PayerProfile) -> u32 {
        let units = profile.qualifying_units.value;
        match self {
            Circumstance::YoungerThanOne | Circumstance::OlderThanSeventy => units.extreme_age,
            Circumstance::TotalBodyHypothermia => units.total_body_hypothermia,
            Circumstance::ControlledHypotension => units.controlled_hypotension,
            Circumstance::Emergency => units.emergency,
        }
    }
}

/// The circumstances of the case, in code order. The extreme age is not one when
/// the code that carries the case already reflects it (a finding says so).
fn circumstances(case: &CheckedCase<'_, '_>, findings: &mut Vec<Finding>) -> Vec<Circumstance> {
    let mut found = Vec::new();
    if let (Some(age), Some(carrying)) = (case.age, case.carrying())
        && !NOT_EXTREME_AGE.contains(&age)
    {
        if carrying.entry.reflects_extreme_age {
            findings.push(Finding::new(
                Rule::ExtremeAgeInCode,
                FieldPath::of(Name::Patient).then(Name::BirthDate),
                format!(
                    "{} already reflects the patient's age; 99100 is not reported with it",
                    carrying.entry.code
                ),
            ));
        } else if age < 1 {
            found.push(Circumstance::YoungerThanOne);
        } else {
            found.push(Circumstance::OlderThanSeventy);
        }
    }
    let stated = case.circumstances;
    if stated.total_body_hypothermia {
        found.push(Circumstance::TotalBodyHypothermia);
    }
    if stated.controlled_hypotension {
        found.push(Circumstance::ControlledHypotension);
    }
    if stated.emergency {
        found.push(Circumstance::Emergency);
    }
    found
}

/// The qualifying-circumstance codes to bill with the profile's units, and the
/// reason; nothing when the profile does not report them.
pub(crate) fn qualifying_circumstances(
    case: &CheckedCase<'_, '_>,
    profile: &PayerProfile,
    findings: &mut Vec<Finding>,
    reasons: &mut Vec<Reason>,
) -> Vec<(Code, Tenths)> {
    let applies: Vec<(Circumstance, u32)> = circumstances(case, findings)
        .into_iter()
        .map(|c| (c, c.units(profile)))
        .collect();
    if applies.is_empty() {
        return Vec::new();
    }
    let codes: Vec<String> = applies.iter().map(|(c, _)| c.code().to_string()).collect();
    if !profile.report_qualifying_circumstances {
        findings.push(Finding::new(
            Rule::QualifyingCircumstanceNotPaid,
            FieldPath::RECORD,
            format!(
                "{} apply, but the {} profile does not report qualifying circumstances",
                codes.join(", "),
                profile.name
            ),
        ));
        return Vec::new();
    }
    if applies.iter().all(|(_, units)| *units == 0) {
        let verb = if codes.len() == 1 { "is" } else { "are" };
        findings.push(Finding::new(
            Rule::QualifyingCircumstanceNotPaid,
            FieldPath::RECORD,
            format!(
                "{} {verb} reported with 0 units: the {} profile does not pay qualifying circumstances",
                codes.join(", "),
                profile.name
            ),
        ));
    }
    let billed = applies
        .iter()
        .map(|(c, units)| (c.code(), Tenths::whole(*units)))
        .collect();
    reasons.push(Reason::QualifyingCircumstances(applies));
    billed
}
