//! Claim-line modifiers: the payment modifiers that price an anesthesia line and
//! the informational ones that follow them (CMS Claims Processing Manual ch.12
//! §50.K; domain reference §2).

use std::fmt;

use crate::PhysicalStatus;

/// A modifier on a claim line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// Personally performed by the anesthesiologist.
    AA,
    /// Medical direction of one CRNA or AA.
    QY,
    /// Medical direction of 2-4 concurrent procedures.
    QK,
    /// Medical supervision of more than four concurrent procedures.
    AD,
    /// CRNA or AA service under medical direction.
    QX,
    /// CRNA service without medical direction.
    QZ,
    /// Performed in part by a resident under a teaching physician.
    GC,
    /// Monitored anesthesia care.
    QS,
    /// MAC for a deep, complex or markedly invasive procedure.
    G8,
    /// MAC for a patient with a severe cardiopulmonary history.
    G9,
    /// ASA physical status 1.
    P1,
    /// ASA physical status 2.
    P2,
    /// ASA physical status 3.
    P3,
    /// ASA physical status 4.
    P4,
    /// ASA physical status 5.
    P5,
    /// ASA physical status 6.
    P6,
    /// CPT 23, unusual anesthesia.
    UnusualAnesthesia,
    /// CPT 59, distinct procedural service.
    DistinctService,
}

impl Modifier {
    /// The modifier as the claim writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::AA => "AA",
            Modifier::QY => "QY",
            Modifier::QK => "QK",
            Modifier::AD => "AD",
            Modifier::QX => "QX",
            Modifier::QZ => "QZ",
            Modifier::GC => "GC",
            Modifier::QS => "QS",
            Modifier::G8 => "G8",
            Modifier::G9 => "G9",
            Modifier::P1 => "P1",
            Modifier::P2 => "P2",
            Modifier::P3 => "P3",
            Modifier::P4 => "P4",
            Modifier::P5 => "P5",
            Modifier::P6 => "P6",
            Modifier::UnusualAnesthesia => "23",
            Modifier::DistinctService => "59",
        }
    }

    /// True for the modifiers that price an anesthesia line (first position).
    pub fn is_payment(self) -> bool {
        matches!(
            self,
            Modifier::AA | Modifier::QY | Modifier::QK | Modifier::AD | Modifier::QX | Modifier::QZ
        )
    }
}

impl From<PhysicalStatus> for Modifier {
    fn from(status: PhysicalStatus) -> Self {
        match status {
            PhysicalStatus::P1 => Modifier::P1,
            PhysicalStatus::P2 => Modifier::P2,
            PhysicalStatus::P3 => Modifier::P3,
            PhysicalStatus::P4 => Modifier::P4,
            PhysicalStatus::P5 => Modifier::P5,
            PhysicalStatus::P6 => Modifier::P6,
        }
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
