//! Where in the record a finding points: a typed path such as
//! `procedures[0].time_blocks[1].end`, built from the contract's field names and
//! element positions, and rendered to text once, when the finding is reported.
//! A misspelled field is a compile error, and building a path allocates nothing.

use std::fmt;

/// A field of `anescode.v1.CaseRecord` or of one of its messages, by the name the
/// contract gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the contract field of the same name
pub enum Name {
    CaseId,
    Revision,
    FacilityId,
    DateOfService,
    Patient,
    BirthDate,
    Sex,
    AnesthesiaType,
    TimeBlocks,
    Start,
    End,
    Procedures,
    AnesthesiaCode,
    SurgicalCpt,
    Description,
    Diagnoses,
    PhysicalStatus,
    Providers,
    Npi,
    Role,
    Taxonomy,
    ConcurrentCases,
    MedicalDirectionDocumented,
    MacDeepComplex,
    MacSevereCardiopulmonaryHistory,
    AncillaryProcedures,
    Cpt,
    PerformedByNpi,
    PlaceOfService,
    Payer,
    Profile,
    PlanId,
    Locality,
}

impl Name {
    /// The field's name in the contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Name::CaseId => "case_id",
            Name::Revision => "revision",
            Name::FacilityId => "facility_id",
            Name::DateOfService => "date_of_service",
            Name::Patient => "patient",
            Name::BirthDate => "birth_date",
            Name::Sex => "sex",
            Name::AnesthesiaType => "anesthesia_type",
            Name::TimeBlocks => "time_blocks",
            Name::Start => "start",
            Name::End => "end",
            Name::Procedures => "procedures",
            Name::AnesthesiaCode => "anesthesia_code",
            Name::SurgicalCpt => "surgical_cpt",
            Name::Description => "description",
            Name::Diagnoses => "diagnoses",
            Name::PhysicalStatus => "physical_status",
            Name::Providers => "providers",
            Name::Npi => "npi",
            Name::Role => "role",
            Name::Taxonomy => "taxonomy",
            Name::ConcurrentCases => "concurrent_cases",
            Name::MedicalDirectionDocumented => "medical_direction_documented",
            Name::MacDeepComplex => "mac_deep_complex",
            Name::MacSevereCardiopulmonaryHistory => "mac_severe_cardiopulmonary_history",
            Name::AncillaryProcedures => "ancillary_procedures",
            Name::Cpt => "cpt",
            Name::PerformedByNpi => "performed_by_npi",
            Name::PlaceOfService => "place_of_service",
            Name::Payer => "payer",
            Name::Profile => "profile",
            Name::PlanId => "plan_id",
            Name::Locality => "locality",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Step {
    Name(Name),
    Index(u32),
}

/// The deepest path the record has: `procedures[i].time_blocks[j].end`.
const DEPTH: usize = 5;

/// The path of a field in the record; [`FieldPath::RECORD`] for a finding about
/// the record as a whole.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldPath {
    steps: [Step; DEPTH],
    len: u8,
}

impl FieldPath {
    /// No field: the finding is about the record as a whole (rendered empty).
    pub const RECORD: FieldPath = FieldPath {
        steps: [Step::Index(0); DEPTH],
        len: 0,
    };

    /// A top-level field of the record.
    pub const fn of(name: Name) -> Self {
        FieldPath::RECORD.then(name)
    }

    /// The field `name` of this message.
    pub const fn then(self, name: Name) -> Self {
        self.push(Step::Name(name))
    }

    /// The element at `index` (from 0) of this list.
    pub const fn at(self, index: usize) -> Self {
        let index = if index > u32::MAX as usize {
            u32::MAX
        } else {
            index as u32
        };
        self.push(Step::Index(index))
    }

    const fn push(mut self, step: Step) -> Self {
        // Paths are built by the engine, never from input, and none is deeper
        // than DEPTH (a unit test builds the deepest); a deeper step is dropped.
        if (self.len as usize) < DEPTH {
            self.steps[self.len as usize] = step;
            self.len += 1;
        }
        self
    }

    /// True for [`FieldPath::RECORD`].
    pub fn is_record(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps[..usize::from(self.len)].iter().enumerate() {
            match step {
                Step::Name(name) if i == 0 => f.write_str(name.as_str())?,
                Step::Name(name) => write!(f, ".{}", name.as_str())?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl PartialEq<str> for FieldPath {
    /// Compares the rendered path with `other` without allocating.
    fn eq(&self, other: &str) -> bool {
        struct Rest<'a>(&'a str);
        impl fmt::Write for Rest<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 = self.0.strip_prefix(s).ok_or(fmt::Error)?;
                Ok(())
            }
        }
        let mut rest = Rest(other);
        fmt::write(&mut rest, format_args!("{self}")).is_ok() && rest.0.is_empty()
    }
}

impl PartialEq<&str> for FieldPath {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_as_the_contract_names_them() {
        let deepest = FieldPath::of(Name::Procedures)
            .at(3)
            .then(Name::TimeBlocks)
            .at(12)
            .then(Name::End);
        assert_eq!(deepest.to_string(), "procedures[3].time_blocks[12].end");
        assert_eq!(
            FieldPath::of(Name::Patient)
                .then(Name::BirthDate)
                .to_string(),
            "patient.birth_date"
        );
        assert_eq!(FieldPath::of(Name::Diagnoses).at(0), "diagnoses[0]");
        assert_eq!(FieldPath::RECORD.to_string(), "");
        assert!(FieldPath::RECORD.is_record());
    }
}
