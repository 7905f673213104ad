//! Conversions between the wire types and the domain types. Every wire message is
//! destructured field by field, so a new proto field is a compile error here until
//! it is handled, never silently ignored input.
//!
//! Record conversion cannot fail: values are carried as received, and the
//! validation crate reports each bad one as a finding on its field.

use anescode_codes::icd10cm::Diagnosis;
use anescode_codes::{CatalogEntry, CodeKind, Subsection};
use anescode_validation as domain;

use crate::pb;

impl From<pb::CaseRecord> for domain::CaseRecord {
    fn from(record: pb::CaseRecord) -> Self {
        let pb::CaseRecord {
            case_id,
            revision,
            facility_id,
            date_of_service,
            patient,
            anesthesia_type,
            time_blocks,
            procedures,
            diagnoses,
            physical_status,
            emergency,
            providers,
            total_body_hypothermia,
            controlled_hypotension,
            mac_deep_complex,
            mac_severe_cardiopulmonary_history,
            ancillary_procedures,
            place_of_service,
            payer,
        } = record;
        domain::CaseRecord {
            case_id,
            revision,
            facility_id,
            date_of_service,
            patient: patient.map(Into::into),
            anesthesia_type: self::anesthesia_type(anesthesia_type),
            time_blocks: blocks(time_blocks),
            procedures: procedures.into_iter().map(Into::into).collect(),
            diagnoses,
            physical_status: self::physical_status(physical_status),
            emergency,
            providers: providers.into_iter().map(Into::into).collect(),
            total_body_hypothermia,
            controlled_hypotension,
            mac_deep_complex,
            mac_severe_cardiopulmonary_history,
            ancillary_procedures: ancillary_procedures.into_iter().map(Into::into).collect(),
            place_of_service,
            payer: payer.map(Into::into),
        }
    }
}

impl From<pb::Patient> for domain::Patient {
    fn from(patient: pb::Patient) -> Self {
        let pb::Patient { birth_date, sex } = patient;
        domain::Patient {
            birth_date,
            sex: self::sex(sex),
        }
    }
}

impl From<pb::TimeBlock> for domain::TimeBlock {
    fn from(block: pb::TimeBlock) -> Self {
        let pb::TimeBlock { start, end } = block;
        domain::TimeBlock {
            start: start.map(raw_timestamp),
            end: end.map(raw_timestamp),
        }
    }
}

impl From<pb::Procedure> for domain::Procedure {
    fn from(procedure: pb::Procedure) -> Self {
        let pb::Procedure {
            surgical_cpt,
            anesthesia_code,
            description,
            time_blocks,
        } = procedure;
        domain::Procedure {
            surgical_cpt,
            anesthesia_code,
            description,
            time_blocks: blocks(time_blocks),
        }
    }
}

impl From<pb::Provider> for domain::Provider {
    fn from(provider: pb::Provider) -> Self {
        let pb::Provider {
            npi,
            role,
            taxonomy,
            concurrent_cases,
            medical_direction_documented,
            present_at_induction,
            time_blocks,
        } = provider;
        domain::Provider {
            npi,
            role: self::role(role),
            taxonomy,
            concurrent_cases,
            medical_direction_documented,
            present_at_induction,
            time_blocks: blocks(time_blocks),
        }
    }
}

impl From<pb::AncillaryProcedure> for domain::AncillaryProcedure {
    fn from(procedure: pb::AncillaryProcedure) -> Self {
        let pb::AncillaryProcedure {
            cpt,
            performed_by_npi,
            ultrasound_guided,
            surgeon_requested_postop_pain,
            primary_anesthetic,
            emergency,
        } = procedure;
        domain::AncillaryProcedure {
            cpt,
            performed_by_npi,
            ultrasound_guided,
            surgeon_requested_postop_pain,
            primary_anesthetic,
            emergency,
        }
    }
}

impl From<pb::Payer> for domain::Payer {
    fn from(payer: pb::Payer) -> Self {
        let pb::Payer {
            profile,
            plan_id,
            locality,
        } = payer;
        domain::Payer {
            profile,
            plan_id,
            locality,
        }
    }
}

fn blocks(blocks: Vec<pb::TimeBlock>) -> Vec<domain::TimeBlock> {
    blocks.into_iter().map(Into::into).collect()
}

fn raw_timestamp(timestamp: prost_types::Timestamp) -> domain::RawTimestamp {
    let prost_types::Timestamp { seconds, nanos } = timestamp;
    domain::RawTimestamp { seconds, nanos }
}

/// The record's anesthesia type, from its enum number.
pub(crate) fn anesthesia_type(number: i32) -> domain::Enumerated<domain::AnesthesiaType> {
    enumerated(number, anesthesia_type_of)
}

