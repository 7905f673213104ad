//! A domain decision written as an anescode.v1.CodingDecision, straight into
//! bytes: the one mapping of a decision to the wire. Answers go out as these
//! bytes and the ledger stores them; where a message is needed (a refusal, a
//! decision to publish), it is decoded from them ([`message`]).
//!
//! Written so, a decision makes no message of its own on its way out: no string
//! for each unit, amount, code, modifier and finding field, and nothing to drop
//! after sending. The fields are written in the order of their numbers, each
//! left out when it has its default value, as prost writes them: the bytes are
//! those of the message with the same values.

use std::fmt::{self, Write as _};

use anescode_validation as domain;
use prost::Message;
use prost::encoding::{WireType, encode_varint, encoded_len_varint};

use crate::logging::Clipped;
use crate::pb;

/// What of a decision is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parts {
    /// The lean view: no rationale, figures, catalog version, ICD-10-CM
    /// release, diagnosis descriptions or finding references. What `views::apply`
    /// trims from a message (a stored one, a refusal); a test holds the two to
    /// the same fields.
    Lean,
    /// The full view but its figures, which follow as their set's bytes
    /// (`figure_sets`).
    WithoutFigures,
    /// All of it.
    Whole,
}

/// Bytes a decision's fields take beside their texts, at most: keys, lengths,
/// numbers. An estimate to size the buffer once; a decision above it only
/// grows the buffer.
const FIXED: usize = 96;
/// A claim line's bytes: codes, modifiers, NPI, units, amount and pointers.
const LINE: usize = 112;
/// A finding's, diagnosis's or figure's bytes beside its texts.
const ENTRY: usize = 24;
/// A finding's field path, rendered (`providers[1].time_blocks[0].end`).
const FIELD_PATH: usize = 32;
/// A figure's effective date, code, kind and locality.
const FIGURE_FIELDS: usize = 24;

/// The decision's encoding, in a buffer sized for it with `spare` bytes more
/// (for what the caller appends).
pub(crate) fn encode(decision: &domain::Decision, parts: Parts, spare: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(estimate(decision, parts) + spare);
    write(decision, parts, &mut out);
    out
}

/// The whole decision as a message, decoded from its encoding.
pub(crate) fn message(decision: &domain::Decision) -> pb::CodingDecision {
    decode(&encode(decision, Parts::Whole, 0), decision)
}

/// The message whose encoding `bytes` [`write`] wrote for `decision`. Valid by
/// construction: a failure would be a defect here, logged, and the message then
/// carries the decision's case id, revision and status alone.
fn decode(bytes: &[u8], decision: &domain::Decision) -> pb::CodingDecision {
    pb::CodingDecision::decode(bytes).unwrap_or_else(|error| {
        tracing::error!(
            case_id = %Clipped(&decision.case_id),
            %error,
            "a decision's own encoding did not decode"
        );
        pb::CodingDecision {
            case_id: decision.case_id.to_string(),
            revision: decision.revision,
            status: status(decision.status).into(),
            ..Default::default()
        }
    })
}

impl From<domain::Decision> for pb::CodingDecision {
    fn from(decision: domain::Decision) -> Self {
        message(&decision)
    }
}

fn estimate(decision: &domain::Decision, parts: Parts) -> usize {
    let full = parts != Parts::Lean;
    let texts = |t: &str| if full { t.len() } else { 0 };
    let findings: usize = decision
        .findings
        .iter()
        .map(|f| ENTRY + f.message.len() + texts(f.rule.reference()) + FIELD_PATH)
        .sum();
    let diagnoses: usize = decision
        .diagnoses
        .iter()
        .map(|d| {
            let description = d.description_parts().filter(|_| full);
            ENTRY + parts_len(d.code_parts()) + description.map_or(0, parts_len)
        })
        .sum();
    let figures = if parts == Parts::Whole {
        decision
            .figures
            .iter()
            .map(|f| ENTRY + f.name.len() + f.value.len() + f.source.len() + FIGURE_FIELDS)
            .sum()
    } else {
        0
    };
    FIXED
        + decision.case_id.len()
        + decision.payer_profile.len()
        + texts(&decision.catalog_version)
        + texts(decision.icd10cm_release)
        + texts(&decision.rationale)
        + LINE * decision.lines.len()
        + findings
        + diagnoses
        + figures
}

