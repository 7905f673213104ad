//! The case record as the sender gave it. Values are kept as received (strings,
//! raw timestamps, enum numbers) so that every problem can be reported as a
//! finding on the exact field, instead of failing the whole record at the edge.

/// An enumerated field as received: not sent, a known value, or a number this
/// version of anescode does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Enumerated<T> {
    /// The zero value: not sent.
    #[default]
    Unspecified,
    /// A known value.
    Known(T),
    /// A value number this version does not know.
    Unknown(i32),
}

impl<T: Copy> Enumerated<T> {
    /// The known value, if any.
    pub fn known(self) -> Option<T> {
        match self {
            Enumerated::Known(value) => Some(value),
            Enumerated::Unspecified | Enumerated::Unknown(_) => None,
        }
    }
}

/// A timestamp as received: seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTimestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// Nanoseconds, 0 to 999,999,999.
    pub nanos: i32,
}

/// A block of anesthesia time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeBlock {
    /// When it began.
    pub start: Option<RawTimestamp>,
    /// When it ended.
    pub end: Option<RawTimestamp>,
}

/// A patient's administrative sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Recorded as unknown.
    Unknown,
}

/// The patient's demographics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patient {
    /// "YYYY-MM-DD".
    pub birth_date: String,
    /// Administrative sex.
    pub sex: Enumerated<Sex>,
}

/// The anesthesia technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnesthesiaType {
    /// General anesthesia.
    General,
    /// Regional anesthesia.
    Regional,
    /// Neuraxial anesthesia.
    Neuraxial,
    /// Monitored anesthesia care.
    MonitoredAnesthesiaCare,
}

/// One procedure under the anesthetic.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Procedure {
    /// The surgical CPT code, to crosswalk.
    pub surgical_cpt: String,
    /// The anesthesia code chosen upstream.
    pub anesthesia_code: String,
    /// Free text; never interpreted.
    pub description: String,
    /// The procedure's own time (obstetric add-ons).
    pub time_blocks: Vec<TimeBlock>,
}

/// The ASA physical status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhysicalStatus {
    /// A normal healthy patient.
    P1,
    /// Mild systemic disease.
    P2,
    /// Severe systemic disease.
    P3,
    /// Severe systemic disease, a constant threat to life.
    P4,
    /// Moribund.
    P5,
    /// Declared brain-dead, organ donor.
    P6,
}

/// A provider's role on the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderRole {
    /// A physician anesthesiologist.
    Anesthesiologist,
    /// A certified registered nurse anesthetist.
    Crna,
    /// An anesthesiologist assistant.
    AnesthesiologistAssistant,
    /// A resident physician.
    Resident,
    /// A student nurse anesthetist.
    StudentNurseAnesthetist,
}

/// An anesthesia provider on the case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provider {
    /// The 10-digit NPI.
    pub npi: String,
    /// The role on this case.
    pub role: Enumerated<ProviderRole>,
    /// The NUCC taxonomy code.
    pub taxonomy: String,
    /// Concurrent cases directed, this one included; 0 = not sent.
    pub concurrent_cases: u32,
    /// The seven medical-direction steps are documented.
    pub medical_direction_documented: bool,
    /// Present at induction.
    pub present_at_induction: bool,
    /// The provider's own time, when it differs from the case's.
    pub time_blocks: Vec<TimeBlock>,
}

/// A procedure beside the anesthetic.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AncillaryProcedure {
    /// The CPT code.
    pub cpt: String,
    /// Who performed it.
    pub performed_by_npi: String,
    /// Ultrasound guidance was used and documented.
    pub ultrasound_guided: bool,
    /// The surgeon requested it for post-operative pain.
    pub surgeon_requested_postop_pain: bool,
    /// It was the anesthetic for the surgery.
    pub primary_anesthetic: bool,
    /// An emergency outside the anesthetic.
    pub emergency: bool,
}

/// Who pays.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Payer {
    /// The payer profile name.
    pub profile: String,
    /// The sender's plan identifier.
    pub plan_id: String,
    /// The pricing locality, selecting a locality conversion factor.
    pub locality: String,
}

/// One anesthesia case as received.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseRecord {
    /// The sender's case identifier; the idempotency key.
    pub case_id: String,
    /// The sender's revision number.
    pub revision: u64,
    /// The facility, as the sender names it.
    pub facility_id: String,
    /// "YYYY-MM-DD".
    pub date_of_service: String,
    /// Demographics.
    pub patient: Option<Patient>,
    /// The technique.
    pub anesthesia_type: Enumerated<AnesthesiaType>,
    /// Anesthesia time.
    pub time_blocks: Vec<TimeBlock>,
    /// The procedures.
    pub procedures: Vec<Procedure>,
    /// ICD-10-CM codes, primary first.
    pub diagnoses: Vec<String>,
    /// ASA physical status.
    pub physical_status: Enumerated<PhysicalStatus>,
    /// Emergency conditions.
    pub emergency: bool,
    /// The providers.
    pub providers: Vec<Provider>,
    /// Total body hypothermia was used.
    pub total_body_hypothermia: bool,
    /// Controlled hypotension was used.
    pub controlled_hypotension: bool,
    /// MAC for a deep complex procedure (G8).
    pub mac_deep_complex: bool,
    /// MAC for a severe cardiopulmonary history (G9).
    pub mac_severe_cardiopulmonary_history: bool,
    /// Procedures beside the anesthetic.
    pub ancillary_procedures: Vec<AncillaryProcedure>,
    /// CMS place of service.
    pub place_of_service: String,
    /// Who pays.
    pub payer: Option<Payer>,
}
