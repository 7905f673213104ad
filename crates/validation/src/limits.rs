//! The most one record may hold, so that the work, memory and answer size of one
//! request are bounded whatever a client sends. Each limit is chosen from real
//! claims with headroom; a record over any of them is REJECTED with one
//! `RECORD_LIMIT_EXCEEDED` finding per field over its limit, and nothing else is
//! checked or coded for it.

use crate::field::{FieldPath, Name};
use crate::{AncillaryProcedure, CaseRecord, Finding, Procedure, Provider, Rule, TimeBlock};

/// One documented limit: what it bounds, the most it allows and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The field (or class of fields) it bounds, as the contract names it.
    pub field: &'static str,
    /// The most allowed: a count of elements, or a length in bytes for strings.
    pub max: usize,
    /// Why this figure.
    pub reason: &'static str,
}

/// Procedures under one anesthetic.
pub const PROCEDURES: Limit = Limit {
    field: "procedures",
    max: 30,
    reason: "an anesthetic rarely covers more than a handful of procedures; an 837P claim holds at most 50 service lines",
};
/// Diagnoses on one record.
pub const DIAGNOSES: Limit = Limit {
    field: "diagnoses",
    max: 25,
    reason: "an 837P claim carries 12 diagnosis codes and an 837I 25 (the principal and 24 others)",
};
/// Time blocks in any one list (the case's, a procedure's, a provider's).
pub const TIME_BLOCKS: Limit = Limit {
    field: "time_blocks",
    max: 50,
    reason: "interrupted care gives a few blocks per case; 50 covers a day-long case interrupted every half hour",
};
/// Providers on one case.
pub const PROVIDERS: Limit = Limit {
    field: "providers",
    max: 20,
    reason: "a case has one to four providers; hand-offs on a long case add a few more",
};
/// Ancillary procedures on one case.
pub const ANCILLARY_PROCEDURES: Limit = Limit {
    field: "ancillary_procedures",
    max: 50,
    reason: "each is a service line and an 837P claim holds at most 50",
};
/// Any code, identifier or date string.
pub const IDENTIFIER_BYTES: Limit = Limit {
    field: "each code, identifier and date",
    max: 128,
    reason: "the longest such value in X12 (an 837P reference identifier) is 50 characters",
};
/// A procedure's free-text description.
pub const DESCRIPTION_BYTES: Limit = Limit {
    field: "procedures[].description",
    max: 1024,
    reason: "free text that anescode never interprets; an 837P line note (NTE02) is 80 characters",
};

/// Every limit, in the order they are checked, for documentation.
pub const ALL: &[Limit] = &[
    PROCEDURES,
    DIAGNOSES,
    TIME_BLOCKS,
    PROVIDERS,
    ANCILLARY_PROCEDURES,
    IDENTIFIER_BYTES,
    DESCRIPTION_BYTES,
];

/// The most findings one decision reports; the rest are counted in a last
/// `FINDINGS_TRUNCATED` finding. Within the record limits a record yields far
/// fewer, so this bounds only pathological combinations.
pub const MAX_FINDINGS: usize = 200;

/// The findings for every field of `record` over its limit; empty when the
/// record is within all of them. Linear in the record's size, and nested lists
/// are looked at only when their parent list is within its limit.
pub(crate) fn check(record: &CaseRecord) -> Vec<Finding> {
    let mut over = Over::default();
    let CaseRecord {
        case_id,
        revision: _,
        facility_id,
        date_of_service,
        patient,
        anesthesia_type: _,
        time_blocks,
        procedures,
        diagnoses,
        physical_status: _,
        emergency: _,
        providers,
        total_body_hypothermia: _,
        controlled_hypotension: _,
        mac_deep_complex: _,
        mac_severe_cardiopulmonary_history: _,
        ancillary_procedures,
        place_of_service,
        payer,
    } = record;
    over.text(|| FieldPath::of(Name::CaseId), case_id);
    over.text(|| FieldPath::of(Name::FacilityId), facility_id);
    over.text(|| FieldPath::of(Name::DateOfService), date_of_service);
    if let Some(patient) = patient {
        over.text(
            || FieldPath::of(Name::Patient).then(Name::BirthDate),
            &patient.birth_date,
        );
    }
    over.blocks(|| FieldPath::of(Name::TimeBlocks), time_blocks);
    over.procedures(procedures);
    over.diagnoses(diagnoses);
    over.providers(providers);
    over.ancillary(ancillary_procedures);
    over.text(|| FieldPath::of(Name::PlaceOfService), place_of_service);
    if let Some(payer) = payer {
        over.text(
            || FieldPath::of(Name::Payer).then(Name::Profile),
            &payer.profile,
        );
        over.text(
            || FieldPath::of(Name::Payer).then(Name::PlanId),
            &payer.plan_id,
        );
        over.text(
            || FieldPath::of(Name::Payer).then(Name::Locality),
            &payer.locality,
        );
    }
    over.findings
}

