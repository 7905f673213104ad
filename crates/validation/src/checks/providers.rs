//! The providers and the procedures they performed beside the anesthetic.

use anescode_codes::taxonomy::{self, TaxonomyGroup};
use jiff::civil::Date;

use crate::checked::{CheckedAncillary, CheckedProvider};
use crate::checks::header::unknown_enum;
use crate::field::{FieldPath, Name};
use crate::time::{self, own_intervals};
use crate::{CaseRecord, Enumerated, Finding, Npi, NpiError, ProviderRole, Rule};
use anescode_codes::Code;

/// Checks the providers and returns each one checked, with its own time when it
/// has blocks of its own.
pub(crate) fn check<'r>(
    record: &'r CaseRecord,
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Vec<CheckedProvider<'r>> {
    if record.providers.is_empty() {
        findings.push(Finding::new(
            Rule::ProvidersMissing,
            FieldPath::of(Name::Providers),
            "the record has no provider; send at least the anesthesiologist or CRNA who gave the anesthetic",
        ));
        return Vec::new();
    }
    let mut checked = Vec::with_capacity(record.providers.len());
    for (i, provider) in record.providers.iter().enumerate() {
        // Field paths are formatted only when there is something to report.
        let field = |name: Name| FieldPath::of(Name::Providers).at(i).then(name);
        let parsed = npi(
            &provider.npi,
            || field(Name::Npi),
            Rule::ProviderNpiMissing,
            findings,
        );
        duplicate(record, i, field(Name::Npi), findings);
        let role = match provider.role {
            Enumerated::Known(role) => Some(role),
            Enumerated::Unspecified => {
                findings.push(Finding::new(
                    Rule::ProviderRoleMissing,
                    field(Name::Role),
                    format!(
                        "provider {} has no role; the payment modifier depends on it",
                        i + 1
                    ),
                ));
                None
            }
            Enumerated::Unknown(value) => {
                findings.push(unknown_enum(field(Name::Role), value));
                None
            }
        };
        taxonomy_matches(&provider.taxonomy, role, || field(Name::Taxonomy), findings);
        let own_time = own_intervals(
            || field(Name::TimeBlocks),
            &provider.time_blocks,
            date_of_service,
            findings,
        );
        checked.push(CheckedProvider {
            index: i,
            npi_text: &provider.npi,
            npi: parsed,
            role,
            concurrent_cases: provider.concurrent_cases,
            medical_direction_documented: provider.medical_direction_documented,
            present_at_induction: provider.present_at_induction,
            minutes: own_time.as_deref().map(time::total_minutes),
            own_time,
        });
    }
    checked
}

/// Checks an NPI field and returns the NPI when it is valid; `missing` is the
/// rule reported when it is empty.
fn npi(
    text: &str,
    field: impl Fn() -> FieldPath,
    missing: Rule,
    findings: &mut Vec<Finding>,
) -> Option<Npi> {
    if text.is_empty() {
        findings.push(Finding::new(
            missing,
            field(),
            "no NPI is sent; send the provider's 10-digit NPI",
        ));
        return None;
    }
    let parsed = text.parse::<Npi>();
    if let Err(error) = &parsed {
        let message = match error {
            NpiError::Format | NpiError::FirstDigit => format!("{text:?} is not an NPI: {error}"),
            NpiError::CheckDigit { .. } => {
                format!("{text} is not a valid NPI: {error}; check for a mistyped digit")
            }
        };
        findings.push(Finding::new(Rule::ProviderNpiInvalid, field(), message));
    }
    parsed.ok()
}

