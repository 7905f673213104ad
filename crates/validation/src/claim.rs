//! Claim lines: what the decision says to bill.

use anescode_codes::Code;
use compact_str::CompactString;
use jiff::civil::Date;
use smallvec::SmallVec;

use crate::Modifier;
use crate::units::{Cents, Tenths};

/// A line's modifiers, in billing order. Held inline: a line gets at most six
/// (payment, teaching, monitored care, physical status and unusual anesthesia,
/// `billing::modifiers`), and an allocation per line costs more than the list.
pub type LineModifiers = SmallVec<[Modifier; 6]>;

/// A line's diagnosis pointers, held inline: an 837P service line points to at
/// most four of the claim's diagnoses (SV107).
pub type DiagnosisPointers = SmallVec<[u32; 4]>;

/// What a claim line bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The anesthesia code that carries the case, for one billing provider.
    Anesthesia,
    /// An add-on anesthesia code (01953, 01968, 01969).
    AddOn,
    /// A qualifying-circumstance code (99100, 99116, 99135, 99140).
    QualifyingCircumstance,
    /// Work billed apart from the anesthesia (lines, TEE, post-operative blocks).
    SeparateProcedure,
}

/// One line of the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLine {
    /// The code billed.
    pub code: Code,
    /// Modifiers in billing order: payment modifier first.
    pub modifiers: LineModifiers,
    /// The NPI of the provider who bills the line.
    pub provider_npi: CompactString,
    /// What the line bills.
    pub kind: LineKind,
    /// Anesthesia minutes reported on the line.
    pub minutes: u32,
    /// Base units (anesthesia and add-on lines).
    pub base_units: Option<Tenths>,
    /// Time units (anesthesia and add-on lines).
    pub time_units: Option<Tenths>,
    /// Modifying units (physical status on anesthesia lines; the qualifying
    /// circumstance's own units on its line).
    pub modifying_units: Option<Tenths>,
    /// The sum of the line's units; service units for separate procedures.
    pub total_units: Tenths,
    /// The percent of the allowance the provider receives.
    pub payment_percent: u32,
    /// total units × conversion factor × percent, when the profile has a factor
    /// for the date of service.
    pub allowed_amount: Option<Cents>,
    /// 1-based positions in the record's diagnoses.
    pub diagnosis_pointers: DiagnosisPointers,
}

/// A figure the decision applied, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedFigure {
    /// What the figure is, for programs.
    pub kind: FigureKind,
    /// The anesthesia code it belongs to (base units).
    pub code: Option<Code>,
    /// The locality of a locality conversion factor.
    pub locality: Option<String>,
    /// What the figure is, for people, e.g. "conversion factor".
    pub name: String,
    /// Its value as applied, e.g. "20.4976".
    pub value: String,
    /// The document it comes from.
    pub source: String,
    /// The date it applies from, when the source states one.
    pub effective: Option<Date>,
}

/// What an applied figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FigureKind {
    /// The base units of the code that carries the case.
    BaseUnits,
    /// The payer profile's time-unit rule.
    TimeUnitRule,
    /// The units paid for P1-P6.
    PhysicalStatusUnits,
    /// The units paid for the qualifying circumstances.
    QualifyingCircumstanceUnits,
    /// The medical direction split.
    MedicalDirectionPercent,
    /// The conversion factor.
    ConversionFactor,
}
