use std::sync::Arc;

use anescode_codes::Code;
use compact_str::CompactString;

use crate::{AppliedFigure, ClaimLine, Finding, ReportedDiagnosis, Severity};

/// The outcome of coding one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionStatus {
    /// No finding above INFO.
    Coded,
    /// The worst finding is a WARNING.
    NeedsReview,
    /// At least one ERROR.
    Rejected,
}

impl DecisionStatus {
    /// The status the findings call for.
    pub fn from_findings(findings: &[Finding]) -> Self {
        match findings.iter().map(Finding::severity).max() {
            Some(Severity::Error) => DecisionStatus::Rejected,
            Some(Severity::Warning) => DecisionStatus::NeedsReview,
            Some(Severity::Info) | None => DecisionStatus::Coded,
        }
    }
}

/// The coding decision for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The record's case_id as sent (held inline when short, as ids are).
    pub case_id: CompactString,
    /// The record's revision as sent.
    pub revision: u64,
    /// Derived from the findings.
    pub status: DecisionStatus,
    /// The code that carries the case, if one could be resolved.
    pub anesthesia_code: Option<Code>,
    /// The record's diagnoses in canonical dotted form, in record order.
    pub diagnoses: Vec<ReportedDiagnosis>,
    /// The claim lines, per billing provider, then separately billable work.
    pub lines: Vec<ClaimLine>,
    /// Every finding, in the order of the record's fields.
    pub findings: Vec<Finding>,
    /// Anesthesia time in whole minutes.
    pub total_minutes: u32,
    /// The catalog applied.
    pub catalog_version: Arc<str>,
    /// The ICD-10-CM release the diagnoses were judged by (empty when nothing was
    /// coded).
    pub icd10cm_release: &'static str,
    /// The payer profile applied.
    pub payer_profile: CompactString,
    /// Every payer and catalog figure the decision applied, with its source;
    /// shared with every decision that applied the same figure.
    pub figures: Vec<Arc<AppliedFigure>>,
    /// Why this code and this time, in one paragraph.
    pub rationale: String,
}
