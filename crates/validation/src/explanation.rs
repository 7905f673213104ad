//! The one place where a decision is put into words and figures. Billing records
//! why it did what it did as [`Reason`]s; this module renders them, with the code
//! that carries the case and the billed lines, into the rationale, and lists the
//! figures applied with their sources. No decision is taken here.

use std::fmt::{self, Write as _};

use anescode_codes::{Catalog, Code};
use jiff::civil::Date;

use crate::billing::{Billing, Circumstance};
use crate::checked::CheckedCase;
use crate::checks::procedures::{Resolved, Source};
use crate::{AppliedFigure, ConversionFactor, FigureKind, LineKind, Modifier, PayerProfile};

/// Why billing decided as it did, in the order it decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Who bills the anesthesia, and with which payment modifier.
    Team(TeamReason),
    /// The qualifying circumstances that apply, with the profile's units.
    QualifyingCircumstances(Vec<(Circumstance, u32)>),
    /// The obstetric add-ons' own minutes within the case are billed on them, not
    /// on the primary code.
    MinutesSplit {
        add_ons: Vec<Code>,
        within_case: u32,
        primary: Code,
        primary_minutes: u32,
    },
    /// The obstetric add-ons have a team of their own, the providers present in
    /// their time.
    AddOnTeam {
        add_ons: Vec<Code>,
        team: TeamReason,
    },
}

/// How the billing providers took part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TeamReason {
    /// An anesthesiologist directing student nurse anesthetists' concurrent cases.
    StudentsDirected { concurrent: u32, percent: u32 },
    /// A teaching anesthesiologist directing more concurrent cases than the
    /// teaching rule allows.
    TeachingDirected { concurrent: u32, percent: u32 },
    /// Personally performed, or teaching a resident.
    Personal { teaching: bool },
    /// An anesthesiologist assistant without an anesthesiologist.
    AssistantUndirected,
    /// A CRNA without an anesthesiologist.
    CrnaUndirected,
    /// An anesthesiologist directing (or supervising) a CRNA or AA.
    Directed {
        direction: Direction,
        percent: u32,
        /// The directed provider is an anesthesiologist assistant, not a CRNA.
        assistant: bool,
        split: u32,
    },
}

/// How many cases the anesthesiologist directed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// QY.
    One,
    /// QK, with the number of cases.
    Concurrent(u32),
    /// AD, with the number of cases.
    Supervised {
        cases: u32,
        present_at_induction: bool,
    },
}

impl fmt::Display for TeamReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TeamReason::StudentsDirected {
                concurrent,
                percent,
            } => write!(
                f,
                "The anesthesiologist directed {concurrent} concurrent student nurse anesthetist cases: QK at {percent}%."
            ),
            TeamReason::TeachingDirected {
                concurrent,
                percent,
            } => write!(
                f,
                "The teaching anesthesiologist directed {concurrent} concurrent cases: QK with GC at {percent}%."
            ),
            TeamReason::Personal { teaching: true } => f.write_str(
                "The teaching anesthesiologist was involved with a resident: AA with GC at 100%.",
            ),
            TeamReason::Personal { teaching: false } => {
                f.write_str("The anesthesiologist personally performed the anesthetic: AA at 100%.")
            }
            TeamReason::AssistantUndirected => {
                f.write_str("An anesthesiologist assistant without medical direction cannot bill.")
            }
            TeamReason::CrnaUndirected => {
                f.write_str("The CRNA worked without medical direction: QZ at 100%.")
            }
            TeamReason::Directed {
                direction,
                percent,
                assistant,
                split,
            } => {
                f.write_str("The anesthesiologist ")?;
                match direction {
                    Direction::One => f.write_str("directed one CRNA/AA: QY")?,
                    Direction::Concurrent(n) => write!(f, "directed {n} concurrent cases: QK")?,
                    Direction::Supervised {
                        cases,
                        present_at_induction,
                    } => write!(
                        f,
                        "supervised {cases} concurrent cases, more than four: AD with 3 base units{} and no time units",
                        if present_at_induction {
                            " plus 1 for presence at induction"
                        } else {
                            ""
                        }
                    )?,
                }
                let directed = if assistant {
                    "anesthesiologist assistant"
                } else {
                    "CRNA"
                };
                write!(
                    f,
                    " at {percent}%, and the {directed} bills QX at {split}%."
                )
            }
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Team(team) => team.fmt(f),
            Reason::QualifyingCircumstances(applied) => {
                f.write_str("Qualifying circumstances: ")?;
                for (i, (circumstance, units)) in applied.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(
                        f,
                        "{} for {} ({units} units)",
                        circumstance.code(),
                        circumstance_words(*circumstance)
                    )?;
                }
                f.write_str(".")
            }
            Reason::MinutesSplit {
                add_ons,
                within_case,
                primary,
                primary_minutes,
            } => write!(
                f,
                "{within_case} minutes of the case's anesthesia time are {}'s own and are billed on it only; {primary} carries the other {primary_minutes}.",
                Joined(add_ons, " and ")
            ),
            Reason::AddOnTeam { add_ons, team } => write!(
                f,
                "{} has a team of its own, the providers present in its time: {team}",
                Joined(add_ons, " and ")
            ),
        }
    }
}

