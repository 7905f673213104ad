//! Turns a case record into a decision.

use std::fmt::Write as _;
use std::sync::Arc;

use anescode_codes::Catalog;
use anescode_codes::icd10cm::Icd10Cm;
use anescode_codes::icd10cm_releases::{Icd10CmRelease, Icd10CmReleases, ReleaseChoice};
use anescode_codes::support::DiagnosisSupport;
use jiff::civil::Date;

use crate::billing::{self, Billing, CaseFacts};
use crate::checks::procedures::{self, Resolved, Source};
use crate::checks::{diagnoses, header, obstetric_and_age, providers};
use crate::field::{FieldPath, Name};
use crate::limits;
use crate::time::{self, Interval};
use crate::{CaseRecord, Decision, DecisionStatus, Finding, PayerProfile, PayerProfiles, Rule};

/// The profile applied when a record names none.
const DEFAULT_PROFILE: &str = "medicare";

/// Codes case records against one catalog and set of payer profiles. Cheap to
/// clone and to share between threads; coding is pure and synchronous.
#[derive(Debug, Clone)]
pub struct Coder {
    catalog: Arc<Catalog>,
    profiles: Arc<PayerProfiles>,
    releases: Arc<Icd10CmReleases>,
    support: &'static DiagnosisSupport,
}

impl Coder {
    /// A coder applying `catalog`, `profiles` and the embedded ICD-10-CM release.
    pub fn new(catalog: Arc<Catalog>, profiles: Arc<PayerProfiles>) -> Self {
        Coder {
            catalog,
            profiles,
            releases: Arc::new(Icd10CmReleases::embedded()),
            support: DiagnosisSupport::embedded(),
        }
    }

    /// The same coder checking diagnosis support against `support`.
    pub fn with_support(self, support: &'static DiagnosisSupport) -> Self {
        Coder { support, ..self }
    }

    /// The same coder judging diagnoses by `releases`.
    pub fn with_releases(self, releases: Arc<Icd10CmReleases>) -> Self {
        Coder { releases, ..self }
    }

