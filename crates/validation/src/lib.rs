//! The anesthesia case model and the rules that turn a case record into a coding
//! decision. Pure and synchronous: no I/O, no clocks, no wire types.
//!
//! A [`CaseRecord`] holds the record as the sender gave it; [`Coder::code`] checks
//! every field, resolves the anesthesia code and returns a [`Decision`] whose
//! [`Finding`]s explain every problem, each tied to a [`Rule`] with its source.
//!
//! # One record, from wire to decision
//!
//! 1. The server counts the wire record's lists (`crates/server/src/wire_limits.rs`)
//!    and converts it to a [`CaseRecord`] (`crates/server/src/convert.rs`): the
//!    record as sent, nothing judged.
//! 2. [`Coder::code`] checks the [`limits`]; a record over them gets one finding per
//!    field and nothing else is done.
//! 3. `checks::check` (`checks/mod.rs`) runs the checks in the contract's field
//!    order: header and dates (`header.rs`), time (`time.rs`), procedures and the
//!    code that carries the case (`procedures.rs`), age-defined and obstetric
//!    edits, diagnoses against the ICD-10-CM release of the date of service
//!    (`diagnoses.rs`), providers and ancillary work (`providers.rs`), place of
//!    service, payer profile. Each pushes its [`Finding`]s, pointed at a typed
//!    [`FieldPath`], and hands on what it established: together a `CheckedCase`
//!    (`checked.rs`) of parsed dates, the age, resolved catalog entries with their
//!    own time, typed providers (role, NPI, minutes) and ancillary codes.
//! 4. Billing (`billing/`) reads only the checked case: who bills with which
//!    [`Modifier`] (`team.rs`), the anesthesia, add-on and qualifying-circumstance
//!    lines (`mod.rs`, `qualifying.rs`), the lines billed apart (`ancillary.rs`),
//!    the money. It records why as data (`explanation::Reason`).
//! 5. `explanation/` renders the reasons, the carrying code and the lines into the
//!    rationale, and lists the figures applied with their sources; the status
//!    follows from the findings, which are capped, and the server converts the
//!    [`Decision`] back to the wire (`convert.rs`).
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//!
//! use anescode_codes::Catalog;
//! use anescode_validation::{
//!     CaseRecord, Coder, DecisionStatus, Enumerated, Modifier, Patient, Payer, PayerProfiles,
//!     PhysicalStatus, Procedure, Provider, ProviderRole, RawTimestamp, Sex, TimeBlock,
//! };
//!
//! let coder = Coder::new(Arc::new(Catalog::embedded()), Arc::new(PayerProfiles::embedded()));
//! // 2026-03-02, 14:00 to 15:35 UTC: 95 minutes.
//! let at = |seconds| Some(RawTimestamp { seconds, nanos: 0 });
//! let record = CaseRecord {
//!     case_id: "DOC-1".to_owned(),
//!     date_of_service: "2026-03-02".to_owned(),
//!     patient: Some(Patient {
//!         birth_date: "1974-06-15".to_owned(),
//!         sex: Enumerated::Known(Sex::Female),
//!     }),
//!     anesthesia_type: Enumerated::Known(anescode_validation::AnesthesiaType::General),
//!     time_blocks: vec![TimeBlock { start: at(1_772_460_000), end: at(1_772_465_700) }],
//!     procedures: vec![Procedure { anesthesia_code: "00402".to_owned(), ..Default::default() }],
//!     diagnoses: vec!["N62".to_owned()],
//!     physical_status: Enumerated::Known(PhysicalStatus::P3),
//!     providers: vec![Provider {
//!         npi: "1234567893".to_owned(),
//!         role: Enumerated::Known(ProviderRole::Anesthesiologist),
//!         ..Default::default()
//!     }],
//!     place_of_service: "22".to_owned(),
//!     payer: Some(Payer { profile: "medicare".to_owned(), ..Default::default() }),
//!     ..Default::default()
//! };
//! let decision = coder.code(&record);
//! assert_eq!(decision.status, DecisionStatus::Coded);
//! let line = &decision.lines[0];
//! // 5 base units + 95 / 15 = 6.3 time units, at $20.4976 (Medicare 2026).
//! assert_eq!(line.modifiers[..], [Modifier::AA, Modifier::P3]);
//! assert_eq!(line.total_units.to_string(), "11.3");
//! assert_eq!(line.allowed_amount.map(|a| a.to_string()).as_deref(), Some("231.62"));
//! ```

#![warn(missing_docs)]

mod billing;
mod checked;
mod checks;
mod claim;
mod coder;
pub mod concurrency;
mod decision;
mod explanation;
mod field;
mod finding;
pub mod limits;
mod modifier;
mod npi;
mod profile;
mod record;
mod rules;
mod time;
mod units;

pub use checks::diagnoses::ReportedDiagnosis;
pub use claim::{AppliedFigure, ClaimLine, DiagnosisPointers, FigureKind, LineKind, LineModifiers};
pub use coder::Coder;
pub use decision::{Decision, DecisionStatus};
pub use field::{FieldPath, Name};
pub use finding::{Finding, Severity};
pub use modifier::Modifier;
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
pub use units::{Cents, Decimal, Rate, RateParseError, Tenths, allowed_amount};
