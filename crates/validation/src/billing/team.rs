//! Who bills the anesthesia and with which payment modifier (CMS Claims Processing
//! Manual ch.12 §50.B-D, §140; domain reference §1.5-§1.8, §2.1).

use crate::field::{FieldPath, Name};
use crate::{CaseRecord, Finding, Modifier, PayerProfile, Provider, ProviderRole, Rule};

/// Directing two student nurse anesthetists' concurrent cases is medical
/// direction, QK (AAPC 177637; domain reference §2.1).
const STUDENT_CASES_FOR_DIRECTION: u32 = 2;
/// A teaching anesthesiologist may be involved in two concurrent resident cases
/// and still bill them as personally performed (AA with GC, CMS teaching rule from
/// 2010; domain reference §2.1); a third concurrent case makes it medical
/// direction, QK.
const RESIDENT_CASES_TEACHING: u32 = 2;

/// How the billing anesthesiologist took part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payment {
    /// AA: personally performed (or teaching a resident).
    Personal,
    /// QY: directing one CRNA or AA.
    DirectingOne,
    /// QK: directing 2-4 concurrent cases.
    DirectingConcurrent,
    /// AD: supervising more than four concurrent cases.
    Supervising { present_at_induction: bool },
    /// QX: a CRNA or AA under medical direction.
    Directed,
    /// QZ: a CRNA without medical direction.
    NotDirected,
    /// An anesthesiologist assistant without medical direction: no payment modifier
    /// applies.
    Unbillable,
}

impl Payment {
    pub(crate) fn modifier(self) -> Option<Modifier> {
        match self {
            Payment::Personal => Some(Modifier::AA),
            Payment::DirectingOne => Some(Modifier::QY),
            Payment::DirectingConcurrent => Some(Modifier::QK),
            Payment::Supervising { .. } => Some(Modifier::AD),
            Payment::Directed => Some(Modifier::QX),
            Payment::NotDirected => Some(Modifier::QZ),
            Payment::Unbillable => None,
        }
    }
}

/// One provider who bills the anesthesia.
#[derive(Debug, Clone)]
pub(crate) struct Biller<'r> {
    pub(crate) provider: &'r Provider,
    pub(crate) payment: Payment,
    pub(crate) percent: u32,
    /// GC: a resident took part under this teaching anesthesiologist.
    pub(crate) teaching: bool,
}

/// The billing providers, anesthesiologist first, and a sentence on why.
#[derive(Debug)]
pub(crate) struct Team<'r> {
    pub(crate) billers: Vec<Biller<'r>>,
    pub(crate) explanation: String,
}

fn role_of(provider: &Provider) -> Option<ProviderRole> {
    provider.role.known()
}

/// The provider of `roles` with the longest time on the case; the others handed
/// off to or from it (domain reference §1.2: bill under the longest, with the
/// combined time).
fn longest<'r>(
    record: &'r CaseRecord,
    roles: &[ProviderRole],
    (present, minutes_of): (&dyn Fn(usize) -> bool, &dyn Fn(usize) -> u32),
    findings: &mut Vec<Finding>,
) -> Option<&'r Provider> {
    let mut candidates: Vec<(usize, &Provider)> = Vec::new();
    for (index, provider) in record.providers.iter().enumerate() {
        if !present(index) {
            continue;
        }
        let listed = candidates.iter().any(|(_, p)| p.npi == provider.npi);
        // A provider listed twice was reported when the providers were checked.
        if role_of(provider).is_some_and(|r| roles.contains(&r)) && !listed {
            candidates.push((index, provider));
        }
    }
    let (index, chosen) = candidates
        .iter()
        .rev()
        .max_by_key(|(index, _)| minutes_of(*index))
        .copied()?;
    if candidates.len() > 1 {
        findings.push(Finding::new(
            Rule::ProviderHandoff,
            FieldPath::of(Name::Providers).at(index),
            format!(
                "{} providers in the same role took part; the case is billed under {} (the longest time) with the case's total time",
                candidates.len(),
                chosen.npi
            ),
        ));
    }
    Some(chosen)
}

