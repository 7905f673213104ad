use crate::{FieldPath, Rule};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Information for the coder.
    Info,
    /// A person must look before billing.
    Warning,
    /// The record cannot be billed as it stands.
    Error,
}

impl Severity {
    /// The name used in the API and the rules catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

/// One problem with a record, or one fact a coder should know. Its id, severity
/// and reference come from its [`Rule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that produced it.
    pub rule: Rule,
    /// The field of the record it is about, e.g. `time_blocks[1].end`.
    pub field: FieldPath,
    /// What is wrong, in words a coder understands.
    pub message: String,
}

impl Finding {
    /// A finding of `rule` on `field`.
    pub fn new(rule: Rule, field: FieldPath, message: impl Into<String>) -> Self {
        Finding {
            rule,
            field,
            message: message.into(),
        }
    }

    /// The rule's severity.
    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }
}
