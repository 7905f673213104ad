//! The one place where a decision is put into words and figures. Billing records
//! why it did what it did as [`Reason`]s; this module renders them, with the code
//! that carries the case and the billed lines, into the rationale, and lists the
//! figures applied with their sources. No decision is taken here.

use std::fmt::{self, Write as _};

use anescode_codes::Code;

use crate::billing::Circumstance;

mod prepared;
mod rationale;
mod text;

use text::Text;

pub(crate) use prepared::{Prepared, figures};
pub(crate) use rationale::rationale;

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

impl TeamReason {
    fn write(self, text: &mut Text) {
        match self {
            TeamReason::StudentsDirected {
                concurrent,
                percent,
            } => text
                .str("The anesthesiologist directed ")
                .number(u64::from(concurrent))
                .str(" concurrent student nurse anesthetist cases: QK at ")
                .number(u64::from(percent))
                .str("%."),
            TeamReason::TeachingDirected {
                concurrent,
                percent,
            } => text
                .str("The teaching anesthesiologist directed ")
                .number(u64::from(concurrent))
                .str(" concurrent cases: QK with GC at ")
                .number(u64::from(percent))
                .str("%."),
            TeamReason::Personal { teaching: true } => text.str(
                "The teaching anesthesiologist was involved with a resident: AA with GC at 100%.",
            ),
            TeamReason::Personal { teaching: false } => {
                text.str("The anesthesiologist personally performed the anesthetic: AA at 100%.")
            }
            TeamReason::AssistantUndirected => {
                text.str("An anesthesiologist assistant without medical direction cannot bill.")
            }
            TeamReason::CrnaUndirected => {
                text.str("The CRNA worked without medical direction: QZ at 100%.")
            }
            TeamReason::Directed {
                direction,
                percent,
                assistant,
                split,
            } => {
                text.str("The anesthesiologist ");
                match direction {
                    Direction::One => text.str("directed one CRNA/AA: QY"),
                    Direction::Concurrent(n) => text
                        .str("directed ")
                        .number(u64::from(n))
                        .str(" concurrent cases: QK"),
                    Direction::Supervised {
                        cases,
                        present_at_induction,
                    } => text
                        .str("supervised ")
                        .number(u64::from(cases))
                        .str(" concurrent cases, more than four: AD with 3 base units")
                        .str(if present_at_induction {
                            " plus 1 for presence at induction"
                        } else {
                            ""
                        })
                        .str(" and no time units"),
                };
                text.str(" at ")
                    .number(u64::from(percent))
                    .str("%, and the ")
                    .str(if assistant {
                        "anesthesiologist assistant"
                    } else {
                        "CRNA"
                    })
                    .str(" bills QX at ")
                    .number(u64::from(split))
                    .str("%.")
            }
        };
    }
}

impl Reason {
    /// Writes the reason as the rationale gives it.
    fn write(&self, text: &mut Text) {
        match self {
            Reason::Team(team) => team.write(text),
            Reason::QualifyingCircumstances(applied) => {
                text.str("Qualifying circumstances: ");
                for (i, (circumstance, units)) in applied.iter().enumerate() {
                    if i > 0 {
                        text.str(", ");
                    }
                    text.str(circumstance.code().as_str())
                        .str(" for ")
                        .str(circumstance_words(*circumstance))
                        .str(" (")
                        .number(u64::from(*units))
                        .str(" units)");
                }
                text.str(".");
            }
            Reason::MinutesSplit {
                add_ons,
                within_case,
                primary,
                primary_minutes,
            } => {
                let _ = write!(
                    text,
                    "{within_case} minutes of the case's anesthesia time are {}'s own and are billed on it only; {primary} carries the other {primary_minutes}.",
                    Joined(add_ons, " and ")
                );
            }
            Reason::AddOnTeam { add_ons, team } => {
                let _ = write!(
                    text,
                    "{} has a team of its own, the providers present in its time: ",
                    Joined(add_ons, " and ")
                );
                team.write(text);
            }
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