/// Writes the decision's fields (all but its ledger entry, which the ledger
/// appends: field 14, the last).
fn write(decision: &domain::Decision, parts: Parts, out: &mut Vec<u8>) {
    let domain::Decision {
        case_id,
        revision,
        status,
        anesthesia_code,
        diagnoses,
        lines,
        findings,
        total_minutes,
        catalog_version,
        icd10cm_release,
        payer_profile,
        figures,
        rationale,
    } = decision;
    let full = parts != Parts::Lean;
    text(1, case_id.as_bytes(), out);
    number(2, *revision, out);
    number(3, self::status(*status) as u64, out);
    if let Some(code) = anesthesia_code {
        text(4, code.as_bytes(), out);
    }
    for line in lines {
        nested(5, out, |out| claim_line(line, out));
    }
    for finding in findings {
        nested(6, out, |out| finding_fields(finding, full, out));
    }
    number(7, u64::from(*total_minutes), out);
    if full {
        text(8, catalog_version.as_bytes(), out);
    }
    text(9, payer_profile.as_bytes(), out);
    if full {
        text(10, rationale.as_bytes(), out);
    }
    if parts == Parts::Whole {
        for figure in figures {
            // One mapping of a figure, shared with the figure sets.
            let figure = pb::AppliedFigure::from(figure.as_ref());
            key(11, WireType::LengthDelimited, out);
            varint(figure.encoded_len() as u64, out);
            figure.encode_raw(out);
        }
    }
    for diagnosis in diagnoses {
        nested(12, out, |out| diagnosis_fields(diagnosis, full, out));
    }
    if full {
        text(13, icd10cm_release.as_bytes(), out);
    }
}

fn claim_line(line: &domain::ClaimLine, out: &mut Vec<u8>) {
    let domain::ClaimLine {
        code,
        modifiers,
        provider_npi,
        kind,
        minutes,
        base_units,
        time_units,
        modifying_units,
        total_units,
        payment_percent,
        allowed_amount,
        diagnosis_pointers,
    } = line;
    text(1, code.as_bytes(), out);
    for modifier in modifiers {
        element(2, modifier.as_str().as_bytes(), out);
    }
    text(3, provider_npi.as_bytes(), out);
    number(4, line_kind(*kind) as u64, out);
    number(5, u64::from(*minutes), out);
    for (tag, units) in [(6, base_units), (7, time_units), (8, modifying_units)] {
        if let Some(units) = units {
            text(tag, units.decimal().as_bytes(), out);
        }
    }
    text(9, total_units.decimal().as_bytes(), out);
    number(10, u64::from(*payment_percent), out);
    if let Some(amount) = allowed_amount {
        text(11, amount.decimal().as_bytes(), out);
    }
    if !diagnosis_pointers.is_empty() {
        // Packed, as proto3 writes a repeated number.
        let len: usize = diagnosis_pointers
            .iter()
            .map(|&p| encoded_len_varint(u64::from(p)))
            .sum();
        key(12, WireType::LengthDelimited, out);
        varint(len as u64, out);
        for &pointer in diagnosis_pointers {
            varint(u64::from(pointer), out);
        }
    }
}

fn finding_fields(finding: &domain::Finding, full: bool, out: &mut Vec<u8>) {
    let domain::Finding {
        rule,
        field,
        message,
    } = finding;
    text(1, rule.id().as_bytes(), out);
    number(2, severity(rule.severity()) as u64, out);
    let start = out.len();
    nested(3, out, |out| {
        // Writing into a Vec cannot fail.
        let _ = write!(Utf8(out), "{field}");
    });
    if out.len() == start + 2 {
        // The record as a whole: an empty path, which is left out.
        out.truncate(start);
    }
    text(4, message.as_bytes(), out);
    if full {
        text(5, rule.reference().as_bytes(), out);
    }
}

fn diagnosis_fields(diagnosis: &domain::ReportedDiagnosis, full: bool, out: &mut Vec<u8>) {
    text_in_parts(1, diagnosis.code_parts(), out);
    if let (true, Some(parts)) = (full, diagnosis.description_parts()) {
        text_in_parts(2, parts, out);
    }
    number(3, u64::from(diagnosis.billable()), out);
}

