//! The shape of the diagnosis codes. Whether a code exists in the ICD-10-CM release
//! is checked against the code set itself, not here.

use std::collections::HashSet;

use crate::{CaseRecord, Finding, Rule};

pub(crate) fn check(record: &CaseRecord, findings: &mut Vec<Finding>) {
    if record.diagnoses.is_empty() {
        findings.push(Finding::new(
            Rule::DiagnosesMissing,
            "diagnoses",
            "the record has no diagnosis; send at least the primary ICD-10-CM code",
        ));
        return;
    }
    let mut seen = HashSet::new();
    for (i, code) in record.diagnoses.iter().enumerate() {
        let field = format!("diagnoses[{i}]");
        let Some(undotted) = undotted(code) else {
            findings.push(Finding::new(
                Rule::DiagnosisInvalidFormat,
                field,
                format!(
                    "{code:?} is not shaped like an ICD-10-CM code (a letter, a digit, a letter or digit, then up to four letters or digits, e.g. C50.911)"
                ),
            ));
            continue;
        };
        if !seen.insert(undotted.clone()) {
            findings.push(Finding::new(
                Rule::DiagnosisDuplicate,
                field,
                format!("{code} is listed twice; list each diagnosis once"),
            ));
        }
    }
}

/// The code without its dot and in capitals, when it has the ICD-10-CM shape.
pub(crate) fn undotted(code: &str) -> Option<String> {
    if !code.is_ascii() {
        return None;
    }
    let upper = code.to_ascii_uppercase();
    let (head, tail) = match upper.split_once('.') {
        Some((head, tail)) if head.len() == 3 && !tail.is_empty() => (head, tail),
        Some(_) => return None,
        None => upper.split_at(upper.len().min(3)),
    };
    let head = head.as_bytes();
    let shaped = head.len() == 3
        && head[0].is_ascii_uppercase()
        && head[1].is_ascii_digit()
        && head[2].is_ascii_alphanumeric()
        && tail.len() <= 4
        && tail.bytes().all(|b| b.is_ascii_alphanumeric());
    shaped.then(|| format!("{}{tail}", String::from_utf8_lossy(head)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(undotted("C50.911").as_deref(), Some("C50911"));
        assert_eq!(undotted("C50911").as_deref(), Some("C50911"));
        assert_eq!(undotted("c50.911").as_deref(), Some("C50911"));
        assert_eq!(undotted("C50").as_deref(), Some("C50"));
        assert_eq!(undotted("C4A.0").as_deref(), Some("C4A0"));
        assert_eq!(undotted("V43.52XA").as_deref(), Some("V4352XA"));
        assert_eq!(undotted("C50."), None);
        assert_eq!(undotted("C5.0911"), None);
        assert_eq!(undotted("5C0.911"), None);
        assert_eq!(undotted("C50.91111"), None);
        assert_eq!(undotted("C5"), None);
        assert_eq!(undotted(""), None);
        assert_eq!(undotted("éé"), None);
        assert_eq!(undotted("Cé.1"), None);
    }
}
