//! Work billed apart from the anesthesia, and work the anesthesia already pays for
//! (domain reference §3; NCCI Policy Manual ch. II; CMS Claims Processing Manual
//! ch.12 §50).

use anescode_codes::Code;
use compact_str::CompactString;
use smallvec::smallvec;

use crate::Modifier;
use crate::checked::{CheckedAncillary, CheckedCase};
use crate::checks::header::age_text;
use crate::field::{FieldPath, Name};
use crate::{ClaimLine, Finding, LineKind, LineModifiers, Rule, Tenths};

/// Codes included in the anesthesia care package: never billed with it.
const INCLUDED: &[(u32, &str)] = &[
    (36000, "peripheral IV start"),
    (36410, "venipuncture"),
    (36600, "arterial puncture for blood gas"),
    (93000, "ECG monitoring"),
    (93005, "ECG monitoring"),
    (93010, "ECG monitoring"),
    (93040, "rhythm ECG monitoring"),
    (93041, "rhythm ECG monitoring"),
    (93042, "rhythm ECG monitoring"),
    (93318, "TEE monitoring"),
    (93355, "TEE guidance for a structural intervention"),
    (94002, "ventilation management"),
    (94003, "ventilation management"),
    (94760, "pulse oximetry"),
    (94761, "pulse oximetry"),
    (94762, "pulse oximetry"),
];

/// The vascular access codes ultrasound guidance (76937) is an add-on to.
const VASCULAR_ACCESS: [u32; 4] = [
    CENTRAL_LINE_CHILD,
    CENTRAL_LINE,
    ARTERIAL_LINE,
    PULMONARY_ARTERY_CATHETER,
];

/// What becomes of one ancillary procedure.
enum Class {
    /// Billed, with these modifiers.
    Bill(LineModifiers),
    /// Not billed: the rule and message of the finding that says why.
    Skip(Rule, String),
}

/// The separately billable lines of the record's ancillary procedures; every
/// procedure that is not billed gets a finding saying why.
pub(crate) fn lines(
    case: &CheckedCase<'_, '_>,
    pointers: &[u32],
    lines: &mut Vec<ClaimLine>,
    findings: &mut Vec<Finding>,
) {
    for procedure in &case.ancillary {
        // Missing and malformed codes were reported when the record was checked.
        let Some(code) = procedure.code else {
            continue;
        };
        match classify(case, procedure, code) {
            Class::Bill(modifiers) => lines.push(ClaimLine {
                code,
                modifiers,
                provider_npi: CompactString::from(procedure.performer),
                kind: LineKind::SeparateProcedure,
                minutes: 0,
                base_units: None,
                time_units: None,
                modifying_units: None,
                total_units: Tenths::whole(SERVICE_UNITS),
                payment_percent: FULL_PERCENT,
                allowed_amount: None,
                diagnosis_pointers: pointers.into(),
            }),
            Class::Skip(rule, message) => {
                let field = FieldPath::of(Name::AncillaryProcedures).at(procedure.index);
                findings.push(Finding::new(rule, field, message));
            }
        }
    }
}

/// A procedure billed apart is one service, paid in full to who performed it.
const SERVICE_UNITS: u32 = 1;
const FULL_PERCENT: u32 = 100;

/// CPT 36555 is a central venous catheter for a patient under 5 years, 36556 for
/// one 5 years or older (CPT descriptors).
const CENTRAL_LINE_CHILD_AGE: i16 = 5;
const CENTRAL_LINE_CHILD: u32 = 36555;
const CENTRAL_LINE: u32 = 36556;
/// Arterial line and pulmonary artery catheter: billed apart (domain reference §3).
const ARTERIAL_LINE: u32 = 36620;
const PULMONARY_ARTERY_CATHETER: u32 = 93503;
/// Ultrasound guidance for vascular access, an add-on to it (CPT 76937).
const ULTRASOUND_GUIDANCE: u32 = 76937;
/// Diagnostic TEE (93312-93317), billed apart with 59 (domain reference §3).
const DIAGNOSTIC_TEE: std::ops::RangeInclusive<u32> = 93312..=93317;
/// Nerve blocks and epidural or spinal injections: billed apart with 59 only for
/// post-operative pain the surgeon asked for (NCCI Policy Manual ch. II).
const NERVE_BLOCKS: std::ops::RangeInclusive<u32> = 64400..=64530;
const NEURAXIAL_INJECTIONS: std::ops::RangeInclusive<u32> = 62320..=62327;
/// Endotracheal intubation: billed apart only in an emergency outside the
/// anesthetic (NCCI Policy Manual ch. II).
const INTUBATION: u32 = 31500;