/// The finding for a list of `count` elements at `field`, over `limit`. Also for
/// a server that counts the lists of a message before decoding it.
pub fn list_over_limit(limit: Limit, field: FieldPath, count: usize) -> Finding {
    Finding::new(
        Rule::RecordLimitExceeded,
        field,
        format!(
            "the record has {count} {}; at most {} are accepted ({})",
            limit.field, limit.max, limit.reason
        ),
    )
}

/// Collects the findings of fields over their limits.
#[derive(Default)]
struct Over {
    findings: Vec<Finding>,
}

impl Over {
    /// Reports a list over `limit`; true when the list is within it. As with
    /// [`Over::bytes`], the path is made only for a list over its limit.
    fn count(&mut self, limit: Limit, field: impl FnOnce() -> FieldPath, count: usize) -> bool {
        if count <= limit.max {
            return true;
        }
        self.findings.push(list_over_limit(limit, field(), count));
        false
    }

    /// The procedures and, when their count is within its limit, each one's fields.
    fn procedures(&mut self, procedures: &[Procedure]) {
        let list = FieldPath::of(Name::Procedures);
        if !self.count(PROCEDURES, || list, procedures.len()) {
            return;
        }
        for (i, procedure) in procedures.iter().enumerate() {
            let field = |name| list.at(i).then(name);
            self.text(|| field(Name::SurgicalCpt), &procedure.surgical_cpt);
            self.text(|| field(Name::AnesthesiaCode), &procedure.anesthesia_code);
            let description = || field(Name::Description);
            self.bytes(DESCRIPTION_BYTES, description, &procedure.description);
            self.blocks(|| field(Name::TimeBlocks), &procedure.time_blocks);
        }
    }

    /// The diagnoses and, when their count is within its limit, each code.
    fn diagnoses(&mut self, diagnoses: &[String]) {
        let list = FieldPath::of(Name::Diagnoses);
        if !self.count(DIAGNOSES, || list, diagnoses.len()) {
            return;
        }
        for (i, diagnosis) in diagnoses.iter().enumerate() {
            self.text(|| list.at(i), diagnosis);
        }
    }

    /// The providers and, when their count is within its limit, each one's fields.
    fn providers(&mut self, providers: &[Provider]) {
        let list = FieldPath::of(Name::Providers);
        if !self.count(PROVIDERS, || list, providers.len()) {
            return;
        }
        for (i, provider) in providers.iter().enumerate() {
            let field = |name| list.at(i).then(name);
            self.text(|| field(Name::Npi), &provider.npi);
            self.text(|| field(Name::Taxonomy), &provider.taxonomy);
            self.blocks(|| field(Name::TimeBlocks), &provider.time_blocks);
        }
    }

    /// The ancillary procedures and, when their count is within its limit, each
    /// one's fields.
    fn ancillary(&mut self, ancillary: &[AncillaryProcedure]) {
        let list = FieldPath::of(Name::AncillaryProcedures);
        if !self.count(ANCILLARY_PROCEDURES, || list, ancillary.len()) {
            return;
        }
        for (i, procedure) in ancillary.iter().enumerate() {
            self.text(|| list.at(i).then(Name::Cpt), &procedure.cpt);
            let performer = || list.at(i).then(Name::PerformedByNpi);
            self.text(performer, &procedure.performed_by_npi);
        }
    }

    fn blocks(&mut self, field: impl FnOnce() -> FieldPath, blocks: &[TimeBlock]) {
        self.count(TIME_BLOCKS, field, blocks.len());
    }

