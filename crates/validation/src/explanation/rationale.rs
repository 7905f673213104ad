//! The rationale: the code that carries the case and why, the time, then the
//! billing reasons, each anesthesia line's units and money, and the lines billed
//! apart. The parts every case of a code or a profile shares come written from
//! [`Prepared`].

use std::fmt::Write as _;

use super::prepared::Shared;
use super::text::Text;
use crate::billing::Billing;
use crate::checked::CheckedCase;
use crate::checks::procedures::{Resolved, Source};
use crate::{LineKind, PayerProfile};

pub(crate) fn rationale(
    shared: &Shared<'_>,
    case: &CheckedCase<'_, '_>,
    billing: &Billing<'_>,
    profile: Option<&PayerProfile>,
) -> String {
    let mut text = Text::new();
    match (case.carrying(), &shared.entry) {
        (Some(carrying), Some(entry)) => {
            carrying_code(&mut text, &entry.carrying, carrying, &case.procedures);
        }
        _ => {
            text.str("No anesthesia code could be resolved for the case; see the findings.");
        }
    }
    let blocks = case.time.intervals.len();
    text.str(" Anesthesia time is ")
        .number(u64::from(case.time.minutes))
        .str(" minutes in ")
        .number(blocks as u64)
        .str(if blocks == 1 { " block." } else { " blocks." });
    for reason in &billing.reasons {
        text.str(" ");
        reason.write(&mut text);
    }
    if let (Some(profile), Some(prepared)) = (profile, &shared.profile) {
        lines(&mut text, &prepared.time_rule, billing, profile);
    }
    text.into_string()
}

/// The code that carries the case, its base units and where it came from, and
/// the other procedures reported under it or beside it.
fn carrying_code(
    text: &mut Text,
    sentence: &str,
    carrying: &Resolved<'_>,
    resolved: &[Resolved<'_>],
) {
    text.str(sentence);
    let procedure = carrying.index as u64 + 1;
    match carrying.source {
        Source::Given => text
            .str("; it was given as procedure ")
            .number(procedure)
            .str("'s anesthesia code."),
        Source::Crosswalk(surgical) => text
            .str("; it was found through the crosswalk from procedure ")
            .number(procedure)
            .str("'s surgical code ")
            .str(surgical.as_str())
            .str("."),
    };
    let others: Vec<String> = resolved
        .iter()
        .filter(|r| !r.entry.add_on && r.index != carrying.index)
        .map(|r| {
            format!(
                "{} (procedure {}, {} base units)",
                r.entry.code,
                r.index + 1,
                r.base_units()
            )
        })
        .collect();
    if !others.is_empty() {
        let _ = write!(
            text,
            " It has the highest base units of the case's procedures, so {} {} reported under it with the total time.",
            others.join(", "),
            if others.len() == 1 { "is" } else { "are" }
        );
    }
    for add_on in resolved.iter().filter(|r| r.entry.add_on) {
        let _ = write!(
            text,
            " Add-on {} (procedure {}) is reported beside it.",
            add_on.entry.code,
            add_on.index + 1
        );
    }
}

/// Each anesthesia line's units and money, the lines billed apart, the profile.
fn lines(text: &mut Text, time_rule: &str, billing: &Billing<'_>, profile: &PayerProfile) {
    for line in billing
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Anesthesia)
    {
        text.str(" ")
            .coded(line.code, &line.modifiers)
            .str(" for ")
            .str(&line.provider_npi)
            .str(": ")
            .tenths(line.base_units.unwrap_or_default())
            .str(" base + ")
            .tenths(line.time_units.unwrap_or_default())
            .str(" time (")
            .number(u64::from(line.minutes))
            .str(" ")
            .str(time_rule)
            .str(") + ")
            .tenths(line.modifying_units.unwrap_or_default())
            .str(" modifying = ")
            .tenths(line.total_units)
            .str(" units at ")
            .number(u64::from(line.payment_percent))
            .str("%");
        match line.allowed_amount {
            Some(amount) => text.str(": $").cents(amount).str("."),
            None => text.str("."),
        };
    }
    let mut separate = billing
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::SeparateProcedure)
        .peekable();
    if separate.peek().is_some() {
        text.str(" Billed apart from the anesthesia: ");
        for (i, line) in separate.enumerate() {
            if i > 0 {
                text.str(", ");
            }
            text.coded(line.code, &line.modifiers);
        }
        text.str(".");
    }
    text.str(" Payer profile: ").str(&profile.name).str(".");
}