/// The record's physical status, from its enum number.
pub(crate) fn physical_status(number: i32) -> domain::Enumerated<domain::PhysicalStatus> {
    enumerated(number, physical_status_of)
}

/// The patient's sex, from its enum number.
pub(crate) fn sex(number: i32) -> domain::Enumerated<domain::Sex> {
    enumerated(number, sex_of)
}

/// A provider's role, from its enum number.
pub(crate) fn role(number: i32) -> domain::Enumerated<domain::ProviderRole> {
    enumerated(number, role_of)
}

/// An enum field: 0 is "not sent", a known number maps through `known`, any other
/// number is kept so the finding can name it.
fn enumerated<W, T>(value: i32, known: fn(W) -> Option<T>) -> domain::Enumerated<T>
where
    W: TryFrom<i32>,
{
    if value == 0 {
        return domain::Enumerated::Unspecified;
    }
    match W::try_from(value).ok().and_then(known) {
        Some(mapped) => domain::Enumerated::Known(mapped),
        None => domain::Enumerated::Unknown(value),
    }
}

fn sex_of(sex: pb::Sex) -> Option<domain::Sex> {
    match sex {
        pb::Sex::Unspecified => None,
        pb::Sex::Female => Some(domain::Sex::Female),
        pb::Sex::Male => Some(domain::Sex::Male),
        pb::Sex::Unknown => Some(domain::Sex::Unknown),
    }
}

fn anesthesia_type_of(kind: pb::AnesthesiaType) -> Option<domain::AnesthesiaType> {
    match kind {
        pb::AnesthesiaType::Unspecified => None,
        pb::AnesthesiaType::General => Some(domain::AnesthesiaType::General),
        pb::AnesthesiaType::Regional => Some(domain::AnesthesiaType::Regional),
        pb::AnesthesiaType::Neuraxial => Some(domain::AnesthesiaType::Neuraxial),
        pb::AnesthesiaType::MonitoredAnesthesiaCare => {
            Some(domain::AnesthesiaType::MonitoredAnesthesiaCare)
        }
    }
}

fn physical_status_of(status: pb::PhysicalStatus) -> Option<domain::PhysicalStatus> {
    match status {
        pb::PhysicalStatus::Unspecified => None,
        pb::PhysicalStatus::P1 => Some(domain::PhysicalStatus::P1),
        pb::PhysicalStatus::P2 => Some(domain::PhysicalStatus::P2),
        pb::PhysicalStatus::P3 => Some(domain::PhysicalStatus::P3),
        pb::PhysicalStatus::P4 => Some(domain::PhysicalStatus::P4),
        pb::PhysicalStatus::P5 => Some(domain::PhysicalStatus::P5),
        pb::PhysicalStatus::P6 => Some(domain::PhysicalStatus::P6),
    }
}

fn role_of(role: pb::ProviderRole) -> Option<domain::ProviderRole> {
    match role {
        pb::ProviderRole::Unspecified => None,
        pb::ProviderRole::Anesthesiologist => Some(domain::ProviderRole::Anesthesiologist),
        pb::ProviderRole::Crna => Some(domain::ProviderRole::Crna),
        pb::ProviderRole::AnesthesiologistAssistant => {
            Some(domain::ProviderRole::AnesthesiologistAssistant)
        }
        pb::ProviderRole::Resident => Some(domain::ProviderRole::Resident),
        pb::ProviderRole::StudentNurseAnesthetist => {
            Some(domain::ProviderRole::StudentNurseAnesthetist)
        }
    }
}

impl From<Diagnosis<'_>> for pb::DiagnosisCode {
    fn from(diagnosis: Diagnosis<'_>) -> Self {
        let chapter = diagnosis.chapter();
        let block = diagnosis.block();
        pb::DiagnosisCode {
            code: diagnosis.dotted(),
            description: diagnosis.description().into_owned(),
            billable: diagnosis.billable(),
            chapter: chapter.number,
            chapter_title: chapter.title.to_owned(),
            block: block.id.to_owned(),
            block_title: block.title.to_owned(),
            parent: diagnosis.parent().map(|p| p.dotted()).unwrap_or_default(),
            children_count: diagnosis.children(),
            requires_seventh_character: diagnosis.needs_seventh_character(),
            manifestation: diagnosis.manifestation(),
            code_first: diagnosis.code_first().unwrap_or_default().to_owned(),
        }
    }
}

/// A code as the wire writes it (without the formatting machinery: every
/// decision writes several).
fn code_text(code: anescode_codes::Code) -> String {
    let mut text = String::with_capacity(5);
    code.push_to(&mut text);
    text
}