    fn text(&mut self, field: impl FnOnce() -> FieldPath, value: &str) {
        self.bytes(IDENTIFIER_BYTES, field, value);
    }

    /// The field's path is made only for a value over its limit: most records
    /// have none, and every value is looked at.
    fn bytes(&mut self, limit: Limit, field: impl FnOnce() -> FieldPath, value: &str) {
        let len = value.len();
        if len <= limit.max {
            return;
        }
        let field = field();
        self.findings.push(Finding::new(
            Rule::RecordLimitExceeded,
            field,
            format!(
                "{field} is {len} bytes; at most {} are accepted ({})",
                limit.max, limit.reason
            ),
        ));
    }
}

/// Keeps at most [`MAX_FINDINGS`] findings, the first ones, and says in a last
/// finding how many were left out.
pub(crate) fn cap_findings(findings: &mut Vec<Finding>) {
    if findings.len() <= MAX_FINDINGS {
        return;
    }
    let left_out = findings.len() - MAX_FINDINGS;
    findings.truncate(MAX_FINDINGS);
    findings.push(Finding::new(
        Rule::FindingsTruncated,
        FieldPath::RECORD,
        format!(
            "{left_out} more findings were left out: a decision reports at most {MAX_FINDINGS}; the status counts them all"
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each finding as "RULE field".
    fn ids(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| format!("{} {}", f.rule.id(), f.field))
            .collect()
    }

    #[test]
    fn a_record_at_every_limit_passes() {
        let record = CaseRecord {
            case_id: "x".repeat(IDENTIFIER_BYTES.max),
            diagnoses: vec!["C50.911".to_owned(); DIAGNOSES.max],
            time_blocks: vec![TimeBlock::default(); TIME_BLOCKS.max],
            procedures: vec![
                Procedure {
                    description: "d".repeat(DESCRIPTION_BYTES.max),
                    time_blocks: vec![TimeBlock::default(); TIME_BLOCKS.max],
                    ..Procedure::default()
                };
                PROCEDURES.max
            ],
            providers: vec![Provider::default(); PROVIDERS.max],
            ancillary_procedures: vec![AncillaryProcedure::default(); ANCILLARY_PROCEDURES.max],
            ..CaseRecord::default()
        };
        assert_eq!(check(&record), []);
    }

    #[test]
    fn each_field_over_its_limit_is_named_with_its_count() {
        let record = CaseRecord {
            diagnoses: vec![String::new(); 20_000],
            procedures: vec![Procedure {
                description: "d".repeat(5000),
                time_blocks: vec![TimeBlock::default(); 51],
                ..Procedure::default()
            }],
            ancillary_procedures: vec![AncillaryProcedure::default(); 1_000_000],
            providers: vec![Provider {
                npi: "1".repeat(129),
                ..Provider::default()
            }],
            ..CaseRecord::default()
        };
        let findings = check(&record);
        assert_eq!(
            ids(&findings),
            [
                "RECORD_LIMIT_EXCEEDED procedures[0].description",
                "RECORD_LIMIT_EXCEEDED procedures[0].time_blocks",
                "RECORD_LIMIT_EXCEEDED diagnoses",
                "RECORD_LIMIT_EXCEEDED providers[0].npi",
                "RECORD_LIMIT_EXCEEDED ancillary_procedures",
            ]
        );
        assert_eq!(
            findings[2].message,
            "the record has 20000 diagnoses; at most 25 are accepted (an 837P claim carries 12 diagnosis codes and an 837I 25 (the principal and 24 others))"
        );
        assert_eq!(
            findings[0].message,
            "procedures[0].description is 5000 bytes; at most 1024 are accepted (free text that anescode never interprets; an 837P line note (NTE02) is 80 characters)"
        );
    }

    #[test]
    fn findings_past_the_cap_are_counted_in_a_last_finding() {
        let mut findings =
            vec![Finding::new(Rule::TimeBlockStartMissing, FieldPath::RECORD, "m"); 250];
        cap_findings(&mut findings);
        assert_eq!(findings.len(), MAX_FINDINGS + 1);
        let last = &findings[MAX_FINDINGS];
        assert_eq!(last.rule, Rule::FindingsTruncated);
        assert_eq!(
            last.message,
            "50 more findings were left out: a decision reports at most 200; the status counts them all"
        );
    }
}
