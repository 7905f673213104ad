//! Who bills the anesthesia and with which payment modifier (CMS Claims Processing
//! Manual ch.12 §50.B-D, §140; domain reference §1.5-§1.8, §2.1).

use crate::checked::CheckedProvider;
use crate::explanation::{Direction, TeamReason};
use crate::field::{FieldPath, Name};
use crate::{Finding, Modifier, PayerProfile, ProviderRole, Rule};

/// Directing two student nurse anesthetists' concurrent cases is medical
/// direction, QK (AAPC 177637; domain reference §2.1).
const STUDENT_CASES_FOR_DIRECTION: u32 = 2;
/// A teaching anesthesiologist may be involved in two concurrent resident cases
/// and still bill them as personally performed (AA with GC, CMS teaching rule from
/// 2010; domain reference §2.1); a third concurrent case makes it medical
/// direction, QK.
const RESIDENT_CASES_TEACHING: u32 = 2;
/// Medical direction covers at most four concurrent cases; more is medical
/// supervision, AD (42 CFR 414.46(d); CMS ch.12 §50.C).
const MAX_DIRECTED_CASES: u32 = 4;
/// Personally performed and unsupervised work is paid in full.
const FULL_PERCENT: u32 = 100;

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

    /// True when the anesthesiologist directs or supervises someone.
    pub(crate) fn directs(self) -> bool {
        matches!(
            self,
            Payment::DirectingOne | Payment::DirectingConcurrent | Payment::Supervising { .. }
        )
    }
}

/// One provider who bills the anesthesia.
#[derive(Debug, Clone)]
pub(crate) struct Biller<'a, 'r> {
    pub(crate) provider: &'a CheckedProvider<'r>,
    pub(crate) payment: Payment,
    pub(crate) percent: u32,
    /// GC: a resident took part under this teaching anesthesiologist.
    pub(crate) teaching: bool,
}

/// The billing providers, anesthesiologist first, and why.
#[derive(Debug)]
pub(crate) struct Team<'a, 'r> {
    pub(crate) billers: Vec<Biller<'a, 'r>>,
    pub(crate) reason: Option<TeamReason>,
}

/// The providers of one part of the case's time, and their minutes.
struct Present<'a, 'r> {
    providers: &'a [CheckedProvider<'r>],
    present: &'a dyn Fn(usize) -> bool,
    case_minutes: u32,
}

impl<'a, 'r> Present<'a, 'r> {
    fn iter(&self) -> impl Iterator<Item = &'a CheckedProvider<'r>> + '_ {
        self.providers.iter().filter(|p| (self.present)(p.index))
    }

    fn has(&self, role: ProviderRole) -> bool {
        self.iter().any(|p| p.role == Some(role))
    }

    /// A provider without blocks of its own was there for the whole case.
    fn minutes(&self, provider: &CheckedProvider<'_>) -> u32 {
        provider.minutes.unwrap_or(self.case_minutes)
    }

    /// The provider of `roles` with the longest time on the case; the others
    /// handed off to or from it (domain reference §1.2: bill under the longest,
    /// with the combined time).
    fn longest(
        &self,
        roles: &[ProviderRole],
        findings: &mut Vec<Finding>,
    ) -> Option<&'a CheckedProvider<'r>> {
        // A provider listed twice was reported when the providers were checked;
        // each counts once, where first listed.
        let in_roles = |p: &CheckedProvider<'_>| p.role.is_some_and(|r| roles.contains(&r));
        let candidates = self.iter().enumerate().filter(|(at, provider)| {
            in_roles(provider)
                && !self
                    .iter()
                    .take(*at)
                    .any(|earlier| in_roles(earlier) && earlier.npi_text == provider.npi_text)
        });
        let mut count = 0;
        let mut chosen: Option<&'a CheckedProvider<'r>> = None;
        for (_, provider) in candidates {
            count += 1;
            // The first of the longest.
            if chosen.is_none_or(|c| self.minutes(provider) > self.minutes(c)) {
                chosen = Some(provider);
            }
        }
        let chosen = chosen?;
        if count > 1 {
            findings.push(Finding::new(
                Rule::ProviderHandoff,
                FieldPath::of(Name::Providers).at(chosen.index),
                format!(
                    "{count} providers in the same role took part; the case is billed under {} (the longest time) with the case's total time",
                    chosen.npi_text
                ),
            ));
        }
        Some(chosen)
    }
}

