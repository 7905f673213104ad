//! The checks of a record, one module per part of it. Each check pushes findings
//! on the exact field it looked at and hands on what it established; [`check`]
//! runs them in the record's field order and gathers that into a [`CheckedCase`].

pub(crate) mod across_cases;
pub(crate) mod diagnoses;
pub(crate) mod header;
pub(crate) mod obstetric_and_age;
pub(crate) mod procedures;
pub(crate) mod providers;

use anescode_codes::Catalog;
use anescode_codes::icd10cm_releases::{Icd10CmRelease, Icd10CmReleases};
use anescode_codes::support::DiagnosisSupport;

use crate::checked::{CaseTime, CheckedCase, Circumstances, MacFlags};
use crate::field::{FieldPath, Name};
use crate::time;
use crate::{CaseRecord, Finding, PayerProfile, PayerProfiles, Rule};

/// The tables a record is checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tables<'t> {
    pub(crate) catalog: &'t Catalog,
    pub(crate) releases: &'t Icd10CmReleases,
    pub(crate) support: &'t DiagnosisSupport,
    pub(crate) profiles: &'t PayerProfiles,
}

/// A record after its checks, with the profile and ICD-10-CM release that apply.
#[derive(Debug)]
pub(crate) struct Checked<'r, 't> {
    pub(crate) case: CheckedCase<'r, 't>,
    pub(crate) profile: Option<&'t PayerProfile>,
    pub(crate) release: &'t Icd10CmRelease,
}

/// Checks every field of `record`, in the contract's field order.
pub(crate) fn check<'r, 't>(
    record: &'r CaseRecord,
    tables: Tables<'t>,
    findings: &mut Vec<Finding>,
) -> Checked<'r, 't> {
    header::case_id(record, findings);
    let date_of_service = header::date_of_service(record, findings);
    let birth_date = header::patient(record, date_of_service, findings);
    header::anesthesia_type(record, findings);
    let time = case_time(record, date_of_service, findings);
    let mut procedures = procedures::resolve(record, tables.catalog, date_of_service, findings);
    procedures::own_time(record, &mut procedures, date_of_service, findings);
    let carrying = procedures::carrying(&procedures);
    procedures::carrying_of_several(&procedures, carrying, findings);
    let age = header::age(birth_date, date_of_service);
    obstetric_and_age::age_defined_codes(&procedures, (birth_date, date_of_service), age, findings);
    obstetric_and_age::delivery_with_labor_epidural(&procedures, findings);
    let release = diagnoses::release(tables.releases, date_of_service, findings);
    let carrying_entry = carrying.map(|i| procedures[i].entry);
    let diagnoses = diagnoses::check(
        record,
        (release.set, tables.support),
        age,
        carrying_entry,
        findings,
    );
    header::physical_status(record, findings);
    obstetric_and_age::p6_outside_organ_procurement(record, carrying_entry, findings);
    let providers = providers::check(record, date_of_service, findings);
    header::mac_flags(record, findings);
    let ancillary = providers::ancillary(record, findings);
    header::place_of_service(record, findings);
    let profile = header::payer_profile(record, tables.profiles, findings);
    let case = CheckedCase {
        date_of_service,
        age,
        anesthesia_type: record.anesthesia_type.known(),
        physical_status: record.physical_status.known(),
        circumstances: Circumstances {
            emergency: record.emergency,
            total_body_hypothermia: record.total_body_hypothermia,
            controlled_hypotension: record.controlled_hypotension,
        },
        mac: MacFlags {
            deep_complex: record.mac_deep_complex,
            severe_cardiopulmonary_history: record.mac_severe_cardiopulmonary_history,
        },
        time,
        procedures,
        carrying,
        diagnoses,
        providers,
        ancillary,
        locality: record
            .payer
            .as_ref()
            .map(|p| p.locality.as_str())
            .filter(|l| !l.is_empty()),
    };
    Checked {
        case,
        profile,
        release,
    }
}

/// The case's anesthesia time: its blocks checked, in start order.
fn case_time(
    record: &CaseRecord,
    date_of_service: Option<jiff::civil::Date>,
    findings: &mut Vec<Finding>,
) -> CaseTime {
    if record.time_blocks.is_empty() {
        findings.push(Finding::new(
            Rule::TimeBlocksMissing,
            FieldPath::of(Name::TimeBlocks),
            "the record has no anesthesia time; send the start and end of each block of care",
        ));
    }
    let mut intervals = time::check_blocks(
        FieldPath::of(Name::TimeBlocks),
        &record.time_blocks,
        date_of_service,
        findings,
    );
    // Start order, for the overlap look-ups of billing.
    intervals.sort_by_key(|i| i.start);
    CaseTime {
        minutes: time::total_minutes(&intervals),
        intervals,
    }
}
