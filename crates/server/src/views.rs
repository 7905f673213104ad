//! Decision views: the lean view keeps what a machine acts on and drops the
//! explanation a person reads (the contract lists both, decision.proto
//! `DecisionView`). Applied at the edge, to the answer only: the ledger keeps
//! every decision whole, and GetDecision returns it so. A decision just made
//! is written in its view (`decision_wire::Parts::Lean`); a message (a replay,
//! a refusal) is trimmed here, and a test holds the two to the same fields.

use crate::pb;

/// Whether `view` is the lean view: any value other than LEAN is the full view,
/// unknown values included, so a newer client never gets less than it asked.
pub(crate) fn is_lean(view: i32) -> bool {
    view == pb::DecisionView::Lean as i32
}

/// Trims `decision` to `view` ([`is_lean`]).
pub(crate) fn apply(view: i32, mut decision: pb::CodingDecision) -> pb::CodingDecision {
    if !is_lean(view) {
        return decision;
    }
    decision.rationale = String::new();
    decision.figures = Vec::new();
    decision.catalog_version = String::new();
    decision.icd10cm_release = String::new();
    for diagnosis in &mut decision.diagnoses {
        diagnosis.description = String::new();
    }
    for finding in &mut decision.findings {
        finding.reference = String::new();
    }
    decision
}