/// Decides who bills and with which payment modifier, among the providers
/// `present` in the time of the line(s) billed (42 CFR 414.46(a)(3): anesthesia
/// time is time the practitioner is present).
pub(crate) fn team<'r>(
    record: &'r CaseRecord,
    profile: &PayerProfile,
    (case_minutes, provider_minutes): (u32, &[Option<u32>]),
    present: &dyn Fn(usize) -> bool,
    findings: &mut Vec<Finding>,
) -> Team<'r> {
    // A provider without blocks of its own was there for the whole case.
    let minutes_of = |index: usize| {
        provider_minutes
            .get(index)
            .copied()
            .flatten()
            .unwrap_or(case_minutes)
    };
    let has = |role| {
        (record.providers.iter().enumerate()).any(|(i, p)| present(i) && role_of(p) == Some(role))
    };
    let resident = has(ProviderRole::Resident);
    let student = has(ProviderRole::StudentNurseAnesthetist);
    let physician = longest(
        record,
        &[ProviderRole::Anesthesiologist],
        (present, &minutes_of),
        findings,
    );
    let anesthetist = longest(
        record,
        &[ProviderRole::Crna, ProviderRole::AnesthesiologistAssistant],
        (present, &minutes_of),
        findings,
    );
    let split = profile.medical_direction_percent.value;
    match (physician, anesthetist) {
        (Some(physician), Some(anesthetist)) => {
            directed(record, physician, anesthetist, resident, profile, findings)
        }
        (Some(physician), None) => {
            let concurrent = physician.concurrent_cases;
            let index = position(record, physician);
            if student && concurrent >= STUDENT_CASES_FOR_DIRECTION {
                return single(
                    physician,
                    Payment::DirectingConcurrent,
                    split,
                    false,
                    format!(
                        "The anesthesiologist directed {concurrent} concurrent student nurse anesthetist cases: QK at {split}%."
                    ),
                );
            }
            if resident && concurrent > RESIDENT_CASES_TEACHING {
                return single(
                    physician,
                    Payment::DirectingConcurrent,
                    split,
                    true,
                    format!(
                        "The teaching anesthesiologist directed {concurrent} concurrent cases: QK with GC at {split}%."
                    ),
                );
            }
            if !resident && !student && concurrent > 1 {
                findings.push(Finding::new(
                    Rule::ConcurrencyWithoutDirection,
                    FieldPath::of(Name::Providers).at(index).then(Name::ConcurrentCases),
                    format!(
                        "the anesthesiologist reports {concurrent} concurrent cases but directs no one on this case; AA (personally performed) is billed, check the concurrency"
                    ),
                ));
            }
            let explanation = if resident {
                "The teaching anesthesiologist was involved with a resident: AA with GC at 100%."
                    .to_owned()
            } else {
                "The anesthesiologist personally performed the anesthetic: AA at 100%.".to_owned()
            };
            single(physician, Payment::Personal, 100, resident, explanation)
        }
        (None, Some(anesthetist)) => {
            if role_of(anesthetist) == Some(ProviderRole::AnesthesiologistAssistant) {
                findings.push(Finding::new(
                    Rule::AnesthesiologistAssistantNotDirected,
                    FieldPath::of(Name::Providers).at(position(record, anesthetist)),
                    "an anesthesiologist assistant must be medically directed by an anesthesiologist; no anesthesiologist is on the case",
                ));
                return single(
                    anesthetist,
                    Payment::Unbillable,
                    100,
                    false,
                    "An anesthesiologist assistant without medical direction cannot bill."
                        .to_owned(),
                );
            }
            single(
                anesthetist,
                Payment::NotDirected,
                100,
                false,
                "The CRNA worked without medical direction: QZ at 100%.".to_owned(),
            )
        }
        (None, None) => {
            // Providers without a role were reported when the providers were checked.
            let all_known = record.providers.iter().all(|p| role_of(p).is_some());
            if !record.providers.is_empty() && all_known {
                findings.push(Finding::new(
                    Rule::NoBillingProvider,
                    FieldPath::of(Name::Providers),
                    "no anesthesiologist, CRNA or anesthesiologist assistant is on the case; residents and students do not bill",
                ));
            }
            Team {
                billers: Vec::new(),
                explanation: String::new(),
            }
        }
    }
}