    /// The newest ICD-10-CM release held.
    pub fn diagnoses(&self) -> &'static Icd10Cm {
        self.releases.newest().set
    }

    /// Every ICD-10-CM release held, each judging the dates of service from its
    /// fiscal year on.
    pub fn releases(&self) -> &Icd10CmReleases {
        &self.releases
    }

    /// The catalog applied.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The payer profiles in force.
    pub fn profiles(&self) -> &PayerProfiles {
        &self.profiles
    }

    fn profile(&self, record: &CaseRecord, findings: &mut Vec<Finding>) -> Option<&PayerProfile> {
        let name = record.payer.as_ref().map_or("", |p| p.profile.as_str());
        if name.is_empty() {
            findings.push(Finding::new(
                Rule::PayerProfileMissing,
                FieldPath::of(Name::Payer).then(Name::Profile),
                format!(
                    "the record names no payer profile; the {DEFAULT_PROFILE} profile is applied"
                ),
            ));
            return self.profiles.get(DEFAULT_PROFILE);
        }
        let profile = self.profiles.get(name);
        if profile.is_none() {
            let known: Vec<&str> = self.profiles.iter().map(|p| p.name.as_str()).collect();
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

    /// The ICD-10-CM release that judges the date of service; a finding when the
    /// date is before the oldest held.
    fn release(
        &self,
        date_of_service: Option<Date>,
        findings: &mut Vec<Finding>,
    ) -> &Icd10CmRelease {
        let (release, choice) = self.releases.for_date(date_of_service);
        if choice == ReleaseChoice::BeforeOldest
            && let Some(date) = date_of_service
        {
            findings.push(Finding::new(
                Rule::Icd10CmReleaseNotHeld,
                FieldPath::of(Name::Diagnoses),
                format!(
                    "no ICD-10-CM release held covers {date}; the diagnoses were judged by {}, in force from {}",
                    release.set.release(),
                    release.effective_from
                ),
            ));
        }
        release
    }

    /// Codes one record. Never fails: every problem becomes a finding, in the
    /// order of the record's fields.
    pub fn code(&self, record: &CaseRecord) -> Decision {
        let over = limits::check(record);
        if !over.is_empty() {
            return self.over_limits(&record.case_id, record.revision, over);
        }
        let mut findings = Vec::new();
        header::case_id(record, &mut findings);
        let date_of_service = header::date_of_service(record, &mut findings);
        header::patient(record, date_of_service, &mut findings);
        header::anesthesia_type(record, &mut findings);
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
            &mut findings,
        );
        // Start order, for the overlap look-ups of billing.
        intervals.sort_by_key(|i| i.start);
        let resolved = procedures::resolve(record, &self.catalog, date_of_service, &mut findings);
        let procedure_intervals = procedure_time(record, date_of_service, &mut findings);
        let carrying = procedures::carrying(&resolved);
        let others = resolved.iter().filter(|r| !r.entry.add_on).count();
        if let Some(carrying) = carrying
            && others > 1
        {
            findings.push(Finding::new(
                Rule::MultipleProceduresHighestBase,
                FieldPath::of(Name::Procedures).at(carrying.index),
                format!(
                    "{} procedures share one anesthetic; {} has the highest base units and carries the total time",
                    others, carrying.entry.code
                ),
            ));
        }
        let age = header::age(record, date_of_service);
        obstetric_and_age::age_defined_codes(
            record,
            &resolved,
            date_of_service,
            age,
            &mut findings,
        );
        obstetric_and_age::delivery_with_labor_epidural(&resolved, &mut findings);
        let release = self.release(date_of_service, &mut findings);
        let diagnoses = diagnoses::check(
            record,
            (release.set, self.support),
            age,
            carrying.map(|r| r.entry),
            &mut findings,
        );
        header::physical_status(record, &mut findings);
        obstetric_and_age::p6_outside_organ_procurement(record, carrying, &mut findings);
        let provider_intervals = providers::check(record, date_of_service, &mut findings);
        let provider_minutes: Vec<Option<u32>> = provider_intervals
            .iter()
            .map(|own| own.as_deref().map(time::total_minutes))
            .collect();
        header::mac_flags(record, &mut findings);
        providers::ancillary(record, &mut findings);
        header::place_of_service(record, &mut findings);
        let profile = self.profile(record, &mut findings);

        let total_minutes = time::total_minutes(&intervals);
        let facts = CaseFacts {
            record,
            catalog: &self.catalog,
            date_of_service,
            age,
            minutes: total_minutes,
            intervals: &intervals,
            procedure_intervals: &procedure_intervals,
            provider_minutes: &provider_minutes,
            provider_intervals: &provider_intervals,
            resolved: &resolved,
            carrying,
        };
        let billing = profile
            .map(|profile| billing::bill(&facts, profile, &mut findings))
            .unwrap_or_default();
        let mut rationale = rationale(
            &self.catalog,
            carrying,
            &resolved,
            &intervals,
            total_minutes,
        );
        explain_billing(&mut rationale, &billing, profile);
        let Billing { lines, figures, .. } = billing;
        let status = DecisionStatus::from_findings(&findings);
        limits::cap_findings(&mut findings);
        Decision {
            case_id: record.case_id.clone(),
            revision: record.revision,
            status,
            anesthesia_code: carrying.map(|r| r.entry.code),
            diagnoses,
            lines,
            rationale,
            findings,
            total_minutes,
            catalog_version: self.catalog.version().to_owned(),
            icd10cm_release: release.set.release().to_owned(),
            payer_profile: profile.map(|p| p.name.clone()).unwrap_or_default(),
            figures,
        }
    }

    /// The decision for a record over a limit: only the limit findings (from
    /// [`limits`]), nothing coded. The case_id is echoed only when it is itself
    /// within its limit.
    pub fn over_limits(&self, case_id: &str, revision: u64, findings: Vec<Finding>) -> Decision {
        let case_id = if case_id.len() <= limits::IDENTIFIER_BYTES.max {
            case_id.to_owned()
        } else {
            String::new()
        };
        Decision {
            case_id,
            revision,
            rationale: "The record is over anescode's record limits, so nothing was coded; see the findings.".to_owned(),
            ..self.unreadable(findings)
        }
    }

    fn unreadable(&self, findings: Vec<Finding>) -> Decision {
        Decision {
            case_id: String::new(),
            revision: 0,
            status: DecisionStatus::from_findings(&findings),
            anesthesia_code: None,
            diagnoses: Vec::new(),
            lines: Vec::new(),
            findings,
            total_minutes: 0,
            catalog_version: self.catalog.version().to_owned(),
            icd10cm_release: String::new(),
            payer_profile: String::new(),
            figures: Vec::new(),
            rationale: String::new(),
        }
    }
}

