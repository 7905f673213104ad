//! Turns a case record into a decision.

use std::sync::Arc;

use anescode_codes::Catalog;
use anescode_codes::icd10cm::Icd10Cm;
use anescode_codes::icd10cm_releases::Icd10CmReleases;
use anescode_codes::support::DiagnosisSupport;
use compact_str::CompactString;

use crate::checked::CheckedCase;
use crate::checks::{self, Checked, Tables, across_cases};
use crate::concurrency::{CaseContext, Timeline};
use crate::explanation::Prepared;
use crate::{CaseRecord, Decision, DecisionStatus, Finding, PayerProfile, PayerProfiles};
use crate::{billing, explanation, limits};

/// Whether a decision carries its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    Lean,
}

/// Codes case records against one catalog and set of payer profiles. Cheap to
/// clone and to share between threads; coding is pure and synchronous.
#[derive(Debug, Clone)]
pub struct Coder {
    catalog: Arc<Catalog>,
    profiles: Arc<PayerProfiles>,
    releases: Arc<Icd10CmReleases>,
    support: &'static DiagnosisSupport,
    /// The explanations' shared parts, for this catalog and these profiles.
    prepared: Arc<Prepared>,
    /// The catalog's version, shared by every decision that names it.
    catalog_version: Arc<str>,
}

impl Coder {
    /// A coder applying `catalog`, `profiles` and the embedded ICD-10-CM release.
    pub fn new(catalog: Arc<Catalog>, profiles: Arc<PayerProfiles>) -> Self {
        Coder {
            prepared: Arc::new(Prepared::new(&catalog, &profiles)),
            catalog_version: Arc::from(catalog.version()),
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

    fn tables(&self) -> Tables<'_> {
        Tables {
            catalog: &self.catalog,
            releases: &self.releases,
            support: self.support,
            profiles: &self.profiles,
        }
    }

    /// Codes one record on its own, with the concurrency the sender states. Never
    /// fails: every problem becomes a finding, in the order of the record's fields.
    pub fn code(&self, record: &CaseRecord) -> Decision {
        self.decide(record, None, Detail::Full).0
    }

    /// As [`Coder::code`], without the explanation: the same status, code,
    /// lines, findings and diagnoses, an empty rationale and no figures. For
    /// machines that act on the decision and never read why (the lean view); the
    /// rationale and figures are a fifth of the work of coding a typical case.
    pub fn code_lean(&self, record: &CaseRecord) -> Decision {
        self.decide(record, None, Detail::Lean).0
    }

    /// Codes one record among the other cases of a ledger: `ledger` is given the
    /// case's [`Timeline`] and answers what the other cases say about it (its
    /// anesthesiologists' concurrency, overlaps, a closed day). Returns the
    /// decision and the timeline, for the ledger to keep. A record over the limits
    /// has an empty timeline.
    pub fn code_in_ledger(
        &self,
        record: &CaseRecord,
        ledger: &mut dyn FnMut(&Timeline) -> CaseContext,
    ) -> (Decision, Timeline) {
        let (decision, timeline) = self.decide(record, Some(ledger), Detail::Full);
        (
            decision,
            timeline.unwrap_or_else(|| over_limits_timeline(record)),
        )
    }

    /// The case's [`Timeline`] alone, as [`Coder::code_in_ledger`] makes it, without
    /// billing or explaining the case: for a ledger loading the cases it holds.
    pub fn timeline(&self, record: &CaseRecord) -> Timeline {
        if !limits::check(record).is_empty() {
            return over_limits_timeline(record);
        }
        let Checked { case, profile, .. } = checks::check(record, self.tables(), &mut Vec::new());
        checked_timeline(record, &case, profile)
    }

    fn decide(
        &self,
        record: &CaseRecord,
        ledger: Option<&mut dyn FnMut(&Timeline) -> CaseContext>,
        detail: Detail,
    ) -> (Decision, Option<Timeline>) {
        let over = limits::check(record);
        if !over.is_empty() {
            return (
                self.over_limits(&record.case_id, record.revision, over),
                None,
            );
        }
        let mut findings = Vec::new();
        let Checked {
            mut case,
            profile,
            release,
        } = checks::check(record, self.tables(), &mut findings);
        let timeline = ledger.map(|ledger| {
            let timeline = checked_timeline(record, &case, profile);
            let context = ledger(&timeline);
            across_cases::apply(&mut case, &context, &mut findings);
            timeline
        });
        let billing = profile
            .map(|profile| billing::bill(&case, profile, &mut findings))
            .unwrap_or_default();
        let (rationale, figures) = match (detail, profile) {
            (Detail::Lean, _) => (String::new(), Vec::new()),
            (Detail::Full, profile) => {
                let shared = self.prepared.for_case(&self.catalog, &case, profile);
                (
                    explanation::rationale(&shared, &case, &billing, profile),
                    profile
                        .map(|p| explanation::figures(&shared, p, billing.factor))
                        .unwrap_or_default(),
                )
            }
        };
        let status = DecisionStatus::from_findings(&findings);
        limits::cap_findings(&mut findings);
        let decision = Decision {
            case_id: CompactString::from(record.case_id.as_str()),
            revision: record.revision,
            status,
            anesthesia_code: case.carrying().map(|r| r.entry.code),
            diagnoses: case.diagnoses,
            lines: billing.lines,
            rationale,
            findings,
            total_minutes: case.time.minutes,
            catalog_version: Arc::clone(&self.catalog_version),
            icd10cm_release: release.set.release(),
            payer_profile: profile
                .map(|p| CompactString::from(p.name.as_str()))
                .unwrap_or_default(),
            figures,
        };
        (decision, timeline)
    }

    /// The decision for a record over a limit: only the limit findings (from
    /// [`limits`]), nothing coded. The case_id is echoed only when it is itself
    /// within its limit.
    pub fn over_limits(&self, case_id: &str, revision: u64, findings: Vec<Finding>) -> Decision {
        Decision {
            case_id: echoed(case_id),
            revision,
            rationale: "The record is over anescode's record limits, so nothing was coded; see the findings.".to_owned(),
            ..self.unreadable(findings)
        }
    }

    fn unreadable(&self, findings: Vec<Finding>) -> Decision {
        Decision {
            case_id: CompactString::default(),
            revision: 0,
            status: DecisionStatus::from_findings(&findings),
            anesthesia_code: None,
            diagnoses: Vec::new(),
            lines: Vec::new(),
            findings,
            total_minutes: 0,
            catalog_version: Arc::clone(&self.catalog_version),
            icd10cm_release: "",
            payer_profile: CompactString::default(),
            figures: Vec::new(),
            rationale: String::new(),
        }
    }
}

/// A checked case's timeline: its providers' time, and whether its payer counts
/// a case ending at the minute another starts as concurrent with it.
fn checked_timeline(
    record: &CaseRecord,
    case: &CheckedCase<'_, '_>,
    profile: Option<&PayerProfile>,
) -> Timeline {
    let touching = profile.is_some_and(|p| p.touching_cases_concurrent);
    across_cases::timeline(&record.case_id, case, touching)
}

/// The timeline of a record over the limits: empty, under the case_id its
/// decision echoes.
fn over_limits_timeline(record: &CaseRecord) -> Timeline {
    Timeline {
        case_id: echoed(&record.case_id).to_string(),
        ..Timeline::default()
    }
}

/// A record's case_id as its decision echoes it: only when it is itself within
/// its limit.
fn echoed(case_id: &str) -> CompactString {
    if case_id.len() <= limits::IDENTIFIER_BYTES.max {
        CompactString::from(case_id)
    } else {
        CompactString::default()
    }
}
