//! Work billed apart from the anesthesia, and work the anesthesia already pays for
//! (domain reference §3; NCCI Policy Manual ch. II; CMS Claims Processing Manual
//! ch.12 §50).

use anescode_codes::Code;

use crate::Modifier;
use crate::checked::{CheckedAncillary, CheckedCase};
use crate::checks::header::age_text;
use crate::field::{FieldPath, Name};
use crate::{ClaimLine, Finding, LineKind, Rule, Tenths};

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
const VASCULAR_ACCESS: [u32; 4] = [36555, 36556, 36620, 93503];

enum Class {
    Bill { modifiers: Vec<Modifier> },
    Skip(Finding),
}

/// The separately billable lines of the record's ancillary procedures; every
/// procedure that is not billed gets a finding saying why.
pub(crate) fn lines(
    case: &CheckedCase<'_, '_>,
    pointers: &[u32],
    findings: &mut Vec<Finding>,
) -> Vec<ClaimLine> {
    let mut lines = Vec::new();
    for procedure in &case.ancillary {
        // Missing and malformed codes were reported when the record was checked.
        let Some(code) = procedure.code else {
            continue;
        };
        match classify(case, procedure, code) {
            Class::Bill { modifiers } => lines.push(ClaimLine {
                code,
                modifiers,
                provider_npi: procedure.performer.to_owned(),
                kind: LineKind::SeparateProcedure,
                minutes: 0,
                base_units: None,
                time_units: None,
                modifying_units: None,
                total_units: Tenths::whole(1),
                payment_percent: 100,
                allowed_amount: None,
                diagnosis_pointers: pointers.to_vec(),
            }),
            Class::Skip(finding) => findings.push(finding),
        }
    }
    lines
}

/// CPT 36555 is a central venous catheter for a patient under 5 years, 36556 for
/// one 5 years or older (CPT descriptors).
const CENTRAL_LINE_CHILD_AGE: i16 = 5;

/// What to do with one ancillary procedure: bill it (with its modifiers) or not,
/// and why.
fn classify(case: &CheckedCase<'_, '_>, procedure: &CheckedAncillary<'_>, code: Code) -> Class {
    let field = FieldPath::of(Name::AncillaryProcedures).at(procedure.index);
    let number = code.number().unwrap_or(0);
    let age = case.age;
    let bill = |modifiers: Vec<Modifier>| Class::Bill { modifiers };
    let skip = |rule, message: String| Class::Skip(Finding::new(rule, field, message));
    if let Some((_, what)) = INCLUDED.iter().find(|(c, _)| *c == number) {
        return skip(
            Rule::IncludedInAnesthesia,
            format!("{code} ({what}) is part of the anesthesia care package and is not billed"),
        );
    }
    match number {
        36620 | 93503 => bill(Vec::new()),
        36555 | 36556 => match (number, age) {
            (36555, Some(age)) if age >= CENTRAL_LINE_CHILD_AGE => skip(
                Rule::CentralLineAgeMismatch,
                format!(
                    "36555 is for patients under 5 years; the patient is {}: bill 36556",
                    age_text(age)
                ),
            ),
            (36556, Some(age)) if age < CENTRAL_LINE_CHILD_AGE => skip(
                Rule::CentralLineAgeMismatch,
                format!(
                    "36556 is for patients 5 years or older; the patient is {}: bill 36555",
                    age_text(age)
                ),
            ),
            _ => bill(Vec::new()),
        },
        76937 => {
            let access = (case.ancillary.iter())
                .filter_map(|p| p.code.and_then(|c| c.number()))
                .any(|n| VASCULAR_ACCESS.contains(&n));
            if !access {
                skip(
                    Rule::UltrasoundGuidanceWithoutAccess,
                    "76937 is an add-on to a vascular access code (36555, 36556, 36620, 93503), and none is on the case; not billed".to_owned(),
                )
            } else if !procedure.ultrasound_guided {
                skip(
                    Rule::UltrasoundGuidanceNotDocumented,
                    "76937 needs documented ultrasound guidance (vessel evaluation, real-time needle entry, a kept image); ultrasound_guided is not set, not billed".to_owned(),
                )
            } else {
                bill(Vec::new())
            }
        }
        93312..=93317 => bill(vec![Modifier::DistinctService]),
        64400..=64530 | 62320..=62327 => {
            if procedure.primary_anesthetic {
                skip(
                    Rule::BlockIsPrimaryAnesthetic,
                    format!(
                        "{code} was the anesthetic for the surgery; it is paid through the anesthesia code, not billed apart"
                    ),
                )
            } else if !procedure.surgeon_requested_postop_pain {
                skip(
                    Rule::BlockNotRequestedBySurgeon,
                    format!(
                        "{code} is billed apart only when the surgeon requested it for post-operative pain; surgeon_requested_postop_pain is not set, not billed"
                    ),
                )
            } else {
                bill(vec![Modifier::DistinctService])
            }
        }
        31500 => {
            if procedure.emergency {
                bill(Vec::new())
            } else {
                skip(
                    Rule::IncludedInAnesthesia,
                    "31500 without an emergency is the case's routine airway, part of the anesthesia; not billed".to_owned(),
                )
            }
        }
        _ => skip(
            Rule::AncillaryNotRecognized,
            format!("anescode has no billing rule for {code}; it was not billed, decide by hand"),
        ),
    }
}