fn circumstance_words(circumstance: Circumstance) -> &'static str {
    match circumstance {
        Circumstance::YoungerThanOne => "a patient younger than 1 year",
        Circumstance::OlderThanSeventy => "a patient older than 70",
        Circumstance::TotalBodyHypothermia => "total body hypothermia",
        Circumstance::ControlledHypotension => "controlled hypotension",
        Circumstance::Emergency => "emergency conditions",
    }
}

/// Items written with a separator between them.
struct Joined<'a, T>(&'a [T], &'a str);

impl<T: fmt::Display> fmt::Display for Joined<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(self.1)?;
            }
            item.fmt(f)?;
        }
        Ok(())
    }
}

/// A code with its modifiers, `00402-AA-P3`.
struct Coded<'a>(Code, &'a [Modifier]);

impl fmt::Display for Coded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)?;
        for modifier in self.1 {
            write!(f, "-{modifier}")?;
        }
        Ok(())
    }
}

/// The rationale: the code that carries the case and why, the time, then the
/// billing reasons, each anesthesia line's units and money, and the lines billed
/// apart.
pub(crate) fn rationale(
    catalog: &Catalog,
    case: &CheckedCase<'_, '_>,
    billing: &Billing<'_>,
    profile: Option<&PayerProfile>,
) -> String {
    let mut text = String::new();
    match case.carrying() {
        None => {
            text.push_str("No anesthesia code could be resolved for the case; see the findings.")
        }
        Some(carrying) => carrying_code(&mut text, catalog, carrying, &case.procedures),
    }
    let blocks = case.time.intervals.len();
    let _ = write!(
        text,
        " Anesthesia time is {} minutes in {blocks} {}.",
        case.time.minutes,
        if blocks == 1 { "block" } else { "blocks" }
    );
    for reason in &billing.reasons {
        let _ = write!(text, " {reason}");
    }
    if let Some(profile) = profile {
        lines(&mut text, billing, profile);
    }
    text
}