/// Decides who bills and with which payment modifier, among the providers
/// `present` in the time of the line(s) billed (42 CFR 414.46(a)(3): anesthesia
/// time is time the practitioner is present).
pub(crate) fn team<'a, 'r>(
    providers: &'a [CheckedProvider<'r>],
    profile: &PayerProfile,
    case_minutes: u32,
    present: &'a dyn Fn(usize) -> bool,
    findings: &mut Vec<Finding>,
) -> Team<'a, 'r> {
    let present = Present {
        providers,
        present,
        case_minutes,
    };
    let physician = present.longest(&[ProviderRole::Anesthesiologist], findings);
    let anesthetist = present.longest(
        &[ProviderRole::Crna, ProviderRole::AnesthesiologistAssistant],
        findings,
    );
    let resident = present.has(ProviderRole::Resident);
    match (physician, anesthetist) {
        (Some(physician), Some(anesthetist)) => {
            directed(physician, anesthetist, resident, profile, findings)
        }
        (Some(physician), None) => {
            let student = present.has(ProviderRole::StudentNurseAnesthetist);
            alone(physician, (resident, student), profile, findings)
        }
        (None, Some(anesthetist)) => undirected(anesthetist, findings),
        (None, None) => {
            // Providers without a role were reported when the providers were checked.
            let all_known = providers.iter().all(|p| p.role.is_some());
            if !providers.is_empty() && all_known {
                findings.push(Finding::new(
                    Rule::NoBillingProvider,
                    FieldPath::of(Name::Providers),
                    "no anesthesiologist, CRNA or anesthesiologist assistant is on the case; residents and students do not bill",
                ));
            }
            Team {
                billers: Vec::new(),
                reason: None,
            }
        }
    }
}

/// An anesthesiologist with no CRNA or AA present: personally performed, or
/// directing trainees' concurrent cases.
fn alone<'a, 'r>(
    physician: &'a CheckedProvider<'r>,
    (resident, student): (bool, bool),
    profile: &PayerProfile,
    findings: &mut Vec<Finding>,
) -> Team<'a, 'r> {
    let concurrent = physician.concurrent_cases;
    let percent = profile.medical_direction_percent.value;
    if student && concurrent >= STUDENT_CASES_FOR_DIRECTION {
        let reason = TeamReason::StudentsDirected {
            concurrent,
            percent,
        };
        return single(
            physician,
            (Payment::DirectingConcurrent, percent),
            false,
            reason,
        );
    }
    if resident && concurrent > RESIDENT_CASES_TEACHING {
        let reason = TeamReason::TeachingDirected {
            concurrent,
            percent,
        };
        return single(
            physician,
            (Payment::DirectingConcurrent, percent),
            true,
            reason,
        );
    }
    if !resident && !student && concurrent > 1 {
        findings.push(Finding::new(
            Rule::ConcurrencyWithoutDirection,
            FieldPath::of(Name::Providers)
                .at(physician.index)
                .then(Name::ConcurrentCases),
            format!(
                "the anesthesiologist reports {concurrent} concurrent cases but directs no one on this case; AA (personally performed) is billed, check the concurrency"
            ),
        ));
    }
    let reason = TeamReason::Personal { teaching: resident };
    single(
        physician,
        (Payment::Personal, FULL_PERCENT),
        resident,
        reason,
    )
}

