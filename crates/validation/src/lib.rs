//! The anesthesia case model and the rules that turn a case record into a coding
//! decision. Pure and synchronous: no I/O, no clocks, no wire types.
//!
//! A [`CaseRecord`] holds the record as the sender gave it; [`Coder::code`] checks
//! every field, resolves the anesthesia code and returns a [`Decision`] whose
//! [`Finding`]s explain every problem, each tied to a [`Rule`] with its source.

mod billing;
mod checks;
mod claim;
mod coder;
mod decision;
mod finding;
pub mod limits;
mod npi;
mod profile;
mod record;
mod rules;
mod time;
mod units;

pub use checks::diagnoses::ReportedDiagnosis;
pub use claim::{AppliedFigure, ClaimLine, FigureKind, LineKind};
pub use coder::Coder;
pub use decision::{Decision, DecisionStatus};
pub use finding::{Finding, Severity};
pub use npi::{Npi, NpiError};
pub use profile::{
    ConversionFactor, PayerProfile, PayerProfiles, PhysicalStatusUnits, QualifyingUnits, Sourced,
    TimeRounding, TimeUnitRule,
};
pub use record::{
    AncillaryProcedure, AnesthesiaType, CaseRecord, Enumerated, Patient, Payer, PhysicalStatus,
    Procedure, Provider, ProviderRole, RawTimestamp, Sex, TimeBlock,
};
pub use rules::Rule;
pub use units::{Cents, Rate, RateParseError, Tenths, allowed_amount};
