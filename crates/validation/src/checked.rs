//! The checked case: what the checks established about a record, as typed values.
//! Billing and the explanation read only this, so no string of the record is
//! parsed after the checks, and a value the checks refused is simply absent.

use anescode_codes::Code;
use compact_str::CompactString;
use jiff::civil::Date;

use crate::checks::diagnoses::ReportedDiagnosis;
use crate::checks::procedures::Resolved;
use crate::time::Interval;
use crate::{AnesthesiaType, DiagnosisPointers, Npi, PhysicalStatus, ProviderRole};

/// A record after its checks.
#[derive(Debug)]
pub(crate) struct CheckedCase<'r, 'c> {
    pub(crate) date_of_service: Option<Date>,
    /// Completed years on the date of service, when believable.
    pub(crate) age: Option<i16>,
    pub(crate) anesthesia_type: Option<AnesthesiaType>,
    pub(crate) physical_status: Option<PhysicalStatus>,
    pub(crate) circumstances: Circumstances,
    pub(crate) mac: MacFlags,
    pub(crate) time: CaseTime,
    /// The procedures whose anesthesia code is known, in record order.
    pub(crate) procedures: Vec<Resolved<'c>>,
    /// The position in `procedures` of the one that carries the case.
    pub(crate) carrying: Option<usize>,
    /// The diagnoses as the decision reports them, in record order.
    pub(crate) diagnoses: Vec<ReportedDiagnosis>,
    pub(crate) providers: Vec<CheckedProvider<'r>>,
    pub(crate) ancillary: Vec<CheckedAncillary<'r>>,
    /// The payer locality, when one is sent.
    pub(crate) locality: Option<&'r str>,
}

impl<'c> CheckedCase<'_, 'c> {
    /// The procedure whose code carries the case.
    pub(crate) fn carrying(&self) -> Option<&Resolved<'c>> {
        self.carrying.map(|i| &self.procedures[i])
    }

    /// The diagnosis pointers of every claim line: the first [`MAX_POINTERS`].
    pub(crate) fn pointers(&self) -> DiagnosisPointers {
        (1..=self.diagnoses.len().min(MAX_POINTERS))
            .map(|i| i as u32)
            .collect()
    }
}

/// Diagnosis pointers per claim line: an 837P service line points to at most four
/// of the claim's diagnoses (SV107).
const MAX_POINTERS: usize = 4;

/// The case's anesthesia time, checked.
#[derive(Debug, Default)]
pub(crate) struct CaseTime {
    /// Counted intervals in start order; overlapping blocks are merged.
    pub(crate) intervals: Vec<Interval>,
    pub(crate) minutes: u32,
}

/// The qualifying circumstances the record states (the extreme age comes from the
/// birth date).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Circumstances {
    pub(crate) emergency: bool,
    pub(crate) total_body_hypothermia: bool,
    pub(crate) controlled_hypotension: bool,
}

/// The monitored-anesthesia-care flags (G8, G9).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MacFlags {
    pub(crate) deep_complex: bool,
    pub(crate) severe_cardiopulmonary_history: bool,
}

/// One provider after its checks.
#[derive(Debug)]
pub(crate) struct CheckedProvider<'r> {
    /// Its position in the record.
    pub(crate) index: usize,
    /// The NPI as sent: the claim line is billed under it.
    pub(crate) npi_text: &'r str,
    /// The NPI, when it is a valid one.
    pub(crate) npi: Option<Npi>,
    pub(crate) role: Option<ProviderRole>,
    pub(crate) concurrent_cases: u32,
    pub(crate) medical_direction_documented: bool,
    pub(crate) present_at_induction: bool,
    /// Its own time, when it has blocks of its own; otherwise it shares the case's.
    pub(crate) own_time: Option<Vec<Interval>>,
    /// The minutes of its own time.
    pub(crate) minutes: Option<u32>,
}

impl CheckedProvider<'_> {
    /// The NPI a claim line is billed under: the valid NPI, or the text as sent
    /// when it is not one (an ERROR finding says so).
    pub(crate) fn billing_npi(&self) -> CompactString {
        CompactString::from(self.npi.as_ref().map_or(self.npi_text, Npi::as_str))
    }
}

/// One procedure performed beside the anesthetic, after its checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckedAncillary<'r> {
    /// Its position in the record.
    pub(crate) index: usize,
    /// Its CPT code; absent when missing or malformed (both reported).
    pub(crate) code: Option<Code>,
    /// The NPI of who performed it, as sent.
    pub(crate) performer: &'r str,
    pub(crate) ultrasound_guided: bool,
    pub(crate) surgeon_requested_postop_pain: bool,
    pub(crate) primary_anesthetic: bool,
    pub(crate) emergency: bool,
}