/// A string field written from its parts, without joining them first; left
/// out when empty.
fn text_in_parts(tag: u32, parts: [&str; 3], out: &mut Vec<u8>) {
    let len = parts_len(parts);
    if len == 0 {
        return;
    }
    key(tag, WireType::LengthDelimited, out);
    varint(len as u64, out);
    for part in parts {
        out.extend_from_slice(part.as_bytes());
    }
}

/// The length of parts written one after the other.
fn parts_len(parts: [&str; 3]) -> usize {
    parts.iter().map(|p| p.len()).sum()
}

/// A decision's status on the wire.
pub(crate) fn status(status: domain::DecisionStatus) -> pb::DecisionStatus {
    match status {
        domain::DecisionStatus::Coded => pb::DecisionStatus::Coded,
        domain::DecisionStatus::NeedsReview => pb::DecisionStatus::NeedsReview,
        domain::DecisionStatus::Rejected => pb::DecisionStatus::Rejected,
    }
}

fn severity(severity: domain::Severity) -> pb::Severity {
    match severity {
        domain::Severity::Error => pb::Severity::Error,
        domain::Severity::Warning => pb::Severity::Warning,
        domain::Severity::Info => pb::Severity::Info,
    }
}

fn line_kind(kind: domain::LineKind) -> pb::LineKind {
    match kind {
        domain::LineKind::Anesthesia => pb::LineKind::Anesthesia,
        domain::LineKind::AddOn => pb::LineKind::AddOn,
        domain::LineKind::QualifyingCircumstance => pb::LineKind::QualifyingCircumstance,
        domain::LineKind::SeparateProcedure => pb::LineKind::SeparateProcedure,
    }
}

/// A varint written in place when it takes one byte, as most of a decision's
/// keys, lengths and numbers do. prost's `encode_varint` is a call per value:
/// with it, this module's own time was 8 % of a lean answer's server CPU.
#[inline]
fn varint(value: u64, out: &mut Vec<u8>) {
    if value < 0x80 {
        out.push(value as u8);
    } else {
        encode_varint(value, out);
    }
}

/// A field's key: its tag and wire type.
#[inline]
fn key(tag: u32, wire_type: WireType, out: &mut Vec<u8>) {
    varint(u64::from(tag << 3 | wire_type as u32), out);
}

/// A string field, left out when empty.
fn text(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    if !bytes.is_empty() {
        element(tag, bytes, out);
    }
}