/// A CRNA or AA with no anesthesiologist present.
fn undirected<'a, 'r>(
    anesthetist: &'a CheckedProvider<'r>,
    findings: &mut Vec<Finding>,
) -> Team<'a, 'r> {
    if anesthetist.role == Some(ProviderRole::AnesthesiologistAssistant) {
        findings.push(Finding::new(
            Rule::AnesthesiologistAssistantNotDirected,
            FieldPath::of(Name::Providers).at(anesthetist.index),
            "an anesthesiologist assistant must be medically directed by an anesthesiologist; no anesthesiologist is on the case",
        ));
        let reason = TeamReason::AssistantUndirected;
        return single(
            anesthetist,
            (Payment::Unbillable, FULL_PERCENT),
            false,
            reason,
        );
    }
    let reason = TeamReason::CrnaUndirected;
    single(
        anesthetist,
        (Payment::NotDirected, FULL_PERCENT),
        false,
        reason,
    )
}

fn single<'a, 'r>(
    provider: &'a CheckedProvider<'r>,
    (payment, percent): (Payment, u32),
    teaching: bool,
    reason: TeamReason,
) -> Team<'a, 'r> {
    Team {
        billers: vec![Biller {
            provider,
            payment,
            percent,
            teaching,
        }],
        reason: Some(reason),
    }
}

/// An anesthesiologist and a CRNA or AA: medical direction or supervision.
fn directed<'a, 'r>(
    physician: &'a CheckedProvider<'r>,
    anesthetist: &'a CheckedProvider<'r>,
    resident: bool,
    profile: &PayerProfile,
    findings: &mut Vec<Finding>,
) -> Team<'a, 'r> {
    let assistant = anesthetist.role == Some(ProviderRole::AnesthesiologistAssistant);
    if !physician.medical_direction_documented {
        direction_not_documented(physician, assistant, findings);
    }
    let split = profile.medical_direction_percent.value;
    let direction = direction(physician, findings);
    let (payment, percent) = match direction {
        Direction::One => (Payment::DirectingOne, split),
        Direction::Concurrent(_) => (Payment::DirectingConcurrent, split),
        Direction::Supervised {
            present_at_induction,
            ..
        } => (
            Payment::Supervising {
                present_at_induction,
            },
            profile.supervision_percent.value,
        ),
    };
    let anesthetist_payment = if assistant && !physician.medical_direction_documented {
        Payment::Unbillable
    } else {
        Payment::Directed
    };
    Team {
        billers: vec![
            Biller {
                provider: physician,
                payment,
                percent,
                teaching: resident,
            },
            Biller {
                provider: anesthetist,
                payment: anesthetist_payment,
                percent: split,
                teaching: false,
            },
        ],
        reason: Some(TeamReason::Directed {
            direction,
            percent,
            assistant,
            split,
        }),
    }
}

fn direction_not_documented(
    physician: &CheckedProvider<'_>,
    assistant: bool,
    findings: &mut Vec<Finding>,
) {
    let field = FieldPath::of(Name::Providers)
        .at(physician.index)
        .then(Name::MedicalDirectionDocumented);
    findings.push(if assistant {
        Finding::new(
            Rule::AnesthesiologistAssistantNotDirected,
            field,
            "an anesthesiologist assistant may bill only under documented medical direction; the anesthesiologist's medical direction is not documented",
        )
    } else {
        Finding::new(
            Rule::MedicalDirectionNotDocumented,
            field,
            "the anesthesiologist and a CRNA both took part but medical direction is not documented; QK/QY/QX need the seven steps documented, otherwise both must be shown medically necessary (AA and QZ)",
        )
    });
}

/// How many cases the anesthesiologist directed at once, as the record states.
fn direction(physician: &CheckedProvider<'_>, findings: &mut Vec<Finding>) -> Direction {
    let mut concurrent = physician.concurrent_cases;
    if concurrent == 0 {
        findings.push(Finding::new(
            Rule::ConcurrencyMissing,
            FieldPath::of(Name::Providers)
                .at(physician.index)
                .then(Name::ConcurrentCases),
            "the directing anesthesiologist's concurrent cases are not sent; one (QY) is assumed",
        ));
        concurrent = 1;
    }
    match concurrent {
        1 => Direction::One,
        n if n <= MAX_DIRECTED_CASES => Direction::Concurrent(n),
        cases => Direction::Supervised {
            cases,
            present_at_induction: physician.present_at_induction,
        },
    }
}
