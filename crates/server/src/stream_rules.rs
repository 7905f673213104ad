//! The rules of the CodeCases stream itself: a message without a record, and a
//! message that is not valid protobuf. They belong to the transport, not to the
//! engine, which knows nothing of streams; `docs/rules.md` lists them with the
//! engine's rules (`tools/rules_doc.py` reads both tables).

use crate::pb;

const STREAM_CONTRACT: &str = "anescode API contract, proto/anescode/v1/coding_service.proto";

/// One stream rule: id, severity, source and trigger, as the rules catalog lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamRule {
    /// The stable id.
    pub id: &'static str,
    /// Always ERROR: nothing was coded.
    pub severity: pb::Severity,
    /// The source.
    pub reference: &'static str,
    /// What triggers it.
    pub trigger: &'static str,
}

/// A CodeCases message carries no case record.
pub const STREAM_ITEM_MISSING: StreamRule = StreamRule {
    id: "STREAM_ITEM_MISSING",
    severity: pb::Severity::Error,
    reference: STREAM_CONTRACT,
    trigger: "A CodeCases stream message carries no case record.",
};

/// A CodeCases message is not valid protobuf.
pub const STREAM_MESSAGE_UNDECODABLE: StreamRule = StreamRule {
    id: "STREAM_MESSAGE_UNDECODABLE",
    severity: pb::Severity::Error,
    reference: STREAM_CONTRACT,
    trigger: "A CodeCases stream message cannot be decoded as a CodeCasesRequest (corrupt protobuf).",
};

/// Every stream rule, for the rules catalog.
pub const ALL: [StreamRule; 2] = [STREAM_ITEM_MISSING, STREAM_MESSAGE_UNDECODABLE];

fn rejected(
    rule: StreamRule,
    field: &str,
    message: String,
    catalog_version: &str,
) -> pb::CodingDecision {
    pb::CodingDecision {
        status: pb::DecisionStatus::Rejected.into(),
        findings: vec![pb::Finding {
            rule_id: rule.id.to_owned(),
            severity: rule.severity.into(),
            field: field.to_owned(),
            message,
            reference: rule.reference.to_owned(),
        }],
        catalog_version: catalog_version.to_owned(),
        rationale: "No case record was sent in this message.".to_owned(),
        ..Default::default()
    }
}

/// The decision for a stream message that carries no record.
pub(crate) fn missing_record(catalog_version: &str) -> pb::CodingDecision {
    rejected(
        STREAM_ITEM_MISSING,
        "item",
        "the stream message carries no case_record; nothing was coded for it".to_owned(),
        catalog_version,
    )
}

/// The decision for a stream message that is not a valid CodeCasesRequest.
pub(crate) fn undecodable_message(
    error: &prost::DecodeError,
    catalog_version: &str,
) -> pb::CodingDecision {
    rejected(
        STREAM_MESSAGE_UNDECODABLE,
        "",
        format!(
            "the stream message is not a valid anescode.v1.CodeCasesRequest ({error}); nothing was coded for it, the stream goes on"
        ),
        catalog_version,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/rules.md lists every rule, the engine's and the stream's, and no other.
    #[test]
    fn rules_catalog_lists_every_rule_and_no_other() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
        let catalog = std::fs::read_to_string(path).expect("docs/rules.md exists");
        for rule in ALL {
            let row = format!("| `{}` | ERROR |", rule.id);
            assert!(catalog.contains(&row), "docs/rules.md lacks {row}");
        }
        let documented = catalog.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(
            documented,
            anescode_validation::Rule::ALL.len() + ALL.len(),
            "docs/rules.md lists rules the code lacks"
        );
    }
}