/// A string field, or one element of a repeated one: written even when empty.
fn element(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    key(tag, WireType::LengthDelimited, out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// A number, enum or bool field, left out when zero.
fn number(tag: u32, value: u64, out: &mut Vec<u8>) {
    if value != 0 {
        key(tag, WireType::Varint, out);
        varint(value, out);
    }
}

/// A length-delimited field whose content `body` writes: the content is written
/// after one byte kept for its length, and moved up when its length takes more.
fn nested(tag: u32, out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    key(tag, WireType::LengthDelimited, out);
    let at = out.len();
    out.push(0);
    body(out);
    let len = out.len() - at - 1;
    let width = encoded_len_varint(len as u64);
    if width > 1 {
        out.resize(out.len() + width - 1, 0);
        out.copy_within(at + 1..at + 1 + len, at + width);
    }
    encode_varint(len as u64, &mut &mut out[at..at + width]);
}

/// Text written into a byte buffer.
struct Utf8<'a>(&'a mut Vec<u8>);

impl fmt::Write for Utf8<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use anescode_codes::Code;
    use anescode_codes::icd10cm::Icd10Cm;
    use domain::{FieldPath, Modifier, Name, Rule};

    use super::*;
    use crate::views;

    /// A decision with every field set, a finding about the record as a whole,
    /// and texts whose lengths take one, two and three bytes.
    fn decision() -> domain::Decision {
        let line = domain::ClaimLine {
            code: Code::from_ascii(b"00406"),
            modifiers: [Modifier::QK, Modifier::P3].into_iter().collect(),
            provider_npi: "1234567893".into(),
            kind: domain::LineKind::Anesthesia,
            minutes: 95,
            base_units: Some(domain::Tenths::whole(13)),
            time_units: Some(domain::Tenths::from_tenths(63)),
            modifying_units: Some(domain::Tenths::whole(1)),
            total_units: domain::Tenths::from_tenths(203),
            payment_percent: 50,
            allowed_amount: Some(domain::Cents::from_cents(20_622)),
            diagnosis_pointers: [1, 2, 300].into_iter().collect(),
        };
        let qualifying = domain::ClaimLine {
            code: Code::from_ascii(b"99100"),
            modifiers: Default::default(),
            provider_npi: Default::default(),
            kind: domain::LineKind::QualifyingCircumstance,
            minutes: 0,
            base_units: None,
            time_units: None,
            modifying_units: None,
            total_units: domain::Tenths::whole(1),
            payment_percent: 0,
            allowed_amount: None,
            diagnosis_pointers: Default::default(),
        };
        let figure = domain::AppliedFigure {
            kind: domain::FigureKind::BaseUnits,
            code: Some(Code::from_ascii(b"00406")),
            locality: None,
            name: "base units".to_owned(),
            value: "13".to_owned(),
            source: "CMS anesthesia base units".to_owned(),
            effective: Some(jiff::civil::date(2026, 1, 1)),
        };
        domain::Decision {
            case_id: "C-1".into(),
            revision: 2,
            status: domain::DecisionStatus::NeedsReview,
            anesthesia_code: Some(Code::from_ascii(b"00406")),
            diagnoses: vec![
                domain::ReportedDiagnosis::code_of(
                    Icd10Cm::embedded().lookup("S72.001A").expect("held"),
                ),
                domain::ReportedDiagnosis::text("C50"),
            ],
            lines: vec![line, qualifying],
            findings: vec![
                domain::Finding::new(
                    Rule::RevisionConflict,
                    FieldPath::of(Name::Providers).at(1).then(Name::Npi),
                    "m".repeat(200),
                ),
                domain::Finding::new(Rule::RevisionSuperseded, FieldPath::RECORD, ""),
            ],
            total_minutes: 95,
            catalog_version: "catalog 1".into(),
            icd10cm_release: "FY2026",
            payer_profile: "medicare".into(),
            figures: vec![Arc::new(figure.clone())],
            rationale: "r".repeat(20_000),
        }
    }

    /// What the decision is on the wire, field by field.
    fn expected() -> pb::CodingDecision {
        let reference = |rule: Rule| rule.reference().to_owned();
        pb::CodingDecision {
            case_id: "C-1".to_owned(),
            revision: 2,
            status: pb::DecisionStatus::NeedsReview.into(),
            anesthesia_code: "00406".to_owned(),
            lines: vec![
                pb::ClaimLine {
                    code: "00406".to_owned(),
                    modifiers: vec!["QK".to_owned(), "P3".to_owned()],
                    provider_npi: "1234567893".to_owned(),
                    kind: pb::LineKind::Anesthesia.into(),
                    minutes: 95,
                    base_units: "13.0".to_owned(),
                    time_units: "6.3".to_owned(),
                    modifying_units: "1.0".to_owned(),
                    total_units: "20.3".to_owned(),
                    payment_percent: 50,
                    allowed_amount: "206.22".to_owned(),
                    diagnosis_pointers: vec![1, 2, 300],
                },
                pb::ClaimLine {
                    code: "99100".to_owned(),
                    kind: pb::LineKind::QualifyingCircumstance.into(),
                    total_units: "1.0".to_owned(),
                    ..Default::default()
                },
            ],
            findings: vec![
                pb::Finding {
                    rule_id: Rule::RevisionConflict.id().to_owned(),
                    severity: pb::Severity::Error.into(),
                    field: "providers[1].npi".to_owned(),
                    message: "m".repeat(200),
                    reference: reference(Rule::RevisionConflict),
                },
                pb::Finding {
                    rule_id: Rule::RevisionSuperseded.id().to_owned(),
                    severity: pb::Severity::Error.into(),
                    field: String::new(),
                    message: String::new(),
                    reference: reference(Rule::RevisionSuperseded),
                },
            ],
            total_minutes: 95,
            catalog_version: "catalog 1".to_owned(),
            payer_profile: "medicare".to_owned(),
            rationale: "r".repeat(20_000),
            figures: vec![pb::AppliedFigure {
                name: "base units".to_owned(),
                value: "13".to_owned(),
                source: "CMS anesthesia base units".to_owned(),
                effective_date: "2026-01-01".to_owned(),
                kind: pb::FigureKind::BaseUnits.into(),
                code: "00406".to_owned(),
                locality: String::new(),
            }],
            diagnoses: vec![
                pb::DecisionDiagnosis {
                    code: "S72.001A".into(),
                    // A 7th-character code: its base's title and the character's meaning.
                    description: "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture".to_owned(),
                    billable: true,
                },
                pb::DecisionDiagnosis {
                    code: "C50".into(),
                    description: String::new(),
                    billable: false,
                },
            ],
            icd10cm_release: "FY2026".to_owned(),
            ledger: None,
        }
    }

    #[test]
    fn a_decision_is_written_as_prost_writes_its_message() {
        let bytes = encode(&decision(), Parts::Whole, 0);
        assert_eq!(bytes, expected().encode_to_vec());
        assert_eq!(message(&decision()), expected());
    }

    #[test]
    fn the_views_leave_out_what_they_say() {
        let lean = encode(&decision(), Parts::Lean, 0);
        let lean_view = views::apply(pb::DecisionView::Lean as i32, expected());
        assert_eq!(lean, lean_view.encode_to_vec());
        let without = encode(&decision(), Parts::WithoutFigures, 0);
        let expected_without = pb::CodingDecision {
            figures: Vec::new(),
            ..expected()
        };
        assert_eq!(without, expected_without.encode_to_vec());
    }

    /// The decision with `findings` findings of messages of these lengths, a
    /// rationale of `rationale` bytes and `lines` copies of its first line:
    /// lengths on both sides of a varint's one, two and three bytes.
    fn sized(
        case_id: &str,
        findings: &[usize],
        rationale: usize,
        lines: usize,
    ) -> domain::Decision {
        let whole = decision();
        let finding = &whole.findings[0];
        domain::Decision {
            case_id: case_id.into(),
            findings: findings
                .iter()
                .map(|&len| domain::Finding::new(finding.rule, finding.field, "é".repeat(len / 2)))
                .collect(),
            rationale: "r".repeat(rationale),
            lines: std::iter::repeat_n(whole.lines[0].clone(), lines).collect(),
            ..whole
        }
    }

    proptest::proptest! {
        #[test]
        fn any_decision_reads_back_as_written_and_is_written_as_prost_writes_it(
            case_id in "\\PC{0,70}",
            findings in proptest::collection::vec(0usize..40_000, 0..5),
            rationale in 0usize..40_000,
            lines in 0usize..4,
        ) {
            let decision = sized(&case_id, &findings, rationale, lines);
            for parts in [Parts::Lean, Parts::WithoutFigures, Parts::Whole] {
                let bytes = encode(&decision, parts, 0);
                let read = pb::CodingDecision::decode(bytes.as_slice());
                proptest::prop_assert!(read.is_ok(), "{parts:?}: {read:?}");
                let read = read.unwrap_or_default();
                proptest::prop_assert_eq!(&read.encode_to_vec(), &bytes);
                proptest::prop_assert_eq!(read.case_id.as_str(), decision.case_id.as_str());
                proptest::prop_assert_eq!(read.lines.len(), lines);
                let messages: Vec<&str> = read.findings.iter().map(|f| f.message.as_str()).collect();
                let expected: Vec<&str> = decision.findings.iter().map(|f| f.message.as_str()).collect();
                proptest::prop_assert_eq!(messages, expected);
                let rationale = if parts == Parts::Lean { "" } else { decision.rationale.as_str() };
                proptest::prop_assert_eq!(read.rationale.as_str(), rationale);
            }
        }
    }

    #[test]
    fn the_buffer_is_sized_for_the_decision() {
        let decision = decision();
        for parts in [Parts::Lean, Parts::WithoutFigures, Parts::Whole] {
            let written = encode(&decision, parts, 0).len();
            assert!(estimate(&decision, parts) >= written, "{parts:?}");
        }
    }
}
