//! Procedure edits that need the whole case: codes defined by the patient's age
//! (CPT descriptors of 00326, 00561, 00834, 00836), delivery codes that are not
//! reported with the labour epidural 01967 (domain reference §1.13), and P6
//! outside organ procurement (§1.9).

use jiff::civil::Date;

use anescode_codes::CatalogEntry;

use crate::checks::header::age_text;
use crate::checks::procedures::Resolved;
use crate::field::{FieldPath, Name};
use crate::{CaseRecord, Enumerated, Finding, PhysicalStatus, Rule};

/// 00836 is for a premature infant under 50 weeks' postconceptional age at
/// surgery (CPT descriptor): older than 50 weeks after birth is impossible.
const PREMATURE_INFANT_CODE: &str = "00836";
const PREMATURE_INFANT_MAX_WEEKS: i32 = 50;
/// 00326, 00561 and 00834 are for a patient younger than 1 year (CPT descriptors).
const INFANT_MAX_YEARS: i16 = 0;
/// The labour epidural, and the delivery codes not reported with it (Highmark WV
/// A-5, domain reference §1.13).
const LABOR_EPIDURAL: &str = "01967";
const NOT_WITH_LABOR_EPIDURAL: [&str; 3] = ["01960", "01961", "01962"];
/// Anesthesia for organ procurement from a brain-dead patient, the one code P6
/// belongs with (domain reference §1.9).
const ORGAN_PROCUREMENT: &str = "01990";

/// Each age-defined code on a patient outside its age.
pub(crate) fn age_defined_codes(
    resolved: &[Resolved<'_>],
    (birth, date_of_service): (Option<Date>, Option<Date>),
    age: Option<i16>,
    findings: &mut Vec<Finding>,
) {
    let (Some(age), Some(service)) = (age, date_of_service) else {
        return;
    };
    for r in resolved.iter().filter(|r| r.entry.reflects_extreme_age) {
        let code = r.entry.code.as_str();
        let message = if code == PREMATURE_INFANT_CODE {
            let weeks = birth
                .and_then(|b| b.until((jiff::Unit::Day, service)).ok())
                .map(|span| span.get_days() / 7);
            match weeks {
                Some(w) if w >= PREMATURE_INFANT_MAX_WEEKS => format!(
                    "{code} is for a premature infant under {PREMATURE_INFANT_MAX_WEEKS} weeks' postconceptional age; the patient is {}",
                    if age > 0 {
                        format!("aged {}", age_text(age))
                    } else {
                        format!("{w} weeks old")
                    }
                ),
                _ => continue,
            }
        } else if age > INFANT_MAX_YEARS {
            format!(
                "{code} is for a patient younger than 1 year; the patient is aged {} on the date of service",
                age_text(age)
            )
        } else {
            continue;
        };
        findings.push(Finding::new(
            Rule::AnesthesiaCodeAgeMismatch,
            FieldPath::of(Name::Procedures).at(r.index),
            message,
        ));
    }
}

/// 01960, 01961 or 01962 on a case with 01967.
pub(crate) fn delivery_with_labor_epidural(resolved: &[Resolved<'_>], findings: &mut Vec<Finding>) {
    if !resolved
        .iter()
        .any(|r| r.entry.code.as_str() == LABOR_EPIDURAL)
    {
        return;
    }
    for r in resolved {
        let code = r.entry.code.as_str();
        if NOT_WITH_LABOR_EPIDURAL.contains(&code) {
            findings.push(Finding::new(
                Rule::DeliveryCodeWithLaborEpidural,
                FieldPath::of(Name::Procedures).at(r.index),
                format!(
                    "{code} is not reported with {LABOR_EPIDURAL}: a cesarean or hysterectomy after labour analgesia is the add-on 01968 or 01969, a vaginal delivery is within {LABOR_EPIDURAL}"
                ),
            ));
        }
    }
}

/// P6 (brain-dead organ donor) on a case not coded 01990.
pub(crate) fn p6_outside_organ_procurement(
    record: &CaseRecord,
    carrying: Option<&CatalogEntry>,
    findings: &mut Vec<Finding>,
) {
    let Some(carrying) = carrying else {
        return;
    };
    let code = carrying.code.as_str();
    if record.physical_status == Enumerated::Known(PhysicalStatus::P6) && code != ORGAN_PROCUREMENT
    {
        findings.push(Finding::new(
            Rule::PhysicalStatusP6NotOrganProcurement,
            FieldPath::of(Name::PhysicalStatus),
            format!(
                "P6 (declared brain-dead, organ donor) belongs with {ORGAN_PROCUREMENT}, organ procurement; the case is coded {code}"
            ),
        ));
    }
}