/// An ISO date, `2026-01-01`, as `jiff` displays one; written directly, since
/// every full decision writes several.
fn date_text(date: jiff::civil::Date) -> String {
    let (Ok(year), Ok(month), Ok(day)) = (
        u16::try_from(date.year()),
        u8::try_from(date.month()),
        u8::try_from(date.day()),
    ) else {
        return date.to_string();
    };
    if year > 9999 {
        return date.to_string();
    }
    let mut text = String::with_capacity(10);
    for digit in [year / 1000, year / 100 % 10, year / 10 % 10, year % 10] {
        text.push(char::from(b'0' + digit as u8));
    }
    for part in [month, day] {
        text.push('-');
        text.push(char::from(b'0' + part / 10));
        text.push(char::from(b'0' + part % 10));
    }
    text
}

impl From<&domain::AppliedFigure> for pb::AppliedFigure {
    fn from(figure: &domain::AppliedFigure) -> Self {
        let domain::AppliedFigure {
            kind,
            code,
            locality,
            name,
            value,
            source,
            effective,
        } = figure;
        pb::AppliedFigure {
            name: name.clone(),
            value: value.clone(),
            source: source.clone(),
            effective_date: effective.map(date_text).unwrap_or_default(),
            kind: figure_kind(*kind).into(),
            code: code.map(code_text).unwrap_or_default(),
            locality: locality.clone().unwrap_or_default(),
        }
    }
}

fn figure_kind(kind: domain::FigureKind) -> pb::FigureKind {
    match kind {
        domain::FigureKind::BaseUnits => pb::FigureKind::BaseUnits,
        domain::FigureKind::TimeUnitRule => pb::FigureKind::TimeUnitRule,
        domain::FigureKind::PhysicalStatusUnits => pb::FigureKind::PhysicalStatusUnits,
        domain::FigureKind::QualifyingCircumstanceUnits => {
            pb::FigureKind::QualifyingCircumstanceUnits
        }
        domain::FigureKind::MedicalDirectionPercent => pb::FigureKind::MedicalDirectionPercent,
        domain::FigureKind::ConversionFactor => pb::FigureKind::ConversionFactor,
    }
}

impl From<&Subsection> for pb::Subsection {
    fn from(subsection: &Subsection) -> Self {
        pb::Subsection {
            number: subsection.number,
            name: subsection.name.to_owned(),
            first_code: subsection.first_code(),
            last_code: subsection.last_code(),
        }
    }
}

/// A catalog entry on the wire; the schedule supplies the source's effective date.
pub(crate) fn anesthesia_code(
    entry: &CatalogEntry,
    schedule: &anescode_codes::BaseUnitSchedule,
) -> pb::AnesthesiaCode {
    let CatalogEntry {
        code,
        description,
        kind,
        subsection,
        base_units,
        add_on,
        primary_codes,
        time_units_apply,
        reflects_extreme_age,
        effective_from,
        effective_to,
        note,
        ..
    } = entry;
    let kind = match kind {
        CodeKind::Anesthesia => pb::CodeKind::Anesthesia,
        CodeKind::QualifyingCircumstance => pb::CodeKind::QualifyingCircumstance,
    };
    pb::AnesthesiaCode {
        code: code.to_string(),
        description: description.clone(),
        kind: kind.into(),
        subsection: subsection.map(Into::into),
        base_units: base_units.as_ref().map(|b| b.units),
        base_unit_source: base_units.as_ref().map(|b| pb::BaseUnitSource {
            schedule_id: schedule.id().to_owned(),
            effective_date: schedule.effective().to_string(),
            status: b.corroboration.as_str().to_owned(),
            evidence: b.evidence.clone(),
        }),
        add_on: *add_on,
        primary_codes: primary_codes.iter().map(ToString::to_string).collect(),
        time_units_apply: *time_units_apply,
        reflects_extreme_age: *reflects_extreme_age,
        effective_from: effective_from.map(|d| d.to_string()).unwrap_or_default(),
        effective_to: effective_to.map(|d| d.to_string()).unwrap_or_default(),
        note: note.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_jiff_writes_them() {
        for text in [
            "2026-01-01",
            "1999-12-31",
            "0001-02-03",
            "9999-12-31",
            "2024-02-29",
        ] {
            let date: jiff::civil::Date = text.parse().expect("a date");
            assert_eq!(date_text(date), date.to_string());
            assert_eq!(date_text(date), text);
        }
        let before_year_one = jiff::civil::date(-5, 3, 1);
        assert_eq!(date_text(before_year_one), before_year_one.to_string());
    }
}