fn position(record: &CaseRecord, provider: &Provider) -> usize {
    record
        .providers
        .iter()
        .position(|p| std::ptr::eq(p, provider))
        .unwrap_or(0)
}

fn single<'r>(
    provider: &'r Provider,
    payment: Payment,
    percent: u32,
    teaching: bool,
    explanation: String,
) -> Team<'r> {
    Team {
        billers: vec![Biller {
            provider,
            payment,
            percent,
            teaching,
        }],
        explanation,
    }
}

fn directed<'r>(
    record: &'r CaseRecord,
    physician: &'r Provider,
    anesthetist: &'r Provider,
    resident: bool,
    profile: &PayerProfile,
    findings: &mut Vec<Finding>,
) -> Team<'r> {
    let index = position(record, physician);
    if !physician.medical_direction_documented {
        if role_of(anesthetist) == Some(ProviderRole::AnesthesiologistAssistant) {
            findings.push(Finding::new(
                Rule::AnesthesiologistAssistantNotDirected,
                FieldPath::of(Name::Providers).at(index).then(Name::MedicalDirectionDocumented),
                "an anesthesiologist assistant may bill only under documented medical direction; the anesthesiologist's medical direction is not documented",
            ));
        } else {
            findings.push(Finding::new(
                Rule::MedicalDirectionNotDocumented,
                FieldPath::of(Name::Providers).at(index).then(Name::MedicalDirectionDocumented),
                "the anesthesiologist and a CRNA both took part but medical direction is not documented; QK/QY/QX need the seven steps documented, otherwise both must be shown medically necessary (AA and QZ)",
            ));
        }
    }
    let mut concurrent = physician.concurrent_cases;
    if concurrent == 0 {
        findings.push(Finding::new(
            Rule::ConcurrencyMissing,
            FieldPath::of(Name::Providers)
                .at(index)
                .then(Name::ConcurrentCases),
            "the directing anesthesiologist's concurrent cases are not sent; one (QY) is assumed",
        ));
        concurrent = 1;
    }
    let split = profile.medical_direction_percent.value;
    let (payment, percent, how) = match concurrent {
        1 => (
            Payment::DirectingOne,
            split,
            "directed one CRNA/AA: QY".to_owned(),
        ),
        2..=4 => (
            Payment::DirectingConcurrent,
            split,
            format!("directed {concurrent} concurrent cases: QK"),
        ),
        _ => (
            Payment::Supervising {
                present_at_induction: physician.present_at_induction,
            },
            profile.supervision_percent.value,
            format!(
                "supervised {concurrent} concurrent cases, more than four: AD with 3 base units{} and no time units",
                if physician.present_at_induction {
                    " plus 1 for presence at induction"
                } else {
                    ""
                }
            ),
        ),
    };
    let teaching = resident;
    Team {
        billers: vec![
            Biller {
                provider: physician,
                payment,
                percent,
                teaching,
            },
            Biller {
                provider: anesthetist,
                payment: if role_of(anesthetist) == Some(ProviderRole::AnesthesiologistAssistant)
                    && !physician.medical_direction_documented
                {
                    Payment::Unbillable
                } else {
                    Payment::Directed
                },
                percent: split,
                teaching: false,
            },
        ],
        explanation: format!(
            "The anesthesiologist {how} at {percent}%, and the {} bills QX at {split}%.",
            match role_of(anesthetist) {
                Some(ProviderRole::AnesthesiologistAssistant) => "anesthesiologist assistant",
                _ => "CRNA",
            }
        ),
    }
}