/// Each procedure's own time (index of the block, interval), when it has blocks of
/// its own (obstetric add-ons).
fn procedure_time(
    record: &CaseRecord,
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Vec<Option<Vec<(usize, Interval)>>> {
    record
        .procedures
        .iter()
        .enumerate()
        .map(|(index, procedure)| {
            (!procedure.time_blocks.is_empty()).then(|| {
                time::check_blocks_indexed(
                    FieldPath::of(Name::Procedures)
                        .at(index)
                        .then(Name::TimeBlocks),
                    &procedure.time_blocks,
                    date_of_service,
                    findings,
                )
            })
        })
        .collect()
}

fn rationale(
    catalog: &Catalog,
    carrying: Option<&Resolved<'_>>,
    resolved: &[Resolved<'_>],
    intervals: &[Interval],
    total_minutes: u32,
) -> String {
    let mut text = String::new();
    match carrying {
        None => {
            text.push_str("No anesthesia code could be resolved for the case; see the findings.")
        }
        Some(carrying) => {
            let entry = carrying.entry;
            let _ = write!(
                text,
                "{} ({}) carries the case",
                entry.code, entry.description
            );
            match &entry.base_units {
                Some(base) => {
                    let _ = write!(
                        text,
                        " with {} base units ({} effective {}, {})",
                        base.units,
                        catalog.schedule().id(),
                        catalog.schedule().effective(),
                        base.corroboration.as_str()
                    );
                }
                None => text.push_str(" without base units (unpriced in the schedule in force)"),
            }
            let _ = write!(text, "; {}.", origin(carrying));
            let others: Vec<String> = resolved
                .iter()
                .filter(|r| !r.entry.add_on && r.index != carrying.index)
                .map(|r| {
                    format!(
                        "{} (procedure {}, {} base units)",
                        r.entry.code,
                        r.index + 1,
                        r.base_units()
                    )
                })
                .collect();
            if !others.is_empty() {
                let _ = write!(
                    text,
                    " It has the highest base units of the case's procedures, so {} {} reported under it with the total time.",
                    others.join(", "),
                    if others.len() == 1 { "is" } else { "are" }
                );
            }
            for add_on in resolved.iter().filter(|r| r.entry.add_on) {
                let _ = write!(
                    text,
                    " Add-on {} (procedure {}) is reported beside it.",
                    add_on.entry.code,
                    add_on.index + 1
                );
            }
        }
    }
    let blocks = intervals.len();
    let _ = write!(
        text,
        " Anesthesia time is {total_minutes} minutes in {blocks} {}.",
        if blocks == 1 { "block" } else { "blocks" }
    );
    text
}

/// Adds the payment, units and money to the rationale.
fn explain_billing(text: &mut String, billing: &Billing, profile: Option<&PayerProfile>) {
    for sentence in &billing.narrative {
        text.push(' ');
        text.push_str(sentence);
    }
    let Some(profile) = profile else {
        return;
    };
    for line in billing
        .lines
        .iter()
        .filter(|l| l.kind == crate::LineKind::Anesthesia)
    {
        let _ = write!(
            text,
            " {}-{} for {}: {} base + {} time ({} {}) + {} modifying = {} units",
            line.code,
            crate::modifier::joined(&line.modifiers),
            line.provider_npi,
            line.base_units.unwrap_or_default(),
            line.time_units.unwrap_or_default(),
            line.minutes,
            profile.time_units.value,
            line.modifying_units.unwrap_or_default(),
            line.total_units,
        );
        match line.allowed_amount {
            Some(amount) => {
                let _ = write!(text, " at {}%: ${amount}.", line.payment_percent);
            }
            None => {
                let _ = write!(text, " at {}%.", line.payment_percent);
            }
        }
    }
    let separate = billing
        .lines
        .iter()
        .filter(|l| l.kind == crate::LineKind::SeparateProcedure)
        .map(|l| {
            if l.modifiers.is_empty() {
                l.code.to_string()
            } else {
                format!("{}-{}", l.code, crate::modifier::joined(&l.modifiers))
            }
        })
        .collect::<Vec<_>>();
    if !separate.is_empty() {
        let _ = write!(
            text,
            " Billed apart from the anesthesia: {}.",
            separate.join(", ")
        );
    }
    let _ = write!(text, " Payer profile: {}.", profile.name);
}

fn origin(resolved: &Resolved<'_>) -> String {
    match resolved.source {
        Source::Given => format!(
            "it was given as procedure {}'s anesthesia code",
            resolved.index + 1
        ),
        Source::Crosswalk(surgical) => format!(
            "it was found through the crosswalk from procedure {}'s surgical code {surgical}",
            resolved.index + 1
        ),
    }
}