/// The code that carries the case, its base units and where it came from, and
/// the other procedures reported under it or beside it.
fn carrying_code(
    text: &mut String,
    catalog: &Catalog,
    carrying: &Resolved<'_>,
    resolved: &[Resolved<'_>],
) {
    let entry = carrying.entry;
    let _ = write!(
        text,
        "{} ({}) carries the case",
        entry.code, entry.description
    );
    match &entry.base_units {
        Some(base) => {
            let _ = write!(
                text,
                " with {} base units ({} effective {}, {})",
                base.units,
                catalog.schedule().id(),
                catalog.schedule().effective(),
                base.corroboration.as_str()
            );
        }
        None => text.push_str(" without base units (unpriced in the schedule in force)"),
    }
    let procedure = carrying.index + 1;
    let _ = match carrying.source {
        Source::Given => write!(
            text,
            "; it was given as procedure {procedure}'s anesthesia code."
        ),
        Source::Crosswalk(surgical) => write!(
            text,
            "; it was found through the crosswalk from procedure {procedure}'s surgical code {surgical}."
        ),
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
fn lines(text: &mut String, billing: &Billing<'_>, profile: &PayerProfile) {
    for line in billing
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Anesthesia)
    {
        let _ = write!(
            text,
            " {} for {}: {} base + {} time ({} {}) + {} modifying = {} units at {}%",
            Coded(line.code, &line.modifiers),
            line.provider_npi,
            line.base_units.unwrap_or_default(),
            line.time_units.unwrap_or_default(),
            line.minutes,
            profile.time_units.value,
            line.modifying_units.unwrap_or_default(),
            line.total_units,
            line.payment_percent,
        );
        let _ = match line.allowed_amount {
            Some(amount) => write!(text, ": ${amount}."),
            None => write!(text, "."),
        };
    }
    let separate: Vec<String> = billing
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::SeparateProcedure)
        .map(|l| Coded(l.code, &l.modifiers).to_string())
        .collect();
    if !separate.is_empty() {
        let _ = write!(
            text,
            " Billed apart from the anesthesia: {}.",
            separate.join(", ")
        );
    }
    let _ = write!(text, " Payer profile: {}.", profile.name);
}

/// The figures the decision applied, each with its source and effective date:
/// the carrying code's base units, the profile's unit rules and split, and the
/// conversion factor when one applies.
pub(crate) fn figures(
    catalog: &Catalog,
    case: &CheckedCase<'_, '_>,
    profile: &PayerProfile,
    factor: Option<&ConversionFactor>,
) -> Vec<AppliedFigure> {
    let mut figures = Vec::with_capacity(6);
    if let Some(carrying) = case.carrying()
        && let Some(base) = &carrying.entry.base_units
    {
        let schedule = catalog.schedule();
        figures.push(AppliedFigure {
            code: Some(carrying.entry.code),
            ..figure(
                FigureKind::BaseUnits,
                format!("base units {}", carrying.entry.code),
                base.units.to_string(),
                format!(
                    "{} ({}): {}",
                    schedule.id(),
                    base.corroboration.as_str(),
                    base.evidence
                ),
                Some(schedule.effective()),
            )
        });
    }
    profile_figures(&mut figures, profile);
    if let Some(factor) = factor {
        let name = match &factor.locality {
            Some(locality) => format!("conversion factor, locality {locality}"),
            None => "conversion factor".to_owned(),
        };
        figures.push(AppliedFigure {
            locality: factor.locality.clone(),
            ..figure(
                FigureKind::ConversionFactor,
                name,
                factor.rate.to_string(),
                factor.source.clone(),
                Some(factor.effective),
            )
        });
    }
    figures
}

/// The profile's time-unit rule, physical-status and qualifying-circumstance
/// units, and medical direction split.
fn profile_figures(figures: &mut Vec<AppliedFigure>, profile: &PayerProfile) {
    let rule = &profile.time_units;
    figures.push(figure(
        FigureKind::TimeUnitRule,
        "time units".to_owned(),
        rule.value.to_string(),
        rule.source.clone(),
        rule.effective,
    ));
    let ps = &profile.physical_status_units;
    figures.push(figure(
        FigureKind::PhysicalStatusUnits,
        "physical status units P1-P6".to_owned(),
        ps.value.0.map(|u| u.to_string()).join("/"),
        ps.source.clone(),
        ps.effective,
    ));
    let qc = &profile.qualifying_units;
    figures.push(figure(
        FigureKind::QualifyingCircumstanceUnits,
        "qualifying circumstance units 99100/99116/99135/99140".to_owned(),
        format!(
            "{}/{}/{}/{}",
            qc.value.extreme_age,
            qc.value.total_body_hypothermia,
            qc.value.controlled_hypotension,
            qc.value.emergency
        ),
        qc.source.clone(),
        qc.effective,
    ));
    let split = &profile.medical_direction_percent;
    figures.push(figure(
        FigureKind::MedicalDirectionPercent,
        "medical direction percent".to_owned(),
        split.value.to_string(),
        split.source.clone(),
        split.effective,
    ));
}

fn figure(
    kind: FigureKind,
    name: String,
    value: String,
    source: String,
    effective: Option<Date>,
) -> AppliedFigure {
    AppliedFigure {
        kind,
        code: None,
        locality: None,
        name,
        value,
        source,
        effective,
    }
}