/// What to do with one ancillary procedure: bill it (with its modifiers) or not,
/// and why.
fn classify(case: &CheckedCase<'_, '_>, procedure: &CheckedAncillary<'_>, code: Code) -> Class {
    let number = code.number().unwrap_or(0);
    if let Some((_, what)) = INCLUDED.iter().find(|(c, _)| *c == number) {
        return Class::Skip(
            Rule::IncludedInAnesthesia,
            format!("{code} ({what}) is part of the anesthesia care package and is not billed"),
        );
    }
    match number {
        ARTERIAL_LINE | PULMONARY_ARTERY_CATHETER => Class::Bill(LineModifiers::new()),
        CENTRAL_LINE_CHILD | CENTRAL_LINE => central_line(number, case.age),
        ULTRASOUND_GUIDANCE => ultrasound_guidance(case, procedure),
        n if DIAGNOSTIC_TEE.contains(&n) => Class::Bill(smallvec![Modifier::DistinctService]),
        n if NERVE_BLOCKS.contains(&n) || NEURAXIAL_INJECTIONS.contains(&n) => {
            block(code, procedure)
        }
        INTUBATION if procedure.emergency => Class::Bill(LineModifiers::new()),
        INTUBATION => Class::Skip(
            Rule::IncludedInAnesthesia,
            "31500 without an emergency is the case's routine airway, part of the anesthesia; not billed".to_owned(),
        ),
        _ => Class::Skip(
            Rule::AncillaryNotRecognized,
            format!("anescode has no billing rule for {code}; it was not billed, decide by hand"),
        ),
    }
}

/// A central line, whose code depends on the patient's age.
fn central_line(number: u32, age: Option<i16>) -> Class {
    match (number, age) {
        (CENTRAL_LINE_CHILD, Some(age)) if age >= CENTRAL_LINE_CHILD_AGE => Class::Skip(
            Rule::CentralLineAgeMismatch,
            format!(
                "36555 is for patients under 5 years; the patient is {}: bill 36556",
                age_text(age)
            ),
        ),
        (CENTRAL_LINE, Some(age)) if age < CENTRAL_LINE_CHILD_AGE => Class::Skip(
            Rule::CentralLineAgeMismatch,
            format!(
                "36556 is for patients 5 years or older; the patient is {}: bill 36555",
                age_text(age)
            ),
        ),
        _ => Class::Bill(LineModifiers::new()),
    }
}

/// Ultrasound guidance: billed with a vascular access code and its documentation.
fn ultrasound_guidance(case: &CheckedCase<'_, '_>, procedure: &CheckedAncillary<'_>) -> Class {
    let access = (case.ancillary.iter())
        .filter_map(|p| p.code.and_then(|c| c.number()))
        .any(|n| VASCULAR_ACCESS.contains(&n));
    if !access {
        Class::Skip(
            Rule::UltrasoundGuidanceWithoutAccess,
            "76937 is an add-on to a vascular access code (36555, 36556, 36620, 93503), and none is on the case; not billed".to_owned(),
        )
    } else if !procedure.ultrasound_guided {
        Class::Skip(
            Rule::UltrasoundGuidanceNotDocumented,
            "76937 needs documented ultrasound guidance (vessel evaluation, real-time needle entry, a kept image); ultrasound_guided is not set, not billed".to_owned(),
        )
    } else {
        Class::Bill(LineModifiers::new())
    }
}

/// A nerve block or neuraxial injection: billed apart only for post-operative
/// pain the surgeon requested, never when it was the anesthetic.
fn block(code: Code, procedure: &CheckedAncillary<'_>) -> Class {
    if procedure.primary_anesthetic {
        Class::Skip(
            Rule::BlockIsPrimaryAnesthetic,
            format!(
                "{code} was the anesthetic for the surgery; it is paid through the anesthesia code, not billed apart"
            ),
        )
    } else if !procedure.surgeon_requested_postop_pain {
        Class::Skip(
            Rule::BlockNotRequestedBySurgeon,
            format!(
                "{code} is billed apart only when the surgeon requested it for post-operative pain; surgeon_requested_postop_pain is not set, not billed"
            ),
        )
    } else {
        Class::Bill(smallvec![Modifier::DistinctService])
    }
}