fn taxonomy_matches(
    code: &str,
    role: Option<ProviderRole>,
    field: impl Fn() -> FieldPath,
    findings: &mut Vec<Finding>,
) {
    if code.is_empty() {
        return;
    }
    if !taxonomy::is_well_formed(code) {
        findings.push(Finding::new(
            Rule::ProviderTaxonomyInvalid,
            field(),
            format!(
                "{code:?} is not a NUCC taxonomy code (ten capital letters or digits ending in X)"
            ),
        ));
        return;
    }
    let expected = match role {
        Some(ProviderRole::Anesthesiologist) => TaxonomyGroup::Anesthesiologist,
        Some(ProviderRole::Crna) => TaxonomyGroup::NurseAnesthetist,
        Some(ProviderRole::AnesthesiologistAssistant) => TaxonomyGroup::AnesthesiologistAssistant,
        // Trainees carry student or resident taxonomies; nothing to compare.
        Some(ProviderRole::Resident | ProviderRole::StudentNurseAnesthetist) | None => return,
    };
    match taxonomy::lookup(code) {
        None => findings.push(Finding::new(
            Rule::ProviderTaxonomyNotAnesthesia,
            field(),
            format!("{code} is not an anesthesia taxonomy; check the provider's specialty"),
        )),
        Some(found) if found.group != expected => findings.push(Finding::new(
            Rule::ProviderTaxonomyRoleMismatch,
            field(),
            format!("{code} ({}) does not match the provider's role", found.name),
        )),
        Some(_) => {}
    }
}

/// Checks the procedures performed beside the anesthetic and returns them with
/// their codes parsed.
pub(crate) fn ancillary<'r>(
    record: &'r CaseRecord,
    findings: &mut Vec<Finding>,
) -> Vec<CheckedAncillary<'r>> {
    let mut checked = Vec::with_capacity(record.ancillary_procedures.len());
    for (i, procedure) in record.ancillary_procedures.iter().enumerate() {
        let path = FieldPath::of(Name::AncillaryProcedures).at(i);
        let code = procedure.cpt.parse::<Code>();
        if procedure.cpt.is_empty() {
            findings.push(Finding::new(
                Rule::AncillaryCptMissing,
                path.then(Name::Cpt),
                format!("ancillary procedure {} has no CPT code", i + 1),
            ));
        } else if let Err(error) = &code {
            findings.push(Finding::new(
                Rule::AncillaryCptInvalid,
                path.then(Name::Cpt),
                format!("{:?} is not a CPT code: {error}", procedure.cpt),
            ));
        }
        let performer = procedure.performed_by_npi.as_str();
        if performer.is_empty() {
            findings.push(Finding::new(
                Rule::AncillaryPerformerMissing,
                path.then(Name::PerformedByNpi),
                format!(
                    "ancillary procedure {} does not say who performed it; it is billed under that provider",
                    i + 1
                ),
            ));
        } else if !record.providers.iter().any(|p| p.npi == performer) {
            findings.push(Finding::new(
                Rule::AncillaryPerformerNotOnCase,
                path.then(Name::PerformedByNpi),
                format!("{performer} is not one of the case's providers"),
            ));
        }
        checked.push(CheckedAncillary {
            index: i,
            code: code.ok(),
            performer,
            ultrasound_guided: procedure.ultrasound_guided,
            surgeon_requested_postop_pain: procedure.surgeon_requested_postop_pain,
            primary_anesthetic: procedure.primary_anesthetic,
            emergency: procedure.emergency,
        });
    }
    checked
}

/// Reports provider `i` when its NPI is already listed. At most
/// `limits::PROVIDERS`: a scan of the earlier ones is cheaper than a map.
fn duplicate(record: &CaseRecord, i: usize, field: FieldPath, findings: &mut Vec<Finding>) {
    let provider = &record.providers[i];
    if provider.npi.is_empty() {
        return;
    }
    let first = record.providers[..i]
        .iter()
        .position(|earlier| earlier.npi == provider.npi);
    if let Some(first) = first {
        findings.push(Finding::new(
            Rule::ProviderDuplicate,
            field,
            format!(
                "NPI {} is already listed as provider {}",
                provider.npi,
                first + 1
            ),
        ));
    }
}
