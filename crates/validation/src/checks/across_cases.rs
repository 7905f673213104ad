//! The record against the other cases of the ledger: the case's timeline for the
//! ledger to count with, and what the ledger's count says about this case
//! (domain reference §1.5-§1.8, §1.16).

use crate::checked::{CheckedCase, CheckedProvider};
use crate::concurrency::{CaseContext, ConflictKind, Part, Span, Timeline};
use crate::field::{FieldPath, Name};
use crate::time::Interval;
use crate::{Finding, ProviderRole, Rule};

/// Medical direction covers at most four concurrent cases (42 CFR 414.46(d)).
const MAX_DIRECTED_CASES: u32 = 4;
/// How many case ids a message names before it counts the rest: enough to find
/// them, and a bounded message however many cases a sender overlaps.
const CASE_IDS_NAMED: usize = 5;

/// Who was on the case and when, as the ledger counts concurrency.
pub(crate) fn timeline(
    case_id: &str,
    case: &CheckedCase<'_, '_>,
    touching_counts: bool,
) -> Timeline {
    let with_others = case.providers.iter().any(|p| {
        matches!(
            p.role,
            Some(
                ProviderRole::Crna
                    | ProviderRole::AnesthesiologistAssistant
                    | ProviderRole::Resident
                    | ProviderRole::StudentNurseAnesthetist
            )
        )
    });
    let attendance = case
        .providers
        .iter()
        .filter(|p| !p.npi_text.is_empty())
        .filter_map(|p| {
            let part = match p.role? {
                ProviderRole::Anesthesiologist if with_others => Part::Directing,
                ProviderRole::Anesthesiologist => Part::Personal,
                ProviderRole::Crna | ProviderRole::AnesthesiologistAssistant => Part::Anesthetist,
                ProviderRole::Resident | ProviderRole::StudentNurseAnesthetist => Part::Trainee,
            };
            let own = p.own_time.as_deref().unwrap_or(&case.time.intervals);
            let spans: Vec<Span> = own.iter().map(span).collect();
            (!spans.is_empty()).then(|| crate::concurrency::Attendance {
                npi: p.npi_text.to_owned(),
                part,
                spans,
            })
        })
        .collect();
    Timeline {
        case_id: case_id.to_owned(),
        attendance,
        touching_counts,
    }
}

fn span(interval: &Interval) -> Span {
    Span {
        start: interval.start.as_second(),
        end: interval.end.as_second(),
    }
}

/// Applies the ledger's count: each directing anesthesiologist bills the higher
/// of the sender's and the ledger's concurrency (the sender may know of cases the
/// ledger has not seen; the ledger's are cases the sender left out), with a
/// finding when they differ; and the overlaps the ledger found.
pub(crate) fn apply(
    case: &mut CheckedCase<'_, '_>,
    context: &CaseContext,
    findings: &mut Vec<Finding>,
) {
    if context.reopens_closed_day {
        findings.push(Finding::new(
            Rule::ClosedDayReopened,
            FieldPath::of(Name::DateOfService),
            "this facility's date of service was closed before this record arrived; the decisions it touches are provisional again and the day must be closed again",
        ));
    }
    crowded(context, findings);
    for provider in &mut case.providers {
        let Some(directed) = context.directed_by(provider.npi_text) else {
            continue;
        };
        let field = FieldPath::of(Name::Providers).at(provider.index);
        let sent = provider.concurrent_cases;
        if sent != 0 && sent != directed.cases {
            findings.push(Finding::new(
                Rule::ConcurrencyDisagrees,
                field.then(Name::ConcurrentCases),
                format!(
                    "the record says {sent} concurrent cases; anescode's ledger counts {} ({}); {} is billed",
                    directed.cases,
                    others(&directed.overlapping),
                    sent.max(directed.cases)
                ),
            ));
        }
        provider.concurrent_cases = sent.max(directed.cases);
        if directed.cases > MAX_DIRECTED_CASES {
            findings.push(Finding::new(
                Rule::DirectingMoreThanFour,
                field,
                format!(
                    "the ledger shows this anesthesiologist directing {} cases at once during this case ({}): that is medical supervision (AD), not direction",
                    directed.cases,
                    others(&directed.overlapping)
                ),
            ));
        }
    }
    for conflict in &context.conflicts {
        let Some(provider) = provider_of(&case.providers, &conflict.npi) else {
            continue;
        };
        let (rule, what) = match conflict.kind {
            ConflictKind::PersonallyPerformed => (
                Rule::PersonallyPerformedOverlap,
                "and one of them is personally performed (AA), which needs the anesthesiologist on that case alone",
            ),
            ConflictKind::Anesthetist => (
                Rule::AnesthetistOverlap,
                "and a CRNA or AA can be present in only one case at a time",
            ),
            ConflictKind::Trainee => (
                Rule::TraineeOverlap,
                "check the trainee's time or the teaching anesthesiologist's cases",
            ),
        };
        findings.push(Finding::new(
            rule,
            FieldPath::of(Name::Providers).at(provider.index),
            format!(
                "{} is also on {} at the same time, {what}",
                conflict.npi,
                others(&conflict.with)
            ),
        ));
    }
}

fn provider_of<'a, 'r>(
    providers: &'a [CheckedProvider<'r>],
    npi: &str,
) -> Option<&'a CheckedProvider<'r>> {
    providers.iter().find(|p| p.npi_text == npi)
}

/// "cases A, B" with at most [`CASE_IDS_NAMED`] ids; "no other case".
fn others(ids: &[String]) -> String {
    match ids {
        [] => "no other case".to_owned(),
        [one] => format!("case {one}"),
        _ if ids.len() <= CASE_IDS_NAMED => format!("cases {}", ids.join(", ")),
        _ => format!(
            "cases {} and {} more",
            ids[..CASE_IDS_NAMED].join(", "),
            ids.len() - CASE_IDS_NAMED
        ),
    }
}

/// More cases overlap the case than the ledger weighs for one record.
fn crowded(context: &CaseContext, findings: &mut Vec<Finding>) {
    if let Some(crowded) = context.crowded {
        findings.push(Finding::new(
            Rule::LedgerOverlapsOverLimit,
            FieldPath::of(Name::Providers),
            format!(
                "the providers' time overlaps {} other cases in the ledger; the ledger weighs at most {} for one record, the nearest in time: concurrency is computed from those (a lower bound) and the other cases are not revised; review the day",
                crowded.overlapping, crowded.weighed
            ),
        ));
    }
}
